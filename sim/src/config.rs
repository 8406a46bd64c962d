//! Simulator configuration: what to serve and how hard to push back.
//!
//! [`SimConfig`] is plain data, validated once by [`crate::start`]. [`Limits`] holds the published
//! Databricks rate limits by default and applies a `--rate-limits` spec (the host's grammar,
//! [`RateSpec`]).

use dbx_api::{Family, RateSpec, UserKey};

use crate::fixture::Fixture;

/// Rate and concurrency limits (defaults: the published per-workspace limits).
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Workspace API requests per second (`workspace/*`).
    pub workspace_per_sec: f64,
    /// DBFS API requests per second (`dbfs/*`).
    pub dbfs_per_sec: f64,
    /// SCIM requests per minute (`preview/scim/v2/*`).
    pub scim_per_min: f64,
    /// Workspace export requests per second (`workspace/export`: its own limit, apart from `list`).
    pub export_per_sec: f64,
    /// Requests in flight at once across all APIs; 0 means no cap.
    pub max_concurrent: usize,
    /// Send an integer `Retry-After` header with 429s.
    pub retry_after: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            workspace_per_sec: Family::Workspace.published_per_sec(),
            dbfs_per_sec: Family::Dbfs.published_per_sec(),
            scim_per_min: Family::Scim.published_per_sec() * 60.0,
            export_per_sec: Family::Export.published_per_sec(),
            max_concurrent: 20,
            retry_after: true,
        }
    }
}

impl Limits {
    /// Applies a `--rate-limits` spec such as `workspace=50,dbfs=30,scim=255/60s` on top of
    /// `self`. Families not named keep their value.
    pub fn apply(&mut self, spec: &RateSpec) {
        for part in &spec.parts {
            let per_sec = part.per_sec;
            match part.family {
                Family::Workspace => self.workspace_per_sec = per_sec,
                Family::Dbfs => self.dbfs_per_sec = per_sec,
                Family::Scim => self.scim_per_min = per_sec * 60.0,
                Family::Export => self.export_per_sec = per_sec,
            }
        }
    }
}

/// Everything [`crate::start`] needs.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// What to serve.
    pub fixture: Fixture,
    /// Rate and concurrency limits; `None` disables them (`--no-limits`).
    pub limits: Option<Limits>,
    /// Mean added latency per request in ms (log-normal jitter); 0 = none.
    pub latency_ms: u64,
    /// Extra latency per listed entry, in microseconds (only applied when `latency_ms > 0`).
    pub latency_per_entry_us: u64,
    /// Probability that an API request gets a random fault (500/503/504/reset/truncated/slow/HTML).
    pub fault_rate: f64,
    /// Seed for jitter and random faults.
    pub seed: u64,
    /// Accepted personal access tokens (`Authorization: Bearer <token>`).
    pub tokens: Vec<String>,
    /// OAuth M2M clients: (client_id, client_secret).
    pub clients: Vec<(String, String)>,
    /// Personal access tokens of non-admin users: (token, userName). Such a token sees only its
    /// own folder of `/Users` and of `/Repos` (another user's answers 404, as Databricks does for
    /// a folder the caller may not read); DBFS and SCIM answer as for an admin. The user must be a
    /// fixture user.
    pub user_tokens: Vec<(String, String)>,
    /// OAuth clients (by id) that are not workspace admins: their tokens see the Workspace as a
    /// `user_tokens` user does, their own folders only (an account's principal that was added
    /// to a workspace as a plain user).
    pub non_admin_clients: Vec<String>,
    /// Lifetime of issued OAuth access tokens, in seconds.
    pub oauth_token_ttl_secs: u64,
    /// Largest SCIM page the server returns, whatever `count` asks for.
    pub scim_max_page: usize,
    /// How long a `slow` fault stalls before answering, in seconds.
    pub slow_fault_secs: u64,
    /// Largest object `workspace/export` returns (the real service's limit is 10 MB); a larger
    /// notebook answers `400 MAX_NOTEBOOK_SIZE_EXCEEDED`.
    pub max_export_bytes: u64,
    /// A workspace without DBFS (`--no-dbfs`): GCP workspaces have the DBFS API off by default,
    /// and the "disable legacy DBFS" setting turns DBFS root and mounts off elsewhere. Every DBFS
    /// API request then answers `403 PERMISSION_DENIED` `Public DBFS root is disabled. Access is
    /// denied on path: <path>` (see `sim/README.md`); limits, faults and statistics still apply.
    pub dbfs_disabled: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            fixture: Fixture::default(),
            limits: Some(Limits::default()),
            latency_ms: 0,
            latency_per_entry_us: 20,
            fault_rate: 0.0,
            seed: 0,
            tokens: vec!["dapi-sim".to_string()],
            clients: Vec::new(),
            user_tokens: Vec::new(),
            non_admin_clients: Vec::new(),
            oauth_token_ttl_secs: 3600,
            scim_max_page: 100,
            slow_fault_secs: 120,
            max_export_bytes: 10 * 1024 * 1024,
            dbfs_disabled: false,
        }
    }
}

impl SimConfig {
    /// Checks ranges once, before anything is bound.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.fixture.validate()?;
        if !(0.0..=1.0).contains(&self.fault_rate) {
            anyhow::bail!("fault rate {} is not between 0 and 1", self.fault_rate);
        }
        if self.scim_max_page == 0 {
            anyhow::bail!("the SCIM page cap must be at least 1");
        }
        self.validate_user_tokens()?;
        if let Some(l) = &self.limits {
            for (name, v) in [
                ("workspace", l.workspace_per_sec),
                ("dbfs", l.dbfs_per_sec),
                ("scim", l.scim_per_min),
                ("export", l.export_per_sec),
            ] {
                if !(v.is_finite() && v > 0.0) {
                    anyhow::bail!("the {name} rate limit must be positive, not {v}");
                }
            }
        }
        Ok(())
    }
}

impl SimConfig {
    /// A user token needs a token, a fixture user, and a token no other principal has.
    fn validate_user_tokens(&self) -> anyhow::Result<()> {
        for (i, (token, user)) in self.user_tokens.iter().enumerate() {
            let flag = format!("--user-token {}=…", mask(token));
            if token.is_empty() || user.is_empty() {
                anyhow::bail!("{flag}: expected TOKEN=USERNAME with neither part empty");
            }
            if self.tokens.contains(token) {
                anyhow::bail!("{flag}: the token is also an admin token (--token); give each principal its own token");
            }
            if self.user_tokens[..i].iter().any(|(t, _)| t == token) {
                anyhow::bail!("{flag}: the token is given twice");
            }
            if !self
                .fixture
                .users
                .iter()
                .any(|u| UserKey::of(&u.user_name) == UserKey::of(user))
            {
                anyhow::bail!(
                    "{flag}: {user:?} is not a user of the served workspace (the fixture's `users`); \
                     a user token authenticates as an existing SCIM user"
                );
            }
        }
        Ok(())
    }
}

/// The first four characters of a token, for messages.
fn mask(token: &str) -> String {
    let head: String = token.chars().take(4).collect();
    format!("{head}****")
}

/// Parses `--user-token TOKEN=USERNAME` (the token may not contain `=`; the username may).
pub fn parse_user_token(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((t, u)) if !t.is_empty() && !u.trim().is_empty() => Ok((t.to_string(), u.trim().to_string())),
        _ => Err(format!(
            "{:?} is not TOKEN=USERNAME (e.g. --user-token dapi-bob=bob@example.com)",
            mask(s)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_tokens_are_validated_and_parsed() {
        assert_eq!(
            parse_user_token("t=a@x.com").unwrap(),
            ("t".to_string(), "a@x.com".to_string())
        );
        assert!(parse_user_token("t").unwrap_err().contains("TOKEN=USERNAME"));
        assert!(parse_user_token("=a@x.com").is_err());
        assert!(parse_user_token("t=").is_err());
        let mut c = SimConfig {
            fixture: crate::fixture::Fixture::from_json(r#"{"users":[{"userName":"a@x.com"}]}"#).unwrap(),
            user_tokens: vec![("t-user".into(), "A@x.com".into())],
            ..Default::default()
        };
        c.validate().unwrap();
        c.user_tokens = vec![("t-user".into(), "nobody@x.com".into())];
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("--user-token t-us****") && e.contains("nobody@x.com"), "{e}");
        c.user_tokens = vec![("dapi-sim".into(), "a@x.com".into())];
        assert!(c.validate().unwrap_err().to_string().contains("also an admin token"));
    }

    #[test]
    fn rate_limit_spec_parses_per_second_and_per_minute() {
        let spec = |s: &str| s.parse::<RateSpec>().unwrap();
        let mut l = Limits::default();
        assert!((l.scim_per_min - 255.0).abs() < 1e-9);
        l.apply(&spec("workspace=100,dbfs=10,scim=120/60s"));
        assert_eq!(l.workspace_per_sec, 100.0);
        assert_eq!(l.dbfs_per_sec, 10.0);
        assert!((l.scim_per_min - 120.0).abs() < 1e-9);
        l.apply(&spec("scim=2"));
        assert!((l.scim_per_min - 120.0).abs() < 1e-9);
        l.apply(&spec("scim=30/min"));
        assert!((l.scim_per_min - 30.0).abs() < 1e-9);
        assert_eq!(Limits::default().export_per_sec, 60.0);
        l.apply(&spec("export=20"));
        assert_eq!((l.export_per_sec, l.workspace_per_sec), (20.0, 100.0));
    }
}
