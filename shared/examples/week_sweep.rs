//! The week planner on generated weeks: how many due clients it places, their value, the
//! week's travel and the time it takes. Only this crate is compiled, for working on the
//! spreading quickly.
//!
//! `cargo run --release -p tournee-shared --example week_sweep [weeks=30]`

#![allow(clippy::print_stdout)] // a command-line tool: its output is the point

use std::time::Instant;

use shared::plan::week::{self, sample};
use shared::plan::RoadEstimate;

fn main() {
    let weeks: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(30);
    println!("| week | weeks | candidates placed | their priority | travel per week | days whose meetings cannot all be kept | ms p50 | ms max |");
    println!("|---|---|---|---|---|---|---|---|");
    let full = sample::Shape {
        candidates: 80,
        ..sample::Shape::WEEK
    };
    for (name, shape, advisors) in [
        ("5 days, 40 candidates", sample::Shape::WEEK, 0),
        ("5 days, 80 candidates", full, 0),
        ("agency: 5 advisors × 5 days, 150 candidates", sample::Shape::AGENCY, 5),
    ] {
        let (mut placed, mut value, mut offered, mut travel, mut broken) = (0usize, 0u64, 0u64, 0i64, 0usize);
        let mut ms = Vec::new();
        for seed in 1..=weeks {
            let (days, candidates, t, plan) = if advisors == 0 {
                let (days, candidates) = sample::random_week(&shape, seed);
                let t = Instant::now();
                let plan = week::plan(&days, &candidates, RoadEstimate::default());
                (days, candidates, t, plan)
            } else {
                let (team, candidates) = sample::random_agency(&shape, advisors, seed);
                let t = Instant::now();
                let plan = week::team::plan(&team, &candidates, RoadEstimate::default());
                let days = team.into_iter().flat_map(|a| a.days).collect();
                let plan = week::WeekPlan {
                    days: plan.advisors.into_iter().flat_map(|a| a.days).collect(),
                    unplanned: plan.unplanned,
                };
                (days, candidates, t, plan)
            };
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            let ids = sample::check(&days, &candidates, &plan).unwrap_or_else(|e| panic!("week {seed}: {e}"));
            broken += plan.days.iter().filter(|d| !d.feasible).count();
            placed += ids.len();
            value += candidates
                .iter()
                .filter(|c| ids.contains(&c.id))
                .map(|c| u64::from(c.priority))
                .sum::<u64>();
            offered += candidates.iter().map(|c| u64::from(c.priority)).sum::<u64>();
            travel += plan.days.iter().map(|d| d.travel).sum::<i64>();
        }
        ms.sort_by(f64::total_cmp);
        let n = weeks as f64;
        println!(
            "| {name} | {weeks} | {:.1} of {} | {:.1} % | {:.0} min | {broken} | {:.1} | {:.1} |",
            placed as f64 / n,
            shape.candidates,
            value as f64 * 100.0 / offered as f64,
            travel as f64 / n / 60.0,
            ms[ms.len() / 2],
            ms[ms.len() - 1],
        );
    }
}
