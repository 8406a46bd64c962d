//! Precedence: flags, then environment, then the profile; when the config file is not read at all.

use super::*;

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
