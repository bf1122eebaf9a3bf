//! A visit report: the meeting held, objections with their labels, referred prospects, the
//! thank-you and next-step tasks, the confirmed stage.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use crate::ids::derived;
use crate::record::ValidContact;
use crate::stage::{Stage, StageChange};
use crate::visit::{excerpt, EventKind, MeetingStatus, ObjectionType, Priority, ReportInput, TaskSource};

use super::*;

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
