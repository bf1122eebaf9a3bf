//! The tour planner on standard instances, and on advisor-sized days.
//!
//! `cargo bench -p tournee-server --bench planner` — for each TSPLIB instance and each of the
//! 56 Solomon instances in `benches/data/` (provenance in its README), solves it as `tournee
//! plan` does (Solomon: three seeds, 1 s each), checks the answer, and prints the gap to the
//! best known value, the vehicles and, per family, the mean and worst gap beside `vrp-core`.
//! Then the team's week (5 advisors × 5 days, 150 clients) beside `vrp-core` on the same
//! problem, and the exact day planner's time on random days of 12 stops, with three fixed
//! meetings or none.

use serde_json::Value;
use shared::plan::day::{self, DayInput};
use shared::plan::{vrptw, Matrix};
use std::time::{Duration, Instant};
use tournee_server::benchmark::{solve, Format};

#[allow(clippy::print_stdout)]
fn say(s: &str) {
    println!("{s}");
}

fn data(rel: &str) -> anyhow::Result<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/data")
        .join(rel);
    std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// The same instance solved by vrp-core (its default metaheuristic) for `seconds`: cost,
/// vehicles, unassigned, milliseconds. `jobs`: demand, ready, due, service per customer.
fn vrp_core(
    n: usize,
    cost: impl Fn(usize, usize) -> f64,
    jobs: &[(i32, f64, f64, f64)],
    vehicles: usize,
    capacity: i32,
    shift: Option<(f64, f64)>,
    seconds: usize,
) -> anyhow::Result<(f64, usize, usize, u128)> {
    use std::sync::Arc;
    use vrp_core::models::common::TimeWindow;
    use vrp_core::prelude::*;
    let err = |e: GenericError| anyhow::anyhow!("vrp-core: {e}");
    let mut matrix = Vec::with_capacity(n * n);
    for i in 0..n {
        for j in 0..n {
            matrix.push(cost(i, j));
        }
    }
    let transport = Arc::new(SimpleTransportCost::new(matrix.clone(), matrix).map_err(err)?);
    let mut features = vec![
        MinimizeUnassignedBuilder::new("min-unassigned").build().map_err(err)?,
        TransportFeatureBuilder::new("min-distance")
            .set_transport_cost(transport.clone())
            .set_time_constrained(shift.is_some())
            .build_minimize_distance()
            .map_err(err)?,
    ];
    if capacity > 0 {
        features.push(
            CapacityFeatureBuilder::<SingleDimLoad>::new("capacity")
                .build()
                .map_err(err)?,
        );
    }
    let goal = GoalContextBuilder::with_features(&features)
        .map_err(err)?
        .build()
        .map_err(err)?;
    let job_list = jobs
        .iter()
        .enumerate()
        .map(|(i, (demand, ready, due, service))| {
            let mut b = SingleBuilder::default().id(&format!("j{}", i + 1)).location(i + 1)?;
            if capacity > 0 {
                b = b.demand(Demand::delivery(*demand));
            }
            if shift.is_some() {
                b = b.times(vec![TimeWindow::new(*ready, *due)])?.duration(*service)?;
            }
            b.build_as_job()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    // Capacity applies when the instance has one; a TSP's single vehicle carries everything.
    let load = if capacity > 0 { capacity } else { i32::MAX / 2 };
    let fleet = (0..vehicles)
        .map(|k| {
            let mut d = VehicleDetailBuilder::default()
                .set_start_location(0)
                .set_end_location(0);
            if let Some((start, end)) = shift {
                d = d.set_start_time(start).set_end_time(end);
            }
            VehicleBuilder::default()
                .id(&format!("v{k}"))
                .add_detail(d.build()?)
                .capacity(SingleDimLoad::new(load))
                .build()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    let (solution, ms) = run_vrp_core(job_list, fleet, goal, transport, seconds)?;
    Ok((solution.cost, solution.routes.len(), solution.unassigned.len(), ms))
}

/// vrp-core's default metaheuristic on these jobs and vehicles for `seconds`: the solution
/// and the milliseconds it took.
fn run_vrp_core(
    jobs: Vec<vrp_core::prelude::Job>,
    vehicles: Vec<vrp_core::prelude::Vehicle>,
    goal: vrp_core::prelude::GoalContext,
    transport: std::sync::Arc<vrp_core::prelude::SimpleTransportCost>,
    seconds: usize,
) -> anyhow::Result<(vrp_core::prelude::Solution, u128)> {
    use std::sync::Arc;
    use vrp_core::prelude::*;
    let err = |e: GenericError| anyhow::anyhow!("vrp-core: {e}");
    let problem = Arc::new(
        ProblemBuilder::default()
            .add_jobs(jobs.into_iter())
            .add_vehicles(vehicles.into_iter())
            .with_goal(goal)
            .with_transport_cost(transport)
            .with_logger(Arc::new(|_: &str| {}))
            .build()
            .map_err(err)?,
    );
    let config = VrpConfigBuilder::new(problem.clone())
        .set_telemetry_mode(vrp_core::rosomaxa::evolution::TelemetryMode::None)
        .prebuild()
        .map_err(err)?
        .with_max_time(Some(seconds))
        .build()
        .map_err(err)?;
    let t = Instant::now();
    let solution = Solver::new(problem, config).solve().map_err(err)?;
    Ok((solution, t.elapsed().as_millis()))
}

fn main() -> anyhow::Result<()> {
    let optima: Value = serde_json::from_str(&data("tsplib/optima.json")?)?;
    say("| instance | limit | cost | best known | gap | vehicles | ms | vrp-core, 1 s | ours / vrp-core |");
    say("|---|---|---|---|---|---|---|---|---|");
    for (name, limit) in [("eil51", 100), ("berlin52", 100), ("kroA100", 100), ("a280", 1000)] {
        let best = optima[name]["best_known_cost"].as_f64().unwrap_or(f64::NAN);
        let text = data(&format!("tsplib/{name}.tsp"))?;
        let o = solve(Format::Tsplib, &text, limit, 1)?;
        let m = shared::plan::formats::Tsplib::parse(&text)
            .map_err(anyhow::Error::msg)?
            .matrix();
        let jobs = vec![(0, 0.0, 0.0, 0.0); m.len() - 1];
        let (vc, _, _, vms) = vrp_core(m.len(), |i, j| m.get(i, j) as f64, &jobs, 1, 0, None, 1)?;
        say(&format!(
            "| {name} | {limit} ms | {} | {best} | {:+.2} % | 1 | {} | {vc} ({:+.2} %, {vms} ms) | {:.3} |",
            o.cost,
            (o.cost / best - 1.0) * 100.0,
            o.ms,
            (vc / best - 1.0) * 100.0,
            o.cost / vc
        ));
    }
    let known: Value = serde_json::from_str(&data("solomon/best_known.json")?)?;
    // Every Solomon instance (or those whose name starts with PLANNER_ONLY), three seeds (or
    // PLANNER_SEEDS="1 2 …"), 1 s each; vrp-core once per instance, 1 s, beside.
    let only = std::env::var("PLANNER_ONLY").unwrap_or_default();
    let seeds: Vec<u64> = std::env::var("PLANNER_SEEDS")
        .unwrap_or_else(|_| "1 2 3".into())
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect();
    let mut names: Vec<String> =
        std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data/solomon"))?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter_map(|n| n.strip_suffix(".txt").map(str::to_string))
            .filter(|n| n.starts_with(&only))
            .collect();
    names.sort();
    say("");
    say("| instance | best known (vehicles) | ours, per seed: gap, vehicles | vrp-core, 1 s |");
    say("|---|---|---|---|");
    // (family, gap, vehicles over the best known)
    let mut runs: Vec<(String, f64, i64)> = Vec::new();
    let mut theirs: Vec<(String, f64)> = Vec::new();
    for name in &names {
        let bk = &known[format!("{name}_distance")];
        let best = bk["best_known_cost"].as_f64().unwrap_or(f64::NAN);
        let vehicles = bk["solved_with_vehicles"].as_u64().unwrap_or(0) as i64;
        let text = data(&format!("solomon/{name}.txt"))?;
        let family = format!(
            "{}{}",
            name.trim_end_matches(|c: char| c.is_ascii_digit()),
            &name[name.len() - 3..name.len() - 2]
        );
        let mut cells = Vec::new();
        for &seed in &seeds {
            let o = solve(Format::Solomon, &text, 1000, seed)?;
            anyhow::ensure!(o.unassigned == 0, "{name}: {} visits unassigned", o.unassigned);
            let gap = (o.cost / best - 1.0) * 100.0;
            runs.push((family.clone(), gap, o.vehicles as i64 - vehicles));
            cells.push(format!("{gap:+.2} % {}", o.vehicles));
        }
        let inst = shared::plan::formats::Solomon::parse(&text).map_err(anyhow::Error::msg)?;
        let nodes = &inst.nodes;
        let jobs: Vec<(i32, f64, f64, f64)> = nodes[1..]
            .iter()
            .map(|c| (c.demand as i32, c.ready, c.due, c.service))
            .collect();
        let (vc, vv, vu, _) = vrp_core(
            nodes.len(),
            |i, j| (nodes[i].x - nodes[j].x).hypot(nodes[i].y - nodes[j].y),
            &jobs,
            inst.vehicles,
            inst.capacity as i32,
            Some((nodes[0].ready, nodes[0].due)),
            1,
        )?;
        let vgap = (vc / best - 1.0) * 100.0;
        theirs.push((family.clone(), vgap));
        say(&format!(
            "| {name} | {best} ({vehicles}) | {} | {vgap:+.2} % {vv}{} |",
            cells.join(" · "),
            if vu > 0 {
                format!(", {vu} unassigned")
            } else {
                String::new()
            }
        ));
    }
    say("");
    say("| family | runs | mean gap | worst gap | runs with a vehicle more | vrp-core mean (1 run per instance) |");
    say("|---|---|---|---|---|---|");
    let mut families: Vec<String> = runs.iter().map(|r| r.0.clone()).collect();
    families.dedup();
    families.push("all".into());
    for f in families {
        let ours: Vec<&(String, f64, i64)> = runs.iter().filter(|r| f == "all" || r.0 == f).collect();
        let other: Vec<f64> = theirs.iter().filter(|r| f == "all" || r.0 == f).map(|r| r.1).collect();
        say(&format!(
            "| {f} | {} | {:+.2} % | {:+.2} % | {} | {:+.2} % |",
            ours.len(),
            ours.iter().map(|r| r.1).sum::<f64>() / ours.len().max(1) as f64,
            ours.iter().map(|r| r.1).fold(f64::MIN, f64::max),
            ours.iter().filter(|r| r.2 > 0).count(),
            other.iter().sum::<f64>() / other.len().max(1) as f64
        ));
    }

    agency_weeks()?;

    // Advisor days: 12 stops, with three fixed meetings or none, with and without visiting
    // windows.
    for (fixed, windows) in [(3, false), (3, true), (0, false), (0, true)] {
        let mut samples = Vec::new();
        let mut visited = 0;
        let mut infeasible = 0;
        for seed in 0..60 {
            let (input, m) = random_day(seed, 12, windows, fixed);
            let t = Instant::now();
            let p = day::plan(&input, &m);
            samples.push(t.elapsed());
            visited += p.visits.len();
            anyhow::ensure!(p.exact || !p.feasible, "12 stops must be solved exactly");
            if !p.feasible {
                infeasible += 1;
            }
        }
        samples.sort();
        let q = |f: f64| samples[((samples.len() - 1) as f64 * f).round() as usize];
        say(&format!(
            "day of 12 stops ({fixed} fixed, {}): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms; {:.1} stops visited on average; {} days whose fixed meetings cannot all be kept",
            if windows { "with windows" } else { "no windows" },
            ms(q(0.5)),
            ms(q(0.95)),
            ms(q(1.0)),
            visited as f64 / 60.0,
            infeasible
        ));
    }
    Ok(())
}

/// A week's spreading (distinct vehicles: start and end places, hours, pinned visits, values)
/// solved by vrp-core for `seconds`: travel, value of the visits kept, visits kept, ms. Each
/// vehicle works in a time slot of its own, so that a visit pinned to a vehicle is given a
/// window in that vehicle's slot only, and a free visit one window per vehicle.
fn vrp_core_fleet(p: &vrptw::Problem, seconds: usize) -> anyhow::Result<(f64, f64, usize, u128)> {
    use std::collections::HashMap;
    use std::sync::Arc;
    use vrp_core::models::common::TimeWindow;
    use vrp_core::models::problem::JobIdDimension;
    use vrp_core::prelude::*;
    const SLOT: f64 = 1e6;
    let err = |e: GenericError| anyhow::anyhow!("vrp-core: {e}");
    let n = p.stops.len();
    let transport = Arc::new(SimpleTransportCost::new(p.cost.clone(), p.cost.clone()).map_err(err)?);
    let values: HashMap<String, f64> = p.visits().map(|u| (format!("j{u}"), p.stops[u].value)).collect();
    let weights = values.clone();
    let features = vec![
        MinimizeUnassignedBuilder::new("min-unassigned")
            .set_job_estimator(move |_, job| {
                job.dimens()
                    .get_job_id()
                    .and_then(|id| weights.get(id))
                    .copied()
                    .unwrap_or(1.0)
            })
            .build()
            .map_err(err)?,
        TransportFeatureBuilder::new("min-distance")
            .set_transport_cost(transport.clone())
            .set_time_constrained(true)
            .build_minimize_distance()
            .map_err(err)?,
        CapacityFeatureBuilder::<SingleDimLoad>::new("capacity")
            .build()
            .map_err(err)?,
    ];
    let goal = GoalContextBuilder::with_features(&features)
        .map_err(err)?
        .build()
        .map_err(err)?;
    let jobs = p
        .visits()
        .map(|u| {
            let s = p.stops[u];
            let slot = |k: usize| TimeWindow::new(k as f64 * SLOT + s.ready, k as f64 * SLOT + s.due);
            let windows = match s.vehicle {
                Some(k) => vec![slot(k)],
                None => (0..p.fleet.len()).map(slot).collect(),
            };
            SingleBuilder::default()
                .id(&format!("j{u}"))
                .location(u)?
                .demand(Demand::delivery(s.demand as i32))
                .times(windows)?
                .duration(s.service)?
                .build_as_job()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    let fleet = p
        .fleet
        .iter()
        .enumerate()
        .map(|(k, v)| {
            let detail = VehicleDetailBuilder::default()
                .set_start_location(v.start)
                .set_end_location(v.end)
                .set_start_time(k as f64 * SLOT + v.ready)
                .set_end_time(k as f64 * SLOT + v.due)
                .build()?;
            VehicleBuilder::default()
                .id(&format!("v{k}"))
                .add_detail(detail)
                .capacity(SingleDimLoad::new(p.capacity as i32))
                .build()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    let (solution, ms) = run_vrp_core(jobs, fleet, goal, transport, seconds)?;
    let mut travel = 0.0;
    for route in &solution.routes {
        let places: Vec<usize> = route.tour.all_activities().map(|a| a.place.location).collect();
        travel += places.windows(2).map(|w| p.cost[w[0] * n + w[1]]).sum::<f64>();
    }
    let left: f64 = solution
        .unassigned
        .iter()
        .filter_map(|(job, _)| job.dimens().get_job_id().and_then(|id| values.get(id)))
        .sum();
    let total: f64 = values.values().sum();
    Ok((travel, total - left, p.visits().len() - solution.unassigned.len(), ms))
}

/// What our solution of a week's spreading keeps: travel, value, visits.
fn kept(p: &vrptw::Problem, s: &vrptw::Solution) -> anyhow::Result<(f64, f64, usize)> {
    for (k, r) in s.routes.iter().enumerate() {
        anyhow::ensure!(p.route_feasible_on(k, r), "vehicle {k}: infeasible route");
    }
    let value = s.routes.iter().flatten().map(|&u| p.stops[u].value).sum();
    Ok((s.cost, value, s.routes.iter().map(Vec::len).sum()))
}

/// The team's week (5 advisors × 5 days, 150 due clients, each advisor from home, up to three
/// meetings a day, some clients only in the morning or the afternoon): the spreading as the
/// team plan runs it (fixed iterations), the same search for 1 s, and vrp-core for 1 s on the
/// very same problem; then the whole team plan with each day planned exactly.
fn agency_weeks() -> anyhow::Result<()> {
    use shared::plan::week::{self, sample, team};
    say("");
    say("| agency week (seed) | ours, as planned: travel min, value kept, visits, ms | ours, 1 s | vrp-core, 1 s | team plan: visits placed, travel min, ms |");
    say("|---|---|---|---|---|");
    let road = shared::plan::RoadEstimate::default();
    for seed in 1..=5u64 {
        let (advisors, candidates) = sample::random_agency(&sample::Shape::AGENCY, 5, seed);
        let days: Vec<_> = advisors.iter().flat_map(|a| a.days.iter().cloned()).collect();
        let (p, _) = week::problem(&days, &candidates, road);
        let t = Instant::now();
        let ours = vrptw::solve(&p, &mut shared::plan::Iterations(week::iterations(days.len())), 1);
        let ours_ms = t.elapsed().as_millis();
        let (tr, va, vi) = kept(&p, &ours)?;
        let long = vrptw::solve(&p, &mut tournee_server::benchmark::Deadline::new(1000), 1);
        let (ltr, lva, lvi) = kept(&p, &long)?;
        let (vtr, vva, vvi, vms) = vrp_core_fleet(&p, 1)?;
        let t = Instant::now();
        let plan = team::plan(&advisors, &candidates, road);
        let plan_ms = t.elapsed().as_millis();
        let flat = week::WeekPlan {
            days: plan.advisors.into_iter().flat_map(|a| a.days).collect(),
            unplanned: plan.unplanned,
        };
        let placed = sample::check(&days, &candidates, &flat)
            .map_err(|e| anyhow::anyhow!("agency week {seed}: {e}"))?
            .len();
        let travel: i64 = flat.days.iter().map(|d| d.travel).sum();
        say(&format!(
            "| {seed} | {:.0}, {va}, {vi}, {ours_ms} | {:.0}, {lva}, {lvi} | {:.0}, {vva}, {vvi}, {vms} ms | {placed} of {}, {:.0}, {plan_ms} |",
            tr / 60.0,
            ltr / 60.0,
            vtr / 60.0,
            candidates.len(),
            travel as f64 / 60.0
        ));
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn random_day(seed: u64, n: usize, windows: bool, fixed: usize) -> (DayInput, Matrix) {
    day::sample::random_day(&day::sample::Shape::BENCH, seed, n, windows, fixed)
}
