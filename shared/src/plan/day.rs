//! An advisor's day: fixed meetings at their times, candidate visits with priorities, visiting
//! windows and durations, a lunch break, and the end of the day.
//!
//! Up to [`EXACT_LIMIT`] stops the day is solved exactly: dynamic programming over (visited
//! set, last stop, lunch taken) with Pareto labels of (travel, time), which is exact because
//! arriving earlier never hurts (one may wait). The best day visits every fixed meeting, then
//! the most priority, then the least travel. Partial days are dropped early only when that
//! cannot change the answer (`Bounds`): one that can no longer reach the end place in time,
//! or that cannot beat the incumbent (cheapest insertion, then relocations and reversals when
//! every stop fits) — not even with every remaining stop, nor with the priority the time left
//! can hold (a fractional knapsack), nor with the travel a spanning tree of the remaining stops
//! still needs. A day whose fixed meetings cannot all be kept is not searched: they are kept,
//! late. Larger days fall back to priority-ordered cheapest insertion. Times are seconds since midnight; the matrix holds travel seconds,
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
    /// The state: stops visited, and whether lunch is taken.
    mask: usize,
    lunch: bool,
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
    /// Adds a label to a state unless one there dominates it (no more travel, no later);
    /// retires those it dominates. Returns whether it was added.
    fn push(&mut self, key: usize, mut label: Label) -> bool {
        if self.dominated(key, label) {
            return false;
        }
        self.retire(key, label);
        label.next = self.head[key];
        label.alive = true;
        self.arena.push(label);
        self.head[key] = (self.arena.len() - 1) as u32;
        true
    }

    /// Pushes a label with lunch taken, and retires the labels of the same stop and visits
    /// without lunch that it dominates.
    fn push_dominating(&mut self, key: usize, without: usize, label: Label) {
        if self.push(key, label) {
            self.retire(without, label);
        }
    }

    /// Pushes a label without lunch unless one with lunch taken dominates it.
    fn push_dominated(&mut self, key: usize, with: usize, label: Label) {
        if !self.dominated(with, label) {
            self.push(key, label);
        }
    }

    fn dominated(&self, key: usize, label: Label) -> bool {
        let mut i = self.head[key];
        while i != NONE {
            let other = &self.arena[i as usize];
            if other.alive && other.cost <= label.cost && other.time <= label.time {
                return true;
            }
            i = other.next;
        }
        false
    }

    fn retire(&mut self, key: usize, label: Label) {
        let mut i = self.head[key];
        while i != NONE {
            let other = &mut self.arena[i as usize];
            if label.cost <= other.cost && label.time <= other.time {
                other.alive = false;
            }
            i = other.next;
        }
    }
}

/// Plans the day.
pub fn plan(input: &DayInput, m: &Matrix) -> DayPlan {
    let n = input.stops.len();
    let mut fixed: Vec<usize> = (0..n).filter(|&k| input.stops[k].fixed).collect();
    fixed.sort_by_key(|&k| input.stops[k].open);
    // Fixed meetings are appointments: never leave one out of the day. When they cannot all
    // be kept (in time order, the only order their times allow), keep them all, late where
    // they must be, add no visit, and say the day does not hold.
    let fixed_fit = fixed.is_empty() || simulate(input, m, &fixed).is_some();
    if !fixed_fit {
        if let Some(late) = late_day(input, m, &fixed) {
            return late;
        }
    }
    let mut result = if n <= EXACT_LIMIT {
        exact(input, m, fixed_fit)
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
    result.feasible = fixed.iter().all(|k| chosen.contains(k));
    if !result.feasible {
        if let Some(late) = late_day(input, m, &fixed) {
            return late;
        }
    }
    result
}

/// The fixed meetings alone in time order, with no lunch break and no end of day: each as
/// soon as the one before allows.
fn late_day(input: &DayInput, m: &Matrix, fixed: &[usize]) -> Option<DayPlan> {
    let mut relaxed = input.clone();
    relaxed.lunch = None;
    relaxed.day_end = i64::MAX / 4;
    for s in relaxed.stops.iter_mut().filter(|s| s.fixed) {
        s.close = i64::MAX / 4;
    }
    let mut late = walk(&relaxed, m, fixed, None)?;
    late.feasible = false;
    late.exact = false;
    late.dropped = (0..input.stops.len())
        .filter(|k| !input.stops[*k].fixed)
        .map(|k| (k, DropReason::NoTime))
        .collect();
    Some(late)
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

/// What lets the exact search drop a partial day early without changing its answer.
struct Bounds<'a> {
    input: &'a DayInput,
    /// Shortest travel from each stop to the end place, through any stops (the matrix need not
    /// obey the triangle inequality: road times from a routing service do not always).
    to_end: Vec<i64>,
    /// The incumbent from the insertion heuristic: its score and travel.
    incumbent: Option<((usize, u64), i64)>,
    all: usize,
    fixed_bits: usize,
    require_fixed: bool,
    /// Per set of stops: priority of its candidates; least travel into each of them, summed;
    /// least travel from one of them to the end place.
    priority: Vec<u64>,
    least_in: Vec<i64>,
    least_out: Vec<i64>,
    /// Travel between two stops (index n: the end place), the shorter way round.
    near: Vec<Vec<i64>>,
    /// Fixed meetings; for each stop its duration plus its shortest leg in; the candidates by
    /// priority per second of that, best first.
    fixed_list: Vec<usize>,
    need: Vec<i64>,
    by_ratio: Vec<usize>,
    /// Per set of stops, the minimum spanning tree of it and the end place under `near`
    /// (computed when first asked; -1: not yet).
    tree: Vec<i64>,
}

impl<'a> Bounds<'a> {
    fn new(input: &'a DayInput, m: &Matrix, fixed_bits: usize, require_fixed: bool) -> Bounds<'a> {
        let n = input.stops.len();
        let size = n + 2;
        let mut d: Vec<Vec<i64>> = (0..size).map(|i| (0..size).map(|j| m.get(i, j)).collect()).collect();
        for k in 0..size {
            for i in 0..size {
                for j in 0..size {
                    let via = d[i][k].saturating_add(d[k][j]);
                    if via < d[i][j] {
                        d[i][j] = via;
                    }
                }
            }
        }
        let to_end = (0..n).map(|k| d[k + 2][1]).collect();
        let into: Vec<i64> = (0..n)
            .map(|k| {
                std::iter::once(0)
                    .chain((0..n).filter(|&i| i != k).map(|i| i + 2))
                    .map(|i| m.get(i, k + 2))
                    .min()
                    .unwrap_or(0)
            })
            .collect();
        let all = (1usize << n) - 1;
        let mut priority = vec![0u64; 1 << n];
        let mut least_in = vec![0i64; 1 << n];
        let mut least_out = vec![i64::MAX; 1 << n];
        for set in 1..=all {
            let k = set.trailing_zeros() as usize;
            let rest = set & (set - 1);
            let stop = &input.stops[k];
            priority[set] = priority[rest] + if stop.fixed { 0 } else { u64::from(stop.priority) };
            least_in[set] = least_in[rest] + into[k];
            least_out[set] = least_out[rest].min(m.get(k + 2, 1));
        }
        let incumbent = {
            let mut h = heuristic(input, m);
            if h.visits.len() == n {
                // Every stop fits: only travel is left to decide, and a tighter incumbent
                // prunes far more of the search.
                h = improve(input, m, h);
            }
            let kept = h.visits.iter().fold(0usize, |acc, v| acc | 1 << v.stop);
            (h.feasible && (!require_fixed || kept & fixed_bits == fixed_bits) && !h.visits.is_empty()).then(|| {
                (
                    ((kept & fixed_bits).count_ones() as usize, priority[kept]),
                    h.total_travel,
                )
            })
        };
        let near: Vec<Vec<i64>> = (0..=n)
            .map(|a| {
                let ia = if a == n { 1 } else { a + 2 };
                (0..=n)
                    .map(|b| {
                        let ib = if b == n { 1 } else { b + 2 };
                        m.get(ia, ib).min(m.get(ib, ia))
                    })
                    .collect()
            })
            .collect();
        let need: Vec<i64> = (0..n).map(|k| input.stops[k].duration + into[k]).collect();
        let mut by_ratio: Vec<usize> = (0..n).filter(|&k| !input.stops[k].fixed).collect();
        // p_a / need_a > p_b / need_b, compared without division.
        by_ratio.sort_by(|&a, &b| {
            let (pa, pb) = (i128::from(input.stops[a].priority), i128::from(input.stops[b].priority));
            (pb * i128::from(need[a].max(0))).cmp(&(pa * i128::from(need[b].max(0))))
        });
        Bounds {
            input,
            to_end,
            near,
            fixed_list: (0..n).filter(|&k| input.stops[k].fixed).collect(),
            need,
            by_ratio,
            tree: vec![-1; 1 << n],
            incumbent,
            all,
            fixed_bits,
            require_fixed,
            priority,
            least_in,
            least_out,
        }
    }

    /// Whether a day that has just left stop `j` at `end` can still reach the end place in
    /// time, with the lunch break it still owes.
    fn may_finish(&self, end: i64, j: usize, lunch_taken: bool) -> bool {
        let home = end.saturating_add(self.to_end[j]);
        match self.input.lunch {
            Some(l) if !lunch_taken && self.input.day_start <= l.to => {
                let lunch = end.max(l.from);
                home <= l.from || (lunch <= l.to && lunch + l.duration + self.to_end[j] <= self.input.day_end)
            }
            _ => home <= self.input.day_end,
        }
    }

    /// Whether every day completing `visited` (now at stop `j`, `cost` travelled) is worse than
    /// the incumbent: a lower score even with every remaining stop, or the incumbent's score
    /// only with all of them and more travel than it.
    /// `end` is when the day leaves stop `j`, `lunch_taken` whether the break is behind.
    fn beaten(&mut self, visited: usize, j: usize, cost: i64, end: i64, lunch_taken: bool) -> bool {
        let Some((score, travel)) = self.incumbent else {
            return false;
        };
        let rest = self.all & !visited;
        let fixed = if self.require_fixed {
            self.fixed_bits.count_ones() as usize
        } else {
            ((visited | rest) & self.fixed_bits).count_ones() as usize
        };
        let best = (fixed, self.priority[visited] + self.priority[rest]);
        if best < score {
            return true;
        }
        if best > score {
            // Not every remaining stop fits in what is left of the day: bound the priority
            // that can still be gained by the time it takes.
            return self.require_fixed
                && (
                    fixed,
                    self.priority[visited] + self.reachable_priority(rest, j, end, lunch_taken),
                ) < score;
        }
        if rest == 0 {
            return cost + self.to_end[j] > travel;
        }
        if cost + self.least_in[rest] + self.least_out[rest] > travel {
            return true;
        }
        // The rest of the day is a path from j through every remaining stop to the end place:
        // its first leg, then a spanning tree of the others and the end place.
        let first = (0..self.near.len() - 1)
            .filter(|&k| rest & (1 << k) != 0)
            .map(|k| self.near[j][k])
            .min()
            .unwrap_or(0);
        cost + first + self.spanning_tree(rest) > travel
    }

    /// An upper bound on the priority of the stops of `rest` a day can still visit after
    /// leaving stop `j` at `end`: each visit takes at least its duration plus the shortest
    /// leg into it, the remaining fixed meetings are taken first, the trip home and any lunch
    /// owed come off the time left, and the best priority per second fills the rest (a
    /// fractional knapsack). 0 when even the fixed meetings no longer fit.
    fn reachable_priority(&self, rest: usize, j: usize, end: i64, lunch_taken: bool) -> u64 {
        let input = self.input;
        let home = self.to_end[j].min(self.least_out[rest]);
        let mut left = match input.lunch {
            Some(l) if !lunch_taken && input.day_start <= l.to => (l.from - end).max(input.day_end - end - l.duration),
            _ => input.day_end - end,
        } - home;
        for k in self.fixed_list.iter().copied().filter(|&k| rest & (1 << k) != 0) {
            left -= self.need[k];
        }
        if left < 0 {
            return 0;
        }
        let mut gained = 0.0;
        for &k in &self.by_ratio {
            if rest & (1 << k) == 0 {
                continue;
            }
            let p = f64::from(input.stops[k].priority);
            if self.need[k] <= left {
                left -= self.need[k];
                gained += p;
            } else {
                gained += p * left as f64 / self.need[k] as f64;
                break;
            }
        }
        gained.floor() as u64
    }

    /// Prim's algorithm on `set` and the end place.
    fn spanning_tree(&mut self, set: usize) -> i64 {
        if self.tree[set] >= 0 {
            return self.tree[set];
        }
        let n = self.near.len() - 1;
        let mut nodes: Vec<usize> = (0..n).filter(|&k| set & (1 << k) != 0).collect();
        nodes.push(n);
        let mut dist: Vec<i64> = nodes.iter().map(|&k| self.near[n][k]).collect();
        let mut done = vec![false; nodes.len()];
        done[nodes.len() - 1] = true;
        let mut total = 0;
        for _ in 1..nodes.len() {
            let (i, d) = (0..nodes.len())
                .filter(|&i| !done[i])
                .map(|i| (i, dist[i]))
                .min_by_key(|&(_, d)| d)
                .unwrap_or((0, 0));
            done[i] = true;
            total += d;
            for (o, other) in nodes.iter().enumerate() {
                if !done[o] {
                    dist[o] = dist[o].min(self.near[nodes[i]][*other]);
                }
            }
        }
        self.tree[set] = total;
        total
    }
}

/// `require_fixed`: the fixed meetings fit together, so every best day keeps them all.
fn exact(input: &DayInput, m: &Matrix, require_fixed: bool) -> DayPlan {
    let n = input.stops.len();
    let lunch_states = if input.lunch.is_some() { 2 } else { 1 };
    // labels[(mask * (n + 1) + last) * 2 + lunch] → indices into the arena; last = n: start.
    let slot = |mask: usize, last: usize, lunch: usize| (mask * (n + 1) + last) * 2 + lunch;
    let fixed_bits: usize = (0..n).filter(|&k| input.stops[k].fixed).map(|k| 1 << k).sum();
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
            mask: 0,
            lunch: false,
            next: NONE,
            alive: true,
        },
    );
    // Sets of visited stops that hold at least one label: the others are skipped.
    let mut reached = vec![false; 1 << n];
    reached[0] = true;
    let take_lunch = |t: i64| -> Option<i64> {
        let l = input.lunch?;
        let s = t.max(l.from);
        (s <= l.to).then_some(s + l.duration)
    };
    let mut bounds = Bounds::new(input, m, fixed_bits, require_fixed);
    // Masks in increasing order: every extension goes to a larger mask.
    for mask in 0..(1usize << n) {
        if !reached[mask] {
            continue;
        }
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
                                && bounds.fixed_list.iter().any(|&k| {
                                    new_mask & (1 << k) == 0 && end + m.get(j + 2, k + 2) > input.stops[k].close
                                })
                            {
                                continue;
                            }
                            let cost = label.cost + m.get(at, j + 2);
                            if !bounds.may_finish(end, j, now_lunch) || bounds.beaten(new_mask, j, cost, end, now_lunch)
                            {
                                continue;
                            }
                            let next = Label {
                                cost,
                                time: start + s.duration,
                                parent: li,
                                lunch_step: with_lunch,
                                last: j,
                                mask: new_mask,
                                lunch: now_lunch,
                                next: NONE,
                                alive: true,
                            };
                            reached[new_mask] = true;
                            // Having had lunch is never worse: a label with lunch taken
                            // dominates one without at no more travel and no later time.
                            let (with, without) = (slot(new_mask, j, 1), slot(new_mask, j, 0));
                            if now_lunch {
                                labels.push_dominating(with, without, next);
                            } else {
                                labels.push_dominated(without, with, next);
                            }
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
    for (li, label) in labels.arena.iter().enumerate() {
        if !label.alive {
            continue;
        }
        let mask = label.mask;
        let sc = ((mask & fixed_bits).count_ones() as usize, bounds.priority[mask]);
        if best.as_ref().is_some_and(|b| b.0 > sc) {
            continue;
        }
        let at = if label.last == n { 0 } else { label.last + 2 };
        let after_lunch = if label.lunch { None } else { take_lunch(label.time) };
        for (home_lunch, t) in [(false, Some(label.time)), (true, after_lunch)] {
            let Some(t) = t else { continue };
            let end = t + m.get(at, 1);
            if end > input.day_end {
                continue;
            }
            if let Some(l) = input.lunch {
                if !label.lunch && !home_lunch && input.day_start <= l.to && end > l.from {
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

/// Shortens a day that keeps every stop: moves one stop elsewhere, or reverses a stretch,
/// while the day still holds and travel goes down.
fn improve(input: &DayInput, m: &Matrix, plan: DayPlan) -> DayPlan {
    let mut order: Vec<usize> = plan.visits.iter().map(|v| v.stop).collect();
    let mut best = plan;
    let len = order.len();
    for _ in 0..20 {
        let mut better: Option<(Vec<usize>, DayPlan)> = None;
        let mut consider = |o: Vec<usize>| {
            if let Some(p) = simulate(input, m, &o) {
                let bar = better.as_ref().map_or(best.total_travel, |b| b.1.total_travel);
                if p.total_travel < bar {
                    better = Some((o, p));
                }
            }
        };
        for i in 0..len {
            for to in 0..len {
                if to != i {
                    let mut o = order.clone();
                    let k = o.remove(i);
                    o.insert(to, k);
                    consider(o);
                }
            }
            for j in i + 2..len {
                let mut o = order.clone();
                o[i..=j].reverse();
                consider(o);
            }
        }
        match better {
            Some((o, p)) => {
                order = o;
                best = p;
            }
            None => break,
        }
    }
    best
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
