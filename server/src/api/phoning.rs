//! Phoning sessions (issue 10, domain §6): the call list built for the advisor and a session's
//! tally. Calls themselves are logged as any call (`POST /contacts/{id}/interactions` or the
//! `log_interaction` mutation) with the session's id; the fourth follow-up of one person in
//! the agency's period is refused there.

use axum::extract::State;
use axum::Json;
use shared::phoning::{CallItem, Tally};
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::{ApiPath, ApiResult};
use crate::state::AppState;

/// The caller's call list for today, in priority order: call-backs due, clients due for a call
/// by their segment's cadence (VIP first), prospects to contact; those already followed up 3
/// times in the period last.
#[utoipa::path(get, path = "/api/v1/phoning/list", tag = "phoning",
    responses((status = 200, body = [CallItem]), (status = 401, body = shared::api::ErrorBody)))]
pub async fn list(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Json<Vec<CallItem>>> {
    Ok(Json(
        state
            .store
            .call_list(&current.actor(), state.time.today(), crate::db::now())
            .await?,
    ))
}

/// What the caller's calls in a session came to: dialled, reached, meetings booked…
#[utoipa::path(get, path = "/api/v1/phoning/sessions/{id}", tag = "phoning", params(("id" = Uuid, Path)),
    responses((status = 200, body = Tally)))]
pub async fn tally(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Tally>> {
    Ok(Json(state.store.session_tally(&current.actor(), id).await?))
}
