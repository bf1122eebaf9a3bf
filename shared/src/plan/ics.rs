//! The planned day as an iCalendar file (RFC 5545), built on the phone so that it can be exported
//! with the network cut: one event per stop, the fixed meetings confirmed and the proposed
//! visits tentative.
//!
//! Times are "floating" local times (no time zone): the day is planned on the agency's wall
//! clock, and the phone's calendar shows them at that same clock time. A fixed meeting keeps
//! the UID of the server's calendar feed and `.ics` export (`<meeting id>@tournee`), so a
//! calendar that already holds the meeting updates it rather than showing it twice.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};

use super::day::DayPlan;
use super::itinerary::{DayContext, PlanPlace};

/// The domain part of every event UID Tournée writes (`<meeting id>@tournee`).
pub const UID_DOMAIN: &str = "tournee";

/// The `.ics` text of a planned day. `places` and `plan` are what
/// [`DayContext::plan`] or [`DayContext::replay`] returned; `stamp` is the export time (DTSTAMP, required by the RFC).
pub fn day_ics(ctx: &DayContext, places: &[PlanPlace], plan: &DayPlan, stamp: DateTime<Utc>) -> String {
    let mut out = Lines::default();
    out.push("BEGIN:VCALENDAR");
    out.push("VERSION:2.0");
    out.push("PRODID:-//Tournee//Tournee CRM//FR");
    out.push("CALSCALE:GREGORIAN");
    out.push(&format!(
        "X-WR-CALNAME:{}",
        text(&format!(
            "Tournée du {:02}/{:02}/{}",
            ctx.date.day(),
            ctx.date.month(),
            ctx.date.year()
        ))
    ));
    let dtstamp = format!("{}Z", basic(stamp.naive_utc()));
    for (n, v) in plan.visits.iter().enumerate() {
        let Some(p) = places.get(v.stop) else { continue };
        out.push("BEGIN:VEVENT");
        let uid = match (p.fixed, p.contact_id) {
            (true, _) => format!("{}@{UID_DOMAIN}", p.id),
            (false, Some(contact)) => format!("visit-{contact}-{}@{UID_DOMAIN}", ctx.date),
            (false, None) => format!("visit-{}-{}@{UID_DOMAIN}", p.id, ctx.date),
        };
        out.push(&format!("UID:{}", text(&uid)));
        out.push(&format!("DTSTAMP:{dtstamp}"));
        out.push(&format!("DTSTART:{}", local(ctx.date, v.start)));
        out.push(&format!("DTEND:{}", local(ctx.date, v.departure.max(v.start))));
        let summary = if p.fixed {
            format!("RDV {}", p.label)
        } else {
            format!("Visite {} (proposée)", p.label)
        };
        out.push(&format!("SUMMARY:{}", text(&summary)));
        if !p.address.is_empty() {
            out.push(&format!("LOCATION:{}", text(&p.address)));
        }
        out.push(&format!("GEO:{:.6};{:.6}", p.lat, p.lon));
        let mut description = vec![format!("Arrêt {} de la tournée", n + 1)];
        if v.travel > 0 {
            description.push(format!("{} min de route avant", v.travel / 60));
        }
        if !p.note.is_empty() {
            description.push(p.note.clone());
        }
        if p.approximate {
            description.push("Position approximative".into());
        }
        out.push(&format!("DESCRIPTION:{}", text(&description.join("\n"))));
        out.push(if p.fixed {
            "STATUS:CONFIRMED"
        } else {
            "STATUS:TENTATIVE"
        });
        out.push("TRANSP:OPAQUE");
        out.push("END:VEVENT");
    }
    out.push("END:VCALENDAR");
    out.0
}

/// A floating local date-time, `seconds` after midnight of `date` (may pass midnight).
fn local(date: NaiveDate, seconds: i64) -> String {
    let at = date.and_hms_opt(0, 0, 0).unwrap_or_default() + chrono::Duration::seconds(seconds.max(0));
    basic(at)
}

/// `YYYYMMDDTHHMMSS`, written by hand: chrono's `format` would bring its whole strftime
/// machinery into the browser bundle.
fn basic(at: NaiveDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Content lines ending in CRLF, folded at 75 octets without splitting a UTF-8 character
/// (RFC 5545 §3.1).
#[derive(Default)]
struct Lines(String);

impl Lines {
    fn push(&mut self, line: &str) {
        let mut width = 0;
        for c in line.chars() {
            let len = c.len_utf8();
            if width + len > 75 {
                self.0.push_str("\r\n ");
                width = 1;
            }
            self.0.push(c);
            width += len;
        }
        self.0.push_str("\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::RoadEstimate;
    use uuid::Uuid;

    fn place(id: u128, label: &str, fixed_at: Option<i64>) -> PlanPlace {
        PlanPlace {
            id: Uuid::from_u128(id),
            contact_id: Some(Uuid::from_u128(id + 1000)),
            label: label.into(),
            address: "12, rue de la République; 69002 Lyon".into(),
            lat: 45.76 + id as f64 * 0.003,
            lon: 4.83 + id as f64 * 0.002,
            approximate: false,
            open: fixed_at.unwrap_or(8 * 3600),
            close: fixed_at.unwrap_or(18 * 3600),
            duration: 3600,
            priority: 1,
            fixed: fixed_at.is_some(),
            note: "Bilan retraite, apporter le relevé".into(),
        }
    }

    fn day() -> DayContext {
        DayContext {
            date: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            start_label: "Agence".into(),
            start_lat: 45.7578,
            start_lon: 4.832,
            day_start: 8 * 3600,
            day_end: 19 * 3600,
            lunch_from: 12 * 3600,
            lunch_to: 14 * 3600,
            lunch_duration: 3600,
            fixed: vec![place(1, "Mme Élodie Fontaine-Dupré, gérante", Some(9 * 3600))],
            candidates: vec![place(2, "SARL Les Ateliers du Rhône", None)],
            durations: None,
            tiles: None,
            towns: Vec::new(),
        }
    }

    #[test]
    fn every_stop_becomes_an_event_with_its_times_and_the_fixed_meeting_keeps_the_feed_uid() {
        let ctx = day();
        let chosen = [Uuid::from_u128(2)];
        let (places, plan) = ctx.plan(&chosen, RoadEstimate::default());
        let places: Vec<PlanPlace> = places.into_iter().cloned().collect();
        let stamp = DateTime::parse_from_rfc3339("2026-11-23T06:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let ics = day_ics(&ctx, &places, &plan, stamp);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), plan.visits.len());
        assert_eq!(plan.visits.len(), 2);
        assert!(ics.contains(&format!("UID:{}@tournee\r\n", Uuid::from_u128(1))));
        assert!(ics.contains("DTSTART:20261123T090000\r\nDTEND:20261123T100000\r\n"));
        assert!(ics.contains("STATUS:TENTATIVE"));
        assert!(ics.contains("DTSTAMP:20261123T063000Z"));
        // Escaped separators, and every physical line within 75 octets.
        assert!(ics.contains("LOCATION:12\\, rue de la République\\; 69002 Lyon"));
        assert!(ics.split("\r\n").all(|l| l.len() <= 75), "{ics}");
        assert!(!ics.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn folding_never_splits_a_character_and_unfolds_to_the_original() {
        let mut lines = Lines::default();
        let long = format!("SUMMARY:{}", "é".repeat(100));
        lines.push(&long);
        for l in lines.0.split("\r\n") {
            assert!(l.len() <= 75);
        }
        assert_eq!(lines.0.replace("\r\n ", ""), format!("{long}\r\n"));
    }
}
