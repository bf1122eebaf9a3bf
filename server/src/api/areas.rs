//! Areas (automatic clusters and the manager's sectors) and "who is nearby".

use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use rstar::{RTree, AABB};
use serde::{Deserialize, Serialize};
use shared::plan::areas::{self, Area, Located};
use shared::record::{display_name, ContactKind};
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::db::geo::PlaceRow;
use crate::error::{ApiError, ApiQuery, ApiResult};
use crate::state::AppState;

/// Rank: segment weight for clients, plus up to 3 for lateness on the cadence.
pub fn located(rows: &[PlaceRow], today: NaiveDate) -> Vec<Located> {
    rows.iter()
        .filter_map(|r| {
            let (lat, lon) = r.lat.zip(r.lon)?;
            let days_late = r
                .next_due
                .filter(|d| *d <= today)
                .map(|d| (today - d).num_days().max(1))
                .unwrap_or(0);
            let client = r.stage == "client";
            let segment = if client {
                shared::scoring::Segment::parse(&r.segment)
            } else {
                None
            };
            let priority = areas::visit_priority(segment, days_late);
            let kind = ContactKind::parse(&r.kind).unwrap_or_default();
            Some(Located {
                id: r.id,
                label: display_name(kind, &r.first_name, &r.last_name, &r.company_name),
                city: r.city.clone(),
                postcode: r.postcode.clone(),
                lat,
                lon,
                priority,
                days_late,
                note: if days_late > 0 {
                    format!("en retard de {days_late} j")
                } else {
                    String::new()
                },
            })
        })
        .collect()
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct AreasQuery {
    /// DBSCAN radius in km (default 5, 0.5–50).
    pub radius_km: Option<f64>,
    /// Clients needed to make an area (default 3).
    pub min_clients: Option<usize>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SectorCount {
    pub name: String,
    pub count: usize,
    pub due: usize,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AreasAnswer {
    pub radius_km: f64,
    pub areas: Vec<Area>,
    /// The manager's sectors by postcode, and the records in none.
    pub sectors: Vec<SectorCount>,
    /// Records without a point (not in any automatic area).
    pub unplaced: usize,
}

/// Automatic areas of the records the caller sees, with due counts, and the manager's sectors.
#[utoipa::path(get, path = "/api/v1/areas", tag = "plan", params(AreasQuery), responses((status = 200, body = AreasAnswer)))]
pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<AreasQuery>,
) -> ApiResult<Json<AreasAnswer>> {
    let radius_km = q.radius_km.unwrap_or(areas::DEFAULT_RADIUS_KM);
    if !(0.5..=50.0).contains(&radius_km) {
        return Err(ApiError::field("radius_km", "entre 0,5 et 50 km"));
    }
    let actor = current.actor();
    let today = state.time.today();
    let rows = state.store.places(&actor).await?;
    let points = located(&rows, today);
    let found = areas::areas(
        &points,
        radius_km,
        q.min_clients.unwrap_or(areas::DEFAULT_MIN_CLIENTS).clamp(1, 50),
    );
    let settings = state
        .store
        .agency(actor.agency_id)
        .await?
        .ok_or(ApiError::NotFound)?
        .settings;
    let due = |r: &PlaceRow| r.next_due.is_some_and(|d| d <= today);
    let mut sectors: Vec<SectorCount> = settings
        .sectors
        .iter()
        .map(|s| {
            let members: Vec<&PlaceRow> = rows.iter().filter(|r| s.contains(&r.postcode)).collect();
            SectorCount {
                name: s.name.clone(),
                count: members.len(),
                due: members.iter().filter(|r| due(r)).count(),
            }
        })
        .collect();
    if !settings.sectors.is_empty() {
        let outside: Vec<&PlaceRow> = rows
            .iter()
            .filter(|r| !settings.sectors.iter().any(|s| s.contains(&r.postcode)))
            .collect();
        sectors.push(SectorCount {
            name: "Hors secteur".into(),
            count: outside.len(),
            due: outside.iter().filter(|r| due(r)).count(),
        });
    }
    Ok(Json(AreasAnswer {
        radius_km,
        areas: found,
        sectors,
        unplaced: rows.len() - points.len(),
    }))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct NearbyQuery {
    /// Around a point…
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// …or a record, or a meeting.
    pub contact_id: Option<Uuid>,
    pub meeting_id: Option<Uuid>,
    /// Radius in km (default 5, at most 100).
    pub km: Option<f64>,
    /// At most this many (default 30, at most 200).
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NearbyItem {
    pub place: Located,
    pub km: f64,
}

/// The records within a radius of a point, a record or a meeting, most worth visiting first
/// (overdue, higher segment), then nearest. Served from an R-tree of the caller's records.
#[utoipa::path(get, path = "/api/v1/nearby", tag = "plan", params(NearbyQuery), responses((status = 200, body = [NearbyItem])))]
pub async fn nearby(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<NearbyQuery>,
) -> ApiResult<Json<Vec<NearbyItem>>> {
    let actor = current.actor();
    let km = q.km.unwrap_or(5.0);
    if !(0.1..=100.0).contains(&km) {
        return Err(ApiError::field("km", "entre 0,1 et 100 km"));
    }
    let (center, exclude) = match (q.lat.zip(q.lon), q.contact_id, q.meeting_id) {
        (Some((lat, lon)), _, _) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => {
            ((lat, lon), None)
        }
        (Some(_), _, _) => return Err(ApiError::field("lat", "position invalide")),
        (None, Some(id), _) => {
            let c = state.store.contact(&actor, id).await?.ok_or(ApiError::NotFound)?;
            (
                c.lat
                    .zip(c.lon)
                    .ok_or_else(|| ApiError::field("contact_id", "ce dossier n'a pas encore de position"))?,
                Some(id),
            )
        }
        (None, None, Some(id)) => {
            let m = state.store.meeting(&actor, id, &state.time).await?;
            (
                m.lat
                    .zip(m.lon)
                    .ok_or_else(|| ApiError::field("meeting_id", "ce rendez-vous n'a pas de position"))?,
                Some(m.contact_id),
            )
        }
        _ => return Err(ApiError::bad_request("donner lat et lon, contact_id ou meeting_id")),
    };
    let points: Vec<Located> = located(&state.store.places(&actor).await?, state.time.today())
        .into_iter()
        .filter(|p| Some(p.id) != exclude)
        .collect();
    // The R-tree on kilometre coordinates narrows to a box; the exact distance decides.
    let kx = 111.32 * center.0.to_radians().cos();
    let ky = 110.57;
    let tree = RTree::bulk_load(
        points
            .iter()
            .enumerate()
            .map(|(i, p)| rstar::primitives::GeomWithData::new([p.lon * kx, p.lat * ky], i))
            .collect(),
    );
    let (cx, cy) = (center.1 * kx, center.0 * ky);
    let boxed: Vec<Located> = tree
        .locate_in_envelope(&AABB::from_corners([cx - km, cy - km], [cx + km, cy + km]))
        .map(|g| points[g.data].clone())
        .collect();
    let hits = areas::nearby(&boxed, center, km, q.limit.unwrap_or(30).clamp(1, 200));
    Ok(Json(
        hits.into_iter()
            .map(|(place, km)| NearbyItem {
                place,
                km: (km * 100.0).round() / 100.0,
            })
            .collect(),
    ))
}

/// The caller's records with a point, for nearby lists computed on the phone.
#[utoipa::path(get, path = "/api/v1/located", tag = "plan", responses((status = 200, body = [Located])))]
pub async fn all_located(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Json<Vec<Located>>> {
    Ok(Json(located(
        &state.store.places(&current.actor()).await?,
        state.time.today(),
    )))
}
