//! The generator's vocabulary: first and last names, domains, words, file extensions, odd
//! names, and the date stamp of "Untitled Notebook" names.

pub(super) const FIRST: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia",
    "peggy", "rupert", "sybil", "trent", "victor", "walter", "yasmin", "zoe", "ahmed", "bea", "chen", "dmitri",
    "elena", "fatima", "gustavo", "hana", "igor", "jun", "kofi", "lena", "mateo", "nadia", "oskar", "priya", "quentin",
    "rosa", "sven", "tariq", "uma", "wei",
];
pub(super) const LAST: &[&str] = &[
    "smith", "jones", "garcia", "muller", "rossi", "kim", "nguyen", "silva", "kowalski", "ivanova", "tanaka", "okafor",
    "haddad", "larsen", "novak", "dubois", "jensen", "costa", "ali", "schmidt", "chen", "patel", "fischer", "moreau",
    "eriksson", "sato", "brown", "wilson", "lopez", "khan",
];
pub(super) const DOMAINS: &[&str] = &[
    "example.com",
    "example.com",
    "example.com",
    "corp.example.com",
    "contractor.example.org",
];
pub(super) const WORDS: &[&str] = &[
    "etl",
    "reports",
    "analysis",
    "ml",
    "features",
    "sandbox",
    "scratch",
    "dashboards",
    "experiments",
    "pipelines",
    "utils",
    "archive",
    "old",
    "tmp",
    "data",
    "models",
    "training",
    "eval",
    "ingest",
    "bronze",
    "silver",
    "gold",
    "customer",
    "sales",
    "finance",
    "marketing",
    "churn",
    "forecast",
    "inventory",
    "orders",
    "events",
    "clickstream",
    "quality",
    "monitoring",
    "backfill",
    "exports",
    "adhoc",
    "poc",
    "demo",
    "team",
    "shared",
    "q3",
    "2023",
    "2024",
    "v2",
    "final",
    "draft",
];
pub(super) const SP_KINDS: &[&str] = &["service", "job", "pipeline", "bot", "sync", "deploy"];
pub(super) const FILE_EXT: &[&str] = &[
    "py", "csv", "json", "txt", "md", "yml", "sql", "parquet", "whl", "png", "xlsx", "sh",
];
pub(super) const ODD_NAMES: &[&str] = &[
    "Copy of {}",
    "{} (1)",
    "résumé {}",
    "{} & more",
    "{}+extra",
    "{} #2",
    "100% {}",
    "{} – notes",
    "{} [old]",
    "données {}",
    "{}   spaced",
    "日本語 {}",
];

/// `YYYY-MM-DD HH:MM:SS` for a time in ms (UTC), as in "Untitled Notebook" names.
pub(super) fn chrono_like(ms: i64) -> String {
    let secs = ms / 1000;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_like_the_ui() {
        assert_eq!(chrono_like(0), "1970-01-01 00:00:00");
        assert_eq!(chrono_like(1_709_650_951_000), "2024-03-05 15:02:31");
    }
}
