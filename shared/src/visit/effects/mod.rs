//! What the field writes do (*effets des saisies*): a visit report, a call, a meeting's status
//! and a stage change, as pure functions from what is known of the record and the meeting to
//! the rows to write — or a typed refusal. The server persists the effects in one transaction
//! (`server/src/db/reports.rs`, `meetings.rs`); the phone lays the same effects over its replica while the
//! write waits in its outbox (`crate::sync::overlay`), so both follow one set of rules.
//!
//! Ids of what a write creates (the report, its tasks, the prospects it names) are derived from
//! the write's own id ([`crate::ids::derived`]): the phone shows a task made by a report written
//! offline, can tick it before the report is sent, and the server's task has the same id.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use uuid::Uuid;

use crate::record::FieldErrors;
use crate::scoring::DeriveInputs;
use crate::stage::{Stage, StageOutcome, TransitionKind};
use crate::visit::{EventKind, MeetingStatus, Priority, Task, TaskSource};

mod interaction;
mod meeting;
mod report;

pub use interaction::*;
pub use meeting::*;
pub use report::*;

/// Why the rules refuse a write.
#[derive(Debug, Clone, PartialEq)]
pub enum Denied {
    /// Not this user's to do.
    Forbidden(&'static str),
    /// The state of the record or meeting does not allow it (a report already written…).
    Conflict(String),
    /// A value is wrong: the field (as the form names it) and why.
    Invalid { field: String, message: String },
}

impl Denied {
    /// The first error of a form, its field name under `prefix` (`referrals.0.`).
    pub fn from_fields(errors: FieldErrors, prefix: &str) -> Denied {
        let (field, message) = errors.into_iter().next().unwrap_or_default();
        Denied::Invalid {
            field: format!("{prefix}{field}"),
            message,
        }
    }
}

/// Who writes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Author {
    pub user_id: Uuid,
    /// A manager: sees and may change everything of the agency.
    pub whole_agency: bool,
}

/// A record as the rules need it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactFacts {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub name: String,
    pub stage: Stage,
}

/// A meeting as the rules need it.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingFacts {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub owner_id: Uuid,
    pub contact_owner_id: Uuid,
    pub status: MeetingStatus,
    pub starts_at: DateTime<Utc>,
    /// `starts_at` on the agency's wall clock.
    pub local_start: NaiveDateTime,
    pub subject: String,
    pub has_report: bool,
}

impl MeetingFacts {
    /// The meeting's advisor, the record's advisor and the manager may change it.
    pub fn may_edit(&self, a: &Author) -> bool {
        a.whole_agency || self.owner_id == a.user_id || self.contact_owner_id == a.user_id
    }
}

/// A line of a record's history.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub contact_id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub title: String,
    pub detail: String,
    pub author_id: Option<Uuid>,
    pub ref_id: Option<Uuid>,
}

/// A task a write creates by itself (a report's next step, a thank-you, a call-back…).
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub contact_id: Option<Uuid>,
    pub title: String,
    pub notes: String,
    pub due_on: NaiveDate,
    pub priority: Priority,
    pub source: TaskSource,
    pub source_id: Option<Uuid>,
}

impl NewTask {
    /// The task as read, for a screen (names as the caller knows them; `seq` 0 until sent).
    pub fn to_task(&self, contact_name: Option<String>, owner_name: String, now: DateTime<Utc>) -> Task {
        Task {
            id: self.id,
            title: self.title.clone(),
            notes: self.notes.clone(),
            due_on: self.due_on,
            priority: self.priority,
            contact_id: self.contact_id,
            contact_name,
            owner_id: self.owner_id,
            owner_name,
            source: self.source,
            done_at: None,
            created_at: now,
            seq: 0,
        }
    }
}

/// Last-contact dates a write moves forward (*dernier contact*).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Touch {
    pub meeting_on: Option<NaiveDate>,
    pub call_on: Option<NaiveDate>,
    pub contact_on: Option<NaiveDate>,
    pub referrals_made: i64,
}

impl Touch {
    /// Moves the record's dates: `inputs` (for the score and the cadence) and its last contact
    /// of any kind, which it returns. A date only ever moves forward.
    pub fn apply(&self, inputs: &mut DeriveInputs, last_contact_on: Option<NaiveDate>) -> Option<NaiveDate> {
        fn later(old: Option<NaiveDate>, new: Option<NaiveDate>) -> Option<NaiveDate> {
            match (old, new) {
                (Some(o), Some(n)) => Some(o.max(n)),
                (o, n) => o.or(n),
            }
        }
        inputs.last_meeting_on = later(inputs.last_meeting_on, self.meeting_on);
        inputs.last_call_on = later(inputs.last_call_on, self.call_on);
        inputs.referrals_made += self.referrals_made;
        later(
            later(later(last_contact_on, self.contact_on), self.meeting_on),
            self.call_on,
        )
    }

    /// A meeting held or a call answered closes the record's open cadence task.
    pub fn closes_cadence_task(&self) -> bool {
        self.meeting_on.is_some() || self.call_on.is_some()
    }
}

/// `dd/mm/yyyy à HHhMM`, the way an advisor reads a meeting time (by hand: chrono's strftime
/// would add kilobytes to the browser bundle).
pub fn when_fr(t: NaiveDateTime) -> String {
    use chrono::{Datelike, Timelike};
    format!(
        "{:02}/{:02}/{} à {:02}h{:02}",
        t.day(),
        t.month(),
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// The history line of a stage change.
pub fn stage_event(o: &StageOutcome, contact_id: Uuid, author: &Author, now: DateTime<Utc>) -> NewEvent {
    let title = match (o.kind, &o.competitor) {
        (TransitionKind::Lost, Some(c)) => format!("Perdu : a signé chez {c}"),
        (TransitionKind::Left, _) => "Client parti".to_string(),
        _ => format!("Étape : {}", o.to.label().to_lowercase()),
    };
    NewEvent {
        contact_id,
        at: now,
        kind: EventKind::Stage,
        title,
        detail: o.reason.clone().unwrap_or_default(),
        author_id: Some(author.user_id),
        ref_id: Some(contact_id),
    }
}

/// News for the referrer when the prospect they named becomes a client or signs elsewhere.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralNews {
    /// For the referrer's advisor: tell them.
    pub task: NewTask,
    /// On the referrer's history.
    pub event: NewEvent,
}

/// Tells the referrer's advisor to report back when a referred prospect becomes a client or
/// signs elsewhere (`task_id` the new task's id).
pub fn referral_news(
    o: &StageOutcome,
    prospect: &ContactFacts,
    referrer: &ContactFacts,
    author: &Author,
    task_id: Uuid,
    now: DateTime<Utc>,
) -> Option<ReferralNews> {
    let news = match (o.to, o.kind, &o.competitor) {
        (Stage::Client, _, _) => "est devenu client".to_string(),
        (_, TransitionKind::Lost, Some(c)) => format!("a signé chez {c}"),
        _ => return None,
    };
    Some(ReferralNews {
        task: NewTask {
            id: task_id,
            owner_id: referrer.owner_id,
            contact_id: Some(referrer.id),
            title: format!("Informer {} : {} {news}", referrer.name, prospect.name),
            notes: String::new(),
            due_on: now.date_naive() + Duration::days(2),
            priority: Priority::Normal,
            source: TaskSource::ReferralOutcome,
            source_id: Some(prospect.id),
        },
        event: NewEvent {
            contact_id: referrer.id,
            at: now,
            kind: EventKind::Referral,
            title: format!("Recommandation : {} {news}", prospect.name),
            detail: String::new(),
            author_id: Some(author.user_id),
            ref_id: Some(prospect.id),
        },
    })
}
