//! Several vehicles (several days, or several advisors) with capacities and time windows.
//!
//! Cheapest feasible insertion builds a first solution; then ruin and recreate: remove a few
//! strings of visits around a random one (neighbouring visits from one to three routes), put
//! them back one by one where they cost least (occasionally skipping a position, which helps
//! escape), and accept the result by simulated annealing — cooled twice over the budget, the
//! second time from where the first ended, on distance plus a small cost per vehicle.
//! Feasibility of an insertion is checked in constant time from each route's earliest
//! departures and latest arrivals; a step copies only the routes it changes, to undo them.
//!
//! Two kinds of fleet: identical vehicles from and to node 0 (the Solomon instances, `tournee
//! plan`), or a [`Vehicle`] each with its own start, end and hours (the days of a week, an
//! agency's advisors); then a visit may be pinned to one vehicle (a fixed meeting to its day)
//! and visits may be left out, the least valuable first ([`Stop::value`]).

mod route;
mod search;
#[cfg(test)]
mod tests;

use super::{Budget, Rng};
use route::Route;
use search::State;

/// A visit (or a depot): demand, window on the start of service, service time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stop {
    pub demand: i64,
    pub ready: f64,
    pub due: f64,
    pub service: f64,
    /// With a fleet of distinct vehicles: only this one may make the visit (a fixed meeting
    /// belongs to its day). Ignored with identical vehicles.
    pub vehicle: Option<usize>,
    /// What leaving the visit out costs, in units of a very large penalty: the search first
    /// keeps the most valuable visits, then shortens the routes. 1 for every Solomon customer.
    pub value: f64,
}

impl Stop {
    /// A visit any vehicle may make, of value 1.
    pub fn new(demand: i64, ready: f64, due: f64, service: f64) -> Self {
        Stop {
            demand,
            ready,
            due,
            service,
            vehicle: None,
            value: 1.0,
        }
    }
}

/// One vehicle of a fleet whose vehicles differ: the depot nodes it leaves from and returns
/// to, and its hours (earliest departure, latest return).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Vehicle {
    pub start: usize,
    pub end: usize,
    pub ready: f64,
    pub due: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Nodes `0..depots` are where vehicles start and end (node 0's window is the working day
    /// of identical vehicles); the others are the visits.
    pub stops: Vec<Stop>,
    /// Travel time = cost between stops, row-major.
    pub cost: Vec<f64>,
    pub capacity: i64,
    pub vehicles: usize,
    /// How many nodes at the front are depots, not visits (1 for a Solomon instance).
    pub depots: usize,
    /// Empty: `vehicles` identical vehicles from and to node 0. Otherwise one entry per
    /// vehicle, and the solution's `routes[k]` is vehicle k's (empty when it does nothing).
    pub fleet: Vec<Vehicle>,
}

impl Problem {
    /// Identical vehicles from and to node 0, within node 0's window.
    pub fn new(stops: Vec<Stop>, cost: Vec<f64>, capacity: i64, vehicles: usize) -> Self {
        Problem {
            stops,
            cost,
            capacity,
            vehicles,
            depots: 1,
            fleet: Vec::new(),
        }
    }

    pub fn from_solomon(s: &super::formats::Solomon) -> Self {
        let mut cost = Vec::with_capacity(s.nodes.len() * s.nodes.len());
        for a in &s.nodes {
            for b in &s.nodes {
                cost.push((a.x - b.x).hypot(a.y - b.y));
            }
        }
        let stops = s
            .nodes
            .iter()
            .map(|c| Stop::new(c.demand, c.ready, c.due, c.service))
            .collect();
        Problem::new(stops, cost, s.capacity, s.vehicles)
    }

    #[inline]
    fn c(&self, a: usize, b: usize) -> f64 {
        self.cost[a * self.stops.len() + b]
    }

    /// Whether the vehicles differ (then routes keep their vehicle, and pins hold).
    fn distinct(&self) -> bool {
        !self.fleet.is_empty()
    }

    /// Vehicle `k`, or the identical vehicle of node 0.
    #[inline]
    fn vehicle(&self, k: usize) -> Vehicle {
        self.fleet.get(k).copied().unwrap_or(Vehicle {
            start: 0,
            end: 0,
            ready: self.stops[0].ready,
            due: self.stops[0].due,
        })
    }

    /// The visits' nodes.
    pub fn visits(&self) -> std::ops::Range<usize> {
        self.depots.min(self.stops.len())..self.stops.len()
    }

    /// Whether vehicle `k` may make visit `u`.
    fn allowed(&self, k: usize, u: usize) -> bool {
        !self.distinct() || self.stops[u].vehicle.is_none_or(|v| v == k)
    }

    /// Distance of a route of identical vehicles, from and back to node 0.
    pub fn route_cost(&self, route: &[usize]) -> f64 {
        self.route_cost_on(0, route)
    }

    /// Distance of vehicle `k`'s route.
    pub fn route_cost_on(&self, k: usize, route: &[usize]) -> f64 {
        let v = self.vehicle(k);
        let mut prev = v.start;
        let mut total = 0.0;
        for &u in route {
            total += self.c(prev, u);
            prev = u;
        }
        total + self.c(prev, v.end)
    }

    /// Whether a route of identical vehicles respects capacity and every window.
    pub fn route_feasible(&self, route: &[usize]) -> bool {
        self.route_feasible_on(0, route)
    }

    /// Whether vehicle `k` may drive this route: capacity, every window (service may wait
    /// for its window), its hours, and the visits pinned to another vehicle.
    pub fn route_feasible_on(&self, k: usize, route: &[usize]) -> bool {
        let load: i64 = route.iter().map(|&u| self.stops[u].demand).sum();
        if load > self.capacity || route.iter().any(|&u| !self.allowed(k, u)) {
            return false;
        }
        let v = self.vehicle(k);
        let mut t = v.ready;
        let mut prev = v.start;
        for &u in route {
            let s = &self.stops[u];
            t = (t + self.c(prev, u)).max(s.ready);
            if t > s.due + 1e-9 {
                return false;
            }
            t += s.service;
            prev = u;
        }
        t + self.c(prev, v.end) <= v.due + 1e-9
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Solution {
    /// Identical vehicles: the routes driven. Distinct vehicles: one per vehicle, in order.
    pub routes: Vec<Vec<usize>>,
    /// Visits that fit nowhere (or not worth their place).
    pub unassigned: Vec<usize>,
    pub cost: f64,
}

impl Solution {
    pub fn vehicles(&self) -> usize {
        self.routes.iter().filter(|r| !r.is_empty()).count()
    }
}

/// The penalty of a visit left out, per unit of [`Stop::value`].
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
/// Between two solutions of about the same distance, the one with fewer vehicles (identical
/// vehicles only: distinct ones are there anyway).
const PER_VEHICLE: f64 = 0.3;

/// Plans the visits of `p` on at most `p.vehicles` routes: as many (valuable) visits as fit,
/// then least distance (with a small cost per vehicle among identical ones, [`PER_VEHICLE`]).
pub fn solve(p: &Problem, budget: &mut impl Budget, seed: u64) -> Solution {
    let visits = p.visits();
    let mut rng = Rng::new(seed);
    let per_vehicle = if p.distinct() { 0.0 } else { PER_VEHICLE };
    if visits.is_empty() {
        return State::new(p, 0.0).to_solution(p);
    }
    let home = p.vehicle(0).start;
    let scale = visits.clone().map(|i| p.c(home, i)).sum::<f64>() / visits.len() as f64;
    let scale = if scale > 0.0 { scale } else { 1.0 };
    let mut state = State::new(p, scale * per_vehicle);
    state.begin();
    state.recreate(p, visits.clone().collect(), &mut rng, 0.0);
    let neighbours: Vec<Vec<usize>> = (0..p.stops.len())
        .map(|i| {
            let mut v: Vec<usize> = visits.clone().filter(|&j| j != i).collect();
            v.sort_by(|&a, &b| p.c(i, a).total_cmp(&p.c(i, b)));
            v.truncate(30);
            v
        })
        .collect();
    let mut best = state.to_solution(p);
    let mut best_cost = state.cost(p);
    let mut current_cost = best_cost;
    let mut route_of = vec![usize::MAX; p.stops.len()];
    let (t0, t1) = (scale * T_START, scale * T_END);
    let mut iteration = 0u64;
    while !budget.exhausted(iteration) {
        iteration += 1;
        let progress = (budget.progress(iteration).clamp(0.0, 1.0) * COOLINGS).fract();
        let temperature = t0 * (t1 / t0).powf(progress);
        state.begin();
        let removed = state.ruin(p, &neighbours, &mut rng, &mut route_of);
        state.recreate(p, removed, &mut rng, 0.01);
        let cost = state.cost(p);
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
