use super::*;
use crate::plan::Iterations;

fn points(n: usize, rng: &mut Rng) -> Vec<(f64, f64)> {
    (0..n).map(|_| (rng.unit() * 100.0, rng.unit() * 100.0)).collect()
}

fn distances(pts: &[(f64, f64)]) -> Vec<f64> {
    let mut cost = Vec::new();
    for a in pts {
        for b in pts {
            cost.push((a.0 - b.0).hypot(a.1 - b.1));
        }
    }
    cost
}

fn problem(n: usize, seed: u64, windows: bool) -> Problem {
    let mut rng = Rng::new(seed);
    let pts = points(n, &mut rng);
    let stops = (0..n)
        .map(|i| {
            if i == 0 {
                Stop::new(0, 0.0, 1000.0, 0.0)
            } else if windows {
                let ready = rng.unit() * 600.0;
                let demand = 1 + rng.below(9) as i64;
                Stop::new(demand, ready, ready + 60.0 + rng.unit() * 200.0, 10.0)
            } else {
                Stop::new(1, 0.0, 1000.0, 10.0)
            }
        })
        .collect();
    Problem::new(stops, distances(&pts), 40, 6)
}

/// Three vehicles from three depots (nodes 0, 1, 2) with different hours; visit 3 pinned to
/// vehicle 2 at a set time; more visits than fit, of values 1 to 3.
fn fleet(seed: u64, visits: usize) -> Problem {
    let mut rng = Rng::new(seed);
    let pts = points(3 + visits, &mut rng);
    let mut stops = vec![Stop::new(0, 0.0, 1000.0, 0.0); 3];
    for i in 0..visits {
        let mut s = Stop::new(1, 0.0, 1000.0, 30.0);
        s.value = 1.0 + (i % 3) as f64;
        if i == 0 {
            s.ready = 300.0;
            s.due = 300.0;
            s.vehicle = Some(2);
            s.value = 1000.0;
        }
        stops.push(s);
    }
    let mut p = Problem::new(stops, distances(&pts), 8, 3);
    p.depots = 3;
    p.fleet = vec![
        Vehicle {
            start: 0,
            end: 0,
            ready: 0.0,
            due: 400.0,
        },
        Vehicle {
            start: 1,
            end: 1,
            ready: 100.0,
            due: 600.0,
        },
        Vehicle {
            start: 2,
            end: 0,
            ready: 0.0,
            due: 500.0,
        },
    ];
    p
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

#[test]
fn distinct_vehicles_keep_their_depots_hours_and_pins_and_leave_out_the_least_valuable() {
    for seed in 1..12 {
        let p = fleet(seed, 40);
        let s = solve(&p, &mut Iterations(1500), seed);
        assert_eq!(s.routes.len(), 3, "one route per vehicle, even empty");
        for (k, r) in s.routes.iter().enumerate() {
            assert!(p.route_feasible_on(k, r), "seed {seed}, vehicle {k}: {r:?}");
        }
        assert!(
            s.routes[2].contains(&3),
            "seed {seed}: the pinned visit is on its vehicle"
        );
        let total: f64 = s.routes.iter().enumerate().map(|(k, r)| p.route_cost_on(k, r)).sum();
        assert!((total - s.cost).abs() < 1e-6);
        let mut seen: Vec<usize> = s.routes.iter().flatten().chain(&s.unassigned).copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, (3..43).collect::<Vec<_>>(), "seed {seed}");
        // 24 places for 40 visits: the search keeps more value than the first insertion,
        // and what it leaves out is worth less on average than what it keeps.
        assert!(s.unassigned.len() >= 16);
        let value = |v: &[usize]| v.iter().map(|&u| p.stops[u].value).sum::<f64>();
        let first = solve(&p, &mut Iterations(0), seed);
        assert!(value(&first.unassigned) >= value(&s.unassigned), "seed {seed}");
        let kept: Vec<usize> = s.routes.iter().flatten().copied().filter(|&u| u != 3).collect();
        assert!(
            value(&s.unassigned) / s.unassigned.len() as f64 <= value(&kept) / kept.len() as f64,
            "seed {seed}"
        );
    }
}

#[test]
fn a_pin_is_refused_to_another_vehicle_and_the_same_seed_gives_the_same_plan() {
    let p = fleet(5, 20);
    assert!(!p.route_feasible_on(0, &[3]));
    assert!(p.route_feasible_on(2, &[3]));
    // Pins mean nothing to identical vehicles.
    let mut same = p.clone();
    same.fleet.clear();
    assert!(same.route_feasible(&[3]));
    assert_eq!(solve(&p, &mut Iterations(800), 9), solve(&p, &mut Iterations(800), 9));
}
