//! The exact search of a day (up to `EXACT_LIMIT` stops): dynamic programming over
//! (visited set, last stop, lunch taken) with Pareto labels, and the bounds that drop a partial
//! day early only when that cannot change the answer.

use super::heuristic::{heuristic, improve};
use super::{walk, DayInput, DayPlan};
use crate::plan::Matrix;

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
        // One pass: the alive labels of a state never dominate one another, so a label that
        // one of them dominates dominates none of them — nothing is retired before it is found.
        let mut i = self.head[key];
        while i != NONE {
            let other = &mut self.arena[i as usize];
            if other.alive {
                if other.cost <= label.cost && other.time <= label.time {
                    return false;
                }
                if label.cost <= other.cost && label.time <= other.time {
                    other.alive = false;
                }
            }
            i = other.next;
        }
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
    /// Fixed meetings; per set of stops, the time its fixed meetings take at least (each its
    /// duration plus its shortest leg in: its `need`); the candidates by priority per second
    /// of need, best first, as (bit, need, priority).
    fixed_list: Vec<usize>,
    fixed_need: Vec<i64>,
    /// Per set of stops, the need of its candidates together.
    candidate_need: Vec<i64>,
    by_ratio: Vec<(usize, i64, u64)>,
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
        let need: Vec<i64> = (0..n).map(|k| input.stops[k].duration + into[k]).collect();
        let mut fixed_need = vec![0i64; 1 << n];
        let mut candidate_need = vec![0i64; 1 << n];
        for set in 1..=all {
            let k = set.trailing_zeros() as usize;
            let rest = set & (set - 1);
            let stop = &input.stops[k];
            priority[set] = priority[rest] + if stop.fixed { 0 } else { u64::from(stop.priority) };
            least_in[set] = least_in[rest] + into[k];
            least_out[set] = least_out[rest].min(m.get(k + 2, 1));
            fixed_need[set] = fixed_need[rest] + if stop.fixed { need[k] } else { 0 };
            candidate_need[set] = candidate_need[rest] + if stop.fixed { 0 } else { need[k] };
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
            fixed_need,
            candidate_need,
            by_ratio: by_ratio
                .into_iter()
                .map(|k| (1 << k, need[k], u64::from(input.stops[k].priority)))
                .collect(),
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
            // The break, wherever it is taken on the way home, starts no earlier than now and
            // ends the day no earlier than the shortest way home with it on the road.
            Some(l) if !lunch_taken && self.input.day_start <= l.to => {
                home <= l.from
                    || l.on_leg(end, self.to_end[j])
                        .is_some_and(|(_, done)| done <= self.input.day_end)
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
            // that can still be gained by the time it takes (a day with more fixed meetings
            // than the incumbent is not beaten whatever its priority).
            return self.require_fixed
                && fixed == score.0
                && score
                    .1
                    .checked_sub(self.priority[visited])
                    .is_some_and(|wanted| !self.reaches(rest, j, end, lunch_taken, wanted));
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

    /// Whether a day that left stop `j` at `end` may still gain `wanted` priority from the stops
    /// of `rest`, by an upper bound: each visit takes at least its duration plus the shortest
    /// leg into it, the remaining fixed meetings are taken first, the trip home and any lunch
    /// owed come off the time left, and the best priority per second fills the rest (a
    /// fractional knapsack, stopped as soon as it reaches `wanted`). Nothing when even the
    /// fixed meetings no longer fit.
    fn reaches(&self, rest: usize, j: usize, end: i64, lunch_taken: bool, wanted: u64) -> bool {
        let input = self.input;
        let home = self.to_end[j].min(self.least_out[rest]);
        let mut left = match input.lunch {
            Some(l) if !lunch_taken && input.day_start <= l.to => (l.from - end).max(input.day_end - end - l.duration),
            _ => input.day_end - end,
        } - home
            - self.fixed_need[rest];
        if left < 0 {
            return wanted == 0;
        }
        if left >= self.candidate_need[rest] {
            // Time for every candidate left: the bound is all their priority.
            return self.priority[rest] >= wanted;
        }
        // Whole visits while they fit, then the fraction of the next, rounded down: the
        // priority kept is a whole number, so rounding down keeps the bound.
        let mut gained = 0u64;
        for &(bit, need, priority) in &self.by_ratio {
            if gained >= wanted {
                return true;
            }
            if rest & bit == 0 {
                continue;
            }
            if need <= left {
                left -= need;
                gained += priority;
            } else {
                // 0 <= left < need here (a product too large to hold only raises the bound).
                return gained + priority.saturating_mul(left as u64) / need as u64 >= wanted;
            }
        }
        gained >= wanted
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
pub(super) fn exact(input: &DayInput, m: &Matrix, require_fixed: bool) -> DayPlan {
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
    // When a leg leaving at `t` and driving `travel` is done, with the lunch break on it.
    let with_lunch = |t: i64, travel: i64| -> Option<i64> { input.lunch?.on_leg(t, travel).map(|(_, done)| done) };
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
                        let travel = m.get(at, j + 2);
                        let options: [(bool, Option<i64>); 2] = [
                            (false, Some(label.time + travel)),
                            (
                                true,
                                if lunch == 0 {
                                    with_lunch(label.time, travel)
                                } else {
                                    None
                                },
                            ),
                        ];
                        for (lunch_step, there) in options {
                            let Some(there) = there else { continue };
                            let start = there.max(s.open);
                            if start > s.close {
                                continue;
                            }
                            let now_lunch = lunch == 1 || lunch_step;
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
                            let cost = label.cost + travel;
                            if !bounds.may_finish(end, j, now_lunch) || bounds.beaten(new_mask, j, cost, end, now_lunch)
                            {
                                continue;
                            }
                            let next = Label {
                                cost,
                                time: start + s.duration,
                                parent: li,
                                lunch_step,
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
        let travel = m.get(at, 1);
        let lunch_home = if label.lunch {
            None
        } else {
            with_lunch(label.time, travel)
        };
        for (home_lunch, end) in [(false, Some(label.time + travel)), (true, lunch_home)] {
            let Some(end) = end else { continue };
            if end > input.day_end {
                continue;
            }
            if let Some(l) = input.lunch {
                if !label.lunch && !home_lunch && input.day_start <= l.to && end > l.from {
                    continue;
                }
            }
            let cost = label.cost + travel;
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
        return DayPlan::nothing(input, true);
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
    let mut plan = walk(input, m, &order, lunch_pos).unwrap_or_else(|| DayPlan::nothing(input, true));
    plan.exact = true;
    plan
}
