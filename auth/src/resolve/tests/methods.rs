//! Methods: PAT or OAuth M2M, conflicts, unsupported methods, incomplete credentials, token files, other settings, and that no secret is printed.

use super::*;

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

#[test]
fn account_id_comes_from_the_flag_the_environment_or_the_profile_and_is_checked() {
    let home = Home::new(Some(
        "[ACC]\nhost = https://accounts.cloud.databricks.com\naccount_id = acc-from-profile\nclient_id = c\nclient_secret = s\n",
    ));
    let with = |id: Option<&str>, profile: Option<&str>| AuthFlags {
        account_id: id.map(Into::into),
        ..flags(None, None, profile, None)
    };
    let r = resolve(&with(None, Some("ACC")), &home.env(&[])).unwrap();
    assert_eq!(r.account_id.as_deref(), Some("acc-from-profile"));
    let r = resolve(
        &with(None, Some("ACC")),
        &home.env(&[("DATABRICKS_ACCOUNT_ID", "acc-env")]),
    )
    .unwrap();
    assert_eq!(r.account_id.as_deref(), Some("acc-env"));
    let r = resolve(
        &with(Some("acc-flag"), Some("ACC")),
        &home.env(&[("DATABRICKS_ACCOUNT_ID", "acc-env")]),
    )
    .unwrap();
    assert_eq!(r.account_id.as_deref(), Some("acc-flag"));
    let e = resolve(&with(Some("a/../b"), Some("ACC")), &home.env(&[])).unwrap_err();
    assert!(
        matches!(e, AuthError::InvalidValue { .. }) && e.to_string().contains("account_id"),
        "{e}"
    );
}
