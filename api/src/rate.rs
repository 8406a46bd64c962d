//! The one rate-limit grammar, the host's `--rate-limit` and the simulator's `--rate-limits`:
//! `FAMILY=RATE[,FAMILY=RATE…]`, where RATE is `50` (per second), `50/s`, `50/sec`, `255/60s`
//! (any period in seconds), `120/min` or `120/m`. A later part for the same family wins.

use std::str::FromStr;

use crate::Family;

/// One `FAMILY=RATE` part of a spec.
#[derive(Debug, Clone, PartialEq)]
pub struct RatePart {
    /// The family it sets.
    pub family: Family,
    /// Its rate, in requests per second (finite, positive).
    pub per_sec: f64,
    /// The part as given, without spaces (`workspace=5000`), for messages.
    pub text: String,
}

/// A parsed spec: its parts in the order given (empty parts are skipped).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RateSpec {
    /// The parts, in order.
    pub parts: Vec<RatePart>,
}

impl FromStr for RateSpec {
    type Err = String;

    fn from_str(spec: &str) -> Result<RateSpec, String> {
        let mut parts = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("rate limit {part:?} is not NAME=RATE (e.g. workspace=50)"))?;
            let family = Family::from_name(name.trim()).ok_or_else(|| {
                format!(
                    "unknown API family {:?} in rate limit {part:?} (expected workspace, dbfs, scim or export)",
                    name.trim()
                )
            })?;
            let per_sec = parse_rate(value.trim()).map_err(|e| format!("rate limit {part:?}: {e}"))?;
            parts.push(RatePart {
                family,
                per_sec,
                text: part.replace(' ', ""),
            });
        }
        Ok(RateSpec { parts })
    }
}

/// [`RateSpec::from_str`] as a plain function, for clap's `value_parser`.
pub fn parse_rate_spec(spec: &str) -> Result<RateSpec, String> {
    spec.parse()
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
    fn rate_limit_spec_rejects_unknown_family_and_zero() {
        let e = parse_rate_spec("jobs=5").unwrap_err();
        assert!(e.contains("unknown API family \"jobs\""), "{e}");
        assert!(parse_rate_spec("workspace=0").is_err());
        assert!(parse_rate_spec("workspace").is_err());
        assert!(parse_rate_spec("dbfs=3/2x").is_err());
    }

    #[test]
    fn spec_parts_keep_their_order_and_text() {
        let s: RateSpec = " workspace = 40, ,scim=255/60s ,workspace=5000".parse().unwrap();
        let got: Vec<(Family, f64, &str)> = s.parts.iter().map(|p| (p.family, p.per_sec, p.text.as_str())).collect();
        assert_eq!(
            got,
            [
                (Family::Workspace, 40.0, "workspace=40"),
                (Family::Scim, 4.25, "scim=255/60s"),
                (Family::Workspace, 5000.0, "workspace=5000"),
            ]
        );
        assert_eq!(parse_rate_spec("").unwrap(), RateSpec::default());
    }
}
