//! "Plan my day" as the app sees it: the places of the day (fixed meetings, candidate visits,
//! the start and end place) with coordinates, turned into a [`DayInput`] and a travel matrix
//! from straight-line estimates, so the browser can plan and re-plan with no network.

use super::day::{self, DayInput, DayPlan, DayStop, Lunch};
use super::{haversine_m, RoadEstimate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A place of the day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanPlace {
    /// The meeting (fixed) or the record (candidate).
    pub id: Uuid,
    pub contact_id: Option<Uuid>,
    pub label: String,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    /// Whether the position is only the commune's centre, or unknown (then the start place's).
    pub approximate: bool,
    /// Earliest and latest start, seconds since midnight; a fixed meeting has both at its time.
    pub open: i64,
    pub close: i64,
    /// Seconds on site.
    pub duration: i64,
    pub priority: u32,
    pub fixed: bool,
    /// Why it is proposed ("RDV en retard de 40 j · VIP").
    pub note: String,
}

/// Everything needed to plan a day, as the server sends it (the app keeps the last one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayContext {
    pub date: chrono::NaiveDate,
    pub start_label: String,
    pub start_lat: f64,
    pub start_lon: f64,
    pub day_start: i64,
    pub day_end: i64,
    pub lunch_from: i64,
    pub lunch_to: i64,
    pub lunch_duration: i64,
    pub fixed: Vec<PlanPlace>,
    /// Overdue clients near the day's meetings ("fill my day"), most worth visiting first.
    pub candidates: Vec<PlanPlace>,
    /// Road travel times in seconds from a routing service, over [start, fixed…, candidates…];
    /// absent: straight-line estimates are used.
    #[serde(default)]
    pub durations: Option<Vec<Vec<i64>>>,
    /// A tile server to draw under the day's map, when the agency configured one; absent: the
    /// app's own drawing alone (no network needed).
    #[serde(default)]
    pub tiles: Option<super::map::TileLayer>,
    /// Communes around the day's places, most useful first (those of the places, then the
    /// others nearest the day's centre), named on the map (`super::labels`).
    #[serde(default)]
    pub towns: Vec<super::labels::MapTown>,
}

impl DayContext {
    /// The places in planner order: fixed meetings, then the chosen candidates.
    pub fn places(&self, chosen: &[Uuid]) -> Vec<&PlanPlace> {
        self.fixed
            .iter()
            .chain(self.candidates.iter().filter(|c| chosen.contains(&c.id)))
            .collect()
    }

    /// The planner's input and travel matrix for these places (start and end at the start
    /// place).
    pub fn problem(&self, places: &[&PlanPlace], road: RoadEstimate) -> (DayInput, super::Matrix) {
        let mut points = vec![(self.start_lat, self.start_lon), (self.start_lat, self.start_lon)];
        points.extend(places.iter().map(|p| (p.lat, p.lon)));
        let matrix = self.road_matrix(places).unwrap_or_else(|| road.matrix(&points));
        let input = DayInput {
            day_start: self.day_start,
            day_end: self.day_end,
            lunch: (self.lunch_duration > 0).then_some(Lunch {
                from: self.lunch_from,
                to: self.lunch_to,
                duration: self.lunch_duration,
            }),
            stops: places
                .iter()
                .map(|p| DayStop {
                    duration: p.duration,
                    open: p.open,
                    close: p.close,
                    priority: p.priority,
                    fixed: p.fixed,
                })
                .collect(),
        };
        (input, matrix)
    }

    /// The routing service's times for these places, when the day carries them.
    fn road_matrix(&self, places: &[&PlanPlace]) -> Option<super::Matrix> {
        let d = self.durations.as_ref()?;
        let all = 1 + self.fixed.len() + self.candidates.len();
        if d.len() != all || d.iter().any(|row| row.len() != all) {
            return None;
        }
        // Planner indices: 0 start, 1 end (the start again), then the places.
        let mut global = vec![0usize, 0usize];
        for p in places {
            let i = match self.fixed.iter().position(|f| f.id == p.id) {
                Some(i) => 1 + i,
                None => 1 + self.fixed.len() + self.candidates.iter().position(|c| c.id == p.id)?,
            };
            global.push(i);
        }
        Some(super::Matrix::from_fn(global.len(), |i, j| d[global[i]][global[j]]))
    }

    /// Plans the day with the chosen candidates; the stops of the result index `places`.
    pub fn plan(&self, chosen: &[Uuid], road: RoadEstimate) -> (Vec<&PlanPlace>, DayPlan) {
        let places = self.places(chosen);
        let (input, m) = self.problem(&places, road);
        let plan = day::plan(&input, &m);
        (places, plan)
    }

    /// The times of a given order (the advisor reordered by hand); `None` when it breaks a
    /// fixed time, a window or the end of the day.
    pub fn replay(&self, places: &[&PlanPlace], order: &[usize], road: RoadEstimate) -> Option<DayPlan> {
        let (input, m) = self.problem(places, road);
        day::simulate(&input, &m, order)
    }
}

/// Kilometres between two points, for "nearby" lists.
pub fn km(a: (f64, f64), b: (f64, f64)) -> f64 {
    haversine_m(a, b) / 1000.0
}

/// Seconds since midnight as `14h05`.
pub fn hhmm(seconds: i64) -> String {
    let m = seconds.div_euclid(60);
    format!("{:02}h{:02}", m.div_euclid(60), m.rem_euclid(60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(id: u128, lat: f64, lon: f64, fixed_at: Option<i64>) -> PlanPlace {
        PlanPlace {
            id: Uuid::from_u128(id),
            contact_id: None,
            label: format!("P{id}"),
            address: String::new(),
            lat,
            lon,
            approximate: false,
            open: fixed_at.unwrap_or(0),
            close: fixed_at.unwrap_or(86_400),
            duration: 3600,
            priority: 1,
            fixed: fixed_at.is_some(),
            note: String::new(),
        }
    }

    #[test]
    fn a_day_around_three_meetings_keeps_their_times_and_adds_nearby_visits() {
        let ctx = DayContext {
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            start_label: "Agence".into(),
            start_lat: 45.764,
            start_lon: 4.8357,
            day_start: 8 * 3600,
            day_end: 19 * 3600,
            lunch_from: 12 * 3600,
            lunch_to: 14 * 3600,
            lunch_duration: 3600,
            fixed: vec![
                place(1, 45.77, 4.85, Some(9 * 3600)),
                place(2, 45.75, 4.83, Some(11 * 3600)),
                place(3, 45.78, 4.88, Some(15 * 3600)),
            ],
            candidates: vec![place(10, 45.76, 4.84, None), place(11, 45.74, 4.86, None)],
            durations: None,
            tiles: None,
            towns: Vec::new(),
        };
        let chosen = [Uuid::from_u128(10), Uuid::from_u128(11)];
        let (places, plan) = ctx.plan(&chosen, RoadEstimate::default());
        assert!(plan.feasible && plan.exact);
        assert_eq!(plan.visits.len(), 5);
        for v in &plan.visits {
            if places[v.stop].fixed {
                assert_eq!(v.start, places[v.stop].open);
            }
        }
        // Swapping two stops by hand is replayed or refused, never silently wrong.
        let mut order: Vec<usize> = plan.visits.iter().map(|v| v.stop).collect();
        let replayed = ctx.replay(&places, &order, RoadEstimate::default()).unwrap();
        assert_eq!(replayed.total_travel, plan.total_travel);
        order.swap(0, 1);
        if let Some(p) = ctx.replay(&places, &order, RoadEstimate::default()) {
            assert!(p.total_travel >= plan.total_travel);
        }
        assert_eq!(hhmm(9 * 3600 + 5 * 60), "09h05");

        // Road times from a routing service replace the estimate: a closed bridge makes the
        // second candidate two hours away, so it no longer fits.
        let mut with_roads = ctx.clone();
        let n = 1 + 3 + 2;
        let mut d = vec![vec![600i64; n]; n];
        for (i, row) in d.iter_mut().enumerate() {
            row[i] = 0;
        }
        for (k, row) in d.iter_mut().enumerate() {
            if k != 5 {
                row[5] = 7200;
            }
        }
        for (k, cell) in d[5].iter_mut().enumerate() {
            if k != 5 {
                *cell = 7200;
            }
        }
        with_roads.durations = Some(d);
        let (places, p) = with_roads.plan(&chosen, RoadEstimate::default());
        assert!(
            p.visits.iter().all(|v| places[v.stop].id != Uuid::from_u128(11)),
            "{p:?}"
        );
        assert!(p.visits.iter().any(|v| v.travel == 600));
        // A matrix of the wrong size is ignored, not trusted.
        with_roads.durations = Some(vec![vec![0; 2]; 2]);
        assert_eq!(
            with_roads.plan(&chosen, RoadEstimate::default()).1.total_travel,
            plan.total_travel
        );
    }
}
