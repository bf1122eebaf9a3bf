//! Calls, e-mails, letters and SMS (*appels et messages*).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{check_text, LONG};
use crate::record::FieldErrors;

/// The kinds of logged contact besides meetings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InteractionKind {
    Call,
    Email,
    Letter,
    Sms,
}

impl InteractionKind {
    pub const ALL: [InteractionKind; 4] = [Self::Call, Self::Email, Self::Letter, Self::Sms];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Email => "email",
            Self::Letter => "letter",
            Self::Sms => "sms",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Call => "Appel",
            Self::Email => "E-mail",
            Self::Letter => "Courrier",
            Self::Sms => "SMS",
        }
    }
}

/// What came of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// *joint*
    Reached,
    /// *pas de réponse*
    NoAnswer,
    /// *à rappeler*
    CallBack,
    /// *RDV pris*
    AppointmentBooked,
    /// *refus*
    Refused,
    /// *faux numéro*
    WrongNumber,
}

impl CallOutcome {
    pub const ALL: [CallOutcome; 6] = [
        Self::Reached,
        Self::NoAnswer,
        Self::CallBack,
        Self::AppointmentBooked,
        Self::Refused,
        Self::WrongNumber,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reached => "reached",
            Self::NoAnswer => "no_answer",
            Self::CallBack => "call_back",
            Self::AppointmentBooked => "appointment_booked",
            Self::Refused => "refused",
            Self::WrongNumber => "wrong_number",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

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
