//! Meetings, visit reports, objections, referral requests, calls and other interactions
//! (domain README §4): the advisor's day in the field.
//!
//! Times: a meeting is stored as an instant (UTC). The advisor types and reads wall-clock
//! times of the agency's time zone; the server converts and sends both, so the browser never
//! needs a time-zone database.

use crate::record::FieldErrors;
use crate::text;

const SHORT: usize = 200;
const LONG: usize = 5000;

pub mod effects;
mod interaction;
mod meeting;
mod report;
mod task;
mod timeline;

pub use interaction::*;
pub use meeting::*;
pub use report::*;
pub use task::*;
pub use timeline::*;

/// Wall-clock times as a phone's `datetime-local` input gives them: `YYYY-MM-DDTHH:MM`, seconds
/// optional. Parsed and printed by hand: chrono's strftime machinery would add kilobytes to
/// the browser bundle for one fixed format.
pub mod wall_clock {
    use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn parse(s: &str) -> Option<NaiveDateTime> {
        let s = s.trim();
        let (date, time) = s.split_once(['T', ' '])?;
        let mut d = date.splitn(3, '-').map(|p| p.parse::<u32>().ok());
        let (y, m, day) = (d.next()??, d.next()??, d.next()??);
        if date.len() != 10 {
            return None;
        }
        let mut t = time.splitn(3, ':');
        let (h, min) = (t.next()?, t.next()?);
        if h.len() != 2 || min.len() != 2 {
            return None;
        }
        let sec = match t.next() {
            Some(sec) if sec.len() == 2 => sec.parse().ok()?,
            Some(_) => return None,
            None => 0,
        };
        let date = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, day)?;
        Some(date.and_time(NaiveTime::from_hms_opt(h.parse().ok()?, min.parse().ok()?, sec)?))
    }

    /// `YYYY-MM-DDTHH:MM`, what a `datetime-local` input shows.
    pub fn to_minutes(t: &NaiveDateTime) -> String {
        format!("{}T{:02}:{:02}", t.date(), t.hour(), t.minute())
    }

    pub fn serialize<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{}:{:02}", to_minutes(t), t.second()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("date et heure attendues (AAAA-MM-JJTHH:MM), reçu {s:?}")))
    }
}

pub(crate) fn check_text(errors: &mut FieldErrors, name: &str, v: &mut String, max: usize) {
    *v = v.trim().to_string();
    if v.chars().count() > max {
        errors.insert(name.into(), format!("{max} caractères au plus"));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        errors.insert(name.into(), "caractères de contrôle interdits".into());
    }
}

/// A short one-line excerpt of free text for lists and timelines.
pub fn excerpt(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Folded label of an objection, to group free texts that differ only by case or accents.
pub fn objection_key(code: Option<&str>, text: &str) -> String {
    match code {
        Some(c) => c.to_string(),
        None => format!("free:{}", text::fold(text)),
    }
}

#[cfg(test)]
mod tests;
