//! A per-address limit on post-password guesses: at most N in a sliding window. Kept in memory
//! per instance (behind a load balancer each instance limits on its own, which bounds a
//! flood by N × instances; good enough against bursts, and needs no shared state).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct RateLimiter {
    max: usize,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl RateLimiter {
    /// `max` = 0 turns the limit off.
    pub fn new(max: u32, window: Duration) -> RateLimiter {
        RateLimiter { max: max as usize, window, seen: Mutex::new(HashMap::new()) }
    }

    /// Counts an attempt from `ip`; `Err(seconds)` to wait when over the limit.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        if self.max == 0 {
            return Ok(());
        }
        let Ok(mut seen) = self.seen.lock() else { return Ok(()) };
        if seen.len() > 10_000 {
            // Forget addresses that have gone quiet, so memory stays bounded.
            seen.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < self.window));
        }
        let times = seen.entry(ip).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            times.pop_front();
        }
        if times.len() >= self.max {
            let oldest = times.front().copied().unwrap_or(now);
            let wait = self.window.saturating_sub(now.duration_since(oldest));
            return Err(wait.as_secs().max(1));
        }
        times.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_address_in_a_sliding_window() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        let (a, b): (IpAddr, IpAddr) = ([192, 0, 2, 1].into(), [192, 0, 2, 2].into());
        let start = Instant::now();
        assert!(limiter.check(a, start).is_ok());
        assert!(limiter.check(a, start).is_ok());
        assert_eq!(limiter.check(a, start + Duration::from_secs(10)), Err(50));
        assert!(limiter.check(b, start).is_ok(), "another address is not limited");
        assert!(limiter.check(a, start + Duration::from_secs(61)).is_ok(), "the window slides");
        assert!(RateLimiter::new(0, Duration::from_secs(1)).check(a, start).is_ok());
    }
}
