//! The manager's dashboards (domain §6, seed 000): the **photo** — records per stage and size
//! class at a date, with their accessible potential —, the **film** — two photos compared and
//! the conversion rates identified → contacted → engaged → client over a period, per advisor
//! or per campaign —, and the **KPIs** against the agency's targets.
//!
//! The stage of a record at a date is the last stage change before it (the dated history). The
//! server keeps the photo's cells day by day ([`cell_days`] is that summary rebuilt from the
//! history): from then on a record's owner, size class and potential are counted as they were
//! each day; for the days before, and in the film, they are today's. The counting rules are
//! here, pure; the server reads the facts and calls them.

use crate::values::Invalid;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::scoring::SizeClass;
use crate::stage::Stage;

/// The steps of the funnel, as the film counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// *recensé, recommandé, qualifié*.
    Identified,
    /// *contacté*.
    Contacted,
    /// *engagé*.
    Engaged,
    /// *client*.
    Client,
}

impl Step {
    pub const ALL: [Step; 4] = [Self::Identified, Self::Contacted, Self::Engaged, Self::Client];

    /// The funnel step of a stage; a former client is out of the funnel.
    pub fn of(stage: Stage) -> Option<Step> {
        match stage {
            Stage::Identified | Stage::Referred | Stage::Qualified => Some(Self::Identified),
            Stage::Contacted => Some(Self::Contacted),
            Stage::Engaged => Some(Self::Engaged),
            Stage::Client => Some(Self::Client),
            Stage::FormerClient => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Identified => "Identifiés",
            Self::Contacted => "Contactés",
            Self::Engaged => "Engagés",
            Self::Client => "Clients",
        }
    }
}

/// One cell of the photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoCell {
    pub stage: Stage,
    pub size_class: SizeClass,
    pub count: i64,
    /// Σ accessible potential, in cents.
    pub potential_cents: i64,
}

/// `GET /statistics/photo?on=…`: the records per stage × size class at the end of a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Photo {
    pub on: NaiveDate,
    /// Every stage × size class, zeros included, in stage order then Big → Small.
    pub cells: Vec<PhotoCell>,
}

impl Photo {
    /// A photo with every cell, from the counts found.
    pub fn of(on: NaiveDate, found: &[PhotoCell]) -> Photo {
        let cells = Stage::ALL
            .iter()
            .flat_map(|s| SizeClass::ALL.iter().map(move |z| (*s, *z)))
            .map(|(stage, size_class)| {
                let (count, potential_cents) = found
                    .iter()
                    .filter(|c| c.stage == stage && c.size_class == size_class)
                    .fold((0, 0), |(n, p), c| (n + c.count, p + c.potential_cents));
                PhotoCell {
                    stage,
                    size_class,
                    count,
                    potential_cents,
                }
            })
            .collect();
        Photo { on, cells }
    }

    /// Records at a stage, all sizes.
    pub fn at(&self, stage: Stage) -> i64 {
        self.cells.iter().filter(|c| c.stage == stage).map(|c| c.count).sum()
    }

    /// Records at a funnel step, all sizes.
    pub fn at_step(&self, step: Step) -> i64 {
        self.cells
            .iter()
            .filter(|c| Step::of(c.stage) == Some(step))
            .map(|c| c.count)
            .sum()
    }
}

/// What the film knows of a record that moved during the period: its stage at the start (none
/// if created later), the stages it moved to in the period in order, and its group (advisor or
/// campaign).
#[derive(Debug, Clone, PartialEq)]
pub struct Moves {
    pub start: Option<Stage>,
    pub moves: Vec<Stage>,
    pub group: String,
}

/// Conversions between two funnel steps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversion {
    /// Records at the first step at the start, or reaching it during the period.
    pub cohort: i64,
    /// Of those, the ones that reached the next step (or beyond) during the period.
    pub converted: i64,
}

impl Conversion {
    pub fn rate(&self) -> Option<u32> {
        (self.cohort > 0).then(|| ((self.converted * 100 + self.cohort / 2) / self.cohort) as u32)
    }
}

/// One line of the film: a group's conversions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FilmLine {
    /// The advisor's name, the campaign, or `""` for the whole.
    pub group: String,
    pub identified_to_contacted: Conversion,
    pub contacted_to_engaged: Conversion,
    pub engaged_to_client: Conversion,
}

/// `GET /statistics/film?from=…&to=…`: two photos and the conversions between them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Film {
    pub start: Photo,
    pub end: Photo,
    /// The whole first, then one line per group.
    pub lines: Vec<FilmLine>,
}

/// The conversions of a period. `at_start` are the records' stages at the start by group
/// (`(stage, group, count)`, every record existing then, those that moved too); `moved` the
/// records that changed stage during it.
pub fn conversions(at_start: &[(Stage, String, i64)], moved: &[Moves]) -> Vec<FilmLine> {
    let mut groups: Vec<String> = at_start
        .iter()
        .map(|(_, g, _)| g.clone())
        .chain(moved.iter().map(|m| m.group.clone()))
        .collect();
    groups.sort();
    groups.dedup();
    let pairs = [
        (Step::Identified, Step::Contacted),
        (Step::Contacted, Step::Engaged),
        (Step::Engaged, Step::Client),
    ];
    let line = |group: Option<&str>| {
        let mut c = [Conversion::default(); 3];
        for (i, (from, to)) in pairs.iter().enumerate() {
            // At the step at the start.
            c[i].cohort += at_start
                .iter()
                .filter(|(s, g, _)| group.is_none_or(|x| x == g) && Step::of(*s) == Some(*from))
                .map(|(_, _, n)| n)
                .sum::<i64>();
            for m in moved.iter().filter(|m| group.is_none_or(|x| x == m.group)) {
                let started_in = m.start.and_then(Step::of) == Some(*from);
                // Where in its moves it is at the step (from the start, or on entering it).
                let entered = if started_in {
                    Some(0)
                } else {
                    m.moves.iter().position(|s| Step::of(*s) == Some(*from)).map(|p| p + 1)
                };
                let Some(since) = entered else { continue };
                if !started_in {
                    c[i].cohort += 1;
                }
                let reached = m.moves[since.min(m.moves.len())..]
                    .iter()
                    .any(|s| Step::of(*s).is_some_and(|x| x >= *to));
                if reached {
                    c[i].converted += 1;
                }
            }
        }
        FilmLine {
            group: group.unwrap_or("").to_string(),
            identified_to_contacted: c[0],
            contacted_to_engaged: c[1],
            engaged_to_client: c[2],
        }
    };
    std::iter::once(line(None))
        .chain(groups.iter().map(|g| line(Some(g))))
        .collect()
}

/// A record as it is now, for rewinding to a past date.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordNow {
    pub id: Uuid,
    pub stage: Stage,
    pub size_class: SizeClass,
    pub potential_cents: i64,
    /// Whose portfolio it is in.
    pub owner_id: Uuid,
    /// The advisor's name, the campaign, or `""`.
    pub group: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// One stage change: from (none at creation) → to, when.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageMove {
    pub contact_id: Uuid,
    pub from: Option<Stage>,
    pub to: Stage,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Each record's stage at `at`, from its stage now and the changes made after `at` (`after`,
/// oldest first): the `from` of its first change after `at`, or its stage now when it has
/// none. A record created or deleted after `at` did not exist then (`None`).
pub fn rewind(records: &[RecordNow], after: &[StageMove], at: chrono::DateTime<chrono::Utc>) -> Vec<Option<Stage>> {
    let mut first: std::collections::HashMap<Uuid, Option<Stage>> = Default::default();
    for m in after.iter().filter(|m| m.at > at) {
        first.entry(m.contact_id).or_insert(m.from);
    }
    records
        .iter()
        .map(|r| {
            if r.created_at > at || r.deleted_at.is_some_and(|d| d <= at) {
                return None;
            }
            match first.get(&r.id) {
                Some(from) => *from,
                None => Some(r.stage),
            }
        })
        .collect()
}

/// The photo cells of records at their stages (`None`: not counted), with their groups.
pub fn cells_of(records: &[RecordNow], stages: &[Option<Stage>]) -> Vec<(PhotoCell, String)> {
    let mut acc: std::collections::BTreeMap<(Stage, SizeClass, String), (i64, i64)> = Default::default();
    for (r, s) in records.iter().zip(stages) {
        if let Some(s) = s {
            let e = acc.entry((*s, r.size_class, r.group.clone())).or_default();
            e.0 += 1;
            e.1 += r.potential_cents;
        }
    }
    acc.into_iter()
        .map(|((stage, size_class, group), (count, potential_cents))| {
            (
                PhotoCell {
                    stage,
                    size_class,
                    count,
                    potential_cents,
                },
                group,
            )
        })
        .collect()
}

/// The film's facts from the records now and every change after the start: the start photo by
/// group, and the records that moved in `(start, end]` with their moves.
pub fn film_facts(
    records: &[RecordNow],
    after: &[StageMove],
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> (Vec<(PhotoCell, String)>, Vec<Moves>) {
    let at_start = rewind(records, after, start);
    let cells = cells_of(records, &at_start);
    let index: std::collections::HashMap<Uuid, usize> = records.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let mut moves: std::collections::HashMap<usize, Vec<Stage>> = Default::default();
    for m in after.iter().filter(|m| m.at > start && m.at <= end) {
        if let Some(&i) = index.get(&m.contact_id) {
            moves.entry(i).or_default().push(m.to);
        }
    }
    let mut moved: Vec<(usize, Vec<Stage>)> = moves.into_iter().collect();
    moved.sort_by_key(|(i, _)| *i);
    let moved = moved
        .into_iter()
        .filter(|(i, _)| records[*i].deleted_at.is_none_or(|d| d > end))
        .map(|(i, moves)| Moves {
            start: at_start[i],
            moves,
            group: records[i].group.clone(),
        })
        .collect();
    (cells, moved)
}

/// A cell of the photo as the day-by-day summary keeps it: whose portfolio, which stage, which
/// size class.
pub type CellKey = (Uuid, Stage, SizeClass);

/// What each local day changed in the photo's cells — `(count, potential)` to add — from the
/// records as they are now and every stage change (any order): the summary, rebuilt. A record
/// enters its cell on the day it was created, moves on the day its stage changed, leaves on the
/// day it was deleted, its stage at every instant being what [`rewind`] gives; its owner, size
/// class and potential are today's. Summed over every day: the cells of the records now. The
/// photo at the end of a day is then the cells now less what the days after it changed.
pub fn cell_days(
    records: &[RecordNow],
    moves: &[StageMove],
    day_of: &dyn Fn(chrono::DateTime<chrono::Utc>) -> NaiveDate,
) -> std::collections::BTreeMap<(NaiveDate, CellKey), (i64, i64)> {
    let mut of: std::collections::HashMap<Uuid, Vec<&StageMove>> = Default::default();
    for m in moves {
        of.entry(m.contact_id).or_default().push(m);
    }
    let mut out: std::collections::BTreeMap<(NaiveDate, CellKey), (i64, i64)> = Default::default();
    for r in records {
        if r.deleted_at.is_some_and(|d| d <= r.created_at) {
            continue;
        }
        let mut mine = of.remove(&r.id).unwrap_or_default();
        mine.sort_by_key(|m| m.at);
        // The stage at `t`, as `rewind` gives it.
        let stage_at = |t| mine.iter().find(|m| m.at > t).map_or(Some(r.stage), |m| m.from);
        let mut add = |t, stage: Option<Stage>, sign: i64| {
            if let Some(s) = stage {
                let e = out.entry((day_of(t), (r.owner_id, s, r.size_class))).or_default();
                e.0 += sign;
                e.1 += sign * r.potential_cents;
            }
        };
        let mut now = stage_at(r.created_at);
        add(r.created_at, now, 1);
        for m in mine
            .iter()
            .filter(|m| m.at > r.created_at && r.deleted_at.is_none_or(|d| m.at < d))
        {
            let next = stage_at(m.at);
            if next != now {
                add(m.at, now, -1);
                add(m.at, next, 1);
                now = next;
            }
        }
        if let Some(d) = r.deleted_at {
            add(d, now, -1);
        }
    }
    out
}

/// The agency's KPI targets (domain §6).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct KpiTargets {
    /// Meetings → clients, % (> 30).
    pub conversion: u32,
    /// Clients kept over a year, % (> 95).
    pub retention: u32,
    /// Net promoter score (> 50).
    pub nps: i32,
    /// Mean response delay to requests and complaints, hours (< 24).
    pub response_hours: u32,
    /// Clients seen on time by their cadence, % .
    pub on_time: u32,
}

impl Default for KpiTargets {
    fn default() -> Self {
        KpiTargets {
            conversion: 30,
            retention: 95,
            nps: 50,
            response_hours: 24,
            on_time: 90,
        }
    }
}

impl KpiTargets {
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.conversion > 100 || self.retention > 100 || self.on_time > 100 {
            return Err(Invalid("un taux cible est un pourcentage de 0 à 100".into()));
        }
        if !(-100..=100).contains(&self.nps) {
            return Err(Invalid("le NPS cible va de -100 à 100".into()));
        }
        if self.response_hours == 0 || self.response_hours > 24 * 60 {
            return Err(Invalid("délai de réponse cible de 1 h à 60 jours".into()));
        }
        Ok(())
    }
}

/// The facts the KPIs are computed from, for a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KpiFacts {
    /// Prospects with a meeting held in the period, and how many of them became clients in it.
    pub met_prospects: i64,
    pub met_became_clients: i64,
    /// Clients a year before the end, and how many are still clients at the end.
    pub clients_year_ago: i64,
    pub clients_kept: i64,
    /// The answers to "would you recommend us" (0–10) in the period.
    pub recommend_scores: Vec<u8>,
    /// Hours to answer each request (call-back done, complaint acknowledged) in the period.
    pub response_hours: Vec<f64>,
    /// Clients today, and those not overdue by their cadence.
    pub clients: i64,
    pub clients_on_time: i64,
}

/// One KPI: its value (none without data), its target, whether it is met.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Kpi {
    pub code: String,
    pub label: String,
    pub value: Option<f64>,
    /// `%`, `h` or `` (the NPS).
    pub unit: String,
    pub target: f64,
    /// True when the target is met (≥, or ≤ for a delay).
    pub met: Option<bool>,
    /// What the value is computed from, in French ("12 clients sur 40 prospects rencontrés").
    pub basis: String,
}

/// `GET /statistics/kpis`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Kpis {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub kpis: Vec<Kpi>,
}

/// The net promoter score of a set of answers: % promoters (9–10) − % detractors (0–6).
pub fn nps(scores: &[u8]) -> Option<i32> {
    if scores.is_empty() {
        return None;
    }
    let n = scores.len() as i64;
    let promoters = scores.iter().filter(|s| **s >= 9).count() as i64;
    let detractors = scores.iter().filter(|s| **s <= 6).count() as i64;
    Some((((promoters - detractors) * 100) as f64 / n as f64).round() as i32)
}

fn pct(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The KPIs of a period against the targets.
pub fn kpis(from: NaiveDate, to: NaiveDate, f: &KpiFacts, t: &KpiTargets) -> Kpis {
    let at_least = |v: Option<f64>, target: f64| v.map(|v| v >= target);
    let conversion = pct(f.met_became_clients, f.met_prospects);
    let retention = pct(f.clients_kept, f.clients_year_ago);
    let score = nps(&f.recommend_scores).map(f64::from);
    let delay = (!f.response_hours.is_empty())
        .then(|| (f.response_hours.iter().sum::<f64>() / f.response_hours.len() as f64 * 10.0).round() / 10.0);
    let on_time = pct(f.clients_on_time, f.clients);
    let kpi =
        |code: &str, label: &str, value: Option<f64>, unit: &str, target: f64, met: Option<bool>, basis: String| Kpi {
            code: code.into(),
            label: label.into(),
            value,
            unit: unit.into(),
            target,
            met,
            basis,
        };
    Kpis {
        from,
        to,
        kpis: vec![
            kpi(
                "conversion",
                "Transformation RDV → clients",
                conversion,
                "%",
                f64::from(t.conversion),
                at_least(conversion, f64::from(t.conversion)),
                format!(
                    "{} devenus clients sur {} prospects rencontrés",
                    f.met_became_clients, f.met_prospects
                ),
            ),
            kpi(
                "retention",
                "Fidélisation annuelle",
                retention,
                "%",
                f64::from(t.retention),
                at_least(retention, f64::from(t.retention)),
                format!(
                    "{} clients gardés sur {} il y a un an",
                    f.clients_kept, f.clients_year_ago
                ),
            ),
            kpi(
                "nps",
                "NPS",
                score,
                "",
                f64::from(t.nps),
                at_least(score, f64::from(t.nps)),
                format!("{} réponse(s) en fin de compte rendu", f.recommend_scores.len()),
            ),
            kpi(
                "response",
                "Délai moyen de réponse",
                delay,
                "h",
                f64::from(t.response_hours),
                delay.map(|d| d <= f64::from(t.response_hours)),
                format!("{} demande(s) et réclamation(s)", f.response_hours.len()),
            ),
            kpi(
                "on_time",
                "Clients vus à temps (cadence)",
                on_time,
                "%",
                f64::from(t.on_time),
                at_least(on_time, f64::from(t.on_time)),
                format!("{} à jour sur {} clients", f.clients_on_time, f.clients),
            ),
        ],
    }
}

#[cfg(test)]
mod tests;
