//! Random days for the planner's tests and its benchmark: one generator, a shape for each.

use super::{DayInput, DayStop, Lunch};
use crate::plan::{Matrix, Rng};

const H: i64 = 3600;

/// How the random days look.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Stops fall in a square this many km wide (the start and end place at a corner).
    pub side_km: f64,
    /// Fixed meetings start up to 45 minutes after the hour.
    pub fixed_jitter: bool,
    /// A visit with a window lasts this long (seconds)…
    pub window_visit: i64,
    /// …in a window this long (seconds).
    pub window_len: i64,
    /// Road distance over straight-line distance (40 km/h).
    pub detour: f64,
}

impl Shape {
    /// The unit tests' days.
    pub const TESTS: Shape = Shape {
        side_km: 30.0,
        fixed_jitter: true,
        window_visit: 45 * 60,
        window_len: 2 * H,
        detour: 1.0,
    };
    /// The benchmark's days.
    pub const BENCH: Shape = Shape {
        side_km: 25.0,
        fixed_jitter: false,
        window_visit: 30 * 60,
        window_len: 3 * H,
        detour: 1.3,
    };
}

/// A day of `n` stops, the first `fixed` of them fixed meetings three hours apart from 9:00,
/// the others with visiting windows (`windows`) or open all day; 8:00–19:00 with an hour's
/// lunch between 12:00 and 14:00.
pub fn random_day(shape: &Shape, seed: u64, n: usize, windows: bool, fixed: usize) -> (DayInput, Matrix) {
    let mut rng = Rng::new(seed);
    let mut pts = vec![(0.0, 0.0), (0.0, 0.0)];
    pts.extend((0..n).map(|_| (rng.unit() * shape.side_km, rng.unit() * shape.side_km)));
    let stops = (0..n)
        .map(|k| {
            if k < fixed {
                let jitter = if shape.fixed_jitter {
                    rng.below(4) as i64 * 900
                } else {
                    0
                };
                let t = 9 * H + (k as i64) * 3 * H + jitter;
                DayStop {
                    duration: H,
                    open: t,
                    close: t,
                    priority: 1,
                    fixed: true,
                }
            } else if windows {
                let open = 8 * H + rng.below(16) as i64 * 1800;
                DayStop {
                    duration: shape.window_visit,
                    open,
                    close: open + shape.window_len,
                    priority: 1 + rng.below(5) as u32,
                    fixed: false,
                }
            } else {
                DayStop {
                    duration: 30 * 60,
                    open: 0,
                    close: 24 * H,
                    priority: 1 + rng.below(5) as u32,
                    fixed: false,
                }
            }
        })
        .collect();
    let m = Matrix::from_fn(pts.len(), |i, j| {
        ((pts[i].0 - pts[j].0).hypot(pts[i].1 - pts[j].1) * shape.detour / 40.0 * 3600.0).round() as i64
    });
    (usual_day(stops), m)
}

/// The usual day of the tests and the benchmark: 8:00–19:00, with an hour's lunch starting
/// between 12:00 and 14:00.
pub fn usual_day(stops: Vec<DayStop>) -> DayInput {
    DayInput {
        day_start: 8 * H,
        day_end: 19 * H,
        lunch: Some(Lunch {
            from: 12 * H,
            to: 14 * H,
            duration: H,
        }),
        stops,
    }
}
