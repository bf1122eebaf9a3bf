//! The day-planning policy (*règles de la journée*): the working day and the lunch break, how
//! long a follow-up visit lasts, where the day starts, and which overdue clients are proposed
//! around the fixed meetings, best first. The server only gathers the day's meetings and the
//! overdue clients; these rules turn them into the places the planner orders.

use chrono::{NaiveDate, Timelike};
use uuid::Uuid;

use super::areas::visit_priority;
use super::itinerary::{km, DayContext, PlanPlace};
use crate::cadence::days_late;
use crate::record::{Contact, MeetingPlace};
use crate::settings::BasePlace;
use crate::visit::{Meeting, MeetingStatus};

const H: i64 = 3600;
/// The working day, seconds since midnight.
pub const DAY_START: i64 = 8 * H + 30 * 60;
pub const DAY_END: i64 = 18 * H + 30 * 60;
/// Lunch: an hour, taken between noon and two.
pub const LUNCH_FROM: i64 = 12 * H;
pub const LUNCH_TO: i64 = 14 * H;
pub const LUNCH_DURATION: i64 = H;
/// A follow-up visit lasts three quarters of an hour.
pub const VISIT: i64 = 45 * 60;
/// Candidates are looked for within this distance of the day's places.
pub const NEAR_KM: f64 = 15.0;
/// Fixed meetings and candidates together stay within the exact planner's reach.
pub const MAX_STOPS: usize = 12;
/// Where a day starts when the agency has no base and no meeting has a point: the middle of
/// France.
pub const FALLBACK_START: (f64, f64) = (46.6, 2.4);

/// Where the day starts: the agency's base, else the first meeting with a point.
pub fn start(base: Option<&BasePlace>, meetings: &[Meeting]) -> (String, (f64, f64)) {
    match base {
        Some(b) => (b.label.clone(), (b.lat, b.lon)),
        None => match meetings.iter().find_map(|m| m.lat.zip(m.lon)) {
            Some(p) => ("Premier rendez-vous".to_string(), p),
            None => ("Départ".to_string(), FALLBACK_START),
        },
    }
}

/// The day's meetings as fixed places (not the cancelled ones, nor a client absent); a
/// meeting at the agency, or without a point, is placed at the start (`approximate` when that
/// is a guess).
pub fn fixed_places(meetings: &[Meeting], start: (f64, f64), base_known: bool) -> Vec<PlanPlace> {
    meetings
        .iter()
        .filter(|m| m.status != MeetingStatus::Cancelled && m.status != MeetingStatus::NoShow)
        .map(|m| {
            let at = i64::from(m.local_start.num_seconds_from_midnight());
            let (lat, lon, approximate) = match (m.place, m.lat.zip(m.lon)) {
                (MeetingPlace::Agency, _) => (start.0, start.1, !base_known),
                (_, Some((lat, lon))) => (lat, lon, false),
                (_, None) => (start.0, start.1, true),
            };
            PlanPlace {
                id: m.id,
                contact_id: Some(m.contact_id),
                label: m.contact_name.clone(),
                address: m.address.clone(),
                lat,
                lon,
                approximate,
                open: at,
                close: at,
                duration: i64::from(m.duration_min) * 60,
                priority: 1,
                fixed: true,
                note: if m.subject.is_empty() {
                    m.place.label().to_string()
                } else {
                    m.subject.clone()
                },
            }
        })
        .collect()
}

/// Overdue clients offered one by one, kept when near the day's places; the best come out
/// first (priority by segment and lateness, then the nearest).
pub struct Candidates {
    date: NaiveDate,
    anchors: Vec<(f64, f64)>,
    busy: Vec<Uuid>,
    pool: Vec<(u32, f64, PlanPlace)>,
}

impl Candidates {
    /// Around the fixed places (or the start when there are none), leaving out the clients
    /// the day already meets.
    pub fn new(date: NaiveDate, fixed: &[PlanPlace], start: (f64, f64)) -> Candidates {
        let anchors = if fixed.is_empty() {
            vec![start]
        } else {
            fixed.iter().map(|p| (p.lat, p.lon)).collect()
        };
        Candidates {
            date,
            anchors,
            busy: fixed.iter().filter_map(|p| p.contact_id).collect(),
            pool: Vec::new(),
        }
    }

    /// Considers a client: kept when it has a point, is not met today and is near enough.
    pub fn offer(&mut self, c: &Contact) {
        let (Some(lat), Some(lon)) = (c.lat, c.lon) else {
            return;
        };
        if self.busy.contains(&c.id) {
            return;
        }
        let distance = self
            .anchors
            .iter()
            .map(|a| km(*a, (lat, lon)))
            .fold(f64::INFINITY, f64::min);
        if distance > NEAR_KM {
            return;
        }
        let due = [c.next_meeting_due, c.next_call_due]
            .into_iter()
            .flatten()
            .filter(|d| *d <= self.date)
            .min();
        let late = due.map(|d| days_late(d, self.date)).unwrap_or(0);
        let priority = visit_priority(Some(c.segment), late);
        let place = PlanPlace {
            id: c.id,
            contact_id: Some(c.id),
            label: c.display_name.clone(),
            address: [c.address_line.as_str(), &format!("{} {}", c.postcode, c.city)]
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
            lat,
            lon,
            approximate: false,
            open: DAY_START,
            close: DAY_END - VISIT,
            duration: VISIT,
            priority,
            fixed: false,
            note: format!("En retard de {late} j · {} · {:.1} km", c.segment.label(), distance),
        };
        self.pool.push((priority, distance, place));
    }

    /// The best `room` candidates.
    pub fn best(mut self, room: usize) -> Vec<PlanPlace> {
        self.pool.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.total_cmp(&b.1)));
        self.pool.into_iter().take(room).map(|(_, _, p)| p).collect()
    }
}

/// The day's places and bounds, for the planner on the phone.
pub fn day_context(
    date: NaiveDate,
    (start_label, start): (String, (f64, f64)),
    fixed: Vec<PlanPlace>,
    candidates: Vec<PlanPlace>,
) -> DayContext {
    DayContext {
        date,
        start_label,
        start_lat: start.0,
        start_lon: start.1,
        day_start: DAY_START,
        day_end: DAY_END,
        lunch_from: LUNCH_FROM,
        lunch_to: LUNCH_TO,
        lunch_duration: LUNCH_DURATION,
        fixed,
        candidates,
        durations: None,
        tiles: None,
        towns: Vec::new(),
    }
}
