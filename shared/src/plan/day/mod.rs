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

mod exact;
mod heuristic;
pub mod sample;
#[cfg(test)]
mod tests;

use exact::exact;
use heuristic::heuristic;

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

impl Lunch {
    /// The break taken on a leg that leaves at `leave` and drives `travel`: before leaving, on
    /// the road or on arrival, whichever lets the day go on soonest (the earliest start, and
    /// every minute of driving done before the window opens). Returns when the break starts
    /// and when the leg is done — there and fed — or `None` when the window has closed.
    /// Never earlier for a later `leave` or a longer `travel`, which keeps the day's search
    /// exact.
    pub fn on_leg(&self, leave: i64, travel: i64) -> Option<(i64, i64)> {
        let start = leave.max(self.from);
        (start <= self.to).then_some((start, (leave + travel).max(self.from) + self.duration))
    }
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
    /// When the advisor is at the door: after the drive, and after the lunch break when it is
    /// taken on the way.
    pub arrival: i64,
    pub start: i64,
    pub departure: i64,
    /// Waiting before the visit starts.
    pub wait: i64,
    /// Whether the lunch break is taken on the way to this stop: before leaving, on the road or
    /// on arrival (see [`Lunch::on_leg`]).
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
/// The lunch is taken on the leg where it gives the best day (see [`Lunch::on_leg`]).
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
    // When a leg leaving at `t` and driving `travel` is done, with the break on it or not.
    let mut leg = |t: i64, travel: i64, with_lunch: bool| -> Option<i64> {
        if !with_lunch {
            return Some(t + travel);
        }
        let (s, done) = input.lunch?.on_leg(t, travel)?;
        lunch_at = Some(s);
        Some(done)
    };
    for (k, &stop) in order.iter().enumerate() {
        let lunch_before = lunch_pos == Some(k);
        let s = &input.stops[stop];
        let travel = m.get(at, stop + 2);
        let arrival = leg(t, travel, lunch_before)?;
        let start = arrival.max(s.open);
        if start > s.close {
            return None;
        }
        if let Some(l) = input.lunch {
            if lunch_pos.is_some_and(|p| p > k) && start > l.to {
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
    let travel_home = m.get(at, 1);
    let end = leg(t, travel_home, lunch_pos == Some(order.len()))?;
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

impl DayPlan {
    /// A day with no visit at all: nothing fits (`feasible: false`).
    fn nothing(input: &DayInput, exact: bool) -> DayPlan {
        DayPlan {
            visits: Vec::new(),
            lunch_at: None,
            travel_home: 0,
            end: input.day_start,
            total_travel: 0,
            dropped: Vec::new(),
            feasible: false,
            exact,
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
