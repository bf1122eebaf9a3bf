//! Agencies, user accounts and sessions: the first resource implemented once for both
//! engines as a generic (`impl<E: Engine> AccountStore for SqlStore<E>`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shared::api::AgencyUser;
use shared::settings::AgencySettings;
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::engine::{map_unique, SqlStore};
use super::rows::{AgencyRow, SessionRow, UserRow};
use super::{Agency, NewSession, NewUser, Session, SessionUser, StoreError, StoreResult, User};

const USER_COLUMNS: &str = "id, agency_id, email, display_name, role, password_hash, disabled_at";
const SESSION_COLUMNS: &str = "id, user_id, created_at, last_seen_at, expires_at, user_agent, ip, revoked_at";

#[async_trait]
pub trait AccountStore: Send + Sync {
    // Agencies.
    async fn create_agency(&self, name: &str) -> StoreResult<Agency>;
    async fn agency(&self, id: Uuid) -> StoreResult<Option<Agency>>;
    async fn agency_by_name(&self, name: &str) -> StoreResult<Option<Agency>>;

    // Users.
    async fn create_user(&self, user: NewUser) -> StoreResult<User>;
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    async fn agency_users(&self, agency_id: Uuid) -> StoreResult<Vec<AgencyUser>>;
    async fn set_password(&self, user_id: Uuid, password_hash: &str) -> StoreResult<()>;
    /// Disables (every session revoked at once) or enables a user.
    async fn set_user_disabled(&self, user_id: Uuid, disabled: bool, at: DateTime<Utc>) -> StoreResult<()>;
    /// Revokes every session of a user (a password reset).
    async fn revoke_user_sessions(&self, user_id: Uuid, at: DateTime<Utc>) -> StoreResult<u64>;

    // Sessions.
    async fn create_session(&self, session: NewSession) -> StoreResult<()>;
    async fn session_by_token(&self, token_hash: &str) -> StoreResult<Option<SessionUser>>;
    async fn touch_session(&self, id: Uuid, at: DateTime<Utc>) -> StoreResult<()>;
    async fn user_sessions(&self, user_id: Uuid, now: DateTime<Utc>) -> StoreResult<Vec<Session>>;
    /// Revokes one of the user's sessions; false when it is not theirs or already gone.
    async fn revoke_session(&self, user_id: Uuid, session_id: Uuid, at: DateTime<Utc>) -> StoreResult<bool>;
}

#[engine_bounds]
#[async_trait]
impl<E> AccountStore for SqlStore<E> {
    async fn create_agency(&self, name: &str) -> StoreResult<Agency> {
        let id = shared::new_id();
        let now = super::now();
        let settings = serde_json::to_string(&AgencySettings::default()).unwrap_or_else(|_| "{}".into());
        sqlx::query::<E>(
            "INSERT INTO agencies (id, name, change_seq, settings, created_at) VALUES ($1, $2, 0, $3, $4)",
        )
        .bind(id)
        .bind(name)
        .bind(settings)
        .bind(now)
        .execute(&mut *self.conn().await?)
        .await
        .map_err(|e| map_unique(e, "une agence porte déjà ce nom"))?;
        Ok(Agency {
            id,
            name: name.to_string(),
            settings: AgencySettings::default(),
            created_at: now,
        })
    }

    async fn agency(&self, id: Uuid) -> StoreResult<Option<Agency>> {
        let row: Option<AgencyRow> =
            sqlx::query_as::<E, AgencyRow>("SELECT id, name, settings, created_at FROM agencies WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        row.map(AgencyRow::into_agency).transpose()
    }

    async fn agency_by_name(&self, name: &str) -> StoreResult<Option<Agency>> {
        let row: Option<AgencyRow> =
            sqlx::query_as::<E, AgencyRow>("SELECT id, name, settings, created_at FROM agencies WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        row.map(AgencyRow::into_agency).transpose()
    }

    async fn create_user(&self, user: NewUser) -> StoreResult<User> {
        let id = shared::new_id();
        let email = user.email.trim().to_lowercase();
        let mut tx = self.begin().await?;
        sqlx::query::<E>(
            "INSERT INTO users (id, agency_id, email, display_name, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(user.agency_id)
        .bind(email.clone())
        .bind(user.display_name.clone())
        .bind(user.role.as_str())
        .bind(user.password_hash.clone())
        .bind(super::now())
        .execute(&mut *tx)
        .await
        .map_err(|e| map_unique(e, "un compte existe déjà avec cet e-mail"))?;
        self.team_changed(&mut tx, user.agency_id).await?;
        tx.commit().await?;
        Ok(User {
            id,
            agency_id: user.agency_id,
            email,
            display_name: user.display_name,
            role: user.role,
            password_hash: user.password_hash,
            disabled: false,
        })
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        let row: Option<UserRow> =
            sqlx::query_as::<E, UserRow>(&format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1"))
                .bind(email.trim().to_lowercase())
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        row.map(UserRow::into_user).transpose()
    }

    async fn agency_users(&self, agency_id: Uuid) -> StoreResult<Vec<AgencyUser>> {
        Self::members_tx(&mut *self.conn().await?, agency_id).await
    }

    async fn set_password(&self, user_id: Uuid, password_hash: &str) -> StoreResult<()> {
        let done = sqlx::query::<E>("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user_id)
            .bind(password_hash)
            .execute(&mut *self.conn().await?)
            .await?;
        if E::rows_affected(&done) == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn set_user_disabled(&self, user_id: Uuid, disabled: bool, at: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let (agency_id,): (Uuid,) =
            sqlx::query_as("UPDATE users SET disabled_at = $2 WHERE id = $1 RETURNING agency_id")
                .bind(user_id)
                .bind(disabled.then_some(at))
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        self.team_changed(&mut tx, agency_id).await?;
        if disabled {
            sqlx::query::<E>("UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
                .bind(user_id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn revoke_user_sessions(&self, user_id: Uuid, at: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query::<E>("UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(user_id)
            .bind(at)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(E::rows_affected(&done))
    }

    async fn create_session(&self, s: NewSession) -> StoreResult<()> {
        sqlx::query::<E>(
            "INSERT INTO sessions (id, token_hash, user_id, agency_id, created_at, last_seen_at, expires_at, user_agent, ip) \
             VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)",
        )
        .bind(s.id)
        .bind(s.token_hash)
        .bind(s.user_id)
        .bind(s.agency_id)
        .bind(s.created_at)
        .bind(s.expires_at)
        .bind(s.user_agent)
        .bind(s.ip)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn session_by_token(&self, token_hash: &str) -> StoreResult<Option<SessionUser>> {
        let row: Option<SessionRow> =
            sqlx::query_as::<E, SessionRow>(&format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1"))
                .bind(token_hash)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let user: Option<UserRow> =
            sqlx::query_as::<E, UserRow>(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
                .bind(row.user_id)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        let Some(user) = user else { return Ok(None) };
        let user = user.into_user()?;
        let (agency_name,): (String,) = sqlx::query_as::<E, (String,)>("SELECT name FROM agencies WHERE id = $1")
            .bind(user.agency_id)
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok(Some(SessionUser {
            session: row.into_session(),
            user,
            agency_name,
        }))
    }

    async fn touch_session(&self, id: Uuid, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query::<E>("UPDATE sessions SET last_seen_at = $2 WHERE id = $1")
            .bind(id)
            .bind(at)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    async fn user_sessions(&self, user_id: Uuid, now: DateTime<Utc>) -> StoreResult<Vec<Session>> {
        let rows: Vec<SessionRow> = sqlx::query_as::<E, SessionRow>(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 AND revoked_at IS NULL ORDER BY last_seen_at DESC"
        ))
        .bind(user_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(SessionRow::into_session)
            .filter(|s| s.expires_at > now)
            .collect())
    }

    async fn revoke_session(&self, user_id: Uuid, session_id: Uuid, at: DateTime<Utc>) -> StoreResult<bool> {
        let done = sqlx::query::<E>(
            "UPDATE sessions SET revoked_at = $3 WHERE id = $2 AND user_id = $1 AND revoked_at IS NULL",
        )
        .bind(user_id)
        .bind(session_id)
        .bind(at)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(E::rows_affected(&done) > 0)
    }
}
