//! Offline sync: a phone pushes its outbox of mutations and pulls what changed
//! (`docs/sync.md`).
//!
//! Each mutation runs the very function its REST route runs, with the same checks; the
//! transaction that writes its effects also marks it applied for the phone (see
//! `db::MutationAttempt`), and the answer leaves only after that commit, so the phone can drop
//! what the server acknowledged.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use shared::record::{Contact, ContactInput};
use shared::sync::{
    plan_push, Conflict, Mutation, MutationOutcome, PendingMutation, PullResponse, PushRequest, PushResponse, Refusal,
    MAX_MUTATIONS_PER_PUSH, MAX_PULL_LIMIT,
};
use shared::visit::{MeetingInput, TaskInput};
use uuid::Uuid;

use crate::api::contacts::{self, PositionInput};
use crate::api::{complaints, offers, privacy, tasks, visits};
use crate::auth::CurrentUser;
use crate::db::{Actor, BatchStep, MutationAttempt};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

/// One push at a time per phone, within this process: a second tab or a retry racing the
/// first waits, then finds the mutations applied. (Across processes the database alone keeps
/// mutations exactly once; a racing try may then report `already_applied` for a mutation the
/// other try applied — the phone drops both alike.)
#[derive(Default)]
pub struct PushLocks(std::sync::Mutex<std::collections::HashMap<Uuid, std::sync::Arc<tokio::sync::Mutex<()>>>>);

impl PushLocks {
    async fn lock(&self, client: Uuid) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
            // Forget the phones nobody is pushing for.
            map.retain(|_, l| std::sync::Arc::strong_count(l) > 1);
            map.entry(client).or_default().clone()
        };
        lock.lock_owned().await
    }
}

/// Applies the phone's mutations in order, exactly once. Replayed ids are reported
/// `already_applied`; a mutation the rules refuse is `refused` with its reason and does not
/// stop the ones after it. Mutations commit in batches of [`PUSH_BATCH`]; a storage failure
/// stops the push with a 503: batches committed before it stay applied, and the phone sends
/// the rest again.
#[utoipa::path(post, path = "/api/v1/sync/push", tag = "sync", request_body = PushRequest,
    responses((status = 200, body = PushResponse), (status = 400, body = shared::api::ErrorBody),
        (status = 401, body = shared::api::ErrorBody), (status = 403, body = shared::api::ErrorBody),
        (status = 409, body = shared::api::ErrorBody), (status = 413, body = shared::api::ErrorBody),
        (status = 503, body = shared::api::ErrorBody)))]
pub async fn push(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(req): ApiJson<PushRequest>,
) -> ApiResult<Json<PushResponse>> {
    if req.mutations.len() > MAX_MUTATIONS_PER_PUSH {
        return Err(ApiError::PayloadTooLarge(format!(
            "{MAX_MUTATIONS_PER_PUSH} modifications par envoi au plus"
        )));
    }
    let actor = current.actor();
    let _one_at_a_time = state.push_locks.lock(req.client_id).await;
    let last = state.store.sync_client(&actor, req.client_id, crate::db::now()).await?;
    let ids: Vec<i64> = req.mutations.iter().map(|m| m.id).collect();
    let new = plan_push(last, &ids).map_err(|e| ApiError::Conflict(e.to_string()))?;
    let mut outcomes: Vec<MutationOutcome> = req.mutations[..new.start]
        .iter()
        .map(|m| MutationOutcome::AlreadyApplied { id: m.id })
        .collect();
    let mut last = last;
    for chunk in req.mutations[new].chunks(PUSH_BATCH) {
        let applied = match apply_chunk(&state, &actor, req.client_id, chunk, Care::Hopeful).await? {
            Some(applied) => applied,
            // One was refused: the chunk again from the start, each in its own savepoint.
            None => apply_chunk(&state, &actor, req.client_id, chunk, Care::Savepoints)
                .await?
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("a push batch failed in savepoints")))?,
        };
        for outcome in applied {
            crate::metrics::count_mutation(match outcome {
                MutationOutcome::Applied { .. } => "applied",
                MutationOutcome::AlreadyApplied { .. } => "already_applied",
                MutationOutcome::Refused { .. } => "refused",
            });
            last = outcome.id();
            outcomes.push(outcome);
        }
    }
    Ok(Json(PushResponse {
        last_mutation_id: last,
        outcomes,
    }))
}

/// Mutations applied per transaction: enough to share one durable commit among many, few
/// enough that the agency's other writers wait at most a fraction of a second.
const PUSH_BATCH: usize = 100;

/// How a chunk of mutations is applied in its transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Care {
    /// As if none will be refused: no savepoint; the first refusal drops the whole
    /// transaction (the chunk is then applied again with [`Care::Savepoints`]). Refusals are
    /// rare, and a savepoint per mutation is one more round trip to the database each.
    Hopeful,
    /// Each mutation in a savepoint, so a refused one is undone alone.
    Savepoints,
}

/// Applies a chunk of the phone's mutations in one transaction, committed (durably) before
/// this returns. `None`: with [`Care::Hopeful`], a mutation was refused and nothing was kept.
async fn apply_chunk(
    state: &AppState,
    actor: &Actor,
    client_id: Uuid,
    chunk: &[PendingMutation],
    care: Care,
) -> ApiResult<Option<Vec<MutationOutcome>>> {
    let batch = state.store.batch().await?;
    let scoped = AppState {
        store: batch.clone(),
        ..state.clone()
    };
    let mut applied = Vec::with_capacity(chunk.len());
    if care == Care::Savepoints {
        batch.batch_step(BatchStep::Begin).await?;
    }
    for pending in chunk {
        let attempt = actor.applying(MutationAttempt {
            client_id,
            mutation_id: pending.id,
            attempt: Uuid::now_v7(),
        });
        let outcome = match care {
            Care::Savepoints => {
                let last_of_chunk = applied.len() + 1 == chunk.len();
                apply_one(&scoped, &attempt, pending, last_of_chunk).await?
            }
            Care::Hopeful => match apply(&scoped, &attempt, pending.mutation.clone(), pending.at).await {
                Ok(()) => mark_applied(&scoped, &attempt, pending).await?,
                Err(e @ (ApiError::StorageUnavailable(_) | ApiError::Internal(_))) => return Err(e),
                // Dropping the batch rolls it back.
                Err(_) => return Ok(None),
            },
        };
        applied.push(outcome);
    }
    batch.commit_batch().await?;
    Ok(Some(applied))
}

/// A mutation whose effects were written: applied (marked already if it wrote anything; this
/// marks one that wrote nothing).
async fn mark_applied(state: &AppState, attempt: &Actor, pending: &PendingMutation) -> ApiResult<MutationOutcome> {
    Ok(match state.store.record_mutation(attempt, None).await? {
        true => MutationOutcome::Applied { id: pending.id },
        false => MutationOutcome::AlreadyApplied { id: pending.id },
    })
}

/// Applies one mutation of a batch in the savepoint opened for it and says what became of it;
/// then opens the next one's, unless `last`. A storage failure is returned as the error: the
/// caller drops the batch, so nothing of it is kept and the phone sends it all again.
async fn apply_one(
    state: &AppState,
    attempt: &Actor,
    pending: &PendingMutation,
    last: bool,
) -> ApiResult<MutationOutcome> {
    let store = &state.store;
    let result = apply(state, attempt, pending.mutation.clone(), pending.at).await;
    let undone = result.is_err();
    if undone {
        // Undone before anything else is read or written (PostgreSQL refuses both in a
        // transaction with a failed statement until then).
        store.batch_step(BatchStep::Undo).await?;
    }
    let result = match result {
        // Recorded as applied below, so the client's sequence stays without a gap.
        Err(ApiError::Conflict(_)) if made_already(state, attempt, &pending.mutation).await => Ok(()),
        other => other,
    };
    let outcome = match result {
        Ok(()) => mark_applied(state, attempt, pending).await?,
        Err(ApiError::AlreadyApplied) => MutationOutcome::AlreadyApplied { id: pending.id },
        Err(e @ (ApiError::StorageUnavailable(_) | ApiError::Internal(_))) => return Err(e),
        Err(e) => {
            let refusal = refusal(pending, &e);
            let client = attempt.mutation.map(|m| m.client_id).unwrap_or_default();
            tracing::info!(%client, mutation = pending.id, name = %refusal.name, error = %refusal.error, "mutation refused");
            match store.record_mutation(attempt, Some(&refusal)).await? {
                true => MutationOutcome::Refused {
                    id: pending.id,
                    refusal,
                },
                false => MutationOutcome::AlreadyApplied { id: pending.id },
            }
        }
    };
    let step = match (undone, last) {
        (true, true) => None,
        (true, false) => Some(BatchStep::Begin),
        (false, true) => Some(BatchStep::Keep),
        (false, false) => Some(BatchStep::Next),
    };
    if let Some(step) = step {
        store.batch_step(step).await?;
    }
    Ok(outcome)
}

/// A create whose id is taken by a record this user can see: the phone sent it by the REST
/// route, the answer was lost, and it queued the same write (same client-made id) for the
/// push. It is applied already, not refused.
async fn made_already(state: &AppState, actor: &Actor, mutation: &Mutation) -> bool {
    match mutation {
        Mutation::CreateContact(ContactInput { id: Some(id), .. }) => {
            matches!(state.store.contact(actor, *id).await, Ok(Some(_)))
        }
        Mutation::PlanMeeting(MeetingInput { id: Some(id), .. }) => {
            state.store.meeting(actor, *id, &state.time).await.is_ok()
        }
        Mutation::CreateTask(TaskInput { id: Some(id), .. }) => state.store.task(actor, *id).await.is_ok(),
        Mutation::RecordConsent {
            contact_id,
            input: shared::consent::ConsentInput { id: Some(id), .. },
        } => state
            .store
            .consents(actor, *contact_id)
            .await
            .is_ok_and(|all| all.iter().any(|c| c.id == *id)),
        Mutation::CreateComplaint(shared::complaint::ComplaintInput { id: Some(id), .. }) => {
            state.store.complaint(actor, *id).await.is_ok()
        }
        _ => false,
    }
}

/// Runs one mutation through the function its REST route runs; `at` is when the advisor made
/// it (the time shown beside their value in a conflict).
async fn apply(state: &AppState, actor: &Actor, mutation: Mutation, at: DateTime<Utc>) -> ApiResult<()> {
    match mutation {
        Mutation::CreateContact(input) => contacts::create_contact(state, actor, input).await.map(drop),
        Mutation::EditContact {
            id,
            input,
            base: Some(base),
        } => merge_edit_contact(state, actor, id, *base, input, at).await.map(drop),
        Mutation::EditContact { id, input, base: None } => {
            contacts::edit_contact(state, actor, id, input).await.map(drop)
        }
        Mutation::ResolveConflict { id, value } => resolve(state, actor, id, value).await.map(drop),
        Mutation::DeleteContact { id } => contacts::delete_contact(state, actor, id).await,
        Mutation::ChangeStage { id, change } => {
            contacts::change_contact_stage(state, actor, id, change).await.map(drop)
        }
        Mutation::SetPosition { id, lat, lon, source } => {
            let p = PositionInput {
                lat,
                lon,
                source: Some(source),
            };
            contacts::set_contact_position(state, actor, id, p).await.map(drop)
        }
        Mutation::PlanMeeting(input) => visits::plan_meeting(state, actor, input).await.map(drop),
        Mutation::MoveMeeting { id, input } => visits::move_meeting(state, actor, id, input).await.map(drop),
        Mutation::SetMeetingStatus { id, change } => {
            visits::set_meeting_status(state, actor, id, change).await.map(drop)
        }
        Mutation::SaveReport { meeting_id, report } => visits::save_visit_report(state, actor, meeting_id, report)
            .await
            .map(drop),
        Mutation::LogInteraction { contact_id, input } => {
            visits::log_contact_interaction(state, actor, contact_id, input)
                .await
                .map(drop)
        }
        Mutation::RecordConsent { contact_id, input } => {
            privacy::record(state, actor, contact_id, input).await.map(drop)
        }
        Mutation::CreateTask(input) => tasks::create_task(state, actor, input).await.map(drop),
        Mutation::EditTask { id, input } => tasks::edit_task(state, actor, id, input).await.map(drop),
        Mutation::SetTaskDone { id, done } => tasks::set_task_done(state, actor, id, done).await.map(drop),
        Mutation::SaveOffer(input) => offers::save(state, actor, input).await.map(drop),
        Mutation::CreateComplaint(input) => complaints::create_complaint(state, actor, input).await.map(drop),
        Mutation::AdvanceComplaint { id, step } => {
            complaints::advance_complaint(state, actor, id, step).await.map(drop)
        }
        Mutation::SetManualPrognosis { contact_id, prognosis } => {
            offers::set_manual_prognosis(state, actor, contact_id, prognosis)
                .await
                .map(drop)
        }
    }
}

/// The `edit_contact` mutation with the values it started from: merged field by field.
pub async fn merge_edit_contact(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    base: ContactInput,
    input: ContactInput,
    at: DateTime<Utc>,
) -> ApiResult<(Contact, Vec<Conflict>)> {
    crate::error::check_body_id(input.id, id)?;
    let now = crate::db::now();
    // The phone's clock may be wrong: never after the server's.
    let at = at.min(now);
    let (contact, conflicts) = state.store.merge_contact(actor, id, &base, &input, at, now).await?;
    if !conflicts.is_empty() {
        tracing::info!(contact = %id, fields = conflicts.len(), "edit merged with conflicts");
    }
    Ok((contact, conflicts))
}

/// The `resolve_conflict` mutation.
pub async fn resolve(state: &AppState, actor: &Actor, id: Uuid, value: serde_json::Value) -> ApiResult<Conflict> {
    Ok(state
        .store
        .resolve_conflict(actor, id, &value, crate::db::now())
        .await?)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveInput {
    /// The value the field takes: one side's, or a new one.
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

/// Settles a conflict (as the `resolve_conflict` mutation does): the record's field takes the
/// value, and the conflict is closed for everyone involved.
#[utoipa::path(post, path = "/api/v1/conflicts/{id}/resolve", tag = "sync", params(("id" = Uuid, Path)), request_body = ResolveInput,
    responses((status = 200, body = Conflict), (status = 404, body = shared::api::ErrorBody),
        (status = 409, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn resolve_conflict(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<ResolveInput>,
) -> ApiResult<Json<Conflict>> {
    Ok(Json(resolve(&state, &current.actor(), id, input.value).await?))
}

/// The refusal kept for the phone: the API's answer, and the mutation with what was typed.
fn refusal(pending: &PendingMutation, e: &ApiError) -> Refusal {
    let (_, code, detail) = e.parts();
    Refusal {
        name: pending.mutation.name().to_string(),
        error: code.to_string(),
        detail,
        fields: match e {
            ApiError::Validation(f) => f.clone(),
            _ => Default::default(),
        },
        mutation: serde_json::to_value(&pending.mutation).unwrap_or_default(),
        at: crate::db::now(),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    /// The cursor of the last pull (0 for the first).
    #[serde(default)]
    pub cursor: i64,
    /// Rows per page (default 500, at most 1 000).
    pub limit: Option<u32>,
    /// The phone's client id: the answer then says its last applied mutation and refusals.
    pub client_id: Option<Uuid>,
}

/// Every change after `cursor` that the caller may see: records (tombstones included),
/// meetings, tasks; and records the caller may no longer see as removals. Pull again at once
/// while `has_more`; on `reset`, drop the replica and pull from 0.
#[utoipa::path(get, path = "/api/v1/sync/pull", tag = "sync", params(PullQuery),
    responses((status = 200, body = PullResponse, headers(
            ("sync-cursor" = i64, description = "where the page ends (absent on a reset)"),
            ("sync-has-more" = bool, description = "whether to pull again at once (absent on a reset)"))), (status = 400, body = shared::api::ErrorBody),
        (status = 401, body = shared::api::ErrorBody), (status = 403, body = shared::api::ErrorBody),
        (status = 503, body = shared::api::ErrorBody)))]
pub async fn pull(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> ApiResult<(axum::http::HeaderMap, Json<PullResponse>)> {
    if q.cursor < 0 {
        return Err(ApiError::field("cursor", "curseur invalide"));
    }
    let actor = current.actor();
    let limit = q.limit.unwrap_or(500).clamp(1, MAX_PULL_LIMIT);
    let page = state.store.sync_changes(&actor, q.cursor, limit, &state.time).await?;
    let (last_mutation_id, refusals) = match q.client_id {
        Some(client) => (
            state.store.sync_client_state(&actor, client).await?,
            state.store.sync_refusals(&actor, client).await?,
        ),
        None => (None, Vec::new()),
    };
    // Where the page ends, in the headers too: the phone asks for the next page before it
    // reads this one's body.
    let mut headers = axum::http::HeaderMap::new();
    if !page.reset {
        headers.insert(shared::sync::CURSOR_HEADER, page.cursor.into());
        headers.insert(
            shared::sync::HAS_MORE_HEADER,
            axum::http::HeaderValue::from_static(if page.has_more { "true" } else { "false" }),
        );
    }
    Ok((
        headers,
        Json(PullResponse {
            changes: page.changes,
            cursor: page.cursor,
            has_more: page.has_more,
            reset: page.reset,
            last_mutation_id,
            refusals,
        }),
    ))
}
