//! A meeting's status: held (the dates it moves), cancelled, client absent.

use chrono::{DateTime, NaiveDate, Utc};

use crate::visit::{EventKind, MeetingStatus, MeetingStatusChange};

use super::*;

/// A planned meeting marked held.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    pub touch: Touch,
    pub event: NewEvent,
}

/// Marks a meeting held: not before its day; the record's last meeting moves to that day.
pub fn hold(m: &MeetingFacts, today: NaiveDate, author: &Author) -> Result<Held, Denied> {
    let day = m.local_start.date();
    if day > today {
        return Err(Denied::Conflict("ce rendez-vous n'a pas encore eu lieu".into()));
    }
    Ok(Held {
        touch: Touch {
            meeting_on: Some(day),
            ..Touch::default()
        },
        event: NewEvent {
            contact_id: m.contact_id,
            at: m.starts_at,
            kind: EventKind::Meeting,
            title: "RDV tenu".into(),
            detail: format!("{} — {}", when_fr(m.local_start), m.subject),
            author_id: Some(author.user_id),
            ref_id: Some(m.id),
        },
    })
}

/// What a status change does to a meeting.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusEffects {
    pub status: MeetingStatus,
    /// Cancelled or absent: why, trimmed, at most 500 characters.
    pub reason: Option<String>,
    /// Held: the record's dates and the history line.
    pub held: Option<Held>,
    /// Otherwise: the history line.
    pub event: Option<NewEvent>,
}

/// Sets a meeting's status (held, cancelled, client absent, back to planned).
pub fn set_meeting_status(
    m: &MeetingFacts,
    change: &MeetingStatusChange,
    author: &Author,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<StatusEffects, Denied> {
    if !m.may_edit(author) {
        return Err(Denied::Forbidden(
            "seuls le conseiller du rendez-vous, celui du dossier et le chef d'agence le modifient",
        ));
    }
    let (from, to) = (m.status, change.status);
    if !from.can_become(to) {
        return Err(Denied::Conflict(format!(
            "un rendez-vous « {} » ne peut pas passer à « {} »",
            from.label(),
            to.label()
        )));
    }
    if m.has_report {
        return Err(Denied::Conflict(
            "le compte rendu est déjà saisi : le statut ne change plus".into(),
        ));
    }
    if to == MeetingStatus::Held {
        return Ok(StatusEffects {
            status: to,
            reason: None,
            held: Some(hold(m, today, author)?),
            event: None,
        });
    }
    let reason = change
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| r.chars().take(500).collect::<String>());
    let when = when_fr(m.local_start);
    let title = match to {
        MeetingStatus::Cancelled => "RDV annulé",
        MeetingStatus::NoShow => "RDV : client absent",
        _ => "RDV remis à planifié",
    };
    let detail = match &reason {
        Some(r) => format!("{when} — {r}"),
        None => when,
    };
    Ok(StatusEffects {
        status: to,
        reason,
        held: None,
        event: Some(NewEvent {
            contact_id: m.contact_id,
            at: now,
            kind: EventKind::Meeting,
            title: title.into(),
            detail,
            author_id: Some(author.user_id),
            ref_id: Some(m.id),
        }),
    })
}
