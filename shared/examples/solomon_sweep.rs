//! The VRPTW search over a folder of Solomon instances, for working on the planner quickly
//! (only this crate is compiled): gap to the best-known distance and vehicles, per instance and
//! per family. The figures to publish come from `cargo bench -p tournee-server --bench
//! planner`, which runs the same search beside `vrp-core`.
//!
//! `cargo run --release -p tournee-shared --example solomon_sweep -- server/benches/data/solomon
//! [ms=1000] [seeds=1,2,3] [filter]` — two instances at a time, one core each.

#![allow(clippy::print_stdout)] // a command-line tool: its output is the point

use std::sync::{Arc, Mutex};
use std::time::Instant;

use shared::plan::formats::Solomon;
use shared::plan::vrptw::{self, Problem};
use shared::plan::Budget;

struct Deadline(Instant, f64);

impl Budget for Deadline {
    fn exhausted(&mut self, _: u64) -> bool {
        self.0.elapsed().as_secs_f64() * 1000.0 >= self.1
    }
    fn progress(&mut self, _: u64) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0 / self.1
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).expect("folder of Solomon instances"));
    let ms: f64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1000.0);
    let seeds: Vec<u64> = args
        .get(3)
        .map(|a| a.split(',').filter_map(|s| s.parse().ok()).collect())
        .unwrap_or(vec![1, 2, 3]);
    let filter = args.get(4).cloned().unwrap_or_default();
    let known: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("best_known.json")).unwrap()).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".txt").map(str::to_string))
        .filter(|n| n.starts_with(&filter))
        .collect();
    names.sort();
    let jobs: Vec<(String, u64)> = names
        .iter()
        .flat_map(|n| seeds.iter().map(move |&s| (n.clone(), s)))
        .collect();
    let jobs = Arc::new(Mutex::new(jobs.into_iter()));
    let results = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (jobs, results, dir, known) = (jobs.clone(), results.clone(), dir.clone(), known.clone());
            std::thread::spawn(move || loop {
                let Some((name, seed)) = jobs.lock().unwrap().next() else {
                    return;
                };
                let text = std::fs::read_to_string(dir.join(format!("{name}.txt"))).unwrap();
                let p = Problem::from_solomon(&Solomon::parse(&text).unwrap());
                let s = vrptw::solve(&p, &mut Deadline(Instant::now(), ms), seed);
                let bk = &known[format!("{name}_distance")];
                let best = bk["best_known_cost"].as_f64().unwrap();
                let vehicles = bk["solved_with_vehicles"].as_u64().unwrap() as usize;
                let gap = (s.cost / best - 1.0) * 100.0;
                println!(
                    "{name} seed {seed}: {:.2} ({gap:+.2} %), {} veh. (best {vehicles}){}",
                    s.cost,
                    s.vehicles(),
                    if s.unassigned.is_empty() {
                        String::new()
                    } else {
                        format!(", {} unassigned", s.unassigned.len())
                    }
                );
                results
                    .lock()
                    .unwrap()
                    .push((name, seed, gap, s.vehicles() as i64 - vehicles as i64));
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let results = results.lock().unwrap();
    println!("| family | runs | mean gap | worst gap | runs with a vehicle more |");
    println!("|---|---|---|---|---|");
    let family = |n: &str| n.trim_end_matches(|c: char| c.is_ascii_digit()).to_string() + &n[n.len() - 3..n.len() - 2];
    let mut families: Vec<String> = results.iter().map(|r| family(&r.0)).collect();
    families.sort();
    families.dedup();
    families.push("all".into());
    for f in families {
        let rows: Vec<_> = results.iter().filter(|r| f == "all" || family(&r.0) == f).collect();
        let mean = rows.iter().map(|r| r.2).sum::<f64>() / rows.len() as f64;
        let worst = rows.iter().map(|r| r.2).fold(f64::MIN, f64::max);
        let more = rows.iter().filter(|r| r.3 > 0).count();
        println!("| {f} | {} | {mean:+.2} % | {worst:+.2} % | {more} |", rows.len());
    }
}
