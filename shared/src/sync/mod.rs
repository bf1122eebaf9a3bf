//! The sync protocol (*synchronisation*) between a phone and the server: what a phone pushes
//! (its outbox of named mutations) and what it pulls (the changes it may see since its
//! cursor). `docs/sync.md` tells the whole story; the server's side is `server::sync`.
//!
//! A phone numbers its mutations 1, 2, 3… per client id. The server applies them in that
//! order, exactly once: the client's last applied id is written in the same transaction as
//! each mutation's effects, so a replayed id is skipped and a gap is refused. A mutation that
//! the rules refuse is recorded with its reason and does not block the ones after it.

pub mod engine;
pub mod log;
pub mod merge;
pub mod overlay;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::complaint::{Complaint, ComplaintInput, ComplaintStep};
use crate::offer::{Offer, OfferInput, Prognosis};
use crate::record::{Contact, ContactInput, FieldErrors};
use crate::settings::AgencySettings;
use crate::stage::StageChange;
use crate::visit::{
    ContactEvent, Interaction, InteractionInput, Meeting, MeetingInput, MeetingStatusChange, Report, ReportInput, Task,
    TaskInput,
};

/// Most mutations one push may carry; a longer outbox is sent in several pushes.
pub const MAX_MUTATIONS_PER_PUSH: usize = 500;

/// Most rows one pull page may carry.
pub const MAX_PULL_LIMIT: u32 = 1_000;

/// One write made on the phone, by name, with the same arguments as the REST route that does
/// the same thing (the server runs the same code for both).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "name", content = "args", rename_all = "snake_case", deny_unknown_fields)]
pub enum Mutation {
    /// `POST /contacts` (the phone chooses the id).
    CreateContact(ContactInput),
    /// An edit of a record. With `base` (the values the edit started from — what a phone
    /// sends) the server merges field by field and opens a conflict where both sides changed
    /// a field differently; without it, as `PUT /contacts/{id}` (a change since
    /// `expected_seq` is refused).
    EditContact {
        id: Uuid,
        input: ContactInput,
        #[serde(default)]
        base: Option<Box<ContactInput>>,
    },
    /// `DELETE /contacts/{id}`.
    DeleteContact { id: Uuid },
    /// `POST /contacts/{id}/stage`.
    ChangeStage { id: Uuid, change: StageChange },
    /// `POST /contacts/{id}/position`, from the phone's GPS or placed by hand.
    SetPosition {
        id: Uuid,
        lat: f64,
        lon: f64,
        /// `gps` or `manual`.
        source: String,
    },
    /// `POST /meetings` (the phone chooses the id).
    PlanMeeting(MeetingInput),
    /// `PUT /meetings/{id}`.
    MoveMeeting { id: Uuid, input: MeetingInput },
    /// `POST /meetings/{id}/status`: held, cancelled, client absent, back to planned.
    SetMeetingStatus { id: Uuid, change: MeetingStatusChange },
    /// `POST /meetings/{id}/report`: the visit report with its objections and referrals.
    SaveReport { meeting_id: Uuid, report: ReportInput },
    /// `POST /contacts/{id}/interactions`: a call, an e-mail, a letter, an SMS.
    LogInteraction { contact_id: Uuid, input: InteractionInput },
    /// A consent given or refused (*consentement*), with its channel and proof.
    RecordConsent {
        contact_id: Uuid,
        input: crate::consent::ConsentInput,
    },
    /// `POST /tasks` (the phone chooses the id).
    CreateTask(TaskInput),
    /// `PUT /tasks/{id}`.
    EditTask { id: Uuid, input: TaskInput },
    /// `POST /tasks/{id}/done` with `done: true`, or `false` to reopen it.
    SetTaskDone { id: Uuid, done: bool },
    /// `POST /offers` or `PUT /offers/{id}`: an offer created or changed (the phone chooses
    /// the id of a new one); a changed prognosis adds a line to the offer's history.
    SaveOffer(OfferInput),
    /// `PUT /contacts/{id}/prognosis`: the global prognosis set by hand (agencies whose rule is
    /// `manual`); `None` clears it.
    SetManualPrognosis {
        contact_id: Uuid,
        prognosis: Option<Prognosis>,
    },
    /// `POST /complaints`: a complaint received (the phone chooses the id).
    CreateComplaint(ComplaintInput),
    /// `POST /complaints/{id}/steps`: the complaint taken one step further.
    AdvanceComplaint { id: Uuid, step: ComplaintStep },
    /// Settles a conflict with the value picked (one side's, or a new one typed).
    ResolveConflict {
        id: Uuid,
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        value: serde_json::Value,
    },
}

impl Mutation {
    /// The wire name, for logs and refusals.
    pub fn name(&self) -> &'static str {
        match self {
            Mutation::CreateContact(_) => "create_contact",
            Mutation::EditContact { .. } => "edit_contact",
            Mutation::DeleteContact { .. } => "delete_contact",
            Mutation::ChangeStage { .. } => "change_stage",
            Mutation::SetPosition { .. } => "set_position",
            Mutation::PlanMeeting(_) => "plan_meeting",
            Mutation::MoveMeeting { .. } => "move_meeting",
            Mutation::SetMeetingStatus { .. } => "set_meeting_status",
            Mutation::SaveReport { .. } => "save_report",
            Mutation::LogInteraction { .. } => "log_interaction",
            Mutation::RecordConsent { .. } => "record_consent",
            Mutation::CreateTask(_) => "create_task",
            Mutation::EditTask { .. } => "edit_task",
            Mutation::SetTaskDone { .. } => "set_task_done",
            Mutation::SaveOffer(_) => "save_offer",
            Mutation::SetManualPrognosis { .. } => "set_manual_prognosis",
            Mutation::CreateComplaint(_) => "create_complaint",
            Mutation::AdvanceComplaint { .. } => "advance_complaint",
            Mutation::ResolveConflict { .. } => "resolve_conflict",
        }
    }
}

/// A mutation as it waits in the phone's outbox: its number, what it does, when it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingMutation {
    /// 1, 2, 3… per client id, never reused.
    pub id: i64,
    #[serde(flatten)]
    pub mutation: Mutation,
    /// When the advisor made it (the phone's clock; informative).
    pub at: DateTime<Utc>,
}

/// `POST /api/v1/sync/push`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// The phone's id for this installation, chosen by the phone (UUIDv7); it belongs to the
    /// first user who pushes with it.
    pub client_id: Uuid,
    /// In increasing id order, without gaps after the last one the server applied.
    pub mutations: Vec<PendingMutation>,
}

/// What became of one pushed mutation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MutationOutcome {
    /// Applied now.
    Applied { id: i64 },
    /// Applied by an earlier push (a replay after a lost answer): nothing done again.
    AlreadyApplied { id: i64 },
    /// Refused by the rules: nothing applied; the phone rolls its local effect back and shows
    /// the reason with the values the advisor typed.
    Refused { id: i64, refusal: Refusal },
}

impl MutationOutcome {
    /// The mutation's id.
    pub fn id(&self) -> i64 {
        match self {
            MutationOutcome::Applied { id }
            | MutationOutcome::AlreadyApplied { id }
            | MutationOutcome::Refused { id, .. } => *id,
        }
    }
}

/// Why the server refused a mutation, as the REST API would have answered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Refusal {
    /// The mutation's name.
    pub name: String,
    /// The API's error code (`validation`, `not_found`, `forbidden`, `conflict`, `rule`…).
    pub error: String,
    /// The reason, in French, for the advisor.
    pub detail: String,
    /// Field-level messages, when the refusal is a validation.
    #[serde(default)]
    pub fields: FieldErrors,
    /// The refused mutation itself, so that what was typed is never lost.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub mutation: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// The answer to a push, sent only once the effects are durably committed: the phone may then
/// drop every mutation up to `last_mutation_id` from its outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub last_mutation_id: i64,
    pub outcomes: Vec<MutationOutcome>,
}

/// The headers of a pull's answer that say where its page ends (absent on a reset), so a
/// phone can ask for the next page before reading this one's body.
pub const CURSOR_HEADER: &str = "sync-cursor";
/// `true` or `false`: whether to pull again at once (see [`CURSOR_HEADER`]).
pub const HAS_MORE_HEADER: &str = "sync-has-more";

/// One changed row in a pull.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "row", rename_all = "snake_case")]
pub enum Change {
    /// A record as the user may see it now (a tombstone when `deleted_at` is set).
    Contact(Box<Contact>),
    Meeting(Box<Meeting>),
    Task(Box<Task>),
    /// A record this user may no longer see (reassigned, unshared, erased): drop it and what
    /// hangs on it from the phone.
    ContactRemoved {
        id: Uuid,
        seq: i64,
    },
    /// A task deleted, or no longer this user's.
    TaskRemoved {
        id: Uuid,
        seq: i64,
    },
    /// A conflict this user is involved in, open or settled.
    Conflict(Box<Conflict>),
    /// An offer on a record this user sees.
    Offer(Box<Offer>),
    /// A complaint about a record this user sees, with its steps.
    Complaint(Box<Complaint>),
    /// A line of the history of a record this user sees.
    Event(Box<ContactEvent>),
    /// A visit report with its objections and the prospects named, on a record this user
    /// sees or written by them.
    Report(Box<Report>),
    /// A call, e-mail, letter or SMS logged on a record this user sees.
    Interaction(Box<Interaction>),
    /// The agency's settings and lists (objections, product families, sectors, cadence…):
    /// in a pull from 0, and in the next pull after a manager changes them.
    Settings {
        seq: i64,
        settings: Box<AgencySettings>,
    },
    /// A consent given or refused on a record this user sees.
    Consent(Box<crate::consent::Consent>),
    /// The agency's active members (*l'équipe*: the manager's pickers — advisor filter,
    /// reassignment, sharing): with the settings, and again after someone joins, leaves or
    /// changes role.
    Team {
        seq: i64,
        members: Vec<crate::api::AgencyUser>,
    },
}

/// Two people changed one field of a record differently (*conflit de modification*). The
/// record keeps the server's value until someone involved picks one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conflict {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub contact_name: String,
    /// The field's wire name (`phone_mobile`…).
    pub field: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub base: serde_json::Value,
    /// The value typed on the phone whose edit arrived second.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub mine: serde_json::Value,
    pub mine_by: Uuid,
    pub mine_by_name: String,
    pub mine_at: DateTime<Utc>,
    /// The value the record had (and keeps until the conflict is settled).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub theirs: serde_json::Value,
    pub theirs_by: Uuid,
    pub theirs_by_name: String,
    pub theirs_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<Uuid>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub resolution: Option<serde_json::Value>,
    pub seq: i64,
}

impl Change {
    /// The agency change number of the write this row comes from.
    pub fn seq(&self) -> i64 {
        match self {
            Change::Contact(c) => c.seq,
            Change::Meeting(m) => m.seq,
            Change::Task(t) => t.seq,
            Change::Conflict(c) => c.seq,
            Change::Offer(o) => o.seq,
            Change::Complaint(c) => c.seq,
            Change::Event(e) => e.seq,
            Change::Report(r) => r.seq,
            Change::Interaction(i) => i.seq,
            Change::Consent(c) => c.seq,
            Change::Settings { seq, .. } | Change::Team { seq, .. } => *seq,
            Change::ContactRemoved { seq, .. } | Change::TaskRemoved { seq, .. } => *seq,
        }
    }
}

impl Change {
    /// The record a row hangs on (goes with it when the record leaves the phone); `None` for
    /// a record itself, a removal, and a task of no record.
    pub fn contact_id(&self) -> Option<Uuid> {
        match self {
            Change::Meeting(m) => Some(m.contact_id),
            Change::Task(t) => t.contact_id,
            Change::Conflict(c) => Some(c.contact_id),
            Change::Offer(o) => Some(o.contact_id),
            Change::Complaint(c) => Some(c.contact_id),
            Change::Event(e) => Some(e.contact_id),
            Change::Report(r) => Some(r.contact_id),
            Change::Interaction(i) => Some(i.contact_id),
            Change::Consent(c) => Some(c.contact_id),
            Change::Contact(_)
            | Change::Settings { .. }
            | Change::Team { .. }
            | Change::ContactRemoved { .. }
            | Change::TaskRemoved { .. } => None,
        }
    }
}

/// `GET /api/v1/sync/pull?cursor=N&limit=L[&client_id=…]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    /// The changes after the cursor, in change-number order.
    pub changes: Vec<Change>,
    /// Where to start the next pull.
    pub cursor: i64,
    /// More changes wait: pull again at once.
    pub has_more: bool,
    /// The cursor is not one this server gave (a restored backup, another server): the phone
    /// must drop its replica and pull from 0. Its outbox stays and is pushed as usual.
    pub reset: bool,
    /// For the `client_id` asked about: the last mutation the server applied.
    pub last_mutation_id: Option<i64>,
    /// For the `client_id` asked about: the mutations refused, with their reasons.
    pub refusals: Vec<RefusedMutation>,
}

/// A refused mutation as a pull reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefusedMutation {
    pub id: i64,
    pub refusal: Refusal,
}

/// Why a push was refused as a whole (nothing in it applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushError {
    /// Ids must increase by one; `expected` is the next id the server waits for.
    Gap { expected: i64, got: i64 },
    /// Ids must increase within the push.
    NotIncreasing { at: i64 },
}

impl std::fmt::Display for PushError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PushError::Gap { expected, got } => write!(
                f,
                "modification {got} reçue alors que la {expected} est attendue : renvoyez la file depuis {expected}"
            ),
            PushError::NotIncreasing { at } => write!(f, "les numéros des modifications doivent croître (à {at})"),
        }
    }
}

/// Checks a push against the last applied id and says which mutations are new: replayed ones
/// (at or below `last_applied`) are skipped, the first new one must be `last_applied + 1`, and
/// ids must increase by one.
pub fn plan_push(last_applied: i64, ids: &[i64]) -> Result<std::ops::Range<usize>, PushError> {
    for w in ids.windows(2) {
        if w[1] != w[0] + 1 {
            return Err(PushError::NotIncreasing { at: w[1] });
        }
    }
    let first_new = ids.iter().position(|&id| id > last_applied).unwrap_or(ids.len());
    if let Some(&id) = ids.get(first_new) {
        if id != last_applied + 1 {
            return Err(PushError::Gap {
                expected: last_applied + 1,
                got: id,
            });
        }
    }
    Ok(first_new..ids.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_replayed_push_applies_nothing_again() {
        assert_eq!(plan_push(5, &[3, 4, 5]), Ok(3..3));
        assert_eq!(plan_push(5, &[4, 5, 6, 7]), Ok(2..4));
        assert_eq!(plan_push(0, &[1, 2]), Ok(0..2));
        assert_eq!(plan_push(0, &[]), Ok(0..0));
    }

    #[test]
    fn a_gap_after_the_last_applied_is_refused() {
        assert_eq!(plan_push(5, &[7, 8]), Err(PushError::Gap { expected: 6, got: 7 }));
        assert_eq!(plan_push(0, &[2]), Err(PushError::Gap { expected: 1, got: 2 }));
    }

    #[test]
    fn ids_must_follow_each_other_within_a_push() {
        assert_eq!(plan_push(0, &[1, 3]), Err(PushError::NotIncreasing { at: 3 }));
        assert_eq!(plan_push(0, &[2, 1]), Err(PushError::NotIncreasing { at: 1 }));
    }

    #[test]
    fn mutations_travel_by_name_with_their_arguments() {
        let m = PendingMutation {
            id: 1,
            mutation: Mutation::SetTaskDone {
                id: Uuid::nil(),
                done: true,
            },
            at: DateTime::from_timestamp(0, 0).unwrap(),
        };
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["name"], "set_task_done");
        assert_eq!(v["args"]["done"], true);
        assert_eq!(serde_json::from_value::<PendingMutation>(v).unwrap(), m);
        let unknown = serde_json::json!({"id": 1, "name": "drop_tables", "args": {}, "at": "2026-01-01T00:00:00Z"});
        assert!(serde_json::from_value::<PendingMutation>(unknown).is_err());
    }

    proptest! {
        /// Whatever the server already applied, a push of the phone's whole outbox applies
        /// exactly the ids after it, in order.
        #[test]
        fn the_whole_outbox_resent_applies_each_id_once(last in 0i64..50, first in 1i64..50, len in 0usize..30) {
            let ids: Vec<i64> = (first..first + len as i64).collect();
            match plan_push(last, &ids) {
                Ok(r) => {
                    let applied = &ids[r];
                    prop_assert!(applied.iter().all(|&id| id > last));
                    if let Some(&f) = applied.first() { prop_assert_eq!(f, last + 1); }
                    prop_assert!(ids.iter().filter(|&&id| id > last).count() == applied.len());
                }
                Err(PushError::Gap { expected, got }) => {
                    prop_assert_eq!(expected, last + 1);
                    prop_assert!(got > last + 1);
                }
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
    }
}
