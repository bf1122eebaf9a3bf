//! Wall-clock time of the agencies' time zone.
//!
//! Meetings are stored as instants (UTC). Advisors type and read times on the local clock,
//! and "today" is the local day: this type does the conversions, on the server only, so the
//! browser bundle carries no time-zone database.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgencyTime {
    tz: Tz,
}

impl Default for AgencyTime {
    fn default() -> Self {
        AgencyTime {
            tz: chrono_tz::Europe::Paris,
        }
    }
}

impl AgencyTime {
    /// An IANA zone name such as `Europe/Paris`.
    pub fn parse(name: &str) -> anyhow::Result<Self> {
        let tz: Tz = name
            .parse()
            .map_err(|_| anyhow::anyhow!("unknown time zone {name:?} (use an IANA name such as Europe/Paris)"))?;
        Ok(AgencyTime { tz })
    }

    pub fn name(&self) -> &'static str {
        self.tz.name()
    }

    /// The local wall-clock time of an instant.
    pub fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&self.tz).naive_local()
    }

    /// The local day of an instant.
    pub fn day_of(&self, t: DateTime<Utc>) -> NaiveDate {
        self.local(t).date()
    }

    pub fn today(&self) -> NaiveDate {
        self.day_of(Utc::now())
    }

    /// The instant of a local wall-clock time. A time skipped by the spring clock change
    /// does not exist and is refused; a time repeated in autumn is taken the first time.
    pub fn instant(&self, local: NaiveDateTime) -> Result<DateTime<Utc>, String> {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
            LocalResult::None => Err("cette heure n'existe pas ce jour-là (changement d'heure)".into()),
        }
    }

    /// The last second of a local day (a deadline counted in days ends then).
    pub fn day_end(&self, day: NaiveDate) -> DateTime<Utc> {
        self.day_start(day + chrono::Duration::days(1)) - chrono::Duration::seconds(1)
    }

    /// The zone's offsets from UTC, in minutes, each from the instant it starts: one line at
    /// 1970 then one per change of offset until 2100. What the database needs to tell the local
    /// day of an instant (`zone_offsets`, for the dashboards' day-by-day summary).
    pub fn offsets(&self) -> Vec<(DateTime<Utc>, i32)> {
        use chrono::Offset;
        let minutes = |t: DateTime<Utc>| self.tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc() / 60;
        let start = NaiveDate::from_ymd_opt(1970, 1, 1)
            .unwrap_or_default()
            .and_time(NaiveTime::MIN)
            .and_utc();
        let end = NaiveDate::from_ymd_opt(2100, 1, 1)
            .unwrap_or_default()
            .and_time(NaiveTime::MIN)
            .and_utc();
        let mut out = vec![(start, minutes(start))];
        let mut day = start;
        while day < end {
            let next = day + chrono::Duration::days(1);
            if minutes(next) != out.last().map_or(0, |o| o.1) {
                // The change falls within the day, on a quarter hour in every zone.
                let mut at = day;
                while minutes(at) == out.last().map_or(0, |o| o.1) {
                    at += chrono::Duration::minutes(15);
                }
                out.push((at, minutes(at)));
            }
            day = next;
        }
        out
    }

    /// The instant the local day begins.
    pub fn day_start(&self, day: NaiveDate) -> DateTime<Utc> {
        let midnight = day.and_time(NaiveTime::MIN);
        // Midnight exists in every zone we serve; fall back an hour if a zone skips it.
        self.instant(midnight)
            .or_else(|_| self.instant(midnight + chrono::Duration::hours(1)))
            .unwrap_or_else(|_| midnight.and_utc())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    #[test]
    fn paris_winter_and_summer() {
        let t = AgencyTime::default();
        assert_eq!(
            t.instant(at("2026-11-24T14:30")).unwrap().to_rfc3339(),
            "2026-11-24T13:30:00+00:00"
        );
        assert_eq!(
            t.instant(at("2026-07-01T14:30")).unwrap().to_rfc3339(),
            "2026-07-01T12:30:00+00:00"
        );
        let back = t.local(t.instant(at("2026-07-01T14:30")).unwrap());
        assert_eq!(back, at("2026-07-01T14:30"));
    }

    #[test]
    fn clock_changes() {
        let t = AgencyTime::default();
        // 29 March 2026, 02:00 → 03:00: 02:30 does not exist.
        assert!(t.instant(at("2026-03-29T02:30")).is_err());
        // 25 October 2026, 03:00 → 02:00: 02:30 happens twice, the first (summer) is taken.
        assert_eq!(
            t.instant(at("2026-10-25T02:30")).unwrap().to_rfc3339(),
            "2026-10-25T00:30:00+00:00"
        );
    }

    #[test]
    fn days_are_local() {
        let t = AgencyTime::default();
        let late = DateTime::parse_from_rfc3339("2026-11-23T23:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(t.day_of(late), NaiveDate::from_ymd_opt(2026, 11, 24).unwrap());
        assert_eq!(
            t.day_start(NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()).to_rfc3339(),
            "2026-11-23T23:00:00+00:00"
        );
        assert!(AgencyTime::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn the_offsets_follow_the_clock_changes() {
        let offsets = AgencyTime::default().offsets();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(offsets[0].1, 60);
        assert!(offsets.contains(&(at("2026-03-29T01:00:00Z"), 120)));
        assert!(offsets.contains(&(at("2026-10-25T01:00:00Z"), 60)));
        // Two changes a year since 1996.
        assert!(offsets.len() > 200, "{}", offsets.len());
        let utc = AgencyTime::parse("UTC").unwrap().offsets();
        assert_eq!(utc.len(), 1);
    }
}
