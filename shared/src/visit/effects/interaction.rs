//! A call, an e-mail, a letter or an SMS logged on a record.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use crate::ids::derived;
use crate::visit::{excerpt, CallOutcome, EventKind, InteractionInput, InteractionKind, Priority, TaskSource};

use super::*;

/// What logging a call, an e-mail, a letter or an SMS does.
#[derive(Debug, Clone, PartialEq)]
pub struct InteractionEffects {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub event: NewEvent,
    pub touch: Touch,
    /// "À rappeler": the call-back task.
    pub task: Option<NewTask>,
}

/// Logs an exchange with a record (`input` validated, `id` its id, `day` the agency's day of
/// `at`): the history line, the last-contact dates (a call counts only if someone answered),
/// and for "call back" a task on the day asked (default the next day).
pub fn log_interaction(
    contact: &ContactFacts,
    id: Uuid,
    input: &InteractionInput,
    author: &Author,
    at: DateTime<Utc>,
    day: NaiveDate,
) -> InteractionEffects {
    let title = match input.outcome {
        Some(o) => format!("{} : {}", input.kind.label(), o.label().to_lowercase()),
        None => input.kind.label().to_string(),
    };
    let spoke = input.outcome.map(|o| o.spoke()).unwrap_or(true);
    let touch = match input.kind {
        InteractionKind::Call if spoke => Touch {
            call_on: Some(day),
            ..Touch::default()
        },
        InteractionKind::Call => Touch::default(),
        _ => Touch {
            contact_on: Some(day),
            ..Touch::default()
        },
    };
    let task = match input.outcome {
        Some(CallOutcome::CallBack) => Some(NewTask {
            id: derived(id, "call_back", 0),
            owner_id: author.user_id,
            contact_id: Some(contact.id),
            title: format!("Rappeler {}", contact.name),
            notes: input.note.clone(),
            due_on: input.call_back_on.unwrap_or(day + Duration::days(1)),
            priority: Priority::Normal,
            source: TaskSource::CallBack,
            source_id: Some(id),
        }),
        // A wrong number is fixed on the record before the next call.
        Some(CallOutcome::WrongNumber) => Some(NewTask {
            id: derived(id, "wrong_number", 0),
            owner_id: author.user_id,
            contact_id: Some(contact.id),
            title: format!("Corriger le numéro de {}", contact.name),
            notes: input.note.clone(),
            due_on: day,
            priority: Priority::High,
            source: TaskSource::Manual,
            source_id: Some(id),
        }),
        _ => None,
    };
    InteractionEffects {
        id,
        at,
        event: NewEvent {
            contact_id: contact.id,
            at,
            kind: EventKind::from_interaction(input.kind),
            title,
            detail: excerpt(&input.note, 200),
            author_id: Some(author.user_id),
            ref_id: Some(id),
        },
        touch,
        task,
    }
}
