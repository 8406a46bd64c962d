//! Precedence, profile-selection and method rules of `resolve`. Every test builds its own
//! `Env` and temp config file; the real HOME is never read.

use super::*;
use std::path::Path;

/// A temp HOME with an optional `.databrickscfg`.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new(cfg: Option<&str>) -> Home {
        let dir = tempfile::tempdir().unwrap();
        if let Some(c) = cfg {
            std::fs::write(dir.path().join(".databrickscfg"), c).unwrap();
        }
        Home { dir }
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn cfg(&self) -> PathBuf {
        self.dir.path().join(".databrickscfg")
    }
    fn env(&self, pairs: &[(&str, &str)]) -> Env {
        let mut v: Vec<(String, String)> = vec![("HOME".into(), self.path().to_str().unwrap().into())];
        v.extend(pairs.iter().map(|(k, val)| (k.to_string(), val.to_string())));
        Env::from_pairs(v)
    }
}

fn flags(host: Option<&str>, token: Option<&str>, profile: Option<&str>, auth_type: Option<&str>) -> AuthFlags {
    AuthFlags {
        host: host.map(Into::into),
        token: token.map(Into::into),
        token_file: None,
        profile: profile.map(Into::into),
        auth_type: auth_type.map(Into::into),
    }
}

fn no_flags() -> AuthFlags {
    AuthFlags::default()
}

fn token_of(r: &ResolvedAuth) -> &str {
    match &r.method {
        Method::Pat { token } => token.expose(),
        m => panic!("expected pat, got {m:?}"),
    }
}

const TWO_PROFILES: &str = "\
[DEFAULT]
host = https://default.example.com
token = default-token

[PROD]
host = prod.example.com/
token = prod-token
cluster_id = 0101-prod
rate_limit = 7.5
";

// ---- precedence -------------------------------------------------------------------------

#[test]
fn flags_give_host_and_token() {
    let home = Home::new(None);
    let r = resolve(
        &flags(Some("h.example.com"), Some("flag-token"), None, None),
        &home.env(&[]),
    )
    .unwrap();
    assert_eq!(r.host.as_str(), "https://h.example.com/");
    assert_eq!(r.host_str(), "https://h.example.com");
    assert_eq!(token_of(&r), "flag-token");
    assert_eq!(r.source.to_string(), "--host/--token flags");
}

#[test]
fn environment_gives_host_and_token() {
    let home = Home::new(None);
    let env = home.env(&[
        ("DATABRICKS_HOST", "https://env.example.com/"),
        ("DATABRICKS_TOKEN", "env-token"),
    ]);
    let r = resolve(&no_flags(), &env).unwrap();
    assert_eq!(r.host_str(), "https://env.example.com");
    assert_eq!(token_of(&r), "env-token");
    assert_eq!(r.source.to_string(), "environment (DATABRICKS_HOST, DATABRICKS_TOKEN)");
}

#[test]
fn flags_win_over_environment_field_by_field() {
    let home = Home::new(None);
    let env = home.env(&[
        ("DATABRICKS_HOST", "env.example.com"),
        ("DATABRICKS_TOKEN", "env-token"),
    ]);
    let r = resolve(&flags(None, Some("flag-token"), None, None), &env).unwrap();
    assert_eq!(r.host_str(), "https://env.example.com");
    assert_eq!(token_of(&r), "flag-token");
    assert_eq!(r.source.to_string(), "--token flag + environment (DATABRICKS_HOST)");
    let r = resolve(&flags(Some("flag.example.com"), None, None, None), &env).unwrap();
    assert_eq!(r.host_str(), "https://flag.example.com");
    assert_eq!(token_of(&r), "env-token");
}

#[test]
fn environment_wins_over_the_profile_seed_bug_fixed() {
    // The seed let the profile beat the environment; the SDKs (and we) do the opposite.
    let home = Home::new(Some(TWO_PROFILES));
    let env = home.env(&[("DATABRICKS_CONFIG_PROFILE", "PROD"), ("DATABRICKS_TOKEN", "env-token")]);
    let r = resolve(&no_flags(), &env).unwrap();
    assert_eq!(r.host_str(), "https://prod.example.com", "host still from the profile");
    assert_eq!(token_of(&r), "env-token");
    assert_eq!(
        r.source.to_string(),
        format!(
            "environment (DATABRICKS_TOKEN) + profile 'PROD' in {}",
            home.cfg().display()
        )
    );
}

#[test]
fn flags_win_over_the_profile() {
    let home = Home::new(Some(TWO_PROFILES));
    let r = resolve(
        &flags(Some("other.example.com"), None, Some("PROD"), None),
        &home.env(&[]),
    )
    .unwrap();
    assert_eq!(r.host_str(), "https://other.example.com");
    assert_eq!(token_of(&r), "prod-token");
    assert!(
        r.source.to_string().starts_with("--host flag + profile 'PROD'"),
        "{}",
        r.source
    );
}

#[test]
fn config_file_is_not_read_when_environment_gives_a_host_and_no_profile_is_asked() {
    // A broken file proves it is never opened.
    let home = Home::new(Some("this is not ini\n"));
    let env = home.env(&[("DATABRICKS_HOST", "env.example.com"), ("DATABRICKS_TOKEN", "t")]);
    assert!(resolve(&no_flags(), &env).is_ok());
    // Host only: no credentials, and the message says why the file was skipped.
    let home = Home::new(Some(TWO_PROFILES));
    let env = home.env(&[("DATABRICKS_HOST", "env.example.com")]);
    let e = resolve(&no_flags(), &env).unwrap_err();
    assert!(matches!(e, AuthError::NoCredentials { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("config file not read (DATABRICKS_HOST given and no profile asked for"),
        "{msg}"
    );
    assert!(!msg.contains("default-token"));
}

#[test]
fn config_file_is_not_read_when_environment_gives_credentials_only() {
    let home = Home::new(Some(TWO_PROFILES));
    let env = home.env(&[("DATABRICKS_TOKEN", "env-token")]);
    let e = resolve(&no_flags(), &env).unwrap_err();
    assert!(matches!(e, AuthError::NoHost { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("DATABRICKS_TOKEN given and no profile asked for"),
        "{e}"
    );
    let env = home.env(&[("DATABRICKS_CLIENT_ID", "cid"), ("DATABRICKS_CLIENT_SECRET", "cs")]);
    assert!(matches!(resolve(&no_flags(), &env), Err(AuthError::NoHost { .. })));
}

#[test]
fn config_file_is_not_read_when_flags_give_the_host() {
    let home = Home::new(Some(TWO_PROFILES));
    let e = resolve(&flags(Some("h.example.com"), None, None, None), &home.env(&[])).unwrap_err();
    assert!(matches!(e, AuthError::NoCredentials { .. }));
    assert!(e.to_string().contains("--host given"), "{e}");
}

#[test]
fn config_file_is_read_when_a_profile_is_asked_even_with_env_credentials() {
    let home = Home::new(Some(TWO_PROFILES));
    let env = home.env(&[
        ("DATABRICKS_HOST", "env.example.com"),
        ("DATABRICKS_TOKEN", "env-token"),
    ]);
    let r = resolve(&flags(None, None, Some("PROD"), None), &env).unwrap();
    assert_eq!(r.host_str(), "https://env.example.com");
    assert_eq!(token_of(&r), "env-token");
    assert_eq!(
        r.cluster_id.as_deref(),
        Some("0101-prod"),
        "other fields still come from the profile"
    );
    assert_eq!(r.rate_limit, Some(7.5));
    assert_eq!(r.source.profile, None, "the profile supplied no host or credentials");
}

#[test]
fn cluster_id_only_in_env_does_not_stop_the_file_being_read() {
    let home = Home::new(Some(TWO_PROFILES));
    let r = resolve(&no_flags(), &home.env(&[("DATABRICKS_CLUSTER_ID", "env-cluster")])).unwrap();
    assert_eq!(token_of(&r), "default-token");
    assert_eq!(r.cluster_id.as_deref(), Some("env-cluster"));
}

#[test]
fn workspace_url_is_an_alias_of_host_and_host_wins() {
    let home = Home::new(None);
    let env = home.env(&[
        ("DATABRICKS_WORKSPACE_URL", "seed.example.com"),
        ("DATABRICKS_TOKEN", "t"),
    ]);
    let r = resolve(&no_flags(), &env).unwrap();
    assert_eq!(r.host_str(), "https://seed.example.com");
    assert_eq!(
        r.source.to_string(),
        "environment (DATABRICKS_WORKSPACE_URL, DATABRICKS_TOKEN)"
    );
    let env = home.env(&[
        ("DATABRICKS_WORKSPACE_URL", "seed.example.com"),
        ("DATABRICKS_HOST", "host.example.com"),
        ("DATABRICKS_TOKEN", "t"),
    ]);
    assert_eq!(
        resolve(&no_flags(), &env).unwrap().host_str(),
        "https://host.example.com"
    );
}

#[test]
fn workspace_url_alone_also_skips_the_config_file() {
    let home = Home::new(Some(TWO_PROFILES));
    let env = home.env(&[("DATABRICKS_WORKSPACE_URL", "seed.example.com")]);
    assert!(matches!(
        resolve(&no_flags(), &env),
        Err(AuthError::NoCredentials { .. })
    ));
}

#[test]
fn blank_flags_and_variables_count_as_unset() {
    let home = Home::new(Some(TWO_PROFILES));
    let env = home.env(&[("DATABRICKS_HOST", ""), ("DATABRICKS_TOKEN", "  ")]);
    let r = resolve(&flags(Some(""), Some(" "), None, None), &env).unwrap();
    assert_eq!(token_of(&r), "default-token");
}

#[test]
fn databricks_runtime_uses_the_environment_host() {
    let home = Home::new(None);
    let env = home.env(&[
        ("DATABRICKS_RUNTIME_VERSION", "15.4"),
        ("DATABRICKS_HOST", "cluster-ws.example.com"),
    ]);
    let r = resolve(&flags(None, Some("t"), None, None), &env).unwrap();
    assert!(r.in_databricks_runtime);
    assert_eq!(r.runtime_version.as_deref(), Some("15.4"));
    assert_eq!(r.host_str(), "https://cluster-ws.example.com");
    assert!(
        r.describe().contains("inside Databricks runtime 15.4"),
        "{}",
        r.describe()
    );
    // Outside a runtime the flag is off.
    let r = resolve(&flags(Some("h"), Some("t"), None, None), &home.env(&[])).unwrap();
    assert!(!r.in_databricks_runtime);
    assert!(!r.describe().contains("runtime"));
}

#[test]
fn databricks_runtime_host_follows_the_usual_precedence() {
    // Decision (docs/decisions.md, "Databricks runtime"): no special case inside a runtime; env beats profile field by field,
    // as the SDKs do, and --host beats both.
    let home = Home::new(Some(TWO_PROFILES));
    let env = home.env(&[
        ("DATABRICKS_RUNTIME_VERSION", "15.4"),
        ("DATABRICKS_HOST", "cluster-ws.example.com"),
    ]);
    let r = resolve(&flags(None, None, Some("PROD"), None), &env).unwrap();
    assert_eq!(r.host_str(), "https://cluster-ws.example.com");
    assert_eq!(token_of(&r), "prod-token");
    let r = resolve(&flags(Some("flag.example.com"), None, Some("PROD"), None), &env).unwrap();
    assert_eq!(r.host_str(), "https://flag.example.com");
    // Runtime without an environment host: the config file is read as usual.
    let env = home.env(&[("DATABRICKS_RUNTIME_VERSION", "15.4")]);
    let r = resolve(&no_flags(), &env).unwrap();
    assert_eq!(
        r.host_str(),
        "https://default.example.com",
        "the file's DEFAULT still applies"
    );
}

// ---- profile selection -----------------------------------------------------------------------

#[test]
fn default_profile_is_used_when_nothing_is_given() {
    let home = Home::new(Some(TWO_PROFILES));
    let r = resolve(&no_flags(), &home.env(&[])).unwrap();
    assert_eq!(r.host_str(), "https://default.example.com");
    assert_eq!(token_of(&r), "default-token");
    assert_eq!(
        r.source.to_string(),
        format!("profile 'DEFAULT' in {}", home.cfg().display())
    );
    assert_eq!(
        r.source.profile.as_ref().unwrap().selected_by,
        ProfileSelection::Default
    );
}

#[test]
fn settings_default_profile_beats_default() {
    let home = Home::new(Some(&format!(
        "{TWO_PROFILES}\n[__settings__]\ndefault_profile = PROD\n"
    )));
    let r = resolve(&no_flags(), &home.env(&[])).unwrap();
    assert_eq!(token_of(&r), "prod-token");
    assert_eq!(
        r.source.profile.as_ref().unwrap().selected_by,
        ProfileSelection::SettingsDefault
    );
}

#[test]
fn settings_default_profile_that_is_missing_is_an_error() {
    let home = Home::new(Some(&format!(
        "{TWO_PROFILES}\n[__settings__]\ndefault_profile = GONE\n"
    )));
    let e = resolve(&no_flags(), &home.env(&[])).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, AuthError::ProfileNotFound { .. }));
    assert!(
        msg.contains("'GONE'") && msg.contains("default_profile") && msg.contains("DEFAULT, PROD"),
        "{msg}"
    );
}

#[test]
fn profile_flag_selects_a_profile() {
    let home = Home::new(Some(TWO_PROFILES));
    let r = resolve(&flags(None, None, Some("PROD"), None), &home.env(&[])).unwrap();
    assert_eq!(r.host_str(), "https://prod.example.com");
    assert_eq!(token_of(&r), "prod-token");
    assert_eq!(r.source.profile.as_ref().unwrap().selected_by, ProfileSelection::Flag);
}

#[test]
fn config_profile_variable_selects_a_profile_and_the_flag_beats_it() {
    let home = Home::new(Some(TWO_PROFILES));
    let env = home.env(&[("DATABRICKS_CONFIG_PROFILE", "PROD")]);
    let r = resolve(&no_flags(), &env).unwrap();
    assert_eq!(token_of(&r), "prod-token");
    assert_eq!(r.source.profile.as_ref().unwrap().selected_by, ProfileSelection::Env);
    let r = resolve(&flags(None, None, Some("DEFAULT"), None), &env).unwrap();
    assert_eq!(token_of(&r), "default-token");
}

#[test]
fn unknown_profile_is_an_error_listing_the_profiles_never_a_silent_default() {
    let home = Home::new(Some(TWO_PROFILES));
    let e = resolve(&flags(None, None, Some("prod"), None), &home.env(&[])).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, AuthError::ProfileNotFound { .. }));
    assert!(
        msg.contains("profile 'prod' (asked for with --profile) not found in"),
        "{msg}"
    );
    assert!(msg.contains(&home.cfg().display().to_string()));
    assert!(msg.contains("profiles there: DEFAULT, PROD"), "{msg}");
    assert!(!msg.contains("token"), "no values: {msg}");
    let e = resolve(&no_flags(), &home.env(&[("DATABRICKS_CONFIG_PROFILE", "NOPE")])).unwrap_err();
    assert!(e.to_string().contains("DATABRICKS_CONFIG_PROFILE"), "{e}");
}

#[test]
fn asking_for_a_profile_without_a_config_file_names_the_file() {
    let home = Home::new(None);
    let e = resolve(&flags(None, None, Some("PROD"), None), &home.env(&[])).unwrap_err();
    assert!(matches!(e, AuthError::ConfigFileNotFound { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains(&home.cfg().display().to_string()) && msg.contains("'PROD'"),
        "{msg}"
    );
    assert!(msg.contains("dbx-inventory init"), "{msg}");
}

#[test]
fn no_file_and_nothing_else_says_where_it_looked() {
    let home = Home::new(None);
    let e = resolve(&no_flags(), &home.env(&[])).unwrap_err();
    assert!(matches!(e, AuthError::NoHost { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("--host (not given)") && msg.contains("DATABRICKS_HOST"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("config file {} (not found)", home.cfg().display())),
        "{msg}"
    );
    assert!(msg.contains("dbx-inventory init"), "{msg}");
}

#[test]
fn config_file_variable_is_honoured() {
    let home = Home::new(Some(TWO_PROFILES));
    let other = home.path().join("elsewhere.ini");
    std::fs::write(
        &other,
        "[DEFAULT]\nhost = elsewhere.example.com\ntoken = elsewhere-token\n",
    )
    .unwrap();
    let r = resolve(
        &no_flags(),
        &home.env(&[("DATABRICKS_CONFIG_FILE", other.to_str().unwrap())]),
    )
    .unwrap();
    assert_eq!(token_of(&r), "elsewhere-token");
    assert_eq!(r.source.profile.as_ref().unwrap().file, other);
    let r = resolve(&no_flags(), &home.env(&[("DATABRICKS_CONFIG_FILE", "~/elsewhere.ini")])).unwrap();
    assert_eq!(token_of(&r), "elsewhere-token");
    let e = resolve(
        &flags(None, None, Some("X"), None),
        &home.env(&[("DATABRICKS_CONFIG_FILE", "/nonexistent/cfg")]),
    )
    .unwrap_err();
    assert!(e.to_string().contains("/nonexistent/cfg"), "{e}");
}

#[test]
fn the_default_section_is_not_merged_into_other_profiles() {
    // As the Python SDK (it reads configparser's raw sections) and the Go SDK.
    let home = Home::new(Some(
        "[DEFAULT]\ntoken = default-token\n[PROD]\nhost = prod.example.com\n",
    ));
    let e = resolve(&flags(None, None, Some("PROD"), None), &home.env(&[])).unwrap_err();
    assert!(matches!(e, AuthError::NoCredentials { .. }), "{e}");
    assert!(e.to_string().contains("profile 'PROD' in"), "{e}");
}

#[test]
fn lowercase_default_section_gets_a_hint() {
    let home = Home::new(Some("[default]\nhost = h.example.com\ntoken = t\n"));
    let e = resolve(&no_flags(), &home.env(&[])).unwrap_err();
    assert!(e.to_string().contains("case-sensitive: use --profile default"), "{e}");
}

#[test]
fn profile_host_is_normalised() {
    let home = Home::new(Some(
        "[DEFAULT]\nhost = https://dbc-1.cloud.databricks.com:443/?o=1\ntoken = t\n",
    ));
    assert_eq!(
        resolve(&no_flags(), &home.env(&[])).unwrap().host_str(),
        "https://dbc-1.cloud.databricks.com"
    );
}

#[test]
fn invalid_host_names_its_source() {
    let home = Home::new(None);
    let e = resolve(
        &flags(None, Some("t"), None, None),
        &home.env(&[("DATABRICKS_HOST", "ftp://x")]),
    )
    .unwrap_err();
    assert!(e.to_string().contains("environment variable DATABRICKS_HOST"), "{e}");
}

// ---- methods ---------------------------------------------------------------------------------

#[test]
fn client_id_and_secret_select_oauth_m2m() {
    let home = Home::new(None);
    let env = home.env(&[
        ("DATABRICKS_HOST", "h"),
        ("DATABRICKS_CLIENT_ID", "cid"),
        ("DATABRICKS_CLIENT_SECRET", "cs"),
    ]);
    let r = resolve(&no_flags(), &env).unwrap();
    assert_eq!(
        r.method,
        Method::OAuthM2m {
            client_id: "cid".into(),
            client_secret: Secret::new("cs")
        }
    );
    assert_eq!(r.method.auth_type(), "oauth-m2m");
    assert_eq!(
        r.source.to_string(),
        "environment (DATABRICKS_HOST, DATABRICKS_CLIENT_ID, DATABRICKS_CLIENT_SECRET)"
    );
    assert!(r.describe().contains("oauth-m2m, client_id cid"), "{}", r.describe());
}

#[test]
fn m2m_from_a_profile() {
    let home = Home::new(Some(
        "[SP]\nhost = h.example.com\nclient_id = cid\nclient_secret = cs\n",
    ));
    let r = resolve(&flags(None, None, Some("SP"), None), &home.env(&[])).unwrap();
    assert_eq!(r.method.auth_type(), "oauth-m2m");
}

#[test]
fn token_and_client_credentials_without_auth_type_is_the_sdk_error() {
    let home = Home::new(None);
    let env = home.env(&[
        ("DATABRICKS_HOST", "h.example.com"),
        ("DATABRICKS_TOKEN", "HUNTER2-TOKEN"),
        ("DATABRICKS_CLIENT_ID", "cid"),
        ("DATABRICKS_CLIENT_SECRET", "HUNTER2-CS"),
    ]);
    let e = resolve(&no_flags(), &env).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with(
            "validate: more than one authorization method configured: oauth and pat. Config: host=https://h.example.com, token=***, client_id=cid, client_secret=***"
        ),
        "{msg}"
    );
    assert!(
        msg.contains("token from environment variable DATABRICKS_TOKEN"),
        "{msg}"
    );
    assert!(msg.contains("auth_type"), "{msg}");
    assert!(!msg.contains("HUNTER2"), "{msg}");
}

#[test]
fn mixed_sources_also_conflict() {
    // Token from the environment, client credentials from the profile: still two methods.
    let home = Home::new(Some("[SP]\nhost = h\nclient_id = cid\nclient_secret = HUNTER2\n"));
    let env = home.env(&[("DATABRICKS_CONFIG_PROFILE", "SP"), ("DATABRICKS_TOKEN", "HUNTER2-T")]);
    let e = resolve(&no_flags(), &env).unwrap_err();
    assert!(matches!(e, AuthError::MultipleMethods { .. }));
    assert!(e.to_string().contains("client_id from profile 'SP' in"), "{e}");
}

#[test]
fn auth_type_selects_between_two_methods() {
    let home = Home::new(Some(
        "[BOTH]\nhost = h\ntoken = tok\nclient_id = cid\nclient_secret = cs\n",
    ));
    let r = resolve(&flags(None, None, Some("BOTH"), Some("pat")), &home.env(&[])).unwrap();
    assert_eq!(token_of(&r), "tok");
    assert!(r.source.flags.contains(&"--auth-type"));
    let r = resolve(
        &flags(None, None, Some("BOTH"), None),
        &home.env(&[("DATABRICKS_AUTH_TYPE", "OAuth-M2M")]),
    )
    .unwrap();
    assert_eq!(r.method.auth_type(), "oauth-m2m");
    let home = Home::new(Some(
        "[BOTH]\nhost = h\ntoken = tok\nclient_id = cid\nclient_secret = cs\nauth_type = pat\n",
    ));
    let r = resolve(&flags(None, None, Some("BOTH"), None), &home.env(&[])).unwrap();
    assert_eq!(token_of(&r), "tok");
}

#[test]
fn auth_type_without_its_credentials_is_an_error() {
    let home = Home::new(None);
    let env = home.env(&[("DATABRICKS_HOST", "h"), ("DATABRICKS_TOKEN", "t")]);
    let e = resolve(&flags(None, None, None, Some("oauth-m2m")), &env).unwrap_err();
    assert!(matches!(e, AuthError::IncompleteCredentials { .. }), "{e}");
    let env = home.env(&[
        ("DATABRICKS_HOST", "h"),
        ("DATABRICKS_CLIENT_ID", "c"),
        ("DATABRICKS_CLIENT_SECRET", "s"),
    ]);
    let e = resolve(&flags(None, None, None, Some("pat")), &env).unwrap_err();
    assert!(
        e.to_string()
            .contains("auth_type is pat (from the --auth-type flag) but no token"),
        "{e}"
    );
}

#[test]
fn unsupported_auth_type_is_named() {
    let home = Home::new(Some("[AZ]\nhost = adb-1.azuredatabricks.net\nauth_type = azure-cli\n"));
    let e = resolve(&flags(None, None, Some("AZ"), None), &home.env(&[])).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, AuthError::UnsupportedAuthType { .. }));
    assert!(msg.starts_with("auth_type 'azure-cli' (from profile 'AZ' in"), "{msg}");
    assert!(msg.contains("supports pat") && msg.contains("oauth-m2m"), "{msg}");
    let env = home.env(&[
        ("DATABRICKS_HOST", "h"),
        ("DATABRICKS_TOKEN", "t"),
        ("DATABRICKS_AUTH_TYPE", "databricks-cli"),
    ]);
    let msg = resolve(&no_flags(), &env).unwrap_err().to_string();
    assert!(
        msg.contains("'databricks-cli'") && msg.contains("environment variable DATABRICKS_AUTH_TYPE"),
        "{msg}"
    );
    assert!(msg.contains("personal access token"), "{msg}");
    let env = home.env(&[("DATABRICKS_HOST", "h"), ("DATABRICKS_TOKEN", "t")]);
    let msg = resolve(&flags(None, None, None, Some("magic")), &env)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("'magic'") && msg.contains("not a known Databricks one"),
        "{msg}"
    );
}

#[test]
fn profile_with_only_unsupported_method_keys_is_named() {
    let home = Home::new(Some(
        "[AZ]\nhost = h\nazure_client_id = a\nazure_client_secret = HUNTER2\nazure_tenant_id = t\n",
    ));
    let e = resolve(&flags(None, None, Some("AZ"), None), &home.env(&[])).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, AuthError::UnsupportedAuthType { .. }), "{msg}");
    assert!(
        msg.contains("azure authentication (keys azure_client_id, azure_client_secret, azure_tenant_id)"),
        "{msg}"
    );
    assert!(!msg.contains("HUNTER2"));
    // With a token as well: two methods, as the SDKs say.
    let home = Home::new(Some("[AZ]\nhost = h\ntoken = t\nazure_client_id = a\n"));
    let e = resolve(&flags(None, None, Some("AZ"), None), &home.env(&[])).unwrap_err();
    assert!(
        e.to_string()
            .contains("more than one authorization method configured: azure and pat"),
        "{e}"
    );
}

#[test]
fn half_of_the_client_credentials_is_an_error() {
    let home = Home::new(None);
    let env = home.env(&[("DATABRICKS_HOST", "h"), ("DATABRICKS_CLIENT_ID", "cid")]);
    let e = resolve(&no_flags(), &env).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, AuthError::IncompleteCredentials { .. }));
    assert!(
        msg.contains("client_id is set (from environment variable DATABRICKS_CLIENT_ID) but client_secret is not"),
        "{msg}"
    );
}

#[test]
fn no_credentials_says_where_it_looked_and_how_to_fix() {
    let home = Home::new(Some("[DEFAULT]\nhost = h.example.com\n"));
    let e = resolve(&no_flags(), &home.env(&[])).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, AuthError::NoCredentials { .. }));
    assert!(
        msg.contains("no credentials configured for https://h.example.com"),
        "{msg}"
    );
    assert!(
        msg.contains("--token, --token-file (not given)") && msg.contains("DATABRICKS_TOKEN"),
        "{msg}"
    );
    assert!(
        msg.contains("profile 'DEFAULT' in") && msg.contains("the [DEFAULT] profile"),
        "{msg}"
    );
    for fix in ["--token", "DATABRICKS_TOKEN", "--profile", "dbx-inventory init"] {
        assert!(msg.contains(fix), "{fix}: {msg}");
    }
}

#[test]
fn token_with_spaces_is_refused_without_echoing_it() {
    let home = Home::new(None);
    let e = resolve(&flags(Some("h"), Some("Bearer HUNTER2"), None, None), &home.env(&[])).unwrap_err();
    assert!(matches!(e, AuthError::InvalidValue { .. }));
    assert!(!e.to_string().contains("HUNTER2"), "{e}");
}

#[test]
fn a_token_file_is_the_token_flag_read_from_a_file() {
    let home = Home::new(Some(TWO_PROFILES));
    let file = home.path().join("token.txt");
    std::fs::write(&file, "dapi-from-file\n").unwrap();
    let with_file = |token: Option<&str>| AuthFlags {
        token_file: Some(file.clone()),
        ..flags(Some("h.example.com"), token, None, None)
    };
    // Same place as --token: it beats the environment (and the file is not read).
    let r = resolve(&with_file(None), &home.env(&[("DATABRICKS_TOKEN", "dapi-env")])).unwrap();
    assert_eq!(token_of(&r), "dapi-from-file");
    assert!(r.describe().contains("--token-file"), "{}", r.describe());
    assert!(!r.describe().contains("dapi-from-file"), "{}", r.describe());
    // Both ways at once is refused, naming neither value.
    let e = resolve(&with_file(Some("dapi-flag")), &home.env(&[])).unwrap_err();
    assert!(matches!(e, AuthError::TokenFile { .. }), "{e}");
    assert!(e.to_string().contains("--token is given too"), "{e}");
    // A bad file names the file, not the content.
    std::fs::write(&file, "dapi-from-file\nsecond line\n").unwrap();
    let e = resolve(&with_file(None), &home.env(&[])).unwrap_err().to_string();
    assert!(e.contains("token.txt") && e.contains("more than one line"), "{e}");
    assert!(!e.contains("dapi-from-file") && !e.contains("second line"), "{e}");
}

#[test]
fn rate_limit_and_cluster_id() {
    let home = Home::new(Some(TWO_PROFILES));
    let r = resolve(
        &flags(None, None, Some("PROD"), None),
        &home.env(&[("DATABRICKS_RATE_LIMIT", "3")]),
    )
    .unwrap();
    assert_eq!(r.rate_limit, Some(3.0), "env beats profile");
    assert_eq!(r.cluster_id.as_deref(), Some("0101-prod"));
    let e = resolve(
        &flags(None, None, Some("PROD"), None),
        &home.env(&[("DATABRICKS_RATE_LIMIT", "fast")]),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("invalid rate_limit from environment variable DATABRICKS_RATE_LIMIT"),
        "{e}"
    );
    let r = resolve(&flags(Some("h"), Some("t"), None, None), &home.env(&[])).unwrap();
    assert_eq!((r.rate_limit, r.cluster_id), (None, None));
}

#[test]
fn nothing_printable_contains_a_secret() {
    let home = Home::new(Some(
        "[P]\nhost = h\ntoken = HUNTER2-P\n[M]\nhost = h\nclient_id = cid\nclient_secret = HUNTER2-M\n",
    ));
    let mut shown = Vec::new();
    for (f, env) in [
        (flags(None, None, Some("P"), None), vec![]),
        (flags(None, None, Some("M"), None), vec![]),
        (
            flags(None, None, Some("M"), None),
            vec![("DATABRICKS_TOKEN", "HUNTER2-E")],
        ),
        (flags(None, None, Some("P"), Some("oauth-m2m")), vec![]),
        (flags(Some("h"), Some("HUNTER2-F"), None, Some("nope")), vec![]),
        (flags(None, Some("HUNTER2-F"), None, None), vec![]),
    ] {
        match resolve(&f, &home.env(&env)) {
            Ok(r) => {
                shown.push(format!("{r:?}"));
                shown.push(r.describe());
                shown.push(r.source.to_string());
                shown.push(r.rejection_message(401));
            }
            Err(e) => {
                shown.push(e.to_string());
                shown.push(format!("{e:?}"));
            }
        }
    }
    for s in shown {
        assert!(!s.contains("HUNTER2"), "{s}");
    }
}

#[test]
fn rejection_message_names_method_and_source() {
    let home = Home::new(None);
    let env = home.env(&[("DATABRICKS_HOST", "h.example.com"), ("DATABRICKS_TOKEN", "t")]);
    let msg = resolve(&no_flags(), &env).unwrap().rejection_message(401);
    assert!(msg.starts_with("https://h.example.com refused the personal access token (HTTP 401); credentials from environment (DATABRICKS_HOST, DATABRICKS_TOKEN)"), "{msg}");
}
