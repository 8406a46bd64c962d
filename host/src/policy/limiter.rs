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

use super::allow_list::Family;

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
    /// The published per-workspace limits (Workspace list 50/s, DBFS 30/s, SCIM 255/min,
    /// Workspace export 60/s) and
    /// 16 requests in flight, below the workspace's concurrent limit of 20.
    fn default() -> Self {
        let rates = HashMap::from([
            (Family::Workspace, Rate(50.0)),
            (Family::Dbfs, Rate(30.0)),
            (Family::Scim, Rate(255.0 / 60.0)),
            (Family::Export, Rate(60.0)),
        ]);
        Limits {
            rates,
            max_in_flight: 16,
        }
    }
}

impl Limits {
    /// Applies one `--rate-limit` spec such as `workspace=40`, `dbfs=30/s` or `scim=255/60s`.
    pub fn apply_spec(&mut self, spec: &str) -> Result<(), String> {
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("rate limit {part:?} is not NAME=RATE (e.g. workspace=50)"))?;
            let family = Family::ALL
                .into_iter()
                .find(|f| f.name() == name.trim())
                .ok_or_else(|| {
                    format!(
                        "unknown API family {:?} in rate limit {part:?} (expected workspace, dbfs, scim or export)",
                        name.trim()
                    )
                })?;
            let rate = parse_rate(value.trim()).map_err(|e| format!("rate limit {part:?}: {e}"))?;
            self.rates.insert(family, Rate(rate));
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
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .rfind(|p| p.split_once('=').is_some_and(|(n, _)| n.trim() == family.name()))
        .map(|p| p.replace(' ', ""))
}

/// Parses `50`, `50/s`, `255/60s`, `255/min` into requests per second.
fn parse_rate(s: &str) -> Result<f64, String> {
    let (count, per) = match s.split_once('/') {
        Some((c, p)) => (c, p),
        None => (s, "1s"),
    };
    let count: f64 = count.parse().map_err(|_| format!("{count:?} is not a number"))?;
    let secs = match per {
        "s" | "sec" => 1.0,
        "min" | "m" => 60.0,
        p => p
            .strip_suffix('s')
            .and_then(|n| n.parse::<f64>().ok())
            .ok_or_else(|| format!("{p:?} is not a period like 1s, 60s or min"))?,
    };
    let rate = count / secs;
    if !(rate.is_finite() && rate > 0.0) {
        return Err("the rate must be positive".into());
    }
    Ok(rate)
}

/// The shared limiter: built once per run and used by every instance.
pub struct Limiter {
    buckets: HashMap<Family, DefaultDirectRateLimiter>,
    in_flight: Arc<Semaphore>,
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
        }
    }

    /// Waits for the family's turn, then for an in-flight slot. The slot is released on drop.
    pub async fn admit(&self, family: Family) -> OwnedSemaphorePermit {
        if let Some(bucket) = self.buckets.get(&family) {
            bucket.until_ready().await;
        }
        self.in_flight
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore never closed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_specs_parse() {
        assert_eq!(parse_rate("50").unwrap(), 50.0);
        assert_eq!(parse_rate("30/s").unwrap(), 30.0);
        assert_eq!(parse_rate("255/60s").unwrap(), 4.25);
        assert_eq!(parse_rate("120/min").unwrap(), 2.0);
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("abc").is_err());
        assert!(parse_rate("5/fortnight").is_err());
    }

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
