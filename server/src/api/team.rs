//! The agency's people, managed in the app by the manager (issue 11): invite a user (a one-time
//! link to choose their password — no password is ever sent), change a role, disable (every
//! session ends at once; their phone erases its data at its next call), hand a portfolio over.
//! Every act lands in the audit log. The invited user accepts at `POST /auth/invitation`.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::AppendHeaders;
use axum::Json;
use serde::{Deserialize, Serialize};
use shared::api::{Me, Role};
use uuid::Uuid;

use crate::api::auth::ClientIp;
use crate::auth::password::MIN_PASSWORD_LEN;
use crate::auth::session::{hash_token, new_token};
use crate::auth::CurrentUser;
use crate::db::admin::{Handover, NewInvitation, TeamMember};
use crate::db::Actor;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult};
use crate::state::AppState;

/// How long an invitation link works.
const INVITATION_DAYS: i64 = 7;

fn role_label(r: Role) -> &'static str {
    match r {
        Role::Manager => "chef d'agence",
        Role::Advisor => "conseiller",
    }
}

/// A member of the team.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Member {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    /// Invited, no password chosen yet.
    pub invited: bool,
    /// Live records in their portfolio.
    pub records: i64,
}

impl From<TeamMember> for Member {
    fn from(m: TeamMember) -> Self {
        Member {
            id: m.id,
            email: m.email,
            display_name: m.display_name,
            role: Role::parse(&m.role).unwrap_or(Role::Advisor),
            disabled: m.disabled_at.is_some(),
            invited: m.invited,
            records: m.records,
        }
    }
}

/// The agency's users (managers).
#[utoipa::path(get, path = "/api/v1/team", tag = "team",
    responses((status = 200, body = [Member]), (status = 403, body = shared::api::ErrorBody)))]
pub async fn list(State(state): State<AppState>, current: CurrentUser) -> ApiResult<Json<Vec<Member>>> {
    let actor = current.manager("la gestion de l'équipe")?;
    Ok(Json(
        state.store.team(&actor).await?.into_iter().map(Member::from).collect(),
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewMember {
    pub email: String,
    pub display_name: String,
    pub role: Option<Role>,
}

/// A user just invited, with the link to give them (shown once: only its hash is kept).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Invitation {
    pub member: Member,
    /// `/invitation?t=…` on this server.
    pub link: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

async fn invitation_for(state: &AppState, actor: &Actor, user_id: Uuid, token: String) -> ApiResult<Invitation> {
    let member = state.store.check_member(actor, user_id).await?;
    Ok(Invitation {
        member: member.into(),
        link: format!("/invitation?t={token}"),
        expires_at: crate::db::now() + chrono::Duration::days(INVITATION_DAYS),
    })
}

/// Invites a user: they choose their password with the one-time link (7 days).
#[utoipa::path(post, path = "/api/v1/team", tag = "team", request_body = NewMember,
    responses((status = 201, body = Invitation), (status = 403, body = shared::api::ErrorBody),
        (status = 409, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn invite(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(input): ApiJson<NewMember>,
) -> ApiResult<(StatusCode, Json<Invitation>)> {
    let actor = current.manager("la gestion de l'équipe")?;
    let mut errors = shared::record::FieldErrors::new();
    let email = match shared::values::Email::parse(input.email.trim()) {
        Ok(e) => Some(e.as_str().to_lowercase()),
        Err(e) => {
            errors.insert("email".into(), e.to_string());
            None
        }
    };
    let name = input.display_name.trim().to_string();
    if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
        errors.insert(
            "display_name".into(),
            "le nom est obligatoire (120 caractères au plus)".into(),
        );
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let token = new_token();
    let now = crate::db::now();
    let role = input.role.unwrap_or(Role::Advisor);
    let id = state
        .store
        .invite_user(
            &actor,
            &NewInvitation {
                email: &email,
                display_name: &name,
                role,
                token_hash: &hash_token(&token),
                expires_at: now + chrono::Duration::days(INVITATION_DAYS),
            },
            now,
        )
        .await?;
    state
        .store
        .add_audit(
            &actor,
            "invite_user",
            Some(id),
            &format!("Invitation de {name} ({})", role_label(role)),
            now,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(invitation_for(&state, &actor, id, token).await?),
    ))
}

/// A new invitation link for a user (the earlier ones stop working): for someone who lost it,
/// or forgot their password.
#[utoipa::path(post, path = "/api/v1/team/{id}/invitation", tag = "team", params(("id" = Uuid, Path)),
    responses((status = 201, body = Invitation), (status = 403, body = shared::api::ErrorBody), (status = 404, body = shared::api::ErrorBody)))]
pub async fn reinvite(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<(StatusCode, Json<Invitation>)> {
    let actor = current.manager("la gestion de l'équipe")?;
    let token = new_token();
    let now = crate::db::now();
    state
        .store
        .reinvite_user(
            &actor,
            id,
            &hash_token(&token),
            now + chrono::Duration::days(INVITATION_DAYS),
            now,
        )
        .await?;
    state
        .store
        .add_audit(
            &actor,
            "reinvite_user",
            Some(id),
            &format!(
                "Nouveau lien d'accès pour {}",
                state.store.check_member(&actor, id).await?.display_name
            ),
            now,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(invitation_for(&state, &actor, id, token).await?),
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MemberChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

/// Changes a user's role, or disables / enables them. Disabling ends every session at once;
/// the agency keeps at least one active manager, and nobody disables themself.
#[utoipa::path(put, path = "/api/v1/team/{id}", tag = "team", params(("id" = Uuid, Path)), request_body = MemberChange,
    responses((status = 200, body = Member), (status = 403, body = shared::api::ErrorBody),
        (status = 404, body = shared::api::ErrorBody), (status = 409, body = shared::api::ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<MemberChange>,
) -> ApiResult<Json<Member>> {
    let actor = current.manager("la gestion de l'équipe")?;
    let member = state.store.check_member(&actor, id).await?;
    let now = crate::db::now();
    if let Some(role) = input.role {
        if id == actor.user_id && role != Role::Manager {
            return Err(ApiError::Conflict(
                "un chef d'agence ne se retire pas son propre rôle".into(),
            ));
        }
        if Role::parse(&member.role) != Some(role) {
            state.store.set_role(&actor, id, role).await?;
            state
                .store
                .add_audit(
                    &actor,
                    "set_role",
                    Some(id),
                    &format!("Rôle de {} : {}", member.display_name, role_label(role)),
                    now,
                )
                .await?;
        }
    }
    if let Some(disabled) = input.disabled {
        if id == actor.user_id && disabled {
            return Err(ApiError::Conflict(
                "un chef d'agence ne se désactive pas lui-même".into(),
            ));
        }
        if member.disabled_at.is_some() != disabled {
            state.store.set_user_disabled(id, disabled, now).await?;
            let what = if disabled { "disable_user" } else { "enable_user" };
            let detail = if disabled {
                format!("Accès de {} coupé, sessions fermées", member.display_name)
            } else {
                format!("Accès de {} rétabli", member.display_name)
            };
            state.store.add_audit(&actor, what, Some(id), &detail, now).await?;
        }
    }
    Ok(Json(state.store.check_member(&actor, id).await?.into()))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct HandoverInput {
    /// The advisors who take the portfolio, in turn (one or several).
    pub to: Vec<Uuid>,
}

/// Hands every record of a user's portfolio to one or several others (in turn), with their
/// open tasks and coming meetings; each record's history says who had it.
#[utoipa::path(post, path = "/api/v1/team/{id}/handover", tag = "team", params(("id" = Uuid, Path)), request_body = HandoverInput,
    responses((status = 200, body = Handover), (status = 403, body = shared::api::ErrorBody),
        (status = 404, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn handover(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<HandoverInput>,
) -> ApiResult<Json<Handover>> {
    let actor = current.manager("la gestion de l'équipe")?;
    let member = state.store.check_member(&actor, id).await?;
    if input.to.is_empty() || input.to.len() > 50 {
        return Err(ApiError::field("to", "choisissez au moins un conseiller"));
    }
    if input.to.contains(&id) {
        return Err(ApiError::field("to", "le portefeuille va à quelqu'un d'autre"));
    }
    let now = crate::db::now();
    let done = state.store.hand_over(&actor, id, &input.to, now).await?;
    state
        .store
        .add_audit(
            &actor,
            "hand_over",
            Some(id),
            &format!(
                "Portefeuille de {} transmis à {} conseiller(s) : {} dossiers, {} tâches, {} rendez-vous",
                member.display_name,
                input.to.len(),
                done.records,
                done.tasks,
                done.meetings
            ),
            now,
        )
        .await?;
    Ok(Json(done))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AcceptInvitation {
    pub token: String,
    pub password: String,
}

/// The invited user chooses their password with their link, and is signed in.
#[utoipa::path(post, path = "/api/v1/auth/invitation", tag = "auth", request_body = AcceptInvitation,
    responses((status = 200, body = Me), (status = 404, body = shared::api::ErrorBody),
        (status = 409, body = shared::api::ErrorBody), (status = 422, body = shared::api::ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(input): ApiJson<AcceptInvitation>,
) -> ApiResult<(AppendHeaders<[(header::HeaderName, String); 1]>, Json<Me>)> {
    if input.password.chars().count() < MIN_PASSWORD_LEN || input.password.len() > 1024 {
        return Err(ApiError::field(
            "password",
            format!("{MIN_PASSWORD_LEN} caractères au moins"),
        ));
    }
    if input.token.is_empty() || input.token.len() > 100 {
        return Err(ApiError::NotFound);
    }
    let hash = state.passwords.hash(input.password.clone()).await?;
    let email = state
        .store
        .accept_invitation(&hash_token(&input.token), &hash, crate::db::now())
        .await?;
    let (cookie, me) = crate::api::auth::sign_in(&state, ip, &headers, &email, input.password).await?;
    Ok((AppendHeaders([(header::SET_COOKIE, cookie)]), Json(me)))
}
