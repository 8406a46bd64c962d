//! Server-side throttling: one token bucket per API family and a cap on requests in flight.
//!
//! Each bucket holds one second's worth of tokens (at least one) and starts full, so a client that
//! paces itself at the published rate never sees a 429, while one that hammers the API is served at
//! exactly the configured rate once the first second's burst is spent. The concurrency cap is a
//! counter whose permit is released on drop.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dbx_api::Family;

use crate::config::Limits;

/// A token bucket refilled continuously at `rate` tokens per second.
#[derive(Debug)]
pub struct TokenBucket {
    rate: f64,
    capacity: f64,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    /// A full bucket of `capacity` tokens refilled at `rate` per second.
    pub fn new(rate: f64, capacity: f64) -> Self {
        TokenBucket {
            rate,
            capacity,
            state: Mutex::new((capacity, Instant::now())),
        }
    }

    /// Takes one token, or says how long until one is available.
    pub fn try_take(&self) -> Result<(), Duration> {
        self.try_take_at(Instant::now())
    }

    fn try_take_at(&self, now: Instant) -> Result<(), Duration> {
        let mut st = self.state.lock().expect("bucket lock");
        let elapsed = now.saturating_duration_since(st.1).as_secs_f64();
        st.0 = (st.0 + elapsed * self.rate).min(self.capacity);
        st.1 = now;
        if st.0 >= 1.0 {
            st.0 -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - st.0) / self.rate))
        }
    }
}

/// Why a request was throttled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Throttle {
    /// Too many requests in flight.
    Concurrency(usize),
    /// The family's bucket is empty; the wait until the next token.
    Rate(Family, Duration),
}

/// All limits of one simulator.
#[derive(Debug)]
pub struct Limiter {
    config: Limits,
    workspace: TokenBucket,
    dbfs: TokenBucket,
    scim: TokenBucket,
    export: TokenBucket,
    in_flight: Arc<AtomicUsize>,
}

/// Held while an admitted request is being served; releases its slot on drop.
#[derive(Debug)]
pub struct Permit {
    in_flight: Option<Arc<AtomicUsize>>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(c) = &self.in_flight {
            c.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

fn bucket(rate_per_sec: f64) -> TokenBucket {
    TokenBucket::new(rate_per_sec, rate_per_sec.max(1.0))
}

impl Limiter {
    /// Builds the buckets and the concurrency counter.
    pub fn new(config: Limits) -> Self {
        Limiter {
            workspace: bucket(config.workspace_per_sec),
            dbfs: bucket(config.dbfs_per_sec),
            scim: bucket(config.scim_per_min / 60.0),
            export: bucket(config.export_per_sec),
            in_flight: Arc::new(AtomicUsize::new(0)),
            config,
        }
    }

    /// Admits a request: first a concurrency slot, then a token of its family (if it has one).
    pub fn admit(&self, family: Option<Family>) -> Result<Permit, Throttle> {
        let permit = self.acquire_slot()?;
        if let Some(f) = family {
            let b = match f {
                Family::Workspace => &self.workspace,
                Family::Dbfs => &self.dbfs,
                Family::Scim => &self.scim,
                Family::Export => &self.export,
            };
            b.try_take().map_err(|wait| Throttle::Rate(f, wait))?;
        }
        Ok(permit)
    }

    fn acquire_slot(&self) -> Result<Permit, Throttle> {
        let max = self.config.max_concurrent;
        if max == 0 {
            return Ok(Permit { in_flight: None });
        }
        let mut cur = self.in_flight.load(Ordering::Acquire);
        loop {
            if cur >= max {
                return Err(Throttle::Concurrency(max));
            }
            match self
                .in_flight
                .compare_exchange_weak(cur, cur + 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    return Ok(Permit {
                        in_flight: Some(self.in_flight.clone()),
                    })
                }
                Err(now) => cur = now,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_one_seconds_burst_then_the_rate() {
        let b = TokenBucket::new(10.0, 10.0);
        let t0 = Instant::now();
        for _ in 0..10 {
            b.try_take_at(t0).unwrap();
        }
        let wait = b.try_take_at(t0).unwrap_err();
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-6);
        b.try_take_at(t0 + Duration::from_millis(100)).unwrap();
        assert!(b.try_take_at(t0 + Duration::from_millis(150)).is_err());
    }

    #[test]
    fn paced_client_never_throttled() {
        let b = TokenBucket::new(50.0, 50.0);
        let t0 = Instant::now();
        for i in 0..1000u64 {
            b.try_take_at(t0 + Duration::from_micros(i * 20_000)).unwrap();
        }
    }

    #[test]
    fn concurrency_permit_released_on_drop() {
        let l = Limiter::new(Limits {
            max_concurrent: 2,
            ..Limits::default()
        });
        let a = l.admit(None).unwrap();
        let _b = l.admit(None).unwrap();
        assert_eq!(l.admit(None).unwrap_err(), Throttle::Concurrency(2));
        drop(a);
        l.admit(None).unwrap();
    }

    #[test]
    fn rate_refusal_frees_the_slot() {
        let l = Limiter::new(Limits {
            dbfs_per_sec: 1.0,
            max_concurrent: 1,
            ..Limits::default()
        });
        drop(l.admit(Some(Family::Dbfs)).unwrap());
        assert!(matches!(
            l.admit(Some(Family::Dbfs)),
            Err(Throttle::Rate(Family::Dbfs, _))
        ));
        // The refused request did not keep its slot.
        l.admit(None).unwrap();
    }
}
