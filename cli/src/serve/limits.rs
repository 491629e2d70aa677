//! Input limits and a per-client token-bucket rate limiter.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Largest request body accepted (a `{"account": "…"}` body is under 100 bytes).
pub const MAX_BODY_BYTES: usize = 4 * 1024;
/// Longest query string accepted.
pub const MAX_QUERY_BYTES: usize = medchain_sdk::actions::MAX_QUERY_LEN;
/// Longest path accepted.
pub const MAX_PATH_BYTES: usize = 256;
/// Most clients tracked at once; beyond it, buckets that are full again are forgotten.
const MAX_TRACKED_CLIENTS: usize = 10_000;

/// A token bucket per client address: `burst` requests at once, refilled at
/// `per_minute` requests a minute.
pub struct RateLimiter {
    per_minute: u32,
    burst: u32,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter allowing `per_minute` requests a minute per client, `burst` at once.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        Self { per_minute, burst: burst.max(1), buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token for `client`; `Err(seconds)` says when the next one is available.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        self.check_at(client, Instant::now())
    }

    fn check_at(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        let rate = f64::from(self.per_minute) / 60.0;
        let burst = f64::from(self.burst);
        let mut buckets = match self.buckets.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if buckets.len() >= MAX_TRACKED_CLIENTS && !buckets.contains_key(&client) {
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = buckets.entry(client).or_insert((burst, now));
        *tokens = (*tokens + now.saturating_duration_since(*at).as_secs_f64() * rate).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else if rate > 0.0 {
            Err(((1.0 - *tokens) / rate).ceil() as u64)
        } else {
            Err(60)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn buckets_empty_per_client_and_refill() {
        let limiter = RateLimiter::new(60, 3);
        let (a, b): (IpAddr, IpAddr) =
            ("10.0.0.1".parse().expect("ip"), "10.0.0.2".parse().expect("ip"));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at(a, t0).is_ok());
        }
        assert_eq!(limiter.check_at(a, t0), Err(1));
        assert!(limiter.check_at(b, t0).is_ok(), "another client has its own bucket");
        assert!(limiter.check_at(a, t0 + Duration::from_secs(1)).is_ok(), "one token a second");
        assert!(limiter.check_at(a, t0 + Duration::from_secs(1)).is_err());
    }
}
