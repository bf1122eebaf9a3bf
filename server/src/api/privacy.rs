//! Privacy (issue 11, domain §8), for the agency manager: erase a person's data on request
//! (GDPR art. 17), and read the audit log of such acts.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use shared::api::Role;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::db::privacy::AuditEntry;
use crate::db::Actor;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

/// Why a record is erased: a reason from the list, never free text (the audit log must not
/// hold the person's data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErasureReason {
    /// The person asked (droit à l'effacement).
    #[default]
    Request,
    /// A prospect with no contact for three years (CNIL's guidance).
    Retention,
    /// Entered by mistake, or kept without a basis.
    NoBasis,
}

impl ErasureReason {
    fn label(self) -> &'static str {
        match self {
            ErasureReason::Request => "demande de la personne",
            ErasureReason::Retention => "durée de conservation dépassée",
            ErasureReason::NoBasis => "donnée sans fondement",
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ErasureInput {
    pub reason: ErasureReason,
}

/// One act of the audit log, with who did it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditLine {
    pub id: Uuid,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_name: String,
    pub action: String,
    pub target_id: Option<Uuid>,
    pub detail: String,
}

impl From<AuditEntry> for AuditLine {
    fn from(a: AuditEntry) -> Self {
        AuditLine {
            id: a.id,
            at: a.at,
            actor_name: a.actor_name,
            action: a.action,
            target_id: a.target_id,
            detail: a.detail,
        }
    }
}

/// Erases a person's data for real: the record's personal fields, everything about them
/// (meetings, reports, calls, tasks, history, offers, complaints), their name in the agency's
/// other texts; an anonymous tombstone stays for the counts and removes it from every phone at
/// its next sync. Managers only; written in the audit log.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/erase", tag = "privacy", params(("id" = Uuid, Path)),
    request_body = ErasureInput,
    responses((status = 204), (status = 403, body = shared::api::ErrorBody), (status = 404, body = shared::api::ErrorBody)))]
pub async fn erase(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<ErasureInput>,
) -> ApiResult<StatusCode> {
    let actor = current.manager("l'effacement")?;
    let why = format!("Effacement RGPD : {}", input.reason.label());
    state.store.erase_contact(&actor, id, &why, crate::db::now()).await?;
    tracing::info!(contact = %id, user = %current.user.id, "contact erased");
    Ok(StatusCode::NO_CONTENT)
}

/// The agency's audit log (managers), newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "privacy",
    responses((status = 200, body = [AuditLine]), (status = 403, body = shared::api::ErrorBody)))]
pub async fn audit(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Json<Vec<AuditLine>>> {
    let actor = current.manager("le journal des actions")?;
    let lines = state.store.audit_log(&actor, None, None, 500).await?;
    Ok(Json(lines.into_iter().map(AuditLine::from).collect()))
}

/// The days of the audit log to export.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// First day, in the agency's zone (default: the first act).
    pub from: Option<chrono::NaiveDate>,
    /// Last day, included (default: today).
    pub to: Option<chrono::NaiveDate>,
}

/// Acts an export holds at most; a longer period is refused with a message asking for a
/// shorter one rather than cut short without saying so.
const AUDIT_EXPORT_MAX: i64 = 100_000;

/// The audit log as CSV (managers), oldest first, for the agency's records of processing or a
/// data protection officer: day and time on the agency's clock, who, the act's code, the
/// record or user it concerns, what was done. UTF-8 with a byte-order mark and `;`, as the
/// other exports, so that Excel opens it as it is.
#[utoipa::path(get, path = "/api/v1/audit.csv", tag = "privacy", params(AuditQuery),
    responses((status = 200, content_type = "text/csv"), (status = 400, body = shared::api::ErrorBody),
        (status = 403, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn audit_csv(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<impl axum::response::IntoResponse> {
    let actor = current.manager("le journal des actions")?;
    if let (Some(from), Some(to)) = (q.from, q.to) {
        if from > to {
            return Err(ApiError::field("to", "la fin de la période suit son début"));
        }
    }
    let from = q.from.map(|d| state.time.day_start(d));
    let to = q.to.map(|d| state.time.day_start(d + chrono::Duration::days(1)));
    let mut lines = state.store.audit_log(&actor, from, to, AUDIT_EXPORT_MAX + 1).await?;
    if lines.len() as i64 > AUDIT_EXPORT_MAX {
        return Err(ApiError::field(
            "from",
            format!("plus de {AUDIT_EXPORT_MAX} actions sur la période : choisissez une période plus courte"),
        ));
    }
    lines.reverse();
    let sep = ';';
    let mut out = String::from(shared::export::BOM);
    out.push_str(&shared::export::line(
        &["date", "heure", "auteur", "action", "concerne", "détail"],
        sep,
    ));
    for a in &lines {
        let at = state.time.local(a.at);
        out.push_str(&shared::export::line(
            &[
                at.format("%d/%m/%Y").to_string(),
                at.format("%H:%M:%S").to_string(),
                a.actor_name.clone(),
                a.action.clone(),
                a.target_id.map(|t| t.to_string()).unwrap_or_default(),
                a.detail.clone(),
            ],
            sep,
        ));
    }
    Ok(super::csv_file("journal-des-actions.csv", out))
}

/// Everything held on one person (GDPR art. 15): the record, its stage history, its whole
/// timeline (meetings, reports, calls, edits…), its meetings with their reports, its offers
/// with their prognosis history, the complaints about them, who it is shared with.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubjectAccess {
    pub generated_at: chrono::DateTime<chrono::Utc>,
    pub agency: String,
    pub record: shared::record::Contact,
    pub stage_history: Vec<shared::stage::StageTransition>,
    pub timeline: Vec<shared::visit::TimelineEntry>,
    pub meetings: Vec<shared::visit::Meeting>,
    pub reports: Vec<shared::visit::Report>,
    pub offers: Vec<shared::offer::Offer>,
    pub prognosis_history: Vec<shared::offer::PrognosisChange>,
    pub complaints: Vec<shared::complaint::Complaint>,
    pub shared_with: Vec<shared::api::AgencyUser>,
    /// Consents given or refused, oldest first.
    pub consents: Vec<shared::consent::Consent>,
}

/// Everything the agency holds on one person, as JSON to hand over (managers, and the advisor
/// in charge of the record). Download: `?download=1`.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/subject-access", tag = "privacy", params(("id" = Uuid, Path)),
    responses((status = 200, body = SubjectAccess), (status = 404, body = shared::api::ErrorBody)))]
pub async fn subject_access(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let actor = current.actor();
    let store = &state.store;
    let record = store.contact(&actor, id).await?.ok_or(ApiError::NotFound)?;
    if current.user.role != Role::Manager && record.owner_id != current.user.id {
        return Err(ApiError::Forbidden(
            "réservé au chef d'agence et au conseiller en charge du dossier".into(),
        ));
    }
    let mut timeline = Vec::new();
    let mut before = None;
    loop {
        let (page, more) = store.timeline(&actor, id, before, 200).await?;
        before = page.last().map(|e| (e.at, e.id));
        timeline.extend(page);
        if !more || before.is_none() {
            break;
        }
    }
    let far = chrono::Duration::days(365 * 50);
    let now = crate::db::now();
    let filter = crate::db::meetings::MeetingFilter {
        owner: None,
        contact: Some(id),
        from: now - far,
        to: now + far,
        include_cancelled: true,
    };
    let meetings = store.meetings_between(&actor, &filter, &state.time).await?;
    let mut reports = Vec::new();
    for m in &meetings {
        if let Some(r) = store.report(&actor, m.id).await? {
            reports.push(r);
        }
    }
    let offers = store.contact_offers(&actor, id).await?;
    let mut prognosis_history = Vec::new();
    for o in &offers {
        prognosis_history.extend(store.prognosis_history(&actor, o.id).await?);
    }
    let complaints = store
        .complaints(
            &actor,
            &crate::db::complaints::ComplaintFilter {
                contact_id: Some(id),
                open_only: false,
                received_from: None,
            },
        )
        .await?;
    let body = SubjectAccess {
        generated_at: now,
        agency: current.agency_name.clone(),
        stage_history: store.stage_history(&actor, id).await?,
        shared_with: store.contact_shares(&actor, id).await?,
        consents: store.consents(&actor, id).await?,
        record,
        timeline,
        meetings,
        reports,
        offers,
        prognosis_history,
        complaints,
    };
    let json = serde_json::to_string_pretty(&body).map_err(anyhow::Error::from)?;
    Ok(super::attachment("application/json; charset=utf-8", &format!("donnees-{}.json", id), json).into_response())
}

/// A record's consents, oldest first (the last per purpose stands).
#[utoipa::path(get, path = "/api/v1/contacts/{id}/consents", tag = "privacy", params(("id" = Uuid, Path)),
    responses((status = 200, body = [shared::consent::Consent]), (status = 404, body = shared::api::ErrorBody)))]
pub async fn consents(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<shared::consent::Consent>>> {
    Ok(Json(state.store.consents(&current.actor(), id).await?))
}

/// Records a consent given or refused (with its channel and proof) on a record one sees; a
/// refusal of the phone — or Bloctel — takes the person out of the phoning sessions.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/consents", tag = "privacy", params(("id" = Uuid, Path)),
    request_body = shared::consent::ConsentInput,
    responses((status = 201, body = shared::consent::Consent), (status = 404, body = shared::api::ErrorBody),
        (status = 422, body = shared::api::ErrorBody)))]
pub async fn record_consent(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<shared::consent::ConsentInput>,
) -> ApiResult<(StatusCode, Json<shared::consent::Consent>)> {
    let consent = record(&state, &current.actor(), id, input).await?;
    Ok((StatusCode::CREATED, Json(consent)))
}

/// The `record_consent` mutation.
pub async fn record(
    state: &AppState,
    actor: &Actor,
    contact_id: Uuid,
    input: shared::consent::ConsentInput,
) -> ApiResult<shared::consent::Consent> {
    let input = input.validate().map_err(ApiError::Validation)?;
    Ok(state
        .store
        .record_consent(actor, contact_id, &input, crate::db::now())
        .await?)
}

/// The prospects with no contact for three years (CNIL's guidance for prospecting), for the
/// manager to erase — or to contact again.
#[utoipa::path(get, path = "/api/v1/privacy/retention", tag = "privacy",
    responses((status = 200, body = [crate::db::privacy::RetentionItem]), (status = 403, body = shared::api::ErrorBody)))]
pub async fn retention(
    State(state): State<AppState>,
    current: CurrentUser,
) -> ApiResult<Json<Vec<crate::db::privacy::RetentionItem>>> {
    let actor = current.manager("la conservation des données")?;
    Ok(Json(state.store.retention_due(&actor, state.time.today()).await?))
}
