//! Contacts: create, read, update, delete, search, stage changes, due list, sharing.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use shared::api::{AgencyUser, ContactPage, ContactQuery, ContactSummary, DueItem, DueKind, DueQuery, ShareRequest};
use shared::cadence::days_late;
use shared::record::{Contact, ContactInput};
use shared::stage::{check_entry, StageChange, StageTransition};
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::db::{Actor, ContactFields, DuplicateKeys};
use crate::error::{check_body_id, ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

pub fn summary(c: &Contact) -> ContactSummary {
    ContactSummary::from(c)
}

/// Searches the records the caller may see.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts", params(ContactQuery),
    responses((status = 200, body = ContactPage), (status = 400, body = shared::api::ErrorBody), (status = 401, body = shared::api::ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<ContactQuery>,
) -> ApiResult<Json<ContactPage>> {
    if q.q.as_ref().is_some_and(|t| t.len() > 200) {
        return Err(ApiError::bad_request("recherche trop longue (200 caractères au plus)"));
    }
    let (items, has_more) = state
        .store
        .search_contacts(&current.actor(), &q, state.time.today())
        .await?;
    Ok(Json(ContactPage {
        items: items.iter().map(summary).collect(),
        offset: q.offset.unwrap_or(0),
        limit: q.limit.unwrap_or(50).clamp(1, 200),
        has_more,
    }))
}

/// Creates a record. A likely duplicate (same e-mail or phone, or same name and postcode)
/// answers 409 `duplicate` with the matches, unless `allow_duplicate` is set.
#[utoipa::path(post, path = "/api/v1/contacts", tag = "contacts", request_body = ContactInput,
    responses((status = 201, body = Contact), (status = 409, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(input): ApiJson<ContactInput>,
) -> ApiResult<(StatusCode, Json<Contact>)> {
    let contact = create_contact(&state, &current.actor(), input).await?;
    Ok((StatusCode::CREATED, Json(contact)))
}

/// The `create_contact` mutation, for the REST route and for sync.
pub async fn create_contact(state: &AppState, actor: &Actor, input: ContactInput) -> ApiResult<Contact> {
    let allow_duplicate = input.allow_duplicate;
    let valid = input.validate().map_err(ApiError::Validation)?;
    let stage = valid.input.stage.unwrap_or(shared::stage::Stage::Identified);
    check_entry(stage, valid.input.stage_reason.as_deref()).map_err(|e| ApiError::field("stage", e.to_string()))?;
    if !allow_duplicate {
        let keys = DuplicateKeys {
            email_key: valid.email.as_ref().map(|e| e.as_str().to_lowercase()),
            phones: [&valid.phone_mobile, &valid.phone_landline]
                .into_iter()
                .flatten()
                .map(|p| p.e164().to_string())
                .collect(),
            name_key: valid.name_key(),
            exclude: None,
        };
        let dups = state.store.find_duplicates(actor, &keys).await?;
        if !dups.is_empty() {
            return Err(ApiError::Duplicate(dups));
        }
    }
    let id = valid.input.id.unwrap_or_else(shared::new_id);
    let fields = ContactFields::from_valid(&valid);
    let contact = state
        .store
        .insert_contact(
            actor,
            id,
            &fields,
            valid.input.stage_reason.as_deref(),
            crate::db::now(),
        )
        .await?;
    tracing::info!(contact = %contact.id, user = %actor.user_id, "contact created");
    Ok(contact)
}

/// One record.
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = Uuid, Path)),
    responses((status = 200, body = Contact), (status = 404, body = shared::api::ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Contact>> {
    state
        .store
        .contact(&current.actor(), id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound)
}

/// Replaces a record's editable fields. Send `expected_seq` (the `seq` you read) to be told
/// with a 409 when someone changed it meanwhile. The stage is changed through `/stage`.
#[utoipa::path(put, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = Uuid, Path)), request_body = ContactInput,
    responses((status = 200, body = Contact), (status = 404, body = shared::api::ErrorBody), (status = 409, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<ContactInput>,
) -> ApiResult<Json<Contact>> {
    Ok(Json(edit_contact(&state, &current.actor(), id, input).await?))
}

/// The `edit_contact` mutation.
pub async fn edit_contact(state: &AppState, actor: &Actor, id: Uuid, input: ContactInput) -> ApiResult<Contact> {
    check_body_id(input.id, id)?;
    let expected_seq = input.expected_seq;
    let valid = input.validate().map_err(ApiError::Validation)?;
    let fields = ContactFields::from_valid(&valid);
    Ok(state
        .store
        .update_contact(actor, id, &fields, expected_seq, crate::db::now())
        .await?)
}

/// Deletes a record (a tombstone is kept for sync).
#[utoipa::path(delete, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = shared::api::ErrorBody), (status = 404, body = shared::api::ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    delete_contact(&state, &current.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The `delete_contact` mutation.
pub async fn delete_contact(state: &AppState, actor: &Actor, id: Uuid) -> ApiResult<()> {
    Ok(state.store.delete_contact(actor, id, crate::db::now()).await?)
}

/// Changes the stage: a step, a skip with its reason, lost to a competitor, a client who left.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/stage", tag = "contacts", params(("id" = Uuid, Path)), request_body = StageChange,
    responses((status = 200, body = Contact), (status = 404, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn change_stage(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(change): ApiJson<StageChange>,
) -> ApiResult<Json<Contact>> {
    Ok(Json(change_contact_stage(&state, &current.actor(), id, change).await?))
}

/// The `change_stage` mutation.
pub async fn change_contact_stage(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    change: StageChange,
) -> ApiResult<Contact> {
    Ok(state.store.change_stage(actor, id, &change, crate::db::now()).await?)
}

/// The dated stage history, newest first.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/stages", tag = "contacts", params(("id" = Uuid, Path)),
    responses((status = 200, body = [StageTransition]), (status = 404, body = shared::api::ErrorBody)))]
pub async fn stage_history(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<StageTransition>>> {
    Ok(Json(state.store.stage_history(&current.actor(), id).await?))
}

/// Clients due or overdue for a meeting or a call by their segment's cadence, most late first
/// (VIP first among equals).
#[utoipa::path(get, path = "/api/v1/contacts/due", tag = "contacts", params(DueQuery), responses((status = 200, body = [DueItem])))]
pub async fn due(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> ApiResult<Json<Vec<DueItem>>> {
    Ok(Json(due_items(&state, &current.actor(), q).await?))
}

/// The due list, ranked: most days late first, then the higher segment.
pub async fn due_items(state: &AppState, actor: &crate::db::Actor, q: DueQuery) -> ApiResult<Vec<DueItem>> {
    let on = q.on.unwrap_or_else(|| state.time.today());
    let limit = q.limit.unwrap_or(100).clamp(1, 500) as usize;
    let mut query = ContactQuery {
        due: Some(DueKind::Any),
        on: Some(on),
        sector: q.sector,
        owner: q.owner,
        limit: Some(200),
        ..Default::default()
    };
    let mut items = Vec::new();
    // Gather every due record (bounded), then rank: the database orders by one date only.
    for page in 0..10u32 {
        query.offset = Some(page * 200);
        let (contacts, has_more) = state.store.search_contacts(actor, &query, on).await?;
        for c in &contacts {
            let meeting_late = c.next_meeting_due.filter(|d| *d <= on).map(|d| (DueKind::Meeting, d));
            let call_late = c.next_call_due.filter(|d| *d <= on).map(|d| (DueKind::Call, d));
            if let Some((kind, due_on)) = meeting_late.or(call_late) {
                items.push(DueItem {
                    contact: summary(c),
                    kind,
                    due_on,
                    days_late: days_late(due_on, on),
                });
            }
        }
        if !has_more {
            break;
        }
    }
    items.sort_by(|a, b| {
        b.days_late
            .cmp(&a.days_late)
            .then(b.contact.segment.cmp(&a.contact.segment))
            .then(a.contact.display_name.cmp(&b.contact.display_name))
    });
    items.truncate(limit);
    Ok(items)
}

/// Who the record is shared with.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/shares", tag = "contacts", params(("id" = Uuid, Path)), responses((status = 200, body = [AgencyUser])))]
pub async fn shares(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Vec<AgencyUser>>> {
    Ok(Json(state.store.contact_shares(&current.actor(), id).await?))
}

/// Shares the record with another member of the agency.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/shares", tag = "contacts", params(("id" = Uuid, Path)), request_body = ShareRequest,
    responses((status = 204), (status = 403, body = shared::api::ErrorBody), (status = 404, body = shared::api::ErrorBody)))]
pub async fn share(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ShareRequest>,
) -> ApiResult<StatusCode> {
    state
        .store
        .share_contact(&current.actor(), id, req.user_id, crate::db::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stops sharing the record with that member.
#[utoipa::path(delete, path = "/api/v1/contacts/{id}/shares/{user_id}", tag = "contacts", params(("id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = shared::api::ErrorBody)))]
pub async fn unshare(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath((id, user_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state
        .store
        .unshare_contact(&current.actor(), id, user_id, crate::db::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A point for the record: the phone's position ("I'm at the client's") or one placed by hand.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct PositionInput {
    pub lat: f64,
    pub lon: f64,
    /// `gps` (the phone's position, the default) or `manual`.
    #[serde(default)]
    pub source: Option<String>,
}

/// Sets the record's point; the geocoder will not overwrite it.
#[utoipa::path(post, path = "/api/v1/contacts/{id}/position", tag = "contacts", params(("id" = Uuid, Path)), request_body = PositionInput,
    responses((status = 200, body = Contact), (status = 404, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn set_position(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(p): ApiJson<PositionInput>,
) -> ApiResult<Json<Contact>> {
    Ok(Json(set_contact_position(&state, &current.actor(), id, p).await?))
}

/// The `set_position` mutation.
pub async fn set_contact_position(state: &AppState, actor: &Actor, id: Uuid, p: PositionInput) -> ApiResult<Contact> {
    if !(-90.0..=90.0).contains(&p.lat)
        || !(-180.0..=180.0).contains(&p.lon)
        || !p.lat.is_finite()
        || !p.lon.is_finite()
    {
        return Err(ApiError::field("lat", "position invalide"));
    }
    let precision = match p.source.as_deref().unwrap_or("gps") {
        "gps" => "gps",
        "manual" => "manual",
        _ => return Err(ApiError::field("source", "gps ou manual")),
    };
    Ok(state
        .store
        .set_position(actor, id, p.lat, p.lon, precision, crate::db::now())
        .await?)
}

/// The caller's records whose address could not be placed (ambiguous or not found).
#[utoipa::path(get, path = "/api/v1/contacts/geocoding/flagged", tag = "contacts", responses((status = 200, body = [ContactSummary])))]
pub async fn geo_flagged(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Json<Vec<Contact>>> {
    Ok(Json(state.store.geo_flagged(&current.actor()).await?))
}
