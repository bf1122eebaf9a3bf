//! Privacy (issue 11, domain §8): erasure on request and the audit log, for both engines.
//!
//! Erasing a record deletes for real what is about the person — the record's personal fields,
//! its meetings, reports, objections, calls, tasks, history, offers, complaints, conflicts,
//! shares, search words, the referral links, the refused phone writes that carried them — and
//! scrubs their name, e-mail, phone numbers and address from the agency's free texts (another
//! record's notes, a colleague's task "remercier X pour Y"). What stays is an anonymous row:
//! the id, the stage history without its free texts, the size class — the dashboards' counts —
//! marked deleted with a new change number, so every phone drops it at its next pull.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use shared::record::{display_name, ContactKind};
use sqlx::FromRow;
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::engine::{SqlStore, VISIBLE};
use super::{Actor, StoreError, StoreResult};

/// One act in the audit log.
#[derive(Debug, Clone, PartialEq, FromRow, serde::Serialize)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Uuid,
    pub actor_name: String,
    /// `erase_contact`, …
    pub action: String,
    pub target_id: Option<Uuid>,
    pub detail: String,
}

/// A prospect to erase or to contact again.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct RetentionItem {
    pub id: Uuid,
    pub display_name: String,
    pub owner_name: String,
    /// The last contact, or the creation when there was none.
    pub last_contact_on: chrono::NaiveDate,
}

#[derive(FromRow)]
struct RetentionRow {
    id: Uuid,
    kind: String,
    first_name: String,
    last_name: String,
    company_name: String,
    owner_name: String,
    stage: String,
    last_contact_on: Option<chrono::NaiveDate>,
    last_call_on: Option<chrono::NaiveDate>,
    last_meeting_on: Option<chrono::NaiveDate>,
    created_at: DateTime<Utc>,
}

#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// Erases a record the actor sees (see the module's documentation), in one transaction
    /// with its audit line. `why` is the audit's detail (never the person's data).
    async fn erase_contact(&self, actor: &Actor, id: Uuid, why: &str, now: DateTime<Utc>) -> StoreResult<()>;
    /// Writes one act in the audit log.
    async fn add_audit(
        &self,
        actor: &Actor,
        action: &str,
        target: Option<Uuid>,
        detail: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// The prospects past the retention period on `today` (`shared::consent::retention_due`),
    /// longest forgotten first, at most 500.
    async fn retention_due(&self, actor: &Actor, today: chrono::NaiveDate) -> StoreResult<Vec<RetentionItem>>;
    /// The agency's audit log, newest first: the acts in `[from, to)` (either end open when
    /// `None`), at most `limit`.
    async fn audit_log(
        &self,
        actor: &Actor,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: i64,
    ) -> StoreResult<Vec<AuditEntry>>;
}

/// The free texts of the agency a person's name may be written in: `(table, column)`.
const FREE_TEXTS: [(&str, &str); 27] = [
    ("contacts", "notes"),
    ("contacts", "call_preferences"),
    ("contacts", "situation"),
    ("contacts", "spouse_name"),
    ("meetings", "subject"),
    ("meetings", "notes"),
    ("meetings", "address"),
    ("meetings", "status_reason"),
    ("visit_reports", "summary"),
    ("visit_reports", "needs"),
    ("visit_reports", "interest_signs"),
    ("visit_reports", "next_step"),
    ("objections", "text"),
    ("objections", "answer"),
    ("interactions", "note"),
    ("tasks", "title"),
    ("tasks", "notes"),
    ("contact_events", "title"),
    ("contact_events", "detail"),
    ("offers", "label"),
    ("offers", "notes"),
    ("complaints", "from_whom"),
    ("complaints", "description"),
    ("complaints", "answer"),
    ("complaint_steps", "note"),
    ("stage_transitions", "reason"),
    ("consents", "proof"),
];

/// The tables of [`FREE_TEXTS`] whose rows travel in the pull by their `seq`.
/// (`contacts` is renumbered row by row before: its numbers are unique.)
const SYNCED_TABLES: [&str; 8] = [
    "meetings",
    "visit_reports",
    "interactions",
    "tasks",
    "contact_events",
    "offers",
    "complaints",
    "consents",
];

/// What replaces a person's name in someone else's text.
const ERASED: &str = "[personne effacée]";

#[derive(FromRow)]
struct Personal {
    kind: String,
    first_name: String,
    last_name: String,
    company_name: String,
    email: String,
    phone_mobile: String,
    phone_landline: String,
    address_line: String,
}

impl Personal {
    /// The ways the person is written in texts, longest first (a full name before its parts
    /// would be replaced). Bare first or last names are left alone: "Martin" is also a town.
    fn forms(&self) -> Vec<String> {
        let kind = ContactKind::parse(&self.kind).unwrap_or_default();
        let mut forms = vec![
            display_name(kind, &self.first_name, &self.last_name, &self.company_name),
            format!("{} {}", self.first_name, self.last_name),
            format!("{} {}", self.last_name, self.first_name),
            self.company_name.clone(),
            self.email.clone(),
            self.address_line.clone(),
        ];
        for phone in [&self.phone_mobile, &self.phone_landline] {
            if let Ok(p) = shared::values::Phone::parse(phone) {
                forms.push(p.e164().to_string());
                forms.push(p.to_string());
                forms.push(p.to_string().replace(' ', ""));
            }
        }
        let mut forms: Vec<String> = forms
            .into_iter()
            .map(|f| f.trim().to_string())
            .filter(|f| f.chars().count() >= 5)
            .collect();
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        forms.dedup();
        forms
    }
}

#[engine_bounds]
#[async_trait]
impl<E> PrivacyStore for SqlStore<E> {
    async fn erase_contact(&self, actor: &Actor, id: Uuid, why: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        let sql = format!(
            "SELECT c.kind, c.first_name, c.last_name, c.company_name, c.email, c.phone_mobile, c.phone_landline, \
             c.address_line FROM contacts c WHERE c.id = $4 AND {VISIBLE}"
        );
        let person = sqlx::query_as::<E, Personal>(&sql)
            .bind(actor.agency_id)
            .bind(actor.sees_whole_agency())
            .bind(actor.user_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        // What hangs on the record, children first.
        for statement in [
            "DELETE FROM objections WHERE contact_id = $1 OR report_id IN (SELECT id FROM visit_reports WHERE contact_id = $1)",
            "DELETE FROM referrals WHERE referrer_id = $1 OR prospect_id = $1 \
             OR report_id IN (SELECT id FROM visit_reports WHERE contact_id = $1)",
            "DELETE FROM visit_reports WHERE contact_id = $1 OR meeting_id IN (SELECT id FROM meetings WHERE contact_id = $1)",
            "DELETE FROM meetings WHERE contact_id = $1",
            "DELETE FROM interactions WHERE contact_id = $1",
            "DELETE FROM tasks WHERE contact_id = $1",
            "DELETE FROM contact_events WHERE contact_id = $1 OR ref_id = $1",
            "DELETE FROM conflicts WHERE contact_id = $1",
            "DELETE FROM offer_prognosis_changes WHERE offer_id IN (SELECT id FROM offers WHERE contact_id = $1)",
            "DELETE FROM offers WHERE contact_id = $1",
            "DELETE FROM complaint_steps WHERE complaint_id IN (SELECT id FROM complaints WHERE contact_id = $1)",
            "DELETE FROM complaints WHERE contact_id = $1",
            "DELETE FROM contact_shares WHERE contact_id = $1",
            "DELETE FROM consents WHERE contact_id = $1",
            "DELETE FROM contact_terms WHERE contact_id = $1",
            "UPDATE stage_transitions SET reason = NULL, competitor = NULL WHERE contact_id = $1",
            "UPDATE contacts SET referred_by = NULL WHERE referred_by = $1",
        ] {
            sqlx::query::<E>(statement).bind(id).execute(&mut *tx).await?;
        }
        // The phone writes refused by the server keep their arguments: those about the record go.
        sqlx::query::<E>(
            "DELETE FROM sync_refusals WHERE client_id IN (SELECT id FROM sync_clients WHERE agency_id = $1) \
             AND mutation LIKE $2",
        )
        .bind(actor.agency_id)
        .bind(format!("%{id}%"))
        .execute(&mut *tx)
        .await?;
        // The person named in the agency's other texts.
        for form in person.forms() {
            for (table, column) in FREE_TEXTS {
                // A row the phones hold takes the erasure's change number, so that the pull
                // brings the scrubbed text to every phone (a line of a report or a complaint
                // travels with its report or complaint).
                let renumber = match table {
                    "objections" => Some(("visit_reports", "report_id")),
                    "complaint_steps" => Some(("complaints", "complaint_id")),
                    _ => None,
                };
                if let Some((parent, key)) = renumber {
                    let sql = format!(
                        "UPDATE {parent} SET seq = $2 WHERE id IN \
                         (SELECT {key} FROM {table} WHERE agency_id = $1 AND {column} LIKE $3)"
                    );
                    sqlx::query::<E>(&sql)
                        .bind(actor.agency_id)
                        .bind(seq)
                        .bind(format!("%{form}%"))
                        .execute(&mut *tx)
                        .await?;
                }
                if table == "contacts" {
                    // Each record keeps a number of its own (unique per agency).
                    let sql = format!("SELECT id FROM contacts WHERE agency_id = $1 AND {column} LIKE $2 AND id <> $3");
                    let named: Vec<(Uuid,)> = sqlx::query_as::<E, _>(&sql)
                        .bind(actor.agency_id)
                        .bind(format!("%{form}%"))
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?;
                    for (other,) in named {
                        let number = self.next_seq(&mut tx, actor.agency_id, 1).await?;
                        let sql =
                            format!("UPDATE contacts SET {column} = REPLACE({column}, $2, $3), seq = $4 WHERE id = $1");
                        sqlx::query::<E>(&sql)
                            .bind(other)
                            .bind(form.clone())
                            .bind(ERASED.to_string())
                            .bind(number)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                let synced = SYNCED_TABLES.contains(&table);
                let sql = format!(
                    "UPDATE {table} SET {column} = REPLACE({column}, $2, $3){} WHERE agency_id = $1 AND {column} LIKE $4",
                    if synced { ", seq = $5" } else { "" }
                );
                let mut q = sqlx::query::<E>(&sql)
                    .bind(actor.agency_id)
                    .bind(form.clone())
                    .bind(ERASED.to_string())
                    .bind(format!("%{form}%"));
                if synced {
                    q = q.bind(seq);
                }
                q.execute(&mut *tx).await?;
            }
            sqlx::query::<E>(
                "UPDATE sync_refusals SET mutation = REPLACE(mutation, $2, $3), detail = REPLACE(detail, $2, $3) \
                 WHERE client_id IN (SELECT id FROM sync_clients WHERE agency_id = $1) AND (mutation LIKE $4 OR detail LIKE $4)",
            )
            .bind(actor.agency_id)
            .bind(form.clone())
            .bind(ERASED.to_string())
            .bind(format!("%{form}%"))
            .execute(&mut *tx)
            .await?;
        }
        // Files kept between an import's preview and its run may hold the person: they go
        // (an import to run is uploaded again), and the reports forget their line.
        sqlx::query::<E>("UPDATE imports SET content = NULL WHERE agency_id = $1 AND status IN ('draft', 'failed')")
            .bind(actor.agency_id)
            .execute(&mut *tx)
            .await?;
        let reports = sqlx::query_as::<E, (Uuid, String)>(
            "SELECT id, report FROM imports WHERE agency_id = $1 AND report IS NOT NULL",
        )
        .bind(actor.agency_id)
        .fetch_all(&mut *tx)
        .await?;
        let forms = person.forms();
        for (import_id, report) in reports {
            let Ok(lines) = serde_json::from_str::<Vec<serde_json::Value>>(&report) else {
                continue;
            };
            let kept: Vec<serde_json::Value> = lines
                .iter()
                .filter(|l| {
                    let text = l.to_string();
                    !text.contains(&id.to_string()) && !forms.iter().any(|f| text.contains(f.as_str()))
                })
                .cloned()
                .collect();
            if kept.len() != lines.len() {
                sqlx::query::<E>("UPDATE imports SET report = $2 WHERE id = $1")
                    .bind(import_id)
                    .bind(serde_json::to_string(&kept).unwrap_or_else(|_| "[]".into()))
                    .execute(&mut *tx)
                    .await?;
            }
        }
        // The record: an anonymous tombstone.
        sqlx::query::<E>(
            "UPDATE contacts SET first_name = '', last_name = '', spouse_name = '', company_name = '', contact_role = '', \
             household_size = NULL, company_size = NULL, preferred_place = NULL, address_line = '', postcode = '', city = '', \
             sector = '', lat = NULL, lon = NULL, phone_mobile = '', phone_landline = '', call_preferences = '', email = '', \
             website = '', situation = '{}', accessible_potential_cents = 0, assets_entrusted_cents = 0, \
             relationship_quality = NULL, referrals_made = 0, networks = '[]', notes = '', lost_to = NULL, referred_by = NULL, \
             search_text = '', sort_key = '', email_key = NULL, name_key = NULL, import_key = NULL, geo_note = '', \
             geo_source = NULL, geo_precision = NULL, geo_status = 'none', geo_next_at = NULL, \
             deleted_at = $2, erased_at = $2, updated_at = $2, updated_by = $3, seq = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .bind(actor.user_id)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        sqlx::query::<E>(
            "INSERT INTO audit_log (id, agency_id, at, actor_id, action, target_id, detail) \
             VALUES ($1, $2, $3, $4, 'erase_contact', $5, $6)",
        )
        .bind(shared::new_id())
        .bind(actor.agency_id)
        .bind(now)
        .bind(actor.user_id)
        .bind(id)
        .bind(why.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_audit(
        &self,
        actor: &Actor,
        action: &str,
        target: Option<Uuid>,
        detail: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query::<E>(
            "INSERT INTO audit_log (id, agency_id, at, actor_id, action, target_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(shared::new_id())
        .bind(actor.agency_id)
        .bind(now)
        .bind(actor.user_id)
        .bind(action.to_string())
        .bind(target)
        .bind(detail.to_string())
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn retention_due(&self, actor: &Actor, today: chrono::NaiveDate) -> StoreResult<Vec<RetentionItem>> {
        let rows = sqlx::query_as::<E, RetentionRow>(
            "SELECT c.id, c.kind, c.first_name, c.last_name, c.company_name, u.display_name AS owner_name, c.stage, \
             c.last_contact_on, c.last_call_on, c.last_meeting_on, c.created_at FROM contacts c JOIN users u ON u.id = c.owner_id \
             WHERE c.agency_id = $1 AND c.deleted_at IS NULL AND c.stage NOT IN ('client', 'former_client')",
        )
        .bind(actor.agency_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        let mut due: Vec<RetentionItem> = rows
            .into_iter()
            .filter_map(|r| {
                let contacts = [r.last_contact_on, r.last_call_on, r.last_meeting_on];
                let created = r.created_at.date_naive();
                let prospect = shared::stage::Stage::parse(&r.stage).is_some_and(|s| s.is_prospect());
                shared::consent::retention_due(prospect, &contacts, created, today).then(|| RetentionItem {
                    id: r.id,
                    display_name: display_name(
                        ContactKind::parse(&r.kind).unwrap_or_default(),
                        &r.first_name,
                        &r.last_name,
                        &r.company_name,
                    ),
                    owner_name: r.owner_name,
                    last_contact_on: contacts.iter().flatten().copied().max().unwrap_or(created),
                })
            })
            .collect();
        due.sort_by_key(|i| (i.last_contact_on, i.id));
        due.truncate(500);
        Ok(due)
    }

    async fn audit_log(
        &self,
        actor: &Actor,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: i64,
    ) -> StoreResult<Vec<AuditEntry>> {
        Ok(sqlx::query_as::<E, AuditEntry>(
            "SELECT a.id, a.at, a.actor_id, u.display_name AS actor_name, a.action, a.target_id, a.detail \
             FROM audit_log a JOIN users u ON u.id = a.actor_id WHERE a.agency_id = $1 \
             AND ($2 IS NULL OR a.at >= $2) AND ($3 IS NULL OR a.at < $3) ORDER BY a.at DESC LIMIT $4",
        )
        .bind(actor.agency_id)
        .bind(from)
        .bind(to)
        .bind(limit)
        .fetch_all(&mut *self.conn().await?)
        .await?)
    }
}
