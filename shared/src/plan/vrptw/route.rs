//! One vehicle's route, with what makes an insertion's feasibility a constant-time check.

use super::Problem;

/// Per route: its vehicle, load, distance, earliest departure from each position, latest
/// arrival at each position.
#[derive(Clone)]
pub(super) struct Route {
    pub(super) vehicle: usize,
    start: usize,
    end: usize,
    pub(super) visits: Vec<usize>,
    pub(super) load: i64,
    pub(super) cost: f64,
    /// departure[k]: earliest departure from visit k (k = 0 is the start, then visits
    /// 1..=len).
    departure: Vec<f64>,
    /// latest[k]: latest start of service at visit k for the rest to stay feasible (k = len+1:
    /// back at the end).
    latest: Vec<f64>,
}

impl Route {
    pub(super) fn new(p: &Problem, vehicle: usize, visits: Vec<usize>) -> Self {
        let v = p.vehicle(vehicle);
        let mut r = Route {
            vehicle,
            start: v.start,
            end: v.end,
            visits,
            load: 0,
            cost: 0.0,
            departure: Vec::new(),
            latest: Vec::new(),
        };
        r.refresh(p);
        r
    }

    #[inline]
    fn node(&self, k: usize) -> usize {
        if k == 0 {
            self.start
        } else if k > self.visits.len() {
            self.end
        } else {
            self.visits[k - 1]
        }
    }

    pub(super) fn refresh(&mut self, p: &Problem) {
        let len = self.visits.len();
        let vehicle = p.vehicle(self.vehicle);
        self.load = self.visits.iter().map(|&v| p.stops[v].demand).sum();
        self.cost = p.route_cost_on(self.vehicle, &self.visits);
        self.departure.clear();
        self.departure.push(vehicle.ready);
        let mut prev = self.start;
        for &v in &self.visits {
            let s = &p.stops[v];
            let start = (self.departure[self.departure.len() - 1] + p.c(prev, v)).max(s.ready);
            self.departure.push(start + s.service);
            prev = v;
        }
        self.latest.clear();
        self.latest.resize(len + 2, 0.0);
        self.latest[len + 1] = vehicle.due;
        for k in (1..=len).rev() {
            let v = self.node(k);
            let next = self.node(k + 1);
            self.latest[k] = p.stops[v]
                .due
                .min(self.latest[k + 1] - p.c(v, next) - p.stops[v].service);
        }
    }

    /// Added cost of visiting `u` between positions k and k+1, if feasible.
    #[inline]
    pub(super) fn insertion(&self, p: &Problem, u: usize, k: usize) -> Option<f64> {
        let a = self.node(k);
        let b = self.node(k + 1);
        let s = &p.stops[u];
        let start = (self.departure[k] + p.c(a, u)).max(s.ready);
        if start > s.due + 1e-9 {
            return None;
        }
        let arrive_b = start + s.service + p.c(u, b);
        let b_ready = if k + 1 > self.visits.len() {
            f64::NEG_INFINITY
        } else {
            p.stops[b].ready
        };
        if arrive_b.max(b_ready) > self.latest[k + 1] + 1e-9 {
            return None;
        }
        Some(p.c(a, u) + p.c(u, b) - p.c(a, b))
    }
}
