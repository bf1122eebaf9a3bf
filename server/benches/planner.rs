//! The tour planner on standard instances, and on advisor-sized days.
//!
//! `cargo bench -p tournee-server --bench planner` — for each TSPLIB and Solomon instance in
//! `benches/data/` (copied from the project's shared benchmark set, provenance in its README),
//! solves it as `tournee plan` does, checks the answer, and prints the gap to the best known
//! value and the time. Then times the exact day planner on random days of 12 stops.

use serde_json::Value;
use shared::plan::day::{self, DayInput, DayStop, Lunch};
use shared::plan::{Matrix, Rng};
use std::time::{Duration, Instant};
use tournee_server::plan::{solve, Format};

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

fn main() -> anyhow::Result<()> {
    let optima: Value = serde_json::from_str(&data("tsplib/optima.json")?)?;
    say("| instance | limit | cost | best known | gap | vehicles | ms |");
    say("|---|---|---|---|---|---|---|");
    for (name, limit) in [("eil51", 100), ("berlin52", 100), ("kroA100", 100), ("a280", 1000)] {
        let best = optima[name]["best_known_cost"].as_f64().unwrap_or(f64::NAN);
        let o = solve(Format::Tsplib, &data(&format!("tsplib/{name}.tsp"))?, limit, 1)?;
        say(&format!(
            "| {name} | {limit} ms | {} | {best} | {:+.2} % | 1 | {} |",
            o.cost,
            (o.cost / best - 1.0) * 100.0,
            o.ms
        ));
    }
    let known: Value = serde_json::from_str(&data("solomon/best_known.json")?)?;
    let mut gaps = Vec::new();
    for name in ["C101", "C201", "R101", "R201", "RC101", "RC201"] {
        let bk = &known[format!("{name}_distance")];
        let best = bk["best_known_cost"].as_f64().unwrap_or(f64::NAN);
        let vehicles = bk["solved_with_vehicles"].as_u64().unwrap_or(0);
        let o = solve(Format::Solomon, &data(&format!("solomon/{name}.txt"))?, 1000, 1)?;
        let gap = (o.cost / best - 1.0) * 100.0;
        gaps.push(gap);
        say(&format!(
            "| {name} | 1000 ms | {:.2} | {best} ({vehicles} veh.) | {gap:+.2} % | {} | {} |{}",
            o.cost,
            o.vehicles,
            o.ms,
            if o.unassigned > 0 {
                format!(" {} unassigned", o.unassigned)
            } else {
                String::new()
            }
        ));
    }
    say(&format!(
        "Solomon mean gap {:+.2} %",
        gaps.iter().sum::<f64>() / gaps.len() as f64
    ));

    // Advisor days: 12 stops, three fixed meetings, with and without visiting windows.
    for windows in [false, true] {
        let mut samples = Vec::new();
        let mut visited = 0;
        for seed in 0..60 {
            let (input, m) = random_day(seed, 12, windows);
            let t = Instant::now();
            let p = day::plan(&input, &m);
            samples.push(t.elapsed());
            visited += p.visits.len();
            anyhow::ensure!(p.exact, "12 stops must be solved exactly");
        }
        samples.sort();
        let q = |f: f64| samples[((samples.len() - 1) as f64 * f).round() as usize];
        say(&format!(
            "day of 12 stops ({}): p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms; {:.1} stops visited on average",
            if windows { "with windows" } else { "no windows" },
            ms(q(0.5)),
            ms(q(0.95)),
            ms(q(1.0)),
            visited as f64 / 60.0
        ));
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn random_day(seed: u64, n: usize, windows: bool) -> (DayInput, Matrix) {
    const H: i64 = 3600;
    let mut rng = Rng::new(seed);
    let mut pts = vec![(0.0, 0.0), (0.0, 0.0)];
    pts.extend((0..n).map(|_| (rng.unit() * 25.0, rng.unit() * 25.0)));
    let stops = (0..n)
        .map(|k| match k {
            0..=2 => {
                let t = 9 * H + k as i64 * 3 * H;
                DayStop {
                    duration: H,
                    open: t,
                    close: t,
                    priority: 1,
                    fixed: true,
                }
            }
            _ if windows => {
                let open = 8 * H + rng.below(16) as i64 * 1800;
                DayStop {
                    duration: 30 * 60,
                    open,
                    close: open + 3 * H,
                    priority: 1 + rng.below(5) as u32,
                    fixed: false,
                }
            }
            _ => DayStop {
                duration: 30 * 60,
                open: 0,
                close: 24 * H,
                priority: 1 + rng.below(5) as u32,
                fixed: false,
            },
        })
        .collect();
    let m = Matrix::from_fn(pts.len(), |i, j| {
        ((pts[i].0 - pts[j].0).hypot(pts[i].1 - pts[j].1) * 1.3 / 40.0 * 3600.0).round() as i64
    });
    (
        DayInput {
            day_start: 8 * H,
            day_end: 19 * H,
            lunch: Some(Lunch {
                from: 12 * H,
                to: 14 * H,
                duration: H,
            }),
            stops,
        },
        m,
    )
}
