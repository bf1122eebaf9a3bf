//! The OpenAPI document, generated from the handlers and the shared types.

use axum::Json;
use utoipa::OpenApi;

use super::{agency, auth, contacts};

#[derive(OpenApi)]
#[openapi(
    info(title = "Tournée API", description = "Field CRM for advisors on the road. Errors are `{error, detail, fields}`."),
    paths(
        auth::login, auth::logout, auth::me, auth::sessions, auth::revoke_session,
        contacts::search, contacts::create, contacts::read, contacts::update, contacts::remove,
        contacts::change_stage, contacts::stage_history, contacts::due, contacts::shares, contacts::share, contacts::unshare,
        agency::settings, agency::update_settings, agency::users,
    ),
    tags((name = "auth"), (name = "contacts"), (name = "agency"))
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
