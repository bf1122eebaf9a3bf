//! The steps every writing transaction shares: the agency's change number (with the phone's
//! mutation marked applied), the settings, the visibility of a record, the owner and referrer
//! checks, a user's name. Each takes the caller's connection (a transaction, or a savepoint of
//! a phone's batch), so a write's steps compose in one transaction.

use shared::settings::AgencySettings;
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::contacts::CONTACT_SELECT;
use super::engine::{BatchMark, SqlStore, VISIBLE};
use super::rows::ContactRow;
use super::{Actor, MutationAttempt, Scope, StoreError, StoreResult};

#[engine_bounds]
impl<E> SqlStore<E> {
    /// The agency's next change number(s) for a write the system makes (no user's phone); the
    /// last of them is returned. Within a batch, the counter is bumped once and the numbers
    /// after counted in memory (see `engine::NumberBlock`).
    pub(crate) async fn next_seq(&self, conn: &mut E::Connection, agency_id: Uuid, count: i64) -> StoreResult<i64> {
        if let Some(seq) = self.take_numbers(agency_id, count) {
            return Ok(seq);
        }
        let (seq,): (i64,) =
            sqlx::query_as("UPDATE agencies SET change_seq = change_seq + $2 WHERE id = $1 RETURNING change_seq")
                .bind(agency_id)
                .bind(count)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or(StoreError::NotFound)?;
        self.took_numbers(agency_id, seq);
        Ok(seq)
    }

    /// Before a batch commits: the agency's counter set to the last number the batch gave, and
    /// the phone's last applied mutation to the last one the batch marked.
    pub(crate) async fn store_numbers(&self) -> StoreResult<()> {
        if let Some((agency_id, last)) = self.numbers_to_store() {
            sqlx::query("UPDATE agencies SET change_seq = $2 WHERE id = $1")
                .bind(agency_id)
                .bind(last)
                .execute(&mut *self.conn().await?)
                .await?;
        }
        if let Some((client_id, last, attempt)) = self.marks_to_store() {
            sqlx::query(
                "UPDATE sync_clients SET last_mutation_id = $2, applying = COALESCE($3, applying) WHERE id = $1",
            )
            .bind(client_id)
            .bind(last)
            .bind(attempt)
            .execute(&mut *self.conn().await?)
            .await?;
        }
        Ok(())
    }

    /// Marks the phone's mutation `m` applied by `actor`, in the caller's transaction; `false`
    /// when another try has taken it. Within a batch, only the batch's first mark is a
    /// statement (see `engine::MarkBlock`).
    pub(crate) async fn mark_applied(
        &self,
        conn: &mut E::Connection,
        actor: &Actor,
        m: &MutationAttempt,
    ) -> StoreResult<bool> {
        if self.mark_in_batch(m) != BatchMark::Database {
            return Ok(true);
        }
        let done = sqlx::query(crate::db::sync::MARK_APPLIED)
            .bind(m.client_id)
            .bind(actor.user_id)
            .bind(m.mutation_id)
            .bind(m.attempt)
            .execute(&mut *conn)
            .await?;
        if E::rows_affected(&done) == 0 {
            return Ok(false);
        }
        self.marked_in_database(m);
        Ok(true)
    }

    /// Someone joined the agency, left it or changed role: the settings' change number moves,
    /// so every phone of the agency pulls the team again (with the settings, see
    /// `SyncStore::sync_changes`).
    pub(crate) async fn team_changed(&self, conn: &mut E::Connection, agency_id: Uuid) -> StoreResult<()> {
        let seq = self.next_seq(conn, agency_id, 1).await?;
        sqlx::query("UPDATE agencies SET settings_seq = $2 WHERE id = $1")
            .bind(agency_id)
            .bind(seq)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// [`Self::next_seq`] for a write made by `actor`. When the write applies a phone's
    /// mutation, the mutation is marked applied here, in the same transaction as its
    /// effects: both commit or neither does (exactly once). A try that finds the
    /// mutation taken by another try rolls back with `AlreadyApplied`.
    pub(crate) async fn next_seq_as(&self, conn: &mut E::Connection, actor: &Actor, count: i64) -> StoreResult<i64> {
        let seq = self.next_seq(conn, actor.agency_id, count).await?;
        if let Some(m) = &actor.mutation {
            if !self.mark_applied(conn, actor, m).await? {
                return Err(StoreError::AlreadyApplied);
            }
        }
        Ok(seq)
    }

    /// Gives `seq` to everything that hangs on a record and travels with it in the pull
    /// (meetings, reports, calls and messages, history lines, offers, complaints): the record
    /// just became visible to someone (shared, reassigned) whose phone never had them.
    pub(crate) async fn send_history_again(conn: &mut E::Connection, contact_id: Uuid, seq: i64) -> StoreResult<()> {
        for table in [
            "meetings",
            "visit_reports",
            "interactions",
            "contact_events",
            "offers",
            "complaints",
            "consents",
        ] {
            sqlx::query(&format!("UPDATE {table} SET seq = $2 WHERE contact_id = $1"))
                .bind(contact_id)
                .bind(seq)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    pub(crate) async fn settings_tx(conn: &mut E::Connection, agency_id: Uuid) -> StoreResult<AgencySettings> {
        let (json,): (String,) = sqlx::query_as("SELECT settings FROM agencies WHERE id = $1")
            .bind(agency_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("settings: {e}")))
    }

    /// The agency's active members, by name.
    pub(crate) async fn members_tx(
        conn: &mut E::Connection,
        agency_id: Uuid,
    ) -> StoreResult<Vec<shared::api::AgencyUser>> {
        let rows: Vec<(Uuid, String, String)> = sqlx::query_as::<E, (Uuid, String, String)>(
            "SELECT id, display_name, role FROM users WHERE agency_id = $1 AND disabled_at IS NULL ORDER BY display_name",
        )
        .bind(agency_id)
        .fetch_all(&mut *conn)
        .await?;
        rows.into_iter().map(super::rows::agency_user).collect()
    }

    /// The record's row if it is live and in the scope: what the actor sees, or the whole
    /// agency ([`Scope::agency`]) for a row the rules must read past the actor's view.
    pub(crate) async fn visible_row(
        conn: &mut E::Connection,
        scope: impl Into<Scope>,
        id: Uuid,
    ) -> StoreResult<ContactRow> {
        let scope = scope.into();
        let sql = format!("{CONTACT_SELECT} WHERE c.id = $4 AND {VISIBLE}");
        sqlx::query_as::<_, ContactRow>(&sql)
            .bind(scope.agency_id)
            .bind(scope.whole_agency)
            .bind(scope.user_id)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The record a write names in its `contact_id` field (a meeting's, a task's), if the actor
    /// sees it: else a field error on `contact_id` — the thing written exists, the record it
    /// names does not (for this actor), which is not a 404 of the write's own route.
    pub(crate) async fn named_record(conn: &mut E::Connection, actor: &Actor, id: Uuid) -> StoreResult<ContactRow> {
        Self::visible_row(conn, actor, id).await.map_err(|e| match e {
            StoreError::NotFound => StoreError::Invalid {
                field: "contact_id".into(),
                message: "dossier introuvable".into(),
            },
            e => e,
        })
    }

    /// Whether the actor sees the record (live records only): `NotFound` otherwise.
    pub(crate) async fn check_visible(conn: &mut E::Connection, actor: &Actor, contact_id: Uuid) -> StoreResult<()> {
        let sql = format!("SELECT c.seq FROM contacts c WHERE c.id = $4 AND {VISIBLE}");
        sqlx::query_as::<E, (i64,)>(&sql)
            .bind(actor.agency_id)
            .bind(actor.sees_whole_agency())
            .bind(actor.user_id)
            .bind(contact_id)
            .fetch_optional(&mut *conn)
            .await?
            .map(drop)
            .ok_or(StoreError::NotFound)
    }

    /// The advisor named as owner must be an active user of the agency: their name if so, a
    /// field error on `owner_id` otherwise. Within a batch, asked once per advisor.
    pub(crate) async fn check_owner(
        &self,
        conn: &mut E::Connection,
        agency_id: Uuid,
        owner_id: Uuid,
    ) -> StoreResult<String> {
        if let Some(name) = self.owner_in_batch(agency_id, owner_id) {
            return Ok(name);
        }
        let found: Option<(String,)> =
            sqlx::query_as("SELECT display_name FROM users WHERE id = $1 AND agency_id = $2 AND disabled_at IS NULL")
                .bind(owner_id)
                .bind(agency_id)
                .fetch_optional(&mut *conn)
                .await?;
        let (name,) = found.ok_or(StoreError::Invalid {
            field: "owner_id".into(),
            message: "conseiller inconnu dans l'agence".into(),
        })?;
        self.owner_found(agency_id, owner_id, &name);
        Ok(name)
    }

    /// The referrer named by a record must be a record the actor may see: naming one
    /// would otherwise reveal a colleague's private record through the referral chain.
    pub(crate) async fn check_referrer(
        conn: &mut E::Connection,
        actor: &Actor,
        referrer: Option<Uuid>,
        this: Uuid,
    ) -> StoreResult<()> {
        let Some(r) = referrer else { return Ok(()) };
        if r == this {
            return Err(StoreError::Invalid {
                field: "referred_by".into(),
                message: "un dossier ne peut pas se recommander lui-même".into(),
            });
        }
        match Self::visible_row(conn, actor, r).await {
            Ok(_) => Ok(()),
            Err(StoreError::NotFound) => Err(StoreError::Invalid {
                field: "referred_by".into(),
                message: "prescripteur introuvable".into(),
            }),
            Err(e) => Err(e),
        }
    }

    /// A user's display name (the author of a history line).
    pub(crate) async fn user_name(conn: &mut E::Connection, user_id: Uuid) -> StoreResult<String> {
        let (name,): (String,) = sqlx::query_as::<E, (String,)>("SELECT display_name FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?;
        Ok(name)
    }
}
