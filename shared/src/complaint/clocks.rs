//! A complaint's clocks — the agency's targets and the ACPR limits, counted with French
//! holidays — and the complaints dashboard.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Complaint, Nature, Phase};
use crate::workdays::{add_months, add_working_days, Count};

/// The clocks a complaint runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// The agency's target: acknowledged within 24 h.
    Acknowledge24h,
    /// ACPR 2022-R-01: acknowledged within 10 jours ouvrables (unless answered by then).
    AcknowledgeRegulatory,
    /// The agency's target: answered within a week.
    AnswerWeek,
    /// ACPR 2022-R-01: answered within 2 months of receipt.
    AnswerRegulatory,
}

impl ClockKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Acknowledge24h => "Accusé de réception sous 24 h",
            Self::AcknowledgeRegulatory => "Accusé de réception sous 10 jours ouvrables (ACPR)",
            Self::AnswerWeek => "Réponse sous une semaine",
            Self::AnswerRegulatory => "Réponse sous 2 mois (ACPR)",
        }
    }
}

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Done in time.
    Met,
    /// Done, after the deadline.
    MetLate,
    /// Running, time left.
    Running,
    /// Running, less than a quarter of the time left (or less than 4 h on the 24 h clock).
    Soon,
    /// Running, past the deadline.
    Late,
}

impl ClockState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Met => "tenu",
            Self::MetLate => "tenu en retard",
            Self::Running => "en cours",
            Self::Soon => "bientôt en retard",
            Self::Late => "en retard",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Clock {
    pub kind: ClockKind,
    pub deadline: DateTime<Utc>,
    /// When what it waits for was done.
    pub done_at: Option<DateTime<Utc>>,
    pub state: ClockState,
}

/// Every clock of a complaint at `now`. `day_of` gives the agency's day of an instant and
/// `end_of_day` the last instant of an agency day (deadlines counted in days end at midnight).
pub fn clocks(
    c: &Complaint,
    now: DateTime<Utc>,
    day_of: &dyn Fn(DateTime<Utc>) -> NaiveDate,
    end_of_day: &dyn Fn(NaiveDate) -> DateTime<Utc>,
) -> Vec<Clock> {
    let received = c.received_at;
    let day = day_of(received);
    // An answer within the 10 days makes the acknowledgement needless (ACPR).
    let acknowledged = c.acknowledged_at.or(c.resolved_at);
    let clock = |kind, deadline: DateTime<Utc>, done_at: Option<DateTime<Utc>>| {
        let total = (deadline - received).num_seconds().max(1);
        let left = (deadline - now).num_seconds();
        let state = match done_at {
            Some(t) if t <= deadline => ClockState::Met,
            Some(_) => ClockState::MetLate,
            None if left < 0 => ClockState::Late,
            None if left * 4 < total || (kind == ClockKind::Acknowledge24h && left < 4 * 3600) => ClockState::Soon,
            None => ClockState::Running,
        };
        Clock {
            kind,
            deadline,
            done_at,
            state,
        }
    };
    vec![
        clock(ClockKind::Acknowledge24h, received + Duration::hours(24), acknowledged),
        clock(
            ClockKind::AcknowledgeRegulatory,
            end_of_day(add_working_days(day, 10, Count::Ouvrables)),
            acknowledged,
        ),
        clock(ClockKind::AnswerWeek, received + Duration::days(7), c.resolved_at),
        clock(
            ClockKind::AnswerRegulatory,
            end_of_day(add_months(day, 2)),
            c.resolved_at,
        ),
    ]
}

/// A complaint with its clocks at the time it was read (`GET /complaints…`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintView {
    #[serde(flatten)]
    pub complaint: Complaint,
    pub clocks: Vec<Clock>,
    /// The worst running clock: `late`, `soon`, `running`; none once all are done.
    pub urgency: Option<ClockState>,
}

impl ComplaintView {
    pub fn of(
        complaint: Complaint,
        now: DateTime<Utc>,
        day_of: &dyn Fn(DateTime<Utc>) -> NaiveDate,
        end_of_day: &dyn Fn(NaiveDate) -> DateTime<Utc>,
    ) -> ComplaintView {
        let clocks = clocks(&complaint, now, day_of, end_of_day);
        ComplaintView {
            urgency: urgency(&clocks),
            clocks,
            complaint,
        }
    }
}

/// The worst state among a complaint's running clocks (what a list flags), if any runs.
pub fn urgency(clocks: &[Clock]) -> Option<ClockState> {
    let running = clocks.iter().filter(|c| c.done_at.is_none()).map(|c| c.state);
    running.max_by_key(|s| match s {
        ClockState::Late => 3,
        ClockState::Soon => 2,
        ClockState::Running => 1,
        _ => 0,
    })
}

/// The complaints dashboard (*tableau de bord des réclamations*).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ComplaintDashboard {
    pub total: i64,
    /// Not yet answered.
    pub open: i64,
    /// Per phase, in phase order (every phase, zeros included).
    pub by_phase: Vec<PhaseCount>,
    /// Per nature, among those registered.
    pub by_nature: Vec<NatureCount>,
    pub founded: i64,
    /// With a clock past its deadline and not done.
    pub late: i64,
    /// With a clock soon due.
    pub soon: i64,
    /// Acknowledged within 24 h, among those acknowledged or answered.
    pub acknowledged_in_24h: i64,
    pub acknowledged: i64,
    /// Mean hours from receipt to the acknowledgement (or the answer, if first).
    pub mean_acknowledge_hours: Option<f64>,
    /// Mean hours from receipt to the answer, among those answered.
    pub mean_answer_hours: Option<f64>,
    /// Answered beyond the regulatory 2 months.
    pub answered_late_regulatory: i64,
    /// Closed with the client satisfied again, among those closed.
    pub satisfied: i64,
    pub closed: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhaseCount {
    pub phase: Phase,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NatureCount {
    pub nature: Nature,
    pub count: i64,
}

/// The dashboard of a set of complaints at `now`.
pub fn dashboard(
    list: &[Complaint],
    now: DateTime<Utc>,
    day_of: &dyn Fn(DateTime<Utc>) -> NaiveDate,
    end_of_day: &dyn Fn(NaiveDate) -> DateTime<Utc>,
) -> ComplaintDashboard {
    let mut d = ComplaintDashboard {
        by_phase: Phase::ALL.iter().map(|p| PhaseCount { phase: *p, count: 0 }).collect(),
        by_nature: Nature::ALL
            .iter()
            .map(|n| NatureCount { nature: *n, count: 0 })
            .collect(),
        ..Default::default()
    };
    let (mut ack_hours, mut ack_n, mut answer_hours, mut answer_n) = (0f64, 0u32, 0f64, 0u32);
    for c in list {
        d.total += 1;
        if !c.phase.is_answered() {
            d.open += 1;
        }
        if let Some(slot) = d.by_phase.iter_mut().find(|p| p.phase == c.phase) {
            slot.count += 1;
        }
        if let Some(n) = c.nature {
            if let Some(slot) = d.by_nature.iter_mut().find(|k| k.nature == n) {
                slot.count += 1;
            }
        }
        if c.founded == Some(true) {
            d.founded += 1;
        }
        let cl = clocks(c, now, day_of, end_of_day);
        match urgency(&cl) {
            Some(ClockState::Late) => d.late += 1,
            Some(ClockState::Soon) => d.soon += 1,
            _ => {}
        }
        if let Some(t) = c.acknowledged_at.or(c.resolved_at) {
            d.acknowledged += 1;
            let hours = (t - c.received_at).num_minutes() as f64 / 60.0;
            if hours <= 24.0 {
                d.acknowledged_in_24h += 1;
            }
            ack_hours += hours;
            ack_n += 1;
        }
        if let Some(t) = c.resolved_at {
            answer_hours += (t - c.received_at).num_minutes() as f64 / 60.0;
            answer_n += 1;
            if cl
                .iter()
                .any(|k| k.kind == ClockKind::AnswerRegulatory && k.state == ClockState::MetLate)
            {
                d.answered_late_regulatory += 1;
            }
        }
        if let Some(s) = c.satisfied {
            d.closed += 1;
            if s {
                d.satisfied += 1;
            }
        }
    }
    d.mean_acknowledge_hours = (ack_n > 0).then(|| ack_hours / f64::from(ack_n));
    d.mean_answer_hours = (answer_n > 0).then(|| answer_hours / f64::from(answer_n));
    d
}
