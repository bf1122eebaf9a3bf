//! Visit reports (objections, referrals, the confirmed stage), calls and other interactions,
//! and a record's referral chain. The store reads the facts, calls `shared::visit::effects`
//! and persists what it returns, in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use shared::stage::Stage;
use shared::visit::effects::{self as fx, Touch};
use shared::visit::{
    CallOutcome, CheckIn, ContactRef, Interaction, InteractionInput, InteractionKind, Objection, Outcome, Referrals,
    Report, ReportInput, TimelineEntry,
};
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::builder::Sql;
use super::engine::{map_unique, SqlStore};
use super::{Actor, ContactFields, Scope, StoreError, StoreResult};
use crate::time::AgencyTime;

#[derive(Debug, sqlx::FromRow)]
pub struct ReportRow {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub contact_id: Uuid,
    pub outcome: String,
    pub summary: String,
    pub needs: String,
    pub interest_signs: String,
    pub satisfaction: Option<i64>,
    pub recommend_score: Option<i64>,
    pub stage_from: String,
    pub stage_to: Option<String>,
    pub next_step: String,
    pub next_step_due: Option<NaiveDate>,
    pub referrals_asked: bool,
    pub checkin_at: Option<DateTime<Utc>>,
    pub checkin_lat: Option<f64>,
    pub checkin_lon: Option<f64>,
    pub checkin_accuracy: Option<f64>,
    pub author_name: String,
    pub created_at: DateTime<Utc>,
    pub seq: i64,
}

impl ReportRow {
    pub fn into_report(
        self,
        objections: Vec<Objection>,
        referred: Vec<shared::visit::ContactRef>,
        tasks: Vec<Uuid>,
    ) -> StoreResult<Report> {
        let stage = |s: &str| shared::stage::Stage::parse(s).ok_or_else(|| StoreError::Corrupt(format!("stage {s:?}")));
        let checkin = match (self.checkin_at, self.checkin_lat, self.checkin_lon) {
            (Some(at), Some(lat), Some(lon)) => Some(CheckIn {
                at,
                lat,
                lon,
                accuracy_m: self.checkin_accuracy,
            }),
            _ => None,
        };
        Ok(Report {
            id: self.id,
            meeting_id: self.meeting_id,
            contact_id: self.contact_id,
            outcome: Outcome::parse(&self.outcome)
                .ok_or_else(|| StoreError::Corrupt(format!("outcome {:?}", self.outcome)))?,
            summary: self.summary,
            needs: self.needs,
            interest_signs: self.interest_signs,
            satisfaction: self.satisfaction.and_then(|s| u8::try_from(s).ok()),
            recommend_score: self.recommend_score.and_then(|s| u8::try_from(s).ok()),
            stage_from: stage(&self.stage_from)?,
            stage_to: self.stage_to.as_deref().map(stage).transpose()?,
            next_step: self.next_step,
            next_step_due: self.next_step_due,
            referrals_asked: self.referrals_asked,
            checkin,
            objections,
            referred,
            tasks,
            author_name: self.author_name,
            created_at: self.created_at,
            seq: self.seq,
        })
    }
}

/// Visit reports, interactions and referrals.
#[async_trait]
pub trait ReportStore: Send + Sync {
    // Visit reports.
    /// Saves the report of a meeting (marking it held if it was planned), with its
    /// objections, the prospects from the names given, the tasks and the stage change.
    async fn save_report(
        &self,
        actor: &Actor,
        meeting_id: Uuid,
        report: &ReportInput,
        time: &AgencyTime,
        now: DateTime<Utc>,
    ) -> StoreResult<Report>;
    async fn report(&self, actor: &Actor, meeting_id: Uuid) -> StoreResult<Option<Report>>;
    // Interactions.
    /// Logs a call, e-mail, letter or SMS and moves the record's last-contact dates.
    async fn log_interaction(
        &self,
        actor: &Actor,
        contact_id: Uuid,
        input: &InteractionInput,
        time: &AgencyTime,
        now: DateTime<Utc>,
    ) -> StoreResult<TimelineEntry>;
    async fn referrals(&self, actor: &Actor, contact_id: Uuid) -> StoreResult<Referrals>;
}

#[engine_bounds]
impl<E> SqlStore<E> {
    pub(crate) async fn report_tx(
        tx: &mut E::Connection,
        agency_id: Uuid,
        meeting_id: Uuid,
    ) -> StoreResult<Option<Report>> {
        let mut reports = Self::load_reports(tx, agency_id, Reports::OfMeeting(meeting_id)).await?;
        Ok(reports.pop().map(|r| r.report))
    }

    /// The reports changed in `(after, upper]` on records not deleted, for a pull.
    pub(crate) async fn reports_changed(
        conn: &mut E::Connection,
        agency_id: Uuid,
        after: i64,
        upper: i64,
    ) -> StoreResult<Vec<PulledReport>> {
        Self::load_reports(conn, agency_id, Reports::Changed { after, upper }).await
    }

    /// Reports with their objections, the prospects named and the tasks they made: one query
    /// per part whatever the number of reports.
    async fn load_reports(conn: &mut E::Connection, agency_id: Uuid, which: Reports) -> StoreResult<Vec<PulledReport>> {
        let query = |head: &str| {
            let mut q = Sql::<E>::new(head);
            q.push(" WHERE r.agency_id = ").push_bind(agency_id);
            match which {
                Reports::OfMeeting(id) => {
                    q.push(" AND r.meeting_id = ").push_bind(id);
                }
                Reports::Changed { after, upper } => {
                    q.push(" AND r.seq > ")
                        .push_bind(after)
                        .push(" AND r.seq <= ")
                        .push_bind(upper)
                        .push(" AND r.contact_id IN (SELECT id FROM contacts WHERE agency_id = ")
                        .push_bind(agency_id)
                        .push(" AND deleted_at IS NULL)");
                }
            }
            q
        };
        let rows: Vec<PulledReportRow> = query(
            "SELECT r.id, r.meeting_id, r.contact_id, r.outcome, r.summary, r.needs, r.interest_signs, r.satisfaction, r.recommend_score, r.stage_from, \
             r.stage_to, r.next_step, r.next_step_due, r.referrals_asked, r.checkin_at, r.checkin_lat, r.checkin_lon, r.checkin_accuracy, \
             u.display_name AS author_name, r.created_at, r.seq, r.author_id, c.owner_id AS contact_owner_id \
             FROM visit_reports r JOIN users u ON u.id = r.author_id JOIN contacts c ON c.id = r.contact_id",
        )
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let objections: Vec<ObjectionRow> = query(
            "SELECT o.report_id, o.id, o.code, o.label, o.text, o.answer, o.overcome FROM objections o \
             JOIN visit_reports r ON r.id = o.report_id",
        )
        .push(" ORDER BY o.id")
        .fetch_all(&mut *conn)
        .await?;
        let referred: Vec<(Uuid, Uuid, String, String, String, String, String)> = query(
            "SELECT f.report_id, c.id, c.kind, c.first_name, c.last_name, c.company_name, c.stage FROM referrals f \
             JOIN visit_reports r ON r.id = f.report_id JOIN contacts c ON c.id = f.prospect_id",
        )
        .push(" ORDER BY f.id")
        .fetch_all(&mut *conn)
        .await?;
        let tasks: Vec<(Uuid, Uuid)> =
            query("SELECT t.source_id, t.id FROM tasks t JOIN visit_reports r ON r.id = t.source_id")
                .push(" AND t.agency_id = r.agency_id ORDER BY t.id")
                .fetch_all(&mut *conn)
                .await?;
        let mut parts: std::collections::HashMap<Uuid, ReportParts> = std::collections::HashMap::new();
        for (report, id, code, label, text, answer, overcome) in objections {
            parts.entry(report).or_default().0.push(Objection {
                id,
                code,
                label,
                text,
                answer,
                overcome,
            });
        }
        for (report, id, kind, first, last, company, stage) in referred {
            parts.entry(report).or_default().1.push(ContactRef {
                id,
                display_name: crate::db::rows::name_of(&kind, &first, &last, &company),
                stage: Stage::parse(&stage).unwrap_or(Stage::Referred),
            });
        }
        for (report, id) in tasks {
            parts.entry(report).or_default().2.push(id);
        }
        rows.into_iter()
            .map(|row| {
                let (objections, referred, tasks) = parts.remove(&row.report.id).unwrap_or_default();
                Ok(PulledReport {
                    author_id: row.author_id,
                    contact_owner_id: row.contact_owner_id,
                    report: row.report.into_report(objections, referred, tasks)?,
                })
            })
            .collect()
    }
}

#[engine_bounds]
impl<E> SqlStore<E> {
    /// The calls and messages logged in `(after, upper]` on records not deleted, with their
    /// record's owner, for a pull.
    pub(crate) async fn interactions_changed(
        conn: &mut E::Connection,
        agency_id: Uuid,
        after: i64,
        upper: i64,
    ) -> StoreResult<Vec<(Interaction, Uuid)>> {
        let rows: Vec<InteractionRow> = sqlx::query_as(
            "SELECT i.id, i.contact_id, i.author_id, i.kind, i.outcome, i.note, i.at, i.session_id, i.objection_code, i.seq, \
             c.owner_id AS contact_owner_id FROM interactions i JOIN contacts c ON c.id = i.contact_id \
             WHERE i.agency_id = $1 AND i.seq > $2 AND i.seq <= $3 AND c.deleted_at IS NULL",
        )
        .bind(agency_id)
        .bind(after)
        .bind(upper)
        .fetch_all(&mut *conn)
        .await?;
        rows.into_iter()
            .map(|r| {
                let corrupt = |what: &str| StoreError::Corrupt(format!("interaction {}: {what}", r.id));
                Ok((
                    Interaction {
                        id: r.id,
                        contact_id: r.contact_id,
                        author_id: r.author_id,
                        kind: InteractionKind::parse(&r.kind).ok_or_else(|| corrupt(&r.kind))?,
                        outcome: match &r.outcome {
                            Some(o) => Some(CallOutcome::parse(o).ok_or_else(|| corrupt(o))?),
                            None => None,
                        },
                        note: r.note,
                        at: r.at,
                        session_id: r.session_id,
                        objection: r.objection_code,
                        seq: r.seq,
                    },
                    r.contact_owner_id,
                ))
            })
            .collect()
    }
}

#[derive(Debug, sqlx::FromRow)]
struct InteractionRow {
    id: Uuid,
    contact_id: Uuid,
    author_id: Uuid,
    kind: String,
    outcome: Option<String>,
    note: String,
    at: DateTime<Utc>,
    session_id: Option<Uuid>,
    objection_code: Option<String>,
    seq: i64,
    contact_owner_id: Uuid,
}

/// An objection with its report's id.
type ObjectionRow = (Uuid, Uuid, Option<String>, String, String, String, bool);

/// What a report holds besides its row: objections, the prospects named, the tasks made.
type ReportParts = (Vec<Objection>, Vec<ContactRef>, Vec<Uuid>);

/// Which reports [`SqlStore::load_reports`] reads.
#[derive(Debug, Clone, Copy)]
enum Reports {
    OfMeeting(Uuid),
    Changed { after: i64, upper: i64 },
}

#[derive(Debug, sqlx::FromRow)]
struct PulledReportRow {
    #[sqlx(flatten)]
    report: ReportRow,
    author_id: Uuid,
    contact_owner_id: Uuid,
}

/// A report with who may see it: its author, and whoever sees its record.
#[derive(Debug)]
pub struct PulledReport {
    pub report: Report,
    pub author_id: Uuid,
    pub contact_owner_id: Uuid,
}

#[engine_bounds]
#[async_trait]
impl<E> ReportStore for SqlStore<E> {
    async fn save_report(
        &self,
        actor: &Actor,
        meeting_id: Uuid,
        r: &ReportInput,
        time: &AgencyTime,
        now: DateTime<Utc>,
    ) -> StoreResult<Report> {
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        let m = Self::meeting_row(&mut tx, actor, meeting_id).await?;
        let settings = Self::settings_tx(&mut tx, actor.agency_id).await?;
        let contact = Self::visible_row(&mut tx, Scope::agency(actor.agency_id), m.contact_id).await?;
        let fx = fx::save_report(
            fx::ReportContext {
                meeting: &m.facts(time)?,
                contact: &contact.facts()?,
                objection_types: &settings.objections,
                author: actor.author(),
                today: time.day_of(now),
                now,
            },
            r.clone(),
        )?;
        if let Some(held) = &fx.held {
            self.write_held(&mut tx, actor, &m, held, now).await?;
        }
        let r = &fx.report;
        sqlx::query(
            "INSERT INTO visit_reports (id, agency_id, meeting_id, contact_id, author_id, outcome, summary, needs, interest_signs, satisfaction, \
             stage_from, stage_to, next_step, next_step_due, referrals_asked, checkin_at, checkin_lat, checkin_lon, checkin_accuracy, created_at, seq, recommend_score) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
        )
        .bind(fx.id)
        .bind(actor.agency_id)
        .bind(meeting_id)
        .bind(m.contact_id)
        .bind(actor.user_id)
        .bind(r.outcome.as_str())
        .bind(&r.summary)
        .bind(&r.needs)
        .bind(&r.interest_signs)
        .bind(r.satisfaction.map(i64::from))
        .bind(fx.stage_from.as_str())
        .bind(fx.stage_to.map(|s| s.as_str()))
        .bind(&r.next_step)
        .bind(r.next_step_due)
        .bind(r.referrals_asked)
        .bind(r.checkin.map(|c| crate::db::micros(c.at)))
        .bind(r.checkin.map(|c| c.lat))
        .bind(r.checkin.map(|c| c.lon))
        .bind(r.checkin.and_then(|c| c.accuracy_m))
        .bind(now)
        .bind(seq)
        .bind(r.recommend_score.map(i64::from))
        .execute(&mut *tx)
        .await
        .map_err(|e| map_unique(e, "ce rendez-vous a déjà son compte rendu"))?;
        for o in &fx.objections {
            sqlx::query(
                "INSERT INTO objections (id, agency_id, report_id, contact_id, author_id, code, label, text, answer, overcome, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(o.id)
            .bind(actor.agency_id)
            .bind(fx.id)
            .bind(m.contact_id)
            .bind(actor.user_id)
            .bind(&o.code)
            .bind(&o.label)
            .bind(&o.text)
            .bind(&o.answer)
            .bind(o.overcome)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        for p in &fx.prospects {
            // The rules chose the prospect's owner and referrer (the report's record, which
            // the author sees): the row is written without the checks of a record typed by hand.
            let fields = ContactFields::from_valid(&p.contact);
            let seq = self.next_seq_as(&mut tx, actor, 1).await?;
            self.check_owner(&mut tx, actor.agency_id, fields.owner_id.unwrap_or(actor.user_id))
                .await?;
            Self::insert_contact_row(&mut tx, actor, p.id, &fields, now, seq, &settings, None).await?;
            Self::write_created_lines(&mut tx, actor, &[(p.id, &fields, Some(p.source.as_str()), seq)], now).await?;
            sqlx::query("INSERT INTO referrals (id, agency_id, report_id, referrer_id, prospect_id, advisor_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(p.referral_id)
                .bind(actor.agency_id)
                .bind(fx.id)
                .bind(m.contact_id)
                .bind(p.id)
                .bind(actor.user_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        for e in &fx.events {
            Self::insert_new_event(&mut tx, actor.agency_id, e).await?;
        }
        let task_seq = self.next_seq_as(&mut tx, actor, 1).await?;
        for t in &fx.tasks {
            Self::insert_task(&mut tx, actor.agency_id, actor.user_id, t, task_seq, now).await?;
        }
        if fx.touch != Touch::default() {
            self.touch_contact(&mut tx, actor, m.contact_id, fx.touch, now).await?;
        }
        if let Some(change) = &fx.stage_change {
            self.change_stage_tx(&mut tx, actor, m.contact_id, change, now)
                .await
                .map_err(|e| match e {
                    StoreError::Stage(e) => StoreError::Invalid {
                        field: "stage_to".into(),
                        message: e.to_string(),
                    },
                    e => e,
                })?;
        }
        let report = Self::report_tx(&mut tx, actor.agency_id, meeting_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(report)
    }

    async fn report(&self, actor: &Actor, meeting_id: Uuid) -> StoreResult<Option<Report>> {
        let mut tx = self.begin().await?;
        Self::meeting_row(&mut tx, actor, meeting_id).await?;
        let report = Self::report_tx(&mut tx, actor.agency_id, meeting_id).await?;
        tx.commit().await?;
        Ok(report)
    }

    async fn log_interaction(
        &self,
        actor: &Actor,
        contact_id: Uuid,
        input: &InteractionInput,
        time: &AgencyTime,
        now: DateTime<Utc>,
    ) -> StoreResult<TimelineEntry> {
        let mut tx = self.begin().await?;
        let seq = self.next_seq_as(&mut tx, actor, 1).await?;
        let contact = Self::visible_row(&mut tx, actor, contact_id).await?;
        let at = crate::db::micros(input.at.unwrap_or(now));
        let id = input.id.unwrap_or_else(shared::new_id);
        let fx = fx::log_interaction(&contact.facts()?, id, input, &actor.author(), at, time.day_of(at));
        if input.session_id.is_some() || input.objection.is_some() {
            let settings = Self::settings_tx(&mut tx, actor.agency_id).await?;
            if let Some(code) = &input.objection {
                if !settings.objections.iter().any(|o| &o.code == code) {
                    return Err(StoreError::Invalid {
                        field: "objection".into(),
                        message: "objection inconnue de la liste de l'agence".into(),
                    });
                }
            }
            if input.session_id.is_some() {
                // The follow-ups of this person in the period, before this one.
                let since = at - chrono::Duration::days(i64::from(settings.follow_up_period_days));
                let previous: Vec<(DateTime<Utc>,)> = sqlx::query_as(
                    "SELECT at FROM interactions WHERE contact_id = $1 AND session_id IS NOT NULL AND kind = 'call' AND at > $2 AND at <= $3",
                )
                .bind(contact_id)
                .bind(since)
                .bind(at)
                .fetch_all(&mut *tx)
                .await?;
                let previous: Vec<DateTime<Utc>> = previous.into_iter().map(|(t,)| t).collect();
                shared::phoning::check_follow_up(&previous, settings.follow_up_period_days)?;
            }
        }
        sqlx::query("INSERT INTO interactions (id, agency_id, contact_id, author_id, kind, outcome, note, at, seq, session_id, objection_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(id)
            .bind(actor.agency_id)
            .bind(contact_id)
            .bind(actor.user_id)
            .bind(input.kind.as_str())
            .bind(input.outcome.map(|o| o.as_str()))
            .bind(&input.note)
            .bind(at)
            .bind(seq)
            .bind(input.session_id)
            .bind(input.objection.as_deref())
            .execute(&mut *tx)
            .await
            .map_err(|e| map_unique(e, "cet échange est déjà enregistré"))?;
        let event = Self::insert_new_event(&mut tx, actor.agency_id, &fx.event).await?;
        self.touch_contact(&mut tx, actor, contact_id, fx.touch, now).await?;
        if let Some(task) = &fx.task {
            Self::insert_task(&mut tx, actor.agency_id, actor.user_id, task, seq, now).await?;
        }
        tx.commit().await?;
        let e = fx.event;
        Ok(TimelineEntry {
            id: event,
            at,
            kind: e.kind,
            title: e.title,
            detail: e.detail,
            author_name: String::new(),
            ref_id: Some(id),
        })
    }

    async fn referrals(&self, actor: &Actor, contact_id: Uuid) -> StoreResult<Referrals> {
        let contact = self.fetch_contact(actor, contact_id).await?;
        type RefRow = (Uuid, String, String, String, String, String);
        let to_ref = |(id, kind, first, last, company, stage): RefRow| ContactRef {
            id,
            display_name: crate::db::rows::name_of(&kind, &first, &last, &company),
            stage: Stage::parse(&stage).unwrap_or(Stage::Referred),
        };
        let referred_by: Option<RefRow> = match contact.referred_by {
            Some(r) => sqlx::query_as("SELECT id, kind, first_name, last_name, company_name, stage FROM contacts WHERE id = $1 AND agency_id = $2 AND deleted_at IS NULL")
                .bind(r)
                .bind(actor.agency_id)
                .fetch_optional(&mut *self.conn().await?)
                .await?,
            None => None,
        };
        let referred: Vec<RefRow> = sqlx::query_as(
            "SELECT id, kind, first_name, last_name, company_name, stage FROM contacts WHERE referred_by = $1 AND agency_id = $2 \
             AND deleted_at IS NULL ORDER BY sort_key LIMIT 200",
        )
        .bind(contact_id)
        .bind(actor.agency_id)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        Ok(Referrals {
            referred_by: referred_by.map(to_ref),
            referred: referred.into_iter().map(to_ref).collect(),
        })
    }
}
