//! Follow-up cadence per segment and who is due (domain README §3).
//!
//! Defaults map the sources' three tiers onto the four segments: VIP and Gold follow the
//! premium rhythm (4 and 3 meetings a year, a call a month), Silver the standard one
//! (2 meetings, a call a quarter), Bronze the acquisition one (1 meeting, a call every six
//! months). The next due date is the last contact of that kind plus the interval; a record
//! never met is due from the day it became a client (or was created).

use crate::scoring::Segment;
use crate::values::Invalid;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// How often one segment is met and called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cadence {
    /// Meetings per year.
    pub meetings_per_year: u8,
    /// Days between two calls.
    pub call_every_days: u16,
    /// Days between two reportings (portfolio review sent).
    pub report_every_days: u16,
}

impl Cadence {
    /// Days between two meetings.
    pub fn meeting_every_days(&self) -> u16 {
        (365 / self.meetings_per_year.max(1) as u16).max(1)
    }
}

/// The cadence of every segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CadenceTable {
    pub vip: Cadence,
    pub gold: Cadence,
    pub silver: Cadence,
    pub bronze: Cadence,
}

impl Default for CadenceTable {
    fn default() -> Self {
        CadenceTable {
            vip: Cadence {
                meetings_per_year: 4,
                call_every_days: 30,
                report_every_days: 91,
            },
            gold: Cadence {
                meetings_per_year: 3,
                call_every_days: 30,
                report_every_days: 91,
            },
            silver: Cadence {
                meetings_per_year: 2,
                call_every_days: 91,
                report_every_days: 182,
            },
            bronze: Cadence {
                meetings_per_year: 1,
                call_every_days: 182,
                report_every_days: 365,
            },
        }
    }
}

impl CadenceTable {
    pub fn for_segment(&self, s: Segment) -> Cadence {
        match s {
            Segment::Vip => self.vip,
            Segment::Gold => self.gold,
            Segment::Silver => self.silver,
            Segment::Bronze => self.bronze,
        }
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        for (name, c) in [
            ("VIP", self.vip),
            ("Gold", self.gold),
            ("Silver", self.silver),
            ("Bronze", self.bronze),
        ] {
            if c.meetings_per_year == 0 || c.meetings_per_year > 52 {
                return Err(Invalid(format!("{name} : entre 1 et 52 rendez-vous par an")));
            }
            if c.call_every_days == 0
                || c.call_every_days > 730
                || c.report_every_days == 0
                || c.report_every_days > 730
            {
                return Err(Invalid(format!("{name} : intervalles entre 1 et 730 jours")));
            }
        }
        Ok(())
    }
}

/// Next due meeting and call dates of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueDates {
    pub meeting: NaiveDate,
    pub call: NaiveDate,
}

/// Due dates from the segment's cadence and the last meeting / call (or `since`, the date the
/// relationship started, for a kind of contact never had).
pub fn due_dates(
    cadence: &Cadence,
    last_meeting: Option<NaiveDate>,
    last_call: Option<NaiveDate>,
    since: NaiveDate,
) -> DueDates {
    let add = |d: NaiveDate, days: u16| d.checked_add_days(Days::new(days as u64)).unwrap_or(NaiveDate::MAX);
    // A meeting counts as a contact: no call is due sooner than one interval after it.
    let last_any = match (last_meeting, last_call) {
        (Some(m), Some(c)) => Some(m.max(c)),
        (m, c) => m.or(c),
    };
    DueDates {
        meeting: add(last_meeting.unwrap_or(since), cadence.meeting_every_days()),
        call: add(last_any.unwrap_or(since), cadence.call_every_days),
    }
}

/// Days late on `today` (0 when not yet due).
pub fn days_late(due: NaiveDate, today: NaiveDate) -> i64 {
    (today - due).num_days().max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn vip_met_in_january_is_due_again_in_april() {
        let t = CadenceTable::default();
        let due = due_dates(&t.vip, Some(d("2026-01-10")), Some(d("2026-02-01")), d("2020-01-01"));
        assert_eq!(due.meeting, d("2026-04-11"));
        assert_eq!(due.call, d("2026-03-03"));
    }

    #[test]
    fn a_meeting_pushes_the_next_call_back() {
        let t = CadenceTable::default();
        let due = due_dates(&t.silver, Some(d("2026-06-01")), Some(d("2026-01-01")), d("2020-01-01"));
        assert_eq!(due.call, d("2026-08-31"));
    }

    #[test]
    fn a_client_never_met_is_due_from_the_start_of_the_relationship() {
        let t = CadenceTable::default();
        let due = due_dates(&t.bronze, None, None, d("2026-03-01"));
        assert_eq!(due.meeting, d("2027-03-01"));
        assert_eq!(days_late(due.meeting, d("2027-03-11")), 10);
        assert_eq!(days_late(due.meeting, d("2027-01-01")), 0);
    }

    proptest! {
        #[test]
        fn richer_segments_are_never_seen_less_often(days in 0u32..3000) {
            let t = CadenceTable::default();
            let last = d("2020-01-01") + chrono::Days::new(days as u64);
            let order = [Segment::Vip, Segment::Gold, Segment::Silver, Segment::Bronze];
            for w in order.windows(2) {
                let a = due_dates(&t.for_segment(w[0]), Some(last), Some(last), last);
                let b = due_dates(&t.for_segment(w[1]), Some(last), Some(last), last);
                prop_assert!(a.meeting <= b.meeting && a.call <= b.call);
            }
        }
    }
}
