//! Request pacing shared by every component instance: one token bucket per endpoint family
//! (the workspace's published limits) and one cap on requests in flight.
//!
//! The family limiter is awaited *before* the in-flight permit, so requests of a throttled
//! family never hold permits that another family could use.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use dbx_api::{Family, RateSpec};

/// A rate in requests per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate(pub f64);

/// Per-family rates and the in-flight cap.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Rate per family.
    pub rates: HashMap<Family, Rate>,
    /// Requests in flight at once, all families together.
    pub max_in_flight: usize,
}

impl Default for Limits {
    /// The published per-workspace limits ([`Family::published_per_sec`]) and
    /// 16 requests in flight, below the workspace's concurrent limit of 20.
    fn default() -> Self {
        let rates = Family::ALL
            .into_iter()
            .map(|f| (f, Rate(f.published_per_sec())))
            .collect();
        Limits {
            rates,
            max_in_flight: 16,
        }
    }
}

impl Limits {
    /// Applies one `--rate-limit` spec such as `workspace=40`, `dbfs=30/s` or `scim=255/60s`
    /// (the grammar is [`RateSpec`]'s).
    pub fn apply_spec(&mut self, spec: &str) -> Result<(), String> {
        let spec: RateSpec = spec.parse()?;
        for part in spec.parts {
            self.rates.insert(part.family, Rate(part.per_sec));
        }
        Ok(())
    }
}

/// The published limit of a family, in words (`Workspace list 50/s`).
pub fn published_words(family: Family) -> &'static str {
    match family {
        Family::Workspace => "Workspace list 50/s",
        Family::Dbfs => "DBFS 30/s",
        Family::Scim => "SCIM 255/min",
        Family::Export => "Workspace export 60/s",
    }
}

impl Limits {
    /// The families whose rate is above the published one, with the rate set and the published
    /// rate (requests per second), in [`Family::ALL`] order.
    pub fn above_published(&self) -> Vec<(Family, f64, f64)> {
        let published = Limits::default();
        Family::ALL
            .into_iter()
            .filter_map(|f| {
                let set = self.rates.get(&f)?.0;
                let max = published.rates.get(&f)?.0;
                (set > max * (1.0 + 1e-9)).then_some((f, set, max))
            })
            .collect()
    }
}

/// `5000`, `4.25`: a rate without needless decimals.
pub fn rate_words(r: f64) -> String {
    if (r - r.round()).abs() < 1e-9 {
        format!("{}", r.round() as u64)
    } else {
        format!("{r:.2}")
    }
}

/// The `FAMILY=RATE` part of the `--rate-limit` specs that set `family` last, as given.
pub fn spec_part(specs: &[String], family: Family) -> Option<String> {
    specs
        .iter()
        .filter_map(|s| s.parse::<RateSpec>().ok())
        .flat_map(|s| s.parts)
        .rfind(|p| p.family == family)
        .map(|p| p.text)
}

/// The shared limiter: built once per run and used by every instance.
pub struct Limiter {
    buckets: HashMap<Family, DefaultDirectRateLimiter>,
    in_flight: Arc<Semaphore>,
    /// An account run's cap over all its workspaces (each also has its own `in_flight`).
    global: Option<Arc<Semaphore>>,
}

/// The slots a request holds while in flight (released on drop).
pub struct Admitted {
    _own: OwnedSemaphorePermit,
    _global: Option<OwnedSemaphorePermit>,
}

impl Limiter {
    /// Builds the buckets. The burst is a fifth of a second's worth of requests (at least
    /// one), so a workspace that allows one second's worth never sees us exceed it.
    pub fn new(limits: &Limits) -> Self {
        let buckets = limits
            .rates
            .iter()
            .map(|(family, Rate(rate))| {
                let period = Duration::from_secs_f64(1.0 / rate);
                let burst = NonZeroU32::new(((rate / 5.0).floor() as u32).max(1)).unwrap();
                let quota = Quota::with_period(period).expect("positive period").allow_burst(burst);
                (*family, RateLimiter::direct(quota))
            })
            .collect();
        Limiter {
            buckets,
            in_flight: Arc::new(Semaphore::new(limits.max_in_flight.max(1))),
            global: None,
        }
    }

    /// This limiter under a cap shared with other workspaces' limiters (an account run).
    pub fn under(mut self, global: Option<Arc<Semaphore>>) -> Self {
        self.global = global;
        self
    }

    /// Waits for the family's turn, then for an in-flight slot (the workspace's, then the
    /// account run's, so a workspace at its own cap never holds a shared slot while it waits).
    pub async fn admit(&self, family: Family) -> Admitted {
        if let Some(bucket) = self.buckets.get(&family) {
            bucket.until_ready().await;
        }
        let own = self
            .in_flight
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore never closed");
        let global = match &self.global {
            Some(g) => Some(g.clone().acquire_owned().await.expect("semaphore never closed")),
            None => None,
        };
        Admitted {
            _own: own,
            _global: global,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_apply_spec_names_the_bad_part() {
        let mut l = Limits::default();
        l.apply_spec("workspace=40, scim=255/60s").unwrap();
        assert_eq!(l.rates[&Family::Workspace], Rate(40.0));
        assert_eq!(l.rates[&Family::Scim], Rate(4.25));
        let e = l.apply_spec("jobs=5").unwrap_err();
        assert!(e.contains("jobs"), "{e}");
        let e = l.apply_spec("files=5").unwrap_err();
        assert!(e.contains("expected workspace, dbfs, scim or export"), "{e}");
        l.apply_spec("export=30").unwrap();
        assert_eq!(l.rates[&Family::Export], Rate(30.0));
        assert_eq!(Limits::default().rates[&Family::Export], Rate(60.0));
        let e = l.apply_spec("dbfs").unwrap_err();
        assert!(e.contains("dbfs"), "{e}");
    }

    #[test]
    fn limits_above_the_published_ones_are_named_with_their_flag() {
        assert!(Limits::default().above_published().is_empty());
        let mut l = Limits::default();
        l.apply_spec("workspace=5000,dbfs=30,scim=300/min").unwrap();
        let above: Vec<Family> = l.above_published().into_iter().map(|(f, _, _)| f).collect();
        assert_eq!(above, [Family::Workspace, Family::Scim]);
        let specs = vec!["workspace=40".to_string(), "dbfs=5, workspace = 5000".to_string()];
        assert_eq!(spec_part(&specs, Family::Workspace).as_deref(), Some("workspace=5000"));
        assert_eq!(spec_part(&specs, Family::Export), None);
        assert_eq!(published_words(Family::Scim), "SCIM 255/min");
    }
}
