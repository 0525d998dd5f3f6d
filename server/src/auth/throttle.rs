//! Slows down password guessing: after [`FREE_FAILURES`] failed sign-ins for one user name or
//! from one address, further attempts for it are refused for a wait that doubles with each
//! failure (1 s, 2 s, 4 s, ... up to [`MAX_WAIT`]). A success clears the user name's count.
//! Kept in memory per instance: with several instances an attacker gets each instance's
//! allowance, which still bounds guessing to a handful per minute.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const FREE_FAILURES: u32 = 5;
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// Failures older than this are forgotten.
const MEMORY: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    fn blocked_until(&self) -> Option<Instant> {
        let over = self.count.checked_sub(FREE_FAILURES)?;
        let wait = Duration::from_secs(1u64 << over.min(20)).min(MAX_WAIT);
        Some(self.last + wait)
    }
}

#[derive(Debug, Default)]
pub struct SignInThrottle {
    by_user: Mutex<HashMap<String, Failures>>,
    by_address: Mutex<HashMap<IpAddr, Failures>>,
}

impl SignInThrottle {
    /// `Err(wait)` while attempts for `user` or from `address` are held back.
    pub fn check(&self, user: &str, address: IpAddr, now: Instant) -> Result<(), Duration> {
        let user_until =
            self.by_user.lock().expect("throttle lock").get(&user.to_lowercase()).and_then(Failures::blocked_until);
        let address_until =
            self.by_address.lock().expect("throttle lock").get(&address).and_then(Failures::blocked_until);
        match user_until.into_iter().chain(address_until).max() {
            Some(until) if until > now => Err(until - now),
            _ => Ok(()),
        }
    }

    pub fn failed(&self, user: &str, address: IpAddr, now: Instant) {
        fn bump<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Failures>, key: K, now: Instant) {
            map.retain(|_, f| now.duration_since(f.last) < MEMORY);
            let entry = map.entry(key).or_insert(Failures { count: 0, last: now });
            entry.count += 1;
            entry.last = now;
        }
        bump(&mut self.by_user.lock().expect("throttle lock"), user.to_lowercase(), now);
        bump(&mut self.by_address.lock().expect("throttle lock"), address, now);
    }

    pub fn succeeded(&self, user: &str) {
        self.by_user.lock().expect("throttle lock").remove(&user.to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_beyond_the_allowance_wait_longer_and_longer() {
        let throttle = SignInThrottle::default();
        let (here, elsewhere): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert!(throttle.check("admin", here, t0).is_ok());
            throttle.failed("admin", here, t0);
        }
        assert_eq!(throttle.check("admin", here, t0), Err(Duration::from_secs(1)));
        assert!(throttle.check("ADMIN", elsewhere, t0).is_err(), "the user name is held back from anywhere");
        assert!(throttle.check("someone", here, t0).is_err(), "and the address for any user");
        assert!(throttle.check("someone", elsewhere, t0).is_ok());
        let t1 = t0 + Duration::from_secs(1);
        assert!(throttle.check("admin", here, t1).is_ok());
        throttle.failed("admin", here, t1);
        assert_eq!(throttle.check("admin", here, t1), Err(Duration::from_secs(2)));
        throttle.succeeded("admin");
        assert!(throttle.check("admin", elsewhere, t1).is_ok());
    }
}
