//! `tournee plan`: solves a standard benchmark instance with the planner of `shared::plan`
//! and prints one JSON line `{"instance", "cost", "vehicles", "unassigned", "ms"}`; with
//! `--routes`, the routes too (for a VRPTW instance each stop's arrival and service start),
//! so that anyone can check the cost and the feasibility of what it reports
//! (`server/tests/plan_routes.rs` does, with its own parser and arithmetic).

use serde::Serialize;
use shared::plan::formats::{Solomon, Tsplib};
use shared::plan::{tsp, vrptw, Budget};
use std::time::Instant;

/// A wall-clock budget: stops at the deadline and tells the annealing how far along it is.
pub struct Deadline {
    start: Instant,
    limit_ms: f64,
}

impl Deadline {
    pub fn new(limit_ms: u64) -> Self {
        Deadline {
            start: Instant::now(),
            limit_ms: limit_ms.max(1) as f64,
        }
    }

    fn elapsed_ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }
}

impl Budget for Deadline {
    fn exhausted(&mut self, _iteration: u64) -> bool {
        self.elapsed_ms() >= self.limit_ms
    }

    fn progress(&mut self, _iteration: u64) -> f64 {
        self.elapsed_ms() / self.limit_ms
    }
}

/// When the search stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// At a wall-clock deadline: the result depends on the machine's speed.
    Milliseconds(u64),
    /// After a number of iterations: reproducible for a given seed.
    Iterations(u64),
}

/// A [`Limit`] as the planner's budget.
enum Stop {
    Deadline(Deadline),
    Iterations(shared::plan::Iterations),
}

impl Budget for Stop {
    fn exhausted(&mut self, iteration: u64) -> bool {
        match self {
            Stop::Deadline(d) => d.exhausted(iteration),
            Stop::Iterations(n) => n.exhausted(iteration),
        }
    }

    fn progress(&mut self, iteration: u64) -> f64 {
        match self {
            Stop::Deadline(d) => d.progress(iteration),
            Stop::Iterations(n) => n.progress(iteration),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Tsplib,
    Solomon,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub instance: String,
    pub cost: f64,
    pub vehicles: usize,
    pub unassigned: usize,
    pub ms: u64,
    /// With `--routes`: the tour (TSPLIB node numbers) or each vehicle's stops.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<Route>>,
}

/// One vehicle's route as printed by `--routes`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    /// The depot is not listed: a route leaves it and comes back to it.
    pub stops: Vec<RouteStop>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteStop {
    /// The node number of the file (TSPLIB from 1; Solomon's `CUST NO.`).
    pub node: usize,
    /// VRPTW: when the vehicle arrives, and when service starts (not before the window).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arrival: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<f64>,
}

/// The stops of a VRPTW route with their times, walked as the planner's feasibility check
/// walks it.
fn timed(p: &vrptw::Problem, route: &[usize]) -> Route {
    let mut t = p.stops[0].ready;
    let mut prev = 0;
    let mut stops = Vec::with_capacity(route.len());
    for &v in route {
        let arrival = t + p.cost[prev * p.stops.len() + v];
        let start = arrival.max(p.stops[v].ready);
        stops.push(RouteStop {
            node: v,
            arrival: Some((arrival * 1000.0).round() / 1000.0),
            start: Some((start * 1000.0).round() / 1000.0),
        });
        t = start + p.stops[v].service;
        prev = v;
    }
    Route { stops }
}

/// Solves `text` in `format` within `time_limit_ms`, checking the answer before returning it.
pub fn solve(format: Format, text: &str, time_limit_ms: u64, seed: u64) -> anyhow::Result<Outcome> {
    solve_with(format, text, Limit::Milliseconds(time_limit_ms), seed, false)
}

/// [`solve`], with the routes in the outcome when `routes`.
pub fn solve_with(format: Format, text: &str, limit: Limit, seed: u64, routes: bool) -> anyhow::Result<Outcome> {
    let start = Instant::now();
    let mut budget = match limit {
        Limit::Milliseconds(ms) => Stop::Deadline(Deadline::new(ms)),
        Limit::Iterations(n) => Stop::Iterations(shared::plan::Iterations(n)),
    };
    match format {
        Format::Tsplib => {
            let inst = Tsplib::parse(text).map_err(anyhow::Error::msg)?;
            let m = inst.matrix();
            let tour = tsp::solve(&m, &mut budget, seed);
            let ms = start.elapsed().as_millis() as u64;
            let mut seen = tour.clone();
            seen.sort_unstable();
            anyhow::ensure!(seen == (0..m.len()).collect::<Vec<_>>(), "internal error: not a tour");
            Ok(Outcome {
                instance: inst.name,
                cost: tsp::tour_cost(&m, &tour) as f64,
                vehicles: 1,
                unassigned: 0,
                ms,
                routes: routes.then(|| {
                    vec![Route {
                        stops: tour
                            .iter()
                            .map(|&v| RouteStop {
                                node: v + 1,
                                arrival: None,
                                start: None,
                            })
                            .collect(),
                    }]
                }),
            })
        }
        Format::Solomon => {
            let inst = Solomon::parse(text).map_err(anyhow::Error::msg)?;
            let p = vrptw::Problem::from_solomon(&inst);
            let s = vrptw::solve(&p, &mut budget, seed);
            let ms = start.elapsed().as_millis() as u64;
            anyhow::ensure!(
                s.routes.iter().all(|r| p.route_feasible(r)),
                "internal error: infeasible route"
            );
            Ok(Outcome {
                instance: inst.name,
                cost: (s.cost * 100.0).round() / 100.0,
                vehicles: s.vehicles(),
                unassigned: s.unassigned.len(),
                ms,
                routes: routes.then(|| {
                    s.routes
                        .iter()
                        .filter(|r| !r.is_empty())
                        .map(|r| timed(&p, r))
                        .collect()
                }),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsplib_and_solomon_files_give_one_checked_outcome() {
        let tsp = "NAME : square\nTYPE : TSP\nDIMENSION : 4\nEDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 10 0\n3 10 10\n4 0 10\nEOF\n";
        let o = solve(Format::Tsplib, tsp, 10, 1).unwrap();
        assert_eq!(
            (o.instance.as_str(), o.cost, o.vehicles, o.unassigned),
            ("square", 40.0, 1, 0)
        );
        let vrp = "T1\n\nVEHICLE\nNUMBER     CAPACITY\n  2         10\n\nCUSTOMER\nCUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\n\n    0      0         0          0          0       1000          0\n    1      3         4          6          0       1000         10\n    2      -3        -4         6          0       1000         10\n";
        let o = solve(Format::Solomon, vrp, 10, 1).unwrap();
        assert_eq!(
            (o.cost, o.vehicles, o.unassigned),
            (20.0, 2, 0),
            "capacity forces two vehicles"
        );
        assert!(solve(Format::Tsplib, "garbage", 10, 1).is_err());
        let json = serde_json::to_value(&o).unwrap();
        for key in ["instance", "cost", "vehicles", "unassigned", "ms"] {
            assert!(json.get(key).is_some(), "{key}");
        }
    }
}
