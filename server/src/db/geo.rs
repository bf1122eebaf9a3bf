//! Storage of points and of the geocoding queue: [`GeoStore`], a supertrait of
//! [`Store`](super::Store), implemented once for both engines.
//!
//! A record written with an address and no point is queued (`geo_status = 'pending'`); the
//! background worker takes due records, writes the point with its precision and source, or
//! flags the address (ambiguous, not found), or schedules a retry with backoff. A point typed
//! by hand or taken from the phone (`manual`, `gps`) is never overwritten by the geocoder.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shared::record::Contact;
use shared::visit::EventKind;
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::builder::Sql;
use super::contacts::CONTACT_SELECT;
use super::engine::SqlStore;
use super::rows::ContactRow;
use super::{Actor, ContactFields, StoreResult};

/// A record to geocode.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoJob {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub address_line: String,
    pub postcode: String,
    pub city: String,
    pub attempts: i64,
}

/// What the worker decided for a job.
#[derive(Debug, Clone, PartialEq)]
pub enum GeoUpdate {
    /// A point; `retry_at` when a more precise answer is still to be asked for later.
    Point {
        lat: f64,
        lon: f64,
        precision: &'static str,
        source: &'static str,
        retry_at: Option<DateTime<Utc>>,
    },
    /// Flagged for the advisor: `ambiguous` or `not_found`, with the candidates or the reason.
    Flag { status: &'static str, note: String },
    /// Nothing usable now; try again then.
    Retry { at: DateTime<Utc>, note: String },
}

/// A record's place and what ranks it, for areas and nearby lists.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PlaceRow {
    pub id: Uuid,
    pub kind: String,
    pub first_name: String,
    pub last_name: String,
    pub company_name: String,
    pub city: String,
    pub postcode: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub segment: String,
    pub stage: String,
    pub next_due: Option<chrono::NaiveDate>,
}

#[async_trait]
pub trait GeoStore: Send + Sync {
    /// Every record the actor sees, with its place (points may be missing).
    async fn places(&self, actor: &Actor) -> StoreResult<Vec<PlaceRow>>;
    /// Records due for geocoding (all agencies: this is the worker's view).
    async fn geocode_due(&self, limit: u32, now: DateTime<Utc>) -> StoreResult<Vec<GeoJob>>;
    async fn geocode_done(&self, job: &GeoJob, update: &GeoUpdate, now: DateTime<Utc>) -> StoreResult<()>;
    /// "I'm at the client's": the phone's position (or a point placed by hand) becomes the
    /// record's point.
    async fn set_position(
        &self,
        actor: &Actor,
        id: Uuid,
        lat: f64,
        lon: f64,
        precision: &'static str,
        now: DateTime<Utc>,
    ) -> StoreResult<Contact>;
    /// The actor's records whose address needs a look (ambiguous or not found).
    async fn geo_flagged(&self, actor: &Actor) -> StoreResult<Vec<Contact>>;
}

#[engine_bounds]
impl<E> SqlStore<E> {
    /// After a record is written: queue it when its address changed and its point is
    /// not one the advisor set; a point given with the record is taken as typed.
    pub(crate) async fn geo_after_write(
        tx: &mut E::Connection,
        id: Uuid,
        before: Option<&ContactRow>,
        f: &ContactFields,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let has_address = !(f.address_line.is_empty() && f.postcode.is_empty() && f.city.is_empty());
        let point_typed = match before {
            None => f.lat.is_some() && f.lon.is_some(),
            Some(b) => f.lat.is_some() && (f.lat != b.lat || f.lon != b.lon),
        };
        let address_changed = match before {
            None => true,
            Some(b) => b.address_line != f.address_line || b.postcode != f.postcode || b.city != f.city,
        };
        let kept_by_hand = before.is_some_and(|b| matches!(b.geo_precision.as_deref(), Some("manual" | "gps")));
        if point_typed {
            sqlx::query("UPDATE contacts SET geo_precision = 'manual', geo_source = 'saisie', geo_status = 'done', geo_note = '', geo_attempts = 0, geo_next_at = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        } else if address_changed && !kept_by_hand {
            let status = if has_address { "pending" } else { "none" };
            sqlx::query(
                "UPDATE contacts SET geo_status = $2, geo_note = '', geo_attempts = 0, geo_next_at = $3 WHERE id = $1",
            )
            .bind(id)
            .bind(status)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }
}

#[engine_bounds]
#[async_trait::async_trait]
impl<E> GeoStore for SqlStore<E> {
    async fn places(&self, actor: &Actor) -> StoreResult<Vec<crate::db::geo::PlaceRow>> {
        let mut qb = Sql::<E>::new(
            "SELECT c.id, c.kind, c.first_name, c.last_name, c.company_name, c.city, c.postcode, c.lat, c.lon, c.segment, c.stage, c.next_due \
             FROM contacts c WHERE c.agency_id = ",
        );
        qb.push_bind(actor.agency_id).push(" AND c.deleted_at IS NULL");
        if !actor.sees_whole_agency() {
            qb.push(" AND (c.owner_id = ")
                .push_bind(actor.user_id)
                .push(" OR EXISTS (SELECT 1 FROM contact_shares s WHERE s.contact_id = c.id AND s.user_id = ")
                .push_bind(actor.user_id)
                .push("))");
        }
        Ok(qb.fetch_all(&mut *self.conn().await?).await?)
    }

    async fn geocode_due(&self, limit: u32, now: DateTime<Utc>) -> StoreResult<Vec<GeoJob>> {
        let rows: Vec<(Uuid, Uuid, String, String, String, i64)> = sqlx::query_as(
            "SELECT id, agency_id, address_line, postcode, city, geo_attempts FROM contacts \
             WHERE geo_status = 'pending' AND geo_next_at <= $1 AND deleted_at IS NULL ORDER BY geo_next_at LIMIT $2",
        )
        .bind(now)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, agency_id, address_line, postcode, city, attempts)| GeoJob {
                id,
                agency_id,
                address_line,
                postcode,
                city,
                attempts,
            })
            .collect())
    }

    async fn geocode_done(&self, job: &GeoJob, update: &GeoUpdate, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let seq = self.next_seq(&mut tx, job.agency_id, 1).await?;
        // The record may have changed meanwhile (new address, point set by hand):
        // only a record still waiting with the same address takes the answer.
        let current: Option<(String, String, String, String)> = sqlx::query_as(
            "SELECT geo_status, address_line, postcode, city FROM contacts WHERE id = $1 AND agency_id = $2 AND deleted_at IS NULL",
        )
        .bind(job.id)
        .bind(job.agency_id)
        .fetch_optional(&mut *tx)
        .await?;
        match current {
            Some((status, a, p, c))
                if status == "pending" && a == job.address_line && p == job.postcode && c == job.city => {}
            _ => return Ok(()),
        }
        let attempts = job.attempts + 1;
        match update {
            GeoUpdate::Point {
                lat,
                lon,
                precision,
                source,
                retry_at,
            } => {
                sqlx::query(
                    "UPDATE contacts SET lat = $3, lon = $4, geo_precision = $5, geo_source = $6, geo_status = $7, geo_note = '', \
                     geo_attempts = $8, geo_next_at = $9, seq = $10, updated_at = $11 WHERE id = $1 AND agency_id = $2",
                )
                .bind(job.id)
                .bind(job.agency_id)
                .bind(lat)
                .bind(lon)
                .bind(*precision)
                .bind(*source)
                .bind(if retry_at.is_some() { "pending" } else { "done" })
                .bind(attempts)
                .bind(retry_at)
                .bind(seq)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            GeoUpdate::Flag { status, note } => {
                sqlx::query("UPDATE contacts SET geo_status = $3, geo_note = $4, geo_attempts = $5, geo_next_at = NULL, seq = $6, updated_at = $7 WHERE id = $1 AND agency_id = $2")
                    .bind(job.id)
                    .bind(job.agency_id)
                    .bind(*status)
                    .bind(note)
                    .bind(attempts)
                    .bind(seq)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            GeoUpdate::Retry { at, note } => {
                sqlx::query("UPDATE contacts SET geo_note = $3, geo_attempts = $4, geo_next_at = $5 WHERE id = $1 AND agency_id = $2")
                    .bind(job.id)
                    .bind(job.agency_id)
                    .bind(note)
                    .bind(attempts)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn set_position(
        &self,
        actor: &Actor,
        id: Uuid,
        lat: f64,
        lon: f64,
        precision: &'static str,
        now: DateTime<Utc>,
    ) -> StoreResult<Contact> {
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        Self::visible_row(&mut tx, actor, id).await?;
        sqlx::query(
            "UPDATE contacts SET lat = $3, lon = $4, geo_precision = $5, geo_source = $5, geo_status = 'done', geo_note = '', \
             geo_attempts = 0, geo_next_at = NULL, seq = $6, updated_at = $7, updated_by = $8 WHERE id = $1 AND agency_id = $2",
        )
        .bind(id)
        .bind(actor.agency_id)
        .bind(lat)
        .bind(lon)
        .bind(precision)
        .bind(seq)
        .bind(now)
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
        Self::insert_event(
            &mut tx,
            actor.agency_id,
            id,
            now,
            EventKind::Meeting,
            "Position du client enregistrée",
            if precision == "gps" {
                "depuis le téléphone"
            } else {
                "placée à la main"
            },
            Some(actor.user_id),
            Some(id),
        )
        .await?;
        let row = Self::visible_row(&mut tx, actor, id).await?;
        tx.commit().await?;
        row.into_contact()
    }

    async fn geo_flagged(&self, actor: &Actor) -> StoreResult<Vec<Contact>> {
        let mut qb = Sql::<E>::new(CONTACT_SELECT);
        qb.push(" WHERE c.agency_id = ")
            .push_bind(actor.agency_id)
            .push(" AND c.deleted_at IS NULL AND c.geo_status IN ('ambiguous', 'not_found')");
        if !actor.sees_whole_agency() {
            qb.push(" AND c.owner_id = ").push_bind(actor.user_id);
        }
        qb.push(" ORDER BY c.sort_key LIMIT 200");
        let rows: Vec<ContactRow> = qb.fetch_all(&mut *self.conn().await?).await?;
        rows.into_iter().map(ContactRow::into_contact).collect()
    }
}
