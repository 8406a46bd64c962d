//! How numbers, sizes, dates and durations are written for people (console, CSV, HTML), and how
//! a CSV text cell is made safe for a spreadsheet and read back ([`text_cell`], [`untext_cell`]).

use std::time::Duration;

/// `total_size / 1024³` with two decimals, as the seed wrote it.
pub fn gib_2dp(bytes: impl Into<u128>) -> String {
    format!("{:.2}", bytes.into() as f64 / (1024.0 * 1024.0 * 1024.0))
}

/// Human size in 1024-based units with one decimal: `50.2 MB`. Takes `u128`, the type of every
/// total (sums of `u64` sizes never wrap), so units go on past PB.
pub fn human_size(bytes: impl Into<u128>) -> String {
    const UNITS: [&str; 9] = ["B", "KB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    let bytes = bytes.into();
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// `1,234,567` (any unsigned integer up to `u128`, exactly).
pub fn thousands(n: impl Into<u128>) -> String {
    let s = n.into().to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Now, in ms since the Unix epoch.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// A system time in ms since the Unix epoch (0 before it, saturating far after).
pub fn epoch_ms(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `2026-11-30T17:04:05Z`: an epoch-ms time as RFC 3339 UTC, whole seconds (a time outside
/// what RFC 3339 can write gives its ms).
pub fn rfc3339_ms(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms.div_euclid(1000) * 1000) {
        Ok(t) => t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => ms.to_string(),
    }
}

/// `--as-of`: a date (`2026-11-30`, midnight UTC) or an RFC 3339 instant
/// (`2026-11-30T17:04:05Z`, `…+01:00`), as epoch ms.
pub fn parse_as_of(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(t.as_millisecond());
    }
    match s.parse::<jiff::civil::Date>() {
        Ok(d) => d
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp().as_millisecond())
            .map_err(|e| format!("{s:?}: {e}")),
        Err(_) => Err(format!(
            "{s:?} is neither a date (2026-11-30) nor an RFC 3339 time (2026-11-30T17:04:05Z)"
        )),
    }
}

/// A size as people write it, in the units [`human_size`] prints (1024-based): `100MB`, `2 GB`,
/// `512k`, `1TiB`, `4096` (bytes); whole numbers only, units without case.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        "p" | "pb" | "pib" => 50,
        _ => {
            return Err(format!(
                "{s:?}: not a size (a whole number and a unit: 100MB, 2GB, 512KB, 4096)"
            ))
        }
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{s:?}: not a size (a whole number and a unit: 100MB, 2GB, 512KB, 4096)"))?;
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("{s:?}: larger than 16 EB"))
}

/// Local start/end time as the seed printed it.
pub fn now_string() -> String {
    // No timezone database in the sandbox-free host either way: print UTC, labelled.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `1m 5s`, `2h 3m 4s`, `0.4s`.
pub fn duration_string(d: Duration) -> String {
    let s = d.as_secs();
    if s < 10 {
        return format!("{:.1}s", d.as_secs_f64());
    }
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, sec) => format!("{m}m {sec}s"),
        (h, m, sec) => format!("{h}h {m}m {sec}s"),
    }
}

/// The first characters a spreadsheet reads as the start of a formula (OWASP "CSV injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell as a spreadsheet may safely open it: a value that begins with `=`, `+`, `-`, `@`,
/// a tab or a carriage return would be read as a formula, so it gets a leading `'`. Usernames
/// and error messages come from the workspace: they are untrusted. JSON Lines keeps the raw value.
pub fn text_cell(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(FORMULA_STARTS) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

/// A CSV text cell back as [`text_cell`] wrote it: the `'` put before a value a spreadsheet would
/// run is taken off again.
pub fn untext_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_format_like_the_seed() {
        assert_eq!(gib_2dp(0u64), "0.00");
        assert_eq!(gib_2dp(52_678_912u64), "0.05");
        assert_eq!(gib_2dp(48_567_890_123u64), "45.23");
        assert_eq!(human_size(0u64), "0 B");
        assert_eq!(human_size(1023u64), "1023 B");
        assert_eq!(human_size(52_638_515u64), "50.2 MB");
        assert_eq!(human_size(48_567_890_123u64), "45.2 GB");
        assert_eq!(thousands(1234u64), "1,234");
        assert_eq!(rfc3339_ms(1_764_522_245_678), "2025-11-30T17:04:05Z");
        assert_eq!(parse_as_of("2025-11-30T17:04:05Z"), Ok(1_764_522_245_000));
        assert_eq!(parse_as_of("2025-11-30T18:04:05+01:00"), Ok(1_764_522_245_000));
        assert_eq!(parse_as_of("2025-11-30"), Ok(1_764_460_800_000));
        assert!(parse_as_of("last week").unwrap_err().contains("neither a date"));
        assert_eq!(thousands(125_678u64), "125,678");
        assert_eq!(thousands(48_567_890_123u64), "48,567,890,123");
        assert_eq!(thousands(7u32), "7");
        // Totals are u128: past u64 they are still exact.
        let over = u128::from(u64::MAX) + 15;
        assert_eq!(thousands(over), "18,446,744,073,709,551,630");
        assert_eq!(human_size(over), "16.0 EB");
        assert_eq!(human_size(u64::MAX), "16.0 EB");
        assert_eq!(gib_2dp(over), "17179869184.00");
    }

    #[test]
    fn sizes_parse_in_the_units_they_print_in() {
        assert_eq!(parse_size("100MB"), Ok(100 << 20));
        assert_eq!(parse_size(" 2 gb "), Ok(2 << 30));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("1TiB"), Ok(1 << 40));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("0"), Ok(0));
        assert!(parse_size("1.5GB").unwrap_err().contains("not a size"));
        assert!(parse_size("MB").unwrap_err().contains("not a size"));
        assert!(parse_size("-1").unwrap_err().contains("not a size"));
        assert!(parse_size("100 apples").unwrap_err().contains("not a size"));
        assert!(parse_size("99999PB").unwrap_err().contains("larger than"));
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_414), (2025, 11, 22));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn durations() {
        assert_eq!(duration_string(Duration::from_millis(400)), "0.4s");
        assert_eq!(duration_string(Duration::from_secs(335)), "5m 35s");
        assert_eq!(duration_string(Duration::from_secs(3 * 3600 + 62)), "3h 1m 2s");
    }

    #[test]
    fn a_text_cell_reads_back_as_its_value() {
        for v in ["=1+1", "+x", "-3", "@a", "\tx", "\rx", "plain", "", "'"] {
            assert_eq!(untext_cell(&text_cell(v)), v, "{v:?}");
        }
        assert_eq!(text_cell("=1"), "'=1");
        assert_eq!(untext_cell("'plain"), "'plain");
    }
}
