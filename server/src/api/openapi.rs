//! The OpenAPI document, generated from the handlers and the shared types.

use axum::Json;
use utoipa::OpenApi;

use super::{
    agency, areas, auth, calendar, complaints, contacts, dashboard, export, imports, offers, phoning, plan, privacy,
    stats, sync, targets, tasks, team, visits,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Tournée API", description = "Field CRM for advisors on the road. Errors are `{error, detail, fields}`."),
    paths(
        auth::login, auth::logout, auth::me, auth::sessions, auth::revoke_session,
        contacts::search, contacts::create, contacts::read, contacts::update, contacts::remove,
        contacts::change_stage, contacts::stage_history, contacts::due, contacts::shares, contacts::share, contacts::unshare, contacts::set_position, contacts::geo_flagged,
        agency::settings, agency::update_settings, agency::users,
        visits::agenda, visits::create_meeting, visits::read_meeting, visits::update_meeting, visits::set_status,
        visits::read_report, visits::save_report, visits::log_interaction, visits::timeline, visits::referrals, visits::today,
        calendar::export, calendar::feed_status, calendar::create_feed, calendar::revoke_feed,
        tasks::list, tasks::create, tasks::read, tasks::update, tasks::set_done, tasks::remove,
        stats::objections, stats::referrals,
        offers::of_contact, offers::create, offers::read, offers::update, offers::history, offers::set_manual,
        offers::pipeline, offers::pipeline_csv,
        phoning::list, phoning::tally, targets::weeks, export::csv, export::vcards, export::one,
        dashboard::photo, dashboard::photo_csv, dashboard::film, dashboard::film_csv, dashboard::kpis_route, dashboard::kpis_csv,
        complaints::list, complaints::create, complaints::read, complaints::step, complaints::statistics, complaints::export,
        plan::day, plan::week, plan::team, areas::list, areas::nearby, areas::all_located,
        sync::push, sync::pull, sync::resolve_conflict,
        team::list, team::invite, team::reinvite, team::change, team::handover, team::accept,
        privacy::erase, privacy::audit, privacy::audit_csv, privacy::subject_access, privacy::consents, privacy::record_consent, privacy::retention,
        imports::upload, imports::check, imports::run, imports::read, imports::list, imports::report_csv,
    ),
    // Referred to by query parameters, which utoipa does not collect by itself.
    components(schemas(shared::api::TaskScope)),
    tags((name = "auth"), (name = "contacts"), (name = "agency"), (name = "meetings"), (name = "tasks"), (name = "offers"), (name = "complaints"), (name = "phoning"), (name = "statistics"), (name = "plan"), (name = "sync"), (name = "imports"), (name = "privacy"), (name = "team"))
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
