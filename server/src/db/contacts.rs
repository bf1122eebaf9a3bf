//! The contact records: create, read, edit, delete ([`ContactStore`]), and the write steps
//! every record goes through — one row insert with its checks, the edit with its history
//! line, the dates a contact moves (`touch_contact`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shared::record::Contact;
use shared::settings::AgencySettings;
use shared::stage::TransitionKind;
use shared::visit::effects::Touch;
use shared::visit::EventKind;
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::builder::{Sql, Value};
use super::engine::{map_unique, SqlStore};
use super::rows::{search_terms, ContactRow, Derived};
use super::{Actor, ContactFields, Scope, StoreError, StoreResult};

pub const CONTACT_SELECT: &str =
    "SELECT c.*, u.display_name AS owner_name FROM contacts c JOIN users u ON u.id = c.owner_id";

/// Contact records (the search is [`SearchStore`](super::search::SearchStore)).
#[async_trait]
pub trait ContactStore: Send + Sync {
    // Contacts.
    async fn insert_contact(
        &self,
        actor: &Actor,
        id: Uuid,
        fields: &ContactFields,
        stage_reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<Contact>;
    async fn contact(&self, actor: &Actor, id: Uuid) -> StoreResult<Option<Contact>>;
    async fn update_contact(
        &self,
        actor: &Actor,
        id: Uuid,
        fields: &ContactFields,
        expected_seq: Option<i64>,
        now: DateTime<Utc>,
    ) -> StoreResult<Contact>;
    async fn delete_contact(&self, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> StoreResult<()>;
    /// Every record of the agency changed after `after` (tombstones included), in sequence
    /// order: the pull side of sync.
    async fn changes_after(&self, agency_id: Uuid, after: i64, limit: u32) -> StoreResult<Vec<Contact>>;
    /// Number of live contacts in the agency.
    async fn count_contacts(&self, agency_id: Uuid) -> StoreResult<i64>;
}

/// The record's own columns, written alike by the create and the edit, with the values of
/// [`record_values`] in this order.
const RECORD_COLUMNS: [&str; 43] = [
    "owner_id",
    "kind",
    "first_name",
    "last_name",
    "spouse_name",
    "company_name",
    "contact_role",
    "household_size",
    "company_size",
    "preferred_place",
    "address_line",
    "postcode",
    "city",
    "sector",
    "lat",
    "lon",
    "phone_mobile",
    "phone_landline",
    "call_preferences",
    "email",
    "website",
    "situation",
    "accessible_potential_cents",
    "assets_entrusted_cents",
    "relationship_quality",
    "referrals_made",
    "networks",
    "notes",
    "referred_by",
    "score",
    "segment",
    "size_class",
    "last_meeting_on",
    "last_call_on",
    "next_contact_on",
    "next_meeting_due",
    "next_call_due",
    "search_text",
    "sort_key",
    "email_key",
    "name_key",
    "next_due",
    "campaign",
];

/// The values of [`RECORD_COLUMNS`]: what was typed, and what follows from it (`d`).
fn record_values(owner_id: Uuid, f: &ContactFields, d: &Derived) -> [Value; 43] {
    [
        owner_id.into(),
        f.kind.as_str().into(),
        (&f.first_name).into(),
        (&f.last_name).into(),
        (&f.spouse_name).into(),
        (&f.company_name).into(),
        (&f.contact_role).into(),
        f.household_size.into(),
        f.company_size.into(),
        f.preferred_place.clone().into(),
        (&f.address_line).into(),
        (&f.postcode).into(),
        (&f.city).into(),
        (&f.sector).into(),
        f.lat.into(),
        f.lon.into(),
        (&f.phone_mobile).into(),
        (&f.phone_landline).into(),
        (&f.call_preferences).into(),
        (&f.email).into(),
        (&f.website).into(),
        f.situation_json().into(),
        f.accessible_potential_cents.into(),
        f.assets_entrusted_cents.into(),
        f.relationship_quality.into(),
        f.referrals_made.into(),
        f.networks_json().into(),
        (&f.notes).into(),
        f.referred_by.into(),
        d.score.into(),
        d.segment.as_str().into(),
        d.size_class.as_str().into(),
        f.last_meeting_on.into(),
        f.last_call_on.into(),
        f.next_contact_on.into(),
        d.next_meeting_due.into(),
        d.next_call_due.into(),
        (&f.search_text).into(),
        (&f.sort_key).into(),
        f.email_key.clone().into(),
        f.name_key.clone().into(),
        d.next_due().into(),
        (&f.campaign).into(),
    ]
}

/// A new record's row to write: its id, values, change number and, for an import, the import
/// and line fingerprints it comes from.
pub(crate) struct NewRow<'a> {
    pub id: Uuid,
    pub fields: &'a ContactFields,
    pub seq: i64,
    pub import: Option<(Uuid, &'a str)>,
}

/// Every column of a new record's row, in the order `insert_contact_rows` names them.
fn new_row_values(actor: &Actor, r: &NewRow<'_>, now: DateTime<Utc>, settings: &AgencySettings) -> Vec<Value> {
    let f = r.fields;
    let owner_id = f.owner_id.unwrap_or(actor.user_id);
    let d = Derived::compute(&f.derive_inputs(f.stage, now), settings);
    // Where the geocoder starts (see `geo_after_write`): a point typed is kept by hand, an
    // address waits for the geocoder, no address needs none.
    let typed = f.lat.is_some() && f.lon.is_some();
    let has_address = !(f.address_line.is_empty() && f.postcode.is_empty() && f.city.is_empty());
    let (precision, source, status, next_at) = if typed {
        (Some("manual"), Some("saisie"), "done", None)
    } else {
        (None, None, if has_address { "pending" } else { "none" }, Some(now))
    };
    let mut values = Vec::with_capacity(2 + RECORD_COLUMNS.len() + 16);
    values.push(r.id.into());
    values.push(actor.agency_id.into());
    values.extend(record_values(owner_id, f, &d));
    values.extend([
        Value::from(f.stage.as_str()),
        now.into(),
        now.into(),
        actor.user_id.into(),
        now.into(),
        actor.user_id.into(),
        r.seq.into(),
        r.seq.into(),
        precision.into(),
        source.into(),
        status.into(),
        "".into(),
        0i64.into(),
        next_at.into(),
        r.import.map(|(i, _)| i).into(),
        r.import.map(|(_, k)| k).into(),
    ]);
    values
}

#[engine_bounds]
impl<E> SqlStore<E> {
    pub(crate) async fn fetch_contact(&self, actor: &Actor, id: Uuid) -> StoreResult<Contact> {
        let mut tx = self.begin().await?;
        let row = Self::visible_row(&mut tx, actor, id).await?;
        tx.commit().await?;
        row.into_contact()
    }

    pub(crate) fn may_manage(actor: &Actor, row: &ContactRow) -> bool {
        actor.sees_whole_agency() || row.owner_id == actor.user_id
    }

    /// Writes an edit of the record `row` (already checked) under change number `seq`,
    /// in the caller's transaction; the REST edit and the sync merge both end here.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn write_contact_edit(
        &self,
        tx: &mut E::Connection,
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
            self.check_owner(tx, actor.agency_id, owner_id).await?;
            // The new advisor's phone pulls the record's history with it.
            Self::send_history_again(tx, id, seq).await?;
        }
        // A referrer kept as it was needs no check (someone who sees more may have set it).
        if f.referred_by != row.referred_by {
            Self::check_referrer(tx, actor, f.referred_by, id).await?;
        }
        let settings = Self::settings_tx(tx, actor.agency_id).await?;
        let d = Derived::compute(&f.derive_inputs(row.stage()?, row.stage_changed_at), &settings);
        let mut qb = Sql::<E>::new("UPDATE contacts SET ");
        qb.push_list(
            RECORD_COLUMNS.iter().zip(record_values(owner_id, f, &d)),
            ", ",
            |qb, (column, value)| {
                qb.push(column).push(" = ").push_bind(value);
            },
        );
        qb.push(", updated_at = ")
            .push_bind(now)
            .push(", updated_by = ")
            .push_bind(actor.user_id)
            .push(", seq = ")
            .push_bind(seq)
            .push(" WHERE id = ")
            .push_bind(id)
            .push(" AND agency_id = ")
            .push_bind(actor.agency_id);
        qb.execute(&mut *tx).await?;
        if f.search_text != row.search_text {
            Self::write_terms(tx, actor.agency_id, id, &f.search_text, false).await?;
        }
        Self::geo_after_write(tx, id, Some(row), f, now).await?;
        sqlx::query("UPDATE contacts SET edited_seq = seq WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let before = row.clone().into_contact()?.to_input();
        let after = Self::visible_row(tx, Scope::agency(actor.agency_id), id)
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

    /// Inserts a record, its first stage line and its timeline line, in the caller's
    /// transaction (a visit report creates referred prospects in its own).
    pub(crate) async fn insert_contact_tx(
        &self,
        tx: &mut E::Connection,
        actor: &Actor,
        id: Uuid,
        f: &ContactFields,
        stage_reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let seq = self.next_seq_as(tx, actor, 1).await?;
        self.check_new_contact(tx, actor, id, f).await?;
        let settings = Self::settings_tx(tx, actor.agency_id).await?;
        Self::insert_contact_row(tx, actor, id, f, now, seq, &settings, None).await?;
        Self::write_created_lines(tx, actor, &[(id, f, stage_reason, seq)], now).await
    }

    /// Who may create this record: an advisor for themself, a manager for an active
    /// advisor of the agency; a referrer the actor sees.
    pub(crate) async fn check_new_contact(
        &self,
        tx: &mut E::Connection,
        actor: &Actor,
        id: Uuid,
        f: &ContactFields,
    ) -> StoreResult<()> {
        let owner_id = f.owner_id.unwrap_or(actor.user_id);
        if owner_id != actor.user_id && !actor.sees_whole_agency() {
            return Err(StoreError::Forbidden("un conseiller crée des dossiers pour lui-même"));
        }
        self.check_owner(tx, actor.agency_id, owner_id).await?;
        Self::check_referrer(tx, actor, f.referred_by, id).await
    }

    /// Writes the row of a new record checked by [`Self::check_new_contact`], with its change
    /// number and its geocoding queued; its search words, first stage line and timeline
    /// line follow by [`Self::write_created_lines`], for many records at once. `import`: the
    /// import and line fingerprints it comes from.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn insert_contact_row(
        tx: &mut E::Connection,
        actor: &Actor,
        id: Uuid,
        f: &ContactFields,
        now: DateTime<Utc>,
        seq: i64,
        settings: &AgencySettings,
        import: Option<(Uuid, &str)>,
    ) -> StoreResult<()> {
        let row = NewRow {
            id,
            fields: f,
            seq,
            import,
        };
        Self::insert_contact_rows(tx, actor, &[row], now, settings).await
    }

    /// [`Self::insert_contact_row`] for many records, in one statement.
    pub(crate) async fn insert_contact_rows(
        tx: &mut E::Connection,
        actor: &Actor,
        rows: &[NewRow<'_>],
        now: DateTime<Utc>,
        settings: &AgencySettings,
    ) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut qb = Sql::<E>::new("INSERT INTO contacts (id, agency_id, ");
        qb.push(RECORD_COLUMNS.join(", ")).push(
            ", stage, stage_changed_at, created_at, created_by, updated_at, updated_by, seq, edited_seq, \
             geo_precision, geo_source, geo_status, geo_note, geo_attempts, geo_next_at, import_id, import_key) ",
        );
        qb.push_values(rows, |values, r| {
            for value in new_row_values(actor, r, now, settings) {
                values.push_bind(value);
            }
        });
        qb.execute(&mut *tx).await.map_err(|e| match e {
            StoreError::Db(e) => map_unique(e, "un dossier existe déjà avec cet identifiant"),
            other => other,
        })?;
        Ok(())
    }

    /// What goes with new records written by [`Self::insert_contact_row`]: their search
    /// words, first stage lines and timeline lines, three statements for all of them.
    pub(crate) async fn write_created_lines(
        tx: &mut E::Connection,
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
            qb.execute(&mut *tx).await?;
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
        qb.execute(&mut *tx).await?;
        // The timeline's first line (as `insert_event` writes one).
        let mut qb = Sql::<E>::new(
            "INSERT INTO contact_events (id, agency_id, contact_id, at, kind, title, detail, author_id, ref_id, seq) ",
        );
        qb.push_values(created, |b, (id, f, reason, seq)| {
            b.push_bind(shared::new_id())
                .push_bind(actor.agency_id)
                .push_bind(*id)
                .push_bind(now)
                .push_bind(EventKind::Stage.as_str())
                .push_bind(format!("Dossier créé : {}", f.stage.label().to_lowercase()))
                .push_bind(reason.unwrap_or("").to_string())
                .push_bind(Some(actor.user_id))
                .push_bind(Some(*id))
                .push_bind(*seq);
        });
        qb.execute(&mut *tx).await?;
        Ok(())
    }

    /// Moves a record's last-contact dates forward (`Touch::apply`), recomputes what
    /// depends on them, and closes its open cadence task when a meeting or a call took
    /// place.
    pub(crate) async fn touch_contact(
        &self,
        tx: &mut E::Connection,
        actor: &Actor,
        contact_id: Uuid,
        t: Touch,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let row = Self::visible_row(tx, Scope::agency(actor.agency_id), contact_id).await?;
        let mut inputs = row.derive_inputs()?;
        let last_contact = t.apply(&mut inputs, row.last_contact_on);
        let settings = Self::settings_tx(tx, actor.agency_id).await?;
        let d = Derived::compute(&inputs, &settings);
        let seq = self.next_seq_as(tx, actor, 1).await?;
        sqlx::query(
            "UPDATE contacts SET last_meeting_on = $3, last_call_on = $4, last_contact_on = $5, referrals_made = $6, score = $7, \
             segment = $8, size_class = $9, next_meeting_due = $10, next_call_due = $11, next_due = $12, seq = $13, \
             updated_at = $14, updated_by = $15 WHERE id = $1 AND agency_id = $2",
        )
        .bind(contact_id)
        .bind(actor.agency_id)
        .bind(inputs.last_meeting_on)
        .bind(inputs.last_call_on)
        .bind(last_contact)
        .bind(inputs.referrals_made)
        .bind(d.score)
        .bind(d.segment.as_str())
        .bind(d.size_class.as_str())
        .bind(d.next_meeting_due)
        .bind(d.next_call_due)
        .bind(d.next_due())
        .bind(seq)
        .bind(now)
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
        if t.closes_cadence_task() {
            sqlx::query(
                "UPDATE tasks SET done_at = $3, updated_at = $3, seq = $4 WHERE contact_id = $1 AND agency_id = $2 \
                 AND source = 'cadence' AND done_at IS NULL AND deleted_at IS NULL",
            )
            .bind(contact_id)
            .bind(actor.agency_id)
            .bind(now)
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }
}

#[engine_bounds]
#[async_trait]
impl<E> ContactStore for SqlStore<E> {
    async fn insert_contact(
        &self,
        actor: &Actor,
        id: Uuid,
        f: &ContactFields,
        stage_reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<Contact> {
        let mut tx = self.begin().await?;
        self.insert_contact_tx(&mut tx, actor, id, f, stage_reason, now).await?;
        let row = Self::visible_row(&mut tx, Scope::agency(actor.agency_id), id).await?;
        tx.commit().await?;
        row.into_contact()
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
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
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
        let contact = self.write_contact_edit(&mut tx, actor, id, &row, f, seq, now).await?;
        tx.commit().await?;
        Ok(contact)
    }

    async fn delete_contact(&self, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
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

    async fn changes_after(&self, agency_id: Uuid, after: i64, limit: u32) -> StoreResult<Vec<Contact>> {
        let sql = format!("{CONTACT_SELECT} WHERE c.agency_id = $1 AND c.seq > $2 ORDER BY c.seq LIMIT $3");
        let rows: Vec<ContactRow> = sqlx::query_as(&sql)
            .bind(agency_id)
            .bind(after)
            .bind(limit.clamp(1, 10_000) as i64)
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.into_iter().map(ContactRow::into_contact).collect()
    }

    async fn count_contacts(&self, agency_id: Uuid) -> StoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM contacts WHERE agency_id = $1 AND deleted_at IS NULL")
            .bind(agency_id)
            .fetch_one(&mut *self.conn().await?)
            .await?;
        Ok(n)
    }
}
