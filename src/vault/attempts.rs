//! Failed-attempt limits for login and recovery, per account and per IP address.
//!
//! Every attempt is *reserved* (counted as a failure) before its slow verification
//! and forgiven if it succeeds, so concurrent attempts cannot all slip under the
//! limit. Two shapes:
//! - [`Attempts`]: a key (account or address) that has failed `max` times within
//!   `window_ms` is refused until the oldest of those failures leaves the window
//!   (passphrases can be guessed: a lock is right);
//! - [`Backoff`]: after `free` failures, each further attempt must wait a delay that
//!   doubles, up to a ceiling, and is never a lock (recovery: a kit cannot be
//!   guessed, so others must not be able to lock a citizen out of it).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;

/// Where a request came from (the peer, or the client a trusted proxy names), as
/// the attempt budgets and the journal see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Peer(IpAddr);

impl Peer {
    /// An IPv4 client seen through an IPv6 socket is its IPv4 address.
    pub fn new(ip: IpAddr) -> Peer {
        Peer(ip.to_canonical())
    }

    /// What its budgets count under: an IPv6 address as its /64 (one subscriber's
    /// network: she may hold all of its addresses), an IPv4 address as itself.
    pub fn network(&self) -> IpAddr {
        match self.0 {
            IpAddr::V6(v6) => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
            v4 => v4,
        }
    }

    /// The key of its budgets.
    pub fn budget_key(&self) -> String {
        match self.0 {
            IpAddr::V6(_) => format!("{}/64", self.network()),
            v4 => v4.to_string(),
        }
    }

    /// The whole address (what her journal shows).
    pub fn address(&self) -> String {
        self.0.to_string()
    }
}

impl From<IpAddr> for Peer {
    fn from(ip: IpAddr) -> Peer {
        Peer::new(ip)
    }
}

impl std::str::FromStr for Peer {
    type Err = std::net::AddrParseError;
    fn from_str(s: &str) -> Result<Peer, Self::Err> {
        s.parse::<IpAddr>().map(Peer::new)
    }
}

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

    /// Counts an attempt as failed before it is verified; `Err(retry_after_seconds)`
    /// (and nothing counted) while `key` is locked out.
    pub fn reserve(&self, key: &str, now_ms: i64) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS {
            let horizon = now_ms - self.window_ms;
            map.retain(|_, t| t.back().is_some_and(|last| *last > horizon));
        }
        let times = map.entry(key.to_owned()).or_default();
        while times.front().is_some_and(|t| *t <= now_ms - self.window_ms) {
            times.pop_front();
        }
        if times.len() >= self.max {
            let oldest = times.front().copied().unwrap_or(now_ms);
            let wait_ms = (oldest + self.window_ms - now_ms).max(1000);
            return Err((wait_ms as u64).div_ceil(1000));
        }
        times.push_back(now_ms);
        Ok(())
    }

    /// Takes back one reservation made at `at_ms` (the attempt succeeded).
    pub fn forgive(&self, key: &str, at_ms: i64) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(times) = map.get_mut(key) {
            if let Some(i) = times.iter().rposition(|t| *t == at_ms) {
                times.remove(i);
            }
            if times.is_empty() {
                map.remove(key);
            }
        }
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

/// Failures that slow a key down without ever locking it.
pub struct Backoff {
    free: u32,
    ceiling_ms: i64,
    state: Mutex<HashMap<String, (u32, i64)>>,
}

impl Backoff {
    /// `free` failures without delay, then 1 s, 2 s, 4 s… up to `ceiling_ms`.
    pub fn new(free: u32, ceiling_ms: i64) -> Backoff {
        Backoff {
            free,
            ceiling_ms,
            state: Mutex::new(HashMap::new()),
        }
    }

    fn delay_ms(&self, failures: u32) -> i64 {
        match failures.checked_sub(self.free) {
            None => 0,
            Some(extra) => (1000i64 << extra.min(30)).min(self.ceiling_ms),
        }
    }

    /// Counts an attempt before it is verified; `Err(retry_after_seconds)` (nothing
    /// counted) while the delay since the last failure has not passed.
    pub fn reserve(&self, key: &str, now_ms: i64) -> Result<(), u64> {
        let mut map = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS {
            let horizon = now_ms - self.ceiling_ms;
            map.retain(|_, (_, last)| *last > horizon);
        }
        let (failures, last) = map.entry(key.to_owned()).or_insert((0, 0));
        let ready_at = *last + self.delay_ms(*failures);
        if *failures >= self.free && now_ms < ready_at {
            return Err(((ready_at - now_ms) as u64).div_ceil(1000));
        }
        *failures += 1;
        *last = now_ms;
        Ok(())
    }

    /// The attempt succeeded: the key starts afresh.
    pub fn clear(&self, key: &str) {
        let mut map = self.state.lock().unwrap_or_else(|p| p.into_inner());
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

    #[test]
    fn reservations_count_before_verification() {
        let a = Attempts::new(2, 60_000);
        assert!(a.reserve("u", 1).is_ok());
        assert!(a.reserve("u", 1).is_ok());
        assert_eq!(a.reserve("u", 1), Err(60));
        a.forgive("u", 1);
        assert!(a.reserve("u", 2).is_ok());
    }

    #[test]
    fn backoff_slows_and_never_locks() {
        let b = Backoff::new(2, 8_000);
        assert!(b.reserve("k", 0).is_ok());
        assert!(b.reserve("k", 0).is_ok());
        assert_eq!(b.reserve("k", 0), Err(1));
        assert!(b.reserve("k", 1_000).is_ok());
        assert_eq!(b.reserve("k", 2_000), Err(1));
        assert!(b.reserve("k", 3_000).is_ok());
        assert!(b.reserve("k", 7_000).is_ok());
        // The delay stops growing at the ceiling.
        assert!(b.reserve("k", 15_000).is_ok());
        assert_eq!(b.reserve("k", 15_000), Err(8));
        b.clear("k");
        assert!(b.reserve("k", 15_000).is_ok());
    }
}
