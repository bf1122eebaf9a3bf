//! Complaints (*réclamations*), domain README §7 and seed 001: received → acknowledged (within
//! 24 h: thank, give a delay) → registered (founded or not; technical, psychological or
//! tactical; the client's history looked at) → resolved (the answer; a serious case by phone)
//! → closed (the client satisfied again, if possible) → followed up → exploited (a preventive
//! action). Every step is dated and attributed, and none is ever deleted.
//!
//! The clocks: the agency's own targets (acknowledge within 24 h, answer within a week) and
//! the outer limits French regulation sets for insurance intermediaries (ACPR recommendation
//! 2022-R-01: acknowledge within **10 jours ouvrables**, answer within **2 months** of receipt),
//! counted with French public holidays ([`crate::workdays`]).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::record::FieldErrors;
use crate::visit::effects::Denied;
use crate::workdays::{add_months, add_working_days, Count};

/// How the complaint came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    #[default]
    Phone,
    Email,
    Letter,
    /// Said during a visit or at the agency.
    Visit,
    Other,
}

impl Channel {
    pub const ALL: [Channel; 5] = [Self::Phone, Self::Email, Self::Letter, Self::Visit, Self::Other];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Email => "email",
            Self::Letter => "letter",
            Self::Visit => "visit",
            Self::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Phone => "Téléphone",
            Self::Email => "E-mail",
            Self::Letter => "Courrier",
            Self::Visit => "En rendez-vous / à l'agence",
            Self::Other => "Autre",
        }
    }
}

/// Where a complaint stands: the six phases of the method, the first split at the
/// acknowledgement (which has its own clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// *Reçue*.
    #[default]
    Received,
    /// *Accusé de réception envoyé*.
    Acknowledged,
    /// *Enregistrée* (qualified and coded).
    Registered,
    /// *Traitée* (answered).
    Resolved,
    /// *Close*.
    Closed,
    /// *Suivie*.
    FollowedUp,
    /// *Exploitée* (preventive action).
    Exploited,
}

impl Phase {
    pub const ALL: [Phase; 7] = [
        Self::Received,
        Self::Acknowledged,
        Self::Registered,
        Self::Resolved,
        Self::Closed,
        Self::FollowedUp,
        Self::Exploited,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Acknowledged => "acknowledged",
            Self::Registered => "registered",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
            Self::FollowedUp => "followed_up",
            Self::Exploited => "exploited",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Received => "Reçue",
            Self::Acknowledged => "Accusé de réception envoyé",
            Self::Registered => "Enregistrée",
            Self::Resolved => "Traitée",
            Self::Closed => "Close",
            Self::FollowedUp => "Suivie",
            Self::Exploited => "Exploitée",
        }
    }
    /// The phase after this one.
    pub fn next(self) -> Option<Phase> {
        Self::ALL
            .iter()
            .position(|p| *p == self)
            .and_then(|i| Self::ALL.get(i + 1).copied())
    }
    /// Answered already (the client has the answer).
    pub fn is_answered(self) -> bool {
        self >= Self::Resolved
    }
}

/// The nature of a founded or unfounded complaint (*technique, psychologique, tactique*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Nature {
    /// A real failure: an error, a delay, a product that does not do what was said.
    Technical,
    /// A feeling: not listened to, badly received.
    Psychological,
    /// A lever: the client complains to negotiate.
    Tactical,
}

impl Nature {
    pub const ALL: [Nature; 3] = [Self::Technical, Self::Psychological, Self::Tactical];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Technical => "technical",
            Self::Psychological => "psychological",
            Self::Tactical => "tactical",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Technical => "Technique",
            Self::Psychological => "Psychologique",
            Self::Tactical => "Tactique",
        }
    }
}

/// A complaint to record (`POST /complaints`; the phone chooses the id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintInput {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub contact_id: Uuid,
    /// When it came in; default now. Never in the future.
    #[serde(default)]
    pub received_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub channel: Channel,
    /// Who complained, when not the record's person (a spouse, the company's accountant).
    #[serde(default)]
    pub from_whom: String,
    pub description: String,
}

impl ComplaintInput {
    pub fn validate(mut self, now: DateTime<Utc>) -> Result<ComplaintInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        crate::visit::check_text(&mut errors, "from_whom", &mut self.from_whom, 200);
        crate::visit::check_text(&mut errors, "description", &mut self.description, 5000);
        if self.description.is_empty() {
            errors.insert("description".into(), "décrivez la réclamation".into());
        }
        match self.received_at {
            Some(t) if t > now + Duration::minutes(5) => {
                errors.insert(
                    "received_at".into(),
                    "une réclamation ne peut pas être reçue dans le futur".into(),
                );
            }
            Some(t) if t < now - Duration::days(730) => {
                errors.insert(
                    "received_at".into(),
                    "reçue il y a plus de deux ans : vérifiez la date".into(),
                );
            }
            _ => {}
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// One step of the method, with what it records (`POST /complaints/{id}/steps`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum ComplaintStep {
    /// The client thanked, told when they will have an answer.
    Acknowledged {
        #[serde(default)]
        note: String,
    },
    /// Qualified and coded, the client's history looked at.
    Registered {
        founded: bool,
        nature: Nature,
        #[serde(default)]
        note: String,
    },
    /// The answer given. A serious complaint is answered by phone.
    Resolved {
        answer: String,
        #[serde(default)]
        serious: bool,
        #[serde(default)]
        by_phone: bool,
    },
    /// Closed, the client satisfied again or not.
    Closed {
        satisfied: bool,
        #[serde(default)]
        note: String,
    },
    /// Looked at again some time later.
    FollowedUp {
        #[serde(default)]
        note: String,
    },
    /// What is done so that it does not happen again.
    Exploited { preventive_action: String },
}

impl ComplaintStep {
    pub fn phase(&self) -> Phase {
        match self {
            Self::Acknowledged { .. } => Phase::Acknowledged,
            Self::Registered { .. } => Phase::Registered,
            Self::Resolved { .. } => Phase::Resolved,
            Self::Closed { .. } => Phase::Closed,
            Self::FollowedUp { .. } => Phase::FollowedUp,
            Self::Exploited { .. } => Phase::Exploited,
        }
    }

    /// The free text of the step, as the history shows it.
    pub fn note(&self) -> &str {
        match self {
            Self::Acknowledged { note }
            | Self::Registered { note, .. }
            | Self::Closed { note, .. }
            | Self::FollowedUp { note } => note,
            Self::Resolved { answer, .. } => answer,
            Self::Exploited { preventive_action } => preventive_action,
        }
    }
}

/// One line of a complaint's history: who did which step, when, with what note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepLine {
    pub phase: Phase,
    pub at: DateTime<Utc>,
    pub by: Uuid,
    pub by_name: String,
    pub note: String,
}

/// A complaint as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Complaint {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub contact_name: String,
    /// The advisor in charge of the record.
    pub owner_id: Uuid,
    pub received_at: DateTime<Utc>,
    pub channel: Channel,
    pub from_whom: String,
    pub description: String,
    pub phase: Phase,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub registered_at: Option<DateTime<Utc>>,
    pub founded: Option<bool>,
    pub nature: Option<Nature>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub answer: String,
    pub serious: bool,
    pub by_phone: bool,
    pub closed_at: Option<DateTime<Utc>>,
    pub satisfied: Option<bool>,
    pub followed_up_at: Option<DateTime<Utc>>,
    pub exploited_at: Option<DateTime<Utc>>,
    pub preventive_action: String,
    /// Every step, oldest first, the receipt included.
    pub steps: Vec<StepLine>,
    pub created_by: Uuid,
    pub seq: i64,
}

/// A new complaint, as received.
pub fn receive(
    id: Uuid,
    input: ComplaintInput,
    contact_name: &str,
    owner_id: Uuid,
    author: Uuid,
    author_name: &str,
    now: DateTime<Utc>,
) -> Complaint {
    let received_at = input.received_at.unwrap_or(now).min(now);
    Complaint {
        id,
        contact_id: input.contact_id,
        contact_name: contact_name.to_string(),
        owner_id,
        received_at,
        channel: input.channel,
        from_whom: input.from_whom,
        steps: vec![StepLine {
            phase: Phase::Received,
            at: received_at,
            by: author,
            by_name: author_name.to_string(),
            note: input.description.clone(),
        }],
        description: input.description,
        phase: Phase::Received,
        acknowledged_at: None,
        registered_at: None,
        founded: None,
        nature: None,
        resolved_at: None,
        answer: String::new(),
        serious: false,
        by_phone: false,
        closed_at: None,
        satisfied: None,
        followed_up_at: None,
        exploited_at: None,
        preventive_action: String::new(),
        created_by: author,
        seq: 0,
    }
}

/// Takes a complaint one step further. Steps come in order, one phase at a time; a serious
/// complaint is answered by phone; the answer and the preventive action are required.
pub fn advance(
    c: &Complaint,
    step: ComplaintStep,
    author: Uuid,
    author_name: &str,
    now: DateTime<Utc>,
) -> Result<Complaint, Denied> {
    let phase = step.phase();
    if c.phase.next() != Some(phase) {
        return Err(Denied::Conflict(match c.phase.next() {
            Some(next) => format!(
                "la réclamation est « {} » : l'étape suivante est « {} », pas « {} »",
                c.phase.label().to_lowercase(),
                next.label().to_lowercase(),
                phase.label().to_lowercase()
            ),
            None => "la réclamation a parcouru toutes ses étapes".into(),
        }));
    }
    let invalid = |field: &str, message: &str| Denied::Invalid {
        field: field.into(),
        message: message.into(),
    };
    let mut note = step.note().trim().to_string();
    if note.chars().count() > 5000 {
        return Err(invalid("note", "5000 caractères au plus"));
    }
    let mut next = c.clone();
    match &step {
        ComplaintStep::Acknowledged { .. } => next.acknowledged_at = Some(now),
        ComplaintStep::Registered { founded, nature, .. } => {
            next.registered_at = Some(now);
            next.founded = Some(*founded);
            next.nature = Some(*nature);
            let coded = format!(
                "{}, {}",
                if *founded { "fondée" } else { "non fondée" },
                nature.label().to_lowercase()
            );
            note = if note.is_empty() {
                coded
            } else {
                format!("{coded} — {note}")
            };
        }
        ComplaintStep::Resolved {
            answer,
            serious,
            by_phone,
        } => {
            if answer.trim().is_empty() {
                return Err(invalid("answer", "la réponse apportée au client est obligatoire"));
            }
            if *serious && !by_phone {
                return Err(invalid("by_phone", "une réclamation grave se traite par téléphone"));
            }
            next.resolved_at = Some(now);
            next.answer = answer.trim().to_string();
            next.serious = *serious;
            next.by_phone = *by_phone;
        }
        ComplaintStep::Closed { satisfied, .. } => {
            next.closed_at = Some(now);
            next.satisfied = Some(*satisfied);
            let s = if *satisfied {
                "client satisfait"
            } else {
                "client non satisfait"
            };
            note = if note.is_empty() {
                s.into()
            } else {
                format!("{s} — {note}")
            };
        }
        ComplaintStep::FollowedUp { .. } => next.followed_up_at = Some(now),
        ComplaintStep::Exploited { preventive_action } => {
            if preventive_action.trim().is_empty() {
                return Err(invalid("preventive_action", "décrivez l'action préventive"));
            }
            next.exploited_at = Some(now);
            next.preventive_action = preventive_action.trim().to_string();
        }
    }
    next.phase = phase;
    next.steps.push(StepLine {
        phase,
        at: now,
        by: author,
        by_name: author_name.to_string(),
        note,
    });
    Ok(next)
}

/// The clocks a complaint runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// The agency's target: acknowledged within 24 h.
    Acknowledge24h,
    /// ACPR 2022-R-01: acknowledged within 10 jours ouvrables (unless answered by then).
    AcknowledgeRegulatory,
    /// The agency's target: answered within a week.
    AnswerWeek,
    /// ACPR 2022-R-01: answered within 2 months of receipt.
    AnswerRegulatory,
}

impl ClockKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Acknowledge24h => "Accusé de réception sous 24 h",
            Self::AcknowledgeRegulatory => "Accusé de réception sous 10 jours ouvrables (ACPR)",
            Self::AnswerWeek => "Réponse sous une semaine",
            Self::AnswerRegulatory => "Réponse sous 2 mois (ACPR)",
        }
    }
}

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Done in time.
    Met,
    /// Done, after the deadline.
    MetLate,
    /// Running, time left.
    Running,
    /// Running, less than a quarter of the time left (or less than 4 h on the 24 h clock).
    Soon,
    /// Running, past the deadline.
    Late,
}

impl ClockState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Met => "tenu",
            Self::MetLate => "tenu en retard",
            Self::Running => "en cours",
            Self::Soon => "bientôt en retard",
            Self::Late => "en retard",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Clock {
    pub kind: ClockKind,
    pub deadline: DateTime<Utc>,
    /// When what it waits for was done.
    pub done_at: Option<DateTime<Utc>>,
    pub state: ClockState,
}

/// Every clock of a complaint at `now`. `day_of` gives the agency's day of an instant and
/// `end_of_day` the last instant of an agency day (deadlines counted in days end at midnight).
pub fn clocks(
    c: &Complaint,
    now: DateTime<Utc>,
    day_of: &dyn Fn(DateTime<Utc>) -> NaiveDate,
    end_of_day: &dyn Fn(NaiveDate) -> DateTime<Utc>,
) -> Vec<Clock> {
    let received = c.received_at;
    let day = day_of(received);
    // An answer within the 10 days makes the acknowledgement needless (ACPR).
    let acknowledged = c.acknowledged_at.or(c.resolved_at);
    let clock = |kind, deadline: DateTime<Utc>, done_at: Option<DateTime<Utc>>| {
        let total = (deadline - received).num_seconds().max(1);
        let left = (deadline - now).num_seconds();
        let state = match done_at {
            Some(t) if t <= deadline => ClockState::Met,
            Some(_) => ClockState::MetLate,
            None if left < 0 => ClockState::Late,
            None if left * 4 < total || (kind == ClockKind::Acknowledge24h && left < 4 * 3600) => ClockState::Soon,
            None => ClockState::Running,
        };
        Clock {
            kind,
            deadline,
            done_at,
            state,
        }
    };
    vec![
        clock(ClockKind::Acknowledge24h, received + Duration::hours(24), acknowledged),
        clock(
            ClockKind::AcknowledgeRegulatory,
            end_of_day(add_working_days(day, 10, Count::Ouvrables)),
            acknowledged,
        ),
        clock(ClockKind::AnswerWeek, received + Duration::days(7), c.resolved_at),
        clock(
            ClockKind::AnswerRegulatory,
            end_of_day(add_months(day, 2)),
            c.resolved_at,
        ),
    ]
}

/// A complaint with its clocks at the time it was read (`GET /complaints…`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintView {
    #[serde(flatten)]
    pub complaint: Complaint,
    pub clocks: Vec<Clock>,
    /// The worst running clock: `late`, `soon`, `running`; none once all are done.
    pub urgency: Option<ClockState>,
}

impl ComplaintView {
    pub fn of(
        complaint: Complaint,
        now: DateTime<Utc>,
        day_of: &dyn Fn(DateTime<Utc>) -> NaiveDate,
        end_of_day: &dyn Fn(NaiveDate) -> DateTime<Utc>,
    ) -> ComplaintView {
        let clocks = clocks(&complaint, now, day_of, end_of_day);
        ComplaintView {
            urgency: urgency(&clocks),
            clocks,
            complaint,
        }
    }
}

/// The worst state among a complaint's running clocks (what a list flags), if any runs.
pub fn urgency(clocks: &[Clock]) -> Option<ClockState> {
    let running = clocks.iter().filter(|c| c.done_at.is_none()).map(|c| c.state);
    running.max_by_key(|s| match s {
        ClockState::Late => 3,
        ClockState::Soon => 2,
        ClockState::Running => 1,
        _ => 0,
    })
}

/// The complaints dashboard (*tableau de bord des réclamations*).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintDashboard {
    pub total: i64,
    /// Not yet answered.
    pub open: i64,
    /// Per phase, in phase order (every phase, zeros included).
    pub by_phase: Vec<PhaseCount>,
    /// Per nature, among those registered.
    pub by_nature: Vec<NatureCount>,
    pub founded: i64,
    /// With a clock past its deadline and not done.
    pub late: i64,
    /// With a clock soon due.
    pub soon: i64,
    /// Acknowledged within 24 h, among those acknowledged or answered.
    pub acknowledged_in_24h: i64,
    pub acknowledged: i64,
    /// Mean hours from receipt to the acknowledgement (or the answer, if first).
    pub mean_acknowledge_hours: Option<f64>,
    /// Mean hours from receipt to the answer, among those answered.
    pub mean_answer_hours: Option<f64>,
    /// Answered beyond the regulatory 2 months.
    pub answered_late_regulatory: i64,
    /// Closed with the client satisfied again, among those closed.
    pub satisfied: i64,
    pub closed: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhaseCount {
    pub phase: Phase,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NatureCount {
    pub nature: Nature,
    pub count: i64,
}

/// The dashboard of a set of complaints at `now`.
pub fn dashboard(
    list: &[Complaint],
    now: DateTime<Utc>,
    day_of: &dyn Fn(DateTime<Utc>) -> NaiveDate,
    end_of_day: &dyn Fn(NaiveDate) -> DateTime<Utc>,
) -> ComplaintDashboard {
    let mut d = ComplaintDashboard {
        by_phase: Phase::ALL.iter().map(|p| PhaseCount { phase: *p, count: 0 }).collect(),
        by_nature: Nature::ALL
            .iter()
            .map(|n| NatureCount { nature: *n, count: 0 })
            .collect(),
        ..Default::default()
    };
    let (mut ack_hours, mut ack_n, mut answer_hours, mut answer_n) = (0f64, 0u32, 0f64, 0u32);
    for c in list {
        d.total += 1;
        if !c.phase.is_answered() {
            d.open += 1;
        }
        if let Some(slot) = d.by_phase.iter_mut().find(|p| p.phase == c.phase) {
            slot.count += 1;
        }
        if let Some(n) = c.nature {
            if let Some(slot) = d.by_nature.iter_mut().find(|k| k.nature == n) {
                slot.count += 1;
            }
        }
        if c.founded == Some(true) {
            d.founded += 1;
        }
        let cl = clocks(c, now, day_of, end_of_day);
        match urgency(&cl) {
            Some(ClockState::Late) => d.late += 1,
            Some(ClockState::Soon) => d.soon += 1,
            _ => {}
        }
        if let Some(t) = c.acknowledged_at.or(c.resolved_at) {
            d.acknowledged += 1;
            let hours = (t - c.received_at).num_minutes() as f64 / 60.0;
            if hours <= 24.0 {
                d.acknowledged_in_24h += 1;
            }
            ack_hours += hours;
            ack_n += 1;
        }
        if let Some(t) = c.resolved_at {
            answer_hours += (t - c.received_at).num_minutes() as f64 / 60.0;
            answer_n += 1;
            if cl
                .iter()
                .any(|k| k.kind == ClockKind::AnswerRegulatory && k.state == ClockState::MetLate)
            {
                d.answered_late_regulatory += 1;
            }
        }
        if let Some(s) = c.satisfied {
            d.closed += 1;
            if s {
                d.satisfied += 1;
            }
        }
    }
    d.mean_acknowledge_hours = (ack_n > 0).then(|| ack_hours / f64::from(ack_n));
    d.mean_answer_hours = (answer_n > 0).then(|| answer_hours / f64::from(answer_n));
    d
}

#[cfg(test)]
mod tests;
