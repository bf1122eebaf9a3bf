//! `tournee plan --routes` prints routes that anyone can check: this test reads the instance
//! files with its own parser and checks what the real binary printed with its own arithmetic —
//! every customer served once, the fleet and capacity respected, each stop's time inside its
//! window (recomputed, and equal to the times printed), the route back to the depot in time,
//! and the cost equal to the sum of the legs. Nothing of the planner's code is used.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/data").join(rel)
}

fn plan(format: &str, file: &PathBuf, ms: u64, seed: u64) -> Value {
    plan_with(format, file, ["--time-limit-ms", &ms.to_string()], seed)
}

/// `tournee plan --routes` with a stopping rule (`--time-limit-ms N` or `--iterations N`).
fn plan_with(format: &str, file: &PathBuf, limit: [&str; 2], seed: u64) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_tournee"))
        .args(["plan", "--format", format, "--routes", "--seed", &seed.to_string()])
        .args(limit)
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A Solomon file: (vehicles, capacity, rows of [no, x, y, demand, ready, due, service]).
fn solomon(text: &str) -> (usize, f64, Vec<[f64; 7]>) {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let at = lines.iter().position(|l| l.starts_with("NUMBER")).unwrap();
    let fleet: Vec<f64> = lines[at + 1].split_whitespace().map(|v| v.parse().unwrap()).collect();
    let rows = lines
        .iter()
        .filter_map(|l| {
            let v: Vec<f64> = l.split_whitespace().filter_map(|w| w.parse().ok()).collect();
            (v.len() == 7).then(|| [v[0], v[1], v[2], v[3], v[4], v[5], v[6]])
        })
        .collect();
    (fleet[0] as usize, fleet[1], rows)
}

fn check_solomon(file: &str, seed: u64) {
    let path = data(&format!("solomon/{file}"));
    let (fleet, capacity, rows) = solomon(&std::fs::read_to_string(&path).unwrap());
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[0] as usize, i, "rows in customer order");
    }
    let d = |a: usize, b: usize| (rows[a][1] - rows[b][1]).hypot(rows[a][2] - rows[b][2]);
    let out = plan("solomon", &path, 300, seed);
    let routes = out["routes"].as_array().expect("--routes prints the routes");
    assert_eq!(out["unassigned"], 0);
    assert_eq!(out["vehicles"].as_u64().unwrap() as usize, routes.len());
    assert!(
        routes.len() <= fleet,
        "{file}: {} vehicles for a fleet of {fleet}",
        routes.len()
    );
    let mut served = vec![0u32; rows.len()];
    let mut total = 0.0;
    for route in routes {
        let stops = route["stops"].as_array().unwrap();
        assert!(!stops.is_empty());
        let (mut t, mut prev, mut load) = (rows[0][4], 0usize, 0.0);
        for s in stops {
            let v = s["node"].as_u64().unwrap() as usize;
            assert!((1..rows.len()).contains(&v), "{file}: node {v}");
            served[v] += 1;
            load += rows[v][3];
            let arrival = t + d(prev, v);
            total += d(prev, v);
            let start = arrival.max(rows[v][4]);
            assert!(
                start <= rows[v][5] + 1e-6,
                "{file}: customer {v} served at {start}, window closes at {}",
                rows[v][5]
            );
            assert!(
                (s["arrival"].as_f64().unwrap() - arrival).abs() < 1e-2,
                "{file}: arrival at {v}"
            );
            assert!(
                (s["start"].as_f64().unwrap() - start).abs() < 1e-2,
                "{file}: start at {v}"
            );
            t = start + rows[v][6];
            prev = v;
        }
        total += d(prev, 0);
        assert!(
            t + d(prev, 0) <= rows[0][5] + 1e-6,
            "{file}: back at the depot after it closes"
        );
        assert!(load <= capacity, "{file}: load {load} over {capacity}");
    }
    assert!(served[1..].iter().all(|&n| n == 1), "{file}: every customer once");
    let cost = out["cost"].as_f64().unwrap();
    assert!(
        (cost - total).abs() < 0.01,
        "{file}: printed cost {cost}, legs add up to {total}"
    );
}

#[test]
fn vrptw_routes_printed_are_feasible_and_cost_what_is_said() {
    for (file, seed) in [("C101.txt", 1), ("R101.txt", 2), ("RC201.txt", 3)] {
        check_solomon(file, seed);
    }
}

#[test]
fn a_tsp_tour_printed_visits_every_city_once_and_costs_what_is_said() {
    let path = data("tsplib/berlin52.tsp");
    let text = std::fs::read_to_string(&path).unwrap();
    let cities: Vec<(f64, f64)> = text
        .lines()
        .skip_while(|l| !l.starts_with("NODE_COORD_SECTION"))
        .skip(1)
        .take_while(|l| !l.starts_with("EOF"))
        .filter_map(|l| {
            let v: Vec<f64> = l.split_whitespace().filter_map(|w| w.parse().ok()).collect();
            (v.len() == 3).then(|| (v[1], v[2]))
        })
        .collect();
    let out = plan("tsplib", &path, 200, 1);
    let tour: Vec<usize> = out["routes"][0]["stops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["node"].as_u64().unwrap() as usize)
        .collect();
    let mut seen = tour.clone();
    seen.sort_unstable();
    assert_eq!(seen, (1..=cities.len()).collect::<Vec<_>>(), "every city once");
    // TSPLIB's EUC_2D: the Euclidean distance rounded to the nearest integer.
    let nint = |a: usize, b: usize| {
        let (p, q) = (cities[a - 1], cities[b - 1]);
        ((p.0 - q.0).hypot(p.1 - q.1) + 0.5).floor()
    };
    let total: f64 = tour.windows(2).map(|w| nint(w[0], w[1])).sum::<f64>() + nint(tour[tour.len() - 1], tour[0]);
    assert_eq!(out["cost"].as_f64().unwrap(), total);
    assert!(total <= 7542.0 * 1.02, "within 2 % of the optimum (7542): {total}");
}

/// `--iterations`: the same seed and count give the same routes, run after run (a time limit
/// depends on the machine's speed and load; an iteration count does not).
#[test]
fn the_same_seed_and_iteration_count_give_the_same_routes() {
    let run = |format: &str, file: &PathBuf, seed: u64| {
        let mut v = plan_with(format, file, ["--iterations", "20000"], seed);
        v.as_object_mut().unwrap().remove("ms");
        v
    };
    for (format, file) in [
        ("solomon", data("solomon/RC101.txt")),
        ("tsplib", data("tsplib/berlin52.tsp")),
    ] {
        let first = run(format, &file, 7);
        assert!(first["routes"].as_array().is_some_and(|r| !r.is_empty()));
        assert_eq!(run(format, &file, 7), first, "{format}: the same seed and count");
    }
}
