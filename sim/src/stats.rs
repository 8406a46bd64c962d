//! Request statistics: counts by endpoint and status, 429s, peak concurrency, bytes sent, and per
//! rate-limit family the requests admitted, refused, and the most admitted in any one second.
//!
//! `GET /__sim/stats` serves a [`Stats`] snapshot and `POST /__sim/stats` resets the counters.
//! Control requests (`/__sim/*`) are not counted. Concurrency counts every API request from arrival
//! to response, admitted or not, so it shows what the client attempted.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::endpoint::Endpoint;
use dbx_api::Family;

/// A snapshot of the statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Requests received (control endpoints excluded).
    pub total_requests: u64,
    /// Requests by endpoint (`workspace/list`, `dbfs/list`, `scim/Users`, …) and response status.
    pub by_endpoint: BTreeMap<String, BTreeMap<u16, u64>>,
    /// Responses with status 429.
    pub status_429: u64,
    /// Most requests being handled at the same time.
    pub peak_concurrency: u64,
    /// Response body bytes sent (control endpoints excluded).
    pub bytes_sent: u64,
    /// Per rate-limit family (`workspace`, `dbfs`, `scim`, `export`), while limits are on.
    #[serde(default)]
    pub families: BTreeMap<String, FamilyStats>,
}

/// One rate-limit family's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyStats {
    /// Requests admitted by the family's bucket.
    pub admitted: u64,
    /// Requests refused with a 429 by the family's bucket.
    pub throttled: u64,
    /// Most requests admitted within any one second (sliding window): what the client achieved
    /// against the family's limit (the bucket allows one second's burst on top, once).
    pub peak_per_second: u64,
}

/// A family's live counters: the admission times of the last second, for the peak.
#[derive(Debug, Default)]
struct FamilyCounter {
    stats: FamilyStats,
    window: VecDeque<Instant>,
}

/// The live counters.
#[derive(Debug, Default)]
pub struct StatsCollector {
    total: AtomicU64,
    status_429: AtomicU64,
    in_flight: AtomicU64,
    peak: AtomicU64,
    bytes: AtomicU64,
    by_endpoint: Mutex<HashMap<(Endpoint, u16), u64>>,
    families: Mutex<HashMap<&'static str, FamilyCounter>>,
}

/// Counts one request as in flight until dropped.
#[derive(Debug)]
pub struct InFlight<'a>(&'a StatsCollector);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl StatsCollector {
    /// Marks a request as arrived; it counts as in flight until the guard is dropped.
    pub fn arrive(&self) -> InFlight<'_> {
        self.total.fetch_add(1, Ordering::Relaxed);
        let now = self.in_flight.fetch_add(1, Ordering::AcqRel) + 1;
        self.peak.fetch_max(now, Ordering::AcqRel);
        InFlight(self)
    }

    /// Records the status a request was answered with.
    pub fn record(&self, endpoint: Endpoint, status: u16) {
        if status == 429 {
            self.status_429.fetch_add(1, Ordering::Relaxed);
        }
        *self
            .by_endpoint
            .lock()
            .expect("stats lock")
            .entry((endpoint, status))
            .or_default() += 1;
    }

    /// Records a request the family's bucket admitted.
    pub fn admitted(&self, family: Family) {
        self.admitted_at(family, Instant::now());
    }

    fn admitted_at(&self, family: Family, now: Instant) {
        let mut all = self.families.lock().expect("stats lock");
        let c = all.entry(family.name()).or_default();
        c.stats.admitted += 1;
        while c
            .window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            c.window.pop_front();
        }
        c.window.push_back(now);
        c.stats.peak_per_second = c.stats.peak_per_second.max(c.window.len() as u64);
    }

    /// Records a request the family's bucket refused.
    pub fn throttled(&self, family: Family) {
        let mut all = self.families.lock().expect("stats lock");
        all.entry(family.name()).or_default().stats.throttled += 1;
    }

    /// Adds response body bytes.
    pub fn add_bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
    }

    /// A snapshot.
    pub fn snapshot(&self) -> Stats {
        let mut by_endpoint: BTreeMap<String, BTreeMap<u16, u64>> = BTreeMap::new();
        for (&(e, s), &n) in self.by_endpoint.lock().expect("stats lock").iter() {
            *by_endpoint
                .entry(e.name().to_string())
                .or_default()
                .entry(s)
                .or_default() += n;
        }
        Stats {
            total_requests: self.total.load(Ordering::Relaxed),
            by_endpoint,
            status_429: self.status_429.load(Ordering::Relaxed),
            peak_concurrency: self.peak.load(Ordering::Relaxed),
            bytes_sent: self.bytes.load(Ordering::Relaxed),
            families: self
                .families
                .lock()
                .expect("stats lock")
                .iter()
                .map(|(k, c)| (k.to_string(), c.stats.clone()))
                .collect(),
        }
    }

    /// Zeroes every counter (requests in flight stay in flight).
    pub fn reset(&self) {
        self.total.store(0, Ordering::Relaxed);
        self.status_429.store(0, Ordering::Relaxed);
        self.peak
            .store(self.in_flight.load(Ordering::Relaxed), Ordering::Relaxed);
        self.bytes.store(0, Ordering::Relaxed);
        self.by_endpoint.lock().expect("stats lock").clear();
        self.families.lock().expect("stats lock").clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_groups_by_endpoint_and_status() {
        let s = StatsCollector::default();
        {
            let _a = s.arrive();
            let _b = s.arrive();
            s.record(Endpoint::WorkspaceList, 200);
            s.record(Endpoint::WorkspaceList, 429);
        }
        let snap = s.snapshot();
        assert_eq!(snap.total_requests, 2);
        assert_eq!(snap.peak_concurrency, 2);
        assert_eq!(snap.status_429, 1);
        assert_eq!(snap.by_endpoint["workspace/list"][&200], 1);
        let json = serde_json::to_value(&snap).unwrap();
        assert_eq!(json["by_endpoint"]["workspace/list"]["429"], 1);
        s.reset();
        assert_eq!(s.snapshot(), Stats::default());
    }

    #[test]
    fn family_peak_is_the_most_admitted_in_one_second() {
        let s = StatsCollector::default();
        let t0 = Instant::now();
        for i in 0..10u64 {
            s.admitted_at(Family::Export, t0 + Duration::from_millis(i * 100));
        }
        // 10 in the first second; then one every 500 ms keeps the window at 2-3.
        for i in 0..5u64 {
            s.admitted_at(Family::Export, t0 + Duration::from_millis(2000 + i * 500));
        }
        s.throttled(Family::Export);
        let f = &s.snapshot().families["export"];
        assert_eq!((f.admitted, f.throttled, f.peak_per_second), (15, 1, 10));
        let json = serde_json::to_value(s.snapshot()).unwrap();
        assert_eq!(json["families"]["export"]["peak_per_second"], 10);
    }
}
