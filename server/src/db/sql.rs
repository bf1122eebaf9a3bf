//! The SQL both engines share, as one macro that implements [`Store`](super::Store) for a
//! store type over a given sqlx database.
//!
//! Writes follow one rule: the first statement of every writing transaction bumps the
//! agency's change counter (`next_seq`). On PostgreSQL that row lock serialises the agency's
//! writers until commit, so sequence order is commit order and a reader pulling "changes
//! after N" can never miss a change that commits later with a smaller number; on SQLite
//! there is one writer at a time anyway. Checks that depend on the current state (expected
//! version, stage rules) run after the bump, under that lock.

use chrono::{DateTime, NaiveDate, Utc};
use shared::api::{AgencyUser, ContactQuery, DueKind, DuplicateMatch, Role};
use shared::record::{display_name, Contact, ContactKind};
use shared::settings::AgencySettings;
use shared::stage::{StageChange, StageTransition, TransitionKind};
use shared::visit::EventKind;
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Pool, Type};
use uuid::Uuid;

use super::builder::Sql;
use super::engine::{map_unique, Engine, SqlStore, Tx};
use super::rows::{enum_str, prefix_end, search_terms, ContactRow, Derived, TransitionRow};
use super::{Actor, ContactFields, DuplicateKeys, Store, StoreError, StoreResult};

pub const CONTACT_SELECT: &str =
    "SELECT c.*, u.display_name AS owner_name FROM contacts c JOIN users u ON u.id = c.owner_id";

/// ` t.contact_id FROM contact_terms t WHERE …`: the records with a word starting with
/// `word`, as one range of the word index.
fn push_word_range<E: Engine>(qb: &mut Sql<E>, agency_id: Uuid, word: &str, also: &[String]) {
    qb.push(" t.contact_id FROM contact_terms t WHERE t.agency_id = ")
        .push_bind(agency_id)
        .push(" AND t.term >= ")
        .push_bind(word.to_string())
        .push(" AND t.term < ")
        .push_bind(prefix_end(word));
    // The index's words one typo away from the word typed (the second try): a UNION,
    // not an OR, so that each part stays a range of the index.
    if !also.is_empty() {
        qb.push(" UNION SELECT t.contact_id FROM contact_terms t WHERE t.agency_id = ")
            .push_bind(agency_id)
            .push(" AND t.term IN (");
        qb.push_list(also, ", ", |qb, term| {
            qb.push_bind(term);
        });
        qb.push(")");
    }
}

impl<E> SqlStore<E>
where
    E: Engine,
    for<'q> E::Arguments<'q>: IntoArguments<'q, E>,
    for<'c> &'c Pool<E>: Executor<'c, Database = E>,
    for<'c> &'c mut E::Connection: Executor<'c, Database = E>,
    usize: ColumnIndex<E::Row>,
    for<'a> &'a str: ColumnIndex<E::Row>,
    for<'q> &'q str: Encode<'q, E> + Type<E>,
    Uuid: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    String: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    i64: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    f64: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    bool: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    DateTime<Utc>: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    NaiveDate: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    Option<Uuid>: for<'q> Encode<'q, E>,
    Option<String>: for<'q> Encode<'q, E>,
    for<'q> Option<&'q str>: Encode<'q, E>,
    Option<i64>: for<'q> Encode<'q, E>,
    Option<f64>: for<'q> Encode<'q, E>,
    Option<bool>: for<'q> Encode<'q, E>,
    Option<DateTime<Utc>>: for<'q> Encode<'q, E>,
    Option<NaiveDate>: for<'q> Encode<'q, E>,
{
    pub(crate) async fn next_seq(tx: &mut Tx<'_, E>, agency_id: Uuid, count: i64) -> StoreResult<i64> {
        let (seq,): (i64,) =
            sqlx::query_as("UPDATE agencies SET change_seq = change_seq + $2 WHERE id = $1 RETURNING change_seq")
                .bind(agency_id)
                .bind(count)
                .fetch_optional(&mut **tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        Ok(seq)
    }

    /// [`Self::next_seq`] for a write made by `actor`. When the write applies a phone's
    /// mutation, the mutation is marked applied here, in the same transaction as its
    /// effects: both commit or neither does (exactly once). A try that finds the
    /// mutation taken by another try rolls back with `AlreadyApplied`.
    pub(crate) async fn next_seq_as(tx: &mut Tx<'_, E>, actor: &Actor, count: i64) -> StoreResult<i64> {
        let seq = Self::next_seq(tx, actor.agency_id, count).await?;
        if let Some(m) = actor.mutation {
            let done = sqlx::query(crate::db::sync::MARK_APPLIED)
                .bind(m.client_id)
                .bind(actor.user_id)
                .bind(m.mutation_id)
                .bind(m.attempt)
                .execute(&mut **tx)
                .await?;
            if E::rows_affected(&done) == 0 {
                return Err(StoreError::AlreadyApplied);
            }
        }
        Ok(seq)
    }

    pub(crate) async fn settings_tx(tx: &mut Tx<'_, E>, agency_id: Uuid) -> StoreResult<AgencySettings> {
        let (json,): (String,) = sqlx::query_as("SELECT settings FROM agencies WHERE id = $1")
            .bind(agency_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("settings: {e}")))
    }

    /// The row if the actor may see it (live records only).
    pub(crate) async fn visible_row(tx: &mut Tx<'_, E>, actor: &Actor, id: Uuid) -> StoreResult<ContactRow> {
        let sql = format!(
            "{CONTACT_SELECT} WHERE c.id = $1 AND c.agency_id = $2 AND c.deleted_at IS NULL \
             AND ($3 OR c.owner_id = $4 OR EXISTS (SELECT 1 FROM contact_shares s WHERE s.contact_id = c.id AND s.user_id = $4))"
        );
        sqlx::query_as::<_, ContactRow>(&sql)
            .bind(id)
            .bind(actor.agency_id)
            .bind(actor.sees_whole_agency())
            .bind(actor.user_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub(crate) async fn check_owner(tx: &mut Tx<'_, E>, agency_id: Uuid, owner_id: Uuid) -> StoreResult<()> {
        let found: Option<(Uuid,)> =
            sqlx::query_as("SELECT id FROM users WHERE id = $1 AND agency_id = $2 AND disabled_at IS NULL")
                .bind(owner_id)
                .bind(agency_id)
                .fetch_optional(&mut **tx)
                .await?;
        found.map(|_| ()).ok_or(StoreError::Invalid {
            field: "owner_id".into(),
            message: "conseiller inconnu dans l'agence".into(),
        })
    }

    /// The referrer named by a record must be a record the actor may see: naming one
    /// would otherwise reveal a colleague's private record through the referral chain.
    pub(crate) async fn check_referrer(
        tx: &mut Tx<'_, E>,
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
        match Self::visible_row(tx, actor, r).await {
            Ok(_) => Ok(()),
            Err(StoreError::NotFound) => Err(StoreError::Invalid {
                field: "referred_by".into(),
                message: "prescripteur introuvable".into(),
            }),
            Err(e) => Err(e),
        }
    }

    pub(crate) async fn fetch_contact(&self, actor: &Actor, id: Uuid) -> StoreResult<Contact> {
        let mut tx = self.pool.begin().await?;
        let row = Self::visible_row(&mut tx, actor, id).await?;
        tx.commit().await?;
        row.into_contact()
    }

    /// Replaces the record's words in the search index.
    pub(crate) async fn write_terms(
        tx: &mut Tx<'_, E>,
        agency_id: Uuid,
        id: Uuid,
        search_text: &str,
        new: bool,
    ) -> StoreResult<()> {
        if !new {
            sqlx::query("DELETE FROM contact_terms WHERE contact_id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        let terms = search_terms(search_text);
        if terms.is_empty() {
            return Ok(());
        }
        let mut qb = Sql::<E>::new("INSERT INTO contact_terms (agency_id, term, contact_id) ");
        qb.push_values(terms, |b, term| {
            b.push_bind(agency_id).push_bind(term).push_bind(id);
        });
        qb.execute(&mut **tx).await?;
        Ok(())
    }

    /// Indexes the records that have no words in the index (run at start): written
    /// before the index existed, or before its words changed (a migration empties it).
    /// The words are recomputed from the record (`Contact::search_text`).
    pub async fn backfill_terms(&self) -> StoreResult<u64> {
        let missing = "NOT EXISTS (SELECT 1 FROM contact_terms t WHERE t.contact_id = c.id)";
        let agencies: std::collections::HashMap<Uuid, Uuid> =
            sqlx::query_as::<_, (Uuid, Uuid)>(&format!("SELECT c.id, c.agency_id FROM contacts c WHERE {missing}"))
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .collect();
        let rows: Vec<ContactRow> = sqlx::query_as(&format!("{CONTACT_SELECT} WHERE {missing}"))
            .fetch_all(&self.pool)
            .await?;
        let mut indexed = 0u64;
        for chunk in rows.chunks(1000) {
            let mut tx = self.pool.begin().await?;
            for row in chunk {
                let id = row.id;
                let Some(&agency_id) = agencies.get(&id) else { continue };
                let text = row.clone().into_contact()?.search_text();
                if text.is_empty() {
                    continue;
                }
                sqlx::query("UPDATE contacts SET search_text = $2 WHERE id = $1")
                    .bind(id)
                    .bind(&text)
                    .execute(&mut *tx)
                    .await?;
                Self::write_terms(&mut tx, agency_id, id, &text, false).await?;
                indexed += 1;
            }
            tx.commit().await?;
        }
        Ok(indexed)
    }

    /// Writes an edit of the record `row` (already checked) under change number `seq`,
    /// in the caller's transaction; the REST edit and the sync merge both end here.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn write_contact_edit(
        tx: &mut Tx<'_, E>,
        actor: &Actor,
        id: Uuid,
        row: &ContactRow,
        f: &ContactFields,
        seq: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Contact> {
        // A form loaded before the system wrote keeps what the system wrote: the point
        // (unless one is typed) and the later of the last-contact dates.
        let mut f = f.clone();
        if f.lat.is_none() && f.lon.is_none() {
            f.lat = row.lat;
            f.lon = row.lon;
        }
        f.last_meeting_on = f.last_meeting_on.max(row.last_meeting_on);
        f.last_call_on = f.last_call_on.max(row.last_call_on);
        let f = &f;
        let owner_id = f.owner_id.unwrap_or(row.owner_id);
        if owner_id != row.owner_id {
            if !actor.sees_whole_agency() {
                return Err(StoreError::Forbidden("seul le chef d'agence réattribue un dossier"));
            }
            Self::check_owner(tx, actor.agency_id, owner_id).await?;
            // The new advisor's phone pulls the record's offers with it.
            sqlx::query("UPDATE offers SET seq = $2 WHERE contact_id = $1")
                .bind(id)
                .bind(seq)
                .execute(&mut **tx)
                .await?;
        }
        // A referrer kept as it was needs no check (someone who sees more may have set it).
        if f.referred_by != row.referred_by {
            Self::check_referrer(tx, actor, f.referred_by, id).await?;
        }
        let settings = Self::settings_tx(tx, actor.agency_id).await?;
        let d = Derived::compute(&f.derive_inputs(row.stage()?, row.stage_changed_at), &settings);
        sqlx::query(
            "UPDATE contacts SET owner_id = $3, kind = $4, first_name = $5, last_name = $6, spouse_name = $7, company_name = $8, \
             contact_role = $9, household_size = $10, company_size = $11, preferred_place = $12, address_line = $13, postcode = $14, \
             city = $15, sector = $16, lat = $17, lon = $18, phone_mobile = $19, phone_landline = $20, call_preferences = $21, \
             email = $22, website = $23, situation = $24, accessible_potential_cents = $25, assets_entrusted_cents = $26, \
             relationship_quality = $27, referrals_made = $28, networks = $29, notes = $30, referred_by = $31, score = $32, \
             segment = $33, size_class = $34, last_meeting_on = $35, last_call_on = $36, next_contact_on = $37, \
             next_meeting_due = $38, next_call_due = $39, search_text = $40, sort_key = $41, email_key = $42, name_key = $43, \
             updated_at = $44, updated_by = $45, seq = $46, next_due = $47, campaign = $48 WHERE id = $1 AND agency_id = $2",
        )
        .bind(id)
        .bind(actor.agency_id)
        .bind(owner_id)
        .bind(f.kind.as_str())
        .bind(&f.first_name)
        .bind(&f.last_name)
        .bind(&f.spouse_name)
        .bind(&f.company_name)
        .bind(&f.contact_role)
        .bind(f.household_size)
        .bind(f.company_size)
        .bind(&f.preferred_place)
        .bind(&f.address_line)
        .bind(&f.postcode)
        .bind(&f.city)
        .bind(&f.sector)
        .bind(f.lat)
        .bind(f.lon)
        .bind(&f.phone_mobile)
        .bind(&f.phone_landline)
        .bind(&f.call_preferences)
        .bind(&f.email)
        .bind(&f.website)
        .bind(f.situation_json())
        .bind(f.accessible_potential_cents)
        .bind(f.assets_entrusted_cents)
        .bind(f.relationship_quality)
        .bind(f.referrals_made)
        .bind(f.networks_json())
        .bind(&f.notes)
        .bind(f.referred_by)
        .bind(d.score)
        .bind(enum_str(&d.segment))
        .bind(enum_str(&d.size_class))
        .bind(f.last_meeting_on)
        .bind(f.last_call_on)
        .bind(f.next_contact_on)
        .bind(d.next_meeting_due)
        .bind(d.next_call_due)
        .bind(&f.search_text)
        .bind(&f.sort_key)
        .bind(&f.email_key)
        .bind(&f.name_key)
        .bind(now)
        .bind(actor.user_id)
        .bind(seq)
        .bind(d.next_due())
        .bind(&f.campaign)
        .execute(&mut **tx)
        .await?;
        if f.search_text != row.search_text {
            Self::write_terms(tx, actor.agency_id, id, &f.search_text, false).await?;
        }
        Self::geo_after_write(tx, id, Some(row), f, now).await?;
        sqlx::query("UPDATE contacts SET edited_seq = seq WHERE id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        let before = row.clone().into_contact()?.to_input();
        let after = Self::visible_row(
            tx,
            &Actor {
                role: Role::Manager,
                ..*actor
            },
            id,
        )
        .await?
        .into_contact()?;
        // Who changed which field, from what to what: a line of the record's history.
        if let Some((title, detail)) =
            shared::edits::edit_line(&shared::edits::field_changes(&before, &after.to_input()))
        {
            Self::insert_event(
                tx,
                actor.agency_id,
                id,
                now,
                EventKind::Edit,
                &title,
                &detail,
                Some(actor.user_id),
                Some(id),
            )
            .await?;
        }
        Ok(after)
    }

    /// [`Store::apply_import`] on one connection, in one transaction.
    pub(crate) async fn apply_import_on(
        conn: &mut E::Connection,
        actor: &Actor,
        import: &crate::db::ImportApply<'_>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = sqlx::Connection::begin(conn).await?;
        // The checks and the settings once, a block of change numbers: a record written
        // is four statements.
        let settings = Self::settings_tx(&mut tx, actor.agency_id).await?;
        let mut owners_checked = Vec::new();
        let creates = import.writes.iter().filter(|w| !w.update).count() as i64;
        let first_seq = if creates > 0 {
            Self::next_seq_as(&mut tx, actor, creates).await? - creates + 1
        } else {
            0
        };
        let mut created = 0;
        let mut pending: Vec<(Uuid, &ContactFields, Option<&str>, i64)> = Vec::new();
        for w in import.writes {
            if w.update {
                let seq = Self::next_seq_as(&mut tx, actor, 1).await?;
                let row = Self::visible_row(&mut tx, actor, w.id).await?;
                Self::write_contact_edit(&mut tx, actor, w.id, &row, &w.fields, seq, now).await?;
                sqlx::query("UPDATE contacts SET import_key = CASE WHEN import_key IS NULL THEN $2 ELSE import_key || ' ' || $2 END WHERE id = $1")
                    .bind(w.id).bind(&w.import_key).execute(&mut *tx).await?;
            } else {
                let owner = w.fields.owner_id.unwrap_or(actor.user_id);
                if !owners_checked.contains(&owner) || w.fields.referred_by.is_some() {
                    Self::check_new_contact(&mut tx, actor, w.id, &w.fields).await?;
                    owners_checked.push(owner);
                }
                let seq = first_seq + created;
                created += 1;
                Self::insert_contact_row(
                    &mut tx,
                    actor,
                    w.id,
                    &w.fields,
                    now,
                    seq,
                    &settings,
                    Some((import.id, &w.import_key)),
                )
                .await?;
                pending.push((w.id, &w.fields, Some(w.stage_reason.as_str()), seq));
                if pending.len() == 200 {
                    Self::write_created_lines(&mut tx, actor, &pending, now).await?;
                    pending.clear();
                }
            }
            import.progress.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Self::write_created_lines(&mut tx, actor, &pending, now).await?;
        let done = sqlx::query(
            "UPDATE imports SET status = 'done', counts = $3, report = $4, content = NULL, finished_at = $5 \
             WHERE id = $1 AND agency_id = $2 AND status = 'running'",
        )
        .bind(import.id)
        .bind(actor.agency_id)
        .bind(import.counts_json)
        .bind(import.report_json)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if E::rows_affected(&done) != 1 {
            return Err(StoreError::Conflict("cet import n'est plus en cours".into()));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Inserts a record, its first stage line and its timeline line, in the caller's
    /// transaction (a visit report creates referred prospects in its own).
    pub(crate) async fn insert_contact_tx(
        tx: &mut Tx<'_, E>,
        actor: &Actor,
        id: Uuid,
        f: &ContactFields,
        stage_reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let seq = Self::next_seq_as(tx, actor, 1).await?;
        Self::check_new_contact(tx, actor, id, f).await?;
        let settings = Self::settings_tx(tx, actor.agency_id).await?;
        Self::insert_contact_row(tx, actor, id, f, now, seq, &settings, None).await?;
        Self::write_created_lines(tx, actor, &[(id, f, stage_reason, seq)], now).await
    }

    /// Who may create this record: an advisor for themself, a manager for an active
    /// advisor of the agency; a referrer the actor sees.
    pub(crate) async fn check_new_contact(
        tx: &mut Tx<'_, E>,
        actor: &Actor,
        id: Uuid,
        f: &ContactFields,
    ) -> StoreResult<()> {
        let owner_id = f.owner_id.unwrap_or(actor.user_id);
        if owner_id != actor.user_id && !actor.sees_whole_agency() {
            return Err(StoreError::Forbidden("un conseiller crée des dossiers pour lui-même"));
        }
        Self::check_owner(tx, actor.agency_id, owner_id).await?;
        Self::check_referrer(tx, actor, f.referred_by, id).await
    }

    /// Writes the row of a new record checked by [`Self::check_new_contact`], with its change
    /// number and its geocoding queued; its search words, first stage line and timeline
    /// line follow by [`Self::write_created_lines`], for many records at once. `import`: the
    /// import and line fingerprints it comes from.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn insert_contact_row(
        tx: &mut Tx<'_, E>,
        actor: &Actor,
        id: Uuid,
        f: &ContactFields,
        now: DateTime<Utc>,
        seq: i64,
        settings: &AgencySettings,
        import: Option<(Uuid, &str)>,
    ) -> StoreResult<()> {
        let owner_id = f.owner_id.unwrap_or(actor.user_id);
        let d = Derived::compute(&f.derive_inputs(f.stage, now), settings);
        // Where the geocoder starts (see `geo_after_write`): a point typed is kept by hand,
        // an address waits for the geocoder, no address needs none.
        let typed = f.lat.is_some() && f.lon.is_some();
        let has_address = !(f.address_line.is_empty() && f.postcode.is_empty() && f.city.is_empty());
        let (precision, source, status, next_at) = if typed {
            (Some("manual"), Some("saisie"), "done", None)
        } else {
            (None, None, if has_address { "pending" } else { "none" }, Some(now))
        };
        sqlx::query(
            "INSERT INTO contacts (id, agency_id, owner_id, kind, first_name, last_name, spouse_name, company_name, contact_role, \
             household_size, company_size, preferred_place, address_line, postcode, city, sector, lat, lon, phone_mobile, phone_landline, \
             call_preferences, email, website, situation, accessible_potential_cents, assets_entrusted_cents, relationship_quality, \
             referrals_made, networks, notes, stage, stage_changed_at, lost_to, referred_by, score, segment, size_class, last_meeting_on, \
             last_call_on, next_contact_on, next_meeting_due, next_call_due, search_text, sort_key, email_key, name_key, created_at, \
             created_by, updated_at, updated_by, seq, deleted_at, next_due, campaign, edited_seq, geo_precision, geo_source, geo_status, \
             geo_note, geo_attempts, geo_next_at, import_id, import_key) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, \
             $27, $28, $29, $30, $31, $32, NULL, $33, $34, $35, $36, $37, $38, $39, $40, $41, $42, $43, $44, $45, $46, $47, $46, $47, $48, NULL, $49, $50, \
             $48, $51, $52, $53, '', 0, $54, $55, $56)",
        )
        .bind(id)
        .bind(actor.agency_id)
        .bind(owner_id)
        .bind(f.kind.as_str())
        .bind(&f.first_name)
        .bind(&f.last_name)
        .bind(&f.spouse_name)
        .bind(&f.company_name)
        .bind(&f.contact_role)
        .bind(f.household_size)
        .bind(f.company_size)
        .bind(&f.preferred_place)
        .bind(&f.address_line)
        .bind(&f.postcode)
        .bind(&f.city)
        .bind(&f.sector)
        .bind(f.lat)
        .bind(f.lon)
        .bind(&f.phone_mobile)
        .bind(&f.phone_landline)
        .bind(&f.call_preferences)
        .bind(&f.email)
        .bind(&f.website)
        .bind(f.situation_json())
        .bind(f.accessible_potential_cents)
        .bind(f.assets_entrusted_cents)
        .bind(f.relationship_quality)
        .bind(f.referrals_made)
        .bind(f.networks_json())
        .bind(&f.notes)
        .bind(f.stage.as_str())
        .bind(now)
        .bind(f.referred_by)
        .bind(d.score)
        .bind(enum_str(&d.segment))
        .bind(enum_str(&d.size_class))
        .bind(f.last_meeting_on)
        .bind(f.last_call_on)
        .bind(f.next_contact_on)
        .bind(d.next_meeting_due)
        .bind(d.next_call_due)
        .bind(&f.search_text)
        .bind(&f.sort_key)
        .bind(&f.email_key)
        .bind(&f.name_key)
        .bind(now)
        .bind(actor.user_id)
        .bind(seq)
        .bind(d.next_due())
        .bind(&f.campaign)
        .bind(precision)
        .bind(source)
        .bind(status)
        .bind(next_at)
        .bind(import.map(|(i, _)| i))
        .bind(import.map(|(_, k)| k))
        .execute(&mut **tx)
        .await
        .map_err(|e| map_unique(e, "un dossier existe déjà avec cet identifiant"))?;
        Ok(())
    }

    /// What goes with new records written by [`Self::insert_contact_row`]: their search
    /// words, first stage lines and timeline lines, three statements for all of them.
    pub(crate) async fn write_created_lines(
        tx: &mut Tx<'_, E>,
        actor: &Actor,
        created: &[(Uuid, &ContactFields, Option<&str>, i64)],
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let terms: Vec<(Uuid, String)> = created
            .iter()
            .flat_map(|(id, f, _, _)| search_terms(&f.search_text).into_iter().map(move |t| (*id, t)))
            .collect();
        if !terms.is_empty() {
            let mut qb = Sql::<E>::new("INSERT INTO contact_terms (agency_id, term, contact_id) ");
            qb.push_values(terms, |b, (id, term)| {
                b.push_bind(actor.agency_id).push_bind(term).push_bind(id);
            });
            qb.execute(&mut **tx).await?;
        }
        if created.is_empty() {
            return Ok(());
        }
        let mut qb = Sql::<E>::new(
            "INSERT INTO stage_transitions (id, agency_id, contact_id, from_stage, to_stage, kind, reason, competitor, at, author_id, seq) ",
        );
        qb.push_values(created, |b, (id, f, reason, seq)| {
            b.push_bind(shared::new_id())
                .push_bind(actor.agency_id)
                .push_bind(*id)
                .push("NULL")
                .push_bind(f.stage.as_str())
                .push_bind(TransitionKind::Created.as_str())
                .push_bind(reason.map(str::to_string))
                .push("NULL")
                .push_bind(now)
                .push_bind(actor.user_id)
                .push_bind(*seq);
        });
        qb.execute(&mut **tx).await?;
        // The timeline's first line (as `insert_event` writes one).
        let mut qb = Sql::<E>::new(
            "INSERT INTO contact_events (id, agency_id, contact_id, at, kind, title, detail, author_id, ref_id) ",
        );
        qb.push_values(created, |b, (id, f, reason, _)| {
            b.push_bind(shared::new_id())
                .push_bind(actor.agency_id)
                .push_bind(*id)
                .push_bind(now)
                .push_bind(EventKind::Stage.as_str())
                .push_bind(format!("Dossier créé : {}", f.stage.label().to_lowercase()))
                .push_bind(reason.unwrap_or("").to_string())
                .push_bind(Some(actor.user_id))
                .push_bind(Some(*id));
        });
        qb.execute(&mut **tx).await?;
        Ok(())
    }

    /// Applies a stage change in the caller's transaction: the record, its stage line,
    /// its timeline line, and what follows (telling a referrer what came of a referral).
    pub(crate) async fn change_stage_tx(
        tx: &mut Tx<'_, E>,
        actor: &Actor,
        id: Uuid,
        change: &StageChange,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let seq = Self::next_seq_as(tx, actor, 1).await?;
        let row = Self::visible_row(tx, actor, id).await?;
        let from = row.stage()?;
        let outcome = shared::stage::apply(from, change)?;
        let settings = Self::settings_tx(tx, actor.agency_id).await?;
        let mut inputs = row.derive_inputs()?;
        inputs.stage = outcome.to;
        inputs.stage_since = now;
        let d = Derived::compute(&inputs, &settings);
        sqlx::query(
            "UPDATE contacts SET stage = $3, stage_changed_at = $4, lost_to = COALESCE($5, lost_to), score = $6, segment = $7, \
             size_class = $8, next_meeting_due = $9, next_call_due = $10, updated_at = $4, updated_by = $11, seq = $12, \
             next_due = $13 WHERE id = $1 AND agency_id = $2",
        )
        .bind(id)
        .bind(actor.agency_id)
        .bind(outcome.to.as_str())
        .bind(now)
        .bind(&outcome.competitor)
        .bind(d.score)
        .bind(enum_str(&d.segment))
        .bind(enum_str(&d.size_class))
        .bind(d.next_meeting_due)
        .bind(d.next_call_due)
        .bind(actor.user_id)
        .bind(seq)
        .bind(d.next_due())
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO stage_transitions (id, agency_id, contact_id, from_stage, to_stage, kind, reason, competitor, at, author_id, seq) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(shared::new_id())
        .bind(actor.agency_id)
        .bind(id)
        .bind(from.as_str())
        .bind(outcome.to.as_str())
        .bind(outcome.kind.as_str())
        .bind(&outcome.reason)
        .bind(&outcome.competitor)
        .bind(now)
        .bind(actor.user_id)
        .bind(seq)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE contacts SET edited_seq = seq WHERE id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Self::stage_event(tx, actor, id, &outcome, now).await?;
        Self::after_stage_change(tx, actor, &row, &outcome, now).await?;
        Ok(())
    }

    pub(crate) fn may_manage(actor: &Actor, row: &ContactRow) -> bool {
        actor.sees_whole_agency() || row.owner_id == actor.user_id
    }
}

#[async_trait::async_trait]
impl<E> Store for SqlStore<E>
where
    E: Engine,
    for<'q> E::Arguments<'q>: IntoArguments<'q, E>,
    for<'c> &'c Pool<E>: Executor<'c, Database = E>,
    for<'c> &'c mut E::Connection: Executor<'c, Database = E>,
    usize: ColumnIndex<E::Row>,
    for<'a> &'a str: ColumnIndex<E::Row>,
    for<'q> &'q str: Encode<'q, E> + Type<E>,
    Uuid: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    String: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    i64: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    f64: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    bool: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    DateTime<Utc>: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    NaiveDate: for<'q> Encode<'q, E> + for<'r> Decode<'r, E> + Type<E>,
    Option<Uuid>: for<'q> Encode<'q, E>,
    Option<String>: for<'q> Encode<'q, E>,
    for<'q> Option<&'q str>: Encode<'q, E>,
    Option<i64>: for<'q> Encode<'q, E>,
    Option<f64>: for<'q> Encode<'q, E>,
    Option<bool>: for<'q> Encode<'q, E>,
    Option<DateTime<Utc>>: for<'q> Encode<'q, E>,
    Option<NaiveDate>: for<'q> Encode<'q, E>,
{
    fn engine(&self) -> &'static str {
        <E as Engine>::NAME
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn pool_status(&self) -> Option<(u32, usize)> {
        Some((self.pool.size(), self.pool.num_idle()))
    }

    async fn set_agency_settings(&self, actor: &Actor, settings: &AgencySettings) -> StoreResult<u64> {
        if actor.role != Role::Manager {
            return Err(StoreError::Forbidden("réservé au chef d'agence"));
        }
        let mut tx = self.pool.begin().await?;
        // Lock the agency first, like every write.
        Self::next_seq_as(&mut tx, actor, 0).await?;
        let json = serde_json::to_string(settings).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("UPDATE agencies SET settings = $2 WHERE id = $1")
            .bind(actor.agency_id)
            .bind(&json)
            .execute(&mut *tx)
            .await?;
        let sql = format!("{CONTACT_SELECT} WHERE c.agency_id = $1 AND c.deleted_at IS NULL");
        let rows: Vec<ContactRow> = sqlx::query_as(&sql).bind(actor.agency_id).fetch_all(&mut *tx).await?;
        let mut changed = Vec::new();
        for row in &rows {
            let d = Derived::compute(&row.derive_inputs()?, settings);
            if d.score != row.score
                || enum_str(&d.segment) != row.segment
                || enum_str(&d.size_class) != row.size_class
                || d.next_meeting_due != row.next_meeting_due
                || d.next_call_due != row.next_call_due
            {
                changed.push((row.id, d));
            }
        }
        if !changed.is_empty() {
            let last = Self::next_seq_as(&mut tx, actor, changed.len() as i64).await?;
            let first = last - changed.len() as i64 + 1;
            let now = crate::db::now();
            for (i, (id, d)) in changed.iter().enumerate() {
                sqlx::query(
                    "UPDATE contacts SET score = $3, segment = $4, size_class = $5, next_meeting_due = $6, next_call_due = $7, \
                     seq = $8, updated_at = $9, next_due = $10 WHERE id = $1 AND agency_id = $2",
                )
                .bind(id)
                .bind(actor.agency_id)
                .bind(d.score)
                .bind(enum_str(&d.segment))
                .bind(enum_str(&d.size_class))
                .bind(d.next_meeting_due)
                .bind(d.next_call_due)
                .bind(first + i as i64)
                .bind(now)
                .bind(d.next_due())
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(changed.len() as u64)
    }

    async fn backup_to(&self, path: &str) -> StoreResult<()> {
        if <E as Engine>::NAME != "sqlite" {
            return Err(StoreError::Invalid {
                field: "database".into(),
                message: "PostgreSQL : utilisez pg_dump".into(),
            });
        }
        // VACUUM INTO writes a consistent snapshot of the live database (readers and
        // writers go on) into a new file; it takes the path as a string literal.
        let quoted = path.replace('\'', "''");
        sqlx::query(&format!("VACUUM INTO '{quoted}'"))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn insert_contact(
        &self,
        actor: &Actor,
        id: Uuid,
        f: &ContactFields,
        stage_reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<Contact> {
        let mut tx = self.pool.begin().await?;
        Self::insert_contact_tx(&mut tx, actor, id, f, stage_reason, now).await?;
        let row = Self::visible_row(
            &mut tx,
            &Actor {
                role: Role::Manager,
                ..*actor
            },
            id,
        )
        .await?;
        tx.commit().await?;
        row.into_contact()
    }

    async fn apply_import(
        &self,
        actor: &Actor,
        import: &crate::db::ImportApply<'_>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        // One transaction of a hundred thousand records: SQLite would spill its dirty
        // pages to the WAL again and again as its cache fills (the WAL grew past 250 MB
        // for 30 000 records); with spilling off they stay in memory until the commit.
        let mut conn = self.pool.acquire().await?;
        if <E as Engine>::NAME == "sqlite" {
            sqlx::query("PRAGMA cache_spill = OFF").execute(&mut *conn).await?;
        }
        let outcome = Self::apply_import_on(&mut conn, actor, import, now).await;
        if <E as Engine>::NAME == "sqlite" {
            sqlx::query("PRAGMA cache_spill = ON").execute(&mut *conn).await?;
        }
        outcome
    }

    async fn contact(&self, actor: &Actor, id: Uuid) -> StoreResult<Option<Contact>> {
        match self.fetch_contact(actor, id).await {
            Ok(c) => Ok(Some(c)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn update_contact(
        &self,
        actor: &Actor,
        id: Uuid,
        f: &ContactFields,
        expected_seq: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Contact> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seq_as(&mut tx, actor, 1).await?;
        let row = Self::visible_row(&mut tx, actor, id).await?;
        if let Some(expected) = expected_seq {
            // Only another person's edit conflicts: the system's own writes since
            // (a point found by the geocoder, a meeting held) move `seq`, not `edited_seq`.
            if expected < row.edited_seq {
                return Err(StoreError::Conflict(format!(
                    "le dossier a été modifié entre-temps par {} : rechargez-le avant d'enregistrer",
                    row.owner_name
                )));
            }
        }
        let contact = Self::write_contact_edit(&mut tx, actor, id, &row, f, seq, now).await?;
        tx.commit().await?;
        Ok(contact)
    }

    async fn delete_contact(&self, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seq_as(&mut tx, actor, 1).await?;
        let row = Self::visible_row(&mut tx, actor, id).await?;
        if !Self::may_manage(actor, &row) {
            return Err(StoreError::Forbidden(
                "seul le conseiller en charge ou le chef d'agence supprime un dossier",
            ));
        }
        sqlx::query("UPDATE contacts SET deleted_at = $3, updated_at = $3, updated_by = $4, seq = $5 WHERE id = $1 AND agency_id = $2")
            .bind(id)
            .bind(actor.agency_id)
            .bind(now)
            .bind(actor.user_id)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM contact_terms WHERE contact_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn search_contacts(
        &self,
        actor: &Actor,
        q: &ContactQuery,
        today: NaiveDate,
    ) -> StoreResult<(Vec<Contact>, bool)> {
        let limit = q.limit.unwrap_or(50).clamp(1, 200);
        let offset = q.offset.unwrap_or(0);
        let mut words: Vec<String> =
            q.q.as_deref()
                .map(shared::text::search_query)
                .unwrap_or_default()
                .split(' ')
                .filter(|w| !w.is_empty())
                .take(8)
                .map(|w| w.chars().take(40).collect())
                .collect();
        // The longest word is likely the most selective: the search starts from it.
        words.sort_by_key(|w: &String| std::cmp::Reverse(w.chars().count()));
        let on = q.on.unwrap_or(today);
        let order = match q.due {
            Some(DueKind::Meeting) => "next_meeting_due, {t}.sort_key, {t}.id",
            Some(DueKind::Call) => "next_call_due, {t}.sort_key, {t}.id",
            Some(DueKind::Any) => "next_due, {t}.sort_key, {t}.id",
            None => "sort_key, {t}.id",
        };
        let order_by = |t: &str| format!(" ORDER BY {t}.{}", order.replace("{t}", t));

        // First the words as typed; when that finds nothing, once more forgiving one
        // typo per word of four letters or more (shared::text::starts_like): the words
        // of the index one edit away stand in for it too.
        let mut also: Vec<Vec<String>> = vec![Vec::new(); words.len()];
        for attempt in 0..2 {
            let mut qb = Sql::<E>::new("");
            if let Some(driver) = words.first() {
                // Words typed: take the page of ids starting from the word index, then load
                // just those rows. Walking the agency in name order and probing each record
                // is a table scan on a large agency. (CROSS JOIN keeps SQLite on this order.)
                qb.push("SELECT c.*, u.display_name AS owner_name FROM (SELECT p.id FROM (SELECT DISTINCT");
                push_word_range(&mut qb, actor.agency_id, driver, &also[0]);
                qb.push(") m CROSS JOIN contacts p WHERE p.id = m.contact_id");
            } else {
                qb.push("SELECT c.*, u.display_name AS owner_name FROM (SELECT p.id FROM contacts p WHERE 1 = 1");
            }
            qb.push(" AND p.deleted_at IS NULL AND p.agency_id = ")
                .push_bind(actor.agency_id);
            if !actor.sees_whole_agency() {
                qb.push(" AND (p.owner_id = ")
                    .push_bind(actor.user_id)
                    .push(" OR EXISTS (SELECT 1 FROM contact_shares s WHERE s.contact_id = p.id AND s.user_id = ")
                    .push_bind(actor.user_id)
                    .push("))");
            }
            // Every other word typed must also start a word of the record.
            for (i, word) in words.iter().enumerate().skip(1) {
                qb.push(" AND p.id IN (SELECT");
                push_word_range(&mut qb, actor.agency_id, word, &also[i]);
                qb.push(")");
            }
            if let Some(stage) = q.stage {
                qb.push(" AND p.stage = ").push_bind(stage.as_str());
            }
            if let Some(segment) = q.segment {
                qb.push(" AND p.segment = ").push_bind(segment.as_str());
            }
            if let Some(size) = q.size_class {
                qb.push(" AND p.size_class = ").push_bind(size.as_str());
            }
            if let Some(kind) = q.kind {
                qb.push(" AND p.kind = ").push_bind(kind.as_str());
            }
            if let Some(sector) = q.sector.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                qb.push(" AND lower(p.sector) = lower(")
                    .push_bind(sector.to_string())
                    .push(")");
            }
            if let Some(campaign) = q.campaign.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                qb.push(" AND lower(p.campaign) = lower(")
                    .push_bind(campaign.to_string())
                    .push(")");
            }
            if let Some(owner) = q.owner {
                qb.push(" AND p.owner_id = ").push_bind(owner);
            }
            match q.due {
                Some(DueKind::Meeting) => {
                    qb.push(" AND p.next_meeting_due <= ").push_bind(on);
                }
                Some(DueKind::Call) => {
                    qb.push(" AND p.next_call_due <= ").push_bind(on);
                }
                Some(DueKind::Any) => {
                    qb.push(" AND p.next_due <= ").push_bind(on);
                }
                None => {}
            }
            qb.push(order_by("p"));
            qb.push(" LIMIT ")
                .push_bind(limit as i64 + 1)
                .push(" OFFSET ")
                .push_bind(offset as i64);
            qb.push(") page CROSS JOIN contacts c JOIN users u ON u.id = c.owner_id WHERE c.id = page.id");
            qb.push(order_by("c"));
            let rows: Vec<ContactRow> = qb.fetch_all(&self.pool).await?;
            let forgivable = words.iter().any(|w| w.chars().count() >= shared::text::FUZZY_FROM);
            if attempt == 0 && rows.is_empty() && offset == 0 && forgivable {
                for (i, word) in words.iter().enumerate() {
                    if word.chars().count() < shared::text::FUZZY_FROM {
                        continue;
                    }
                    // The distinct words of the index that start like a typo of it
                    // would (two two-letter beginnings), one index seek each — a skip
                    // scan: reading the ranges would read every record's copy of each word
                    // ("martin" 2 000 times).
                    let mut terms: Vec<(String,)> = Vec::new();
                    for head in shared::text::fuzzy_heads(word) {
                        terms.extend(
                        sqlx::query_as::<_, (String,)>(
                            "WITH RECURSIVE w(term, n) AS ( \
                               SELECT (SELECT min(term) FROM contact_terms WHERE agency_id = $1 AND term >= $2 AND term < $3), 0 \
                               UNION ALL \
                               SELECT (SELECT min(term) FROM contact_terms WHERE agency_id = $1 AND term > w.term AND term < $3), n + 1 \
                               FROM w WHERE w.term IS NOT NULL AND n < 20000) \
                             SELECT term FROM w WHERE term IS NOT NULL",
                        )
                        .bind(actor.agency_id)
                        .bind(&head)
                        .bind(prefix_end(&head))
                        .fetch_all(&self.pool)
                        .await?,
                    );
                    }
                    also[i] = terms
                        .into_iter()
                        .map(|(t,)| t)
                        .filter(|t| shared::text::starts_like(t, word))
                        .take(50)
                        .collect();
                }
                if also.iter().any(|a| !a.is_empty()) {
                    continue;
                }
            }
            let has_more = rows.len() > limit as usize;
            let contacts = rows
                .into_iter()
                .take(limit as usize)
                .map(ContactRow::into_contact)
                .collect::<StoreResult<Vec<_>>>()?;
            return Ok((contacts, has_more));
        }
        Ok((Vec::new(), false))
    }

    async fn find_duplicates(&self, actor: &Actor, keys: &DuplicateKeys) -> StoreResult<Vec<DuplicateMatch>> {
        let phones: Vec<&String> = keys.phones.iter().filter(|p| !p.is_empty()).collect();
        if keys.email_key.is_none() && phones.is_empty() && keys.name_key.is_none() {
            return Ok(Vec::new());
        }
        // One indexed lookup per key, joined by UNION, and the records loaded from
        // those ids (CROSS JOIN keeps SQLite in that order): an OR over several
        // columns, or a walk of the agency probing the keys, is a scan on every create.
        let mut qb = Sql::<E>::new(
            "SELECT c.id, c.kind, c.first_name, c.last_name, c.company_name, c.owner_id, \
             u.display_name AS owner_name, c.email_key, c.phone_mobile, c.phone_landline, c.name_key, \
             EXISTS (SELECT 1 FROM contact_shares s WHERE s.contact_id = c.id AND s.user_id = ",
        );
        qb.push_bind(actor.user_id);
        qb.push(") AS shared FROM (SELECT NULL AS id");
        let key = |qb: &mut Sql<E>, column: &str, value: String| {
            qb.push(" UNION SELECT k.id FROM contacts k WHERE k.agency_id = ")
                .push_bind(actor.agency_id)
                .push(format!(" AND k.{column} = "))
                .push_bind(value);
        };
        if let Some(e) = &keys.email_key {
            key(&mut qb, "email_key", e.clone());
        }
        for p in &phones {
            key(&mut qb, "phone_mobile", (*p).clone());
            key(&mut qb, "phone_landline", (*p).clone());
        }
        if let Some(n) = &keys.name_key {
            key(&mut qb, "name_key", n.clone());
        }
        qb.push(") m CROSS JOIN contacts c JOIN users u ON u.id = c.owner_id WHERE c.id = m.id AND c.deleted_at IS NULL AND c.agency_id = ");
        qb.push_bind(actor.agency_id);
        if let Some(id) = keys.exclude {
            qb.push(" AND c.id <> ").push_bind(id);
        }
        qb.push(" ORDER BY c.sort_key LIMIT 10");
        #[derive(sqlx::FromRow)]
        struct Dup {
            id: Uuid,
            kind: String,
            first_name: String,
            last_name: String,
            company_name: String,
            owner_id: Uuid,
            owner_name: String,
            email_key: Option<String>,
            phone_mobile: String,
            phone_landline: String,
            name_key: Option<String>,
            shared: bool,
        }
        let rows: Vec<Dup> = qb.fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let matched_on = if keys.email_key.is_some() && r.email_key == keys.email_key {
                    "email"
                } else if phones.iter().any(|p| **p == r.phone_mobile || **p == r.phone_landline) {
                    "phone"
                } else if keys.name_key.is_some() && r.name_key == keys.name_key {
                    "name_postcode"
                } else {
                    "other"
                };
                let kind = ContactKind::parse(&r.kind).unwrap_or_default();
                DuplicateMatch {
                    id: r.id,
                    display_name: display_name(kind, &r.first_name, &r.last_name, &r.company_name),
                    owner_name: r.owner_name,
                    matched_on: matched_on.to_string(),
                    visible: actor.sees_whole_agency() || r.owner_id == actor.user_id || r.shared,
                }
            })
            .collect())
    }

    async fn change_stage(
        &self,
        actor: &Actor,
        id: Uuid,
        change: &StageChange,
        now: DateTime<Utc>,
    ) -> StoreResult<Contact> {
        let mut tx = self.pool.begin().await?;
        Self::change_stage_tx(&mut tx, actor, id, change, now).await?;
        let row = Self::visible_row(&mut tx, actor, id).await?;
        tx.commit().await?;
        row.into_contact()
    }

    async fn stage_history(&self, actor: &Actor, id: Uuid) -> StoreResult<Vec<StageTransition>> {
        self.fetch_contact(actor, id).await?;
        let rows: Vec<TransitionRow> = sqlx::query_as(
            "SELECT t.id, t.contact_id, t.from_stage, t.to_stage, t.kind, t.reason, t.competitor, t.at, t.author_id, \
             u.display_name AS author_name FROM stage_transitions t LEFT JOIN users u ON u.id = t.author_id \
             WHERE t.contact_id = $1 AND t.agency_id = $2 ORDER BY t.seq DESC",
        )
        .bind(id)
        .bind(actor.agency_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(TransitionRow::into_transition).collect()
    }

    async fn share_contact(&self, actor: &Actor, id: Uuid, with: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seq_as(&mut tx, actor, 1).await?;
        let row = Self::visible_row(&mut tx, actor, id).await?;
        if !Self::may_manage(actor, &row) {
            return Err(StoreError::Forbidden(
                "seul le conseiller en charge ou le chef d'agence partage un dossier",
            ));
        }
        Self::check_owner(&mut tx, actor.agency_id, with)
            .await
            .map_err(|_| StoreError::Invalid {
                field: "user_id".into(),
                message: "conseiller inconnu dans l'agence".into(),
            })?;
        sqlx::query(
            "INSERT INTO contact_shares (contact_id, user_id, agency_id, created_at, created_by) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (contact_id, user_id) DO NOTHING",
        )
        .bind(id)
        .bind(with)
        .bind(actor.agency_id)
        .bind(now)
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
        // The record is new to the person it is shared with: give it (and its offers) a
        // new sequence number so their next pull brings it.
        sqlx::query("UPDATE contacts SET seq = $3 WHERE id = $1 AND agency_id = $2")
            .bind(id)
            .bind(actor.agency_id)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE offers SET seq = $2 WHERE contact_id = $1")
            .bind(id)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn unshare_contact(&self, actor: &Actor, id: Uuid, with: Uuid, _now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let seq = Self::next_seq_as(&mut tx, actor, 1).await?;
        let row = Self::visible_row(&mut tx, actor, id).await?;
        if !Self::may_manage(actor, &row) {
            return Err(StoreError::Forbidden(
                "seul le conseiller en charge ou le chef d'agence retire un partage",
            ));
        }
        let done = sqlx::query("DELETE FROM contact_shares WHERE contact_id = $1 AND user_id = $2 AND agency_id = $3")
            .bind(id)
            .bind(with)
            .bind(actor.agency_id)
            .execute(&mut *tx)
            .await?;
        if E::rows_affected(&done) == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("UPDATE contacts SET seq = $3 WHERE id = $1 AND agency_id = $2")
            .bind(id)
            .bind(actor.agency_id)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn contact_shares(&self, actor: &Actor, id: Uuid) -> StoreResult<Vec<AgencyUser>> {
        self.fetch_contact(actor, id).await?;
        let rows: Vec<(Uuid, String, String)> = sqlx::query_as(
            "SELECT u.id, u.display_name, u.role FROM contact_shares s JOIN users u ON u.id = s.user_id \
             WHERE s.contact_id = $1 AND s.agency_id = $2 ORDER BY u.display_name",
        )
        .bind(id)
        .bind(actor.agency_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(crate::db::rows::agency_user).collect()
    }

    async fn changes_after(&self, agency_id: Uuid, after: i64, limit: u32) -> StoreResult<Vec<Contact>> {
        let sql = format!("{CONTACT_SELECT} WHERE c.agency_id = $1 AND c.seq > $2 ORDER BY c.seq LIMIT $3");
        let rows: Vec<ContactRow> = sqlx::query_as(&sql)
            .bind(agency_id)
            .bind(after)
            .bind(limit.clamp(1, 10_000) as i64)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(ContactRow::into_contact).collect()
    }

    async fn count_contacts(&self, agency_id: Uuid) -> StoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM contacts WHERE agency_id = $1 AND deleted_at IS NULL")
            .bind(agency_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }
}
