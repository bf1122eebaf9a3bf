//! Finding records: the word index (`contact_terms`), the contact list with its filters and
//! words ([`SearchStore::search_contacts`]), and the likely duplicates of a record.

use async_trait::async_trait;
use chrono::NaiveDate;
use shared::api::{ContactQuery, DueKind, DuplicateMatch};
use shared::record::{display_name, Contact, ContactKind};
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::builder::Sql;
use super::contacts::CONTACT_SELECT;
use super::engine::{Engine, SqlStore};
use super::rows::{prefix_end, search_terms, ContactRow};
use super::{Actor, DuplicateKeys, StoreResult};

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

/// The contact list and duplicate detection.
#[async_trait]
pub trait SearchStore: Send + Sync {
    /// Contacts matching the query, and whether more follow.
    async fn search_contacts(
        &self,
        actor: &Actor,
        query: &ContactQuery,
        today: NaiveDate,
    ) -> StoreResult<(Vec<Contact>, bool)>;
    async fn find_duplicates(&self, actor: &Actor, keys: &DuplicateKeys) -> StoreResult<Vec<DuplicateMatch>>;
}

#[engine_bounds]
impl<E> SqlStore<E> {
    /// Replaces the record's words in the search index.
    pub(crate) async fn write_terms(
        tx: &mut E::Connection,
        agency_id: Uuid,
        id: Uuid,
        search_text: &str,
        new: bool,
    ) -> StoreResult<()> {
        if !new {
            sqlx::query("DELETE FROM contact_terms WHERE contact_id = $1")
                .bind(id)
                .execute(&mut *tx)
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
        qb.execute(&mut *tx).await?;
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
            let mut tx = self.pool.begin_with(E::BEGIN_WRITE).await?;
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
}

#[engine_bounds]
#[async_trait]
impl<E> SearchStore for SqlStore<E> {
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
            let rows: Vec<ContactRow> = qb.fetch_all(&mut *self.conn().await?).await?;
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
                        .fetch_all(&mut *self.conn().await?)
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
        let rows: Vec<Dup> = qb.fetch_all(&mut *self.conn().await?).await?;
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
}
