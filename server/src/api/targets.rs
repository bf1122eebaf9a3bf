//! Weekly targets against what was logged (issue 10, domain §6): an advisor sees their own
//! weeks; the manager every advisor's, or one's.

use axum::extract::State;
use axum::Json;
use chrono::Duration;
use serde::Deserialize;
use shared::api::Role;
use shared::targets::{week_of, weekly, Fact, WeekLine};
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiQuery, ApiResult};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TargetQuery {
    /// One advisor (a manager's choice; an advisor always gets their own).
    pub owner_id: Option<Uuid>,
    /// How many weeks, ending with this one (default 1, at most 52).
    pub weeks: Option<u32>,
}

/// Each advisor's weeks — actuals counted from what was logged, against their targets —
/// oldest first. An advisor: their own; a manager: every advisor of the agency, or `owner_id`.
#[utoipa::path(get, path = "/api/v1/targets", tag = "statistics", params(TargetQuery),
    responses((status = 200, body = [WeekLine]), (status = 400, body = shared::api::ErrorBody)))]
pub async fn weeks(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<TargetQuery>,
) -> ApiResult<Json<Vec<WeekLine>>> {
    let weeks = q.weeks.unwrap_or(1);
    if !(1..=52).contains(&weeks) {
        return Err(ApiError::field("weeks", "de 1 à 52 semaines"));
    }
    let actor = current.actor();
    let people = state.store.agency_users(actor.agency_id).await?;
    let users: Vec<(Uuid, String)> = match (actor.sees_whole_agency(), q.owner_id) {
        (false, _) => vec![(actor.user_id, current.user.display_name.clone())],
        (true, Some(id)) => people
            .iter()
            .filter(|u| u.id == id)
            .map(|u| (u.id, u.display_name.clone()))
            .collect(),
        (true, None) => people
            .iter()
            .filter(|u| u.role == Role::Advisor)
            .map(|u| (u.id, u.display_name.clone()))
            .collect(),
    };
    if users.is_empty() {
        return Err(ApiError::field("owner_id", "conseiller inconnu dans l'agence"));
    }
    let one = (users.len() == 1).then(|| users[0].0);
    let today = state.time.today();
    let first = week_of(today) - Duration::weeks(i64::from(weeks) - 1);
    // Each week's first instant, then the last one's end: the database counts per week.
    let bounds: Vec<_> = (0..=weeks)
        .map(|w| state.time.day_start(first + Duration::weeks(i64::from(w))))
        .collect();
    let counts = state.store.target_counts(&actor, one, &bounds).await?;
    let settings = state
        .store
        .agency(actor.agency_id)
        .await?
        .ok_or(ApiError::NotFound)?
        .settings;
    let facts = counts.into_iter().map(|(user_id, week, measure, count)| Fact {
        user_id,
        day: first + Duration::weeks(i64::try_from(week).unwrap_or_default()),
        measure,
        count: u32::try_from(count).unwrap_or(u32::MAX),
    });
    Ok(Json(weekly(facts, &users, &settings.targets, today, weeks)))
}
