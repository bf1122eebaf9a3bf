//! The week: due clients spread over several days around each day's fixed meetings, each day
//! kept in one area where possible.
//!
//! Candidates are grouped into areas (DBSCAN, as in [`super::areas`]); areas are handed out
//! whole, most valuable first, to the day whose meetings are nearest (a day without meetings
//! is anchored at the base), as long as the day has room; then each day is planned exactly
//! ([`super::day`]) and what a day could not fit is offered to the other days once.

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

/// Plans the week. `days` carry each day's fixed meetings (their `candidates` are ignored);
/// `candidates` are the due clients to spread.
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
    let mut room: Vec<usize> = days.iter().map(|d| DAY_STOPS.saturating_sub(d.fixed.len())).collect();
    let mut chosen: Vec<Vec<Uuid>> = vec![Vec::new(); days.len()];
    let mut day_areas: Vec<Vec<String>> = vec![Vec::new(); days.len()];
    // Most valuable areas first.
    let mut order: Vec<&areas::Area> = groups.iter().collect();
    let value = |a: &areas::Area| {
        a.members
            .iter()
            .filter_map(|id| candidates.iter().find(|c| c.id == *id))
            .map(|c| c.priority)
            .sum::<u32>()
    };
    order.sort_by_key(|a| std::cmp::Reverse(value(a)));
    let mut left: Vec<Uuid> = Vec::new();
    for area in order {
        let mut members: Vec<Uuid> = area.members.clone();
        members.sort_by_key(|id| {
            std::cmp::Reverse(candidates.iter().find(|c| c.id == *id).map(|c| c.priority).unwrap_or(0))
        });
        while !members.is_empty() {
            let best = (0..days.len()).filter(|&d| room[d] > 0).min_by(|&a, &b| {
                let da = haversine_m(anchors[a], (area.lat, area.lon));
                let db = haversine_m(anchors[b], (area.lat, area.lon));
                da.total_cmp(&db)
            });
            let Some(d) = best else {
                left.append(&mut members);
                break;
            };
            let take = room[d].min(members.len());
            chosen[d].extend(members.drain(..take));
            room[d] -= take;
            day_areas[d].push(area.label.clone());
        }
    }
    // Plan each day; what does not fit is offered to the other days once.
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
    for id in dropped.into_iter().chain(left) {
        let Some(c) = candidates.iter().find(|c| c.id == id) else {
            continue;
        };
        let mut placed = false;
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
                placed = true;
                break;
            }
        }
        if !placed {
            // Still unplanned: reported below.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn place(id: u128, lat: f64, lon: f64, fixed_at: Option<i64>) -> PlanPlace {
        PlanPlace {
            id: Uuid::from_u128(id),
            contact_id: Some(Uuid::from_u128(id)),
            label: format!("P{id}"),
            address: String::new(),
            lat,
            lon,
            approximate: false,
            open: fixed_at.unwrap_or(8 * 3600),
            close: fixed_at.unwrap_or(18 * 3600),
            duration: if fixed_at.is_some() { 3600 } else { 45 * 60 },
            priority: 2,
            fixed: fixed_at.is_some(),
            note: String::new(),
        }
    }

    fn day_ctx(d: u32, fixed: Vec<PlanPlace>) -> DayContext {
        DayContext {
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 23 + d).unwrap(),
            start_label: "Agence".into(),
            start_lat: 45.76,
            start_lon: 4.83,
            day_start: 8 * 3600 + 1800,
            day_end: 18 * 3600 + 1800,
            lunch_from: 12 * 3600,
            lunch_to: 14 * 3600,
            lunch_duration: 3600,
            fixed,
            candidates: Vec::new(),
            durations: None,
            tiles: None,
            towns: Vec::new(),
        }
    }

    #[test]
    fn each_day_gets_the_area_of_its_meetings_and_fixed_times_hold() {
        // Monday has a meeting in the north, Tuesday in the south; clients in both places.
        let days = vec![
            day_ctx(0, vec![place(1, 45.85, 4.83, Some(10 * 3600))]),
            day_ctx(1, vec![place(2, 45.65, 4.83, Some(10 * 3600))]),
        ];
        let mut candidates = Vec::new();
        for k in 0..4 {
            candidates.push(place(10 + k, 45.85 + k as f64 * 0.004, 4.84, None));
            candidates.push(place(20 + k, 45.65 + k as f64 * 0.004, 4.84, None));
        }
        let week = plan(&days, &candidates, RoadEstimate::default());
        assert!(week.unplanned.is_empty(), "{:?}", week.unplanned);
        let monday: Vec<u128> = week.days[0]
            .stops
            .iter()
            .filter(|s| !s.fixed)
            .map(|s| s.id.as_u128())
            .collect();
        let tuesday: Vec<u128> = week.days[1]
            .stops
            .iter()
            .filter(|s| !s.fixed)
            .map(|s| s.id.as_u128())
            .collect();
        assert!(
            monday.iter().all(|id| (10..20).contains(id)) && monday.len() == 4,
            "{monday:?}"
        );
        assert!(
            tuesday.iter().all(|id| (20..30).contains(id)) && tuesday.len() == 4,
            "{tuesday:?}"
        );
        for d in &week.days {
            let fixed = d.stops.iter().find(|s| s.fixed).unwrap();
            assert_eq!(fixed.start, 10 * 3600);
            assert!(d.feasible);
        }
    }
}
