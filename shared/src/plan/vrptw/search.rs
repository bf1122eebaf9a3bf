//! The search's current solution: ruin, recreate, and undo of one step.

use super::{Problem, Route, Solution, UNASSIGNED};
use crate::plan::Rng;

/// The search's current solution, with what it needs to undo one ruin-and-recreate step
/// (only the routes the step changed are copied).
pub(super) struct State {
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
    /// Whether the visits differ in value (then the most valuable are put back first).
    valued: bool,
}

impl State {
    /// No visit placed yet; with distinct vehicles, each one's empty route.
    pub(super) fn new(p: &Problem, per_vehicle: f64) -> Self {
        State {
            routes: (0..p.fleet.len()).map(|k| Route::new(p, k, Vec::new())).collect(),
            unassigned: Vec::new(),
            undo: Vec::new(),
            unassigned_before: Vec::new(),
            routes_before: 0,
            saved: Vec::new(),
            step: 0,
            per_vehicle,
            valued: p.visits().any(|u| p.stops[u].value != p.stops[p.depots].value),
        }
    }

    fn distance(&self) -> f64 {
        self.routes.iter().map(|r| r.cost).sum()
    }

    pub(super) fn cost(&self, p: &Problem) -> f64 {
        let left: f64 = self.unassigned.iter().map(|&u| p.stops[u].value).sum();
        self.distance() + left * UNASSIGNED + self.used() as f64 * self.per_vehicle
    }

    fn used(&self) -> usize {
        self.routes.iter().filter(|r| !r.visits.is_empty()).count()
    }

    /// Starts a step that [`Self::undo`] can take back.
    pub(super) fn begin(&mut self) {
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
    pub(super) fn undo(&mut self) {
        self.routes.truncate(self.routes_before);
        for (ri, r) in self.undo.drain(..) {
            self.routes[ri] = r;
        }
        std::mem::swap(&mut self.unassigned, &mut self.unassigned_before);
    }

    pub(super) fn to_solution(&self, p: &Problem) -> Solution {
        // Distinct vehicles keep their place (routes[k] is vehicle k's), even empty.
        let routes: Vec<(usize, Vec<usize>)> = self
            .routes
            .iter()
            .filter(|r| p.distinct() || !r.visits.is_empty())
            .map(|r| (r.vehicle, r.visits.clone()))
            .collect();
        let cost = routes.iter().map(|(k, r)| p.route_cost_on(*k, r)).sum();
        let mut unassigned = self.unassigned.clone();
        unassigned.sort_unstable();
        Solution {
            routes: routes.into_iter().map(|(_, r)| r).collect(),
            unassigned,
            cost,
        }
    }

    /// Puts each visit back where it costs least, opening a vehicle when none fits (identical
    /// vehicles); the most valuable visits first.
    pub(super) fn recreate(&mut self, p: &Problem, mut todo: Vec<usize>, rng: &mut Rng, blink: f64) {
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
        // Stable: within a value, the order above (nothing to do when all are worth the same,
        // as on every Solomon instance).
        if self.valued {
            todo.sort_by(|a, b| p.stops[*b].value.total_cmp(&p.stops[*a].value));
        }
        let distinct = p.distinct();
        let mut used = self.used();
        for u in todo {
            let mut best: Option<(f64, usize, usize)> = None;
            let pin = if distinct { p.stops[u].vehicle } else { None };
            for (ri, r) in self.routes.iter().enumerate() {
                if r.load + p.stops[u].demand > p.capacity
                    || (!distinct && r.visits.is_empty())
                    || pin.is_some_and(|k| k != r.vehicle)
                {
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
            // Identical vehicles: one of its own is a candidate too while the fleet allows
            // (distance alone decides, not the number of vehicles).
            let fleet_left = !distinct && used < p.vehicles;
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
                        None => self.routes.push(Route::new(p, 0, vec![u])),
                    }
                }
                None => self.unassigned.push(u),
            }
        }
    }

    /// Removes strings of visits around a random one, from one to three routes.
    pub(super) fn ruin(
        &mut self,
        p: &Problem,
        neighbours: &[Vec<usize>],
        rng: &mut Rng,
        route_of: &mut [usize],
    ) -> Vec<usize> {
        for (ri, r) in self.routes.iter().enumerate() {
            for &v in &r.visits {
                route_of[v] = ri;
            }
        }
        let mut removed: Vec<usize> = std::mem::take(&mut self.unassigned);
        let visits = p.visits();
        let seed = visits.start + rng.below(visits.len());
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
