//! Types of the JSON API under `/api/v1`, shared by the server and the UI.

use crate::record::FieldErrors;
use crate::scoring::{Segment, SizeClass};
use crate::stage::Stage;
use crate::visit::{Meeting, Task, TimelineEntry};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Every API error: a stable code, a French message, and per-field messages for forms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable machine code: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `conflict`, `duplicate`, `validation`, `rate_limited`, `internal`…
    pub error: String,
    /// Human-readable explanation, in French.
    pub detail: String,
    #[serde(default, skip_serializing_if = "FieldErrors::is_empty")]
    pub fields: FieldErrors,
    /// For `duplicate`: the records that look like the one being created.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duplicates: Vec<DuplicateMatch>,
}

/// A record that looks like one being created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DuplicateMatch {
    pub id: Uuid,
    pub display_name: String,
    pub owner_name: String,
    /// Which key matched: `email`, `phone` or `name_postcode`.
    pub matched_on: String,
    /// Whether the caller may open that record.
    pub visible: bool,
}

crate::wire_enum! {
    /// Account roles.
    pub enum Role {
        /// *conseiller* — sees their own portfolio and what is shared with them.
        Advisor = "advisor",
        /// *chef d'agence* — sees the whole agency.
        Manager = "manager",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub user_id: Uuid,
    pub agency_id: Uuid,
    pub agency_name: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

/// A member of the agency, for pickers (share with, assign to).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyUser {
    pub id: Uuid,
    pub display_name: String,
    pub role: Role,
}

/// One open session of the signed-in user ("my sessions").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: String,
    pub ip: String,
    /// The session making this request.
    pub current: bool,
}

/// A line of the contact list: enough to recognise and reach someone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactSummary {
    pub id: Uuid,
    pub display_name: String,
    pub company_name: String,
    pub city: String,
    pub postcode: String,
    pub sector: String,
    pub phone: String,
    pub stage: Stage,
    pub segment: Segment,
    pub size_class: SizeClass,
    pub owner_name: String,
    pub next_meeting_due: Option<NaiveDate>,
    pub next_call_due: Option<NaiveDate>,
}

impl From<&crate::record::Contact> for ContactSummary {
    fn from(c: &crate::record::Contact) -> ContactSummary {
        ContactSummary {
            id: c.id,
            display_name: c.display_name.clone(),
            company_name: c.company_name.clone(),
            city: c.city.clone(),
            postcode: c.postcode.clone(),
            sector: c.sector.clone(),
            phone: if c.phone_mobile.is_empty() {
                c.phone_landline.clone()
            } else {
                c.phone_mobile.clone()
            },
            stage: c.stage,
            segment: c.segment,
            size_class: c.size_class,
            owner_name: c.owner_name.clone(),
            next_meeting_due: c.next_meeting_due,
            next_call_due: c.next_call_due,
        }
    }
}

/// Which cadence a due filter looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DueKind {
    Meeting,
    Call,
    Any,
}

/// Search and filter parameters of the contact list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct ContactQuery {
    /// Words searched in names, company, city, postcode, sector, e-mail (accents and case ignored).
    pub q: Option<String>,
    pub stage: Option<Stage>,
    pub segment: Option<Segment>,
    pub size_class: Option<SizeClass>,
    pub sector: Option<String>,
    /// Only records from this campaign (*campagne*), case ignored.
    pub campaign: Option<String>,
    pub kind: Option<crate::record::ContactKind>,
    /// Only records due (meeting, call or either) on `on` (default today).
    pub due: Option<DueKind>,
    pub on: Option<NaiveDate>,
    /// Only this advisor's portfolio (managers).
    pub owner: Option<Uuid>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    /// Offset of the page.
    pub offset: Option<u32>,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactPage {
    pub items: Vec<ContactSummary>,
    pub offset: u32,
    pub limit: u32,
    /// There are more results after this page.
    pub has_more: bool,
}

/// A line of the due list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DueItem {
    pub contact: ContactSummary,
    pub kind: DueKind,
    pub due_on: NaiveDate,
    pub days_late: i64,
}

/// Parameters of the due list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct DueQuery {
    /// The day to look at (default today).
    pub on: Option<NaiveDate>,
    pub sector: Option<String>,
    /// Only this advisor's portfolio (managers).
    pub owner: Option<Uuid>,
    /// At most this many lines, 1–500 (default 100).
    pub limit: Option<u32>,
}

/// Share a record with another advisor of the agency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareRequest {
    pub user_id: Uuid,
}

/// Agenda parameters: the meetings from `from` to `to` included (local dates).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct AgendaQuery {
    /// First day (default today).
    pub from: Option<NaiveDate>,
    /// Last day included (default `from`); at most 62 days after `from`.
    pub to: Option<NaiveDate>,
    /// One advisor's agenda (default the caller's; managers may ask for anyone's).
    pub owner: Option<Uuid>,
    /// The whole agency's meetings, every advisor's (managers only).
    pub team: Option<bool>,
    /// Only this record's meetings (any owner).
    pub contact_id: Option<Uuid>,
    /// Include cancelled meetings (default false).
    pub include_cancelled: Option<bool>,
}

/// Which tasks to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskScope {
    /// Not done and due today or before.
    #[default]
    Due,
    /// Not done and due before today.
    Overdue,
    /// Not done.
    Open,
    /// Done.
    Done,
}

/// Task list parameters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct TaskQuery {
    pub scope: Option<TaskScope>,
    /// The day "today" means (default the server's today in the agency's time zone).
    pub on: Option<NaiveDate>,
    /// Only this record's tasks.
    pub contact_id: Option<Uuid>,
    /// Another advisor's tasks (managers); default the caller's.
    pub owner: Option<Uuid>,
    /// 1–500, default 100.
    pub limit: Option<u32>,
}

/// Mark a task done or not done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskDone {
    pub done: bool,
}

/// Timeline page parameters: newest first, `before` is the cursor of the previous page.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct TimelineQuery {
    pub before: Option<String>,
    /// 1–200, default 30.
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelinePage {
    pub items: Vec<TimelineEntry>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// The home screen (*aujourd'hui*).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Today {
    pub date: NaiveDate,
    pub meetings: Vec<Meeting>,
    /// Due today or late, high priority and oldest first.
    pub tasks: Vec<Task>,
    pub overdue: Vec<crate::api::DueItem>,
    /// Held meetings of the last 14 days still without a report.
    pub reports_missing: Vec<Meeting>,
}

/// Report parameters: a period and optionally one advisor.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct PeriodQuery {
    /// First day (default 90 days ago).
    pub from: Option<NaiveDate>,
    /// Last day included (default today).
    pub to: Option<NaiveDate>,
    pub owner: Option<Uuid>,
}

/// How often one objection came up and was overcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectionStat {
    pub code: Option<String>,
    pub label: String,
    pub advisor_id: Option<Uuid>,
    pub advisor_name: Option<String>,
    pub count: i64,
    pub overcome: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectionReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Per objection, all advisors together, most frequent first.
    pub overall: Vec<ObjectionStat>,
    /// Per advisor and objection.
    pub by_advisor: Vec<ObjectionStat>,
}

/// Referral requests per advisor over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferralStat {
    pub advisor_id: Uuid,
    pub advisor_name: String,
    /// Reports written.
    pub reports: i64,
    /// Reports where referrals were asked.
    pub asked: i64,
    /// Names obtained.
    pub obtained: i64,
    /// Of those names, how many are clients now.
    pub converted: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferralReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub advisors: Vec<ReferralStat>,
}

/// The advisor's calendar subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarFeed {
    pub active: bool,
    pub created_at: Option<DateTime<Utc>>,
    /// Only in the answer that creates it: the secret URL to give the phone's calendar.
    pub url: Option<String>,
}
