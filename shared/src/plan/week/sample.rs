//! Generated weeks for tests and benchmarks: an advisor's working days around a base, a few
//! fixed meetings a day, and due clients in a handful of towns and scattered around, some only
//! available in the morning or the afternoon.

use super::super::itinerary::{DayContext, PlanPlace};
use super::super::policy::{DAY_END, DAY_START, LUNCH_DURATION, LUNCH_FROM, LUNCH_TO, VISIT};
use super::super::Rng;
use super::team::AdvisorWeek;
use uuid::Uuid;

const H: i64 = 3600;

/// The size of a generated week.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub days: usize,
    pub candidates: usize,
    /// Fixed meetings a day: from none to this many.
    pub max_fixed: usize,
    /// How far from the base places are, at most.
    pub radius_km: f64,
}

impl Shape {
    /// What `GET /api/v1/plan/week` gives the planner for five days: eight candidates a day.
    pub const WEEK: Shape = Shape {
        days: 5,
        candidates: 40,
        max_fixed: 3,
        radius_km: 20.0,
    };

    /// An agency's week for five advisors: 150 due clients to spread.
    pub const AGENCY: Shape = Shape {
        days: 5,
        candidates: 150,
        max_fixed: 3,
        radius_km: 25.0,
    };
}

/// Lyon's Part-Dieu, where the generated agency is.
pub const BASE: (f64, f64) = (45.7606, 4.8593);

/// A point `km` or less from `from`, in a random direction.
fn around(rng: &mut Rng, from: (f64, f64), km: f64) -> (f64, f64) {
    let r = km * rng.unit().sqrt();
    let a = rng.unit() * std::f64::consts::TAU;
    (
        from.0 + r * a.sin() / 111.0,
        from.1 + r * a.cos() / (111.0 * from.0.to_radians().cos()),
    )
}

fn place(
    id: u128,
    label: String,
    at: (f64, f64),
    window: (i64, i64),
    duration: i64,
    priority: u32,
    fixed: bool,
) -> PlanPlace {
    PlanPlace {
        id: Uuid::from_u128(id),
        contact_id: Some(Uuid::from_u128(id)),
        label,
        address: String::new(),
        lat: at.0,
        lon: at.1,
        approximate: false,
        open: window.0,
        close: window.1,
        duration,
        priority,
        fixed,
        note: String::new(),
    }
}

/// A week of `shape` from Monday 2026-11-23, the same for the same seed.
pub fn random_week(shape: &Shape, seed: u64) -> (Vec<DayContext>, Vec<PlanPlace>) {
    let mut rng = Rng::new(seed);
    let mut id = 1u128;
    let days = random_days(&mut rng, shape, BASE, &mut id);
    let candidates = random_clients(&mut rng, shape, shape.candidates, &mut id);
    (days, candidates)
}

/// An agency's week: `advisors` advisors, each starting from home (within 15 km of the
/// agency) with their own meetings, and `shape.candidates` due clients for the whole team.
pub fn random_agency(shape: &Shape, advisors: usize, seed: u64) -> (Vec<AdvisorWeek>, Vec<PlanPlace>) {
    let mut rng = Rng::new(seed);
    let mut id = 1u128;
    let team = (0..advisors)
        .map(|a| {
            let home = around(&mut rng, BASE, 15.0);
            let mut days = random_days(&mut rng, shape, home, &mut id);
            for d in &mut days {
                d.start_label = format!("Domicile {}", a + 1);
            }
            AdvisorWeek {
                advisor: Uuid::from_u128(1 << 100 | a as u128),
                days,
            }
        })
        .collect();
    let candidates = random_clients(&mut rng, shape, shape.candidates, &mut id);
    (team, candidates)
}

/// Working days from `start`, with up to `shape.max_fixed` meetings each, within 15 km of it.
fn random_days(rng: &mut Rng, shape: &Shape, start: (f64, f64), id: &mut u128) -> Vec<DayContext> {
    let monday = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
    // Meetings an hour long, far enough apart to be reached from anywhere around.
    let slots = [9 * H + H / 2, 14 * H, 16 * H + 3 * H / 4];
    (0..shape.days)
        .map(|d| {
            let count = rng.below(shape.max_fixed + 1);
            let mut fixed: Vec<PlanPlace> = Vec::new();
            for _ in 0..count {
                let at = slots[rng.below(slots.len())];
                if fixed.iter().any(|f| f.open == at) {
                    continue;
                }
                let point = around(rng, start, 15.0);
                fixed.push(place(*id, format!("RDV {id}"), point, (at, at), H, 0, true));
                *id += 1;
            }
            DayContext {
                date: monday + chrono::Days::new((d / 5 * 7 + d % 5) as u64),
                start_label: "Agence".into(),
                start_lat: start.0,
                start_lon: start.1,
                day_start: DAY_START,
                day_end: DAY_END,
                lunch_from: LUNCH_FROM,
                lunch_to: LUNCH_TO,
                lunch_duration: LUNCH_DURATION,
                fixed,
                candidates: Vec::new(),
                durations: None,
                tiles: None,
                towns: Vec::new(),
            }
        })
        .collect()
}

/// Due clients: two thirds in four towns, the rest anywhere; one in seven only in the
/// morning, one in seven only in the afternoon.
fn random_clients(rng: &mut Rng, shape: &Shape, count: usize, id: &mut u128) -> Vec<PlanPlace> {
    let towns: Vec<(f64, f64)> = (0..4).map(|_| around(rng, BASE, shape.radius_km)).collect();
    (0..count)
        .map(|k| {
            let point = if k % 3 == 2 {
                around(rng, BASE, shape.radius_km)
            } else {
                let town = towns[rng.below(towns.len())];
                around(rng, town, 4.0)
            };
            let window = match rng.below(7) {
                0 => (DAY_START, 11 * H + H / 2),
                1 => (LUNCH_TO, 17 * H + H / 2),
                _ => (DAY_START, DAY_END - VISIT),
            };
            let priority = 1 + rng.below(7) as u32;
            *id += 1;
            place(*id, format!("Client {k}"), point, window, VISIT, priority, false)
        })
        .collect()
}

/// What any week plan must respect, checked independently of how it was made: every client
/// once at most, planned or reported; at most [`super::DAY_STOPS`] stops a day; each day's
/// meetings at their times (unless the day says they cannot all be kept). Returns the clients
/// planned.
pub fn check(days: &[DayContext], candidates: &[PlanPlace], plan: &super::WeekPlan) -> Result<Vec<Uuid>, String> {
    let planned: Vec<Uuid> = plan
        .days
        .iter()
        .flat_map(|d| d.stops.iter().filter(|s| !s.fixed).map(|s| s.id))
        .collect();
    let mut every: Vec<Uuid> = planned.iter().chain(&plan.unplanned).copied().collect();
    every.sort();
    let mut offered: Vec<Uuid> = candidates.iter().map(|c| c.id).collect();
    offered.sort();
    if every != offered {
        return Err("a client twice, or neither planned nor reported".into());
    }
    if plan.days.len() != days.len() {
        return Err(format!("{} days planned for {}", plan.days.len(), days.len()));
    }
    for (d, ctx) in plan.days.iter().zip(days) {
        if d.stops.len() > super::DAY_STOPS {
            return Err(format!("{}: {} stops", d.date, d.stops.len()));
        }
        for f in &ctx.fixed {
            let kept = d.stops.iter().any(|s| s.id == f.id && s.start == f.open);
            if !kept && d.feasible {
                return Err(format!("{}: meeting {} moved", d.date, f.label));
            }
        }
    }
    Ok(planned)
}
