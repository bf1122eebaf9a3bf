//! Login rate limiting: at most N failures per minute per (account, address) and per address,
//! and 10 × N per account from all addresses.
//!
//! Kept in memory: a restart forgets the counters, which is acceptable for a limit whose
//! window is one minute. Only failures count, so an advisor who types their password right
//! is never slowed down by someone else's attempts on another account.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

pub struct LoginLimiter {
    max_failures: u32,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    pub fn new(max_failures: u32) -> Self {
        LoginLimiter {
            max_failures: max_failures.max(1),
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds to wait)` when any of `keys` has used up its failures.
    pub fn check(&self, keys: &[String], now: Instant) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match self.wait(&mut map, keys, now) {
            0 => Ok(()),
            wait => Err(wait),
        }
    }

    /// Seconds until every key has room again (0: room now); forgets failures past the window.
    fn wait(&self, map: &mut HashMap<String, VecDeque<Instant>>, keys: &[String], now: Instant) -> u64 {
        let mut wait = 0u64;
        for key in keys {
            if let Some(q) = map.get_mut(key) {
                while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                    q.pop_front();
                }
                if q.len() as u32 >= self.limit_for(key) {
                    if let Some(oldest) = q.front() {
                        wait = wait.max(WINDOW.saturating_sub(now.duration_since(*oldest)).as_secs().max(1));
                    }
                }
            }
        }
        wait
    }

    /// Counts an attempt as a failure *before* the password is checked, if every key still
    /// has room: `Err(seconds to wait)` otherwise. A flood of parallel attempts is thus cut at
    /// the limit instead of all reaching the (costly) hash. A success then calls
    /// [`Self::forgive`].
    pub fn try_attempt(&self, keys: &[String], now: Instant) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let wait = self.wait(&mut map, keys, now);
        if wait > 0 {
            return Err(wait);
        }
        if map.len() > 100_000 {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        for key in keys {
            map.entry(key.clone()).or_default().push_back(now);
        }
        Ok(())
    }

    /// A successful login: its attempt was no failure.
    pub fn forgive(&self, keys: &[String]) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for key in keys {
            if let Some(q) = map.get_mut(key) {
                q.pop_back();
            }
        }
    }

    /// Keys starting with `acct:` (the account from every address) allow ten times the
    /// limit: high enough that strangers cannot lock a user out, low enough to stop a spread
    /// guessing attack.
    fn limit_for(&self, key: &str) -> u32 {
        if key.starts_with("acct:") {
            self.max_failures.saturating_mul(10)
        } else {
            self.max_failures
        }
    }

    pub fn record_failure(&self, keys: &[String], now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Bound memory under a spray of random e-mails: drop idle keys now and then.
        if map.len() > 100_000 {
            map.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
        }
        for key in keys {
            map.entry(key.clone()).or_default().push_back(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_failure_in_a_minute_is_refused_until_the_window_slides() {
        let l = LoginLimiter::new(10);
        let keys = vec!["acct:a@x.fr".to_string(), "ip:1.2.3.4".to_string()];
        let t0 = Instant::now();
        for i in 0..10 {
            assert!(l.check(&keys, t0 + Duration::from_secs(i)).is_ok());
            l.record_failure(&keys, t0 + Duration::from_secs(i));
        }
        let wait = l.check(&keys, t0 + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, 50);
        assert!(l.check(&keys, t0 + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn one_ip_blocked_does_not_block_another_account_from_another_ip() {
        let l = LoginLimiter::new(2);
        let t0 = Instant::now();
        let a = vec!["acct:a".to_string(), "ip:1".to_string()];
        l.record_failure(&a, t0);
        l.record_failure(&a, t0);
        assert!(l.check(&a, t0).is_err());
        assert!(l.check(&["acct:b".to_string(), "ip:2".to_string()], t0).is_ok());
        assert!(l.check(&["acct:b".to_string(), "ip:1".to_string()], t0).is_err());
    }
}
