//! The week: due clients spread over several days around each day's fixed meetings.
//!
//! The spreading is a vehicle routing problem whose vehicles are the days ([`spread`], on
//! [`super::vrptw`]): least travel over the week, the most overdue and valuable clients kept
//! when not all fit. Then each day is planned exactly ([`super::day`], with its lunch break)
//! and what a day could not fit is offered to the other days once. Days are named after the
//! areas (DBSCAN, as in [`super::areas`]) their visits come from.

pub mod sample;
pub mod team;
#[cfg(test)]
mod tests;

use super::areas::{self, Located};
use super::itinerary::{DayContext, PlanPlace};
use super::{haversine_m, RoadEstimate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Stops a day can hold in the exact planner.
pub const DAY_STOPS: usize = 12;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeekDay {
    pub date: chrono::NaiveDate,
    /// Stops in order: label, start (seconds since midnight), fixed or not, record.
    pub stops: Vec<WeekStop>,
    pub travel: i64,
    pub end: i64,
    /// The areas the day's visits come from.
    pub areas: Vec<String>,
    pub feasible: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeekStop {
    pub id: Uuid,
    pub contact_id: Option<Uuid>,
    pub label: String,
    pub start: i64,
    pub fixed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeekPlan {
    pub days: Vec<WeekDay>,
    /// Candidates no day could take.
    pub unplanned: Vec<Uuid>,
}

fn centre(places: &[(f64, f64)]) -> Option<(f64, f64)> {
    (!places.is_empty()).then(|| {
        let n = places.len() as f64;
        (
            places.iter().map(|p| p.0).sum::<f64>() / n,
            places.iter().map(|p| p.1).sum::<f64>() / n,
        )
    })
}

/// The clients to propose over `days`, from those found near each day (`found`, day after day):
/// each once, none who already has a meeting in those days, most worth a visit first (the
/// order found breaks ties).
pub fn proposals<'a>(
    days: impl IntoIterator<Item = &'a DayContext>,
    found: impl IntoIterator<Item = PlanPlace>,
) -> Vec<PlanPlace> {
    let booked: Vec<Uuid> = days
        .into_iter()
        .flat_map(|d| d.fixed.iter().filter_map(|f| f.contact_id))
        .collect();
    let mut proposed: Vec<PlanPlace> = Vec::new();
    for c in found {
        if !c.contact_id.is_some_and(|id| booked.contains(&id)) && !proposed.iter().any(|x| x.id == c.id) {
            proposed.push(c);
        }
    }
    proposed.sort_by_key(|c| std::cmp::Reverse(c.priority));
    proposed
}

/// Ruin-and-recreate steps spent spreading five days' candidates (fixed, so that the same week
/// gives the same plan), about 25 ms; more days get proportionally more ([`iterations`]).
/// Measured with `cargo run --release -p tournee-shared --example week_sweep` and the planner
/// bench: see `docs/benchmarks.md`.
pub const ITERATIONS: u64 = 2000;

/// The search steps for `days` days (vehicles): [`ITERATIONS`] per five.
pub fn iterations(days: usize) -> u64 {
    ITERATIONS * days.div_ceil(5).max(1) as u64
}

/// What leaving a fixed meeting out of its day would cost, against a candidate's priority: it
/// never happens while the meeting fits.
const FIXED_VALUE: f64 = 1000.0;

/// A time of day on a clock that skips the lunch break: what the week's spreading sees (the
/// exact day planner then places the break where it fits best).
fn squeeze(ctx: &DayContext, t: i64) -> f64 {
    if t <= ctx.lunch_from {
        t as f64
    } else {
        (t - ctx.lunch_duration).max(ctx.lunch_from) as f64
    }
}

/// The week as a vehicle routing problem whose vehicles are the days (each from and to its
/// start place, within its hours, at most [`DAY_STOPS`] stops), each day's meetings pinned to
/// it at their time, candidates valued by priority so that the least worth a visit are left out
/// when the week is full. Travel estimates as the day planner's. Returns the problem and the
/// node of the first candidate (candidates follow in order).
pub fn problem(days: &[DayContext], candidates: &[PlanPlace], road: RoadEstimate) -> (super::vrptw::Problem, usize) {
    use super::vrptw::{self, Stop, Vehicle};
    let mut points: Vec<(f64, f64)> = days.iter().map(|d| (d.start_lat, d.start_lon)).collect();
    let mut stops = vec![Stop::new(0, 0.0, 0.0, 0.0); days.len()];
    let mut fleet = Vec::with_capacity(days.len());
    for (k, day) in days.iter().enumerate() {
        fleet.push(Vehicle {
            start: k,
            end: k,
            ready: day.day_start as f64,
            due: squeeze(day, day.day_end),
        });
        for f in &day.fixed {
            points.push((f.lat, f.lon));
            let at = squeeze(day, f.open);
            stops.push(Stop {
                vehicle: Some(k),
                value: FIXED_VALUE,
                ..Stop::new(1, at, at, f.duration as f64)
            });
        }
    }
    let first = stops.len();
    if let Some(clock) = days.first() {
        for c in candidates {
            points.push((c.lat, c.lon));
            stops.push(Stop {
                value: f64::from(c.priority.max(1)),
                ..Stop::new(1, squeeze(clock, c.open), squeeze(clock, c.close), c.duration as f64)
            });
        }
    }
    let m = road.matrix(&points);
    let n = points.len();
    let mut p = vrptw::Problem::new(
        stops,
        (0..n * n).map(|i| m.get(i / n, i % n) as f64).collect(),
        DAY_STOPS as i64,
        days.len(),
    );
    p.depots = days.len();
    p.fleet = fleet;
    (p, first)
}

/// Which candidates each day takes: [`problem`] solved in [`iterations`] steps.
fn spread(days: &[DayContext], candidates: &[PlanPlace], road: RoadEstimate) -> Vec<Vec<Uuid>> {
    if days.is_empty() {
        return Vec::new();
    }
    let (p, first) = problem(days, candidates, road);
    let s = super::vrptw::solve(&p, &mut super::Iterations(iterations(days.len())), 1);
    s.routes
        .iter()
        .map(|r| {
            r.iter()
                .filter(|&&u| u >= first)
                .map(|&u| candidates[u - first].id)
                .collect()
        })
        .collect()
}

/// Plans the week. `days` carry each day's fixed meetings (their `candidates` are ignored);
/// `candidates` are the due clients to spread. The days may be several advisors' ([`team`]):
/// each is a vehicle of its own.
pub fn plan(days: &[DayContext], candidates: &[PlanPlace], road: RoadEstimate) -> WeekPlan {
    let located: Vec<Located> = candidates
        .iter()
        .map(|c| Located {
            id: c.id,
            label: c.label.clone(),
            city: c.address.rsplit(' ').next().unwrap_or("").to_string(),
            postcode: String::new(),
            lat: c.lat,
            lon: c.lon,
            priority: c.priority,
            days_late: 0,
            note: String::new(),
        })
        .collect();
    let groups = areas::areas(&located, areas::DEFAULT_RADIUS_KM, 1);
    let anchors: Vec<(f64, f64)> = days
        .iter()
        .map(|d| {
            centre(&d.fixed.iter().map(|p| (p.lat, p.lon)).collect::<Vec<_>>()).unwrap_or((d.start_lat, d.start_lon))
        })
        .collect();
    let chosen = spread(days, candidates, road);
    // Each day is named after the areas its visits come from, the most represented first.
    let day_areas: Vec<Vec<String>> = chosen
        .iter()
        .map(|ids| {
            let mut hits: Vec<(usize, &areas::Area)> = groups
                .iter()
                .map(|a| (a.members.iter().filter(|m| ids.contains(m)).count(), a))
                .filter(|(n, _)| *n > 0)
                .collect();
            hits.sort_by_key(|(n, _)| std::cmp::Reverse(*n));
            hits.into_iter().map(|(_, a)| a.label.clone()).collect()
        })
        .collect();
    // Plan each day exactly; what its real order and lunch break leave out is offered to the
    // other days once, nearest first (those the spreading left out did not fit anywhere).
    let mut out: Vec<Option<WeekDay>> = vec![None; days.len()];
    let mut dropped: Vec<Uuid> = Vec::new();
    for (d, ctx) in days.iter().enumerate() {
        let mut ctx = ctx.clone();
        ctx.candidates = candidates
            .iter()
            .filter(|c| chosen[d].contains(&c.id))
            .cloned()
            .collect();
        let ids: Vec<Uuid> = ctx.candidates.iter().map(|c| c.id).collect();
        let (places, p) = ctx.plan(&ids, road);
        let kept: Vec<Uuid> = p.visits.iter().map(|v| places[v.stop].id).collect();
        dropped.extend(ids.iter().filter(|id| !kept.contains(id)));
        out[d] = Some(day(&ctx, &places, &p, &day_areas[d]));
    }
    for id in dropped {
        let Some(c) = candidates.iter().find(|c| c.id == id) else {
            continue;
        };
        let mut by_distance: Vec<usize> = (0..days.len()).collect();
        by_distance.sort_by(|&a, &b| {
            haversine_m(anchors[a], (c.lat, c.lon)).total_cmp(&haversine_m(anchors[b], (c.lat, c.lon)))
        });
        for d in by_distance {
            let current = out[d]
                .as_ref()
                .map(|w| w.stops.iter().filter(|s| !s.fixed).map(|s| s.id).collect::<Vec<_>>())
                .unwrap_or_default();
            if current.len() + days[d].fixed.len() >= DAY_STOPS || current.contains(&id) {
                continue;
            }
            let mut ctx = days[d].clone();
            ctx.durations = None;
            let mut ids = current.clone();
            ids.push(id);
            ctx.candidates = candidates.iter().filter(|x| ids.contains(&x.id)).cloned().collect();
            let (places, p) = ctx.plan(&ids, road);
            if p.feasible && p.visits.len() == ids.len() + days[d].fixed.len() {
                out[d] = Some(day(&ctx, &places, &p, &day_areas[d]));
                break;
            }
        }
    }
    let days: Vec<WeekDay> = out.into_iter().flatten().collect();
    let planned: Vec<Uuid> = days
        .iter()
        .flat_map(|d| d.stops.iter().filter(|s| !s.fixed).map(|s| s.id))
        .collect();
    let unplanned = candidates
        .iter()
        .map(|c| c.id)
        .filter(|id| !planned.contains(id))
        .collect();
    WeekPlan { days, unplanned }
}

fn day(ctx: &DayContext, places: &[&PlanPlace], p: &super::day::DayPlan, areas: &[String]) -> WeekDay {
    WeekDay {
        date: ctx.date,
        stops: p
            .visits
            .iter()
            .map(|v| {
                let pl = places[v.stop];
                WeekStop {
                    id: pl.id,
                    contact_id: pl.contact_id,
                    label: pl.label.clone(),
                    start: v.start,
                    fixed: pl.fixed,
                }
            })
            .collect(),
        travel: p.total_travel,
        end: p.end,
        areas: areas.to_vec(),
        feasible: p.feasible,
    }
}
