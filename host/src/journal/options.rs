//! The options that change a run's results, as its journal header records them ([`RunOptions`]).
//!
//! On disk they are one JSON object of strings, keys in sorted order (`{"as_of_ms": "…",
//! "notebook_sizes": "yes", "orphans": "no", "stale_days": "365", "trees": "dbfs+workspace"}`), as
//! every journal so far wrote them; in code each has its type. A key this version does not know,
//! or a value it cannot read, is kept as written in [`RunOptions::other`], so it still counts when
//! two runs are compared.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Ages, Trees};

/// The result-changing options of a run. Concurrency, limits and retries are not among them:
/// they change speed, not results.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "BTreeMap<String, String>", into = "BTreeMap<String, String>")]
pub struct RunOptions {
    /// The locations scanned (`trees`).
    pub trees: Option<Trees>,
    /// Orphaned homes scanned too (`orphans`: `yes`/`no`).
    pub orphans: Option<bool>,
    /// Notebooks measured by export (`notebook_sizes: yes`; absent when off, so the journals of
    /// runs without the flag keep their identity).
    pub notebook_sizes: bool,
    /// Every counted file kept for the object inventory (`objects: yes`, `--objects`; absent when
    /// off): its rows name the attempts whose objects the spool holds.
    pub objects: bool,
    /// The ages' reference (`as_of_ms`, `stale_days`).
    pub as_of_ms: Option<i64>,
    /// Stale after this many days.
    pub stale_days: Option<u32>,
    /// Keys this version does not read, as written.
    pub other: BTreeMap<String, String>,
}

const TREES: &str = "trees";
const ORPHANS: &str = "orphans";
const NOTEBOOK_SIZES: &str = "notebook_sizes";
const OBJECTS: &str = "objects";
const AS_OF_MS: &str = "as_of_ms";
const STALE_DAYS: &str = "stale_days";

fn yes_no(v: bool) -> &'static str {
    if v {
        "yes"
    } else {
        "no"
    }
}

impl RunOptions {
    /// The ages' reference the options record; `None` when either part is absent (journals of
    /// earlier versions).
    pub fn ages(&self) -> Option<Ages> {
        Some(Ages {
            as_of_ms: self.as_of_ms?,
            stale_days: self.stale_days?,
        })
    }

    /// Sets the ages' reference.
    pub fn set_ages(&mut self, ages: Ages) {
        self.as_of_ms = Some(ages.as_of_ms);
        self.stale_days = Some(ages.stale_days);
    }

    /// Each option as the journal writes it (`key` → `value`), in key order.
    pub fn entries(&self) -> BTreeMap<String, String> {
        let mut m = self.other.clone();
        let mut put = |k: &str, v: String| {
            m.insert(k.to_string(), v);
        };
        if let Some(t) = self.trees {
            put(TREES, t.journal_label());
        }
        if let Some(o) = self.orphans {
            put(ORPHANS, yes_no(o).to_string());
        }
        if self.notebook_sizes {
            put(NOTEBOOK_SIZES, "yes".to_string());
        }
        if self.objects {
            put(OBJECTS, "yes".to_string());
        }
        if let Some(a) = self.as_of_ms {
            put(AS_OF_MS, a.to_string());
        }
        if let Some(s) = self.stale_days {
            put(STALE_DAYS, s.to_string());
        }
        m
    }
}

impl From<BTreeMap<String, String>> for RunOptions {
    fn from(mut m: BTreeMap<String, String>) -> RunOptions {
        // Each known key is taken only when its value reads back; otherwise it stays in `other`.
        fn take<T>(m: &mut BTreeMap<String, String>, k: &str, read: impl Fn(&str) -> Option<T>) -> Option<T> {
            let v = read(m.get(k)?)?;
            m.remove(k);
            Some(v)
        }
        let bool_of = |s: &str| match s {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        RunOptions {
            trees: take(&mut m, TREES, Trees::from_journal_label),
            orphans: take(&mut m, ORPHANS, bool_of),
            notebook_sizes: take(&mut m, NOTEBOOK_SIZES, |s| (s == "yes").then_some(true)).unwrap_or(false),
            objects: take(&mut m, OBJECTS, |s| (s == "yes").then_some(true)).unwrap_or(false),
            as_of_ms: take(&mut m, AS_OF_MS, |s| s.parse().ok()),
            stale_days: take(&mut m, STALE_DAYS, |s| s.parse().ok()),
            other: m,
        }
    }
}

impl From<RunOptions> for BTreeMap<String, String> {
    fn from(o: RunOptions) -> BTreeMap<String, String> {
        o.entries()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn every_journal_option_reads_back_to_the_same_json() {
        let text = r#"{"as_of_ms":"1764000000000","notebook_sizes":"yes","objects":"yes","orphans":"no","stale_days":"365","trees":"dbfs+workspace"}"#;
        let o: RunOptions = serde_json::from_str(text).unwrap();
        assert_eq!(o.trees, Some(Trees::BOTH));
        assert_eq!((o.orphans, o.notebook_sizes, o.objects), (Some(false), true, true));
        assert_eq!(
            o.ages(),
            Some(Ages {
                as_of_ms: 1_764_000_000_000,
                stale_days: 365
            })
        );
        assert!(o.other.is_empty());
        assert_eq!(serde_json::to_string(&o).unwrap(), text);
    }

    #[test]
    fn unknown_keys_and_unreadable_values_are_kept_as_written() {
        let m = map(&[("trees", "dbfs+mars"), ("future", "x"), ("stale_days", "-1")]);
        let o = RunOptions::from(m.clone());
        assert_eq!((o.trees, o.stale_days), (None, None));
        assert_eq!(o.entries(), m);
        assert_eq!(o.ages(), None);
    }

    #[test]
    fn notebook_sizes_is_written_only_when_on() {
        let o = RunOptions {
            trees: Some(Trees::BOTH),
            orphans: Some(true),
            ..RunOptions::default()
        };
        assert_eq!(o.entries(), map(&[("orphans", "yes"), ("trees", "dbfs+workspace")]));
    }
}
