//! The team's week (*planning de l'équipe*): the agency's due visits spread over every
//! advisor's working days at once — each advisor from their own start place, around their own
//! meetings — when the manager balances the load. The same spreading as one advisor's week
//! ([`super::plan`]), with one vehicle per advisor and day.

use super::super::itinerary::{DayContext, PlanPlace};
use super::super::RoadEstimate;
use super::WeekDay;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One advisor's days, with their meetings.
#[derive(Debug, Clone, PartialEq)]
pub struct AdvisorWeek {
    pub advisor: Uuid,
    pub days: Vec<DayContext>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamWeek {
    pub advisor: Uuid,
    pub days: Vec<WeekDay>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamPlan {
    pub advisors: Vec<TeamWeek>,
    /// Visits no advisor's day could take.
    pub unplanned: Vec<Uuid>,
}

/// Spreads `candidates` over the advisors' days, then plans each day exactly.
pub fn plan(advisors: &[AdvisorWeek], candidates: &[PlanPlace], road: RoadEstimate) -> TeamPlan {
    let days: Vec<DayContext> = advisors.iter().flat_map(|a| a.days.iter().cloned()).collect();
    let week = super::plan(&days, candidates, road);
    let mut planned = week.days.into_iter();
    TeamPlan {
        advisors: advisors
            .iter()
            .map(|a| TeamWeek {
                advisor: a.advisor,
                days: planned.by_ref().take(a.days.len()).collect(),
            })
            .collect(),
        unplanned: week.unplanned,
    }
}
