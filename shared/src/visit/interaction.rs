//! Calls, e-mails, letters and SMS (*appels et messages*).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{check_text, LONG};
use crate::record::FieldErrors;

crate::wire_enum! {
    /// The kinds of logged contact besides meetings.
    #[derive(Hash)]
    pub enum InteractionKind {
        Call = "call",
        Email = "email",
        Letter = "letter",
        Sms = "sms",
    }
}

impl InteractionKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Call => "Appel",
            Self::Email => "E-mail",
            Self::Letter => "Courrier",
            Self::Sms => "SMS",
        }
    }
}

crate::wire_enum! {
    /// What came of a call.
    #[derive(Hash)]
    pub enum CallOutcome {
        /// *joint*
        Reached = "reached",
        /// *pas de réponse*
        NoAnswer = "no_answer",
        /// *à rappeler*
        CallBack = "call_back",
        /// *RDV pris*
        AppointmentBooked = "appointment_booked",
        /// *refus*
        Refused = "refused",
        /// *faux numéro*
        WrongNumber = "wrong_number",
    }
}

impl CallOutcome {
    pub fn label(self) -> &'static str {
        match self {
            Self::Reached => "Joint",
            Self::NoAnswer => "Pas de réponse",
            Self::CallBack => "À rappeler",
            Self::AppointmentBooked => "RDV pris",
            Self::Refused => "Refus",
            Self::WrongNumber => "Faux numéro",
        }
    }

    /// Whether the person was actually spoken to (counts for the call cadence).
    pub fn spoke(self) -> bool {
        matches!(self, Self::Reached | Self::AppointmentBooked | Self::Refused)
    }
}

/// A call, e-mail, letter or SMS as logged (*échange*): what the sync sends, so that the phone
/// knows offline how often a person was followed up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Interaction {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub author_id: Uuid,
    pub kind: InteractionKind,
    pub outcome: Option<CallOutcome>,
    pub note: String,
    pub at: DateTime<Utc>,
    /// The phoning session it was made in: a follow-up (*relance*).
    pub session_id: Option<Uuid>,
    /// The objection heard, for a refusal.
    pub objection: Option<String>,
    pub seq: i64,
}

/// A call, e-mail, letter or SMS to log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InteractionInput {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub kind: InteractionKind,
    /// Required for a call.
    #[serde(default)]
    pub outcome: Option<CallOutcome>,
    /// When it happened (default now); not in the future.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub note: String,
    /// For "call back": the day to call back, which becomes a task.
    #[serde(default)]
    pub call_back_on: Option<NaiveDate>,
    /// The phoning session the call was made in (an id the phone chooses): such calls are
    /// follow-ups, at most 3 per person and period (`shared::phoning`).
    #[serde(default)]
    pub session_id: Option<Uuid>,
    /// For a refusal: the objection heard, a code of the agency's list.
    #[serde(default)]
    pub objection: Option<String>,
}

impl InteractionInput {
    pub fn validate(mut self, now: DateTime<Utc>) -> Result<InteractionInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        check_text(&mut errors, "note", &mut self.note, LONG);
        match (self.kind, self.outcome) {
            (InteractionKind::Call, None) => {
                errors.insert("outcome".into(), "choisir l'issue de l'appel".into());
            }
            (InteractionKind::Call, Some(_)) => {}
            (_, Some(_)) => {
                errors.insert("outcome".into(), "réservé aux appels".into());
            }
            (_, None) => {}
        }
        if self.objection.is_some() && self.outcome != Some(CallOutcome::Refused) {
            errors.insert("objection".into(), "une objection accompagne un refus".into());
        }
        if self.session_id.is_some() && self.kind != InteractionKind::Call {
            errors.insert(
                "session_id".into(),
                "une séance de phoning ne compte que des appels".into(),
            );
        }
        if let Some(at) = self.at {
            if at > now + chrono::Duration::minutes(5) {
                errors.insert("at".into(), "date dans le futur".into());
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}
