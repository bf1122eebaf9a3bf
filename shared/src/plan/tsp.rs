//! One closed tour through every point: iterated local search.
//!
//! Local search is 2-opt and Or-opt (segments of 1–3 points moved elsewhere, either way round)
//! restricted to each point's nearest neighbours, with "don't look" bits so that after a kick
//! only the places it touched are searched again. Kicks are local double bridges (three short
//! segments swapped), which 2-opt cannot undo; a kicked tour replaces the best when it is no
//! worse. Symmetric costs are assumed.

use super::{Budget, Matrix, Rng};
use std::collections::VecDeque;

/// The cost of a closed tour.
pub fn tour_cost(m: &Matrix, tour: &[usize]) -> i64 {
    if tour.len() < 2 {
        return 0;
    }
    tour.windows(2).map(|w| m.get(w[0], w[1])).sum::<i64>() + m.get(tour[tour.len() - 1], tour[0])
}

struct Tour<'a> {
    m: &'a Matrix,
    t: Vec<usize>,
    pos: Vec<usize>,
    neigh: &'a [Vec<usize>],
}

impl Tour<'_> {
    fn n(&self) -> usize {
        self.t.len()
    }
    fn next(&self, city: usize) -> usize {
        self.t[(self.pos[city] + 1) % self.n()]
    }
    fn prev(&self, city: usize) -> usize {
        self.t[(self.pos[city] + self.n() - 1) % self.n()]
    }
    fn d(&self, a: usize, b: usize) -> i64 {
        self.m.get(a, b)
    }

    /// Reverses the path from position `i` to position `j` going forward (cyclically); reverses
    /// the complement instead when it is shorter (same tour, other direction).
    fn reverse(&mut self, i: usize, j: usize) {
        let n = self.n();
        let len = (j + n - i) % n + 1;
        let (mut a, mut b, len) = if 2 * len > n {
            ((j + 1) % n, (i + n - 1) % n, n - len)
        } else {
            (i, j, len)
        };
        for _ in 0..len / 2 {
            self.t.swap(a, b);
            self.pos[self.t[a]] = a;
            self.pos[self.t[b]] = b;
            a = (a + 1) % n;
            b = (b + n - 1) % n;
        }
    }

    /// Tries improving moves around `a`; returns the points whose surroundings changed.
    fn improve(&mut self, a: usize) -> Option<Vec<usize>> {
        let n = self.n();
        // 2-opt, a with its successor.
        let b = self.next(a);
        for &c in &self.neigh[a] {
            let g1 = self.d(a, b) - self.d(a, c);
            if g1 <= 0 {
                break;
            }
            let d = self.next(c);
            if c == b || d == a {
                continue;
            }
            if g1 + self.d(c, d) - self.d(b, d) > 0 {
                // a→b … c→d becomes a→c … b→d: reverse b..c.
                self.reverse(self.pos[b], self.pos[c]);
                return Some(vec![a, b, c, d]);
            }
        }
        // 2-opt, a with its predecessor.
        let b = self.prev(a);
        for &c in &self.neigh[a] {
            let g1 = self.d(b, a) - self.d(a, c);
            if g1 <= 0 {
                break;
            }
            let d = self.prev(c);
            if c == b || d == a {
                continue;
            }
            if g1 + self.d(d, c) - self.d(d, b) > 0 {
                // d→c … b→a becomes d→b … c→a: reverse c..b.
                self.reverse(self.pos[c], self.pos[b]);
                return Some(vec![a, b, c, d]);
            }
        }
        // Or-opt: the segment of 1–3 points starting at a, moved between c and its successor.
        if n < 5 {
            return None;
        }
        for len in 1..=3usize.min(n - 3) {
            let i = self.pos[a];
            let e = self.t[(i + len - 1) % n];
            let p = self.prev(a);
            let q = self.t[(i + len) % n];
            let removal = self.d(p, a) + self.d(e, q) - self.d(p, q);
            if removal <= 0 {
                continue;
            }
            let in_segment = |tour: &Tour, x: usize| (tour.pos[x] + n - i) % n < len;
            for &end in &[a, e] {
                for &c in &self.neigh[end] {
                    if self.d(end, c) >= removal {
                        break;
                    }
                    if in_segment(self, c) {
                        continue;
                    }
                    for (c1, c2) in [(c, self.next(c)), (self.prev(c), c)] {
                        if in_segment(self, c1) || in_segment(self, c2) || c1 == p && c2 == q {
                            continue;
                        }
                        let forward = self.d(c1, a) + self.d(e, c2) - self.d(c1, c2);
                        let backward = self.d(c1, e) + self.d(a, c2) - self.d(c1, c2);
                        let (add, reversed) = if forward <= backward {
                            (forward, false)
                        } else {
                            (backward, true)
                        };
                        if add < removal {
                            self.move_segment(i, len, c1, reversed);
                            return Some(vec![p, q, a, e, c1, c2]);
                        }
                    }
                }
            }
        }
        None
    }

    /// Moves the `len` points from position `i` to just after `after`, reversed or not.
    fn move_segment(&mut self, i: usize, len: usize, after: usize, reversed: bool) {
        let n = self.n();
        let mut seg: Vec<usize> = (0..len).map(|k| self.t[(i + k) % n]).collect();
        if reversed {
            seg.reverse();
        }
        let mut rest: Vec<usize> = Vec::with_capacity(n);
        for k in 0..n - len {
            rest.push(self.t[(i + len + k) % n]);
        }
        let at = rest.iter().position(|&x| x == after).unwrap_or(0) + 1;
        rest.splice(at..at, seg);
        self.t = rest;
        for (k, &c) in self.t.iter().enumerate() {
            self.pos[c] = k;
        }
    }

    fn local_search(&mut self, queue: &mut VecDeque<usize>, queued: &mut [bool]) {
        while let Some(a) = queue.pop_front() {
            queued[a] = false;
            if let Some(touched) = self.improve(a) {
                for c in touched {
                    if !queued[c] {
                        queued[c] = true;
                        queue.push_back(c);
                    }
                }
                if !queued[a] {
                    queued[a] = true;
                    queue.push_back(a);
                }
            }
        }
    }
}

/// A nearest-neighbour tour from point 0.
fn nearest_neighbour(m: &Matrix) -> Vec<usize> {
    let n = m.len();
    let mut seen = vec![false; n];
    let mut tour = vec![0];
    seen[0] = true;
    for _ in 1..n {
        let last = tour[tour.len() - 1];
        let next = (0..n)
            .filter(|&j| !seen[j])
            .min_by_key(|&j| (m.get(last, j), j))
            .unwrap_or(0);
        seen[next] = true;
        tour.push(next);
    }
    tour
}

/// Solves the tour through every point of `m`; returns it starting at point 0.
pub fn solve(m: &Matrix, budget: &mut impl Budget, seed: u64) -> Vec<usize> {
    let n = m.len();
    if n <= 3 {
        return (0..n).collect();
    }
    let neigh = m.neighbours(10.min(n - 1));
    let mut rng = Rng::new(seed);
    let mut cur = Tour {
        m,
        t: nearest_neighbour(m),
        pos: vec![0; n],
        neigh: &neigh,
    };
    for (k, &c) in cur.t.iter().enumerate() {
        cur.pos[c] = k;
    }
    let mut queue: VecDeque<usize> = (0..n).collect();
    let mut queued = vec![true; n];
    cur.local_search(&mut queue, &mut queued);
    let mut best_cost = tour_cost(m, &cur.t);
    let mut best = cur.t.clone();
    let mut iteration = 0u64;
    let span = (n / 4).clamp(1, 30);
    while n >= 8 && !budget.exhausted(iteration) {
        iteration += 1;
        // A local double bridge: A B C D → A C B D, with B and C short and next to each other.
        let start = rng.below(n);
        let lb = 1 + rng.below(span);
        let lc = 1 + rng.below(span);
        if lb + lc + 2 > n {
            continue;
        }
        let seq: Vec<usize> = (0..n).map(|k| cur.t[(start + k) % n]).collect();
        let (b0, c0, d0) = (1, 1 + lb, 1 + lb + lc);
        let mut kicked = Vec::with_capacity(n);
        kicked.extend_from_slice(&seq[..b0]);
        kicked.extend_from_slice(&seq[c0..d0]);
        kicked.extend_from_slice(&seq[b0..c0]);
        kicked.extend_from_slice(&seq[d0..]);
        let saved = std::mem::replace(&mut cur.t, kicked);
        for (k, &c) in cur.t.iter().enumerate() {
            cur.pos[c] = k;
        }
        for &c in [seq[0], seq[b0], seq[c0 - 1], seq[c0], seq[d0 - 1], seq[d0 % n]].iter() {
            if !queued[c] {
                queued[c] = true;
                queue.push_back(c);
            }
        }
        cur.local_search(&mut queue, &mut queued);
        let cost = tour_cost(m, &cur.t);
        if cost <= best_cost {
            if cost < best_cost {
                best = cur.t.clone();
            }
            best_cost = cost;
        } else {
            cur.t = saved;
            for (k, &c) in cur.t.iter().enumerate() {
                cur.pos[c] = k;
            }
        }
    }
    if tour_cost(m, &cur.t) <= best_cost {
        best = cur.t;
    }
    let zero = best.iter().position(|&c| c == 0).unwrap_or(0);
    best.rotate_left(zero);
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Iterations;

    fn brute_force(m: &Matrix) -> i64 {
        fn go(m: &Matrix, path: &mut Vec<usize>, left: &mut Vec<usize>, best: &mut i64) {
            if left.is_empty() {
                *best = (*best).min(tour_cost(m, path));
                return;
            }
            for k in 0..left.len() {
                let c = left.remove(k);
                path.push(c);
                go(m, path, left, best);
                path.pop();
                left.insert(k, c);
            }
        }
        let mut best = i64::MAX;
        go(m, &mut vec![0], &mut (1..m.len()).collect(), &mut best);
        best
    }

    fn random_matrix(n: usize, seed: u64) -> Matrix {
        let mut rng = Rng::new(seed);
        let pts: Vec<(f64, f64)> = (0..n).map(|_| (rng.unit() * 1000.0, rng.unit() * 1000.0)).collect();
        Matrix::from_fn(n, |i, j| {
            ((pts[i].0 - pts[j].0).hypot(pts[i].1 - pts[j].1)).round() as i64
        })
    }

    #[test]
    fn small_tours_are_optimal_and_visit_everyone_once() {
        for seed in 1..30 {
            let n = 5 + (seed as usize % 5);
            let m = random_matrix(n, seed);
            let tour = solve(&m, &mut Iterations(300), seed);
            let mut sorted = tour.clone();
            sorted.sort();
            assert_eq!(sorted, (0..n).collect::<Vec<_>>());
            assert_eq!(tour[0], 0);
            assert_eq!(tour_cost(&m, &tour), brute_force(&m), "seed {seed}");
        }
    }
}
