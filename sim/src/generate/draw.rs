//! The generator's state and its draws: the seeded streams (main, times), ids, chances, picks,
//! heavy-tailed counts, unique names, and file times measured back from [`REFERENCE_MS`].

use std::collections::HashSet;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::LogNormal;
use serde_json::{json, Map, Value};

use super::names::{ODD_NAMES, WORDS};
use crate::fixture::{DbfsEntry, VolumeEntry, WorkspaceEntry};
use crate::store::stable_hash;

pub(super) const MAX_DEPTH: usize = 12;
pub(super) const T_START: i64 = 1_577_836_800_000; // 2020-01-01
pub(super) const T_SPAN: i64 = 180_000_000_000; // ~5.7 years

/// The fixed instant file ages are measured back from: 2026-12-01T00:00:00Z (never the clock).
pub const REFERENCE_MS: i64 = 1_796_083_200_000;
pub(super) const DAY_MS: i64 = 86_400_000;
/// Seeds the stream of file times (`seed ^ TIMES_SALT`).
pub(super) const TIMES_SALT: u64 = 0x7469_6d65_735f_7631;
/// Seeds the stream of UI-upload folders (`seed ^ UPLOADS_SALT`).
pub(super) const UPLOADS_SALT: u64 = 0x7570_6c6f_6164_7331;
/// Age bands of a dated file, in days before the reference, and their cumulative shares: 40 %
/// under 90 days, 25 % 90 days to a year, 20 % one to three years, 15 % three to six years.
pub(super) const AGE_BANDS: [(f64, i64, i64); 4] = [
    (0.40, 0, 90),
    (0.65, 90, 365),
    (0.85, 365, 3 * 365),
    (1.00, 3 * 365, 6 * 365),
];
/// Shares of objects with no time at all (the field absent).
pub(super) const UNDATED_NOTEBOOK: f64 = 0.10;
pub(super) const UNDATED_FILE: f64 = 0.03;
pub(super) const UNDATED_DBFS: f64 = 0.01;
pub(super) const UNDATED_UPLOAD: f64 = 0.02;
/// Share of objects whose time is invalid: negative, a string, or years in the future.
pub(super) const INVALID_TIME: f64 = 0.004;
/// Share of SCIM users with a UI-upload folder (`/FileStore/shared_uploads/<user>`).
pub(super) const UPLOAD_SHARE: f64 = 0.20;

pub(super) struct Gen {
    /// The main stream: every path, size, id and kind (unchanged since before file times).
    pub(super) rng: ChaCha8Rng,
    /// A separate stream for file times, so realistic times change no path.
    pub(super) trng: ChaCha8Rng,
    /// Age added to every time drawn while generating a departed user's homes.
    pub(super) era_ms: i64,
    pub(super) seed: u64,
    pub(super) next_id: u64,
    pub(super) ws: Vec<WorkspaceEntry>,
    pub(super) dbfs: Vec<DbfsEntry>,
    pub(super) volumes: Vec<VolumeEntry>,
    pub(super) taken: HashSet<String>,
    pub(super) file_size: LogNormal<f64>,
    pub(super) upload_size: LogNormal<f64>,
}

pub(super) fn obj(pairs: Vec<(&str, Value)>) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// A drawn modification time.
pub(super) enum Stamp {
    /// The field is absent.
    Undated,
    /// Epoch ms, at or before the reference.
    Valid(i64),
    /// Negative, or years in the future.
    Invalid(Value),
}

/// How long ago a departed user (`former.…`) left: 180 days to about 3 years, from the name
/// (no draw), added to the age of everything in their homes.
pub(super) fn departed_era(user: &str) -> i64 {
    if user.starts_with("former.") {
        DAY_MS * (180 + (stable_hash(user) % 900) as i64)
    } else {
        0
    }
}

impl Gen {
    pub(super) fn new(seed: u64) -> Gen {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let next_id = 1_000_000_000_000_000 + rng.random_range(0..1_000_000_000_000u64);
        Gen {
            rng,
            trng: ChaCha8Rng::seed_from_u64(seed ^ TIMES_SALT),
            era_ms: 0,
            seed,
            next_id,
            ws: Vec::new(),
            dbfs: Vec::new(),
            volumes: Vec::new(),
            taken: HashSet::new(),
            // Median ~8 KB, long tail into the hundreds of MB.
            file_size: LogNormal::new(9.0, 2.3).expect("valid log-normal"),
            // Median ~60 KB, a tail into the hundreds of MB.
            upload_size: LogNormal::new(11.0, 1.8).expect("valid log-normal"),
        }
    }

    pub(super) fn id(&mut self) -> u64 {
        self.next_id += self.rng.random_range(1..5000);
        self.next_id
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    pub(super) fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.rng.random_range(0..xs.len())]
    }

    /// A time from the main stream. Only names ("Untitled Notebook …") and volume times use it
    /// now; the other calls are kept so the main stream, and so every path, stays as it was.
    pub(super) fn time(&mut self) -> i64 {
        T_START + self.rng.random_range(0..T_SPAN)
    }

    /// How long before the reference a dated file was last modified, from the time stream.
    pub(super) fn age_ms(&mut self) -> i64 {
        let u: f64 = self.trng.random();
        let &(_, lo, hi) = AGE_BANDS
            .iter()
            .find(|(share, _, _)| u < *share)
            .unwrap_or(&AGE_BANDS[3]);
        self.trng.random_range(lo * DAY_MS..hi * DAY_MS) + self.era_ms
    }

    /// A file's modification time: absent with probability `undated`, invalid now and then,
    /// else `REFERENCE_MS - age`.
    pub(super) fn stamp(&mut self, undated: f64) -> Stamp {
        let u: f64 = self.trng.random();
        if u < undated {
            return Stamp::Undated;
        }
        if u < undated + INVALID_TIME {
            // Never a string: the official SDKs read a quoted number as the number (proto3 JSON
            // int64) and fail on any other string, so a generated workspace keeps to integers;
            // strings belong in hand-written fixtures.
            let v = match self.trng.random_range(0..3) {
                0 => json!(-1),
                1 => json!(-self.trng.random_range(DAY_MS..T_SPAN)),
                _ => json!(REFERENCE_MS + self.trng.random_range(400 * DAY_MS..3650 * DAY_MS)),
            };
            return Stamp::Invalid(v);
        }
        Stamp::Valid(REFERENCE_MS - self.age_ms())
    }

    /// `created_at`/`modified_at` of a Workspace object (none when undated; a valid
    /// `created_at` with an invalid `modified_at`).
    pub(super) fn ws_times(&mut self, undated: f64) -> Vec<(&'static str, Value)> {
        match self.stamp(undated) {
            Stamp::Undated => Vec::new(),
            Stamp::Valid(m) => {
                let created = m - self.trng.random_range(0..=365 * DAY_MS);
                vec![("created_at", json!(created)), ("modified_at", json!(m))]
            }
            Stamp::Invalid(v) => {
                let created = REFERENCE_MS - self.age_ms();
                vec![("created_at", json!(created)), ("modified_at", v)]
            }
        }
    }

    /// Heavy-tailed count: Pareto(x_min, alpha), capped.
    pub(super) fn pareto(&mut self, x_min: f64, alpha: f64, cap: usize) -> usize {
        let u: f64 = 1.0 - self.rng.random::<f64>();
        ((x_min / u.powf(1.0 / alpha)) as usize).min(cap)
    }

    /// A name not yet used under `dir` (`ext` appended with a dot when given).
    pub(super) fn unique(&mut self, dir: &str, base: String, ext: Option<&str>) -> String {
        let mut name = match ext {
            Some(e) => format!("{base}.{e}"),
            None => base.clone(),
        };
        let mut k = 1;
        loop {
            let path = format!("{dir}/{name}");
            if self.taken.insert(path.clone()) {
                return path;
            }
            k += 1;
            name = match ext {
                Some(e) => format!("{base}_{k}.{e}"),
                None => format!("{base}_{k}"),
            };
        }
    }

    pub(super) fn base_name(&mut self) -> String {
        let a = self.pick(WORDS);
        let name = match self.rng.random_range(0..10) {
            0..=3 => a.to_string(),
            4..=7 => format!("{a}_{}", self.pick(WORDS)),
            _ => format!("{a}-{}-{}", self.pick(WORDS), self.rng.random_range(1..40)),
        };
        if self.chance(0.03) {
            let pattern = self.pick(ODD_NAMES);
            return pattern.replace("{}", &name);
        }
        name
    }

    pub(super) fn uuid(&mut self) -> String {
        let a: u128 = self.rng.random();
        let h = format!("{a:032x}");
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }
}
