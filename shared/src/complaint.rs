//! Complaints (*réclamations*), domain README §7 and seed 001: received → acknowledged (within
//! 24 h: thank, give a delay) → registered (founded or not; technical, psychological or
//! tactical; the client's history looked at) → resolved (the answer; a serious case by phone)
//! → closed (the client satisfied again, if possible) → followed up → exploited (a preventive
//! action). Every step is dated and attributed, and none is ever deleted.
//!
//! The clocks: the agency's own targets (acknowledge within 24 h, answer within a week) and
//! the outer limits French regulation sets for insurance intermediaries (ACPR recommendation
//! 2022-R-01: acknowledge within **10 jours ouvrables**, answer within **2 months** of receipt),
//! counted with French public holidays ([`crate::workdays`], in `clocks`).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::record::FieldErrors;
use crate::visit::effects::Denied;

crate::wire_enum! {
    /// How the complaint came in.
    #[derive(Hash, Default)]
    pub enum Channel {
        #[default]
        Phone = "phone",
        Email = "email",
        Letter = "letter",
        /// Said during a visit or at the agency.
        Visit = "visit",
        Other = "other",
    }
}

impl Channel {
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

crate::wire_enum! {
    /// Where a complaint stands: the six phases of the method, the first split at the
    /// acknowledgement (which has its own clock).
    #[derive(PartialOrd, Ord, Hash, Default)]
    pub enum Phase {
        /// *Reçue*.
        #[default]
        Received = "received",
        /// *Accusé de réception envoyé*.
        Acknowledged = "acknowledged",
        /// *Enregistrée* (qualified and coded).
        Registered = "registered",
        /// *Traitée* (answered).
        Resolved = "resolved",
        /// *Close*.
        Closed = "closed",
        /// *Suivie*.
        FollowedUp = "followed_up",
        /// *Exploitée* (preventive action).
        Exploited = "exploited",
    }
}

impl Phase {
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

crate::wire_enum! {
    /// The nature of a founded or unfounded complaint (*technique, psychologique, tactique*).
    #[derive(Hash)]
    pub enum Nature {
        /// A real failure: an error, a delay, a product that does not do what was said.
        Technical = "technical",
        /// A feeling: not listened to, badly received.
        Psychological = "psychological",
        /// A lever: the client complains to negotiate.
        Tactical = "tactical",
    }
}

impl Nature {
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

mod clocks;
pub use clocks::*;

#[cfg(test)]
mod tests;
