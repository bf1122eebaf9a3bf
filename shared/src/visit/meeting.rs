//! Meetings (*rendez-vous*): planned, held, cancelled, the client absent.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{check_text, wall_clock, LONG, SHORT};
use crate::record::{FieldErrors, MeetingPlace};

crate::wire_enum! {
    /// Where a meeting stands (*statut du RDV*).
    #[derive(Hash)]
    pub enum MeetingStatus {
        /// *planifié*
        Planned = "planned",
        /// *tenu*
        Held = "held",
        /// *annulé*
        Cancelled = "cancelled",
        /// *absent* — the client did not come / was not there.
        NoShow = "no_show",
    }
}

impl MeetingStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Planned => "Planifié",
            Self::Held => "Tenu",
            Self::Cancelled => "Annulé",
            Self::NoShow => "Client absent",
        }
    }

    /// Whether a meeting in this status may be set to `to`. A planned meeting is held,
    /// cancelled or missed; a mistake can be undone back to planned unless a report exists
    /// (checked by the store).
    pub fn can_become(self, to: MeetingStatus) -> bool {
        match (self, to) {
            (a, b) if a == b => false,
            (Self::Planned, _) => true,
            (_, Self::Planned) => true,
            _ => false,
        }
    }
}

/// A new meeting, or the new time and place of an existing one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingInput {
    /// Chosen by the client (UUIDv7) so an offline phone can create it; optional online.
    #[serde(default)]
    pub id: Option<Uuid>,
    pub contact_id: Uuid,
    /// Wall-clock start in the agency's time zone, e.g. `2026-11-24T14:30` (seconds optional).
    #[serde(with = "wall_clock")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-24T14:30"))]
    pub starts_at: NaiveDateTime,
    /// Minutes, 5–600.
    pub duration_min: u16,
    pub place: MeetingPlace,
    /// Empty: the client's address when the meeting is at the client's.
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub notes: String,
    /// The advisor who goes (managers may plan for an advisor); default the caller.
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    /// The version read, to refuse overwriting a change made meanwhile (updates only).
    #[serde(default)]
    pub expected_seq: Option<i64>,
}

impl MeetingInput {
    pub fn validate(mut self) -> Result<MeetingInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        if !(5..=600).contains(&self.duration_min) {
            errors.insert("duration_min".into(), "entre 5 minutes et 10 heures".into());
        }
        check_text(&mut errors, "address", &mut self.address, SHORT);
        check_text(&mut errors, "subject", &mut self.subject, SHORT);
        check_text(&mut errors, "notes", &mut self.notes, LONG);
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// A meeting as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Meeting {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub contact_name: String,
    pub contact_phone: String,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub starts_at: DateTime<Utc>,
    /// `starts_at` on the agency's wall clock, without an offset (`2026-11-29T14:30:00`).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-29T14:30:00"))]
    pub local_start: NaiveDateTime,
    pub duration_min: u16,
    pub place: MeetingPlace,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub subject: String,
    pub notes: String,
    pub status: MeetingStatus,
    pub status_reason: Option<String>,
    pub has_report: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub seq: i64,
}

/// Sets a meeting's status: held, cancelled (with a reason), client absent, or back to planned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingStatusChange {
    pub status: MeetingStatus,
    #[serde(default)]
    pub reason: Option<String>,
}
