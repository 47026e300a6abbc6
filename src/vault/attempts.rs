//! Failed-attempt limits for login and recovery, per account and per IP address.
//!
//! A key (account or address) that has failed `max` times within `window_ms` is
//! refused until the oldest of those failures leaves the window.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Keys kept at most before the oldest idle ones are forgotten.
const MAX_KEYS: usize = 100_000;

/// Failure counters with a sliding window.
pub struct Attempts {
    max: usize,
    window_ms: i64,
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl Attempts {
    pub fn new(max: usize, window_ms: i64) -> Attempts {
        Attempts {
            max,
            window_ms,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(retry_after_seconds)` while `key` is locked out.
    pub fn check(&self, key: &str, now_ms: i64) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let Some(times) = map.get_mut(key) else {
            return Ok(());
        };
        while times.front().is_some_and(|t| *t <= now_ms - self.window_ms) {
            times.pop_front();
        }
        if times.len() < self.max {
            return Ok(());
        }
        let oldest = times.front().copied().unwrap_or(now_ms);
        let wait_ms = (oldest + self.window_ms - now_ms).max(1000);
        Err((wait_ms as u64).div_ceil(1000))
    }

    pub fn fail(&self, key: &str, now_ms: i64) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS {
            let horizon = now_ms - self.window_ms;
            map.retain(|_, t| t.back().is_some_and(|last| *last > horizon));
        }
        let times = map.entry(key.to_owned()).or_default();
        times.push_back(now_ms);
        while times.len() > self.max {
            times.pop_front();
        }
    }

    pub fn clear(&self, key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_out_then_releases() {
        let a = Attempts::new(3, 60_000);
        for t in 0..3 {
            assert!(a.check("u", t).is_ok());
            a.fail("u", t);
        }
        assert_eq!(a.check("u", 10), Err(60));
        assert!(a.check("other", 10).is_ok());
        assert!(a.check("u", 60_001).is_ok());
        a.clear("u");
        assert!(a.check("u", 11).is_ok());
    }
}
