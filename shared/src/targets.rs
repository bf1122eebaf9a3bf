//! Weekly targets (*objectifs hebdomadaires*, domain §6): what the manager expects of each
//! advisor in a week — meetings booked and held, closings, sales, referrals collected, calls —
//! and what was actually logged, counted from the records themselves:
//!
//! - **meetings booked** (*RDV pris*): meetings the advisor has, created that week;
//! - **meetings held** (*RDV tenus*): their meetings held, by the meeting's day;
//! - **closings** (*conclusions*): offers of their records brought to a decision — signed,
//!   lost or abandoned — that week;
//! - **sales** (*ventes*): offers of their records signed that week;
//! - **referrals** (*recommandations*): names they collected that week;
//! - **calls** (*appels*): calls they logged that week.

use crate::values::Invalid;
use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A week's numbers: targets, or actuals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct WeekFigures {
    pub meetings_booked: u32,
    pub meetings_held: u32,
    pub closings: u32,
    pub sales: u32,
    pub referrals: u32,
    pub calls: u32,
}

crate::wire_enum! {
    /// The measures, in the order screens show them.
    #[derive(Hash)]
    pub enum Measure {
        MeetingsBooked = "meetings_booked",
        MeetingsHeld = "meetings_held",
        Closings = "closings",
        Sales = "sales",
        Referrals = "referrals",
        Calls = "calls",
    }
}

impl Measure {
    pub fn label(self) -> &'static str {
        match self {
            Self::MeetingsBooked => "RDV pris",
            Self::MeetingsHeld => "RDV tenus",
            Self::Closings => "Conclusions",
            Self::Sales => "Ventes",
            Self::Referrals => "Recommandations",
            Self::Calls => "Appels",
        }
    }
}

impl WeekFigures {
    pub fn get(&self, m: Measure) -> u32 {
        match m {
            Measure::MeetingsBooked => self.meetings_booked,
            Measure::MeetingsHeld => self.meetings_held,
            Measure::Closings => self.closings,
            Measure::Sales => self.sales,
            Measure::Referrals => self.referrals,
            Measure::Calls => self.calls,
        }
    }

    pub fn slot(&mut self, m: Measure) -> &mut u32 {
        match m {
            Measure::MeetingsBooked => &mut self.meetings_booked,
            Measure::MeetingsHeld => &mut self.meetings_held,
            Measure::Closings => &mut self.closings,
            Measure::Sales => &mut self.sales,
            Measure::Referrals => &mut self.referrals,
            Measure::Calls => &mut self.calls,
        }
    }

    /// Every figure at most `max` (a week's target of 1 000 calls is a typing error).
    pub fn validate(&self, max: u32) -> Result<(), Invalid> {
        match Measure::ALL.iter().find(|m| self.get(**m) > max) {
            Some(m) => Err(Invalid(format!("{} : {max} par semaine au plus", m.label()))),
            None => Ok(()),
        }
    }
}

/// The agency's targets: one default, and per advisor where it differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Targets {
    pub default: WeekFigures,
    pub per_advisor: Vec<AdvisorTargets>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdvisorTargets {
    pub user_id: Uuid,
    pub targets: WeekFigures,
}

impl Default for Targets {
    /// The domain's example: 10 meetings booked, 7 held, 4 closings, 2 sales, 20 referrals;
    /// and 40 calls.
    fn default() -> Self {
        Targets {
            default: WeekFigures {
                meetings_booked: 10,
                meetings_held: 7,
                closings: 4,
                sales: 2,
                referrals: 20,
                calls: 40,
            },
            per_advisor: Vec::new(),
        }
    }
}

impl Targets {
    /// An advisor's weekly targets.
    pub fn of(&self, user_id: Uuid) -> WeekFigures {
        self.per_advisor
            .iter()
            .find(|a| a.user_id == user_id)
            .map(|a| a.targets)
            .unwrap_or(self.default)
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        self.default.validate(500)?;
        for (i, a) in self.per_advisor.iter().enumerate() {
            a.targets.validate(500)?;
            if self.per_advisor[..i].iter().any(|o| o.user_id == a.user_id) {
                return Err(Invalid("un conseiller a deux jeux d'objectifs".into()));
            }
        }
        Ok(())
    }
}

/// The Monday of a day's week.
pub fn week_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// One week of one advisor: actuals against targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeekLine {
    pub user_id: Uuid,
    pub user_name: String,
    /// The Monday.
    pub week: NaiveDate,
    pub actual: WeekFigures,
    pub target: WeekFigures,
}

impl WeekLine {
    /// Actual over target in % for a measure (`None` without a target).
    pub fn rate(&self, m: Measure) -> Option<u32> {
        let t = self.target.get(m);
        (t > 0).then(|| (self.actual.get(m) * 100 + t / 2) / t)
    }
}

/// Logged facts that count: who, which day (any day of the week), for which measure, how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fact {
    pub user_id: Uuid,
    pub day: NaiveDate,
    pub measure: Measure,
    pub count: u32,
}

/// Counts facts into weekly lines: for each user of `users` (id, name), the `weeks` weeks
/// ending with the week of `last_day`, oldest first; zeros where nothing was logged.
pub fn weekly(
    facts: impl IntoIterator<Item = Fact>,
    users: &[(Uuid, String)],
    targets: &Targets,
    last_day: NaiveDate,
    weeks: u32,
) -> Vec<WeekLine> {
    let last = week_of(last_day);
    let first = last - Duration::weeks(i64::from(weeks.max(1)) - 1);
    let mut lines: Vec<WeekLine> = users
        .iter()
        .flat_map(|(id, name)| {
            (0..weeks.max(1)).map(move |w| WeekLine {
                user_id: *id,
                user_name: name.clone(),
                week: first + Duration::weeks(i64::from(w)),
                actual: WeekFigures::default(),
                target: targets.of(*id),
            })
        })
        .collect();
    for f in facts {
        let week = week_of(f.day);
        if week < first || week > last {
            continue;
        }
        if let Some(line) = lines.iter_mut().find(|l| l.user_id == f.user_id && l.week == week) {
            *line.actual.slot(f.measure) += f.count;
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(week_of(day("2026-11-30")), day("2026-11-30"));
        assert_eq!(week_of(day("2026-12-06")), day("2026-11-30"));
        assert_eq!(week_of(day("2026-12-07")), day("2026-12-07"));
    }

    #[test]
    fn facts_count_in_their_week_against_each_advisors_targets() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut targets = Targets::default();
        targets.per_advisor.push(AdvisorTargets {
            user_id: b,
            targets: WeekFigures {
                calls: 10,
                ..WeekFigures::default()
            },
        });
        let facts = [
            Fact {
                user_id: a,
                day: day("2026-11-30"),
                measure: Measure::Calls,
                count: 1,
            },
            Fact {
                user_id: a,
                day: day("2026-12-02"),
                measure: Measure::Calls,
                count: 1,
            },
            Fact {
                user_id: a,
                day: day("2026-11-27"),
                measure: Measure::MeetingsHeld,
                count: 1,
            },
            Fact {
                user_id: b,
                day: day("2026-12-01"),
                measure: Measure::Calls,
                count: 1,
            },
            // Too old for the window, and someone not asked about.
            Fact {
                user_id: a,
                day: day("2026-10-01"),
                measure: Measure::Calls,
                count: 1,
            },
            Fact {
                user_id: Uuid::from_u128(3),
                day: day("2026-12-01"),
                measure: Measure::Calls,
                count: 1,
            },
        ];
        let users = [(a, "A".to_string()), (b, "B".to_string())];
        let lines = weekly(facts, &users, &targets, day("2026-12-03"), 2);
        assert_eq!(lines.len(), 4);
        let this_a = lines
            .iter()
            .find(|l| l.user_id == a && l.week == day("2026-11-30"))
            .unwrap();
        assert_eq!(this_a.actual.calls, 2);
        assert_eq!(this_a.rate(Measure::Calls), Some(5), "2 of 40");
        let last_a = lines
            .iter()
            .find(|l| l.user_id == a && l.week == day("2026-11-23"))
            .unwrap();
        assert_eq!(last_a.actual.meetings_held, 1);
        let this_b = lines
            .iter()
            .find(|l| l.user_id == b && l.week == day("2026-11-30"))
            .unwrap();
        assert_eq!(
            (this_b.actual.calls, this_b.target.calls, this_b.rate(Measure::Calls)),
            (1, 10, Some(10))
        );
        assert_eq!(this_b.rate(Measure::Sales), None);
    }

    #[test]
    fn targets_are_checked() {
        assert!(Targets::default().validate().is_ok());
        let mut t = Targets::default();
        t.default.calls = 5000;
        assert!(t.validate().unwrap_err().0.contains("Appels"));
        let mut t = Targets::default();
        let twice = AdvisorTargets {
            user_id: Uuid::nil(),
            targets: WeekFigures::default(),
        };
        t.per_advisor = vec![twice.clone(), twice];
        assert!(t.validate().is_err());
    }
}
