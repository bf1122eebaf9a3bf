//! Agency settings and members.

use axum::extract::State;
use axum::Json;
use shared::api::{AgencyUser, Role};
use shared::settings::AgencySettings;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::state::AppState;

/// The agency's thresholds, score weights and bands, and cadence.
#[utoipa::path(get, path = "/api/v1/agency/settings", tag = "agency", responses((status = 200, body = AgencySettings)))]
pub async fn settings(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Json<AgencySettings>> {
    let agency = state
        .store
        .agency(current.user.agency_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(agency.settings))
}

/// Changes the settings (managers) and recomputes every record's class, segment and due dates.
#[utoipa::path(put, path = "/api/v1/agency/settings", tag = "agency", request_body = AgencySettings,
    responses((status = 200, body = AgencySettings), (status = 403, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn update_settings(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(settings): ApiJson<AgencySettings>,
) -> ApiResult<Json<AgencySettings>> {
    if current.user.role != Role::Manager {
        return Err(ApiError::Forbidden("réservé au chef d'agence".into()));
    }
    settings.validate().map_err(ApiError::Validation)?;
    let changed = state.store.set_agency_settings(&current.actor(), &settings).await?;
    tracing::info!(agency = %current.user.agency_id, changed, "agency settings updated");
    Ok(Json(settings))
}

/// Members of the agency (for sharing and assigning records).
#[utoipa::path(get, path = "/api/v1/agency/users", tag = "agency", responses((status = 200, body = [AgencyUser])))]
pub async fn users(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Json<Vec<AgencyUser>>> {
    Ok(Json(state.store.agency_users(current.user.agency_id).await?))
}
