//! Tasks (échéancier): due today and late, open, done; created by hand or by the store.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use shared::api::{TaskDone, TaskQuery};
use shared::visit::{Task, TaskInput};
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::db::Actor;
use crate::error::{check_body_id, ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

/// The caller's tasks (`scope`: due — today and late, the default —, overdue, open, done),
/// or a record's tasks with `contact_id`. Sorted by due date then priority.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", params(TaskQuery), responses((status = 200, body = [Task])))]
pub async fn list(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiQuery(q): ApiQuery<TaskQuery>,
) -> ApiResult<Json<Vec<Task>>> {
    Ok(Json(state.store.tasks(&current.actor(), &q, state.time.today()).await?))
}

#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", request_body = TaskInput,
    responses((status = 201, body = Task), (status = 422, body = shared::api::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(input): ApiJson<TaskInput>,
) -> ApiResult<(StatusCode, Json<Task>)> {
    Ok((
        StatusCode::CREATED,
        Json(create_task(&state, &current.actor(), input).await?),
    ))
}

/// The `create_task` mutation, for the REST route and for sync.
pub async fn create_task(state: &AppState, actor: &Actor, input: TaskInput) -> ApiResult<Task> {
    let input = input.validate().map_err(ApiError::Validation)?;
    let id = input.id.unwrap_or_else(shared::new_id);
    Ok(state.store.create_task(actor, id, &input, crate::db::now()).await?)
}

#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks", params(("id" = Uuid, Path)),
    responses((status = 200, body = Task), (status = 404, body = shared::api::ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Task>> {
    Ok(Json(state.store.task(&current.actor(), id).await?))
}

#[utoipa::path(put, path = "/api/v1/tasks/{id}", tag = "tasks", params(("id" = Uuid, Path)), request_body = TaskInput,
    responses((status = 200, body = Task), (status = 404, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<TaskInput>,
) -> ApiResult<Json<Task>> {
    Ok(Json(edit_task(&state, &current.actor(), id, input).await?))
}

/// The `edit_task` mutation.
pub async fn edit_task(state: &AppState, actor: &Actor, id: Uuid, input: TaskInput) -> ApiResult<Task> {
    check_body_id(input.id, id)?;
    let input = input.validate().map_err(ApiError::Validation)?;
    Ok(state.store.update_task(actor, id, &input, crate::db::now()).await?)
}

/// Done or not done.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/done", tag = "tasks", params(("id" = Uuid, Path)), request_body = TaskDone,
    responses((status = 200, body = Task), (status = 404, body = shared::api::ErrorBody)))]
pub async fn set_done(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<TaskDone>,
) -> ApiResult<Json<Task>> {
    Ok(Json(set_task_done(&state, &current.actor(), id, body.done).await?))
}

/// The `set_task_done` mutation.
pub async fn set_task_done(state: &AppState, actor: &Actor, id: Uuid, done: bool) -> ApiResult<Task> {
    Ok(state.store.set_task_done(actor, id, done, crate::db::now()).await?)
}

#[utoipa::path(delete, path = "/api/v1/tasks/{id}", tag = "tasks", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = shared::api::ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    state.store.delete_task(&current.actor(), id, crate::db::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
