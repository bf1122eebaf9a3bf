//! Records in (issue 11, part 1), for managers: upload a file (its bytes as the body) → the
//! preview with the columns guessed → check (a dry run: every line's outcome, nothing written)
//! → run (in the background, all or nothing; poll the import for its progress) → the report,
//! also as CSV.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use shared::import::{ImportOptions, ImportPreview, ImportReport};
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

/// The largest file an import takes (a 100 000-line export is about 15 MB).
pub const MAX_FILE_BYTES: usize = 40 * 1024 * 1024;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct UploadQuery {
    /// The file's name, shown in the history and written in the records' campaign.
    pub file_name: Option<String>,
}

/// Reads a file (CSV: UTF-8, UTF-16 or Windows-1252; `;`, `,` or tab) and keeps it for an
/// import: its columns, first lines and the fields guessed from the header.
#[utoipa::path(post, path = "/api/v1/imports", tag = "imports", params(UploadQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = ImportPreview), (status = 403, body = shared::api::ErrorBody),
        (status = 413, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<UploadQuery>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<(StatusCode, Json<ImportPreview>)> {
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(format!(
                "fichier trop volumineux ({} Mo au plus)",
                MAX_FILE_BYTES / (1024 * 1024)
            ))
        } else {
            ApiError::bad_request(format!("fichier illisible : {}", r.body_text()))
        }
    })?;
    let actor = current.manager("l'import de fiches")?;
    let name = q.file_name.unwrap_or_default();
    let preview = crate::imports::upload(&state.store, &actor, &name, &body, crate::db::now()).await?;
    Ok((StatusCode::CREATED, Json(preview)))
}

/// What an import with these choices would do, line by line; nothing is written (dry run).
#[utoipa::path(post, path = "/api/v1/imports/{id}/check", tag = "imports", params(("id" = Uuid, Path)),
    request_body = ImportOptions,
    responses((status = 200, body = ImportReport), (status = 404, body = shared::api::ErrorBody),
        (status = 409, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(options): ApiJson<ImportOptions>,
) -> ApiResult<Json<ImportReport>> {
    let actor = current.manager("l'import de fiches")?;
    let row = state.store.import(&actor, id).await?;
    let (plan, names) = crate::imports::prepare(&state.store, &actor, &row, &options).await?;
    let (lines, lines_left_out) = crate::imports::report_lines(&plan, &names);
    let mut report = crate::imports::report_of(&row, &state.imports, current.user.display_name.clone());
    report.dry_run = true;
    report.counts = plan.counts();
    report.lines = lines;
    report.lines_left_out = lines_left_out;
    report.total = (plan.creates.len() + plan.updates.len()) as u64;
    Ok(Json(report))
}

/// Starts the import with these choices (202): every record is written in one transaction,
/// or none. Poll `GET /imports/{id}` for the progress and the report. An import runs once.
#[utoipa::path(post, path = "/api/v1/imports/{id}/run", tag = "imports", params(("id" = Uuid, Path)),
    request_body = ImportOptions,
    responses((status = 202, body = ImportReport), (status = 404, body = shared::api::ErrorBody),
        (status = 409, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn run(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(options): ApiJson<ImportOptions>,
) -> ApiResult<(StatusCode, Json<ImportReport>)> {
    let actor = current.manager("l'import de fiches")?;
    let row = state.store.import(&actor, id).await?;
    // The choices are checked before the run starts: a bad mapping is a 422 here, not a
    // failed import later.
    crate::imports::prepare(&state.store, &actor, &row, &options).await?;
    let json = serde_json::to_string(&options).map_err(anyhow::Error::from)?;
    state.store.claim_import(&actor, id, &json).await?;
    tokio::spawn(crate::imports::run(
        state.store.clone(),
        state.imports.clone(),
        actor,
        id,
        options,
    ));
    let row = state.store.import(&actor, id).await?;
    let report = crate::imports::report_of(&row, &state.imports, current.user.display_name.clone());
    Ok((StatusCode::ACCEPTED, Json(report)))
}

async fn author(state: &AppState, agency_id: Uuid, user_id: Uuid) -> ApiResult<String> {
    Ok(state
        .store
        .agency_users(agency_id)
        .await?
        .into_iter()
        .find(|u| u.id == user_id)
        .map(|u| u.display_name)
        .unwrap_or_default())
}

/// One import: its state, progress while it runs, and its report once done.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports", params(("id" = Uuid, Path)),
    responses((status = 200, body = ImportReport), (status = 404, body = shared::api::ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ImportReport>> {
    let actor = current.manager("l'import de fiches")?;
    let row = state.store.import(&actor, id).await?;
    let by = author(&state, actor.agency_id, row.created_by).await?;
    Ok(Json(crate::imports::report_of(&row, &state.imports, by)))
}

/// The agency's imports, newest first (their reports left out).
#[utoipa::path(get, path = "/api/v1/imports", tag = "imports",
    responses((status = 200, body = [ImportReport]), (status = 403, body = shared::api::ErrorBody)))]
pub async fn list(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Json<Vec<ImportReport>>> {
    let actor = current.manager("l'import de fiches")?;
    let users = state.store.agency_users(actor.agency_id).await?;
    let rows = state.store.imports(&actor).await?;
    Ok(Json(
        rows.iter()
            .map(|r| {
                let by = users
                    .iter()
                    .find(|u| u.id == r.created_by)
                    .map(|u| u.display_name.clone())
                    .unwrap_or_default();
                crate::imports::report_of(r, &state.imports, by)
            })
            .collect(),
    ))
}

/// An import's report as CSV (the counts, then each line that was not simply created).
#[utoipa::path(get, path = "/api/v1/imports/{id}/report.csv", tag = "imports", params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = shared::api::ErrorBody)))]
pub async fn report_csv(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<impl IntoResponse> {
    let actor = current.manager("l'import de fiches")?;
    let row = state.store.import(&actor, id).await?;
    let report = crate::imports::report_of(&row, &state.imports, String::new());
    let sep = ';';
    let c = report.counts;
    let mut out = String::from(shared::export::BOM);
    out.push_str(&shared::export::line(&["fichier", &report.file_name], sep));
    for (label, n) in [
        ("lignes", c.lines),
        ("créées", c.created),
        ("mises à jour", c.updated),
        ("doublons ignorés", c.skipped),
        ("déjà importées", c.already_imported),
        ("refusées", c.invalid),
    ] {
        out.push_str(&shared::export::line(&[label, &n.to_string()], sep));
    }
    out.push_str(&shared::export::line(&["ligne", "nom", "résultat"], sep));
    for l in &report.lines {
        out.push_str(&shared::export::line(
            &[l.line.to_string(), l.name.clone(), l.text.clone()],
            sep,
        ));
    }
    Ok(super::csv_file(
        &format!("import-{}.csv", report.created_at.format("%Y-%m-%d")),
        out,
    ))
}
