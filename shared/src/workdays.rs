//! French public holidays (*jours fériés*) and the two ways French rules count working days:
//! *jours ouvrables* (Monday to Saturday, holidays excepted — what the ACPR recommendation
//! 2022-R-01 on complaints counts) and *jours ouvrés* (Monday to Friday, holidays excepted).
//!
//! The holidays are those of the Code du travail (art. L3133-1) for metropolitan France: 1 January,
//! Easter Monday, 1 and 8 May, Ascension, Whit Monday, 14 July, 15 August, 1 and 11 November,
//! 25 December. Alsace-Moselle's two more (Good Friday, 26 December) are not counted.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// Easter Sunday of a year (Gregorian calendar; the anonymous "Meeus/Jones/Butcher" method).
pub fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or_default()
}

/// The public holidays of a year, in date order.
pub fn holidays(year: i32) -> Vec<NaiveDate> {
    let fixed = |m, d| NaiveDate::from_ymd_opt(year, m, d).unwrap_or_default();
    let e = easter(year);
    let mut v = vec![
        fixed(1, 1),
        e + Duration::days(1),
        fixed(5, 1),
        fixed(5, 8),
        e + Duration::days(39),
        e + Duration::days(50),
        fixed(7, 14),
        fixed(8, 15),
        fixed(11, 1),
        fixed(11, 11),
        fixed(12, 25),
    ];
    v.sort();
    v.dedup();
    v
}

/// Whether a day is a public holiday.
pub fn is_holiday(d: NaiveDate) -> bool {
    let (m, day) = (d.month(), d.day());
    if matches!(
        (m, day),
        (1, 1) | (5, 1) | (5, 8) | (7, 14) | (8, 15) | (11, 1) | (11, 11) | (12, 25)
    ) {
        return true;
    }
    let e = easter(d.year());
    d == e + Duration::days(1) || d == e + Duration::days(39) || d == e + Duration::days(50)
}

/// How working days are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// *Jours ouvrables*: Monday to Saturday.
    Ouvrables,
    /// *Jours ouvrés*: Monday to Friday.
    Ouvres,
}

/// Whether `d` counts as a working day.
pub fn is_working_day(d: NaiveDate, count: Count) -> bool {
    let weekday_ok = match count {
        Count::Ouvrables => d.weekday() != Weekday::Sun,
        Count::Ouvres => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
    };
    weekday_ok && !is_holiday(d)
}

/// The `n`-th working day after `start` (the day of receipt does not count: "within 10 days"
/// of a Monday ends on the 10th working day after it).
pub fn add_working_days(start: NaiveDate, n: u32, count: Count) -> NaiveDate {
    let mut d = start;
    let mut left = n;
    while left > 0 {
        d += Duration::days(1);
        if is_working_day(d, count) {
            left -= 1;
        }
    }
    d
}

/// Working days after `from` up to and including `to` (0 when `to` is not after `from`).
pub fn working_days_between(from: NaiveDate, to: NaiveDate, count: Count) -> i64 {
    let mut n = 0;
    let mut d = from;
    while d < to {
        d += Duration::days(1);
        if is_working_day(d, count) {
            n += 1;
        }
    }
    n
}

/// The same day `months` months later, or the month's last day when it has fewer days (a
/// complaint received on 31 December is answered by 28 or 29 February).
pub fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(months)).unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn easter_falls_where_the_calendars_say() {
        for (y, d) in [
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2038, "2038-04-25"),
        ] {
            assert_eq!(easter(y), day(d), "{y}");
        }
    }

    #[test]
    fn the_eleven_holidays_of_2027() {
        let h = holidays(2027);
        assert_eq!(h.len(), 11);
        for d in [
            "2027-01-01",
            "2027-03-29",
            "2027-05-01",
            "2027-05-06",
            "2027-05-08",
            "2027-05-17",
            "2027-07-14",
            "2027-08-15",
            "2027-11-01",
            "2027-11-11",
            "2027-12-25",
        ] {
            assert!(h.contains(&day(d)) && is_holiday(day(d)), "{d}");
        }
        assert!(
            !is_holiday(day("2027-03-28")),
            "Easter Sunday is a Sunday, not counted twice"
        );
    }

    #[test]
    fn ten_working_days_skip_sundays_holidays_and_for_ouvres_saturdays() {
        // Received Friday 23 April 2027: Saturday counts as ouvrable; 1 and 8 May are Saturdays
        // in 2027; Ascension Thursday 6 May is a holiday.
        let received = day("2027-04-23");
        // ouvrables: 24, 26, 27, 28, 29, 30 Apr, (1 May holiday), 3, 4, 5, (6 holiday), 7 → 10th is 7 May.
        assert_eq!(add_working_days(received, 10, Count::Ouvrables), day("2027-05-07"));
        // ouvrés: 26, 27, 28, 29, 30 Apr, 3, 4, 5, 7, 10 May.
        assert_eq!(add_working_days(received, 10, Count::Ouvres), day("2027-05-10"));
        // Christmas week 2026: Friday 25 December and Friday 1 January are off.
        assert_eq!(add_working_days(day("2026-12-24"), 2, Count::Ouvres), day("2026-12-29"));
        assert_eq!(
            working_days_between(day("2026-12-24"), day("2026-12-29"), Count::Ouvres),
            2
        );
        assert_eq!(
            working_days_between(day("2026-12-29"), day("2026-12-24"), Count::Ouvres),
            0
        );
    }

    #[test]
    fn two_months_end_on_the_same_day_or_the_month_end() {
        assert_eq!(add_months(day("2026-11-30"), 2), day("2027-01-30"));
        assert_eq!(add_months(day("2026-12-31"), 2), day("2027-02-28"));
        assert_eq!(add_months(day("2027-12-31"), 2), day("2028-02-29"));
    }

    proptest! {
        /// Adding n working days lands on a working day, exactly n working days later, and
        /// never earlier than n calendar days.
        #[test]
        fn adding_and_counting_agree(offset in 0i64..3000, n in 1u32..40, ouvres in any::<bool>()) {
            let count = if ouvres { Count::Ouvres } else { Count::Ouvrables };
            let start = day("2024-01-01") + Duration::days(offset);
            let end = add_working_days(start, n, count);
            prop_assert!(is_working_day(end, count));
            prop_assert_eq!(working_days_between(start, end, count), i64::from(n));
            prop_assert!(end >= start + Duration::days(i64::from(n)));
        }
    }
}
