//! The tour planner (*planification de tournée*): pure Rust, no I/O and no clock, so it runs
//! on the server and in the browser alike. Callers pass a [`Budget`] that says when to stop.
//!
//! - [`tsp`]: one closed tour through every point (iterated local search: 2-opt and Or-opt on
//!   neighbour lists, double-bridge kicks);
//! - [`vrptw`]: several vehicles with capacities and time windows (insertion, then ruin and
//!   recreate with simulated annealing);
//! - [`day`]: an advisor's day of up to a dozen stops, solved exactly (dynamic programming on
//!   subsets with time labels), around fixed meetings, with visiting windows and a lunch break;
//! - [`formats`]: the TSPLIB and Solomon text formats used by the benchmarks.

pub mod areas;
pub mod day;
pub mod formats;
pub mod ics;
pub mod itinerary;
pub mod labels;
pub mod map;
pub mod policy;
pub mod tsp;
pub mod vrptw;
pub mod week;

/// When to stop searching: the caller decides (a deadline on the server, an iteration count in
/// tests and in the browser).
pub trait Budget {
    /// Called between iterations; `true` stops the search and returns the best found.
    fn exhausted(&mut self, iteration: u64) -> bool;

    /// How far along the search is, from 0 to 1 (drives annealing schedules); 0 when unknown.
    fn progress(&mut self, _iteration: u64) -> f64 {
        0.0
    }
}

/// Stop after a number of iterations.
#[derive(Debug, Clone, Copy)]
pub struct Iterations(pub u64);

impl Budget for Iterations {
    fn exhausted(&mut self, iteration: u64) -> bool {
        iteration >= self.0
    }

    fn progress(&mut self, iteration: u64) -> f64 {
        iteration as f64 / self.0.max(1) as f64
    }
}

impl<F: FnMut(u64) -> bool> Budget for F {
    fn exhausted(&mut self, iteration: u64) -> bool {
        self(iteration)
    }
}

/// A square matrix of travel costs (integers: seconds, metres, or an instance's rounded
/// distance).
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    n: usize,
    cells: Vec<i64>,
}

impl Matrix {
    pub fn from_fn(n: usize, f: impl Fn(usize, usize) -> i64) -> Self {
        let mut cells = Vec::with_capacity(n * n);
        for i in 0..n {
            for j in 0..n {
                cells.push(if i == j { 0 } else { f(i, j) });
            }
        }
        Matrix { n, cells }
    }

    #[inline]
    pub fn get(&self, i: usize, j: usize) -> i64 {
        self.cells[i * self.n + j]
    }

    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// For each point, the other points by increasing cost, at most `k` of them.
    pub fn neighbours(&self, k: usize) -> Vec<Vec<usize>> {
        (0..self.n)
            .map(|i| {
                let mut v: Vec<usize> = (0..self.n).filter(|&j| j != i).collect();
                v.sort_by_key(|&j| (self.get(i, j), j));
                v.truncate(k);
                v
            })
            .collect()
    }
}

/// A small deterministic random generator (xorshift64*), so that a run is reproducible from
/// its seed on every platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 11) % n.max(1) as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Great-circle distance in metres between two WGS84 points.
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().asin()
}

/// Travel times by road estimated from straight lines: distance × a road factor at an average
/// speed (defaults 1.3 and 40 km/h, for mixed town and country driving).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoadEstimate {
    pub road_factor: f64,
    pub speed_kmh: f64,
}

impl Default for RoadEstimate {
    fn default() -> Self {
        RoadEstimate {
            road_factor: 1.3,
            speed_kmh: 40.0,
        }
    }
}

impl RoadEstimate {
    /// Seconds between every pair of points.
    pub fn matrix(&self, points: &[(f64, f64)]) -> Matrix {
        let mps = self.speed_kmh / 3.6;
        Matrix::from_fn(points.len(), |i, j| {
            (haversine_m(points[i], points[j]) * self.road_factor / mps).round() as i64
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lyon_to_villeurbanne_is_a_short_drive() {
        let lyon = (45.7640, 4.8357);
        let villeurbanne = (45.7719, 4.8902);
        let m = haversine_m(lyon, villeurbanne);
        assert!((4_000.0..4_600.0).contains(&m), "{m}");
        let t = RoadEstimate::default().matrix(&[lyon, villeurbanne]);
        assert!((450..560).contains(&t.get(0, 1)), "{}", t.get(0, 1));
        assert_eq!(t.get(1, 1), 0);
    }

    #[test]
    fn rng_is_reproducible_and_in_range() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            let x = a.below(10);
            assert_eq!(x, b.below(10));
            assert!(x < 10);
            assert!((0.0..1.0).contains(&a.unit()));
            b.unit();
        }
    }
}
