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
///
/// Read through [`FlatContactEvent`]: serde reads a flattened field by first buffering every
/// field of the object, and history lines are half the rows of a first sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(from = "FlatContactEvent")]
pub struct ContactEvent {
    pub contact_id: Uuid,
    pub seq: i64,
    #[serde(flatten)]
    pub entry: TimelineEntry,
}

/// A [`ContactEvent`] as it travels: the line's fields beside the record's id and the change
/// number, in one object.
#[derive(Deserialize)]
struct FlatContactEvent {
    contact_id: Uuid,
    seq: i64,
    id: Uuid,
    at: DateTime<Utc>,
    kind: EventKind,
    title: String,
    detail: String,
    author_name: String,
    ref_id: Option<Uuid>,
}

impl From<FlatContactEvent> for ContactEvent {
    fn from(f: FlatContactEvent) -> ContactEvent {
        ContactEvent {
            contact_id: f.contact_id,
            seq: f.seq,
            entry: TimelineEntry {
                id: f.id,
                at: f.at,
                kind: f.kind,
                title: f.title,
                detail: f.detail,
                author_name: f.author_name,
                ref_id: f.ref_id,
            },
        }
    }
}
