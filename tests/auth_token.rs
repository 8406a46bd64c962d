//! `dbx-inventory auth-token` (hidden; the Python package's `credentials()` runs it): the URL and a
//! bearer token as one JSON line on a pipe, resolved as `scan` resolves credentials (a PAT from the
//! environment, OAuth M2M minted from a profile's client); refused credentials named, never shown.

use crate::auth::{no_secret, scan, scanned_ok};
use crate::auth_methods::{oauth_sim, sp_profile};
use crate::util::{fixture, Run, Sim};

fn handed_over(done: &crate::util::Done) -> serde_json::Value {
    check!(done, done.code == 0);
    let lines: Vec<&str> = done.stdout.lines().collect();
    check!(done, lines.len() == 1, "one JSON line: {lines:?}");
    serde_json::from_str(lines[0]).unwrap()
}

#[test]
fn a_pat_from_the_environment_is_handed_over() {
    let sim = Sim::start(fixture("semantics"));
    let mut run = Run::new(&["auth-token"]);
    run.env("DATABRICKS_HOST", &sim.url).env("DATABRICKS_TOKEN", "dapi-sim");
    let done = run.run();
    let v = handed_over(&done);
    check!(
        done,
        v["host"] == sim.url.trim_end_matches('/') && v["token"] == "dapi-sim"
    );
    check!(done, v["expires_ms"].is_null());
    check!(done, v["credential"].as_str().unwrap().contains("environment"));
    check!(done, !done.stderr.contains("dapi-sim"));
}

#[test]
fn an_oauth_token_is_minted_from_a_profiles_client_and_works() {
    let sim = oauth_sim(fixture("semantics"), 3600);
    let run = Run::new(&["auth-token", "--profile", "sp"]);
    run.write(".databrickscfg", &sp_profile(&sim.url));
    let done = run.run();
    let v = handed_over(&done);
    no_secret(&done, &["sp-secret-0123456789"]);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let expires = v["expires_ms"].as_i64().unwrap_or(0);
    check!(
        done,
        expires > now_ms + 600_000,
        "valid at least 10 minutes: {expires} vs {now_ms}"
    );
    check!(done, v["credential"].as_str().unwrap().contains("profile 'sp'"));
    // The minted token is a bearer token the workspace accepts.
    let token = v["token"].as_str().unwrap().to_string();
    let mut scan_run = scan(&[]);
    scan_run
        .env("DATABRICKS_HOST", &sim.url)
        .env("DATABRICKS_TOKEN", &token);
    scanned_ok(&scan_run.run());
}

#[test]
fn missing_or_refused_credentials_are_named_not_shown() {
    let sim = oauth_sim(fixture("semantics"), 3600);
    let done = Run::new(&["auth-token", "--host", &sim.url]).run();
    check!(done, done.code == 1 && done.stdout.is_empty());
    check!(
        done,
        done.stderr.contains("no credentials configured") && done.stderr.contains("Fix:")
    );
    let mut run = Run::new(&["auth-token"]);
    run.env("DATABRICKS_HOST", &sim.url)
        .env("DATABRICKS_CLIENT_ID", "sp-client")
        .env("DATABRICKS_CLIENT_SECRET", "not-the-secret-987");
    let done = run.run();
    check!(done, done.code == 1 && done.stdout.is_empty());
    check!(
        done,
        done.stderr.contains("cannot get a token") && done.stderr.contains("sp-client")
    );
    no_secret(&done, &["not-the-secret-987", "sp-secret-0123456789"]);
}

#[test]
fn a_terminal_is_refused() {
    // util-linux's `script` gives the command a pseudo-terminal as its standard output.
    let out = std::process::Command::new("script")
        .args([
            "-qc",
            &format!("{} auth-token", crate::util::bin().display()),
            "/dev/null",
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABRICKS_HOST", "http://127.0.0.1:9")
        .env("DATABRICKS_TOKEN", "dapi-terminal-secret")
        .output()
        .expect("running `script` (util-linux)");
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("its standard output is a terminal"), "{text}");
    assert!(!text.contains("dapi-terminal-secret"), "{text}");
}
