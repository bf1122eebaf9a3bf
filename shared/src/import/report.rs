//! What the API answers about an import: the file as read (the preview before mapping) and
//! what happened, line by line.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::plan::{Counts, LineOutcome};
use super::{Field, TextEncoding};

/// A field the mapping screen offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChoice {
    pub value: Field,
    pub label: String,
}

impl FieldChoice {
    pub fn all() -> Vec<FieldChoice> {
        Field::ALL
            .into_iter()
            .map(|f| FieldChoice {
                value: f,
                label: f.label().to_string(),
            })
            .collect()
    }
}

/// A file read, before the mapping is confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportPreview {
    pub id: Uuid,
    pub file_name: String,
    pub encoding: TextEncoding,
    /// `;`, `,` or a tab.
    pub delimiter: String,
    /// Lines of data (the header left out).
    pub line_count: u64,
    pub headers: Vec<String>,
    /// The first lines' cells.
    pub sample: Vec<Vec<String>>,
    /// The field guessed for each column.
    pub mapping: Vec<Option<Field>>,
    pub fields: Vec<FieldChoice>,
    /// The agency's active users a line may name as its advisor (by e-mail or name), for the
    /// preview of an advisor column ([`super::fields::preview_cell`]).
    #[serde(default)]
    pub advisors: Vec<super::fields::Advisor>,
}

/// One line of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportLine {
    pub line: u64,
    pub name: String,
    #[serde(flatten)]
    pub outcome: LineOutcome,
    /// The outcome in French ("doublon ignoré de Dupont Marie (même téléphone)").
    pub text: String,
}

/// An import as it stands: checked (a dry run), running, done or failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub id: Uuid,
    pub file_name: String,
    /// `draft` (a dry run's answer), `running`, `done` or `failed`.
    pub status: String,
    pub dry_run: bool,
    pub counts: Counts,
    /// Every line that was not simply created (duplicates, refusals, lines already imported),
    /// in file order; at most [`REPORT_LINES`].
    pub lines: Vec<ReportLine>,
    /// Such lines left out of `lines`.
    pub lines_left_out: u64,
    /// Records written so far and to write, while running.
    pub done: u64,
    pub total: u64,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by_name: String,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Lines a report lists at most.
pub const REPORT_LINES: usize = 5_000;
