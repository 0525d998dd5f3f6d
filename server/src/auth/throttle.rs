//! Slows down password guessing without letting anyone lock an account out.
//!
//! An attempt is counted as a failure *before* its password is hashed ([`SignInThrottle::begin`]),
//! and given back when it succeeds or when no password was tested after all. So a burst of
//! parallel guesses is counted as it arrives, and at most one hash per user name and one per
//! address is in flight at any moment: a second attempt meanwhile is held back.
//!
//! Three counters, each forgetting failures an hour old:
//! - per address: [`FREE_FAILURES`] failures for any names, then each attempt waits 1 s, 2 s,
//!   4 s, ... up to [`MAX_WAIT`];
//! - per (user name, address): the same schedule; a success clears it;
//! - per user name, softer: [`NAME_FREE_FAILURES`] failures from everywhere, where one address
//!   counts at most [`FREE_FAILURES`], then waits of up to [`NAME_MAX_WAIT`]. One address alone
//!   can never trigger it, so a single attacker cannot keep `admin` locked out; a spread-out
//!   guessing campaign is still slowed.
//!
//! IPv6 addresses count by their /64 (one subscriber's network); IPv4 by the address. Each map
//! holds at most [`CAPACITY`] entries: when full, failures older than an hour go first, then the
//! least recently failed entry. Kept in memory per instance: with several instances an attacker
//! gets each instance's allowance, which still bounds guessing to a handful per minute.
//!
//! Hand-written rather than `governor`: governor's limiters count requests at a steady rate,
//! whereas this needs failure counts with exponential waits, refunds on success, and a per-name
//! count that caps each address's share; the whole of it is the few lines below.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub const FREE_FAILURES: u32 = 5;
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// Failures for one user name, from everywhere, before its own (softer) waits begin.
pub const NAME_FREE_FAILURES: u32 = 50;
pub const NAME_MAX_WAIT: Duration = Duration::from_secs(60);
/// The most entries each counter keeps.
pub const CAPACITY: usize = 10_000;
/// Failures older than this are forgotten.
const MEMORY: Duration = Duration::from_secs(60 * 60);
/// How long a held-back attempt is told to wait while another one for the same name or from the
/// same address is being checked.
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(1);
/// The addresses a name's entry remembers its failures by; past that many, the name is far over
/// its limit anyway.
const NAME_GROUPS: usize = 64;

/// Addresses as the throttle counts them: an IPv4 address, or an IPv6 /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressGroup(IpAddr);

impl AddressGroup {
    pub fn of(address: IpAddr) -> Self {
        match address {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => AddressGroup(IpAddr::V4(v4)),
                None => AddressGroup(IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !((1u128 << 64) - 1)))),
            },
            v4 => AddressGroup(v4),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    fn blocked_until(&self, free: u32, max_wait: Duration) -> Option<Instant> {
        let over = self.count.checked_sub(free)?;
        let wait = Duration::from_secs(1u64 << over.min(20)).min(max_wait);
        Some(self.last + wait)
    }
}

/// Something a capped map can evict by age.
trait LastFailure {
    fn last(&self) -> Instant;
}

impl LastFailure for Failures {
    fn last(&self) -> Instant {
        self.last
    }
}

#[derive(Debug)]
struct NameFailures {
    failures: Failures,
    /// Each address group's share of `failures.count`, at most [`FREE_FAILURES`] each.
    by_group: HashMap<AddressGroup, u32>,
}

impl LastFailure for NameFailures {
    fn last(&self) -> Instant {
        self.failures.last
    }
}

/// A map of at most [`CAPACITY`] entries.
#[derive(Debug)]
struct Capped<K, V>(HashMap<K, V>);

impl<K, V> Default for Capped<K, V> {
    fn default() -> Self {
        Capped(HashMap::new())
    }
}

impl<K: Hash + Eq + Clone, V: LastFailure> Capped<K, V> {
    fn entry(&mut self, key: K, now: Instant, new: impl FnOnce() -> V) -> &mut V {
        if !self.0.contains_key(&key) && self.0.len() >= CAPACITY {
            self.0.retain(|_, v| now.saturating_duration_since(v.last()) < MEMORY);
            if self.0.len() >= CAPACITY
                && let Some(oldest) = self.0.iter().min_by_key(|(_, v)| v.last()).map(|(k, _)| k.clone())
            {
                self.0.remove(&oldest);
            }
        }
        self.0.entry(key).or_insert_with(new)
    }

    fn get(&self, key: &K, now: Instant) -> Option<&V> {
        self.0.get(key).filter(|v| now.saturating_duration_since(v.last()) < MEMORY)
    }
}

#[derive(Debug, Default)]
struct State {
    by_address: Capped<AddressGroup, Failures>,
    by_name_and_address: Capped<(String, AddressGroup), Failures>,
    by_name: Capped<String, NameFailures>,
    /// Names and addresses with an attempt being checked right now.
    checking_names: HashSet<String>,
    checking_groups: HashSet<AddressGroup>,
}

impl State {
    /// The latest instant any counter holds this attempt back until.
    fn held_until(&self, name: &str, group: AddressGroup, now: Instant) -> Option<Instant> {
        let by_address = self.by_address.get(&group, now).and_then(|f| f.blocked_until(FREE_FAILURES, MAX_WAIT));
        let by_pair = self
            .by_name_and_address
            .get(&(name.to_owned(), group), now)
            .and_then(|f| f.blocked_until(FREE_FAILURES, MAX_WAIT));
        let by_name = self
            .by_name
            .get(&name.to_owned(), now)
            .and_then(|f| f.failures.blocked_until(NAME_FREE_FAILURES, NAME_MAX_WAIT));
        [by_address, by_pair, by_name].into_iter().flatten().max().filter(|until| *until > now)
    }
}

#[derive(Debug, Default)]
pub struct SignInThrottle {
    state: Mutex<State>,
}

impl SignInThrottle {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("throttle lock")
    }

    /// Starts an attempt for `user` from `address`, counted as a failure until it is settled
    /// otherwise; or `Err(wait)` while attempts for that name or from that address are held back.
    pub fn begin(self: &Arc<Self>, user: &str, address: IpAddr, now: Instant) -> Result<Attempt, Duration> {
        let name = user.to_lowercase();
        let group = AddressGroup::of(address);
        let mut state = self.state();
        if state.checking_names.contains(&name) || state.checking_groups.contains(&group) {
            return Err(IN_FLIGHT_WAIT);
        }
        if let Some(until) = state.held_until(&name, group, now) {
            return Err(until - now);
        }
        let State { by_address, by_name_and_address, by_name, checking_names, checking_groups } = &mut *state;
        let fresh = || Failures { count: 0, last: now };
        for failures in
            [by_address.entry(group, now, fresh), by_name_and_address.entry((name.clone(), group), now, fresh)]
        {
            failures.count += 1;
            failures.last = now;
        }
        let named = by_name.entry(name.clone(), now, || NameFailures { failures: fresh(), by_group: HashMap::new() });
        let share = named.by_group.get(&group).copied().unwrap_or(0);
        let counted_for_name = share < FREE_FAILURES;
        if counted_for_name {
            named.failures.count += 1;
            named.failures.last = now;
            if named.by_group.len() < NAME_GROUPS || named.by_group.contains_key(&group) {
                named.by_group.insert(group, share + 1);
            }
        }
        checking_names.insert(name.clone());
        checking_groups.insert(group);
        Ok(Attempt { throttle: self.clone(), name, group, counted_for_name })
    }
}

/// A sign-in attempt under way. Dropped without being settled (the password was wrong, or the
/// request was abandoned midway) it stays counted as a failure.
#[must_use = "an attempt is settled by failed, succeeded or untested"]
pub struct Attempt {
    throttle: Arc<SignInThrottle>,
    name: String,
    group: AddressGroup,
    counted_for_name: bool,
}

impl Attempt {
    /// The password was tested and was wrong: the attempt stays counted.
    pub fn failed(self) {}

    /// The password was right: the attempt is given back and the name's failures from this
    /// address are forgotten.
    pub fn succeeded(self) {
        self.give_back();
        self.throttle.state().by_name_and_address.0.remove(&(self.name.clone(), self.group));
    }

    /// No password was tested (the server was too busy, or the database away): given back.
    pub fn untested(self) {
        self.give_back();
    }

    fn give_back(&self) {
        let mut state = self.throttle.state();
        let State { by_address, by_name_and_address, by_name, .. } = &mut *state;
        for failures in
            [by_address.0.get_mut(&self.group), by_name_and_address.0.get_mut(&(self.name.clone(), self.group))]
                .into_iter()
                .flatten()
        {
            failures.count = failures.count.saturating_sub(1);
        }
        if self.counted_for_name
            && let Some(named) = by_name.0.get_mut(&self.name)
        {
            named.failures.count = named.failures.count.saturating_sub(1);
            if let Some(share) = named.by_group.get_mut(&self.group) {
                *share = share.saturating_sub(1);
            }
        }
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        let mut state = self.throttle.state();
        state.checking_names.remove(&self.name);
        state.checking_groups.remove(&self.group);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    /// A finished wrong guess.
    fn fail(throttle: &Arc<SignInThrottle>, user: &str, address: IpAddr, now: Instant) {
        throttle.begin(user, address, now).expect("not held back").failed();
    }

    #[test]
    fn failures_beyond_the_allowance_wait_longer_and_longer() {
        let throttle = Arc::new(SignInThrottle::default());
        let (here, elsewhere) = (ip("10.0.0.1"), ip("10.0.0.2"));
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES {
            fail(&throttle, "admin", here, t0);
        }
        assert_eq!(throttle.begin("admin", here, t0).err(), Some(Duration::from_secs(1)));
        assert!(throttle.begin("someone", here, t0).is_err(), "the address is held back for any user");
        assert!(throttle.begin("ADMIN", elsewhere, t0).is_ok(), "but the user name is not held back elsewhere");
        let t1 = t0 + Duration::from_secs(1);
        fail(&throttle, "admin", here, t1);
        assert_eq!(throttle.begin("admin", here, t1).err(), Some(Duration::from_secs(2)));
        let t2 = t1 + Duration::from_secs(2);
        throttle.begin("admin", here, t2).unwrap().succeeded();
        assert_eq!(throttle.begin("admin", here, t2).err(), Some(Duration::from_secs(2)), "the address still waits");
    }

    #[test]
    fn an_attempt_is_counted_before_its_password_is_checked_and_one_is_checked_at_a_time() {
        let throttle = Arc::new(SignInThrottle::default());
        let (here, elsewhere) = (ip("192.0.2.1"), ip("192.0.2.2"));
        let now = Instant::now();
        let first = throttle.begin("admin", here, now).unwrap();
        assert_eq!(throttle.begin("admin", elsewhere, now).err(), Some(IN_FLIGHT_WAIT), "one hash per name");
        assert_eq!(throttle.begin("bob", here, now).err(), Some(IN_FLIGHT_WAIT), "one hash per address");
        drop(first);
        // The abandoned attempt counted: four more and the address waits.
        for _ in 1..FREE_FAILURES {
            fail(&throttle, "admin", here, now);
        }
        assert!(throttle.begin("admin", here, now).is_err());
        // An attempt that tested no password is given back.
        let other = ip("192.0.2.3");
        for _ in 0..FREE_FAILURES * 3 {
            throttle.begin("carol", other, now).unwrap().untested();
        }
        assert!(throttle.begin("carol", other, now).is_ok());
    }

    #[test]
    fn one_address_cannot_lock_a_name_out_but_many_slow_it_down() {
        let throttle = Arc::new(SignInThrottle::default());
        let mut now = Instant::now();
        // One attacker, guessing patiently for an hour, never waiting less than asked.
        for _ in 0..40 {
            match throttle.begin("admin", ip("203.0.113.66"), now) {
                Ok(attempt) => attempt.failed(),
                Err(wait) => now += wait,
            }
        }
        throttle.begin("admin", ip("198.51.100.7"), now).expect("the owner signs in from elsewhere").succeeded();
        // Nine more addresses at their full allowance, with the attacker's: the name's own,
        // softer limit is reached.
        for n in 0..(NAME_FREE_FAILURES / FREE_FAILURES - 1) {
            for _ in 0..FREE_FAILURES {
                fail(&throttle, "admin", ip(&format!("198.18.0.{n}")), now);
            }
        }
        let wait = throttle.begin("admin", ip("198.51.100.7"), now).err().expect("the name is held back");
        assert!(wait <= NAME_MAX_WAIT);
    }

    #[test]
    fn ipv6_addresses_count_by_their_64() {
        let throttle = Arc::new(SignInThrottle::default());
        let now = Instant::now();
        for n in 0..FREE_FAILURES {
            fail(&throttle, "admin", ip(&format!("2001:db8:1:2::{n:x}")), now);
        }
        assert!(throttle.begin("x", ip("2001:db8:1:2:ffff::1"), now).is_err(), "the same /64");
        assert!(throttle.begin("x", ip("2001:db8:1:3::1"), now).is_ok(), "the next /64");
        assert_eq!(AddressGroup::of(ip("::ffff:192.0.2.1")), AddressGroup::of(ip("192.0.2.1")));
    }

    #[test]
    fn memory_is_bounded() {
        let throttle = Arc::new(SignInThrottle::default());
        let now = Instant::now();
        for n in 0..(CAPACITY as u32 + 500) {
            let address = IpAddr::V4(std::net::Ipv4Addr::from_bits(0x0a00_0000 + n));
            fail(&throttle, &format!("user{n}"), address, now);
        }
        let state = throttle.state();
        assert!(state.by_address.0.len() <= CAPACITY);
        assert!(state.by_name_and_address.0.len() <= CAPACITY);
        assert!(state.by_name.0.len() <= CAPACITY);
    }
}
