//! Authentication methods through the real binary: two methods without `auth_type` refused as
//! the SDKs do, unsupported types named, OAuth M2M with short-lived tokens (through a profile and
//! the environment), and refused credentials named by source, never by value.

use crate::auth::{auth_line, no_secret, profile, scan, scanned_ok};
use crate::util::{fixture, Done, Run, Sim};

// ---------------------------------------------------------------- methods

pub(crate) fn oauth_sim(fixture: dbx_sim::Fixture, ttl: u64) -> Sim {
    Sim::start_with(dbx_sim::SimConfig {
        fixture,
        limits: None,
        clients: vec![("sp-client".into(), "sp-secret-0123456789".into())],
        oauth_token_ttl_secs: ttl,
        slow_fault_secs: 1,
        ..Default::default()
    })
}

/// A `~/.databrickscfg` with profile `sp`: `oauth_sim`'s client at `url`.
pub(crate) fn sp_profile(url: &str) -> String {
    format!("[sp]\nhost = {url}\nclient_id = sp-client\nclient_secret = sp-secret-0123456789\n")
}

#[test]
fn two_methods_without_auth_type_are_refused_as_the_sdks_do() {
    let sim = oauth_sim(fixture("semantics"), 3600);
    let env = |run: &mut Run| {
        run.env("DATABRICKS_HOST", &sim.url)
            .env("DATABRICKS_TOKEN", "dapi-sim")
            .env("DATABRICKS_CLIENT_ID", "sp-client")
            .env("DATABRICKS_CLIENT_SECRET", "sp-secret-0123456789");
    };
    let mut run = scan(&[]);
    env(&mut run);
    let done = run.run();
    check!(
        done,
        done.code == 1
            && done.stderr.contains("more than one authorization method")
            && done.stderr.contains("auth_type")
    );
    no_secret(&done, &["dapi-sim", "sp-secret-0123456789"]);
    // auth_type picks one: by flag ...
    let mut run = scan(&["--auth-type", "oauth-m2m"]);
    env(&mut run);
    let done = run.run();
    scanned_ok(&done);
    check!(done, auth_line(&done).contains("oauth-m2m, client_id sp-client"));
    // ... or by environment.
    let mut run = scan(&[]);
    env(&mut run);
    run.env("DATABRICKS_AUTH_TYPE", "pat");
    let done = run.run();
    scanned_ok(&done);
    check!(done, auth_line(&done).contains("(pat,"));
    // The same conflict in a profile.
    let run = scan(&[]);
    run.write(
        ".databrickscfg",
        &format!(
            "[DEFAULT]\nhost = {}\ntoken = dapi-sim\nclient_id = sp-client\nclient_secret = sp-secret-0123456789\n",
            sim.url
        ),
    );
    let done = run.run();
    check!(
        done,
        done.code == 1 && done.stderr.contains("more than one authorization method")
    );
    no_secret(&done, &["dapi-sim", "sp-secret-0123456789"]);
}

#[test]
fn unsupported_auth_types_are_named() {
    let sim = Sim::start(fixture("semantics"));
    let mut run = scan(&["--auth-type", "azure-cli"]);
    run.env("DATABRICKS_HOST", &sim.url).env("DATABRICKS_TOKEN", "dapi-sim");
    let done = run.run();
    check!(
        done,
        done.code == 1 && done.stderr.contains("azure-cli") && done.stderr.contains("not supported")
    );
    check!(done, done.stderr.contains("--auth-type"));
    let run = scan(&[]);
    run.write(
        ".databrickscfg",
        &format!("[DEFAULT]\nhost = {}\nauth_type = databricks-cli\n", sim.url),
    );
    let done = run.run();
    check!(
        done,
        done.code == 1 && done.stderr.contains("databricks-cli") && done.stderr.contains("not supported")
    );
}

/// Three users with one Workspace file each; every Workspace listing stalls one second, so a
/// sequential scan lasts at least three seconds.
fn slow_fixture() -> dbx_sim::Fixture {
    let mut fx = dbx_sim::Fixture::default();
    for u in ["u1", "u2", "u3"] {
        fx.users.push(dbx_sim::UserEntry {
            user_name: format!("{u}@example.com"),
            active: Some(true),
            ..Default::default()
        });
        fx.workspace.push(dbx_sim::WorkspaceEntry {
            path: format!("/Users/{u}@example.com/f.txt"),
            object_type: Some("FILE".into()),
            size: Some(10),
            ..Default::default()
        });
    }
    let mut slow = dbx_sim::Fault::new("workspace", "/Users/*", 500);
    slow.kind = Some("slow".into());
    fx.faults.push(slow);
    fx
}

const SLOW_SCAN: &[&str] = &[
    "scan",
    "u1@example.com",
    "u2@example.com",
    "u3@example.com",
    "--workspace-only",
    "--concurrency",
    "1",
    "-o",
    "out.csv",
];

fn slow_scan_ok(sim: &Sim, done: &Done) {
    check!(done, done.code == 0);
    let (_, rows) = done.csv("out.csv");
    check!(
        done,
        rows.len() == 3 && rows.iter().all(|r| r["status"] == "success" && r["total_size"] == "10")
    );
    // Tokens live 2 s (refreshed 1 s early); the scan lasts over 3 s: several tokens were needed.
    let tokens = sim.requests("oauth/token");
    check!(done, tokens > 1, "{tokens} token request(s)");
    let refused = sim
        .stats()
        .by_endpoint
        .get("workspace/list")
        .and_then(|m| m.get(&401).copied())
        .unwrap_or(0);
    check!(done, refused == 0, "{refused} requests were sent with an expired token");
    no_secret(done, &["sp-secret-0123456789"]);
}

#[test]
fn oauth_m2m_through_a_profile_outlives_several_tokens() {
    let sim = oauth_sim(slow_fixture(), 2);
    let run = Run::new(&[SLOW_SCAN, &["--profile", "sp"]].concat());
    run.write(".databrickscfg", &sp_profile(&sim.url));
    let done = run.run();
    slow_scan_ok(&sim, &done);
    check!(
        done,
        auth_line(&done).contains("oauth-m2m, client_id sp-client, from profile 'sp'")
    );
}

#[test]
fn oauth_m2m_through_the_environment_outlives_several_tokens() {
    let sim = oauth_sim(slow_fixture(), 2);
    let mut run = Run::new(SLOW_SCAN);
    run.env("DATABRICKS_HOST", &sim.url)
        .env("DATABRICKS_CLIENT_ID", "sp-client")
        .env("DATABRICKS_CLIENT_SECRET", "sp-secret-0123456789");
    let done = run.run();
    slow_scan_ok(&sim, &done);
    check!(
        done,
        auth_line(&done).contains("environment (DATABRICKS_HOST, DATABRICKS_CLIENT_ID, DATABRICKS_CLIENT_SECRET)")
    );
}

#[test]
fn a_wrong_client_secret_is_a_clear_error_without_the_secret() {
    let sim = oauth_sim(fixture("semantics"), 3600);
    let mut run = scan(&[]);
    run.env("DATABRICKS_HOST", &sim.url)
        .env("DATABRICKS_CLIENT_ID", "sp-client")
        .env("DATABRICKS_CLIENT_SECRET", "not-the-secret-987");
    let done = run.run();
    check!(done, done.code == 1);
    check!(
        done,
        done.stderr.contains("cannot authenticate") && done.stderr.contains("sp-client")
    );
    check!(
        done,
        done.stderr.contains("rejected the client credentials") && done.stderr.contains("Fix:")
    );
    check!(
        done,
        done.stderr.contains("DATABRICKS_CLIENT_SECRET"),
        "says where the credentials came from"
    );
    no_secret(&done, &["not-the-secret-987", "sp-secret-0123456789"]);
    check!(done, !done.dir.join("out.csv").exists());
}

#[test]
fn a_refused_token_names_its_source_not_its_value() {
    let sim = Sim::start(fixture("semantics"));
    let run = scan(&["--profile", "PROD"]);
    run.write(".databrickscfg", &profile("PROD", &sim.url, "dapi-revoked-55555"));
    let done = run.run();
    check!(
        done,
        done.code == 1 && done.stderr.contains("401") && done.stderr.contains("profile 'PROD'")
    );
    no_secret(&done, &["dapi-revoked-55555"]);
}
