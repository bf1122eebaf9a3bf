//! Tasks (*échéancier*): follow-ups, thank-yous, what the advisor noted to do.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{check_text, LONG, SHORT};
use crate::record::FieldErrors;

/// Task priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    High,
    #[default]
    Normal,
    Low,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Self::High, Self::Normal, Self::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Normal => "normal",
            Self::Low => "low",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

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

/// Where a task came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskSource {
    Manual,
    /// The next step of a visit report.
    Report,
    /// Thank the person who gave names.
    ReferralThanks,
    /// Tell the referrer what came of their referral.
    ReferralOutcome,
    /// A client due for a meeting or a call by the segment cadence.
    Cadence,
    /// A call to return.
    CallBack,
}

impl TaskSource {
    pub const ALL: [TaskSource; 6] = [
        Self::Manual,
        Self::Report,
        Self::ReferralThanks,
        Self::ReferralOutcome,
        Self::Cadence,
        Self::CallBack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Report => "report",
            Self::ReferralThanks => "referral_thanks",
            Self::ReferralOutcome => "referral_outcome",
            Self::Cadence => "cadence",
            Self::CallBack => "call_back",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
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
