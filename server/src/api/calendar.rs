//! iCalendar (RFC 5545): the `.ics` export of a day, and each advisor's subscription feed
//! behind a secret, revocable URL (a phone calendar cannot log in, so the URL is the key;
//! only its hash is stored).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use icalendar::{Calendar, Component, EventLike, EventStatus};
use shared::api::{AgendaQuery, CalendarFeed};
use shared::visit::{Meeting, MeetingStatus};

use crate::auth::session::{hash_token, new_token};
use crate::auth::CurrentUser;
use crate::db::meetings::MeetingFilter;
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

/// The calendar of some meetings, times in UTC (every calendar shows them on its own clock).
pub fn to_ics(name: &str, meetings: &[Meeting], now: DateTime<Utc>) -> String {
    let mut cal = Calendar::new();
    cal.name(name);
    cal.append_property(icalendar::Property::new("PRODID", "-//Tournee//Tournee CRM//FR"));
    for m in meetings {
        let title = if m.subject.is_empty() {
            format!("RDV {}", m.contact_name)
        } else {
            format!("RDV {} — {}", m.contact_name, m.subject)
        };
        let mut description = vec![format!("Lieu : {}", m.place.label())];
        if !m.contact_phone.is_empty() {
            description.push(format!("Tél. : {}", m.contact_phone));
        }
        if !m.notes.is_empty() {
            description.push(m.notes.clone());
        }
        let mut event = icalendar::Event::new();
        event
            .uid(&format!("{}@{}", m.id, shared::plan::ics::UID_DOMAIN))
            .timestamp(now)
            .summary(&title)
            .description(&description.join("\n"))
            .starts(m.starts_at)
            .ends(m.starts_at + Duration::minutes(i64::from(m.duration_min)))
            .sequence(u32::try_from(m.seq.rem_euclid(i64::from(u32::MAX))).unwrap_or(0))
            .last_modified(m.updated_at)
            .status(match m.status {
                MeetingStatus::Cancelled => EventStatus::Cancelled,
                _ => EventStatus::Confirmed,
            });
        if !m.address.is_empty() {
            event.location(&m.address);
        }
        if let (Some(lat), Some(lon)) = (m.lat, m.lon) {
            event.add_property("GEO", format!("{lat:.6};{lon:.6}"));
        }
        cal.push(event.done());
    }
    cal.done().to_string()
}

fn ics_response(body: String, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

/// The caller's meetings of a day (or a period) as an `.ics` file.
#[utoipa::path(get, path = "/api/v1/meetings.ics", tag = "meetings", params(AgendaQuery),
    responses((status = 200, content_type = "text/calendar", body = String)))]
pub async fn export(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<AgendaQuery>,
) -> ApiResult<Response> {
    let actor = current.actor();
    let (from, to) = super::visits::agenda_days(&state, &q)?;
    let owner = super::visits::agenda_owner(&actor, q.owner)?;
    let meetings = state
        .store
        .meetings_between(
            &actor,
            &MeetingFilter {
                include_cancelled: true,
                ..MeetingFilter::days(Some(owner), from, to, &state.time)
            },
            &state.time,
        )
        .await?;
    let body = to_ics(
        &format!("Tournée — {}", current.user.display_name),
        &meetings,
        crate::db::now(),
    );
    Ok(ics_response(body, &format!("tournee-{from}.ics")))
}

/// Whether the caller has a calendar subscription (the URL itself is only shown once).
#[utoipa::path(get, path = "/api/v1/calendar/feed", tag = "meetings", responses((status = 200, body = CalendarFeed)))]
pub async fn feed_status(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Json<CalendarFeed>> {
    let created_at = state.store.calendar_feed(current.user.id).await?;
    Ok(Json(CalendarFeed {
        active: created_at.is_some(),
        created_at,
        url: None,
    }))
}

/// Creates the subscription URL, replacing (and so revoking) any previous one.
#[utoipa::path(post, path = "/api/v1/calendar/feed", tag = "meetings", responses((status = 201, body = CalendarFeed)))]
pub async fn create_feed(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<(StatusCode, Json<CalendarFeed>)> {
    let token = new_token();
    let now = crate::db::now();
    state
        .store
        .set_calendar_feed(&current.actor(), &hash_token(&token), now)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CalendarFeed {
            active: true,
            created_at: Some(now),
            url: Some(format!("/ical/{token}.ics")),
        }),
    ))
}

/// Revokes the subscription URL: the phone's calendar stops receiving meetings.
#[utoipa::path(delete, path = "/api/v1/calendar/feed", tag = "meetings", responses((status = 204), (status = 404, body = shared::api::ErrorBody)))]
pub async fn revoke_feed(State(state): State<AppState>, current: CurrentUser) -> ApiResult<StatusCode> {
    if state.store.revoke_calendar_feed(current.user.id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

/// `GET /ical/{token}.ics`: the advisor's meetings from 30 days ago to a year ahead, for
/// calendar apps. No cookie: the secret URL is the credential; an unknown one is a 404.
pub async fn feed(State(state): State<AppState>, ApiPath(file): ApiPath<String>) -> ApiResult<Response> {
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    if token.is_empty() || token.len() > 100 {
        return Err(ApiError::NotFound);
    }
    let user = state
        .store
        .calendar_user(&hash_token(token))
        .await?
        .ok_or(ApiError::NotFound)?;
    let now = crate::db::now();
    let meetings = state
        .store
        .meetings_between(
            &user.actor(),
            &MeetingFilter {
                owner: Some(user.id),
                contact: None,
                from: now - Duration::days(30),
                to: now + Duration::days(366),
                include_cancelled: true,
            },
            &state.time,
        )
        .await?;
    let body = to_ics(&format!("Tournée — {}", user.display_name), &meetings, now);
    Ok(ics_response(body, "tournee.ics"))
}
