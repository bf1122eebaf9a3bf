//! The record's timeline (*historique*): one line per event.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::InteractionKind;

crate::wire_enum! {
    /// What a line of the record's timeline is about.
    #[derive(Hash)]
    pub enum EventKind {
        Stage = "stage",
        Meeting = "meeting",
        Report = "report",
        Objection = "objection",
        Referral = "referral",
        Call = "call",
        Email = "email",
        Letter = "letter",
        Sms = "sms",
        /// Fields of the record edited (who changed what, from what to what).
        Edit = "edit",
    }
}

impl EventKind {
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

/// A line of a record's timeline as the sync sends it: the line, the record it belongs to and
/// the change number of the write that made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactEvent {
    pub contact_id: Uuid,
    pub seq: i64,
    #[serde(flatten)]
    pub entry: TimelineEntry,
}
