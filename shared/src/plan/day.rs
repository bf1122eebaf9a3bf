//! An advisor's day: fixed meetings at their times, candidate visits with priorities, visiting
//! windows and durations, a lunch break, and the end of the day.
//!
//! Up to [`EXACT_LIMIT`] stops the day is solved exactly: dynamic programming over (visited
//! set, last stop, lunch taken) with Pareto labels of (travel, time), which is exact because
//! arriving earlier never hurts (one may wait). The best day visits every fixed meeting, then
//! the most priority, then the least travel. Larger days fall back to priority-ordered
//! cheapest insertion. Times are seconds since midnight; the matrix holds travel seconds,
//! index 0 is the start place, index 1 the end place, stop `k` is index `k + 2`.

use super::Matrix;
use serde::{Deserialize, Serialize};

/// Above this many stops, the heuristic plans the day.
pub const EXACT_LIMIT: usize = 13;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayStop {
    /// Minutes on site, in seconds.
    pub duration: i64,
    /// Earliest and latest start of the visit (a fixed meeting: both its time).
    pub open: i64,
    pub close: i64,
    /// Weight of a candidate (ignored for fixed meetings, which are required).
    pub priority: u32,
    pub fixed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Lunch {
    /// Window for the start of the break, and its length.
    pub from: i64,
    pub to: i64,
    pub duration: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayInput {
    pub day_start: i64,
    pub day_end: i64,
    pub lunch: Option<Lunch>,
    pub stops: Vec<DayStop>,
}

/// One stop of the planned day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    /// Index into the input's stops.
    pub stop: usize,
    pub travel: i64,
    pub arrival: i64,
    pub start: i64,
    pub departure: i64,
    /// Waiting before the visit starts.
    pub wait: i64,
    /// Whether the lunch break is taken just before leaving for this stop.
    pub lunch_before: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Even alone, the visit cannot start inside its window within the day.
    WindowClosed,
    /// It fits alone, not with the fixed meetings and the visits that matter more.
    NoTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayPlan {
    pub visits: Vec<Visit>,
    /// Lunch start, when a break is taken.
    pub lunch_at: Option<i64>,
    /// Travel back to the end place, and arrival there.
    pub travel_home: i64,
    pub end: i64,
    pub total_travel: i64,
    pub dropped: Vec<(usize, DropReason)>,
    /// Whether the fixed meetings could all be kept.
    pub feasible: bool,
    /// Whether the plan is proven optimal (exact method) or heuristic.
    pub exact: bool,
}

/// Walks a given order of stops; `None` when a window, the lunch or the day end is broken.
/// The lunch is taken at the first gap where it fits (earliest start in its window).
pub fn simulate(input: &DayInput, m: &Matrix, order: &[usize]) -> Option<DayPlan> {
    // Try every position for the lunch break (before each leg, or none) and keep the best end.
    let positions: Vec<Option<usize>> = match input.lunch {
        Some(_) => (0..=order.len()).map(Some).chain(std::iter::once(None)).collect(),
        None => vec![None],
    };
    positions
        .into_iter()
        .filter_map(|lunch_pos| walk(input, m, order, lunch_pos))
        .min_by_key(|p| (p.total_travel, p.end))
}

fn walk(input: &DayInput, m: &Matrix, order: &[usize], lunch_pos: Option<usize>) -> Option<DayPlan> {
    let mut t = input.day_start;
    let mut at = 0usize;
    let mut visits = Vec::with_capacity(order.len());
    let mut lunch_at = None;
    let mut total = 0;
    let take_lunch = |t: i64| -> Option<(i64, i64)> {
        let l = input.lunch?;
        let s = t.max(l.from);
        (s <= l.to).then_some((s, s + l.duration))
    };
    for (k, &stop) in order.iter().enumerate() {
        let lunch_before = lunch_pos == Some(k);
        if lunch_before {
            let (s, e) = take_lunch(t)?;
            lunch_at = Some(s);
            t = e;
        }
        let s = &input.stops[stop];
        let travel = m.get(at, stop + 2);
        let arrival = t + travel;
        let start = arrival.max(s.open);
        if start > s.close {
            return None;
        }
        if let Some(l) = input.lunch {
            if lunch_at.is_none() && lunch_pos.is_some() && start > l.to {
                return None;
            }
        }
        total += travel;
        let departure = start + s.duration;
        visits.push(Visit {
            stop,
            travel,
            arrival,
            start,
            departure,
            wait: start - arrival,
            lunch_before,
        });
        t = departure;
        at = stop + 2;
    }
    if lunch_pos == Some(order.len()) {
        let (s, e) = take_lunch(t)?;
        lunch_at = Some(s);
        t = e;
    }
    let travel_home = m.get(at, 1);
    let end = t + travel_home;
    if end > input.day_end {
        return None;
    }
    // Without a break, the day must not span the lunch window.
    if let (Some(l), None) = (input.lunch, lunch_at) {
        if input.day_start <= l.to && end > l.from {
            return None;
        }
    }
    Some(DayPlan {
        visits,
        lunch_at,
        travel_home,
        end,
        total_travel: total + travel_home,
        dropped: Vec::new(),
        feasible: true,
        exact: false,
    })
}

#[derive(Clone, Copy)]
struct Label {
    cost: i64,
    time: i64,
    /// Index of the parent label in the arena, and the lunch taken on that step.
    parent: usize,
    lunch_step: bool,
    last: usize,
    /// Next label of the same state (a list threaded through the arena), and whether a later
    /// label dominated this one.
    next: u32,
    alive: bool,
}

const NONE: u32 = u32::MAX;

/// Labels of every state, as lists threaded through one arena (no allocation per state).
struct Labels {
    arena: Vec<Label>,
    head: Vec<u32>,
}

impl Labels {
    fn push(&mut self, key: usize, mut label: Label) {
        let mut i = self.head[key];
        while i != NONE {
            let other = &self.arena[i as usize];
            if other.alive && other.cost <= label.cost && other.time <= label.time {
                return;
            }
            i = other.next;
        }
        let mut i = self.head[key];
        while i != NONE {
            let other = &mut self.arena[i as usize];
            if label.cost <= other.cost && label.time <= other.time {
                other.alive = false;
            }
            i = other.next;
        }
        label.next = self.head[key];
        label.alive = true;
        self.arena.push(label);
        self.head[key] = (self.arena.len() - 1) as u32;
    }

    /// The live labels of a state.
    fn of(&self, key: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut i = self.head[key];
        while i != NONE {
            if self.arena[i as usize].alive {
                out.push(i as usize);
            }
            i = self.arena[i as usize].next;
        }
        out
    }
}

/// Plans the day.
pub fn plan(input: &DayInput, m: &Matrix) -> DayPlan {
    let n = input.stops.len();
    let mut result = if n <= EXACT_LIMIT {
        exact(input, m)
    } else {
        heuristic(input, m)
    };
    let chosen: Vec<usize> = result.visits.iter().map(|v| v.stop).collect();
    result.dropped = (0..n)
        .filter(|k| !chosen.contains(k))
        .map(|k| {
            let alone = simulate(input, m, &[k]).is_some();
            (
                k,
                if alone {
                    DropReason::NoTime
                } else {
                    DropReason::WindowClosed
                },
            )
        })
        .collect();
    result.feasible = input
        .stops
        .iter()
        .enumerate()
        .all(|(k, s)| !s.fixed || chosen.contains(&k));
    if !result.feasible {
        // Fixed meetings are appointments: never leave one out of the day. Keep them all in
        // time order, late where they must be, and say the day does not hold.
        let mut fixed: Vec<usize> = (0..n).filter(|&k| input.stops[k].fixed).collect();
        fixed.sort_by_key(|&k| input.stops[k].open);
        let mut relaxed = input.clone();
        relaxed.lunch = None;
        relaxed.day_end = i64::MAX / 4;
        for s in relaxed.stops.iter_mut().filter(|s| s.fixed) {
            s.close = i64::MAX / 4;
        }
        if let Some(mut late) = walk(&relaxed, m, &fixed, None) {
            late.feasible = false;
            late.exact = false;
            late.dropped = (0..n)
                .filter(|k| !input.stops[*k].fixed)
                .map(|k| (k, DropReason::NoTime))
                .collect();
            return late;
        }
    }
    result
}

#[cfg(test)]
fn score(input: &DayInput, order: &[usize]) -> (usize, u64) {
    let fixed = order.iter().filter(|&&k| input.stops[k].fixed).count();
    let prio = order
        .iter()
        .filter(|&&k| !input.stops[k].fixed)
        .map(|&k| u64::from(input.stops[k].priority))
        .sum();
    (fixed, prio)
}

fn exact(input: &DayInput, m: &Matrix) -> DayPlan {
    let n = input.stops.len();
    let lunch_states = if input.lunch.is_some() { 2 } else { 1 };
    // labels[(mask * (n + 1) + last) * 2 + lunch] → indices into the arena; last = n: start.
    let slot = |mask: usize, last: usize, lunch: usize| (mask * (n + 1) + last) * 2 + lunch;
    let fixed_bits: usize = (0..n).filter(|&k| input.stops[k].fixed).map(|k| 1 << k).sum();
    let mut fixed_order: Vec<usize> = (0..n).filter(|&k| input.stops[k].fixed).collect();
    fixed_order.sort_by_key(|&k| input.stops[k].open);
    let require_fixed = simulate(input, m, &fixed_order).is_some();
    let mut labels = Labels {
        arena: Vec::with_capacity(1 << 14),
        head: vec![NONE; (1usize << n) * (n + 1) * 2],
    };
    labels.push(
        slot(0, n, 0),
        Label {
            cost: 0,
            time: input.day_start,
            parent: usize::MAX,
            lunch_step: false,
            last: n,
            next: NONE,
            alive: true,
        },
    );
    let take_lunch = |t: i64| -> Option<i64> {
        let l = input.lunch?;
        let s = t.max(l.from);
        (s <= l.to).then_some(s + l.duration)
    };
    // Masks in increasing order: every extension goes to a larger mask.
    for mask in 0..(1usize << n) {
        for last in 0..=n {
            if last < n && mask & (1 << last) == 0 || last == n && mask != 0 {
                continue;
            }
            for lunch in 0..lunch_states {
                let key = slot(mask, last, lunch);
                // Extensions only reach larger masks: this state does not change meanwhile.
                let mut cursor = labels.head[key];
                while cursor != NONE {
                    let li = cursor as usize;
                    let label = labels.arena[li];
                    cursor = label.next;
                    if !label.alive {
                        continue;
                    }
                    let at = if last == n { 0 } else { last + 2 };
                    for j in 0..n {
                        if mask & (1 << j) != 0 {
                            continue;
                        }
                        let s = &input.stops[j];
                        let options: [(bool, Option<i64>); 2] = [
                            (false, Some(label.time)),
                            (true, if lunch == 0 { take_lunch(label.time) } else { None }),
                        ];
                        for (with_lunch, t) in options {
                            let Some(t) = t else { continue };
                            if with_lunch && input.lunch.is_none() {
                                continue;
                            }
                            let start = (t + m.get(at, j + 2)).max(s.open);
                            if start > s.close {
                                continue;
                            }
                            let now_lunch = lunch == 1 || with_lunch;
                            if let Some(l) = input.lunch {
                                if !now_lunch && start > l.to {
                                    continue;
                                }
                            }
                            // When the fixed meetings fit together every best day keeps them
                            // all: drop a label that can no longer reach one of them in time.
                            let new_mask = mask | (1 << j);
                            let end = start + s.duration;
                            if require_fixed
                                && (0..n).any(|k| {
                                    fixed_bits & (1 << k) != 0
                                        && new_mask & (1 << k) == 0
                                        && end + m.get(j + 2, k + 2) > input.stops[k].close
                                })
                            {
                                continue;
                            }
                            let next = Label {
                                cost: label.cost + m.get(at, j + 2),
                                time: start + s.duration,
                                parent: li,
                                lunch_step: with_lunch,
                                last: j,
                                next: NONE,
                                alive: true,
                            };
                            labels.push(slot(mask | (1 << j), j, usize::from(now_lunch)), next);
                        }
                    }
                }
            }
        }
    }
    // The best complete day: fixed meetings first, then priority, then travel.
    /// (fixed meetings kept, priority) of a day: what is maximised before travel.
    type Score = (usize, u64);
    // Best so far: score, travel, last label, lunch taken before going home, end time.
    let mut best: Option<(Score, i64, usize, bool, i64)> = None;
    for mask in 0..(1usize << n) {
        let sc = (
            (mask & fixed_bits).count_ones() as usize,
            (0..n)
                .filter(|&k| mask & (1 << k) != 0 && fixed_bits & (1 << k) == 0)
                .map(|k| u64::from(input.stops[k].priority))
                .sum(),
        );
        if best.as_ref().is_some_and(|b| b.0 > sc) {
            continue;
        }
        for last in 0..=n {
            for lunch in 0..lunch_states {
                for li in labels.of(slot(mask, last, lunch)) {
                    let label = labels.arena[li];
                    let at = if last == n { 0 } else { last + 2 };
                    let mut finals = vec![(false, label.time)];
                    if lunch == 0 {
                        if let Some(t) = take_lunch(label.time) {
                            finals.push((true, t));
                        }
                    }
                    for (home_lunch, t) in finals {
                        let end = t + m.get(at, 1);
                        if end > input.day_end {
                            continue;
                        }
                        if let Some(l) = input.lunch {
                            if lunch == 0 && !home_lunch && input.day_start <= l.to && end > l.from {
                                continue;
                            }
                        }
                        let cost = label.cost + m.get(at, 1);
                        let better = match &best {
                            None => true,
                            Some((bs, bc, _, _, _)) => sc > *bs || (sc == *bs && cost < *bc),
                        };
                        if better {
                            best = Some((sc, cost, li, home_lunch, end));
                        }
                    }
                }
            }
        }
    }
    let Some((_, _, li, home_lunch, _)) = best else {
        return DayPlan {
            visits: Vec::new(),
            lunch_at: None,
            travel_home: 0,
            end: input.day_start,
            total_travel: 0,
            dropped: Vec::new(),
            feasible: false,
            exact: true,
        };
    };
    // Rebuild the order and where the lunch goes, then walk it for the times.
    let mut order = Vec::new();
    let mut lunch_pos = None;
    let mut i = li;
    let arena = &labels.arena;
    while arena[i].parent != usize::MAX {
        if arena[i].lunch_step {
            lunch_pos = Some(order.len());
        }
        order.push(arena[i].last);
        i = arena[i].parent;
    }
    order.reverse();
    let lunch_pos = match (home_lunch, lunch_pos) {
        (true, _) => Some(order.len()),
        (false, Some(p)) => Some(order.len() - 1 - p),
        (false, None) => None,
    };
    let mut plan = walk(input, m, &order, lunch_pos).unwrap_or_else(|| DayPlan {
        visits: Vec::new(),
        lunch_at: None,
        travel_home: 0,
        end: input.day_start,
        total_travel: 0,
        dropped: Vec::new(),
        feasible: false,
        exact: true,
    });
    plan.exact = true;
    plan
}

/// Fixed meetings first, then candidates by priority, each at its cheapest feasible place.
fn heuristic(input: &DayInput, m: &Matrix) -> DayPlan {
    let mut todo: Vec<usize> = (0..input.stops.len()).collect();
    todo.sort_by_key(|&k| {
        (
            !input.stops[k].fixed,
            std::cmp::Reverse(input.stops[k].priority),
            input.stops[k].close,
        )
    });
    let mut order: Vec<usize> = Vec::new();
    let mut current = simulate(input, m, &order);
    for k in todo {
        let mut best: Option<(i64, Vec<usize>, DayPlan)> = None;
        for pos in 0..=order.len() {
            let mut o = order.clone();
            o.insert(pos, k);
            if let Some(p) = simulate(input, m, &o) {
                if best.as_ref().is_none_or(|b| p.total_travel < b.0) {
                    best = Some((p.total_travel, o, p));
                }
            }
        }
        if let Some((_, o, p)) = best {
            order = o;
            current = Some(p);
        }
    }
    let mut plan = current.unwrap_or(DayPlan {
        visits: Vec::new(),
        lunch_at: None,
        travel_home: 0,
        end: input.day_start,
        total_travel: 0,
        dropped: Vec::new(),
        feasible: false,
        exact: false,
    });
    plan.exact = false;
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Rng;
    use proptest::prelude::*;

    const H: i64 = 3600;

    fn matrix(points: &[(f64, f64)]) -> Matrix {
        // Coordinates in km, 40 km/h.
        Matrix::from_fn(points.len(), |i, j| {
            ((points[i].0 - points[j].0).hypot(points[i].1 - points[j].1) / 40.0 * 3600.0).round() as i64
        })
    }

    fn random_day(seed: u64, n: usize, windows: bool, fixed: usize) -> (DayInput, Matrix) {
        let mut rng = Rng::new(seed);
        let mut pts = vec![(0.0, 0.0), (0.0, 0.0)];
        pts.extend((0..n).map(|_| (rng.unit() * 30.0, rng.unit() * 30.0)));
        let stops = (0..n)
            .map(|k| {
                if k < fixed {
                    let t = 9 * H + (k as i64) * 3 * H + rng.below(4) as i64 * 900;
                    DayStop {
                        duration: H,
                        open: t,
                        close: t,
                        priority: 1,
                        fixed: true,
                    }
                } else if windows {
                    let open = 8 * H + rng.below(16) as i64 * 1800;
                    DayStop {
                        duration: 45 * 60,
                        open,
                        close: open + 2 * H,
                        priority: 1 + rng.below(5) as u32,
                        fixed: false,
                    }
                } else {
                    DayStop {
                        duration: 30 * 60,
                        open: 0,
                        close: 24 * H,
                        priority: 1 + rng.below(5) as u32,
                        fixed: false,
                    }
                }
            })
            .collect();
        let input = DayInput {
            day_start: 8 * H,
            day_end: 19 * H,
            lunch: Some(Lunch {
                from: 12 * H,
                to: 14 * H,
                duration: H,
            }),
            stops,
        };
        (input, matrix(&pts))
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
}
