//! Records out (issue 11, part 2): the records the caller sees — the portfolio, or the list
//! filtered as on the contacts screen — as CSV for a spreadsheet and as vCard 4.0 for an
//! address book; one record's vCard. What one may export is exactly what one may see.

use axum::extract::State;
use axum::response::IntoResponse;
use shared::api::ContactQuery;
use shared::export::{contact_cells, line, vcard, BOM, CONTACT_COLUMNS};
use shared::record::Contact;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::db::Actor;
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

/// Every record of the query the actor sees, page after page (the page size and offset asked
/// are ignored: an export is the whole list).
async fn all(state: &AppState, actor: &Actor, q: &ContactQuery) -> ApiResult<Vec<Contact>> {
    if q.q.as_ref().is_some_and(|t| t.len() > 200) {
        return Err(ApiError::bad_request("recherche trop longue (200 caractères au plus)"));
    }
    let mut out = Vec::new();
    let mut page = ContactQuery {
        limit: Some(200),
        offset: Some(0),
        ..q.clone()
    };
    loop {
        let (items, more) = state.store.search_contacts(actor, &page, state.time.today()).await?;
        out.extend(items);
        if !more {
            return Ok(out);
        }
        page.offset = Some(out.len() as u32);
    }
}

/// The records the caller sees (with the contact list's filters) as CSV: UTF-8 with a
/// byte-order mark and `;` between fields, as French Excel opens it.
#[utoipa::path(get, path = "/api/v1/contacts/export.csv", tag = "contacts", params(ContactQuery),
    responses((status = 200, content_type = "text/csv"), (status = 400, body = shared::api::ErrorBody)))]
pub async fn csv(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<ContactQuery>,
) -> ApiResult<impl IntoResponse> {
    let list = all(&state, &current.actor(), &q).await?;
    let mut body = String::from(BOM);
    body.push_str(&line(&CONTACT_COLUMNS, ';'));
    for c in &list {
        body.push_str(&line(&contact_cells(c), ';'));
    }
    tracing::info!(user = %current.user.id, records = list.len(), "contacts exported (csv)");
    Ok(super::attachment("text/csv; charset=utf-8", "contacts.csv", body))
}

/// The same records as vCard 4.0, one card each.
#[utoipa::path(get, path = "/api/v1/contacts/export.vcf", tag = "contacts", params(ContactQuery),
    responses((status = 200, content_type = "text/vcard"), (status = 400, body = shared::api::ErrorBody)))]
pub async fn vcards(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<ContactQuery>,
) -> ApiResult<impl IntoResponse> {
    let list = all(&state, &current.actor(), &q).await?;
    let body: String = list.iter().map(vcard).collect();
    tracing::info!(user = %current.user.id, records = list.len(), "contacts exported (vcard)");
    Ok(super::attachment("text/vcard; charset=utf-8", "contacts.vcf", body))
}

/// One record's vCard.
#[utoipa::path(get, path = "/api/v1/contacts/{id}/vcard", tag = "contacts", params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "text/vcard"), (status = 404, body = shared::api::ErrorBody)))]
pub async fn one(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<impl IntoResponse> {
    let c = state
        .store
        .contact(&current.actor(), id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let name = format!(
        "{}.vcf",
        shared::text::fold(&c.display_name).replace(|ch: char| !ch.is_ascii_alphanumeric(), "-")
    );
    Ok(super::attachment("text/vcard; charset=utf-8", &name, vcard(&c)))
}
