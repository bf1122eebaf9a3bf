//! The JSON API's addresses (under `/api/v1`), one constant or function each, in the order of
//! the server's route table (`server/src/api/mod.rs`): a route renamed on the server changes
//! here once, and no page writes an address by hand.

use std::fmt::Display;

use chrono::NaiveDate;

pub const LOGIN: &str = "/auth/login";
pub const LOGOUT: &str = "/auth/logout";
pub const ME: &str = "/auth/me";
pub const SESSIONS: &str = "/auth/sessions";

pub fn session(id: impl Display) -> String {
    format!("/auth/sessions/{id}")
}

pub const CALENDAR_FEED: &str = "/calendar/feed";
pub const AGENCY_SETTINGS: &str = "/agency/settings";
/// The agency's people, for pickers (advisor filter, reassign, share).
pub const AGENCY_USERS: &str = "/agency/users";
pub const CONTACTS: &str = "/contacts";

/// The contact list with its query string (`q=…&stage=…`, already encoded).
pub fn contacts_where(query: &str) -> String {
    format!("/contacts?{query}")
}

pub fn contact(id: impl Display) -> String {
    format!("/contacts/{id}")
}

/// Who a record is shared with (GET), share it (POST `{user_id}`).
pub fn contact_shares(id: impl Display) -> String {
    format!("/contacts/{id}/shares")
}

pub fn contact_share(id: impl Display, user: impl Display) -> String {
    format!("/contacts/{id}/shares/{user}")
}

/// Erases a person's data (POST `{reason}`, managers).
pub fn contact_erase(id: impl Display) -> String {
    format!("/contacts/{id}/erase")
}

/// A person's consents (GET), a new word (POST).
pub fn contact_consents(id: impl Display) -> String {
    format!("/contacts/{id}/consents")
}

/// Everything held on a person, as a JSON file.
pub fn contact_subject_access(id: impl Display) -> String {
    format!("/contacts/{id}/subject-access")
}

/// A record's offers with its global prognosis (GET).
pub fn contact_offers(id: impl Display) -> String {
    format!("/contacts/{id}/offers")
}

/// The record's global prognosis set by hand (PUT `{prognosis}`).
pub fn contact_prognosis(id: impl Display) -> String {
    format!("/contacts/{id}/prognosis")
}

pub const OFFERS: &str = "/offers";

pub const PHONING_LIST: &str = "/phoning/list";

pub const COMPLAINTS: &str = "/complaints";
pub const COMPLAINT_STATISTICS: &str = "/statistics/complaints";

/// The complaints list with its query string (already encoded, may be empty).
pub fn complaints(query: &str) -> String {
    if query.is_empty() {
        "/complaints".into()
    } else {
        format!("/complaints?{query}")
    }
}

pub fn complaint(id: impl Display) -> String {
    format!("/complaints/{id}")
}

pub fn complaint_steps(id: impl Display) -> String {
    format!("/complaints/{id}/steps")
}

pub fn offer(id: impl Display) -> String {
    format!("/offers/{id}")
}

pub fn offer_history(id: impl Display) -> String {
    format!("/offers/{id}/history")
}

/// A dashboard under `/statistics/` (`photo`, `film`, `kpis`, their `.csv`), with its query.
pub fn statistics(name: &str, query: &str) -> String {
    if query.is_empty() {
        format!("/statistics/{name}")
    } else {
        format!("/statistics/{name}?{query}")
    }
}

/// Weekly targets against actuals.
pub fn targets(query: &str) -> String {
    if query.is_empty() {
        "/targets".into()
    } else {
        format!("/targets?{query}")
    }
}

/// The weighted pipeline (`query` already encoded, may be empty).
pub fn pipeline(query: &str) -> String {
    if query.is_empty() {
        "/statistics/pipeline".into()
    } else {
        format!("/statistics/pipeline?{query}")
    }
}

pub fn contact_stage(id: impl Display) -> String {
    format!("/contacts/{id}/stage")
}

pub fn contact_position(id: impl Display) -> String {
    format!("/contacts/{id}/position")
}

pub fn contact_referrals(id: impl Display) -> String {
    format!("/contacts/{id}/referrals")
}

pub fn contact_interactions(id: impl Display) -> String {
    format!("/contacts/{id}/interactions")
}

/// A record's timeline, newest first; `before` is the cursor of the next page.
pub fn contact_timeline(id: impl Display, before: Option<&str>) -> String {
    match before {
        Some(cursor) => format!("/contacts/{id}/timeline?before={}", crate::client::encode(cursor)),
        None => format!("/contacts/{id}/timeline"),
    }
}

pub const MEETINGS: &str = "/meetings";

/// The agenda between two days (both included), cancelled meetings too.
pub fn meetings_between(from: NaiveDate, to: NaiveDate) -> String {
    format!("/meetings?from={from}&to={to}&include_cancelled=true")
}

/// The agenda of `who`: `""` the caller's, `"team"` the whole agency's (managers), or an
/// advisor's id (managers).
pub fn meetings_of(from: NaiveDate, to: NaiveDate, who: &str) -> String {
    match who {
        "" => meetings_between(from, to),
        "team" => format!("{}&team=true", meetings_between(from, to)),
        id => format!("{}&owner={id}", meetings_between(from, to)),
    }
}

pub fn meetings_of_contact(contact: impl Display, from: NaiveDate, to: NaiveDate) -> String {
    format!("/meetings?contact_id={contact}&from={from}&to={to}")
}

pub fn meeting(id: impl Display) -> String {
    format!("/meetings/{id}")
}

pub fn meeting_status(id: impl Display) -> String {
    format!("/meetings/{id}/status")
}

pub fn meeting_report(id: impl Display) -> String {
    format!("/meetings/{id}/report")
}

pub const TODAY: &str = "/today";
pub const TASKS: &str = "/tasks";

/// A task list: `due`, `overdue`, `open` or `done`.
pub fn tasks_in(scope: &str, limit: u32) -> String {
    format!("/tasks?scope={scope}&limit={limit}")
}

pub fn task_done(id: impl Display) -> String {
    format!("/tasks/{id}/done")
}

pub const PLAN_DAY: &str = "/plan/day";
pub const PLAN_WEEK: &str = "/plan/week";
pub const PLAN_TEAM: &str = "/plan/team";
pub const LOCATED: &str = "/located";
pub const AREAS: &str = "/areas";

/// Objection statistics for a period (`from=…&to=…[&owner=…]`).
pub fn objection_statistics(query: &str) -> String {
    format!("/statistics/objections?{query}")
}

/// Referral statistics for a period.
pub fn referral_statistics(query: &str) -> String {
    format!("/statistics/referrals?{query}")
}

pub fn conflict_resolve(id: impl Display) -> String {
    format!("/conflicts/{id}/resolve")
}

pub const SYNC_PUSH: &str = "/sync/push";

pub fn sync_pull(cursor: i64, limit: u32, client: impl Display) -> String {
    format!("/sync/pull?cursor={cursor}&limit={limit}&client_id={client}")
}

/// The agency's imports (GET), a file to import (POST, see [`imports_upload`]).
pub const IMPORTS: &str = "/imports";

/// Upload of a file to import, its name already encoded.
pub fn imports_upload(file_name: &str) -> String {
    format!("/imports?file_name={file_name}")
}

/// One import: its state, progress and report.
pub fn import(id: impl Display) -> String {
    format!("/imports/{id}")
}

/// The dry run of an import (POST the choices).
pub fn import_check(id: impl Display) -> String {
    format!("/imports/{id}/check")
}

/// Runs an import (POST the choices).
pub fn import_run(id: impl Display) -> String {
    format!("/imports/{id}/run")
}

pub fn import_report_csv(id: impl Display) -> String {
    format!("/imports/{id}/report.csv")
}

/// The agency's people (GET), an invitation (POST `{email, display_name, role}`).
pub const TEAM: &str = "/team";
/// The audit log of the manager's acts.
pub const AUDIT: &str = "/audit";
/// The audit log as CSV, for the days of `query` (`from=…&to=…`, both optional).
pub fn audit_csv(query: &str) -> String {
    if query.is_empty() {
        "/audit.csv".to_string()
    } else {
        format!("/audit.csv?{query}")
    }
}
/// A user's invitation with their link (POST, no body).
pub const INVITATION: &str = "/auth/invitation";

/// A member's role or access (PUT `{role?, disabled?}`).
pub fn team_member(id: impl Display) -> String {
    format!("/team/{id}")
}

/// A new access link for a member (POST).
pub fn team_invitation(id: impl Display) -> String {
    format!("/team/{id}/invitation")
}

/// Hands a member's portfolio to others (POST `{to}`).
pub fn team_handover(id: impl Display) -> String {
    format!("/team/{id}/handover")
}

/// The prospects past the retention period (GET, managers).
pub const RETENTION: &str = "/privacy/retention";
