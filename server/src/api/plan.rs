//! "Plan my day": the places of an advisor's day — planned meetings at their times and
//! overdue clients near them — sent to the app, which plans and re-plans in the browser
//! (`shared::plan`), with or without network.

use axum::extract::State;
use axum::Json;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use shared::api::{ContactQuery, DueKind};
use shared::plan::itinerary::{DayContext, PlanPlace};
use shared::plan::policy;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::db::meetings::MeetingFilter;
use crate::error::{ApiError, ApiQuery, ApiResult};
use crate::state::AppState;

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default, deny_unknown_fields)]
pub struct DayQuery {
    /// The day (default today).
    pub date: Option<NaiveDate>,
    /// Another advisor's day (managers).
    pub owner: Option<Uuid>,
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
    let owner = super::visits::agenda_owner(&actor, q.owner)?;
    let mut ctx = build_day(&state, &actor, owner, date, policy::MAX_STOPS).await?;
    ctx.tiles = state.config.tile_layer();
    // The communes around, named on the phone's map (from the embedded data: offline too).
    let places: Vec<(f64, f64)> = std::iter::once((ctx.start_lat, ctx.start_lon))
        .chain(ctx.fixed.iter().chain(ctx.candidates.iter()).map(|p| (p.lat, p.lon)))
        .collect();
    ctx.towns = crate::geo::offline::towns_around(&places, 40);
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
#[serde(default, deny_unknown_fields)]
pub struct WeekQuery {
    /// First day (default today); weekends are skipped.
    pub from: Option<NaiveDate>,
    /// Working days from `from` (default 5, at most 10).
    pub days: Option<u32>,
    pub owner: Option<Uuid>,
}

/// The week: due clients spread over the coming working days around each day's meetings
/// (planned on the server with `shared::plan::week`: the days as vehicles of one routing
/// problem, then each day exactly).
#[utoipa::path(get, path = "/api/v1/plan/week", tag = "plan", params(WeekQuery), responses((status = 200, body = shared::plan::week::WeekPlan)))]
pub async fn week(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<WeekQuery>,
) -> ApiResult<Json<shared::plan::week::WeekPlan>> {
    let actor = current.actor();
    let owner = super::visits::agenda_owner(&actor, q.owner)?;
    let count = q.days.unwrap_or(5).clamp(1, 10) as usize;
    let from = q.from.unwrap_or_else(|| state.time.today());
    let (days, mut candidates) = advisor_week(&state, &actor, owner, from, count).await?;
    candidates.truncate(count * 8);
    Ok(Json(shared::plan::week::plan(
        &days,
        &candidates,
        shared::plan::RoadEstimate::default(),
    )))
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default, deny_unknown_fields)]
pub struct TeamQuery {
    /// First day (default today); weekends are skipped.
    pub from: Option<NaiveDate>,
    /// Working days from `from` (default 5, at most 10).
    pub days: Option<u32>,
}

/// The team's week (*planning de l'équipe*, managers): every advisor's due clients spread over
/// every advisor's working days at once, each advisor from their start place and around their
/// own meetings — a client may be proposed to a colleague whose week passes closer
/// (`shared::plan::week::team`).
#[utoipa::path(get, path = "/api/v1/plan/team", tag = "plan", params(TeamQuery), responses((status = 200, body = shared::plan::week::team::TeamPlan), (status = 403, body = shared::api::ErrorBody)))]
pub async fn team(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<TeamQuery>,
) -> ApiResult<Json<shared::plan::week::team::TeamPlan>> {
    use shared::plan::week::team::{self, AdvisorWeek};
    let actor = current.actor();
    if !actor.sees_whole_agency() {
        return Err(ApiError::Forbidden(
            "le planning de l'équipe est réservé au chef d'agence".into(),
        ));
    }
    let count = q.days.unwrap_or(5).clamp(1, 10) as usize;
    let from = q.from.unwrap_or_else(|| state.time.today());
    let members = state.store.agency_users(actor.agency_id).await?;
    let mut weeks = Vec::new();
    let mut found: Vec<PlanPlace> = Vec::new();
    for m in members.iter().filter(|m| m.role == shared::api::Role::Advisor) {
        let (days, theirs) = advisor_week(&state, &actor, m.id, from, count).await?;
        found.extend(theirs);
        weeks.push(AdvisorWeek { advisor: m.id, days });
    }
    // No client with a meeting in the week, whoever has it.
    let mut candidates = shared::plan::week::proposals(weeks.iter().flat_map(|w| &w.days), found);
    candidates.truncate(count * 8 * weeks.len());
    Ok(Json(team::plan(
        &weeks,
        &candidates,
        shared::plan::RoadEstimate::default(),
    )))
}

/// An advisor's coming working days from `from` with their meetings, and their due clients
/// without a meeting in those days, most worth a visit first.
async fn advisor_week(
    state: &AppState,
    actor: &crate::db::Actor,
    owner: Uuid,
    from: NaiveDate,
    count: usize,
) -> ApiResult<(Vec<DayContext>, Vec<PlanPlace>)> {
    use chrono::Datelike;
    let mut date = from;
    let mut days = Vec::new();
    let mut found: Vec<PlanPlace> = Vec::new();
    while days.len() < count {
        if date.weekday().number_from_monday() <= 5 {
            let mut ctx = build_day(state, actor, owner, date, 40).await?;
            found.append(&mut ctx.candidates);
            days.push(ctx);
        }
        date += Duration::days(1);
    }
    // A client with a meeting in the week is not proposed again.
    let candidates = shared::plan::week::proposals(&days, found);
    Ok((days, candidates))
}

/// The places of one day: its meetings, and overdue clients near them up to `max_stops`
/// stops in all (the rules: `shared::plan::policy`).
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
            &MeetingFilter::days(Some(owner), date, date, &state.time),
            &state.time,
        )
        .await?;
    let start = policy::start(settings.base.as_ref(), &meetings);
    let fixed = policy::fixed_places(&meetings, start.1, settings.base.is_some());
    // Overdue clients of this advisor, near the day's places.
    let mut candidates = policy::Candidates::new(date, &fixed, start.1);
    let mut query = ContactQuery {
        due: Some(DueKind::Any),
        on: Some(date),
        owner: Some(owner),
        limit: Some(200),
        ..Default::default()
    };
    for page in 0..5u32 {
        query.offset = Some(page * 200);
        let (contacts, more) = state.store.search_contacts(&actor, &query, date).await?;
        contacts.iter().for_each(|c| candidates.offer(c));
        if !more {
            break;
        }
    }
    let room = max_stops.saturating_sub(fixed.len());
    Ok(policy::day_context(date, start, fixed, candidates.best(room)))
}
