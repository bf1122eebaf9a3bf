//! Several vehicles (several days, or several advisors) with capacities and time windows.
//!
//! Cheapest feasible insertion builds a first solution; then ruin and recreate: remove a few
//! strings of visits around a random one (neighbouring visits from one to three routes), put
//! them back one by one where they cost least (occasionally skipping a position, which helps
//! escape), and accept the result by simulated annealing — cooled twice over the budget, the
//! second time from where the first ended, on distance plus a small cost per vehicle.
//! Feasibility of an insertion is checked in constant time from each route's earliest
//! departures and latest arrivals; a step copies only the routes it changes, to undo them.

use super::{Budget, Rng};

/// A visit (or the depot, index 0): demand, window on the start of service, service time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stop {
    pub demand: i64,
    pub ready: f64,
    pub due: f64,
    pub service: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Index 0 is the depot (its window is the working day).
    pub stops: Vec<Stop>,
    /// Travel time = cost between stops, row-major.
    pub cost: Vec<f64>,
    pub capacity: i64,
    pub vehicles: usize,
}

impl Problem {
    pub fn from_solomon(s: &super::formats::Solomon) -> Self {
        let n = s.nodes.len();
        let mut cost = Vec::with_capacity(n * n);
        for a in &s.nodes {
            for b in &s.nodes {
                cost.push((a.x - b.x).hypot(a.y - b.y));
            }
        }
        Problem {
            stops: s
                .nodes
                .iter()
                .map(|c| Stop {
                    demand: c.demand,
                    ready: c.ready,
                    due: c.due,
                    service: c.service,
                })
                .collect(),
            cost,
            capacity: s.capacity,
            vehicles: s.vehicles,
        }
    }

    #[inline]
    fn c(&self, a: usize, b: usize) -> f64 {
        self.cost[a * self.stops.len() + b]
    }

    /// Distance of a route from and back to the depot.
    pub fn route_cost(&self, route: &[usize]) -> f64 {
        let mut prev = 0;
        let mut total = 0.0;
        for &v in route {
            total += self.c(prev, v);
            prev = v;
        }
        total + self.c(prev, 0)
    }

    /// Whether a route respects capacity and every window (service may wait for its window).
    pub fn route_feasible(&self, route: &[usize]) -> bool {
        let load: i64 = route.iter().map(|&v| self.stops[v].demand).sum();
        if load > self.capacity {
            return false;
        }
        let mut t = self.stops[0].ready;
        let mut prev = 0;
        for &v in route {
            let s = &self.stops[v];
            t = (t + self.c(prev, v)).max(s.ready);
            if t > s.due + 1e-9 {
                return false;
            }
            t += s.service;
            prev = v;
        }
        t + self.c(prev, 0) <= self.stops[0].due + 1e-9
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    pub routes: Vec<Vec<usize>>,
    /// Visits that fit nowhere.
    pub unassigned: Vec<usize>,
    pub cost: f64,
}

impl Solution {
    pub fn vehicles(&self) -> usize {
        self.routes.iter().filter(|r| !r.is_empty()).count()
    }
}

/// Per route: load, distance, earliest departure from each position, latest arrival at each
/// position.
#[derive(Clone)]
struct Route {
    visits: Vec<usize>,
    load: i64,
    cost: f64,
    /// departure[k]: earliest departure from visit k (k = 0 is the depot, then visits 1..=len).
    departure: Vec<f64>,
    /// latest[k]: latest start of service at visit k for the rest to stay feasible (k = len+1:
    /// back at the depot).
    latest: Vec<f64>,
}

impl Route {
    fn new(p: &Problem, visits: Vec<usize>) -> Self {
        let mut r = Route {
            visits,
            load: 0,
            cost: 0.0,
            departure: Vec::new(),
            latest: Vec::new(),
        };
        r.refresh(p);
        r
    }

    fn node(&self, k: usize) -> usize {
        if k == 0 || k > self.visits.len() {
            0
        } else {
            self.visits[k - 1]
        }
    }

    fn refresh(&mut self, p: &Problem) {
        let len = self.visits.len();
        self.load = self.visits.iter().map(|&v| p.stops[v].demand).sum();
        self.cost = p.route_cost(&self.visits);
        self.departure.clear();
        self.departure.push(p.stops[0].ready);
        let mut prev = 0;
        for &v in &self.visits {
            let s = &p.stops[v];
            let start = (self.departure[self.departure.len() - 1] + p.c(prev, v)).max(s.ready);
            self.departure.push(start + s.service);
            prev = v;
        }
        self.latest.clear();
        self.latest.resize(len + 2, 0.0);
        self.latest[len + 1] = p.stops[0].due;
        for k in (1..=len).rev() {
            let v = self.node(k);
            let next = self.node(k + 1);
            self.latest[k] = p.stops[v]
                .due
                .min(self.latest[k + 1] - p.c(v, next) - p.stops[v].service);
        }
    }

    /// Added cost of visiting `u` between positions k and k+1, if feasible.
    fn insertion(&self, p: &Problem, u: usize, k: usize) -> Option<f64> {
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

/// The search's current solution, with what it needs to undo one ruin-and-recreate step
/// (only the routes the step changed are copied).
struct State {
    routes: Vec<Route>,
    unassigned: Vec<usize>,
    /// Each route changed in the current step, as it was before (the undo log).
    undo: Vec<(usize, Route)>,
    unassigned_before: Vec<usize>,
    routes_before: usize,
    /// Per route: the step in which it was saved to the log.
    saved: Vec<u64>,
    step: u64,
    /// A small cost per vehicle used: between two solutions of about the same distance, the
    /// one with fewer vehicles.
    per_vehicle: f64,
}

impl State {
    fn new(per_vehicle: f64) -> Self {
        State {
            routes: Vec::new(),
            unassigned: Vec::new(),
            undo: Vec::new(),
            unassigned_before: Vec::new(),
            routes_before: 0,
            saved: Vec::new(),
            step: 0,
            per_vehicle,
        }
    }

    fn distance(&self) -> f64 {
        self.routes.iter().map(|r| r.cost).sum()
    }

    fn cost(&self) -> f64 {
        self.distance() + self.unassigned.len() as f64 * UNASSIGNED + self.used() as f64 * self.per_vehicle
    }

    fn used(&self) -> usize {
        self.routes.iter().filter(|r| !r.visits.is_empty()).count()
    }

    /// Starts a step that [`Self::undo`] can take back.
    fn begin(&mut self) {
        self.step += 1;
        self.undo.clear();
        self.unassigned_before.clone_from(&self.unassigned);
        self.routes_before = self.routes.len();
        self.saved.resize(self.routes.len(), 0);
    }

    /// Keeps route `ri` as it was at the start of the step (once per step).
    fn save(&mut self, ri: usize) {
        if ri < self.routes_before && self.saved[ri] != self.step {
            self.saved[ri] = self.step;
            self.undo.push((ri, self.routes[ri].clone()));
        }
    }

    /// Takes the current step back.
    fn undo(&mut self) {
        self.routes.truncate(self.routes_before);
        for (ri, r) in self.undo.drain(..) {
            self.routes[ri] = r;
        }
        std::mem::swap(&mut self.unassigned, &mut self.unassigned_before);
    }

    fn to_solution(&self, p: &Problem) -> Solution {
        let routes: Vec<Vec<usize>> = self
            .routes
            .iter()
            .filter(|r| !r.visits.is_empty())
            .map(|r| r.visits.clone())
            .collect();
        let cost = routes.iter().map(|r| p.route_cost(r)).sum();
        let mut unassigned = self.unassigned.clone();
        unassigned.sort_unstable();
        Solution {
            routes,
            unassigned,
            cost,
        }
    }

    /// Puts each visit back where it costs least, opening a vehicle when none fits.
    fn recreate(&mut self, p: &Problem, mut todo: Vec<usize>, rng: &mut Rng, blink: f64) {
        // Random order, or hardest first (late windows first, big demand first).
        match rng.below(4) {
            0 => todo.sort_by(|a, b| p.stops[*b].demand.cmp(&p.stops[*a].demand)),
            1 => todo.sort_by(|a, b| p.stops[*b].ready.total_cmp(&p.stops[*a].ready)),
            2 => todo.sort_by(|a, b| p.c(0, *b).total_cmp(&p.c(0, *a))),
            _ => {
                for i in (1..todo.len()).rev() {
                    todo.swap(i, rng.below(i + 1));
                }
            }
        }
        let mut used = self.used();
        for u in todo {
            let mut best: Option<(f64, usize, usize)> = None;
            for (ri, r) in self.routes.iter().enumerate() {
                if r.load + p.stops[u].demand > p.capacity || r.visits.is_empty() {
                    continue;
                }
                for k in 0..=r.visits.len() {
                    if blink > 0.0 && rng.unit() < blink {
                        continue;
                    }
                    if let Some(add) = r.insertion(p, u, k) {
                        if best.is_none_or(|(b, _, _)| add < b) {
                            best = Some((add, ri, k));
                        }
                    }
                }
            }
            // A vehicle of its own is a candidate too while the fleet allows: distance alone
            // decides, not the number of vehicles.
            let fleet_left = used < p.vehicles;
            let alone = p.c(0, u) + p.c(u, 0);
            if fleet_left && best.is_some_and(|(b, _, _)| alone < b) && p.route_feasible(&[u]) {
                best = None;
            }
            match best {
                Some((_, ri, k)) => {
                    self.save(ri);
                    let r = &mut self.routes[ri];
                    r.visits.insert(k, u);
                    r.refresh(p);
                }
                None if fleet_left && p.route_feasible(&[u]) => {
                    used += 1;
                    match self.routes.iter().position(|r| r.visits.is_empty()) {
                        Some(ri) => {
                            self.save(ri);
                            let r = &mut self.routes[ri];
                            r.visits.push(u);
                            r.refresh(p);
                        }
                        None => self.routes.push(Route::new(p, vec![u])),
                    }
                }
                None => self.unassigned.push(u),
            }
        }
    }

    /// Removes strings of visits around a random one, from one to three routes.
    fn ruin(&mut self, p: &Problem, neighbours: &[Vec<usize>], rng: &mut Rng, route_of: &mut [usize]) -> Vec<usize> {
        for (ri, r) in self.routes.iter().enumerate() {
            for &v in &r.visits {
                route_of[v] = ri;
            }
        }
        let mut removed: Vec<usize> = std::mem::take(&mut self.unassigned);
        let n = p.stops.len();
        let seed = 1 + rng.below(n - 1);
        let max_routes = 1 + rng.below(3);
        let max_len = 10usize;
        let mut touched: Vec<usize> = Vec::new();
        for &v in std::iter::once(&seed).chain(neighbours[seed].iter()) {
            if touched.len() >= max_routes {
                break;
            }
            if removed.contains(&v) {
                continue;
            }
            let ri = route_of[v];
            if touched.contains(&ri) || ri >= self.routes.len() {
                continue;
            }
            let Some(pos) = self.routes[ri].visits.iter().position(|&x| x == v) else {
                continue;
            };
            self.save(ri);
            let r = &mut self.routes[ri];
            let len = 1 + rng.below(max_len.min(r.visits.len()));
            let start = pos.saturating_sub(rng.below(len)).min(r.visits.len() - len);
            removed.extend(r.visits.drain(start..start + len));
            r.refresh(p);
            touched.push(ri);
        }
        removed
    }
}

const UNASSIGNED: f64 = 1e7;

/// The annealing's temperatures and the cost of a vehicle, in units of the instance's mean
/// distance to the depot. Measured on the 56 Solomon instances (three seeds, 1 s each; see
/// `docs/benchmarks.md`): starting at a tenth of that distance, the search stayed in solutions
/// with a vehicle too many or too few (mean +1.65 %, worst +10.5 %); starting at the whole
/// distance and cooling twice it reaches C2's optima on every run.
const T_START: f64 = 1.0;
const T_END: f64 = 0.005;
/// Cooling runs this many times over the budget, each from the current solution (a reheat).
const COOLINGS: f64 = 2.0;
/// Between two solutions of about the same distance, the one with fewer vehicles.
const PER_VEHICLE: f64 = 0.3;

/// Plans the visits of `p` on at most `p.vehicles` routes, least distance first (with a small
/// cost per vehicle, [`PER_VEHICLE`]).
pub fn solve(p: &Problem, budget: &mut impl Budget, seed: u64) -> Solution {
    let n = p.stops.len();
    let mut rng = Rng::new(seed);
    if n <= 1 {
        return State::new(0.0).to_solution(p);
    }
    let scale = (1..n).map(|i| p.c(0, i)).sum::<f64>() / (n - 1) as f64;
    let mut state = State::new(scale * PER_VEHICLE);
    state.begin();
    state.recreate(p, (1..n).collect(), &mut rng, 0.0);
    let neighbours: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            let mut v: Vec<usize> = (1..n).filter(|&j| j != i).collect();
            v.sort_by(|&a, &b| p.c(i, a).total_cmp(&p.c(i, b)));
            v.truncate(30);
            v
        })
        .collect();
    let mut best = state.to_solution(p);
    let mut best_cost = state.cost();
    let mut current_cost = best_cost;
    let mut route_of = vec![usize::MAX; n];
    let (t0, t1) = (scale * T_START, scale * T_END);
    let mut iteration = 0u64;
    while !budget.exhausted(iteration) {
        iteration += 1;
        let progress = (budget.progress(iteration).clamp(0.0, 1.0) * COOLINGS).fract();
        let temperature = t0 * (t1 / t0).powf(progress);
        state.begin();
        let removed = state.ruin(p, &neighbours, &mut rng, &mut route_of);
        state.recreate(p, removed, &mut rng, 0.01);
        let cost = state.cost();
        if cost < current_cost - temperature * rng.unit().max(1e-12).ln() {
            current_cost = cost;
            if cost < best_cost - 1e-9 {
                best_cost = cost;
                best = state.to_solution(p);
            }
        } else {
            state.undo();
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Iterations;

    fn problem(n: usize, seed: u64, windows: bool) -> Problem {
        let mut rng = Rng::new(seed);
        let pts: Vec<(f64, f64)> = (0..n).map(|_| (rng.unit() * 100.0, rng.unit() * 100.0)).collect();
        let stops = (0..n)
            .map(|i| {
                if i == 0 {
                    Stop {
                        demand: 0,
                        ready: 0.0,
                        due: 1000.0,
                        service: 0.0,
                    }
                } else if windows {
                    let ready = rng.unit() * 600.0;
                    Stop {
                        demand: 1 + rng.below(9) as i64,
                        ready,
                        due: ready + 60.0 + rng.unit() * 200.0,
                        service: 10.0,
                    }
                } else {
                    Stop {
                        demand: 1,
                        ready: 0.0,
                        due: 1000.0,
                        service: 10.0,
                    }
                }
            })
            .collect();
        let mut cost = Vec::new();
        for a in &pts {
            for b in &pts {
                cost.push((a.0 - b.0).hypot(a.1 - b.1));
            }
        }
        Problem {
            stops,
            cost,
            capacity: 40,
            vehicles: 6,
        }
    }

    #[test]
    fn every_visit_is_routed_once_or_reported_and_routes_are_feasible() {
        for seed in 1..20 {
            let p = problem(40, seed, seed % 2 == 0);
            let s = solve(&p, &mut Iterations(400), seed);
            let mut seen: Vec<usize> = s
                .routes
                .iter()
                .flatten()
                .copied()
                .chain(s.unassigned.iter().copied())
                .collect();
            seen.sort_unstable();
            assert_eq!(seen, (1..40).collect::<Vec<_>>(), "seed {seed}");
            assert!(s.routes.len() <= p.vehicles);
            for r in &s.routes {
                assert!(p.route_feasible(r), "seed {seed}: {r:?}");
            }
            let total: f64 = s.routes.iter().map(|r| p.route_cost(r)).sum();
            assert!((total - s.cost).abs() < 1e-6);
        }
    }

    #[test]
    fn search_never_ends_worse_than_the_first_insertion() {
        let p = problem(60, 3, true);
        let first = solve(&p, &mut Iterations(0), 3);
        let later = solve(&p, &mut Iterations(2000), 3);
        assert!(later.unassigned.len() <= first.unassigned.len());
        if later.unassigned.len() == first.unassigned.len() {
            assert!(later.cost <= first.cost + 1e-9);
        }
    }
}
