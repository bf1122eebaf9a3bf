//! Offers and their prognosis (issue 10, domain §5): a record's offers, one offer and its
//! prognosis history, the global prognosis set by hand, and the weighted pipeline.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use shared::offer::{month_of, parse_month, Offer, OfferInput, Pipeline, Prognosis, PrognosisChange, RecordOffers};
use shared::record::Contact;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::db::offers::PipelineFilter;
use crate::db::Actor;
use crate::error::{check_body_id, ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

/// A record's offers, newest first, with its global prognosis by the agency's rule and whether
/// a signed offer makes it a quasi-client.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/offers", tag = "offers", params(("id" = Uuid, Path)),
    responses((status = 200, body = RecordOffers), (status = 404, body = shared::api::ErrorBody)))]
pub async fn of_contact(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<RecordOffers>> {
    let actor = current.actor();
    let contact = state.store.contact(&actor, id).await?.ok_or(ApiError::NotFound)?;
    let offers = state.store.contact_offers(&actor, id).await?;
    let settings = state
        .store
        .agency(actor.agency_id)
        .await?
        .ok_or(ApiError::NotFound)?
        .settings;
    Ok(Json(RecordOffers::of(offers, &contact, settings.prognosis_rule)))
}

/// Creates an offer on a record the caller sees (the body may carry the id the phone chose).
#[utoipa::path(post, path = "/api/v1/offers", tag = "offers", request_body = OfferInput,
    responses((status = 201, body = Offer), (status = 404, body = shared::api::ErrorBody),
        (status = 409, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(input): ApiJson<OfferInput>,
) -> ApiResult<(StatusCode, Json<Offer>)> {
    let actor = current.actor();
    if let Some(id) = input.id {
        if state.store.offer(&actor, id).await.is_ok() {
            return Err(ApiError::Conflict(
                "cette offre existe déjà : modifiez-la par PUT".into(),
            ));
        }
    }
    let (offer, _) = save(&state, &actor, input).await?;
    Ok((StatusCode::CREATED, Json(offer)))
}

#[utoipa::path(get, path = "/api/v1/offers/{id}", tag = "offers", params(("id" = Uuid, Path)),
    responses((status = 200, body = Offer), (status = 404, body = shared::api::ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Offer>> {
    Ok(Json(state.store.offer(&current.actor(), id).await?))
}

/// Replaces an offer's values; a changed prognosis adds a line to its history.
#[utoipa::path(put, path = "/api/v1/offers/{id}", tag = "offers", params(("id" = Uuid, Path)), request_body = OfferInput,
    responses((status = 200, body = Offer), (status = 404, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<OfferInput>,
) -> ApiResult<Json<Offer>> {
    check_body_id(input.id, id)?;
    let actor = current.actor();
    // PUT changes an offer that exists; creating is POST's.
    state.store.offer(&actor, id).await?;
    let (offer, _) = save(&state, &actor, OfferInput { id: Some(id), ..input }).await?;
    Ok(Json(offer))
}

/// The `save_offer` mutation: creates or changes, as the phone did offline.
pub async fn save(state: &AppState, actor: &Actor, input: OfferInput) -> ApiResult<(Offer, bool)> {
    Ok(state.store.save_offer(actor, input, crate::db::now()).await?)
}

/// Every change of an offer's prognosis, oldest first: who, when, from → to.
#[utoipa::path(get, path = "/api/v1/offers/{id}/history", tag = "offers", params(("id" = Uuid, Path)),
    responses((status = 200, body = [PrognosisChange]), (status = 404, body = shared::api::ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<PrognosisChange>>> {
    Ok(Json(state.store.prognosis_history(&current.actor(), id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualPrognosis {
    /// 0, 20, 40, 60, 80 or 100; `null` clears it.
    #[schema(value_type = Option<u8>)]
    pub prognosis: Option<Prognosis>,
}

/// Sets the record's global prognosis by hand (what counts when the agency's rule is
/// `manual`).
#[utoipa::path(put, path = "/api/v1/contacts/{id}/prognosis", tag = "offers", params(("id" = Uuid, Path)), request_body = ManualPrognosis,
    responses((status = 200, body = Contact), (status = 404, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn set_manual(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ManualPrognosis>,
) -> ApiResult<Json<Contact>> {
    Ok(Json(
        set_manual_prognosis(&state, &current.actor(), id, body.prognosis).await?,
    ))
}

/// The `set_manual_prognosis` mutation.
pub async fn set_manual_prognosis(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    prognosis: Option<Prognosis>,
) -> ApiResult<Contact> {
    Ok(state
        .store
        .set_manual_prognosis(actor, id, prognosis, crate::db::now())
        .await?)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PipelineQuery {
    /// One advisor (the records' owner).
    pub owner_id: Option<Uuid>,
    /// First closing month, `YYYY-MM`.
    pub from: Option<String>,
    /// Last closing month, `YYYY-MM`.
    pub to: Option<String>,
}

impl PipelineQuery {
    fn filter(&self) -> ApiResult<PipelineFilter> {
        let month = |name: &str, v: &Option<String>| match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => parse_month(s)
                .map(|d| Some(month_of(d)))
                .ok_or_else(|| ApiError::field(name, "mois attendu (AAAA-MM)")),
        };
        let filter = PipelineFilter {
            owner_id: self.owner_id,
            from_month: month("from", &self.from)?,
            to_month: month("to", &self.to)?,
        };
        if let (Some(f), Some(t)) = (&filter.from_month, &filter.to_month) {
            if f > t {
                return Err(ApiError::field("to", "le dernier mois précède le premier"));
            }
        }
        Ok(filter)
    }
}

async fn pipeline_of(state: &AppState, actor: &Actor, q: &PipelineQuery) -> ApiResult<Pipeline> {
    let filter = q.filter()?;
    Ok(state.store.pipeline(actor, &filter).await?)
}

/// The weighted pipeline (Σ amount × prognosis) of the offers in progress, with what was
/// signed, by closing month and by advisor — of the records the caller sees (a manager: the
/// agency).
#[utoipa::path(get, path = "/api/v1/statistics/pipeline", tag = "statistics", params(PipelineQuery),
    responses((status = 200, body = Pipeline), (status = 400, body = shared::api::ErrorBody)))]
pub async fn pipeline(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<PipelineQuery>,
) -> ApiResult<Json<Pipeline>> {
    Ok(Json(pipeline_of(&state, &current.actor(), &q).await?))
}

/// The same by month, as CSV for a spreadsheet (`;`-separated, amounts in euros).
#[utoipa::path(get, path = "/api/v1/statistics/pipeline.csv", tag = "statistics", params(PipelineQuery),
    responses((status = 200, content_type = "text/csv"), (status = 400, body = shared::api::ErrorBody)))]
pub async fn pipeline_csv(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<PipelineQuery>,
) -> ApiResult<impl IntoResponse> {
    let p = pipeline_of(&state, &current.actor(), &q).await?;
    let euros = |cents: i64| format!("{}.{:02}", cents / 100, cents % 100);
    let mut csv = String::from(
        "mois;offres en cours;montant en cours (EUR);pipeline pondéré (EUR);offres signées;montant signé (EUR)\r\n",
    );
    for m in p.months.iter().chain(std::iter::once(&shared::offer::PipelineMonth {
        month: "total".into(),
        ..p.total()
    })) {
        csv.push_str(&format!(
            "{};{};{};{};{};{}\r\n",
            m.month,
            m.open_count,
            euros(m.open_cents),
            euros(m.weighted_cents),
            m.signed_count,
            euros(m.signed_cents)
        ));
    }
    Ok(super::csv_file("pipeline.csv", csv))
}
