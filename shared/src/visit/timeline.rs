//! The record's timeline (*historique*): one line per event.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::InteractionKind;

/// What a line of the record's timeline is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Stage,
    Meeting,
    Report,
    Objection,
    Referral,
    Call,
    Email,
    Letter,
    Sms,
    /// Fields of the record edited (who changed what, from what to what).
    Edit,
}

impl EventKind {
    pub const ALL: [EventKind; 10] = [
        Self::Stage,
        Self::Meeting,
        Self::Report,
        Self::Objection,
        Self::Referral,
        Self::Call,
        Self::Email,
        Self::Letter,
        Self::Sms,
        Self::Edit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stage => "stage",
            Self::Meeting => "meeting",
            Self::Report => "report",
            Self::Objection => "objection",
            Self::Referral => "referral",
            Self::Call => "call",
            Self::Email => "email",
            Self::Letter => "letter",
            Self::Sms => "sms",
            Self::Edit => "edit",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn from_interaction(k: InteractionKind) -> Self {
        match k {
            InteractionKind::Call => Self::Call,
            InteractionKind::Email => Self::Email,
            InteractionKind::Letter => Self::Letter,
            InteractionKind::Sms => Self::Sms,
        }
    }
}

/// One line of a record's timeline (*historique*).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub title: String,
    pub detail: String,
    pub author_name: String,
    /// The meeting, report, interaction or record the line is about.
    pub ref_id: Option<Uuid>,
}
