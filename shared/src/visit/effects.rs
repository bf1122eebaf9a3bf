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

use crate::ids::derived;
use crate::record::{FieldErrors, ValidContact};
use crate::scoring::DeriveInputs;
use crate::stage::{Stage, StageChange, StageOutcome, TransitionKind};
use crate::visit::{
    excerpt, CallOutcome, EventKind, InteractionInput, InteractionKind, MeetingStatus, MeetingStatusChange,
    ObjectionType, Priority, ReportInput, Task, TaskSource,
};

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

/// A planned meeting marked held.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    pub touch: Touch,
    pub event: NewEvent,
}

/// Marks a meeting held: not before its day; the record's last meeting moves to that day.
pub fn hold(m: &MeetingFacts, today: NaiveDate, author: &Author) -> Result<Held, Denied> {
    let day = m.local_start.date();
    if day > today {
        return Err(Denied::Conflict("ce rendez-vous n'a pas encore eu lieu".into()));
    }
    Ok(Held {
        touch: Touch {
            meeting_on: Some(day),
            ..Touch::default()
        },
        event: NewEvent {
            contact_id: m.contact_id,
            at: m.starts_at,
            kind: EventKind::Meeting,
            title: "RDV tenu".into(),
            detail: format!("{} — {}", when_fr(m.local_start), m.subject),
            author_id: Some(author.user_id),
            ref_id: Some(m.id),
        },
    })
}

/// What a status change does to a meeting.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusEffects {
    pub status: MeetingStatus,
    /// Cancelled or absent: why, trimmed, at most 500 characters.
    pub reason: Option<String>,
    /// Held: the record's dates and the history line.
    pub held: Option<Held>,
    /// Otherwise: the history line.
    pub event: Option<NewEvent>,
}

/// Sets a meeting's status (held, cancelled, client absent, back to planned).
pub fn set_meeting_status(
    m: &MeetingFacts,
    change: &MeetingStatusChange,
    author: &Author,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<StatusEffects, Denied> {
    if !m.may_edit(author) {
        return Err(Denied::Forbidden(
            "seuls le conseiller du rendez-vous, celui du dossier et le chef d'agence le modifient",
        ));
    }
    let (from, to) = (m.status, change.status);
    if !from.can_become(to) {
        return Err(Denied::Conflict(format!(
            "un rendez-vous « {} » ne peut pas passer à « {} »",
            from.label(),
            to.label()
        )));
    }
    if m.has_report {
        return Err(Denied::Conflict(
            "le compte rendu est déjà saisi : le statut ne change plus".into(),
        ));
    }
    if to == MeetingStatus::Held {
        return Ok(StatusEffects {
            status: to,
            reason: None,
            held: Some(hold(m, today, author)?),
            event: None,
        });
    }
    let reason = change
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| r.chars().take(500).collect::<String>());
    let when = when_fr(m.local_start);
    let title = match to {
        MeetingStatus::Cancelled => "RDV annulé",
        MeetingStatus::NoShow => "RDV : client absent",
        _ => "RDV remis à planifié",
    };
    let detail = match &reason {
        Some(r) => format!("{when} — {r}"),
        None => when,
    };
    Ok(StatusEffects {
        status: to,
        reason,
        held: None,
        event: Some(NewEvent {
            contact_id: m.contact_id,
            at: now,
            kind: EventKind::Meeting,
            title: title.into(),
            detail,
            author_id: Some(author.user_id),
            ref_id: Some(m.id),
        }),
    })
}

/// An objection of a report, with the label it is shown under.
#[derive(Debug, Clone, PartialEq)]
pub struct NewObjection {
    pub id: Uuid,
    pub code: Option<String>,
    pub label: String,
    pub text: String,
    pub answer: String,
    pub overcome: bool,
}

/// A prospect named on a referral request (*recommandé*).
#[derive(Debug, Clone, PartialEq)]
pub struct NewProspect {
    pub id: Uuid,
    pub contact: ValidContact,
    /// Where the record came from, for its history: "Recommandé par …".
    pub source: String,
    /// The link row's id.
    pub referral_id: Uuid,
}

/// What is known when a report is written.
#[derive(Debug, Clone, Copy)]
pub struct ReportContext<'a> {
    pub meeting: &'a MeetingFacts,
    pub contact: &'a ContactFacts,
    /// The agency's list of objections.
    pub objection_types: &'a [ObjectionType],
    pub author: Author,
    /// The agency's day today.
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
}

/// Everything a visit report does.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportEffects {
    pub id: Uuid,
    /// The report as validated (texts trimmed).
    pub report: ReportInput,
    pub stage_from: Stage,
    /// The stage the advisor confirmed, when it differs from the record's.
    pub stage_to: Option<Stage>,
    /// A planned meeting becomes held first.
    pub held: Option<Held>,
    pub objections: Vec<NewObjection>,
    pub prospects: Vec<NewProspect>,
    /// History lines, in order: the report, each objection, each referral (on both records).
    pub events: Vec<NewEvent>,
    /// The thank-you for referrals, then the next step.
    pub tasks: Vec<NewTask>,
    /// The referrer's count of referrals made.
    pub touch: Touch,
    /// The stage change the report makes, through the stage rules.
    pub stage_change: Option<StageChange>,
}

/// The id a meeting's report gets (one report per meeting).
pub fn report_id(meeting_id: Uuid) -> Uuid {
    derived(meeting_id, "report", 0)
}

/// Writes a visit report: its objections, the prospects from the names given, the tasks
/// (thank the referrer, the next step) and the stage the advisor confirmed.
pub fn save_report(ctx: ReportContext<'_>, input: ReportInput) -> Result<ReportEffects, Denied> {
    let (m, contact, author) = (ctx.meeting, ctx.contact, ctx.author);
    if !m.may_edit(&author) {
        return Err(Denied::Forbidden(
            "seuls le conseiller du rendez-vous, celui du dossier et le chef d'agence rédigent le compte rendu",
        ));
    }
    if m.has_report {
        return Err(Denied::Conflict("ce rendez-vous a déjà son compte rendu".into()));
    }
    let held = match m.status {
        MeetingStatus::Held => None,
        MeetingStatus::Planned => Some(hold(m, ctx.today, &author)?),
        s => {
            return Err(Denied::Conflict(format!(
                "un rendez-vous « {} » n'a pas de compte rendu",
                s.label()
            )))
        }
    };
    let codes: Vec<String> = ctx.objection_types.iter().map(|o| o.code.clone()).collect();
    let r = input.validate(&codes).map_err(|e| Denied::from_fields(e, ""))?;
    let id = report_id(m.id);
    let now = ctx.now;
    let stage_from = contact.stage;
    let stage_to = r.stage_to.filter(|s| *s != stage_from);
    let stage_change = stage_to.map(|to| StageChange::Move {
        to,
        reason: Some(format!(
            "Compte rendu du RDV du {}",
            when_fr(m.local_start).split(' ').next().unwrap_or_default()
        )),
    });
    if let Some(change) = &stage_change {
        crate::stage::apply(stage_from, change).map_err(|e| Denied::Invalid {
            field: "stage_to".into(),
            message: e.to_string(),
        })?;
    }
    let event = |contact_id: Uuid, kind: EventKind, title: String, detail: String, ref_id: Uuid| NewEvent {
        contact_id,
        at: now,
        kind,
        title,
        detail,
        author_id: Some(author.user_id),
        ref_id: Some(ref_id),
    };
    let summary_line = if r.summary.is_empty() {
        String::new()
    } else {
        excerpt(&r.summary, 140)
    };
    let mut events = vec![event(
        m.contact_id,
        EventKind::Report,
        format!("Compte rendu : {}", r.outcome.label()),
        summary_line,
        m.id,
    )];

    let mut objections = Vec::new();
    for (i, o) in r.objections.iter().enumerate() {
        let label = match &o.code {
            Some(code) => ctx
                .objection_types
                .iter()
                .find(|t| &t.code == code)
                .map(|t| t.label.clone())
                .unwrap_or_else(|| code.clone()),
            None => o.text.clone(),
        };
        let oid = derived(id, "objection", i as u16);
        let detail = match (o.overcome, o.answer.is_empty()) {
            (true, true) => "levée".to_string(),
            (true, false) => format!("levée — {}", excerpt(&o.answer, 120)),
            (false, true) => "non levée".to_string(),
            (false, false) => format!("non levée — {}", excerpt(&o.answer, 120)),
        };
        events.push(event(
            m.contact_id,
            EventKind::Objection,
            format!("Objection : {label}"),
            detail,
            oid,
        ));
        objections.push(NewObjection {
            id: oid,
            code: o.code.clone(),
            label,
            text: o.text.clone(),
            answer: o.answer.clone(),
            overcome: o.overcome,
        });
    }

    let mut prospects = Vec::new();
    for (i, given) in r.referrals.iter().enumerate() {
        let valid = given
            .to_contact(m.contact_id, contact.owner_id)
            .validate()
            .map_err(|e| Denied::from_fields(e, &format!("referrals.{i}.")))?;
        let pid = given.id.unwrap_or_else(|| derived(id, "prospect", i as u16));
        let name = valid.display_name();
        events.push(event(
            m.contact_id,
            EventKind::Referral,
            format!("A recommandé {name}"),
            String::new(),
            pid,
        ));
        events.push(event(
            pid,
            EventKind::Referral,
            format!("Recommandé par {}", contact.name),
            given.note.clone(),
            m.contact_id,
        ));
        prospects.push(NewProspect {
            id: pid,
            contact: valid,
            source: format!("Recommandé par {}", contact.name),
            referral_id: derived(id, "referral", i as u16),
        });
    }
    if r.referrals_asked && r.referrals.is_empty() {
        events.push(event(
            m.contact_id,
            EventKind::Referral,
            "Recommandations demandées : aucun nom".into(),
            String::new(),
            id,
        ));
    }

    let mut tasks = Vec::new();
    if !prospects.is_empty() {
        let names: Vec<String> = prospects.iter().map(|p| p.contact.display_name()).collect();
        tasks.push(NewTask {
            id: derived(id, "task", 0),
            owner_id: contact.owner_id,
            contact_id: Some(m.contact_id),
            title: format!("Remercier {} pour ses recommandations", contact.name),
            notes: names.join(", "),
            due_on: ctx.today + Duration::days(1),
            priority: Priority::High,
            source: TaskSource::ReferralThanks,
            source_id: Some(id),
        });
    }
    if !r.next_step.is_empty() {
        tasks.push(NewTask {
            id: derived(id, "task", 1),
            owner_id: m.owner_id,
            contact_id: Some(m.contact_id),
            title: r.next_step.clone(),
            notes: String::new(),
            due_on: r.next_step_due.unwrap_or(ctx.today + Duration::days(7)),
            priority: Priority::Normal,
            source: TaskSource::Report,
            source_id: Some(id),
        });
    }
    let touch = Touch {
        referrals_made: prospects.len() as i64,
        ..Touch::default()
    };
    Ok(ReportEffects {
        id,
        report: r,
        stage_from,
        stage_to,
        held,
        objections,
        prospects,
        events,
        tasks,
        touch,
        stage_change,
    })
}

/// What logging a call, an e-mail, a letter or an SMS does.
#[derive(Debug, Clone, PartialEq)]
pub struct InteractionEffects {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub event: NewEvent,
    pub touch: Touch,
    /// "À rappeler": the call-back task.
    pub task: Option<NewTask>,
}

/// Logs an exchange with a record (`input` validated, `id` its id, `day` the agency's day of
/// `at`): the history line, the last-contact dates (a call counts only if someone answered),
/// and for "call back" a task on the day asked (default the next day).
pub fn log_interaction(
    contact: &ContactFacts,
    id: Uuid,
    input: &InteractionInput,
    author: &Author,
    at: DateTime<Utc>,
    day: NaiveDate,
) -> InteractionEffects {
    let title = match input.outcome {
        Some(o) => format!("{} : {}", input.kind.label(), o.label().to_lowercase()),
        None => input.kind.label().to_string(),
    };
    let spoke = input.outcome.map(|o| o.spoke()).unwrap_or(true);
    let touch = match input.kind {
        InteractionKind::Call if spoke => Touch {
            call_on: Some(day),
            ..Touch::default()
        },
        InteractionKind::Call => Touch::default(),
        _ => Touch {
            contact_on: Some(day),
            ..Touch::default()
        },
    };
    let task = match input.outcome {
        Some(CallOutcome::CallBack) => Some(NewTask {
            id: derived(id, "call_back", 0),
            owner_id: author.user_id,
            contact_id: Some(contact.id),
            title: format!("Rappeler {}", contact.name),
            notes: input.note.clone(),
            due_on: input.call_back_on.unwrap_or(day + Duration::days(1)),
            priority: Priority::Normal,
            source: TaskSource::CallBack,
            source_id: Some(id),
        }),
        // A wrong number is fixed on the record before the next call.
        Some(CallOutcome::WrongNumber) => Some(NewTask {
            id: derived(id, "wrong_number", 0),
            owner_id: author.user_id,
            contact_id: Some(contact.id),
            title: format!("Corriger le numéro de {}", contact.name),
            notes: input.note.clone(),
            due_on: day,
            priority: Priority::High,
            source: TaskSource::Manual,
            source_id: Some(id),
        }),
        _ => None,
    };
    InteractionEffects {
        id,
        at,
        event: NewEvent {
            contact_id: contact.id,
            at,
            kind: EventKind::from_interaction(input.kind),
            title,
            detail: excerpt(&input.note, 200),
            author_id: Some(author.user_id),
            ref_id: Some(id),
        },
        touch,
        task,
    }
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
