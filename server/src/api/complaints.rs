//! Complaints (issue 10, domain §7): received, taken step by step to their exploitation, each
//! with its clocks (24 h, 10 working days, a week, 2 months); the manager's dashboard. There is
//! no route to change or delete a step: the history is kept whole.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use shared::complaint::{dashboard, Complaint, ComplaintDashboard, ComplaintInput, ComplaintStep, ComplaintView};
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::db::complaints::ComplaintFilter;
use crate::db::Actor;
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

/// The complaint with its clocks, now, in the agency's time.
pub fn view_of(state: &AppState, c: Complaint) -> ComplaintView {
    let time = &state.time;
    ComplaintView::of(c, crate::db::now(), &|t| time.day_of(t), &|d| time.day_end(d))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ComplaintQuery {
    /// One record's complaints.
    pub contact_id: Option<Uuid>,
    /// Only those not answered yet.
    #[serde(default)]
    pub open: bool,
    /// Received on or after this day.
    pub from: Option<NaiveDate>,
}

impl ComplaintQuery {
    fn filter(&self, state: &AppState) -> ComplaintFilter {
        ComplaintFilter {
            contact_id: self.contact_id,
            open_only: self.open,
            received_from: self.from.map(|d| state.time.day_start(d)),
        }
    }
}

/// The complaints of the records the caller sees (a manager: the agency), newest first, each
/// with its clocks and how urgent it is.
#[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints", params(ComplaintQuery),
    responses((status = 200, body = [ComplaintView]), (status = 400, body = shared::api::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<ComplaintQuery>,
) -> ApiResult<Json<Vec<ComplaintView>>> {
    let list = state.store.complaints(&current.actor(), &q.filter(&state)).await?;
    Ok(Json(list.into_iter().map(|c| view_of(&state, c)).collect()))
}

/// Records a complaint received about a record the caller sees.
#[utoipa::path(post, path = "/api/v1/complaints", tag = "complaints", request_body = ComplaintInput,
    responses((status = 201, body = ComplaintView), (status = 404, body = shared::api::ErrorBody),
        (status = 409, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(input): ApiJson<ComplaintInput>,
) -> ApiResult<(StatusCode, Json<ComplaintView>)> {
    let c = create_complaint(&state, &current.actor(), input).await?;
    Ok((StatusCode::CREATED, Json(view_of(&state, c))))
}

/// The `create_complaint` mutation.
pub async fn create_complaint(state: &AppState, actor: &Actor, input: ComplaintInput) -> ApiResult<Complaint> {
    Ok(state.store.create_complaint(actor, input, crate::db::now()).await?)
}

#[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "complaints", params(("id" = Uuid, Path)),
    responses((status = 200, body = ComplaintView), (status = 404, body = shared::api::ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ComplaintView>> {
    let c = state.store.complaint(&current.actor(), id).await?;
    Ok(Json(view_of(&state, c)))
}

/// Takes the complaint one step further: `{"phase": "acknowledged", "note": …}`, then
/// `registered` (`founded`, `nature`), `resolved` (`answer`, `serious`, `by_phone`), `closed`
/// (`satisfied`), `followed_up`, `exploited` (`preventive_action`). Out of order: 409.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/steps", tag = "complaints", params(("id" = Uuid, Path)), request_body = ComplaintStep,
    responses((status = 200, body = ComplaintView), (status = 404, body = shared::api::ErrorBody),
        (status = 409, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn step(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(step): ApiJson<ComplaintStep>,
) -> ApiResult<Json<ComplaintView>> {
    let c = advance_complaint(&state, &current.actor(), id, step).await?;
    Ok(Json(view_of(&state, c)))
}

/// The `advance_complaint` mutation.
pub async fn advance_complaint(state: &AppState, actor: &Actor, id: Uuid, step: ComplaintStep) -> ApiResult<Complaint> {
    Ok(state.store.advance_complaint(actor, id, step, crate::db::now()).await?)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DashboardQuery {
    /// Received on or after this day (default: every complaint).
    pub from: Option<NaiveDate>,
}

/// The complaints dashboard of what the caller sees: by phase and nature, late and soon late,
/// acknowledged within 24 h, mean delays, satisfaction.
#[utoipa::path(get, path = "/api/v1/statistics/complaints", tag = "statistics", params(DashboardQuery),
    responses((status = 200, body = ComplaintDashboard)))]
pub async fn statistics(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<DashboardQuery>,
) -> ApiResult<Json<ComplaintDashboard>> {
    let filter = ComplaintFilter {
        received_from: q.from.map(|d| state.time.day_start(d)),
        ..Default::default()
    };
    let list = state.store.complaints(&current.actor(), &filter).await?;
    let time = &state.time;
    Ok(Json(dashboard(&list, crate::db::now(), &|t| time.day_of(t), &|d| {
        time.day_end(d)
    })))
}

fn csv_field(s: &str) -> String {
    let flat = s.replace(['\r', '\n'], " ");
    if flat.contains([';', '"']) {
        format!("\"{}\"", flat.replace('"', "\"\""))
    } else {
        flat
    }
}

fn when(state: &AppState, t: Option<DateTime<Utc>>) -> String {
    t.map(|t| state.time.local(t).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// Every complaint the caller sees as CSV (`;`-separated), with its clocks' states.
#[utoipa::path(get, path = "/api/v1/complaints.csv", tag = "complaints", params(ComplaintQuery),
    responses((status = 200, content_type = "text/csv")))]
pub async fn export(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<ComplaintQuery>,
) -> ApiResult<impl IntoResponse> {
    let list = state.store.complaints(&current.actor(), &q.filter(&state)).await?;
    let mut csv = String::from(
        "reçue le;dossier;canal;phase;nature;fondée;accusé de réception;traitée le;close le;satisfait;urgence;description\r\n",
    );
    for c in list {
        let v = view_of(&state, c);
        let c = &v.complaint;
        csv.push_str(&format!(
            "{};{};{};{};{};{};{};{};{};{};{};{}\r\n",
            when(&state, Some(c.received_at)),
            csv_field(&c.contact_name),
            c.channel.label(),
            c.phase.label(),
            c.nature.map(|n| n.label()).unwrap_or(""),
            c.founded.map(|f| if f { "oui" } else { "non" }).unwrap_or(""),
            when(&state, c.acknowledged_at),
            when(&state, c.resolved_at),
            when(&state, c.closed_at),
            c.satisfied.map(|f| if f { "oui" } else { "non" }).unwrap_or(""),
            v.urgency.map(|u| u.label()).unwrap_or(""),
            csv_field(&c.description),
        ));
    }
    Ok(super::csv_file("reclamations.csv", csv))
}
