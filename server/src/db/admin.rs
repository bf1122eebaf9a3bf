//! The agency's people, managed in the app (issue 11): users invited with a one-time link,
//! roles, and a departing advisor's portfolio handed to others — records, open tasks, coming
//! meetings, each record's history saying who had it. For both engines; every act is written
//! in the audit log by the caller (`PrivacyStore::add_audit`) in the same request.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shared::api::Role;
use sqlx::{Encode, Executor, FromRow, IntoArguments, Type};
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::engine::{map_unique, Engine, SqlStore};
use super::{Actor, StoreError, StoreResult};

/// A user as the team screen shows them.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct TeamMember {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub disabled_at: Option<DateTime<Utc>>,
    /// No password chosen yet (an invitation waits).
    pub invited: bool,
    /// Live records in their portfolio.
    pub records: i64,
}

/// A user to invite, and the hash of their link's secret.
#[derive(Debug, Clone, Copy)]
pub struct NewInvitation<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub token_hash: &'a str,
    pub expires_at: DateTime<Utc>,
}

/// What a handover moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, utoipa::ToSchema)]
pub struct Handover {
    pub records: u64,
    pub tasks: u64,
    pub meetings: u64,
}

#[async_trait]
pub trait AdminStore: Send + Sync {
    async fn team(&self, actor: &Actor) -> StoreResult<Vec<TeamMember>>;
    /// A user with no password yet, and their invitation (`token_hash` of the link's secret).
    async fn invite_user(&self, actor: &Actor, invite: &NewInvitation<'_>, now: DateTime<Utc>) -> StoreResult<Uuid>;
    /// A new link for a user of the agency; the earlier ones stop working.
    async fn reinvite_user(
        &self,
        actor: &Actor,
        user_id: Uuid,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Uses an invitation: the user's password becomes `password_hash`, their sessions end,
    /// the link is spent. Returns the user's e-mail (to sign them in).
    async fn accept_invitation(&self, token_hash: &str, password_hash: &str, now: DateTime<Utc>)
        -> StoreResult<String>;
    /// A user of the actor's agency (`NotFound` otherwise).
    async fn check_member(&self, actor: &Actor, user_id: Uuid) -> StoreResult<TeamMember>;
    async fn set_role(&self, actor: &Actor, user_id: Uuid, role: Role) -> StoreResult<()>;
    /// Hands every live record of `from` to `to` (in turn, by name), with their open tasks and
    /// coming meetings; one history line on each record.
    async fn hand_over(&self, actor: &Actor, from: Uuid, to: &[Uuid], now: DateTime<Utc>) -> StoreResult<Handover>;
}

const TEAM: &str = "SELECT u.id, u.email, u.display_name, u.role, u.disabled_at, u.password_hash = '' AS invited, \
     (SELECT COUNT(*) FROM contacts c WHERE c.owner_id = u.id AND c.deleted_at IS NULL) AS records FROM users u";

#[engine_bounds]
#[async_trait]
impl<E> AdminStore for SqlStore<E> {
    async fn team(&self, actor: &Actor) -> StoreResult<Vec<TeamMember>> {
        Ok(
            sqlx::query_as::<E, TeamMember>(&format!("{TEAM} WHERE u.agency_id = $1 ORDER BY u.display_name"))
                .bind(actor.agency_id)
                .fetch_all(&mut *self.conn().await?)
                .await?,
        )
    }

    async fn invite_user(&self, actor: &Actor, invite: &NewInvitation<'_>, now: DateTime<Utc>) -> StoreResult<Uuid> {
        let NewInvitation {
            email,
            display_name,
            role,
            token_hash,
            expires_at,
        } = *invite;
        let mut tx = self.begin().await?;
        let id = shared::new_id();
        sqlx::query::<E>(
            "INSERT INTO users (id, agency_id, email, display_name, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, '', $6)",
        )
        .bind(id)
        .bind(actor.agency_id)
        .bind(email.to_string())
        .bind(display_name.to_string())
        .bind(role.as_str().to_string())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| map_unique(e, "un utilisateur a déjà cette adresse e-mail"))?;
        insert_invitation::<E>(&mut tx, actor, id, token_hash, expires_at, now).await?;
        self.team_changed(&mut tx, actor.agency_id).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn reinvite_user(
        &self,
        actor: &Actor,
        user_id: Uuid,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.check_member(actor, user_id).await?;
        let mut tx = self.begin().await?;
        sqlx::query::<E>("UPDATE invitations SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        insert_invitation::<E>(&mut tx, actor, user_id, token_hash, expires_at, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn accept_invitation(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<String> {
        let mut tx = self.begin().await?;
        let found = sqlx::query_as::<E, (Uuid, Uuid, Option<DateTime<Utc>>, DateTime<Utc>, Option<DateTime<Utc>>)>(
            "SELECT i.user_id, i.agency_id, i.used_at, i.expires_at, u.disabled_at FROM invitations i \
             JOIN users u ON u.id = i.user_id WHERE i.token_hash = $1",
        )
        .bind(token_hash.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((user_id, _, used_at, expires_at, disabled_at)) = found else {
            return Err(StoreError::NotFound);
        };
        if used_at.is_some() || expires_at < now || disabled_at.is_some() {
            return Err(StoreError::Conflict(
                "ce lien a déjà servi ou a expiré : demandez-en un nouveau à votre chef d'agence".into(),
            ));
        }
        sqlx::query::<E>("UPDATE invitations SET used_at = $2 WHERE token_hash = $1")
            .bind(token_hash.to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query::<E>("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user_id)
            .bind(password_hash.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query::<E>("UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL")
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let (email,): (String,) = sqlx::query_as::<E, (String,)>("SELECT email FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(email)
    }

    async fn check_member(&self, actor: &Actor, user_id: Uuid) -> StoreResult<TeamMember> {
        sqlx::query_as::<E, TeamMember>(&format!("{TEAM} WHERE u.agency_id = $1 AND u.id = $2"))
            .bind(actor.agency_id)
            .bind(user_id)
            .fetch_optional(&mut *self.conn().await?)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn set_role(&self, actor: &Actor, user_id: Uuid, role: Role) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query::<E>("UPDATE users SET role = $3 WHERE id = $1 AND agency_id = $2")
            .bind(user_id)
            .bind(actor.agency_id)
            .bind(role.as_str().to_string())
            .execute(&mut *tx)
            .await?;
        let (managers,): (i64,) = sqlx::query_as::<E, (i64,)>(
            "SELECT COUNT(*) FROM users WHERE agency_id = $1 AND role = 'manager' AND disabled_at IS NULL",
        )
        .bind(actor.agency_id)
        .fetch_one(&mut *tx)
        .await?;
        if managers == 0 {
            return Err(StoreError::Conflict(
                "l'agence doit garder un chef d'agence actif".into(),
            ));
        }
        // A role seen by the phone at its next call: sessions stay.
        self.team_changed(&mut tx, actor.agency_id).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn hand_over(&self, actor: &Actor, from: Uuid, to: &[Uuid], now: DateTime<Utc>) -> StoreResult<Handover> {
        let mut tx = self.begin().await?;
        let mut names = Vec::new();
        for user in to {
            let found = sqlx::query_as::<E, (Uuid, String)>(
                "SELECT id, display_name FROM users WHERE id = $1 AND agency_id = $2 AND disabled_at IS NULL",
            )
            .bind(*user)
            .bind(actor.agency_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::Invalid {
                field: "to".into(),
                message: "conseiller inconnu ou désactivé dans l'agence".into(),
            })?;
            names.push(found.1);
        }
        let (from_name,): (String,) =
            sqlx::query_as::<E, (String,)>("SELECT display_name FROM users WHERE id = $1 AND agency_id = $2")
                .bind(from)
                .bind(actor.agency_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        let records: Vec<(Uuid,)> = sqlx::query_as::<E, (Uuid,)>(
            "SELECT id FROM contacts WHERE agency_id = $1 AND owner_id = $2 AND deleted_at IS NULL ORDER BY sort_key, id",
        )
        .bind(actor.agency_id)
        .bind(from)
        .fetch_all(&mut *tx)
        .await?;
        let mut done = Handover::default();
        if records.is_empty() || to.is_empty() {
            tx.commit().await?;
            return Ok(done);
        }
        let n = records.len() as i64;
        // Each record, its open tasks and coming meetings move with one change number each.
        let last = self.next_seq_as(&mut tx, actor, n * 3).await?;
        let mut seq = last - n * 3;
        for (i, (id,)) in records.iter().enumerate() {
            let k = i % to.len();
            let (new_owner, name) = (to[k], &names[k]);
            seq += 1;
            sqlx::query::<E>(
                "UPDATE contacts SET owner_id = $2, updated_at = $3, updated_by = $4, seq = $5 WHERE id = $1",
            )
            .bind(*id)
            .bind(new_owner)
            .bind(now)
            .bind(actor.user_id)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
            Self::send_history_again(&mut tx, *id, seq).await?;
            sqlx::query::<E>("DELETE FROM contact_shares WHERE contact_id = $1 AND user_id = $2")
                .bind(*id)
                .bind(new_owner)
                .execute(&mut *tx)
                .await?;
            sqlx::query::<E>(
                "INSERT INTO contact_events (id, agency_id, contact_id, at, kind, title, detail, author_id, ref_id, seq) \
                 VALUES ($1, $2, $3, $4, 'edit', $5, $6, $7, NULL, $8)",
            )
            .bind(shared::new_id())
            .bind(actor.agency_id)
            .bind(*id)
            .bind(now)
            .bind(format!("Dossier confié à {name}"))
            .bind(format!("portefeuille de {from_name}, transmis par le chef d'agence"))
            .bind(actor.user_id)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
            seq += 1;
            let moved = sqlx::query::<E>(
                "UPDATE tasks SET owner_id = $2, updated_at = $3, seq = $4 \
                 WHERE contact_id = $1 AND owner_id = $5 AND done_at IS NULL AND deleted_at IS NULL",
            )
            .bind(*id)
            .bind(new_owner)
            .bind(now)
            .bind(seq)
            .bind(from)
            .execute(&mut *tx)
            .await?;
            done.tasks += E::rows_affected(&moved);
            seq += 1;
            let moved = sqlx::query::<E>(
                "UPDATE meetings SET owner_id = $2, updated_at = $3, updated_by = $4, seq = $5 \
                 WHERE contact_id = $1 AND owner_id = $6 AND status = 'planned' AND starts_at >= $3 AND deleted_at IS NULL",
            )
            .bind(*id)
            .bind(new_owner)
            .bind(now)
            .bind(actor.user_id)
            .bind(seq)
            .bind(from)
            .execute(&mut *tx)
            .await?;
            done.meetings += E::rows_affected(&moved);
            done.records += 1;
        }
        tx.commit().await?;
        Ok(done)
    }
}

async fn insert_invitation<E>(
    conn: &mut E::Connection,
    actor: &Actor,
    user_id: Uuid,
    token_hash: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<()>
where
    E: Engine,
    for<'q> E::Arguments<'q>: IntoArguments<'q, E>,
    for<'c> &'c mut E::Connection: Executor<'c, Database = E>,
    Uuid: for<'q> Encode<'q, E> + Type<E>,
    String: for<'q> Encode<'q, E> + Type<E>,
    DateTime<Utc>: for<'q> Encode<'q, E> + Type<E>,
{
    sqlx::query::<E>(
        "INSERT INTO invitations (token_hash, user_id, agency_id, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash.to_string())
    .bind(user_id)
    .bind(actor.agency_id)
    .bind(actor.user_id)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
