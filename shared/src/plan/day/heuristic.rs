//! Larger days: priority-ordered cheapest insertion, then relocations and reversals.

use super::{simulate, DayInput, DayPlan};
use crate::plan::Matrix;

/// Shortens a day that keeps every stop: moves one stop elsewhere, or reverses a stretch,
/// while the day still holds and travel goes down.
pub(super) fn improve(input: &DayInput, m: &Matrix, plan: DayPlan) -> DayPlan {
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
pub(super) fn heuristic(input: &DayInput, m: &Matrix) -> DayPlan {
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
    let mut plan = current.unwrap_or_else(|| DayPlan::nothing(input, false));
    plan.exact = false;
    plan
}
