//! Phoning sessions (*séances de phoning*, domain §6): a list of people to call built for the
//! advisor — call-backs due, clients due for a call by their segment's cadence, prospects to
//! contact — ordered by priority; one tap per outcome; the session's tally. **No more than 3
//! follow-ups (*relances*) of the same person in one period**: a fourth call in a session is
//! refused, on the phone and on the server, until the period has passed.
//!
//! A session is an id the phone chooses; every call logged in it carries that id, so the tally
//! is counted from the calls themselves and a session needs no row of its own.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::scoring::Segment;
use crate::stage::Stage;
use crate::visit::effects::Denied;
use crate::visit::CallOutcome;

/// Most calls to one person in a period, within phoning sessions.
pub const MAX_FOLLOW_UPS: u32 = 3;

/// Refuses a call that would be a fourth follow-up of the person within the period.
/// `previous` are the instants of the session calls already made to them in the period.
pub fn check_follow_up(previous: &[DateTime<Utc>], period_days: u32) -> Result<(), Denied> {
    if previous.len() as u32 >= MAX_FOLLOW_UPS {
        let first = previous.iter().min().copied().unwrap_or_default();
        let free = first + Duration::days(i64::from(period_days));
        return Err(Denied::Conflict(format!(
            "déjà {MAX_FOLLOW_UPS} relances de cette personne sur les {period_days} derniers jours : \
             pas de nouvelle relance avant le {}",
            date_fr(free.date_naive())
        )));
    }
    Ok(())
}

fn date_fr(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
}

/// Why someone is on the list, in priority order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallReason {
    /// A call-back promised, due today or before.
    CallBack,
    /// A client due for a call by the segment's cadence.
    CadenceDue,
    /// A prospect to contact (referred, qualified or contacted, no meeting yet).
    Prospect,
}

impl CallReason {
    pub fn label(self) -> &'static str {
        match self {
            Self::CallBack => "Rappel promis",
            Self::CadenceDue => "Appel dû (cadence)",
            Self::Prospect => "Prospect à contacter",
        }
    }
}

/// One person of the call list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallItem {
    pub contact_id: Uuid,
    pub name: String,
    /// The number to dial (mobile first), E.164.
    pub phone: String,
    pub stage: Stage,
    pub segment: Segment,
    pub score: u8,
    pub reason: CallReason,
    /// When it was due (the call-back's day, the cadence's).
    pub due_on: Option<NaiveDate>,
    pub last_call_on: Option<NaiveDate>,
    /// Session calls to them within the period.
    pub follow_ups: u32,
    /// When the first of those was made (the period runs from it).
    pub first_follow_up_at: Option<DateTime<Utc>>,
}

impl CallItem {
    /// A fourth call would be refused.
    pub fn blocked(&self) -> bool {
        self.follow_ups >= MAX_FOLLOW_UPS
    }
}

/// Orders a call list: call-backs first (oldest due first), then clients due by segment (VIP
/// first) and lateness, then prospects by score; people who reached the follow-up limit last.
/// A person appears once, under their first reason.
pub fn order(mut items: Vec<CallItem>) -> Vec<CallItem> {
    items.sort_by(|a, b| {
        (
            a.blocked(),
            a.reason,
            segment_rank(a),
            a.due_on,
            std::cmp::Reverse(a.score),
            &a.name,
        )
            .cmp(&(
                b.blocked(),
                b.reason,
                segment_rank(b),
                b.due_on,
                std::cmp::Reverse(b.score),
                &b.name,
            ))
    });
    let mut seen = std::collections::HashSet::new();
    items.retain(|i| seen.insert(i.contact_id));
    items
}

fn segment_rank(i: &CallItem) -> u8 {
    if i.reason != CallReason::CadenceDue {
        return 0;
    }
    match i.segment {
        Segment::Vip => 0,
        Segment::Gold => 1,
        Segment::Silver => 2,
        Segment::Bronze => 3,
    }
}

/// What a session did (*bilan de la séance*).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tally {
    /// Numbers dialled.
    pub dialled: u32,
    /// People spoken to.
    pub reached: u32,
    pub meetings_booked: u32,
    pub refused: u32,
    pub no_answer: u32,
    pub call_backs: u32,
    pub wrong_numbers: u32,
}

impl Tally {
    pub fn of(outcomes: impl IntoIterator<Item = CallOutcome>) -> Tally {
        let mut t = Tally::default();
        for o in outcomes {
            t.dialled += 1;
            if o.spoke() {
                t.reached += 1;
            }
            match o {
                CallOutcome::AppointmentBooked => t.meetings_booked += 1,
                CallOutcome::Refused => t.refused += 1,
                CallOutcome::NoAnswer => t.no_answer += 1,
                CallOutcome::CallBack => t.call_backs += 1,
                CallOutcome::WrongNumber => t.wrong_numbers += 1,
                CallOutcome::Reached => {}
            }
        }
        t
    }

    /// Meetings booked per person reached, in % (the session's ratio).
    pub fn booking_ratio(&self) -> Option<u32> {
        (self.reached > 0).then(|| (self.meetings_booked * 100 + self.reached / 2) / self.reached)
    }

    /// People reached per number dialled, in %.
    pub fn reach_ratio(&self) -> Option<u32> {
        (self.dialled > 0).then(|| (self.reached * 100 + self.dialled / 2) / self.dialled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn item(name: &str, reason: CallReason, segment: Segment, score: u8, follow_ups: u32) -> CallItem {
        CallItem {
            contact_id: Uuid::now_v7(),
            name: name.into(),
            phone: String::new(),
            stage: Stage::Client,
            segment,
            score,
            reason,
            due_on: None,
            last_call_on: None,
            follow_ups,
            first_follow_up_at: None,
        }
    }

    #[test]
    fn the_fourth_follow_up_in_the_period_is_refused() {
        let calls = [at("2027-03-01T09:00:00Z"), at("2027-03-08T09:00:00Z")];
        assert!(check_follow_up(&calls, 30).is_ok());
        let three = [calls[0], calls[1], at("2027-03-15T09:00:00Z")];
        match check_follow_up(&three, 30) {
            Err(Denied::Conflict(m)) => assert!(m.contains("31/03/2027"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn call_backs_come_first_then_vip_clients_then_prospects_and_the_blocked_last() {
        let list = order(vec![
            item("Prospect fort", CallReason::Prospect, Segment::Bronze, 90, 0),
            item("Client bronze", CallReason::CadenceDue, Segment::Bronze, 10, 0),
            item("Bloqué", CallReason::CallBack, Segment::Vip, 99, 3),
            item("Client VIP", CallReason::CadenceDue, Segment::Vip, 10, 1),
            item("Rappel", CallReason::CallBack, Segment::Bronze, 0, 0),
            item("Prospect faible", CallReason::Prospect, Segment::Bronze, 20, 0),
        ]);
        let names: Vec<&str> = list.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Rappel",
                "Client VIP",
                "Client bronze",
                "Prospect fort",
                "Prospect faible",
                "Bloqué"
            ]
        );
    }

    #[test]
    fn the_tally_counts_each_outcome() {
        use CallOutcome::*;
        let t = Tally::of([
            NoAnswer,
            Reached,
            AppointmentBooked,
            Refused,
            WrongNumber,
            CallBack,
            AppointmentBooked,
        ]);
        assert_eq!((t.dialled, t.reached, t.meetings_booked), (7, 4, 2));
        assert_eq!((t.no_answer, t.wrong_numbers, t.call_backs, t.refused), (1, 1, 1, 1));
        assert_eq!(t.booking_ratio(), Some(50));
        assert_eq!(t.reach_ratio(), Some(57));
        assert_eq!(Tally::default().booking_ratio(), None);
    }

    proptest! {
        /// However many calls and whatever the period, at most 3 pass the check in a row.
        #[test]
        fn never_more_than_three(n in 0usize..8, period in 1u32..90) {
            let mut made: Vec<DateTime<Utc>> = Vec::new();
            for i in 0..n {
                let t = at("2027-03-01T09:00:00Z") + Duration::hours(i as i64);
                if check_follow_up(&made, period).is_ok() {
                    made.push(t);
                }
            }
            prop_assert_eq!(made.len(), n.min(3));
        }
    }
}
