//! Tasks (*échéancier*): follow-ups, thank-yous, what the advisor noted to do.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{check_text, LONG, SHORT};
use crate::record::FieldErrors;

crate::wire_enum! {
    /// Task priority.
    #[derive(Hash, PartialOrd, Ord, Default)]
    pub enum Priority {
        High = "high",
        #[default]
        Normal = "normal",
        Low = "low",
    }
}

impl Priority {
    pub fn label(self) -> &'static str {
        match self {
            Self::High => "Haute",
            Self::Normal => "Normale",
            Self::Low => "Basse",
        }
    }

    /// Sort rank, high first.
    pub fn rank(self) -> i64 {
        match self {
            Self::High => 0,
            Self::Normal => 1,
            Self::Low => 2,
        }
    }
}

crate::wire_enum! {
    /// Where a task came from.
    #[derive(Hash)]
    pub enum TaskSource {
        Manual = "manual",
        /// The next step of a visit report.
        Report = "report",
        /// Thank the person who gave names.
        ReferralThanks = "referral_thanks",
        /// Tell the referrer what came of their referral.
        ReferralOutcome = "referral_outcome",
        /// A client due for a meeting or a call by the segment cadence.
        Cadence = "cadence",
        /// A call to return.
        CallBack = "call_back",
    }
}

/// A task to create or edit (*échéancier*).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskInput {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub title: String,
    pub due_on: NaiveDate,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default)]
    pub contact_id: Option<Uuid>,
    /// The advisor who does it (managers may assign); default the caller.
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    #[serde(default)]
    pub notes: String,
}

impl TaskInput {
    pub fn validate(mut self) -> Result<TaskInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        check_text(&mut errors, "title", &mut self.title, SHORT);
        if self.title.is_empty() {
            errors.insert("title".into(), "obligatoire".into());
        }
        check_text(&mut errors, "notes", &mut self.notes, LONG);
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// A task as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: Uuid,
    pub title: String,
    pub notes: String,
    pub due_on: NaiveDate,
    pub priority: Priority,
    pub contact_id: Option<Uuid>,
    pub contact_name: Option<String>,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub source: TaskSource,
    pub done_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub seq: i64,
}
