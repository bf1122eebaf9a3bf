//! Activity statistics (*statistiques d'activité*): objections heard and overcome, referral
//! requests. Managers see the agency (or one advisor with `owner`); advisors their own figures.
//! Served at `/statistics/*` (and at the former `/reports/*`).

use axum::extract::State;
use axum::Json;
use chrono::Duration;
use shared::api::{ObjectionReport, ObjectionStat, PeriodQuery, ReferralReport, ReferralStat};
use shared::text::fold;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiQuery, ApiResult};
use crate::state::AppState;

fn period(state: &AppState, q: &PeriodQuery) -> ApiResult<(chrono::NaiveDate, chrono::NaiveDate)> {
    let to = q.to.unwrap_or_else(|| state.time.today());
    let from = q.from.unwrap_or(to - Duration::days(90));
    if from > to || (to - from).num_days() > 3660 {
        return Err(ApiError::bad_request(
            "période invalide : `from` avant `to`, dix ans au plus",
        ));
    }
    Ok((from, to))
}

/// Which objections come up and how often each is overcome, overall and per advisor, most
/// frequent first. Objections of the list are grouped by code; free texts by their wording
/// (case and accents ignored).
#[utoipa::path(get, path = "/api/v1/statistics/objections", tag = "statistics", params(PeriodQuery), responses((status = 200, body = ObjectionReport)))]
pub async fn objections(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<ObjectionReport>> {
    let (from, to) = period(&state, &q)?;
    let agency = state
        .store
        .agency(current.user.agency_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let rows = state
        .store
        .objection_counts(
            &current.actor(),
            state.time.day_start(from),
            state.time.day_start(to + Duration::days(1)),
            q.owner,
        )
        .await?;
    // One line per objection key (per advisor, then overall), labelled from today's list.
    let key = |s: &ObjectionStat| match &s.code {
        Some(c) => c.clone(),
        None => format!("free:{}", fold(&s.label)),
    };
    let label = |s: &ObjectionStat| {
        s.code
            .as_ref()
            .and_then(|c| agency.settings.objections.iter().find(|t| &t.code == c))
            .map(|t| t.label.clone())
            .unwrap_or_else(|| s.label.clone())
    };
    let mut by_advisor: Vec<ObjectionStat> = Vec::new();
    let mut overall: Vec<ObjectionStat> = Vec::new();
    for r in &rows {
        let k = key(r);
        match by_advisor
            .iter_mut()
            .find(|s| key(s) == k && s.advisor_id == r.advisor_id)
        {
            Some(s) => {
                s.count += r.count;
                s.overcome += r.overcome;
            }
            None => by_advisor.push(ObjectionStat {
                label: label(r),
                ..r.clone()
            }),
        }
        match overall.iter_mut().find(|s| key(s) == k) {
            Some(s) => {
                s.count += r.count;
                s.overcome += r.overcome;
            }
            None => overall.push(ObjectionStat {
                label: label(r),
                advisor_id: None,
                advisor_name: None,
                ..r.clone()
            }),
        }
    }
    let order = |a: &ObjectionStat, b: &ObjectionStat| b.count.cmp(&a.count).then(a.label.cmp(&b.label));
    overall.sort_by(order);
    by_advisor.sort_by(|a, b| a.advisor_name.cmp(&b.advisor_name).then(order(a, b)));
    Ok(Json(ObjectionReport {
        from,
        to,
        overall,
        by_advisor,
    }))
}

/// Referral requests per advisor: reports written, reports where referrals were asked, names
/// obtained, and how many of those are clients now.
#[utoipa::path(get, path = "/api/v1/statistics/referrals", tag = "statistics", params(PeriodQuery), responses((status = 200, body = ReferralReport)))]
pub async fn referrals(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> ApiResult<Json<ReferralReport>> {
    let (from, to) = period(&state, &q)?;
    let rows = state
        .store
        .referral_counts(
            &current.actor(),
            state.time.day_start(from),
            state.time.day_start(to + Duration::days(1)),
            q.owner,
        )
        .await?;
    let advisors = rows
        .into_iter()
        .map(|(advisor_id, advisor_name, c)| ReferralStat {
            advisor_id,
            advisor_name,
            reports: c.reports,
            asked: c.asked,
            obtained: c.obtained,
            converted: c.converted,
        })
        .collect();
    Ok(Json(ReferralReport { from, to, advisors }))
}
