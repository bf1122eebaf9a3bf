//! Areas and "nearby": grouping clients into geographic areas, and who is close to a point.
//!
//! Areas are found by DBSCAN (the `geo` crate's implementation, on an R-tree) on coordinates
//! projected to kilometres around the group's mean latitude. DBSCAN rather than k-means: the
//! number of areas is not known in advance, areas follow roads and valleys rather than
//! circles, and isolated clients stay isolated instead of distorting a centre. The default
//! radius, 5 km with at least 3 clients, is about ten minutes' drive in town or on the
//! outskirts: the clients of one area fit in a half-day round.

use geo::{Dbscan, MultiPoint, Point};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::haversine_m;

pub const DEFAULT_RADIUS_KM: f64 = 5.0;
pub const DEFAULT_MIN_CLIENTS: usize = 3;

/// A record with a point, as areas and nearby lists need it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Located {
    pub id: Uuid,
    pub label: String,
    pub city: String,
    pub postcode: String,
    pub lat: f64,
    pub lon: f64,
    /// Higher first: segment weight plus lateness on the cadence.
    pub priority: u32,
    /// Days late on the cadence (0 when not due).
    pub days_late: i64,
    pub note: String,
}

/// An automatic area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Area {
    pub label: String,
    pub lat: f64,
    pub lon: f64,
    pub count: usize,
    /// Clients due or late for a visit or a call.
    pub due: usize,
    pub members: Vec<Uuid>,
}

/// Groups the points into areas; points alone are gathered in a last "isolated" group.
pub fn areas(points: &[Located], radius_km: f64, min_clients: usize) -> Vec<Area> {
    if points.is_empty() {
        return Vec::new();
    }
    let lat0 = points.iter().map(|p| p.lat).sum::<f64>() / points.len() as f64;
    let kx = 111.32 * lat0.to_radians().cos();
    let ky = 110.57;
    let projected: MultiPoint<f64> = points.iter().map(|p| Point::new(p.lon * kx, p.lat * ky)).collect();
    let labels = projected.dbscan(radius_km, min_clients.max(1));
    let count = labels.iter().flatten().max().map(|m| m + 1).unwrap_or(0);
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); count + 1];
    for (i, l) in labels.iter().enumerate() {
        groups[l.unwrap_or(count)].push(i);
    }
    let mut out: Vec<Area> = groups
        .into_iter()
        .enumerate()
        .filter(|(_, g)| !g.is_empty())
        .map(|(k, g)| {
            let n = g.len() as f64;
            let lat = g.iter().map(|&i| points[i].lat).sum::<f64>() / n;
            let lon = g.iter().map(|&i| points[i].lon).sum::<f64>() / n;
            // Named after its most frequent commune.
            let mut cities: Vec<(&str, usize)> = Vec::new();
            for &i in &g {
                match cities.iter_mut().find(|(c, _)| *c == points[i].city) {
                    Some(e) => e.1 += 1,
                    None => cities.push((&points[i].city, 1)),
                }
            }
            cities.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let label = if k == count {
                "Clients isolés".to_string()
            } else {
                match cities.as_slice() {
                    [] => "Secteur".to_string(),
                    [(c, _)] => c.to_string(),
                    [(c, _), ..] => format!("{c} et alentours"),
                }
            };
            Area {
                label,
                lat,
                lon,
                count: g.len(),
                due: g.iter().filter(|&&i| points[i].days_late > 0).count(),
                members: g.iter().map(|&i| points[i].id).collect(),
            }
        })
        .collect();
    // Biggest areas first, the isolated last.
    out.sort_by(|a, b| {
        (a.label == "Clients isolés")
            .cmp(&(b.label == "Clients isolés"))
            .then(b.count.cmp(&a.count))
    });
    out
}

/// How much a record is worth a visit: its segment's weight for a client (VIP 4 … Bronze 1;
/// a prospect 1), plus one when late on the cadence and one per month late, up to three.
pub fn visit_priority(client_segment: Option<crate::scoring::Segment>, days_late: i64) -> u32 {
    use crate::scoring::Segment;
    let base = match client_segment {
        Some(Segment::Vip) => 4,
        Some(Segment::Gold) => 3,
        Some(Segment::Silver) => 2,
        Some(Segment::Bronze) | None => 1,
    };
    base + u32::from(days_late > 0) + (days_late / 30).clamp(0, 3) as u32
}

/// Who is within `km` of a point, most worth visiting first, then nearest.
pub fn nearby(points: &[Located], center: (f64, f64), km: f64, limit: usize) -> Vec<(Located, f64)> {
    nearby_by(points, center, km, limit, false)
}

/// [`nearby`], nearest first when `by_distance` (ties: most worth visiting first).
pub fn nearby_by(
    points: &[Located],
    center: (f64, f64),
    km: f64,
    limit: usize,
    by_distance: bool,
) -> Vec<(Located, f64)> {
    let mut hits: Vec<(Located, f64)> = points
        .iter()
        .map(|p| (p.clone(), haversine_m(center, (p.lat, p.lon)) / 1000.0))
        .filter(|(_, d)| *d <= km)
        .collect();
    if by_distance {
        hits.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.0.priority.cmp(&a.0.priority)));
    } else {
        hits.sort_by(|a, b| b.0.priority.cmp(&a.0.priority).then(a.1.total_cmp(&b.1)));
    }
    hits.truncate(limit);
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(i: u128, lat: f64, lon: f64, city: &str, late: i64) -> Located {
        Located {
            id: Uuid::from_u128(i),
            label: format!("C{i}"),
            city: city.into(),
            postcode: String::new(),
            lat,
            lon,
            priority: 1 + (late > 0) as u32,
            days_late: late,
            note: String::new(),
        }
    }

    #[test]
    fn two_towns_and_a_farm_make_two_areas_and_an_isolated_client() {
        let mut pts = Vec::new();
        for k in 0..5 {
            pts.push(at(
                k,
                45.76 + k as f64 * 0.002,
                4.84,
                "Lyon",
                if k < 2 { 10 } else { 0 },
            ));
        }
        for k in 0..4 {
            pts.push(at(10 + k, 45.44 + k as f64 * 0.002, 4.39, "Saint-Étienne", 0));
        }
        pts.push(at(99, 46.2, 4.0, "Ferme", 0));
        let a = areas(&pts, DEFAULT_RADIUS_KM, DEFAULT_MIN_CLIENTS);
        assert_eq!(a.len(), 3);
        assert_eq!((a[0].label.as_str(), a[0].count, a[0].due), ("Lyon", 5, 2));
        assert_eq!((a[1].label.as_str(), a[1].count), ("Saint-Étienne", 4));
        assert_eq!((a[2].label.as_str(), a[2].count), ("Clients isolés", 1));
    }

    #[test]
    fn priority_weighs_segment_then_lateness() {
        use crate::scoring::Segment;
        assert_eq!(visit_priority(None, 0), 1);
        assert_eq!(visit_priority(Some(Segment::Vip), 0), 4);
        assert_eq!(visit_priority(Some(Segment::Bronze), 65), 1 + 1 + 2);
        assert_eq!(visit_priority(Some(Segment::Gold), 400), 3 + 1 + 3);
    }

    #[test]
    fn nearby_is_within_the_radius_by_priority_then_distance() {
        let pts = vec![
            at(1, 45.76, 4.84, "Lyon", 0),
            at(2, 45.77, 4.84, "Lyon", 30),
            at(3, 45.80, 4.84, "Lyon", 0),
            at(4, 46.5, 4.84, "Loin", 99),
        ];
        let n = nearby(&pts, (45.76, 4.84), 5.0, 10);
        let ids: Vec<u128> = n.iter().map(|(p, _)| p.id.as_u128()).collect();
        assert_eq!(ids, vec![2, 1, 3]);
        assert!(n[1].1 < 0.01);
        let by_distance: Vec<u128> = nearby_by(&pts, (45.76, 4.84), 5.0, 10, true)
            .iter()
            .map(|(p, _)| p.id.as_u128())
            .collect();
        assert_eq!(by_distance, vec![1, 2, 3], "nearest first");
    }
}
