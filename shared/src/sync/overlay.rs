//! The replica as the screens show it (*rebase*): the rows the server sent, with the writes
//! still in the outbox laid over them in order, through the same rules the server applies
//! (`crate::visit::effects`, `crate::stage`, the contact's validation and derived values).
//!
//! The layer is recomputed from scratch whenever the rows or the outbox change, so a pulled
//! row is always seen with the phone's pending writes on top, an acknowledged write leaves the
//! layer as its result arrives in the pull, and a refused write simply stops being laid over
//! (its typed values stay in the refusal shown to the advisor). A write the local rules
//! refuse (a stage move backwards…) is not laid over; the server has the last word on it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use uuid::Uuid;

use super::engine::{RowKey, RowKind};
use super::merge::{merge_contact, with_field};
use super::{Change, Mutation, PendingMutation};
use crate::record::{Contact, ContactInput, MeetingPlace};
use crate::settings::AgencySettings;
use crate::visit::effects::{self as fx, Author, ContactFacts, MeetingFacts, NewTask, Touch};
use crate::visit::{Meeting, MeetingInput, MeetingStatus, Task, TaskInput, TaskSource};
use contact::{derive, fill, inputs, new_contact};

/// What the phone knows besides its rows.
pub struct Context<'a> {
    pub me: Author,
    pub my_name: &'a str,
    /// The agency's settings from the last sync (the defaults before one).
    pub settings: &'a AgencySettings,
    /// The agency's day today.
    pub today: NaiveDate,
    /// A wall-clock time of the agency as an instant.
    pub instant: &'a dyn Fn(NaiveDateTime) -> DateTime<Utc>,
    /// The agency's day of an instant.
    pub day_of: &'a dyn Fn(DateTime<Utc>) -> NaiveDate,
}

/// The rows the outbox changes: `Some` adds or replaces a row, `None` hides one.
pub type Layer = BTreeMap<RowKey, Option<Change>>;

/// The rows with a layer on top.
struct View<'a> {
    rows: &'a BTreeMap<RowKey, Change>,
    layer: Layer,
}

impl View<'_> {
    fn get(&self, kind: RowKind, id: Uuid) -> Option<&Change> {
        match self.layer.get(&(kind, id)) {
            Some(over) => over.as_ref(),
            None => self.rows.get(&(kind, id)),
        }
    }

    fn contact(&self, id: Uuid) -> Option<Contact> {
        match self.get(RowKind::Contact, id)? {
            Change::Contact(c) if !c.deleted => Some(c.as_ref().clone()),
            _ => None,
        }
    }

    fn meeting(&self, id: Uuid) -> Option<Meeting> {
        match self.get(RowKind::Meeting, id)? {
            Change::Meeting(m) => Some(m.as_ref().clone()),
            _ => None,
        }
    }

    fn task(&self, id: Uuid) -> Option<Task> {
        match self.get(RowKind::Task, id)? {
            Change::Task(t) => Some(t.as_ref().clone()),
            _ => None,
        }
    }

    fn put(&mut self, change: Change) {
        if let Some(key) = super::engine::row_key(&change) {
            self.layer.insert(key, Some(change));
        }
    }

    /// Every task of the view (rows and layer).
    fn tasks(&self) -> Vec<Task> {
        let layered = self
            .layer
            .iter()
            .filter(|(k, _)| k.0 == RowKind::Task)
            .filter_map(|(_, v)| match v {
                Some(Change::Task(t)) => Some(t.as_ref().clone()),
                _ => None,
            });
        let pulled = self
            .rows
            .range((RowKind::Task, Uuid::nil())..=(RowKind::Task, Uuid::max()))
            .filter(|(k, _)| !self.layer.contains_key(k))
            .filter_map(|(_, v)| match v {
                Change::Task(t) => Some(t.as_ref().clone()),
                _ => None,
            });
        layered.chain(pulled).collect()
    }
}

/// Lays the outbox over the rows, oldest write first.
pub fn lay_over(rows: &BTreeMap<RowKey, Change>, outbox: &[PendingMutation], ctx: &Context<'_>) -> Layer {
    let mut view = View {
        rows,
        layer: Layer::new(),
    };
    for m in outbox {
        apply(&mut view, &m.mutation, m.at, ctx);
    }
    view.layer
}

fn facts(c: &Contact) -> ContactFacts {
    ContactFacts {
        id: c.id,
        owner_id: c.owner_id,
        name: c.display_name.clone(),
        stage: c.stage,
    }
}

fn meeting_facts(m: &Meeting, contact_owner_id: Uuid) -> MeetingFacts {
    MeetingFacts {
        id: m.id,
        contact_id: m.contact_id,
        owner_id: m.owner_id,
        contact_owner_id,
        status: m.status,
        starts_at: m.starts_at,
        local_start: m.local_start,
        subject: m.subject.clone(),
        has_report: m.has_report,
    }
}

/// Moves a record's dates as a write does (and closes its open cadence task).
fn touch(view: &mut View<'_>, contact_id: Uuid, t: Touch, at: DateTime<Utc>, ctx: &Context<'_>) {
    let Some(mut c) = view.contact(contact_id) else { return };
    let mut i = inputs(&c);
    c.last_contact_on = t.apply(&mut i, c.last_contact_on);
    c.last_meeting_on = i.last_meeting_on;
    c.last_call_on = i.last_call_on;
    c.referrals_made = i.referrals_made.clamp(0, i64::from(u32::MAX)) as u32;
    derive(&mut c, ctx.settings);
    view.put(Change::Contact(Box::new(c)));
    if t.closes_cadence_task() {
        for mut task in view.tasks() {
            if task.contact_id == Some(contact_id) && task.source == TaskSource::Cadence && task.done_at.is_none() {
                task.done_at = Some(at);
                view.put(Change::Task(Box::new(task)));
            }
        }
    }
}

fn put_task(view: &mut View<'_>, t: &NewTask, at: DateTime<Utc>, ctx: &Context<'_>) {
    let contact_name = t.contact_id.and_then(|id| view.contact(id)).map(|c| c.display_name);
    let owner_name = if t.owner_id == ctx.me.user_id {
        ctx.my_name.to_string()
    } else {
        String::new()
    };
    view.put(Change::Task(Box::new(t.to_task(contact_name, owner_name, at))));
}

fn stage_move(view: &mut View<'_>, id: Uuid, change: &crate::stage::StageChange, at: DateTime<Utc>, ctx: &Context<'_>) {
    let Some(mut c) = view.contact(id) else { return };
    let Ok(o) = crate::stage::apply(c.stage, change) else {
        return;
    };
    c.stage = o.to;
    c.stage_changed_at = at;
    if o.competitor.is_some() {
        c.lost_to = o.competitor;
    }
    derive(&mut c, ctx.settings);
    view.put(Change::Contact(Box::new(c)));
}

/// The meeting a plan or a move makes (`existing` for a move).
fn meeting_from(
    input: &MeetingInput,
    id: Uuid,
    contact: &Contact,
    existing: Option<Meeting>,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Meeting {
    let address = if !input.address.is_empty() || input.place != MeetingPlace::Client {
        input.address.clone()
    } else {
        [
            contact.address_line.as_str(),
            &format!("{} {}", contact.postcode, contact.city),
        ]
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
    };
    let owner_id = input
        .owner_id
        .or(existing.as_ref().map(|m| m.owner_id))
        .unwrap_or(ctx.me.user_id);
    let base = existing.unwrap_or_else(|| Meeting {
        id,
        contact_id: contact.id,
        contact_name: contact.display_name.clone(),
        contact_phone: if contact.phone_mobile.is_empty() {
            contact.phone_landline.clone()
        } else {
            contact.phone_mobile.clone()
        },
        owner_id,
        owner_name: String::new(),
        starts_at: at,
        local_start: input.starts_at,
        duration_min: input.duration_min,
        place: input.place,
        address: String::new(),
        lat: contact.lat,
        lon: contact.lon,
        subject: String::new(),
        notes: String::new(),
        status: MeetingStatus::Planned,
        status_reason: None,
        has_report: false,
        created_at: at,
        updated_at: at,
        seq: 0,
    });
    Meeting {
        owner_id,
        owner_name: if owner_id == ctx.me.user_id {
            ctx.my_name.to_string()
        } else {
            base.owner_name.clone()
        },
        starts_at: (ctx.instant)(input.starts_at),
        local_start: input.starts_at,
        duration_min: input.duration_min,
        place: input.place,
        address,
        subject: input.subject.clone(),
        notes: input.notes.clone(),
        updated_at: at,
        ..base
    }
}

fn task_from(
    input: &TaskInput,
    id: Uuid,
    existing: Option<Task>,
    view: &View<'_>,
    at: DateTime<Utc>,
    ctx: &Context<'_>,
) -> Task {
    let owner_id = input
        .owner_id
        .or(existing.as_ref().map(|t| t.owner_id))
        .unwrap_or(ctx.me.user_id);
    let base = existing.unwrap_or_else(|| {
        NewTask {
            id,
            owner_id,
            contact_id: input.contact_id,
            title: String::new(),
            notes: String::new(),
            due_on: input.due_on,
            priority: input.priority,
            source: TaskSource::Manual,
            source_id: None,
        }
        .to_task(None, String::new(), at)
    });
    Task {
        title: input.title.clone(),
        notes: input.notes.clone(),
        due_on: input.due_on,
        priority: input.priority,
        contact_id: input.contact_id,
        contact_name: input.contact_id.and_then(|id| view.contact(id)).map(|c| c.display_name),
        owner_id,
        owner_name: if owner_id == ctx.me.user_id {
            ctx.my_name.to_string()
        } else {
            base.owner_name.clone()
        },
        ..base
    }
}

/// One pending write over the view. Anything the local rules refuse is left out.
fn apply(view: &mut View<'_>, m: &Mutation, at: DateTime<Utc>, ctx: &Context<'_>) {
    match m {
        Mutation::CreateContact(input) => {
            let Some(id) = input.id else { return };
            if view.contact(id).is_some() {
                return; // sent already: the pulled record stands
            }
            if let Ok(v) = input.clone().validate() {
                view.put(Change::Contact(Box::new(new_contact(id, &v, at, ctx))));
            }
        }
        Mutation::EditContact { id, input, base } => {
            let Some(mut c) = view.contact(*id) else { return };
            let theirs = c.to_input();
            let input = match base {
                Some(base) => merge_contact(base, input, &theirs).input,
                None => input.clone(),
            };
            if let Ok(v) = input.validate() {
                fill(&mut c, &v);
                c.updated_at = at;
                derive(&mut c, ctx.settings);
                view.put(Change::Contact(Box::new(c)));
            }
        }
        Mutation::DeleteContact { id } => {
            view.layer.insert((RowKind::Contact, *id), None);
            for t in view.tasks() {
                if t.contact_id == Some(*id) {
                    view.layer.insert((RowKind::Task, t.id), None);
                }
            }
            let meetings: Vec<Uuid> = view
                .rows
                .values()
                .chain(view.layer.values().flatten())
                .filter_map(|r| match r {
                    Change::Meeting(m) if m.contact_id == *id => Some(m.id),
                    _ => None,
                })
                .collect();
            for m in meetings {
                view.layer.insert((RowKind::Meeting, m), None);
            }
        }
        Mutation::ChangeStage { id, change } => stage_move(view, *id, change, at, ctx),
        Mutation::SetPosition { id, lat, lon, source } => {
            let Some(mut c) = view.contact(*id) else { return };
            c.lat = Some(*lat);
            c.lon = Some(*lon);
            c.geo_precision = Some(if source == "gps" { "gps" } else { "manual" }.into());
            c.geo_source = Some(if source == "gps" { "gps" } else { "saisie" }.into());
            c.geo_status = "done".into();
            view.put(Change::Contact(Box::new(c)));
        }
        Mutation::PlanMeeting(input) => {
            let Some(id) = input.id else { return };
            let (Some(contact), Ok(input)) = (view.contact(input.contact_id), input.clone().validate()) else {
                return;
            };
            if view.meeting(id).is_none() {
                let meeting = meeting_from(&input, id, &contact, None, at, ctx);
                view.put(Change::Meeting(Box::new(meeting)));
            }
        }
        Mutation::MoveMeeting { id, input } => {
            let (Some(existing), Ok(input)) = (view.meeting(*id), input.clone().validate()) else {
                return;
            };
            let Some(contact) = view.contact(existing.contact_id) else {
                return;
            };
            if existing.status == MeetingStatus::Planned {
                let meeting = meeting_from(&input, *id, &contact, Some(existing), at, ctx);
                view.put(Change::Meeting(Box::new(meeting)));
            }
        }
        Mutation::SetMeetingStatus { id, change } => {
            let Some(mut meeting) = view.meeting(*id) else { return };
            let owner = view
                .contact(meeting.contact_id)
                .map(|c| c.owner_id)
                .unwrap_or(meeting.owner_id);
            let Ok(effects) = fx::set_meeting_status(&meeting_facts(&meeting, owner), change, &ctx.me, ctx.today, at)
            else {
                return;
            };
            meeting.status = effects.status;
            meeting.status_reason = effects.reason;
            meeting.updated_at = at;
            let contact_id = meeting.contact_id;
            view.put(Change::Meeting(Box::new(meeting)));
            if let Some(held) = effects.held {
                touch(view, contact_id, held.touch, at, ctx);
            }
        }
        Mutation::SaveReport { meeting_id, report } => {
            let Some(mut meeting) = view.meeting(*meeting_id) else {
                return;
            };
            let Some(contact) = view.contact(meeting.contact_id) else {
                return;
            };
            let context = fx::ReportContext {
                meeting: &meeting_facts(&meeting, contact.owner_id),
                contact: &facts(&contact),
                objection_types: &ctx.settings.objections,
                author: ctx.me,
                today: ctx.today,
                now: at,
            };
            let Ok(effects) = fx::save_report(context, report.clone()) else {
                return;
            };
            meeting.status = MeetingStatus::Held;
            meeting.status_reason = None;
            meeting.has_report = true;
            meeting.updated_at = at;
            view.put(Change::Meeting(Box::new(meeting)));
            let touched = Touch {
                referrals_made: effects.touch.referrals_made,
                ..effects.held.map(|h| h.touch).unwrap_or_default()
            };
            touch(view, contact.id, touched, at, ctx);
            for p in &effects.prospects {
                if view.contact(p.id).is_none() {
                    let prospect = new_contact(p.id, &p.contact, at, ctx);
                    view.put(Change::Contact(Box::new(prospect)));
                }
            }
            for t in &effects.tasks {
                put_task(view, t, at, ctx);
            }
            if let Some(change) = &effects.stage_change {
                stage_move(view, contact.id, change, at, ctx);
            }
        }
        Mutation::LogInteraction { contact_id, input } => {
            let Some(contact) = view.contact(*contact_id) else {
                return;
            };
            let Some(id) = input.id else { return };
            let when = input.at.unwrap_or(at);
            let effects = fx::log_interaction(&facts(&contact), id, input, &ctx.me, when, (ctx.day_of)(when));
            touch(view, contact.id, effects.touch, at, ctx);
            if let Some(t) = &effects.task {
                put_task(view, t, at, ctx);
            }
        }
        Mutation::RecordConsent { contact_id, input } => {
            let (Some(_), Some(id)) = (view.contact(*contact_id), input.id) else {
                return;
            };
            if let Ok(input) = input.clone().validate() {
                view.put(Change::Consent(Box::new(crate::consent::Consent {
                    id,
                    contact_id: *contact_id,
                    purpose: input.purpose,
                    granted: input.granted,
                    channel: input.channel,
                    proof: input.proof,
                    at: input.at.unwrap_or(at),
                    recorded_by_name: ctx.my_name.to_string(),
                    seq: 0,
                })));
            }
        }
        Mutation::CreateTask(input) => {
            let Some(id) = input.id else { return };
            if view.task(id).is_some() {
                return;
            }
            if let Ok(input) = input.clone().validate() {
                let task = task_from(&input, id, None, view, at, ctx);
                view.put(Change::Task(Box::new(task)));
            }
        }
        Mutation::EditTask { id, input } => {
            let (Some(existing), Ok(input)) = (view.task(*id), input.clone().validate()) else {
                return;
            };
            let task = task_from(&input, *id, Some(existing), view, at, ctx);
            view.put(Change::Task(Box::new(task)));
        }
        Mutation::SetTaskDone { id, done } => {
            let Some(mut task) = view.task(*id) else { return };
            task.done_at = done.then_some(task.done_at.unwrap_or(at));
            view.put(Change::Task(Box::new(task)));
        }
        Mutation::SaveOffer(input) => {
            let Some(id) = input.id else { return };
            if view.contact(input.contact_id).is_none() {
                return;
            }
            let existing = match view.get(RowKind::Offer, id) {
                Some(Change::Offer(o)) => Some(o.as_ref().clone()),
                _ => None,
            };
            let kept = existing.as_ref().map(|o| o.family.as_str());
            let Ok(valid) = input.clone().validate(&ctx.settings.product_families, kept) else {
                return;
            };
            if let Ok(fx) = crate::offer::save_offer(existing.as_ref(), id, valid, ctx.me.user_id, ctx.my_name, at) {
                view.put(Change::Offer(Box::new(fx.offer)));
            }
        }
        Mutation::CreateComplaint(input) => {
            let Some(id) = input.id else { return };
            let Some(contact) = view.contact(input.contact_id) else {
                return;
            };
            if view.get(RowKind::Complaint, id).is_some() {
                return;
            }
            if let Ok(valid) = input.clone().validate(at) {
                let c = crate::complaint::receive(
                    id,
                    valid,
                    &contact.display_name,
                    contact.owner_id,
                    ctx.me.user_id,
                    ctx.my_name,
                    at,
                );
                view.put(Change::Complaint(Box::new(c)));
            }
        }
        Mutation::AdvanceComplaint { id, step } => {
            let Some(Change::Complaint(c)) = view.get(RowKind::Complaint, *id) else {
                return;
            };
            if let Ok(next) = crate::complaint::advance(c, step.clone(), ctx.me.user_id, ctx.my_name, at) {
                view.put(Change::Complaint(Box::new(next)));
            }
        }
        Mutation::SetManualPrognosis { contact_id, prognosis } => {
            let Some(mut c) = view.contact(*contact_id) else { return };
            c.manual_prognosis = *prognosis;
            view.put(Change::Contact(Box::new(c)));
        }
        Mutation::ResolveConflict { id, value } => {
            let Some(Change::Conflict(conflict)) = view.get(RowKind::Conflict, *id).cloned() else {
                return;
            };
            let mut conflict = *conflict;
            if conflict.resolved_at.is_some() {
                return;
            }
            conflict.resolved_at = Some(at);
            conflict.resolved_by = Some(ctx.me.user_id);
            conflict.resolution = Some(value.clone());
            let contact_id = conflict.contact_id;
            view.put(Change::Conflict(Box::new(conflict.clone())));
            let Some(mut c) = view.contact(contact_id) else { return };
            let resolved: Option<ContactInput> = with_field(&c.to_input(), &conflict.field, value);
            if let Some(Ok(v)) = resolved.map(|i| i.validate()) {
                fill(&mut c, &v);
                derive(&mut c, ctx.settings);
                view.put(Change::Contact(Box::new(c)));
            }
        }
    }
}

mod contact;
#[cfg(test)]
mod tests;
