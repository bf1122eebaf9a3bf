//! Meetings, visit reports, interactions, the record's timeline and referral chain, the
//! Today screen.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use shared::api::DueQuery;
use shared::api::{AgendaQuery, TaskQuery, TaskScope, TimelinePage, TimelineQuery, Today};
use shared::visit::{
    InteractionInput, Meeting, MeetingInput, MeetingStatusChange, Referrals, Report, ReportInput, TimelineEntry,
};
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::db::meetings::MeetingFilter;
use crate::db::Actor;
use crate::error::{check_body_id, ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

/// The agenda: meetings from `from` to `to` (local days, both included), by start time.
/// Default: the caller's meetings today.
#[utoipa::path(get, path = "/api/v1/meetings", tag = "meetings", params(AgendaQuery),
    responses((status = 200, body = [Meeting]), (status = 400, body = shared::api::ErrorBody)))]
pub async fn agenda(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<AgendaQuery>,
) -> ApiResult<Json<Vec<Meeting>>> {
    let actor = current.actor();
    let (from, to) = agenda_days(&state, &q)?;
    // A record's meetings whoever holds them; the agency's (managers); otherwise one
    // advisor's agenda.
    let owner = match (q.contact_id, q.team.unwrap_or(false)) {
        (Some(_), _) => q.owner,
        (None, true) if actor.sees_whole_agency() => None,
        (None, true) => {
            return Err(ApiError::Forbidden(
                "les rendez-vous de toute l'agence sont réservés au chef d'agence".into(),
            ))
        }
        (None, false) => Some(agenda_owner(&actor, q.owner)?),
    };
    let meetings = state
        .store
        .meetings_between(
            &actor,
            &MeetingFilter {
                contact: q.contact_id,
                include_cancelled: q.include_cancelled.unwrap_or(false),
                ..MeetingFilter::days(owner, from, to, &state.time)
            },
            &state.time,
        )
        .await?;
    Ok(Json(meetings))
}

/// The agenda's days: `from` (default today) to `to` (default `from`), 63 days at most.
pub fn agenda_days(state: &AppState, q: &AgendaQuery) -> ApiResult<(chrono::NaiveDate, chrono::NaiveDate)> {
    let from = q.from.unwrap_or_else(|| state.time.today());
    let to = q.to.unwrap_or(from);
    if to < from || (to - from).num_days() > 62 {
        return Err(ApiError::bad_request(
            "période invalide : `to` après `from`, 63 jours au plus",
        ));
    }
    Ok((from, to))
}

/// Whose agenda: the caller's, or another advisor's for a manager.
pub fn agenda_owner(actor: &crate::db::Actor, owner: Option<Uuid>) -> ApiResult<Uuid> {
    match owner {
        Some(o) if o != actor.user_id && !actor.sees_whole_agency() => Err(ApiError::Forbidden(
            "l'agenda, la journée et la semaine d'un autre conseiller sont réservés au chef d'agence".into(),
        )),
        o => Ok(o.unwrap_or(actor.user_id)),
    }
}

/// Plans a meeting. The address defaults to the client's for a meeting at the client's.
#[utoipa::path(post, path = "/api/v1/meetings", tag = "meetings", request_body = MeetingInput,
    responses((status = 201, body = Meeting), (status = 422, body = shared::api::ErrorBody)))]
pub async fn create_meeting(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(input): ApiJson<MeetingInput>,
) -> ApiResult<(StatusCode, Json<Meeting>)> {
    Ok((
        StatusCode::CREATED,
        Json(plan_meeting(&state, &current.actor(), input).await?),
    ))
}

/// The `plan_meeting` mutation, for the REST route and for sync.
pub async fn plan_meeting(state: &AppState, actor: &Actor, input: MeetingInput) -> ApiResult<Meeting> {
    let input = input.validate().map_err(ApiError::Validation)?;
    let id = input.id.unwrap_or_else(shared::new_id);
    Ok(state
        .store
        .create_meeting(actor, id, &input, &state.time, crate::db::now())
        .await?)
}

#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "meetings", params(("id" = Uuid, Path)),
    responses((status = 200, body = Meeting), (status = 404, body = shared::api::ErrorBody)))]
pub async fn read_meeting(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Meeting>> {
    Ok(Json(state.store.meeting(&current.actor(), id, &state.time).await?))
}

/// Reschedules or edits a planned meeting (send `expected_seq` to detect a concurrent change).
#[utoipa::path(put, path = "/api/v1/meetings/{id}", tag = "meetings", params(("id" = Uuid, Path)), request_body = MeetingInput,
    responses((status = 200, body = Meeting), (status = 409, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn update_meeting(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<MeetingInput>,
) -> ApiResult<Json<Meeting>> {
    Ok(Json(move_meeting(&state, &current.actor(), id, input).await?))
}

/// The `move_meeting` mutation.
pub async fn move_meeting(state: &AppState, actor: &Actor, id: Uuid, input: MeetingInput) -> ApiResult<Meeting> {
    check_body_id(input.id, id)?;
    let input = input.validate().map_err(ApiError::Validation)?;
    Ok(state
        .store
        .update_meeting(actor, id, &input, &state.time, crate::db::now())
        .await?)
}

/// Held, cancelled (with a reason), client absent, or back to planned.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/status", tag = "meetings", params(("id" = Uuid, Path)), request_body = MeetingStatusChange,
    responses((status = 200, body = Meeting), (status = 409, body = shared::api::ErrorBody)))]
pub async fn set_status(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(change): ApiJson<MeetingStatusChange>,
) -> ApiResult<Json<Meeting>> {
    Ok(Json(set_meeting_status(&state, &current.actor(), id, change).await?))
}

/// The `set_meeting_status` mutation.
pub async fn set_meeting_status(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    change: MeetingStatusChange,
) -> ApiResult<Meeting> {
    Ok(state
        .store
        .set_meeting_status(actor, id, &change, &state.time, crate::db::now())
        .await?)
}

/// The meeting's visit report; 404 when none was written yet.
#[utoipa::path(get, path = "/api/v1/meetings/{id}/report", tag = "meetings", params(("id" = Uuid, Path)),
    responses((status = 200, body = Report), (status = 404, body = shared::api::ErrorBody)))]
pub async fn read_report(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Report>> {
    state
        .store
        .report(&current.actor(), id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// Saves the visit report in one transaction: marks a planned meeting held, records the
/// objections, creates a `recommandé` prospect per name given (linked to this client), a task
/// to thank the referrer, a task for the next step, and applies the confirmed stage.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/report", tag = "meetings", params(("id" = Uuid, Path)), request_body = ReportInput,
    responses((status = 201, body = Report), (status = 409, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn save_report(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<ReportInput>,
) -> ApiResult<(StatusCode, Json<Report>)> {
    Ok((
        StatusCode::CREATED,
        Json(save_visit_report(&state, &current.actor(), id, input).await?),
    ))
}

/// The `save_report` mutation.
pub async fn save_visit_report(state: &AppState, actor: &Actor, id: Uuid, input: ReportInput) -> ApiResult<Report> {
    let agency = state.store.agency(actor.agency_id).await?.ok_or(ApiError::NotFound)?;
    let codes: Vec<String> = agency.settings.objections.iter().map(|o| o.code.clone()).collect();
    let input = input.validate(&codes).map_err(ApiError::Validation)?;
    let report = state
        .store
        .save_report(actor, id, &input, &state.time, crate::db::now())
        .await?;
    tracing::info!(meeting = %id, objections = report.objections.len(), referrals = report.referred.len(), "visit report saved");
    Ok(report)
}

/// Logs a call (with its outcome), an e-mail, a letter or an SMS. A call answered moves the
/// last-call date (call cadence); any of them the last-contact date. "Call back" opens a task.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/interactions", tag = "meetings", params(("id" = Uuid, Path)), request_body = InteractionInput,
    responses((status = 201, body = TimelineEntry), (status = 422, body = shared::api::ErrorBody)))]
pub async fn log_interaction(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<InteractionInput>,
) -> ApiResult<(StatusCode, Json<TimelineEntry>)> {
    Ok((
        StatusCode::CREATED,
        Json(log_contact_interaction(&state, &current.actor(), id, input).await?),
    ))
}

/// The `log_interaction` mutation.
pub async fn log_contact_interaction(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    input: InteractionInput,
) -> ApiResult<TimelineEntry> {
    let now = crate::db::now();
    let input = input.validate(now).map_err(ApiError::Validation)?;
    Ok(state.store.log_interaction(actor, id, &input, &state.time, now).await?)
}

/// The record's timeline, newest first: meetings, reports, objections, referrals, calls and
/// messages, stage changes. Pass `next` back as `before` for the following page.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/timeline", tag = "meetings", params(("id" = Uuid, Path), TimelineQuery),
    responses((status = 200, body = TimelinePage), (status = 404, body = shared::api::ErrorBody)))]
pub async fn timeline(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<TimelineQuery>,
) -> ApiResult<Json<TimelinePage>> {
    let before = match q.before.as_deref().filter(|s| !s.is_empty()) {
        Some(c) => Some(parse_cursor(c).ok_or_else(|| ApiError::bad_request("curseur `before` invalide"))?),
        None => None,
    };
    let (items, more) = state
        .store
        .timeline(&current.actor(), id, before, q.limit.unwrap_or(30))
        .await?;
    let next = if more {
        items.last().map(|e| format!("{}_{}", e.at.timestamp_micros(), e.id))
    } else {
        None
    };
    Ok(Json(TimelinePage { items, next }))
}

fn parse_cursor(c: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (micros, id) = c.split_once('_')?;
    Some((DateTime::from_timestamp_micros(micros.parse().ok()?)?, id.parse().ok()?))
}

/// Who referred this record and whom it referred.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/referrals", tag = "meetings", params(("id" = Uuid, Path)),
    responses((status = 200, body = Referrals), (status = 404, body = shared::api::ErrorBody)))]
pub async fn referrals(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Referrals>> {
    Ok(Json(state.store.referrals(&current.actor(), id).await?))
}

/// The home screen: today's meetings in order, tasks due (today and late), the most overdue
/// clients, and held meetings still waiting for their report.
#[utoipa::path(get, path = "/api/v1/today", tag = "meetings", responses((status = 200, body = Today)))]
pub async fn today(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Json<Today>> {
    let actor = current.actor();
    let date = state.time.today();
    let start = state.time.day_start(date);
    let end = state.time.day_start(date + Duration::days(1));
    let meetings = state
        .store
        .meetings_between(
            &actor,
            &MeetingFilter {
                owner: Some(actor.user_id),
                contact: None,
                from: start,
                to: end,
                include_cancelled: false,
            },
            &state.time,
        )
        .await?;
    let tasks = state
        .store
        .tasks(
            &actor,
            &TaskQuery {
                scope: Some(TaskScope::Due),
                limit: Some(50),
                ..Default::default()
            },
            date,
        )
        .await?;
    let overdue = super::contacts::due_items(
        &state,
        &actor,
        DueQuery {
            on: Some(date),
            owner: Some(actor.user_id),
            limit: Some(10),
            ..Default::default()
        },
    )
    .await?;
    let reports_missing = state
        .store
        .reports_missing(&actor, start - Duration::days(14), &state.time)
        .await?;
    Ok(Json(Today {
        date,
        meetings,
        tasks,
        overdue,
        reports_missing,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = shared::new_id();
        let at = DateTime::from_timestamp_micros(1_790_000_000_123_456).unwrap();
        assert_eq!(parse_cursor(&format!("{}_{id}", at.timestamp_micros())), Some((at, id)));
        assert_eq!(parse_cursor("12_nope"), None);
        assert_eq!(parse_cursor("nope"), None);
    }
}
