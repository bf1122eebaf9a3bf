//! Storage of offline sync: the phones (sync clients) with the last mutation applied for
//! each, the refused mutations, and the pull — every change a user may see after a cursor.
//!
//! Applying a mutation is not here: mutations run the same store methods as the REST routes,
//! and the transaction that writes their effects marks them applied (`next_seq_as` in
//! [`super::tx`]). This module only reads and records around that.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shared::record::{display_name, Contact, ContactInput, ContactKind};
use shared::sync::merge::{merge_contact, with_field};
use shared::sync::{Change, Conflict, Refusal, RefusedMutation};
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::contacts::CONTACT_SELECT;
use super::engine::SqlStore;
use super::meetings::{MeetingRow, MEETING_SELECT};
use super::rows::ContactRow;
use super::tasks::{TaskRow, TASK_SELECT};
use super::{Actor, ContactFields, StoreError, StoreResult};
use crate::time::AgencyTime;

/// Marks a phone's mutation applied: `$1` client, `$2` user, `$3` mutation id, `$4` the try.
/// Only the next id after the last applied one, or the same try again (a mutation whose
/// effects take several writes); a racing try of the same mutation matches no row.
pub const MARK_APPLIED: &str =
    "UPDATE sync_clients SET last_mutation_id = $3, applying = $4 WHERE id = $1 AND user_id = $2 \
     AND (last_mutation_id = $3 - 1 OR (last_mutation_id = $3 AND applying = $4))";

/// One page of a pull.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncPage {
    pub changes: Vec<Change>,
    /// Where the next pull starts.
    pub cursor: i64,
    pub has_more: bool,
    /// The cursor is ahead of this database (a restored backup, another server).
    pub reset: bool,
}

#[async_trait]
pub trait SyncStore: Send + Sync {
    /// The client's last applied mutation id; registers the client to the actor on first use.
    /// Another user's client id is `Forbidden`.
    async fn sync_client(&self, actor: &Actor, client_id: Uuid, now: DateTime<Utc>) -> StoreResult<i64>;
    /// The client's last applied mutation id, if the client is known (and the actor's).
    async fn sync_client_state(&self, actor: &Actor, client_id: Uuid) -> StoreResult<Option<i64>>;
    /// Marks the actor's mutation applied in a transaction of its own — for a mutation that
    /// wrote nothing, or was refused (then the refusal is kept with it). False when another
    /// try had already taken it.
    async fn record_mutation(&self, actor: &Actor, refusal: Option<&Refusal>) -> StoreResult<bool>;
    /// The client's refused mutations, oldest first (the last 200).
    async fn sync_refusals(&self, actor: &Actor, client_id: Uuid) -> StoreResult<Vec<RefusedMutation>>;
    /// The changes after `cursor` that the actor may see, at most about `limit` (a write's
    /// rows are never split across pages).
    async fn sync_changes(&self, actor: &Actor, cursor: i64, limit: u32, time: &AgencyTime) -> StoreResult<SyncPage>;
    /// A phone's edit of a record, started from `base`, merged field by field with the record
    /// as it is (`shared::sync::merge`), in one transaction: the merged values are written and
    /// a conflict is opened for each field both sides changed differently.
    async fn merge_contact(
        &self,
        actor: &Actor,
        id: Uuid,
        base: &ContactInput,
        mine: &ContactInput,
        mine_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<(Contact, Vec<Conflict>)>;
    /// Settles a conflict: the record's field takes `value` (validated as any edit) and the
    /// conflict is closed. Only the people involved and managers may.
    async fn resolve_conflict(
        &self,
        actor: &Actor,
        id: Uuid,
        value: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> StoreResult<Conflict>;
}

/// Columns of a conflict with the names shown beside its values.
pub const CONFLICT_SELECT: &str = "SELECT f.id, f.contact_id, c.kind AS contact_kind, c.first_name, c.last_name, \
     c.company_name, f.field, f.base, f.mine, f.mine_by, um.display_name AS mine_by_name, f.mine_at, f.theirs, f.theirs_by, \
     ut.display_name AS theirs_by_name, f.theirs_at, f.resolved_at, f.resolved_by, f.resolution, f.seq \
     FROM conflicts f JOIN contacts c ON c.id = f.contact_id JOIN users um ON um.id = f.mine_by \
     JOIN users ut ON ut.id = f.theirs_by";

#[derive(Debug, sqlx::FromRow)]
pub struct ConflictRow {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub contact_kind: String,
    pub first_name: String,
    pub last_name: String,
    pub company_name: String,
    pub field: String,
    pub base: String,
    pub mine: String,
    pub mine_by: Uuid,
    pub mine_by_name: String,
    pub mine_at: DateTime<Utc>,
    pub theirs: String,
    pub theirs_by: Uuid,
    pub theirs_by_name: String,
    pub theirs_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<Uuid>,
    pub resolution: Option<String>,
    pub seq: i64,
}

impl ConflictRow {
    /// Whether `actor` is involved in it (or manages the agency).
    pub fn involves(&self, actor: &Actor) -> bool {
        actor.sees_whole_agency() || self.mine_by == actor.user_id || self.theirs_by == actor.user_id
    }

    pub fn into_conflict(self) -> StoreResult<Conflict> {
        let json = |s: &str| {
            serde_json::from_str(s).map_err(|e| super::StoreError::Corrupt(format!("conflict {}: {e}", self.id)))
        };
        let kind = ContactKind::parse(&self.contact_kind)
            .ok_or_else(|| super::StoreError::Corrupt(format!("kind {:?}", self.contact_kind)))?;
        Ok(Conflict {
            id: self.id,
            contact_id: self.contact_id,
            contact_name: display_name(kind, &self.first_name, &self.last_name, &self.company_name),
            field: self.field.clone(),
            base: json(&self.base)?,
            mine: json(&self.mine)?,
            mine_by: self.mine_by,
            mine_by_name: self.mine_by_name.clone(),
            mine_at: self.mine_at,
            theirs: json(&self.theirs)?,
            theirs_by: self.theirs_by,
            theirs_by_name: self.theirs_by_name.clone(),
            theirs_at: self.theirs_at,
            resolved_at: self.resolved_at,
            resolved_by: self.resolved_by,
            resolution: self.resolution.as_deref().map(json).transpose()?,
            seq: self.seq,
        })
    }
}

/// The tables whose rows travel in the pull, each with its `seq` and an `(agency_id, seq)`
/// index.
const PULLED_TABLES: [&str; 10] = [
    "contacts",
    "meetings",
    "tasks",
    "conflicts",
    "offers",
    "complaints",
    "visit_reports",
    "interactions",
    "contact_events",
    "consents",
];

/// Where a page of changes ends: the `limit`-th smallest change number among the candidates
/// (each kind gives at most `limit + 1`), or the agency's last committed one when no more than
/// `limit` follow. Returns `(upper, has_more)`; `has_more` may be true for a page after which
/// nothing follows (a write with more rows than the limit), never false when something does.
pub fn page_end(mut candidates: Vec<i64>, limit: usize, agency_seq: i64) -> (i64, bool) {
    candidates.sort_unstable();
    match candidates.get(limit.saturating_sub(1)) {
        Some(&upper) if candidates.len() > limit => (upper, true),
        _ => (agency_seq, false),
    }
}

#[engine_bounds]
#[async_trait::async_trait]
impl<E> SyncStore for SqlStore<E> {
    async fn sync_client(&self, actor: &Actor, client_id: Uuid, now: DateTime<Utc>) -> StoreResult<i64> {
        sqlx::query(
            "INSERT INTO sync_clients (id, user_id, agency_id, last_mutation_id, created_at) VALUES ($1, $2, $3, 0, $4) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(client_id)
        .bind(actor.user_id)
        .bind(actor.agency_id)
        .bind(now)
        .execute(&mut *self.conn().await?)
        .await?;
        match self.sync_client_state(actor, client_id).await? {
            Some(last) => Ok(last),
            None => Err(StoreError::Forbidden(
                "cet appareil est enregistré au nom d'un autre utilisateur",
            )),
        }
    }

    async fn sync_client_state(&self, actor: &Actor, client_id: Uuid) -> StoreResult<Option<i64>> {
        let row: Option<(Uuid, i64)> =
            sqlx::query_as("SELECT user_id, last_mutation_id FROM sync_clients WHERE id = $1")
                .bind(client_id)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        match row {
            None => Ok(None),
            Some((user, last)) if user == actor.user_id => Ok(Some(last)),
            Some(_) => Err(StoreError::Forbidden(
                "cet appareil est enregistré au nom d'un autre utilisateur",
            )),
        }
    }

    async fn record_mutation(&self, actor: &Actor, refusal: Option<&Refusal>) -> StoreResult<bool> {
        let Some(m) = actor.mutation else { return Ok(false) };
        let mut tx = self.begin().await?;
        if !self.mark_applied(&mut tx, actor, &m).await? {
            return Ok(false);
        }
        if let Some(r) = refusal {
            let fields = serde_json::to_string(&r.fields).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            sqlx::query(
                "INSERT INTO sync_refusals (client_id, mutation_id, name, error, detail, fields, mutation, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (client_id, mutation_id) DO NOTHING",
            )
            .bind(m.client_id)
            .bind(m.mutation_id)
            .bind(&r.name)
            .bind(&r.error)
            .bind(&r.detail)
            .bind(fields)
            .bind(r.mutation.to_string())
            .bind(r.at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn sync_refusals(&self, actor: &Actor, client_id: Uuid) -> StoreResult<Vec<RefusedMutation>> {
        type RefusalRow = (i64, String, String, String, String, String, DateTime<Utc>);
        let rows: Vec<RefusalRow> = sqlx::query_as(
            "SELECT r.mutation_id, r.name, r.error, r.detail, r.fields, r.mutation, r.at FROM sync_refusals r \
             JOIN sync_clients c ON c.id = r.client_id WHERE r.client_id = $1 AND c.user_id = $2 \
             ORDER BY r.mutation_id DESC LIMIT 200",
        )
        .bind(client_id)
        .bind(actor.user_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let mut out = rows
            .into_iter()
            .map(|(id, name, error, detail, fields, mutation, at)| {
                let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("refusal {id}: {e}"));
                Ok(RefusedMutation {
                    id,
                    refusal: Refusal {
                        name,
                        error,
                        detail,
                        fields: serde_json::from_str(&fields).map_err(corrupt)?,
                        mutation: serde_json::from_str(&mutation).map_err(corrupt)?,
                        at,
                    },
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        out.reverse();
        Ok(out)
    }

    async fn sync_changes(&self, actor: &Actor, cursor: i64, limit: u32, time: &AgencyTime) -> StoreResult<SyncPage> {
        let limit = limit.clamp(1, shared::sync::MAX_PULL_LIMIT) as i64;
        let mut tx = self.begin().await?;
        // The agency's last committed change number first: a write committing later
        // takes a larger one (the agency row serialises writers), so nothing at or
        // below it can still appear after this page is read.
        let (agency_seq, settings_seq): (i64, i64) =
            sqlx::query_as("SELECT change_seq, settings_seq FROM agencies WHERE id = $1")
                .bind(actor.agency_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        // Ahead of the server (a restored backup, another server): the phone starts again.
        if cursor > agency_seq {
            return Ok(SyncPage {
                changes: Vec::new(),
                cursor: 0,
                has_more: false,
                reset: true,
            });
        }
        let mut candidates = Vec::new();
        for table in PULLED_TABLES {
            let sql = format!(
                "SELECT seq FROM {table} WHERE agency_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4"
            );
            let seqs: Vec<(i64,)> = sqlx::query_as(&sql)
                .bind(actor.agency_id)
                .bind(cursor)
                .bind(agency_seq)
                .bind(limit + 1)
                .fetch_all(&mut *tx)
                .await?;
            candidates.extend(seqs.into_iter().map(|(s,)| s));
        }
        if settings_seq > cursor {
            candidates.push(settings_seq);
        }
        let (upper, has_more) = page_end(candidates, limit as usize, agency_seq);

        let whole = actor.sees_whole_agency();
        let shared_with_me: std::collections::HashSet<Uuid> = if whole {
            Default::default()
        } else {
            let rows: Vec<(Uuid,)> =
                sqlx::query_as("SELECT contact_id FROM contact_shares WHERE user_id = $1 AND agency_id = $2")
                    .bind(actor.user_id)
                    .bind(actor.agency_id)
                    .fetch_all(&mut *tx)
                    .await?;
            rows.into_iter().map(|(id,)| id).collect()
        };
        let sees = |owner: Uuid, contact: Uuid| whole || owner == actor.user_id || shared_with_me.contains(&contact);

        let mut changes = Vec::new();
        // The settings and the team: in a first pull (whatever their number), and after each
        // change of either.
        if cursor == 0 || (settings_seq > cursor && settings_seq <= upper) {
            changes.push(Change::Settings {
                seq: settings_seq,
                settings: Box::new(Self::settings_tx(&mut tx, actor.agency_id).await?),
            });
            changes.push(Change::Team {
                seq: settings_seq,
                members: Self::members_tx(&mut tx, actor.agency_id).await?,
            });
        }
        let sql = format!("{CONTACT_SELECT} WHERE c.agency_id = $1 AND c.seq > $2 AND c.seq <= $3");
        let rows: Vec<ContactRow> = sqlx::query_as(&sql)
            .bind(actor.agency_id)
            .bind(cursor)
            .bind(upper)
            .fetch_all(&mut *tx)
            .await?;
        for row in rows {
            let c = row.into_contact()?;
            changes.push(if sees(c.owner_id, c.id) {
                Change::Contact(Box::new(c))
            } else {
                // Not necessarily ever on this phone: the phone ignores an unknown id.
                Change::ContactRemoved { id: c.id, seq: c.seq }
            });
        }
        let sql =
            format!("{MEETING_SELECT} WHERE m.agency_id = $1 AND m.seq > $2 AND m.seq <= $3 AND m.deleted_at IS NULL");
        let rows: Vec<MeetingRow> = sqlx::query_as(&sql)
            .bind(actor.agency_id)
            .bind(cursor)
            .bind(upper)
            .fetch_all(&mut *tx)
            .await?;
        for row in rows {
            if whole || row.owner_id == actor.user_id || sees(row.contact_owner_id, row.contact_id) {
                changes.push(Change::Meeting(Box::new(row.into_meeting(time)?)));
            }
        }
        let sql =
            format!("{TASK_SELECT} WHERE t.agency_id = $1 AND t.seq > $2 AND t.seq <= $3 AND t.deleted_at IS NULL");
        let rows: Vec<TaskRow> = sqlx::query_as(&sql)
            .bind(actor.agency_id)
            .bind(cursor)
            .bind(upper)
            .fetch_all(&mut *tx)
            .await?;
        for row in rows {
            if whole || row.owner_id == actor.user_id {
                changes.push(Change::Task(Box::new(row.into_task()?)));
            }
        }
        let gone: Vec<(Uuid, i64, Uuid)> = sqlx::query_as(
            "SELECT id, seq, owner_id FROM tasks WHERE agency_id = $1 AND seq > $2 AND seq <= $3 AND deleted_at IS NOT NULL",
        )
        .bind(actor.agency_id)
        .bind(cursor)
        .bind(upper)
        .fetch_all(&mut *tx)
        .await?;
        for (id, seq, owner) in gone {
            if whole || owner == actor.user_id {
                changes.push(Change::TaskRemoved { id, seq });
            }
        }
        for complaint in Self::complaints_changed(&mut tx, actor.agency_id, cursor, upper).await? {
            if sees(complaint.owner_id, complaint.contact_id) {
                changes.push(Change::Complaint(Box::new(complaint)));
            }
        }
        for (offer, owner) in Self::offers_changed(&mut tx, actor.agency_id, cursor, upper).await? {
            if sees(owner, offer.contact_id) {
                changes.push(Change::Offer(Box::new(offer)));
            }
        }
        for pulled in Self::reports_changed(&mut tx, actor.agency_id, cursor, upper).await? {
            if pulled.author_id == actor.user_id || sees(pulled.contact_owner_id, pulled.report.contact_id) {
                changes.push(Change::Report(Box::new(pulled.report)));
            }
        }
        for (interaction, owner) in Self::interactions_changed(&mut tx, actor.agency_id, cursor, upper).await? {
            if sees(owner, interaction.contact_id) {
                changes.push(Change::Interaction(Box::new(interaction)));
            }
        }
        for (consent, owner) in Self::consents_changed(&mut tx, actor.agency_id, cursor, upper).await? {
            if sees(owner, consent.contact_id) {
                changes.push(Change::Consent(Box::new(consent)));
            }
        }
        for (event, owner) in Self::events_changed(&mut tx, actor.agency_id, cursor, upper).await? {
            if sees(owner, event.contact_id) {
                changes.push(Change::Event(Box::new(event)));
            }
        }
        let sql = format!("{CONFLICT_SELECT} WHERE f.agency_id = $1 AND f.seq > $2 AND f.seq <= $3");
        let rows: Vec<ConflictRow> = sqlx::query_as(&sql)
            .bind(actor.agency_id)
            .bind(cursor)
            .bind(upper)
            .fetch_all(&mut *tx)
            .await?;
        for row in rows {
            if row.involves(actor) {
                changes.push(Change::Conflict(Box::new(row.into_conflict()?)));
            }
        }
        tx.commit().await?;
        changes.sort_by_key(|c| c.seq());
        Ok(SyncPage {
            changes,
            cursor: upper,
            has_more,
            reset: false,
        })
    }

    async fn merge_contact(
        &self,
        actor: &Actor,
        id: Uuid,
        base: &ContactInput,
        mine: &ContactInput,
        mine_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<(Contact, Vec<Conflict>)> {
        // The phone's values as the forms store them (trimmed, numbers in E.164), so
        // that a value typed differently but equal is no change.
        let mine = mine.clone().validate().map_err(StoreError::Validation)?.stored_input();
        let base = base
            .clone()
            .validate()
            .map(|v| v.stored_input())
            .unwrap_or_else(|_| base.clone());
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        let row = Self::visible_row(&mut tx, actor, id).await?;
        let current = row.clone().into_contact()?;
        let merged = merge_contact(&base, &mine, &current.to_input());
        let valid = merged.input.validate().map_err(StoreError::Validation)?;
        let contact = self
            .write_contact_edit(&mut tx, actor, id, &row, &ContactFields::from_valid(&valid), seq, now)
            .await?;
        let mut ids = Vec::new();
        for c in &merged.conflicts {
            let cid = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO conflicts (id, agency_id, contact_id, field, base, mine, mine_by, mine_at, theirs, theirs_by, theirs_at, seq) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(cid)
            .bind(actor.agency_id)
            .bind(id)
            .bind(&c.field)
            .bind(c.base.to_string())
            .bind(c.mine.to_string())
            .bind(actor.user_id)
            .bind(mine_at)
            .bind(c.theirs.to_string())
            .bind(current.updated_by)
            .bind(current.updated_at)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
            ids.push(cid);
        }
        let mut conflicts = Vec::new();
        for cid in ids {
            let sql = format!("{CONFLICT_SELECT} WHERE f.id = $1");
            let row: ConflictRow = sqlx::query_as(&sql).bind(cid).fetch_one(&mut *tx).await?;
            conflicts.push(row.into_conflict()?);
        }
        tx.commit().await?;
        Ok((contact, conflicts))
    }

    async fn resolve_conflict(
        &self,
        actor: &Actor,
        id: Uuid,
        value: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> StoreResult<Conflict> {
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        let sql = format!("{CONFLICT_SELECT} WHERE f.id = $1 AND f.agency_id = $2");
        let conflict: ConflictRow = sqlx::query_as(&sql)
            .bind(id)
            .bind(actor.agency_id)
            .fetch_optional(&mut *tx)
            .await?
            .filter(|c: &ConflictRow| c.involves(actor))
            .ok_or(StoreError::NotFound)?;
        if conflict.resolved_at.is_some() {
            return Err(StoreError::Conflict("ce conflit a déjà été tranché".into()));
        }
        let row = Self::visible_row(&mut tx, actor, conflict.contact_id).await?;
        let current = row.clone().into_contact()?;
        let invalid = |message: &str| StoreError::Invalid {
            field: conflict.field.clone().into(),
            message: message.into(),
        };
        let input = with_field(&current.to_input(), &conflict.field, value)
            .ok_or_else(|| invalid("valeur qui ne convient pas à ce champ"))?;
        let valid = input.validate().map_err(StoreError::Validation)?;
        self.write_contact_edit(
            &mut tx,
            actor,
            conflict.contact_id,
            &row,
            &ContactFields::from_valid(&valid),
            seq,
            now,
        )
        .await?;
        sqlx::query("UPDATE conflicts SET resolved_at = $2, resolved_by = $3, resolution = $4, seq = $5 WHERE id = $1")
            .bind(id)
            .bind(now)
            .bind(actor.user_id)
            .bind(value.to_string())
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        let sql = format!("{CONFLICT_SELECT} WHERE f.id = $1");
        let row: ConflictRow = sqlx::query_as(&sql).bind(id).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        row.into_conflict()
    }
}

#[cfg(test)]
mod tests {
    use super::page_end;

    #[test]
    fn a_page_ends_at_the_limit_without_splitting_a_write() {
        // Fewer than the limit: up to the agency's last change, nothing more.
        assert_eq!(page_end(vec![3, 1, 2], 5, 9), (9, false));
        // More: the limit-th smallest, more to come.
        assert_eq!(page_end(vec![5, 1, 2, 3, 4], 3, 9), (3, true));
        // Rows of one write share its number: the page takes them all, and says whether
        // anything beyond follows.
        assert_eq!(page_end(vec![1, 2, 2, 3], 2, 9), (2, true));
        assert_eq!(page_end(vec![1, 2, 2, 2], 2, 9), (2, true), "maybe more: pull again");
    }
}
