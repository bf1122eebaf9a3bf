//! The phone's replica (*copie locale*) and outbox (*file d'envoi*): what the advisor may see,
//! kept in IndexedDB, and the writes made without network, sent later exactly once by the
//! shared sync engine (`shared::sync::engine`, protocol in `docs/sync.md`).
//!
//! How the screens use it:
//! - **Writes** go through [`write`]: with network and nothing waiting, the REST route answers
//!   as before; with no network (or with older writes still waiting, so that order is kept) the
//!   mutation is written to the outbox in one durable IndexedDB transaction and the screen says
//!   "enregistré sur le téléphone". The background sync sends it as soon as it can.
//! - **Reads** go to the API first and fall back on the replica when the network fails
//!   ([`or_local`]), so a screen shows the server's latest when it can and the phone's copy
//!   when it cannot; the writes still waiting are listed beside it ([`pending_for_contact`]).
//! - The status line ([`status`]) always says offline / online, what waits, the last sync,
//!   and the refusals and conflicts to look at (`/sync`).
//!
//! On the server (rendering) everything here is inert: reads find nothing, writes call the API.

#[cfg(feature = "hydrate")]
mod idb;
mod kept;
mod search;
#[cfg(feature = "hydrate")]
mod service;

use std::future::Future;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use shared::record::Contact;
use shared::sync::{Conflict, Mutation, PendingMutation, RefusedMutation};
use shared::visit::{Meeting, Task};
use uuid::Uuid;

use crate::client::ApiFailure;

#[cfg(feature = "hydrate")]
use kept::{after_sync, lay_over};
pub use search::{search_contacts, warm_search_index};

/// What the status line shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncStatus {
    /// The replica is open (false on the server, before hydration and on the login page).
    pub ready: bool,
    pub online: bool,
    pub syncing: bool,
    /// Mutations in the outbox, not acknowledged yet.
    pub pending: usize,
    pub refusals: usize,
    /// Open conflicts this user is involved in.
    pub conflicts: usize,
    pub last_sync_at: Option<DateTime<Utc>>,
    /// A problem other than the network (storage, a server error), in French.
    pub problem: Option<String>,
    /// Refusals that came back since the page loaded.
    pub just_refused: usize,
    /// Moves at every change of the replica, for screens that read it.
    pub revision: u64,
}

/// The sync state, shared by every screen of the tab.
pub fn status() -> ArcRwSignal<SyncStatus> {
    static STATUS: OnceLock<ArcRwSignal<SyncStatus>> = OnceLock::new();
    STATUS.get_or_init(|| ArcRwSignal::new(SyncStatus::default())).clone()
}

/// Opens the replica and starts the background sync (browser only, signed-in pages).
pub fn start() {
    #[cfg(feature = "hydrate")]
    service::start();
}

/// The replica is open in this tab (the browser, signed in, IndexedDB available).
pub fn is_open() -> bool {
    #[cfg(feature = "hydrate")]
    {
        service::store().is_some()
    }
    #[cfg(not(feature = "hydrate"))]
    false
}

/// Asks for a sync now.
pub fn sync_now() {
    #[cfg(feature = "hydrate")]
    service::kick();
}

/// How a write was saved.
#[derive(Debug, Clone, PartialEq)]
pub enum Saved<T> {
    /// The server has it (the REST answer).
    Sent(T),
    /// It is in the phone's outbox and goes as soon as the network allows.
    Queued,
}

/// The notice a screen shows for a write kept on the phone.
pub const QUEUED_NOTICE: &str = "Enregistré sur ce téléphone : envoi automatique dès le retour du réseau.";

/// Saves a write: through `online` (the REST route) when the network is there and nothing is
/// waiting, else into the outbox as `mutation`. A REST call that gets no answer at all is
/// queued too (the mutation carries the same client-made id, so it cannot be applied twice).
pub async fn write<T, Fut>(mutation: Mutation, online: impl FnOnce() -> Fut) -> Result<Saved<T>, ApiFailure>
where
    Fut: Future<Output = Result<T, ApiFailure>>,
{
    #[cfg(feature = "hydrate")]
    {
        let replica = service::store().is_some();
        let navigator = web_sys::window().map(|w| w.navigator().on_line()).unwrap_or(true);
        let waiting = status().with_untracked(|s| s.pending) > 0;
        if !(replica && (waiting || !navigator)) {
            match online().await {
                Err(f) if f.status == 0 && replica => {}
                other => return other.map(Saved::Sent),
            }
        }
        service::enqueue(mutation)
            .await
            .map(|_| Saved::Queued)
            .map_err(|e| ApiFailure::local(0, "local_storage", &format!("non enregistré : {e}")))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = mutation;
        online().await.map(Saved::Sent)
    }
}

/// What became of a write sent at once ([`submit`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Submitted {
    /// The server applied it (an edit may have opened a conflict: the status line says so).
    Applied,
    /// The server's rules refused it; nothing was applied and the typed values are kept.
    Refused(shared::sync::Refusal),
    /// No answer: it waits in the outbox and goes as soon as the network allows.
    Queued,
}

/// Sends a write through the outbox at once and waits for the server's word on it: the way
/// for edits, which the server merges field by field with what others changed meanwhile.
pub async fn submit(mutation: Mutation) -> Result<Submitted, ApiFailure> {
    #[cfg(feature = "hydrate")]
    {
        match service::submit(mutation).await {
            Ok(Ok(None)) => Ok(Submitted::Applied),
            Ok(Ok(Some(r))) => Ok(Submitted::Refused(r)),
            Ok(Err(())) => Ok(Submitted::Queued),
            Err(e) => Err(ApiFailure::local(0, "local_storage", &format!("non enregistré : {e}"))),
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = mutation;
        Err(ApiFailure::offline())
    }
}

/// The API's answer, or — when the network failed — what `local` finds in the replica.
pub async fn or_local<T>(online: Result<T, ApiFailure>, local: impl FnOnce() -> Option<T>) -> Result<T, ApiFailure> {
    match online {
        Err(f) if f.status == 0 => {
            #[cfg(feature = "hydrate")]
            service::wait_open().await;
            local().ok_or(f)
        }
        other => other,
    }
}

/// [`or_local`] for a local answer that takes code loaded on demand (a split point).
pub async fn or_local_later<T, Fut>(online: Result<T, ApiFailure>, local: impl FnOnce() -> Fut) -> Result<T, ApiFailure>
where
    Fut: Future<Output = T>,
{
    match online {
        Err(f) if f.status == 0 => {
            #[cfg(feature = "hydrate")]
            service::wait_open().await;
            Ok(local().await)
        }
        other => other,
    }
}

/// The rows of the replica that `pick` keeps (nothing on the server or before it is open).
fn rows_where<T>(pick: impl Fn(&shared::sync::Change) -> Option<T>) -> Vec<T> {
    #[cfg(feature = "hydrate")]
    {
        let Some(store) = service::store() else {
            return Vec::new();
        };
        let mem = store.mem.borrow();
        let layer = store.layer.borrow();
        mem.rows
            .iter()
            .filter(|(key, _)| !layer.contains_key(key))
            .map(|(_, row)| row)
            .chain(layer.values().flatten())
            .filter_map(pick)
            .collect()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = pick;
        Vec::new()
    }
}

/// One row of the replica by its key, if `pick` keeps it.
fn row<T>(
    kind: shared::sync::engine::RowKind,
    id: Uuid,
    pick: impl Fn(&shared::sync::Change) -> Option<T>,
) -> Option<T> {
    #[cfg(feature = "hydrate")]
    {
        let store = service::store()?;
        if let Some(over) = store.layer.borrow().get(&(kind, id)) {
            return over.as_ref().and_then(pick);
        }
        let mem = store.mem.borrow();
        mem.rows.get(&(kind, id)).and_then(pick)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (kind, id, pick);
        None
    }
}

/// A record from the replica.
pub fn contact(id: Uuid) -> Option<Contact> {
    use shared::sync::Change;
    row(shared::sync::engine::RowKind::Contact, id, |r| match r {
        Change::Contact(c) if !c.deleted => Some(c.as_ref().clone()),
        _ => None,
    })
}

/// A record's offers from the replica (with the ones made on this phone laid over).
pub fn offers_of(contact_id: Uuid) -> Vec<shared::offer::Offer> {
    use shared::sync::Change;
    rows_where(|r| match r {
        Change::Offer(o) if o.contact_id == contact_id => Some(o.as_ref().clone()),
        _ => None,
    })
}

/// A record's history from the replica, newest first: the lines the last sync brought (the
/// writes still waiting are listed apart, [`pending_for_contact`]).
pub fn timeline_of(contact_id: Uuid) -> Vec<shared::visit::TimelineEntry> {
    use shared::sync::Change;
    let mut v = rows_where(|r| match r {
        Change::Event(e) if e.contact_id == contact_id => Some(e.entry.clone()),
        _ => None,
    });
    v.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
    v
}

/// The agency's settings and lists as the last sync brought them (before a first sync, as a
/// screen last read them online).
pub fn settings() -> Option<shared::settings::AgencySettings> {
    use shared::sync::Change;
    row(shared::sync::engine::RowKind::Settings, Uuid::nil(), |r| match r {
        Change::Settings { settings, .. } => Some(settings.as_ref().clone()),
        _ => None,
    })
    .or_else(|| crate::storage::load(SETTINGS_KEY))
}

/// The agency's active members as the last sync brought them.
pub fn team() -> Option<Vec<shared::api::AgencyUser>> {
    use shared::sync::Change;
    row(shared::sync::engine::RowKind::Team, Uuid::nil(), |r| match r {
        Change::Team { members, .. } => Some(members.clone()),
        _ => None,
    })
}

/// A record's consents as the last sync brought them, with this phone's own laid over; `None`
/// when the record is not on the phone.
pub fn consents_of(contact_id: Uuid) -> Option<Vec<shared::consent::Consent>> {
    use shared::sync::Change;
    row(shared::sync::engine::RowKind::Contact, contact_id, |_| Some(()))?;
    let mut v = rows_where(|r| match r {
        Change::Consent(c) if c.contact_id == contact_id => Some(c.as_ref().clone()),
        _ => None,
    });
    v.sort_by_key(|c| (c.at, c.id));
    Some(v)
}

/// A meeting's visit report from the replica.
pub fn report_of(meeting_id: Uuid) -> Option<shared::visit::Report> {
    use shared::sync::Change;
    rows_where(|r| match r {
        Change::Report(x) if x.meeting_id == meeting_id => Some(x.as_ref().clone()),
        _ => None,
    })
    .pop()
}

/// A complaint from the replica.
pub fn complaint(id: Uuid) -> Option<shared::complaint::Complaint> {
    use shared::sync::Change;
    row(shared::sync::engine::RowKind::Complaint, id, |r| match r {
        Change::Complaint(c) => Some(c.as_ref().clone()),
        _ => None,
    })
}

/// Every complaint in the replica (the advisor's clients'), newest first.
pub fn complaints() -> Vec<shared::complaint::Complaint> {
    use shared::sync::Change;
    let mut v = rows_where(|r| match r {
        Change::Complaint(c) => Some(c.as_ref().clone()),
        _ => None,
    });
    v.sort_by_key(|c| std::cmp::Reverse(c.received_at));
    v
}

/// Every meeting in the replica, by start.
pub fn meetings() -> Vec<Meeting> {
    use shared::sync::Change;
    let mut v = rows_where(|r| match r {
        Change::Meeting(m) => Some(m.as_ref().clone()),
        _ => None,
    });
    v.sort_by_key(|m: &Meeting| m.starts_at);
    v
}

pub fn meeting(id: Uuid) -> Option<Meeting> {
    use shared::sync::Change;
    row(shared::sync::engine::RowKind::Meeting, id, |r| match r {
        Change::Meeting(m) => Some(m.as_ref().clone()),
        _ => None,
    })
}

/// Every task in the replica.
fn tasks() -> Vec<Task> {
    use shared::sync::Change;
    rows_where(|r| match r {
        Change::Task(t) => Some(t.as_ref().clone()),
        _ => None,
    })
}

/// The tasks of a list (`due`, `overdue`, `open`, `done`) from the replica, in the server's
/// order.
pub fn tasks_in_scope(scope: &str) -> Vec<Task> {
    use shared::visit::Priority;
    let today = crate::components::today();
    let mut v: Vec<Task> = tasks()
        .into_iter()
        .filter(|t| match scope {
            "done" => t.done_at.is_some(),
            "open" => t.done_at.is_none(),
            "overdue" => t.done_at.is_none() && t.due_on < today,
            _ => t.done_at.is_none() && t.due_on <= today,
        })
        .collect();
    if scope == "done" {
        v.sort_by_key(|t| std::cmp::Reverse(t.done_at));
    } else {
        v.sort_by_key(|t| (std::cmp::Reverse(t.priority == Priority::High), t.due_on));
    }
    v.truncate(200);
    v
}

/// Today from the replica (no network): the day's meetings and the tasks due from the phone's
/// copy; the overdue clients and missing reports from the last answer of the same day. A split
/// point of the bundle (`#[lazy]`): only a phone with no network needs it, so the first load
/// does not carry it.
#[leptos::prelude::lazy]
pub fn today(last: Option<shared::api::Today>) -> shared::api::Today {
    use shared::visit::MeetingStatus;
    let date = crate::components::today();
    let last = last.filter(|t| t.date == date);
    shared::api::Today {
        date,
        meetings: meetings()
            .into_iter()
            .filter(|m| m.local_start.date() == date && m.status != MeetingStatus::Cancelled)
            .collect(),
        tasks: tasks_in_scope("due"),
        overdue: last.as_ref().map(|t| t.overdue.clone()).unwrap_or_default(),
        reports_missing: last.map(|t| t.reports_missing).unwrap_or_default(),
    }
}

/// The conflicts this user is involved in, open first.
pub fn conflicts() -> Vec<Conflict> {
    use shared::sync::Change;
    let mut v = rows_where(|r| match r {
        Change::Conflict(c) => Some(c.as_ref().clone()),
        _ => None,
    });
    v.sort_by_key(|c: &Conflict| (c.resolved_at.is_some(), std::cmp::Reverse(c.mine_at)));
    v
}

/// The outbox, oldest first.
pub fn pending() -> Vec<PendingMutation> {
    #[cfg(feature = "hydrate")]
    {
        service::store()
            .map(|s| s.mem.borrow().outbox.clone())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    Vec::new()
}

/// The refused mutations kept for the advisor, newest first.
pub fn refusals() -> Vec<RefusedMutation> {
    #[cfg(feature = "hydrate")]
    {
        let mut v = service::store()
            .map(|s| s.mem.borrow().refusals.clone())
            .unwrap_or_default();
        v.reverse();
        v
    }
    #[cfg(not(feature = "hydrate"))]
    Vec::new()
}

/// Drops refusals the advisor has dealt with.
pub async fn forget_refusals(ids: Vec<i64>) -> Result<(), String> {
    #[cfg(feature = "hydrate")]
    {
        service::forget_refusals(ids).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ids;
        Ok(())
    }
}

/// The record a mutation is about, when it is about one.
pub fn contact_of(m: &Mutation) -> Option<Uuid> {
    match m {
        Mutation::CreateContact(i) => i.id,
        Mutation::EditContact { id, .. }
        | Mutation::DeleteContact { id }
        | Mutation::ChangeStage { id, .. }
        | Mutation::SetPosition { id, .. } => Some(*id),
        Mutation::PlanMeeting(i) => Some(i.contact_id),
        Mutation::MoveMeeting { input, .. } => Some(input.contact_id),
        Mutation::SetMeetingStatus { id, .. } => meeting(*id).map(|m| m.contact_id),
        Mutation::SaveReport { meeting_id, .. } => meeting(*meeting_id).map(|m| m.contact_id),
        Mutation::LogInteraction { contact_id, .. } | Mutation::RecordConsent { contact_id, .. } => Some(*contact_id),
        Mutation::CreateTask(i) | Mutation::EditTask { input: i, .. } => i.contact_id,
        Mutation::SaveOffer(i) => Some(i.contact_id),
        Mutation::CreateComplaint(i) => Some(i.contact_id),
        Mutation::AdvanceComplaint { id, .. } => complaint(*id).map(|c| c.contact_id),
        Mutation::SetManualPrognosis { contact_id, .. } => Some(*contact_id),
        Mutation::SetTaskDone { .. } | Mutation::ResolveConflict { .. } => None,
    }
}

/// The writes about one record still waiting in the outbox.
pub fn pending_for_contact(id: Uuid) -> Vec<PendingMutation> {
    pending()
        .into_iter()
        .filter(|m| contact_of(&m.mutation) == Some(id))
        .collect()
}

/// The record created on this phone and not sent yet, as typed.
pub fn pending_contact(id: Uuid) -> Option<shared::record::ContactInput> {
    pending().into_iter().find_map(|m| match m.mutation {
        Mutation::CreateContact(i) if i.id == Some(id) => Some(i),
        _ => None,
    })
}

/// One line, in French, saying what a mutation does.
pub fn describe(m: &Mutation) -> String {
    match m {
        Mutation::CreateContact(i) => format!(
            "Nouveau contact : {}",
            shared::record::display_name(i.kind, &i.first_name, &i.last_name, &i.company_name)
        ),
        Mutation::EditContact { .. } => "Fiche modifiée".into(),
        Mutation::DeleteContact { .. } => "Fiche supprimée".into(),
        Mutation::ChangeStage { .. } => "Changement d'étape".into(),
        Mutation::SetPosition { .. } => "Position enregistrée".into(),
        Mutation::PlanMeeting(i) => {
            use chrono::Datelike;
            let t = i.starts_at;
            format!(
                "Rendez-vous planifié le {:02}/{:02} à {}",
                t.day(),
                t.month(),
                crate::components::clock_fr(t)
            )
        }
        Mutation::MoveMeeting { .. } => "Rendez-vous déplacé".into(),
        Mutation::SetMeetingStatus { .. } => "Statut du rendez-vous".into(),
        Mutation::SaveReport { report, .. } => format!(
            "Compte rendu de visite ({} objection(s), {} recommandation(s))",
            report.objections.len(),
            report.referrals.len()
        ),
        Mutation::LogInteraction { input, .. } => match input.outcome {
            Some(o) => format!("{} — {}", input.kind.label(), o.label()),
            None => input.kind.label().to_string(),
        },
        Mutation::RecordConsent { input, .. } => format!(
            "Consentement {} : {}",
            if input.granted { "accepté" } else { "refusé" },
            input.purpose.label()
        ),
        Mutation::CreateTask(i) => format!("Nouvelle tâche : {}", i.title),
        Mutation::EditTask { input, .. } => format!("Tâche modifiée : {}", input.title),
        Mutation::SetTaskDone { done: true, .. } => "Tâche terminée".into(),
        Mutation::SetTaskDone { done: false, .. } => "Tâche rouverte".into(),
        Mutation::ResolveConflict { .. } => "Conflit réglé".into(),
        Mutation::SaveOffer(i) => format!(
            "Offre {} — pronostic {} %",
            shared::offer::family_label(
                &settings()
                    .map(|s| s.product_families)
                    .unwrap_or_else(shared::offer::default_families),
                &i.family
            ),
            i.prognosis.percent()
        ),
        Mutation::SetManualPrognosis { prognosis: Some(p), .. } => format!("Pronostic global : {} %", p.percent()),
        Mutation::SetManualPrognosis { prognosis: None, .. } => "Pronostic global effacé".into(),
        Mutation::CreateComplaint(_) => "Réclamation reçue".into(),
        Mutation::AdvanceComplaint { step, .. } => format!("Réclamation : {}", step.phase().label().to_lowercase()),
    }
}

/// Erases the replica, the outbox and the drafts (logout, revoked session, disabled user).
pub async fn wipe() {
    #[cfg(feature = "hydrate")]
    {
        service::wipe().await;
        crate::storage::clear_all();
        status().set(SyncStatus::default());
    }
}

/// Makes the phone this user's after a sign-in: another user's replica, outbox and drafts (an
/// expired session left them, or that user signed in before on this phone) are erased before
/// any sync, so that nothing of theirs is shown or sent under this session; who is signed in is
/// kept for offline use.
pub async fn adopt(me: &shared::api::Me) {
    let owner = crate::storage::load::<uuid::Uuid>(OWNER_KEY);
    if owner.is_some_and(|o| o != me.user_id) {
        wipe().await;
    }
    crate::storage::save(OWNER_KEY, &me.user_id);
    crate::storage::save(ME_KEY, me);
}

/// Whose replica this phone holds (set at login).
pub const OWNER_KEY: &str = "tournee.replica.owner";

/// The signed-in user as last read (`shared::api::Me`): whose writes the phone lays over its
/// rows, with which name and rights.
pub const ME_KEY: &str = "tournee.replica.me";

/// The agency's settings kept for the screens that need them offline (the report's list of
/// objections).
pub const SETTINGS_KEY: &str = "tournee.cache.settings";
