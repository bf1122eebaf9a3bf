//! The day planner against brute force and the rules of the day.

use super::*;
use crate::plan::Rng;
use proptest::prelude::*;

const H: i64 = 3600;

fn random_day(seed: u64, n: usize, windows: bool, fixed: usize) -> (DayInput, Matrix) {
    super::sample::random_day(&super::sample::Shape::TESTS, seed, n, windows, fixed)
}

/// Every order of every subset: the reference the exact method must match.
fn brute_force(input: &DayInput, m: &Matrix) -> Option<((usize, u64), i64)> {
    fn go(input: &DayInput, m: &Matrix, order: &mut Vec<usize>, best: &mut Option<((usize, u64), i64)>) {
        if let Some(p) = simulate(input, m, order) {
            let sc = score(input, order);
            let better = match best {
                None => true,
                Some((bs, bc)) => sc > *bs || (sc == *bs && p.total_travel < *bc),
            };
            if better {
                *best = Some((sc, p.total_travel));
            }
        } else {
            return;
        }
        for k in 0..input.stops.len() {
            if !order.contains(&k) {
                order.push(k);
                go(input, m, order, best);
                order.pop();
            }
        }
    }
    let mut best = None;
    go(input, m, &mut Vec::new(), &mut best);
    best
}

#[test]
fn the_exact_plan_matches_brute_force_on_small_days() {
    for seed in 0..40u64 {
        let (input, m) = random_day(seed, 6 + (seed as usize % 2), seed % 2 == 0, (seed % 3) as usize);
        let plan = plan(&input, &m);
        let reference = brute_force(&input, &m);
        let got = score(&input, &plan.visits.iter().map(|v| v.stop).collect::<Vec<_>>());
        assert_eq!(Some((got, plan.total_travel)), reference, "seed {seed}");
        assert!(plan.exact);
    }
}

/// Short days, where not every visit fits (the search then bounds what the time left can
/// still gain), and uneven road times that break the triangle inequality, as a routing
/// service's may.
#[test]
fn the_exact_plan_matches_brute_force_on_short_days_and_uneven_roads() {
    let mut checked = (0, 0);
    for seed in 0..48u64 {
        let (mut input, m) = random_day(1000 + seed, 7, seed % 2 == 0, (seed % 4 == 0) as usize);
        input.day_end = (12 + (seed % 4) as i64) * H;
        let mut rng = Rng::new(seed);
        let uneven: Vec<f64> = (0..81).map(|_| 0.6 + rng.unit()).collect();
        let m = if seed % 3 == 0 {
            Matrix::from_fn(9, |i, j| (m.get(i, j) as f64 * uneven[i * 9 + j]).round() as i64)
        } else {
            m
        };
        let plan = plan(&input, &m);
        let Some(reference) = brute_force(&input, &m) else {
            continue;
        };
        if !plan.feasible {
            continue;
        }
        let got = score(&input, &plan.visits.iter().map(|v| v.stop).collect::<Vec<_>>());
        assert_eq!((got, plan.total_travel), reference, "seed {seed}");
        assert!(plan.exact);
        checked.0 += 1;
        if plan.visits.len() < input.stops.len() {
            checked.1 += 1;
        }
    }
    assert!(
        checked.0 >= 30 && checked.1 >= 10,
        "enough days, and enough that drop visits: {checked:?}"
    );
}

/// A narrow lunch window and long drives: the break's place on a leg (before leaving, on the
/// road, on arrival) decides which days hold, and the search must still match every order.
#[test]
fn the_exact_plan_matches_brute_force_when_lunch_is_tight() {
    let mut lunch_on_the_way = 0;
    for seed in 0..32u64 {
        let (mut input, m) = random_day(2000 + seed, 6, seed % 2 == 0, 1 + (seed % 2) as usize);
        input.lunch = Some(Lunch {
            from: 12 * H,
            to: 12 * H + 20 * 60,
            duration: 45 * 60,
        });
        let m = Matrix::from_fn(8, |i, j| m.get(i, j) * 2);
        let plan = plan(&input, &m);
        let reference = brute_force(&input, &m);
        if !plan.feasible {
            continue;
        }
        let got = score(&input, &plan.visits.iter().map(|v| v.stop).collect::<Vec<_>>());
        assert_eq!(Some((got, plan.total_travel)), reference, "seed {seed}");
        if let (Some(at), Some(v)) = (plan.lunch_at, plan.visits.iter().find(|v| v.lunch_before)) {
            // The break is on the leg into `v`: it starts after leaving the stop before.
            assert!(at + 45 * 60 <= v.arrival, "seed {seed}");
            lunch_on_the_way += 1;
        }
    }
    assert!(
        lunch_on_the_way >= 10,
        "enough days with the break on a leg: {lunch_on_the_way}"
    );
}

#[test]
fn a_day_that_fits_drops_nobody() {
    let (mut input, m) = random_day(3, 8, false, 2);
    input.day_end = 23 * H;
    for s in input.stops.iter_mut().filter(|s| !s.fixed) {
        s.duration = 10 * 60;
    }
    let p = plan(&input, &m);
    assert!(p.feasible);
    assert_eq!(p.visits.len(), 8, "{p:?}");
    assert!(p.dropped.is_empty());
}

#[test]
fn fixed_meetings_that_cannot_all_be_kept_stay_in_the_day_late() {
    let (mut input, m) = random_day(9, 5, false, 3);
    // The second meeting starts when the first ends: no time to drive between them.
    input.stops[1].open = input.stops[0].open + input.stops[0].duration;
    input.stops[1].close = input.stops[1].open;
    let p = plan(&input, &m);
    assert!(!p.feasible);
    let kept: Vec<usize> = p.visits.iter().map(|v| v.stop).collect();
    assert_eq!(kept, vec![0, 1, 2], "every fixed meeting, in time order");
    assert!(p.visits[1].start > input.stops[1].open, "late, and shown as such");
}

#[test]
fn a_day_beyond_the_exact_limit_is_planned_by_insertion_and_stays_valid() {
    let (input, m) = random_day(11, EXACT_LIMIT + 5, true, 2);
    let p = plan(&input, &m);
    assert!(!p.exact);
    let mut seen: Vec<usize> = p
        .visits
        .iter()
        .map(|v| v.stop)
        .chain(p.dropped.iter().map(|d| d.0))
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..input.stops.len()).collect::<Vec<_>>());
    if p.feasible {
        for v in &p.visits {
            let s = &input.stops[v.stop];
            assert!(v.start >= s.open && v.start <= s.close);
        }
        assert!(p.end <= input.day_end);
        // The same order replays to the same day.
        let order: Vec<usize> = p.visits.iter().map(|v| v.stop).collect();
        assert_eq!(
            simulate(&input, &m, &order).map(|q| q.total_travel),
            Some(p.total_travel)
        );
    }
}

#[test]
fn a_closed_window_is_reported() {
    let (mut input, m) = random_day(5, 4, false, 0);
    input.stops[0].open = 20 * H;
    input.stops[0].close = 21 * H;
    let p = plan(&input, &m);
    assert!(p.dropped.contains(&(0, DropReason::WindowClosed)), "{:?}", p.dropped);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn plans_keep_fixed_times_windows_and_consistent_times(seed in 0u64..10_000, n in 3usize..11, fixed in 0usize..3, windows: bool) {
        let (input, m) = random_day(seed, n, windows, fixed.min(n));
        let p = plan(&input, &m);
        let mut seen: Vec<usize> = p.visits.iter().map(|v| v.stop).chain(p.dropped.iter().map(|d| d.0)).collect();
        seen.sort_unstable();
        prop_assert_eq!(seen, (0..n).collect::<Vec<_>>(), "every stop visited once or dropped");
        let mut t = input.day_start;
        let mut at = 0;
        for v in &p.visits {
            let s = &input.stops[v.stop];
            if p.feasible {
                prop_assert!(v.start >= s.open && v.start <= s.close, "inside its window");
                if s.fixed {
                    prop_assert_eq!(v.start, s.open, "a fixed meeting keeps its time");
                }
            } else {
                // A day that cannot hold its fixed meetings keeps them all, late.
                prop_assert!(s.fixed && v.start >= s.open);
            }
            prop_assert_eq!(v.travel, m.get(at, v.stop + 2));
            prop_assert!(v.arrival >= t + v.travel, "times consistent");
            prop_assert_eq!(v.departure, v.start + s.duration);
            t = v.departure;
            at = v.stop + 2;
        }
        if p.feasible {
            prop_assert!(p.end <= input.day_end);
        } else {
            prop_assert_eq!(p.visits.len(), (0..n).filter(|&k| input.stops[k].fixed).count());
        }
        // Never worse than the input order, when that order is a valid day.
        let given: Vec<usize> = (0..n).collect();
        if let Some(q) = simulate(&input, &m, &given) {
            prop_assert_eq!(p.visits.len(), n);
            prop_assert!(p.total_travel <= q.total_travel);
        }
    }
}

/// Two meetings an hour's drive apart, the second at 13:30, lunch owed between 12:00 and 14:00:
/// the advisor drives after the first meeting and eats on arrival (or on the road). Taking the
/// break only before leaving would make the day look impossible.
#[test]
fn lunch_can_be_taken_on_arrival_or_on_the_road() {
    let fixed = |at: i64| DayStop {
        duration: H,
        open: at,
        close: at,
        priority: 1,
        fixed: true,
    };
    let input = super::sample::usual_day(vec![fixed(10 * H), fixed(13 * H + 30 * 60)]);
    // Start and end at the first meeting's town; the second is an hour away.
    let m = Matrix::from_fn(4, |i, j| {
        let far = |k: usize| k == 3;
        if far(i) != far(j) {
            H
        } else {
            0
        }
    });
    let p = plan(&input, &m);
    assert!(p.feasible, "{p:?}");
    assert_eq!(p.lunch_at, Some(12 * H), "the break starts on arriving at noon");
    assert!(p.visits[1].lunch_before, "taken on the way to the second meeting");
    assert_eq!(p.visits[1].start, 13 * H + 30 * 60);
    assert_eq!(p.end, 15 * H + 30 * 60);

    // A break that can start on the road: leaving at 11:30 for an hour's drive, eat at 12:00,
    // drive the rest after, and be there at 13:30.
    let mut on_road = input.clone();
    on_road.stops[0] = fixed(10 * H + 30 * 60);
    let p = plan(&on_road, &m);
    assert!(p.feasible, "{p:?}");
    assert_eq!(p.lunch_at, Some(12 * H));
    assert_eq!(
        p.visits[1].arrival,
        13 * H + 30 * 60,
        "ready at the door after the break"
    );
    assert_eq!(p.visits[1].wait, 0);

    // A two-hour meeting at 12:45 leaves no hour for lunch before 14:00 whichever way.
    let mut tight = input.clone();
    tight.stops[1] = DayStop {
        duration: 2 * H,
        ..fixed(12 * H + 45 * 60)
    };
    assert!(!plan(&tight, &m).feasible);
}
