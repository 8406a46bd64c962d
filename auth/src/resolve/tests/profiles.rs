//! Profile selection: `--profile`, `DATABRICKS_CONFIG_PROFILE`, `[__settings__] default_profile`, `[DEFAULT]`; errors naming the file.

use super::*;

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
