//! The manager's dashboards (issue 10, domain §6): the photo at a date, the film between two
//! dates with its conversion rates (per advisor or per campaign), and the KPIs against the
//! agency's targets. An advisor gets the same on their own portfolio. Each is also CSV.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::Json;
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use shared::dashboard::{cells_of, conversions, film_facts, kpis, rewind, Film, Kpis, Photo};
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::db::dashboard::GroupBy;
use crate::db::Actor;
use crate::error::{ApiError, ApiQuery, ApiResult};
use crate::state::AppState;

/// Whose records: a manager's choice of advisor (or all), an advisor's own.
fn owner_of(actor: &Actor, asked: Option<Uuid>) -> Option<Uuid> {
    if actor.sees_whole_agency() {
        asked
    } else {
        Some(actor.user_id)
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PhotoQuery {
    /// The day, at its end (default today).
    pub on: Option<NaiveDate>,
    pub owner_id: Option<Uuid>,
}

async fn photo_of(state: &AppState, actor: &Actor, on: NaiveDate, owner: Option<Uuid>) -> ApiResult<Photo> {
    let owner = owner_of(actor, owner);
    // Today's photo is the cells now; a past day's, the cells less what the days after changed.
    let past = (state.time.day_end(on) < crate::db::now()).then_some(on);
    let cells = state.store.photo_cells(actor, owner, past).await?;
    Ok(Photo::of(on, &cells))
}

/// The photo: records per stage × size class at the end of a day, with their accessible
/// potential — each record at the stage its history gives for that day.
#[utoipa::path(get, path = "/api/v1/statistics/photo", tag = "statistics", params(PhotoQuery),
    responses((status = 200, body = Photo), (status = 400, body = shared::api::ErrorBody)))]
pub async fn photo(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<PhotoQuery>,
) -> ApiResult<Json<Photo>> {
    let on = q.on.unwrap_or_else(|| state.time.today());
    Ok(Json(photo_of(&state, &current.actor(), on, q.owner_id).await?))
}

/// The photo as CSV.
#[utoipa::path(get, path = "/api/v1/statistics/photo.csv", tag = "statistics", params(PhotoQuery),
    responses((status = 200, content_type = "text/csv")))]
pub async fn photo_csv(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<PhotoQuery>,
) -> ApiResult<impl IntoResponse> {
    let on = q.on.unwrap_or_else(|| state.time.today());
    let p = photo_of(&state, &current.actor(), on, q.owner_id).await?;
    let mut out = String::from("date;étape;taille;dossiers;potentiel accessible (EUR)\r\n");
    for c in &p.cells {
        out.push_str(&format!(
            "{};{};{};{};{}.{:02}\r\n",
            p.on,
            c.stage.label(),
            c.size_class.label(),
            c.count,
            c.potential_cents / 100,
            c.potential_cents % 100
        ));
    }
    Ok(super::csv_file("photo.csv", out))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FilmQuery {
    /// First day (default 90 days ago).
    pub from: Option<NaiveDate>,
    /// Last day (default today).
    pub to: Option<NaiveDate>,
    /// `advisor` (default) or `campaign`.
    pub by: Option<String>,
    pub owner_id: Option<Uuid>,
}

async fn film_of(state: &AppState, actor: &Actor, q: &FilmQuery) -> ApiResult<Film> {
    let to = q.to.unwrap_or_else(|| state.time.today());
    let from = q.from.unwrap_or(to - Duration::days(90));
    if from >= to {
        return Err(ApiError::field("to", "la fin de la période suit son début"));
    }
    if to - from > Duration::days(3 * 366) {
        return Err(ApiError::field("from", "trois ans au plus"));
    }
    let by = match q.by.as_deref() {
        None | Some("advisor") => GroupBy::Advisor,
        Some("campaign") => GroupBy::Campaign,
        Some(_) => return Err(ApiError::field("by", "advisor ou campaign")),
    };
    let owner = owner_of(actor, q.owner_id);
    // The start photo is taken at the end of the day before `from`.
    let start_at = state.time.day_end(from - Duration::days(1));
    let end_at = state.time.day_end(to);
    // One reading of the records and of the changes since the start: the start photo (whole
    // and by group), the moves, and the end photo are all worked out from it.
    let (records, moves) = state.store.records_and_moves(actor, start_at, owner, by).await?;
    let (start_cells, moved) = film_facts(&records, &moves, start_at, end_at);
    let at_start: Vec<_> = start_cells.iter().map(|(c, g)| (c.stage, g.clone(), c.count)).collect();
    let end_cells = if end_at >= crate::db::now() {
        records
            .iter()
            .map(|r| (r.deleted_at.is_none()).then_some(r.stage))
            .collect::<Vec<_>>()
    } else {
        rewind(&records, &moves, end_at)
    };
    let start_cells: Vec<_> = start_cells.into_iter().map(|(c, _)| c).collect();
    let end_cells: Vec<_> = cells_of(&records, &end_cells).into_iter().map(|(c, _)| c).collect();
    Ok(Film {
        start: Photo::of(from - Duration::days(1), &start_cells),
        end: Photo::of(to, &end_cells),
        lines: conversions(&at_start, &moved),
    })
}

/// The film: the photos before `from` and at `to`, and the conversion rates identified →
/// contacted, contacted → engaged, engaged → client over the period, for the whole and per
/// advisor (or per campaign with `by=campaign`).
#[utoipa::path(get, path = "/api/v1/statistics/film", tag = "statistics", params(FilmQuery),
    responses((status = 200, body = Film), (status = 400, body = shared::api::ErrorBody)))]
pub async fn film(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<FilmQuery>,
) -> ApiResult<Json<Film>> {
    Ok(Json(film_of(&state, &current.actor(), &q).await?))
}

/// The film's conversions as CSV.
#[utoipa::path(get, path = "/api/v1/statistics/film.csv", tag = "statistics", params(FilmQuery),
    responses((status = 200, content_type = "text/csv")))]
pub async fn film_csv(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<FilmQuery>,
) -> ApiResult<impl IntoResponse> {
    let f = film_of(&state, &current.actor(), &q).await?;
    let rate = |c: shared::dashboard::Conversion| c.rate().map(|r| r.to_string()).unwrap_or_default();
    let mut out = String::from("groupe;identifiés;→ contactés;%;contactés;→ engagés;%;engagés;→ clients;%\r\n");
    for l in &f.lines {
        out.push_str(&format!(
            "{};{};{};{};{};{};{};{};{};{}\r\n",
            if l.group.is_empty() { "total" } else { l.group.as_str() },
            l.identified_to_contacted.cohort,
            l.identified_to_contacted.converted,
            rate(l.identified_to_contacted),
            l.contacted_to_engaged.cohort,
            l.contacted_to_engaged.converted,
            rate(l.contacted_to_engaged),
            l.engaged_to_client.cohort,
            l.engaged_to_client.converted,
            rate(l.engaged_to_client),
        ));
    }
    Ok(super::csv_file("film.csv", out))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct KpiQuery {
    /// First day (default 90 days ago).
    pub from: Option<NaiveDate>,
    /// Last day (default today).
    pub to: Option<NaiveDate>,
    pub owner_id: Option<Uuid>,
}

async fn kpis_of(state: &AppState, actor: &Actor, q: &KpiQuery) -> ApiResult<Kpis> {
    let to = q.to.unwrap_or_else(|| state.time.today());
    let from = q.from.unwrap_or(to - Duration::days(90));
    if from > to {
        return Err(ApiError::field("to", "la fin de la période suit son début"));
    }
    let facts = state
        .store
        .kpi_facts(
            actor,
            state.time.day_start(from),
            state.time.day_end(to),
            state.time.today(),
            owner_of(actor, q.owner_id),
        )
        .await?;
    let settings = state
        .store
        .agency(actor.agency_id)
        .await?
        .ok_or(ApiError::NotFound)?
        .settings;
    Ok(kpis(from, to, &facts, &settings.kpi_targets))
}

/// The KPIs of a period against the agency's targets: meetings → clients, annual retention,
/// NPS, mean response delay, clients seen on time by their cadence.
#[utoipa::path(get, path = "/api/v1/statistics/kpis", tag = "statistics", params(KpiQuery),
    responses((status = 200, body = Kpis), (status = 400, body = shared::api::ErrorBody)))]
pub async fn kpis_route(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<KpiQuery>,
) -> ApiResult<Json<Kpis>> {
    Ok(Json(kpis_of(&state, &current.actor(), &q).await?))
}

/// The KPIs as CSV.
#[utoipa::path(get, path = "/api/v1/statistics/kpis.csv", tag = "statistics", params(KpiQuery),
    responses((status = 200, content_type = "text/csv")))]
pub async fn kpis_csv(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<KpiQuery>,
) -> ApiResult<impl IntoResponse> {
    let k = kpis_of(&state, &current.actor(), &q).await?;
    let mut out = String::from("indicateur;valeur;unité;cible;atteint;base\r\n");
    for i in &k.kpis {
        out.push_str(&format!(
            "{};{};{};{};{};{}\r\n",
            i.label,
            i.value.map(|v| v.to_string()).unwrap_or_default(),
            i.unit,
            i.target,
            i.met.map(|m| if m { "oui" } else { "non" }).unwrap_or(""),
            i.basis
        ));
    }
    Ok(super::csv_file("indicateurs.csv", out))
}
