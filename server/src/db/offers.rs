//! Offers and their prognosis history (issue 10, domain §5), implemented once for both engines
//! (`impl<E: Engine> OfferStore for SqlStore<E>`). The rules are `shared::offer`: this module
//! reads the facts, calls them and persists what they return.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use shared::offer::{
    save_offer, AmountKind, Offer, OfferInput, OfferStatus, Pipeline, PipelineMonth, Prognosis, PrognosisChange,
    QuoteAnswer,
};
use shared::record::Contact;
use sqlx::FromRow;
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::contacts::CONTACT_SELECT;
use super::engine::{SqlStore, VISIBLE};
use super::rows::ContactRow;
use super::{Actor, StoreError, StoreResult};

const OFFER_COLUMNS: &str = "o.id, o.contact_id, o.family, o.label, o.amount_cents, o.amount_kind, o.closing_month, \
     o.quote_sent_on, o.quote_answer, o.status, o.prognosis, o.notes, o.prognosis_changed_at, o.prognosis_changed_by, \
     o.created_at, o.created_by, o.updated_at, o.seq";

/// Filters of a pipeline: one advisor (by the record's owner), a range of closing months.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PipelineFilter {
    pub owner_id: Option<Uuid>,
    /// `YYYY-MM`, inclusive.
    pub from_month: Option<String>,
    pub to_month: Option<String>,
}

#[async_trait]
pub trait OfferStore: Send + Sync {
    /// Creates the offer (`input.id` chosen by the caller, or a new one) or replaces its values;
    /// a changed prognosis adds a line to its history. Returns the offer and whether it is new.
    async fn save_offer(&self, actor: &Actor, input: OfferInput, now: DateTime<Utc>) -> StoreResult<(Offer, bool)>;
    async fn offer(&self, actor: &Actor, id: Uuid) -> StoreResult<Offer>;
    /// The offers of a record the actor sees, newest first.
    async fn contact_offers(&self, actor: &Actor, contact_id: Uuid) -> StoreResult<Vec<Offer>>;
    /// An offer's prognosis changes, oldest first.
    async fn prognosis_history(&self, actor: &Actor, offer_id: Uuid) -> StoreResult<Vec<PrognosisChange>>;
    /// Sets or clears the record's global prognosis by hand.
    async fn set_manual_prognosis(
        &self,
        actor: &Actor,
        contact_id: Uuid,
        prognosis: Option<Prognosis>,
        now: DateTime<Utc>,
    ) -> StoreResult<Contact>;
    /// The weighted pipeline of the offers the actor sees, by closing month and by advisor (the
    /// record's owner): one reading, by advisor and month, summed both ways.
    async fn pipeline(&self, actor: &Actor, filter: &PipelineFilter) -> StoreResult<Pipeline>;
}

#[derive(Debug, FromRow)]
pub struct OfferRow {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub family: String,
    pub label: String,
    pub amount_cents: i64,
    pub amount_kind: String,
    pub closing_month: String,
    pub quote_sent_on: Option<NaiveDate>,
    pub quote_answer: String,
    pub status: String,
    pub prognosis: i64,
    pub notes: String,
    pub prognosis_changed_at: DateTime<Utc>,
    pub prognosis_changed_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub created_by: Uuid,
    pub updated_at: DateTime<Utc>,
    pub seq: i64,
}

impl OfferRow {
    pub fn into_offer(self) -> StoreResult<Offer> {
        let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("offer {}: {what} {v:?}", self.id));
        Ok(Offer {
            amount_kind: AmountKind::parse(&self.amount_kind)
                .ok_or_else(|| corrupt("amount_kind", &self.amount_kind))?,
            quote_answer: QuoteAnswer::parse(&self.quote_answer)
                .ok_or_else(|| corrupt("quote_answer", &self.quote_answer))?,
            status: OfferStatus::parse(&self.status).ok_or_else(|| corrupt("status", &self.status))?,
            prognosis: step(self.prognosis).ok_or_else(|| corrupt("prognosis", &self.prognosis.to_string()))?,
            id: self.id,
            contact_id: self.contact_id,
            family: self.family,
            label: self.label,
            amount_cents: self.amount_cents,
            closing_month: self.closing_month,
            quote_sent_on: self.quote_sent_on,
            notes: self.notes,
            prognosis_changed_at: self.prognosis_changed_at,
            prognosis_changed_by: self.prognosis_changed_by,
            created_at: self.created_at,
            created_by: self.created_by,
            updated_at: self.updated_at,
            seq: self.seq,
        })
    }
}

fn step(v: i64) -> Option<Prognosis> {
    u8::try_from(v).ok().and_then(Prognosis::new)
}

/// A pulled offer with the owner of its record (who may see it).
#[derive(Debug, FromRow)]
pub struct PulledOfferRow {
    #[sqlx(flatten)]
    pub offer: OfferRow,
    pub contact_owner_id: Uuid,
}

type PipelineRow = (Uuid, String, String, String, i64, i64, i64);
/// The offers the pipeline counts, from the columns each offer carries of its record (kept by
/// triggers, migration 0024): a range of `offers_pipeline_cover`, no lookup per offer. `$1`
/// agency, `$2` sees the whole agency, `$3` the user (their own and shared records otherwise),
/// `$4` one advisor's, `$5`/`$6` the months, `$7` false (the record not deleted).
const PIPELINE: &str = "o.agency_id = $1 AND o.record_deleted = $7 AND o.status IN ('open', 'signed') \
     AND ($4 IS NULL OR o.record_owner_id = $4) AND ($5 IS NULL OR o.closing_month >= $5) AND ($6 IS NULL OR o.closing_month <= $6) \
     AND ($2 OR o.record_owner_id = $3 OR o.contact_id IN (SELECT s.contact_id FROM contact_shares s WHERE s.user_id = $3))";

#[engine_bounds]
impl<E> SqlStore<E> {
    async fn offer_in(conn: &mut E::Connection, actor: &Actor, id: Uuid) -> StoreResult<Option<Offer>> {
        let sql = format!(
            "SELECT {OFFER_COLUMNS} FROM offers o JOIN contacts c ON c.id = o.contact_id WHERE o.id = $4 AND {VISIBLE}"
        );
        sqlx::query_as::<E, OfferRow>(&sql)
            .bind(actor.agency_id)
            .bind(actor.sees_whole_agency())
            .bind(actor.user_id)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .map(OfferRow::into_offer)
            .transpose()
    }

    /// The offers changed in `(after, upper]` with their record's owner, for a pull.
    pub(crate) async fn offers_changed(
        conn: &mut E::Connection,
        agency_id: Uuid,
        after: i64,
        upper: i64,
    ) -> StoreResult<Vec<(Offer, Uuid)>> {
        let sql = format!(
            "SELECT {OFFER_COLUMNS}, c.owner_id AS contact_owner_id FROM offers o JOIN contacts c ON c.id = o.contact_id \
             WHERE o.agency_id = $1 AND o.seq > $2 AND o.seq <= $3 AND c.deleted_at IS NULL"
        );
        let rows = sqlx::query_as::<E, PulledOfferRow>(&sql)
            .bind(agency_id)
            .bind(after)
            .bind(upper)
            .fetch_all(&mut *conn)
            .await?;
        rows.into_iter()
            .map(|r| Ok((r.offer.into_offer()?, r.contact_owner_id)))
            .collect()
    }
}

#[engine_bounds]
#[async_trait]
impl<E> OfferStore for SqlStore<E> {
    async fn save_offer(&self, actor: &Actor, input: OfferInput, now: DateTime<Utc>) -> StoreResult<(Offer, bool)> {
        let id = input.id.unwrap_or_else(shared::new_id);
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        Self::check_visible(&mut tx, actor, input.contact_id).await?;
        let existing = Self::offer_in(&mut tx, actor, id).await?;
        if existing.is_none() {
            // An id taken by an offer this user does not see is not theirs to overwrite.
            let taken = sqlx::query_as::<E, (i64,)>("SELECT seq FROM offers WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict("cet identifiant d'offre est déjà pris".into()));
            }
        }
        let settings = Self::settings_tx(&mut tx, actor.agency_id).await?;
        let kept = existing.as_ref().map(|o| o.family.as_str());
        let valid = input
            .validate(&settings.product_families, kept)
            .map_err(StoreError::Validation)?;
        let name = Self::user_name(&mut tx, actor.user_id).await?;
        let fx = save_offer(existing.as_ref(), id, valid, actor.user_id, &name, now)?;
        let o = &fx.offer;
        let sql = if fx.created {
            "INSERT INTO offers (family, label, amount_cents, amount_kind, closing_month, quote_sent_on, quote_answer, status, \
             prognosis, notes, prognosis_changed_at, prognosis_changed_by, updated_at, seq, id, agency_id, contact_id, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
        } else {
            "UPDATE offers SET family = $1, label = $2, amount_cents = $3, amount_kind = $4, closing_month = $5, \
             quote_sent_on = $6, quote_answer = $7, status = $8, prognosis = $9, notes = $10, prognosis_changed_at = $11, \
             prognosis_changed_by = $12, updated_at = $13, seq = $14 WHERE id = $15 AND agency_id = $16"
        };
        let mut q = sqlx::query::<E>(sql)
            .bind(o.family.clone())
            .bind(o.label.clone())
            .bind(o.amount_cents)
            .bind(o.amount_kind.as_str().to_string())
            .bind(o.closing_month.clone())
            .bind(o.quote_sent_on)
            .bind(o.quote_answer.as_str().to_string())
            .bind(o.status.as_str().to_string())
            .bind(i64::from(o.prognosis.percent()))
            .bind(o.notes.clone())
            .bind(o.prognosis_changed_at)
            .bind(o.prognosis_changed_by)
            .bind(o.updated_at)
            .bind(seq)
            .bind(o.id)
            .bind(actor.agency_id);
        if fx.created {
            q = q.bind(o.contact_id).bind(o.created_at).bind(o.created_by);
        }
        q.execute(&mut *tx).await?;
        if let Some(change) = &fx.prognosis_change {
            sqlx::query::<E>(
                "INSERT INTO offer_prognosis_changes (id, agency_id, offer_id, from_step, to_step, author_id, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(shared::new_id())
            .bind(actor.agency_id)
            .bind(id)
            .bind(change.from.map(|p| i64::from(p.percent())))
            .bind(i64::from(change.to.percent()))
            .bind(change.by)
            .bind(change.at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok((Offer { seq, ..fx.offer }, fx.created))
    }

    async fn offer(&self, actor: &Actor, id: Uuid) -> StoreResult<Offer> {
        let mut conn = self.conn().await?;
        Self::offer_in(&mut conn, actor, id).await?.ok_or(StoreError::NotFound)
    }

    async fn contact_offers(&self, actor: &Actor, contact_id: Uuid) -> StoreResult<Vec<Offer>> {
        let mut conn = self.conn().await?;
        Self::check_visible(&mut conn, actor, contact_id).await?;
        let sql = format!(
            "SELECT {OFFER_COLUMNS} FROM offers o WHERE o.contact_id = $1 AND o.agency_id = $2 ORDER BY o.created_at DESC, o.id DESC"
        );
        let rows = sqlx::query_as::<E, OfferRow>(&sql)
            .bind(contact_id)
            .bind(actor.agency_id)
            .fetch_all(&mut *conn)
            .await?;
        rows.into_iter().map(OfferRow::into_offer).collect()
    }

    async fn prognosis_history(&self, actor: &Actor, offer_id: Uuid) -> StoreResult<Vec<PrognosisChange>> {
        let mut conn = self.conn().await?;
        Self::offer_in(&mut conn, actor, offer_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let rows = sqlx::query_as::<E, (Option<i64>, i64, Uuid, String, DateTime<Utc>)>(
            "SELECT h.from_step, h.to_step, h.author_id, u.display_name, h.at FROM offer_prognosis_changes h \
             JOIN users u ON u.id = h.author_id WHERE h.offer_id = $1 ORDER BY h.at, h.id",
        )
        .bind(offer_id)
        .fetch_all(&mut *conn)
        .await?;
        rows.into_iter()
            .map(|(from, to, by, by_name, at)| {
                let corrupt = || StoreError::Corrupt(format!("prognosis history of {offer_id}"));
                Ok(PrognosisChange {
                    offer_id,
                    from: from.map(|f| step(f).ok_or_else(corrupt)).transpose()?,
                    to: step(to).ok_or_else(corrupt)?,
                    by,
                    by_name,
                    at,
                })
            })
            .collect()
    }

    async fn set_manual_prognosis(
        &self,
        actor: &Actor,
        contact_id: Uuid,
        prognosis: Option<Prognosis>,
        now: DateTime<Utc>,
    ) -> StoreResult<Contact> {
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        Self::check_visible(&mut tx, actor, contact_id).await?;
        sqlx::query::<E>(
            "UPDATE contacts SET manual_prognosis = $2, seq = $3, updated_at = $4, updated_by = $5 WHERE id = $1",
        )
        .bind(contact_id)
        .bind(prognosis.map(|p| i64::from(p.percent())))
        .bind(seq)
        .bind(now)
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
        let sql = format!("{CONTACT_SELECT} WHERE c.id = $1");
        let row = sqlx::query_as::<E, ContactRow>(&sql)
            .bind(contact_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        row.into_contact()
    }

    async fn pipeline(&self, actor: &Actor, filter: &PipelineFilter) -> StoreResult<Pipeline> {
        // Grouped in the covering index's order (status, owner, month): no sort.
        let sql = format!(
            "SELECT g.record_owner_id, u.display_name, g.closing_month, g.status, g.n, g.amount, g.weighted FROM \
             (SELECT o.record_owner_id, o.closing_month, o.status, COUNT(*) AS n, CAST(SUM(o.amount_cents) AS BIGINT) AS amount, \
             CAST(SUM(o.amount_cents * o.prognosis / 100) AS BIGINT) AS weighted FROM offers o WHERE {PIPELINE} \
             GROUP BY o.status, o.record_owner_id, o.closing_month) g JOIN users u ON u.id = g.record_owner_id"
        );
        let rows = sqlx::query_as::<E, PipelineRow>(&sql)
            .bind(actor.agency_id)
            .bind(actor.sees_whole_agency())
            .bind(actor.user_id)
            .bind(filter.owner_id)
            .bind(filter.from_month.clone())
            .bind(filter.to_month.clone())
            .bind(false)
            .fetch_all(&mut *self.conn().await?)
            .await?;
        let cells: Vec<_> = rows
            .into_iter()
            .map(|(owner_id, name, month, status, n, amount, weighted)| {
                let m = if status == "signed" {
                    PipelineMonth {
                        month,
                        signed_count: n,
                        signed_cents: amount,
                        ..Default::default()
                    }
                } else {
                    PipelineMonth {
                        month,
                        open_count: n,
                        open_cents: amount,
                        weighted_cents: weighted,
                        ..Default::default()
                    }
                };
                (owner_id, name, m)
            })
            .collect();
        Ok(Pipeline::of(&cells))
    }
}
