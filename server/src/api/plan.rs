//! "Plan my day": the places of an advisor's day — planned meetings at their times and
//! overdue clients near them — sent to the app, which plans and re-plans in the browser
//! (`shared::plan`), with or without network.

use axum::extract::State;
use axum::Json;
use chrono::{Duration, NaiveDate, Timelike};
use serde::{Deserialize, Serialize};
use shared::api::{ContactQuery, DueKind};
use shared::cadence::days_late;
use shared::plan::itinerary::{km, DayContext, PlanPlace};
use shared::record::MeetingPlace;
use shared::visit::MeetingStatus;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::db::visits::MeetingFilter;
use crate::error::{ApiError, ApiQuery, ApiResult};
use crate::state::AppState;

const H: i64 = 3600;
/// The working day and the lunch break, seconds since midnight.
const DAY_START: i64 = 8 * H + 30 * 60;
const DAY_END: i64 = 18 * H + 30 * 60;
const LUNCH: (i64, i64, i64) = (12 * H, 14 * H, H);
/// A follow-up visit lasts three quarters of an hour.
const VISIT: i64 = 45 * 60;
/// Candidates are looked for within this distance of the day's places.
const NEAR_KM: f64 = 15.0;
/// Fixed meetings and candidates together stay within the exact planner's reach.
const MAX_STOPS: usize = 12;

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct DayQuery {
    /// The day (default today).
    pub date: Option<NaiveDate>,
    /// Another advisor's day (managers).
    pub owner: Option<Uuid>,
}

fn seconds(t: chrono::NaiveDateTime) -> i64 {
    i64::from(t.num_seconds_from_midnight())
}

/// The day's places: planned meetings (fixed) and overdue clients near them (candidates).
#[utoipa::path(get, path = "/api/v1/plan/day", tag = "plan", params(DayQuery), responses((status = 200, body = DayContext)))]
pub async fn day(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<DayQuery>,
) -> ApiResult<Json<DayContext>> {
    let actor = current.actor();
    let date = q.date.unwrap_or_else(|| state.time.today());
    let owner = q.owner.unwrap_or(actor.user_id);
    if owner != actor.user_id && !actor.sees_whole_agency() {
        return Err(ApiError::Forbidden(
            "la journée d'un autre conseiller est réservée au chef d'agence".into(),
        ));
    }
    let mut ctx = build_day(&state, &actor, owner, date, MAX_STOPS).await?;
    ctx.tiles = state.config.tile_layer();
    // Road times when a routing service is configured; estimates when it is off or fails.
    let osrm = state.config.routing_osrm_url.trim();
    if !osrm.is_empty() {
        let mut points = vec![(ctx.start_lat, ctx.start_lon)];
        points.extend(ctx.fixed.iter().chain(ctx.candidates.iter()).map(|p| (p.lat, p.lon)));
        match crate::geo::osrm::table(
            osrm,
            &state.config.geocoder_user_agent,
            &points,
            std::time::Duration::from_secs(5),
        )
        .await
        {
            Ok(d) => ctx.durations = Some(d),
            Err(e) => tracing::warn!(error = %e, "OSRM table failed: straight-line estimates"),
        }
    }
    Ok(Json(ctx))
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct WeekQuery {
    /// First day (default today); weekends are skipped.
    pub from: Option<NaiveDate>,
    /// Working days from `from` (default 5, at most 10).
    pub days: Option<u32>,
    pub owner: Option<Uuid>,
}

/// The week: due clients spread over the coming working days around each day's meetings,
/// each day kept in one area where possible (planned on the server with `shared::plan::week`).
#[utoipa::path(get, path = "/api/v1/plan/week", tag = "plan", params(WeekQuery), responses((status = 200, body = shared::plan::week::WeekPlan)))]
pub async fn week(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<WeekQuery>,
) -> ApiResult<Json<shared::plan::week::WeekPlan>> {
    use chrono::Datelike;
    let actor = current.actor();
    let owner = q.owner.unwrap_or(actor.user_id);
    if owner != actor.user_id && !actor.sees_whole_agency() {
        return Err(ApiError::Forbidden(
            "la semaine d'un autre conseiller est réservée au chef d'agence".into(),
        ));
    }
    let count = q.days.unwrap_or(5).clamp(1, 10) as usize;
    let mut date = q.from.unwrap_or_else(|| state.time.today());
    let mut days = Vec::new();
    let mut candidates: Vec<PlanPlace> = Vec::new();
    while days.len() < count {
        if date.weekday().number_from_monday() <= 5 {
            let mut ctx = build_day(&state, &actor, owner, date, 40).await?;
            for c in ctx.candidates.drain(..) {
                if !candidates.iter().any(|x| x.id == c.id) {
                    candidates.push(c);
                }
            }
            days.push(ctx);
        }
        date += Duration::days(1);
    }
    // A client with a meeting in the week is not proposed again.
    let booked: Vec<Uuid> = days
        .iter()
        .flat_map(|d| d.fixed.iter().filter_map(|f| f.contact_id))
        .collect();
    candidates.retain(|c| !c.contact_id.is_some_and(|id| booked.contains(&id)));
    candidates.sort_by_key(|c| std::cmp::Reverse(c.priority));
    candidates.truncate(count * 8);
    Ok(Json(shared::plan::week::plan(
        &days,
        &candidates,
        shared::plan::RoadEstimate::default(),
    )))
}

/// The places of one day: its meetings, and overdue clients near them up to `max_stops`
/// stops in all.
async fn build_day(
    state: &AppState,
    actor: &crate::db::Actor,
    owner: Uuid,
    date: NaiveDate,
    max_stops: usize,
) -> ApiResult<DayContext> {
    let actor = *actor;
    let settings = state
        .store
        .agency(actor.agency_id)
        .await?
        .ok_or(ApiError::NotFound)?
        .settings;
    let meetings = state
        .store
        .meetings_between(
            &actor,
            &MeetingFilter {
                owner: Some(owner),
                contact: None,
                from: state.time.day_start(date),
                to: state.time.day_start(date + Duration::days(1)),
                include_cancelled: false,
            },
            &state.time,
        )
        .await?;
    let located: Vec<(f64, f64)> = meetings.iter().filter_map(|m| m.lat.zip(m.lon)).collect();
    let (start_label, start) = match &settings.base {
        Some(b) => (b.label.clone(), (b.lat, b.lon)),
        None => match located.first() {
            Some(p) => ("Premier rendez-vous".to_string(), *p),
            None => ("Départ".to_string(), (46.6, 2.4)),
        },
    };
    let fixed: Vec<PlanPlace> = meetings
        .iter()
        .filter(|m| m.status != MeetingStatus::Cancelled && m.status != MeetingStatus::NoShow)
        .map(|m| {
            let at = seconds(m.local_start);
            let (lat, lon, approximate) = match (m.place, m.lat.zip(m.lon)) {
                (MeetingPlace::Agency, _) => (start.0, start.1, settings.base.is_none()),
                (_, Some((lat, lon))) => (lat, lon, false),
                (_, None) => (start.0, start.1, true),
            };
            PlanPlace {
                id: m.id,
                contact_id: Some(m.contact_id),
                label: m.contact_name.clone(),
                address: m.address.clone(),
                lat,
                lon,
                approximate,
                open: at,
                close: at,
                duration: i64::from(m.duration_min) * 60,
                priority: 1,
                fixed: true,
                note: if m.subject.is_empty() {
                    m.place.label().to_string()
                } else {
                    m.subject.clone()
                },
            }
        })
        .collect();

    // Overdue clients with a position, near the day's places, most worth a visit first.
    let anchors: Vec<(f64, f64)> = if fixed.is_empty() {
        vec![start]
    } else {
        fixed.iter().map(|p| (p.lat, p.lon)).collect()
    };
    let busy: Vec<Uuid> = fixed.iter().filter_map(|p| p.contact_id).collect();
    let mut query = ContactQuery {
        due: Some(DueKind::Any),
        on: Some(date),
        owner: Some(owner),
        limit: Some(200),
        ..Default::default()
    };
    let mut pool = Vec::new();
    for page in 0..5u32 {
        query.offset = Some(page * 200);
        let (contacts, more) = state.store.search_contacts(&actor, &query, date).await?;
        for c in contacts {
            let (Some(lat), Some(lon)) = (c.lat, c.lon) else {
                continue;
            };
            if busy.contains(&c.id) {
                continue;
            }
            let distance = anchors.iter().map(|a| km(*a, (lat, lon))).fold(f64::INFINITY, f64::min);
            if distance > NEAR_KM {
                continue;
            }
            let due = [c.next_meeting_due, c.next_call_due]
                .into_iter()
                .flatten()
                .filter(|d| *d <= date)
                .min();
            let late = due.map(|d| days_late(d, date)).unwrap_or(0);
            let priority = shared::plan::areas::visit_priority(Some(c.segment), late);
            pool.push((priority, distance, late, c, lat, lon));
        }
        if !more {
            break;
        }
    }
    pool.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.total_cmp(&b.1)));
    let room = max_stops.saturating_sub(fixed.len());
    let candidates = pool
        .into_iter()
        .take(room)
        .map(|(priority, distance, late, c, lat, lon)| PlanPlace {
            id: c.id,
            contact_id: Some(c.id),
            label: c.display_name.clone(),
            address: [c.address_line.as_str(), &format!("{} {}", c.postcode, c.city)]
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
            lat,
            lon,
            approximate: false,
            open: DAY_START,
            close: DAY_END - VISIT,
            duration: VISIT,
            priority,
            fixed: false,
            note: format!("En retard de {late} j · {} · {:.1} km", c.segment.label(), distance),
        })
        .collect();
    Ok(DayContext {
        date,
        start_label,
        start_lat: start.0,
        start_lon: start.1,
        day_start: DAY_START,
        day_end: DAY_END,
        lunch_from: LUNCH.0,
        lunch_to: LUNCH.1,
        lunch_duration: LUNCH.2,
        fixed,
        candidates,
        durations: None,
        tiles: None,
    })
}
