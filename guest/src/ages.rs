//! The ages' reference of a scan (`as-of-ms`, `stale-days`): which modification times are valid,
//! which are stale, and the age bands of `tree-stats.age`.

use crate::types::AgeBytes;

const DAY_MS: i64 = 86_400_000;

/// The ages' reference: which times are valid, which are stale, and the age bands.
#[derive(Clone, Copy, Debug)]
pub struct Ages {
    as_of: i64,
    stale_before: i64,
}

impl Ages {
    pub fn new(as_of_ms: i64, stale_days: u32) -> Ages {
        Ages {
            as_of: as_of_ms,
            stale_before: as_of_ms.saturating_sub(i64::from(stale_days).saturating_mul(DAY_MS)),
        }
    }

    /// The time as a valid modification time: non-negative (the parser gives no negatives),
    /// within `i64`, and no later than a day after the as-of (a clock far ahead is no date).
    pub fn valid(&self, modified: Option<u64>) -> Option<i64> {
        let t = i64::try_from(modified?).ok()?;
        (t <= self.as_of.saturating_add(DAY_MS)).then_some(t)
    }

    /// Strictly before as-of minus the stale days.
    pub fn stale(&self, t: i64) -> bool {
        t < self.stale_before
    }

    /// The age band's counter for a time (`None`: undated).
    pub fn band<'a>(&self, age: &'a mut AgeBytes, t: Option<i64>) -> &'a mut u64 {
        let Some(t) = t else {
            return &mut age.undated;
        };
        let days = self.as_of.saturating_sub(t);
        if days < 30 * DAY_MS {
            &mut age.under_30_days
        } else if days < 90 * DAY_MS {
            &mut age.under_90_days
        } else if days < 365 * DAY_MS {
            &mut age.under_1_year
        } else if days < 3 * 365 * DAY_MS {
            &mut age.under_3_years
        } else {
            &mut age.older
        }
    }
}
