//! The JSON API under `/api/v1`.

pub mod agency;
pub mod areas;
pub mod auth;
pub mod calendar;
pub mod complaints;
pub mod contacts;
pub mod dashboard;
pub mod export;
pub mod imports;
pub mod offers;
pub mod openapi;
pub mod phoning;
pub mod plan;
pub mod privacy;
pub mod stats;
pub mod sync;
pub mod targets;
pub mod tasks;
pub mod team;
pub mod visits;

use axum::routing::{delete, get, post, put};
use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

/// A file to download: its type, its name, its body.
pub(crate) fn attachment(content_type: &'static str, name: &str, body: String) -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
}

/// A CSV file to download (UTF-8).
pub(crate) fn csv_file(name: &str, body: String) -> impl axum::response::IntoResponse {
    attachment("text/csv; charset=utf-8", name, body)
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/auth/invitation", post(team::accept))
        .route("/team", get(team::list).post(team::invite))
        .route("/team/{id}", put(team::change))
        .route("/team/{id}/invitation", post(team::reinvite))
        .route("/team/{id}/handover", post(team::handover))
        .route("/auth/sessions", get(auth::sessions))
        .route("/auth/sessions/{id}", delete(auth::revoke_session))
        .route("/contacts", get(contacts::search).post(contacts::create))
        .route("/contacts/due", get(contacts::due))
        .route("/contacts/export.csv", get(export::csv))
        .route("/contacts/export.vcf", get(export::vcards))
        .route("/contacts/{id}/vcard", get(export::one))
        .route("/contacts/geocoding/flagged", get(contacts::geo_flagged))
        .route("/contacts/{id}/position", post(contacts::set_position))
        .route(
            "/contacts/{id}",
            get(contacts::read).put(contacts::update).delete(contacts::remove),
        )
        .route("/contacts/{id}/stage", post(contacts::change_stage))
        .route("/contacts/{id}/erase", post(privacy::erase))
        .route("/contacts/{id}/subject-access", get(privacy::subject_access))
        .route(
            "/contacts/{id}/consents",
            get(privacy::consents).post(privacy::record_consent),
        )
        .route("/audit", get(privacy::audit))
        .route("/audit.csv", get(privacy::audit_csv))
        .route("/privacy/retention", get(privacy::retention))
        .route("/contacts/{id}/stages", get(contacts::stage_history))
        .route("/contacts/{id}/shares", get(contacts::shares).post(contacts::share))
        .route("/contacts/{id}/shares/{user_id}", delete(contacts::unshare))
        .route("/contacts/{id}/interactions", post(visits::log_interaction))
        .route("/contacts/{id}/timeline", get(visits::timeline))
        .route("/contacts/{id}/referrals", get(visits::referrals))
        .route("/contacts/{id}/offers", get(offers::of_contact))
        .route("/contacts/{id}/prognosis", put(offers::set_manual))
        .route("/offers", post(offers::create))
        .route("/offers/{id}", get(offers::read).put(offers::update))
        .route("/offers/{id}/history", get(offers::history))
        .route("/complaints", get(complaints::list).post(complaints::create))
        .route("/complaints.csv", get(complaints::export))
        .route("/complaints/{id}", get(complaints::read))
        .route("/complaints/{id}/steps", post(complaints::step))
        .route("/statistics/complaints", get(complaints::statistics))
        .route("/targets", get(targets::weeks))
        .route("/statistics/photo", get(dashboard::photo))
        .route("/statistics/photo.csv", get(dashboard::photo_csv))
        .route("/statistics/film", get(dashboard::film))
        .route("/statistics/film.csv", get(dashboard::film_csv))
        .route("/statistics/kpis", get(dashboard::kpis_route))
        .route("/statistics/kpis.csv", get(dashboard::kpis_csv))
        .route("/phoning/list", get(phoning::list))
        .route("/phoning/sessions/{id}", get(phoning::tally))
        .route("/statistics/pipeline", get(offers::pipeline))
        .route("/statistics/pipeline.csv", get(offers::pipeline_csv))
        .route("/meetings", get(visits::agenda).post(visits::create_meeting))
        .route("/meetings.ics", get(calendar::export))
        .route("/meetings/{id}", get(visits::read_meeting).put(visits::update_meeting))
        .route("/meetings/{id}/status", post(visits::set_status))
        .route(
            "/meetings/{id}/report",
            get(visits::read_report).post(visits::save_report),
        )
        .route("/today", get(visits::today))
        .route("/plan/day", get(plan::day))
        .route("/plan/week", get(plan::week))
        .route("/plan/team", get(plan::team))
        .route("/areas", get(areas::list))
        .route("/nearby", get(areas::nearby))
        .route("/located", get(areas::all_located))
        .route("/tasks", get(tasks::list).post(tasks::create))
        .route("/tasks/{id}", get(tasks::read).put(tasks::update).delete(tasks::remove))
        .route("/tasks/{id}/done", post(tasks::set_done))
        .route("/statistics/objections", get(stats::objections))
        .route("/statistics/referrals", get(stats::referrals))
        // The former names ("report" means the visit report everywhere else), still answering
        // for scripts written against them; not in the OpenAPI document.
        .route("/reports/objections", get(stats::objections))
        .route("/reports/referrals", get(stats::referrals))
        .route(
            "/calendar/feed",
            get(calendar::feed_status)
                .post(calendar::create_feed)
                .delete(calendar::revoke_feed),
        )
        .route("/agency/settings", get(agency::settings).put(agency::update_settings))
        .route("/agency/users", get(agency::users))
        .route("/sync/push", post(sync::push))
        .route("/sync/pull", get(sync::pull))
        .route("/conflicts/{id}/resolve", post(sync::resolve_conflict))
        .route(
            "/imports",
            get(imports::list)
                .post(imports::upload)
                .layer(axum::extract::DefaultBodyLimit::max(imports::MAX_FILE_BYTES)),
        )
        .route("/imports/{id}", get(imports::read))
        .route("/imports/{id}/check", post(imports::check))
        .route("/imports/{id}/run", post(imports::run))
        .route("/imports/{id}/report.csv", get(imports::report_csv))
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}
