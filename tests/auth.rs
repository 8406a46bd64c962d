//! Authentication through the real binary against the simulator: the Databricks unified-auth
//! precedence (flags → environment → config file), profile selection, the config file's
//! location, aliases, method conflicts, OAuth M2M with short-lived tokens, `--list-profiles`,
//! `init`, and the Databricks-runtime banner. Secrets never appear in any output.
//!
//! A "dead" host (a loopback port nobody listens on) or a wrong token stands for the source that
//! must lose: the run only succeeds if the winning source was used.

use crate::util::{fixture, Done, Run, Sim};

const SCAN: &[&str] = &[
    "scan",
    "alice@example.com",
    "-o",
    "out.csv",
    "--retry-base-ms",
    "20",
    "--retry-attempts",
    "2",
];

fn scan(extra: &[&str]) -> Run {
    let mut args = SCAN.to_vec();
    args.extend_from_slice(extra);
    Run::new(&args)
}

/// A loopback URL nobody listens on (bound, then released).
fn dead_host() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

/// The run scanned alice successfully.
fn scanned_ok(done: &Done) {
    check!(done, done.code == 0);
    let (_, rows) = done.csv("out.csv");
    check!(
        done,
        rows.len() == 1 && rows[0]["status"] == "success",
        "alice scanned: {rows:?}"
    );
}

/// The banner's `Auth:` line.
fn auth_line(done: &Done) -> String {
    done.stdout
        .lines()
        .find(|l| l.starts_with("Auth: "))
        .unwrap_or_else(|| panic!("no Auth line\n{}", done.explain()))
        .to_string()
}

fn no_secret(done: &Done, secrets: &[&str]) {
    for s in secrets {
        check!(
            done,
            !done.stdout.contains(s) && !done.stderr.contains(s),
            "secret {s:?} printed"
        );
    }
}

fn profile(name: &str, host: &str, token: &str) -> String {
    format!("[{name}]\nhost = {host}\ntoken = {token}\n\n")
}

// ---------------------------------------------------------------- precedence

#[test]
fn flags_beat_the_environment() {
    let sim = Sim::start(fixture("semantics"));
    let mut run = scan(&["--host", &sim.url, "--token", "dapi-sim"]);
    run.env("DATABRICKS_HOST", &dead_host())
        .env("DATABRICKS_TOKEN", "dapi-env-wrong");
    let done = run.run();
    scanned_ok(&done);
    check!(done, auth_line(&done).contains("from --host/--token flags"));
    no_secret(&done, &["dapi-sim", "dapi-env-wrong"]);
}

#[test]
fn a_token_file_or_standard_input_keeps_the_token_off_the_command_line() {
    let sim = Sim::start(fixture("semantics"));
    // Same place as --token: it beats DATABRICKS_TOKEN; one trailing newline is stripped.
    let mut run = scan(&["--host", &sim.url, "--token-file", "tok.txt"]);
    run.write("tok.txt", "dapi-sim\n");
    run.env("DATABRICKS_TOKEN", "dapi-env-wrong");
    let done = run.run();
    scanned_ok(&done);
    check!(done, auth_line(&done).contains("from --host/--token-file flags"));
    no_secret(&done, &["dapi-sim", "dapi-env-wrong"]);
    // `-` reads standard input.
    let mut run = scan(&["--host", &sim.url, "--token-file", "-"]);
    run.stdin(b"dapi-sim\r\n");
    let done = run.run();
    scanned_ok(&done);
    no_secret(&done, &["dapi-sim"]);
    // A file that is not the token alone is refused, naming the file and not its content.
    let run = scan(&["--host", &sim.url, "--token-file", "tok.txt"]);
    run.write("tok.txt", "[DEFAULT]\ntoken = dapi-sim\n");
    let done = run.run();
    check!(
        done,
        done.code == 1 && done.stderr.contains("token file tok.txt") && done.stderr.contains("more than one line")
    );
    no_secret(&done, &["dapi-sim"]);
    // Standard input cannot be both the token and the users.
    let done = scan(&["--host", &sim.url, "--token-file", "-", "--users-file", "-"]).run();
    check!(
        done,
        done.code == 2
            && done
                .stderr
                .contains("--token-file - and --users-file - both read standard input")
    );
    let done = scan(&["--host", &sim.url, "--token-file", "tok.txt", "--token", "dapi-sim"]).run();
    check!(done, done.code == 2 && done.stderr.contains("--token-file"));
    // --help warns about --token in the process list.
    let help = Run::new(&["scan", "--help"]).run();
    check!(
        help,
        help.stdout.contains("process list") && help.stdout.contains("--token-file <FILE>")
    );
}

#[test]
fn flags_and_environment_fill_fields_separately() {
    let sim = Sim::start(fixture("semantics"));
    let mut run = scan(&["--host", &sim.url]);
    run.env("DATABRICKS_HOST", &dead_host())
        .env("DATABRICKS_TOKEN", "dapi-sim");
    let done = run.run();
    scanned_ok(&done);
    check!(
        done,
        auth_line(&done).contains("--host flag + environment (DATABRICKS_TOKEN)")
    );
}

#[test]
fn the_environment_beats_the_default_profile() {
    let sim = Sim::start(fixture("semantics"));
    let mut run = scan(&[]);
    run.write(".databrickscfg", &profile("DEFAULT", &dead_host(), "dapi-file-wrong"));
    run.env("DATABRICKS_HOST", &sim.url).env("DATABRICKS_TOKEN", "dapi-sim");
    let done = run.run();
    scanned_ok(&done);
    check!(
        done,
        auth_line(&done).contains("from environment (DATABRICKS_HOST, DATABRICKS_TOKEN)")
    );
}

#[test]
fn the_config_file_is_not_read_when_the_environment_gives_host_and_credentials() {
    let sim = Sim::start(fixture("semantics"));
    let broken = "[DEFAULT\nthis is not a config file\n";
    // Read, this file is an error naming it ...
    let run = scan(&[]);
    run.write(".databrickscfg", broken);
    let done = run.run();
    check!(
        done,
        done.code == 1
            && done.stderr.contains("cannot parse the config file")
            && done.stderr.contains(".databrickscfg")
    );
    // ... but with host and token in the environment and no profile asked for, it is not read.
    let mut run = scan(&[]);
    run.write(".databrickscfg", broken);
    run.env("DATABRICKS_HOST", &sim.url).env("DATABRICKS_TOKEN", "dapi-sim");
    scanned_ok(&run.run());
    // Asking for a profile reads it (and fails on it), even with the environment set.
    let mut run = scan(&["--profile", "DEFAULT"]);
    run.write(".databrickscfg", broken);
    run.env("DATABRICKS_HOST", &sim.url).env("DATABRICKS_TOKEN", "dapi-sim");
    let done = run.run();
    check!(
        done,
        done.code == 1 && done.stderr.contains("cannot parse the config file")
    );
}

#[test]
fn a_host_in_the_environment_alone_does_not_take_credentials_from_the_file() {
    let sim = Sim::start(fixture("semantics"));
    let cfg = profile("DEFAULT", &dead_host(), "dapi-sim");
    let mut run = scan(&[]);
    run.write(".databrickscfg", &cfg);
    run.env("DATABRICKS_HOST", &sim.url);
    let done = run.run();
    check!(
        done,
        done.code == 1 && done.stderr.contains("no credentials configured")
    );
    // Asking for the profile merges field by field: host from the environment, token from the file.
    let mut run = scan(&[]);
    run.write(".databrickscfg", &cfg);
    run.env("DATABRICKS_HOST", &sim.url)
        .env("DATABRICKS_CONFIG_PROFILE", "DEFAULT");
    let done = run.run();
    scanned_ok(&done);
    check!(
        done,
        auth_line(&done).contains("environment (DATABRICKS_HOST) + profile 'DEFAULT'")
    );
}

// ---------------------------------------------------------------- profile selection

fn two_profiles(sim: &Sim) -> String {
    format!(
        "{}{}",
        profile("DEFAULT", &dead_host(), "dapi-default-wrong"),
        profile("PROD", &sim.url, "dapi-sim")
    )
}

#[test]
fn profile_flag_selects_a_profile() {
    let sim = Sim::start(fixture("semantics"));
    let run = scan(&["--profile", "PROD"]);
    run.write(".databrickscfg", &two_profiles(&sim));
    let done = run.run();
    scanned_ok(&done);
    check!(done, auth_line(&done).contains("profile 'PROD'"));
    no_secret(&done, &["dapi-sim", "dapi-default-wrong"]);
    // -p is the short form.
    let run = scan(&["-p", "PROD"]);
    run.write(".databrickscfg", &two_profiles(&sim));
    scanned_ok(&run.run());
}

#[test]
fn config_profile_variable_selects_a_profile_and_the_flag_beats_it() {
    let sim = Sim::start(fixture("semantics"));
    let mut run = scan(&[]);
    run.write(".databrickscfg", &two_profiles(&sim));
    run.env("DATABRICKS_CONFIG_PROFILE", "PROD");
    scanned_ok(&run.run());

    let cfg = format!(
        "{}{}",
        two_profiles(&sim),
        profile("STAGING", &dead_host(), "dapi-staging-wrong")
    );
    let mut run = scan(&["--profile", "PROD"]);
    run.write(".databrickscfg", &cfg);
    run.env("DATABRICKS_CONFIG_PROFILE", "STAGING");
    let done = run.run();
    scanned_ok(&done);
    check!(done, auth_line(&done).contains("profile 'PROD'"));
}

#[test]
fn settings_default_profile_beats_the_default_section() {
    let sim = Sim::start(fixture("semantics"));
    let run = scan(&[]);
    run.write(
        ".databrickscfg",
        &format!("[__settings__]\ndefault_profile = PROD\n\n{}", two_profiles(&sim)),
    );
    let done = run.run();
    scanned_ok(&done);
    check!(done, auth_line(&done).contains("profile 'PROD'"));
}

#[test]
fn the_default_section_is_used_when_nothing_else_names_a_profile() {
    let sim = Sim::start(fixture("semantics"));
    let run = scan(&[]);
    run.write(
        ".databrickscfg",
        &format!(
            "{}{}",
            profile("DEFAULT", &sim.url, "dapi-sim"),
            profile("PROD", &dead_host(), "x")
        ),
    );
    let done = run.run();
    scanned_ok(&done);
    check!(done, auth_line(&done).contains("profile 'DEFAULT'"));
}

#[test]
fn an_unknown_profile_is_an_error_listing_the_existing_ones() {
    let sim = Sim::start(fixture("semantics"));
    for (flag, var) in [(Some("NOPE"), None), (None, Some("NOPE"))] {
        let mut run = match flag {
            Some(p) => scan(&["--profile", p]),
            None => scan(&[]),
        };
        if let Some(v) = var {
            run.env("DATABRICKS_CONFIG_PROFILE", v);
        }
        run.write(".databrickscfg", &two_profiles(&sim));
        let done = run.run();
        check!(done, done.code == 1);
        check!(
            done,
            done.stderr.contains("profile 'NOPE'") && done.stderr.contains("DEFAULT, PROD")
        );
        check!(done, !done.stdout.contains("Auth:"), "no silent fallback to DEFAULT");
        no_secret(&done, &["dapi-sim", "dapi-default-wrong"]);
    }
}

#[test]
fn a_profile_asked_for_without_a_config_file_says_where_it_looked() {
    let done = scan(&["--profile", "PROD"]).run();
    check!(
        done,
        done.code == 1 && done.stderr.contains(".databrickscfg") && done.stderr.contains("does not exist")
    );
    check!(done, done.stderr.contains("dbx-inventory init"));
}

#[test]
fn config_file_variable_points_at_another_file() {
    let sim = Sim::start(fixture("semantics"));
    let mut run = scan(&[]);
    run.write(".databrickscfg", &profile("DEFAULT", &dead_host(), "dapi-home-wrong"));
    let other = run.write("team.cfg", &profile("DEFAULT", &sim.url, "dapi-sim"));
    run.env("DATABRICKS_CONFIG_FILE", other.to_str().unwrap());
    let done = run.run();
    scanned_ok(&done);
    check!(done, auth_line(&done).contains("team.cfg"));
}

// ---------------------------------------------------------------- host

#[test]
fn workspace_url_variable_is_an_alias_and_databricks_host_wins() {
    let sim = Sim::start(fixture("semantics"));
    let mut run = scan(&[]);
    run.env("DATABRICKS_WORKSPACE_URL", &sim.url)
        .env("DATABRICKS_TOKEN", "dapi-sim");
    scanned_ok(&run.run());
    let mut run = scan(&[]);
    run.env("DATABRICKS_WORKSPACE_URL", &dead_host())
        .env("DATABRICKS_HOST", &sim.url)
        .env("DATABRICKS_TOKEN", "dapi-sim");
    scanned_ok(&run.run());
}

#[test]
fn hosts_are_normalised() {
    let sim = Sim::start(fixture("semantics"));
    // A trailing slash and a path pasted from the browser are dropped.
    let done = scan(&["--host", &format!("{}/?o=123#folder", sim.url), "--token", "dapi-sim"]).run();
    scanned_ok(&done);
    check!(done, done.stdout.contains(&format!("Workspace: {}\n", sim.url)));
    // No scheme: https:// is added (the simulator speaks plain http, so this one cannot connect).
    let bare = sim.url.trim_start_matches("http://").to_string();
    let done = scan(&["--workspace-url", &bare, "--token", "dapi-sim"]).run();
    check!(done, done.code == 1 && done.stderr.contains(&format!("https://{bare}")));
}

// ---------------------------------------------------------------- methods

fn oauth_sim(fixture: dbx_sim::Fixture, ttl: u64) -> Sim {
    Sim::start_with(dbx_sim::SimConfig {
        fixture,
        limits: None,
        clients: vec![("sp-client".into(), "sp-secret-0123456789".into())],
        oauth_token_ttl_secs: ttl,
        slow_fault_secs: 1,
        ..Default::default()
    })
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
    run.write(
        ".databrickscfg",
        &format!(
            "[sp]\nhost = {}\nclient_id = sp-client\nclient_secret = sp-secret-0123456789\n",
            sim.url
        ),
    );
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

// ---------------------------------------------------------------- Databricks runtime

#[test]
fn inside_a_databricks_runtime_the_banner_says_so_and_the_environment_host_is_used() {
    let sim = Sim::start(fixture("semantics"));
    let mut run = scan(&[]);
    run.write(".databrickscfg", &profile("DEFAULT", &dead_host(), "dapi-file-wrong"));
    run.env("DATABRICKS_RUNTIME_VERSION", "15.4")
        .env("DATABRICKS_HOST", &sim.url)
        .env("DATABRICKS_TOKEN", "dapi-sim");
    let done = run.run();
    scanned_ok(&done);
    check!(
        done,
        done.stdout
            .contains("Running inside a Databricks cluster (DATABRICKS_RUNTIME_VERSION set)")
    );
    check!(done, auth_line(&done).contains("inside Databricks runtime 15.4"));
    // Outside a runtime, no such line.
    let done = Run::scan(&sim, &["alice@example.com"]).run();
    check!(done, done.code == 0 && !done.stdout.contains("Databricks cluster"));
}

// ---------------------------------------------------------------- profiles

const PROFILES: &str = "\
[__settings__]
default_profile = sp

[DEFAULT]
host = dbc-1111.cloud.databricks.com
token = dapi-default-secret-111

[sp]
host = https://dbc-2222.cloud.databricks.com/
client_id = sp-client
client_secret = sp-secret-0123456789

[both]
host = https://dbc-3333.cloud.databricks.com
token = dapi-both-secret-333
client_id = c
client_secret = both-client-secret-333
";

#[test]
fn list_profiles_shows_hosts_and_types_marks_the_default_and_never_a_secret() {
    for args in [
        &["profiles"][..],
        &["scan", "--list-profiles"],
        &["users", "--list-profiles"],
    ] {
        let run = Run::new(args);
        run.write(".databrickscfg", PROFILES);
        let done = run.run();
        check!(done, done.code == 0);
        let line = |name: &str| {
            done.stdout
                .lines()
                .find(|l| l.split_whitespace().any(|w| w == name))
                .unwrap_or_else(|| panic!("no line for {name}\n{}", done.explain()))
                .to_string()
        };
        let d = line("DEFAULT");
        check!(
            done,
            d.contains("https://dbc-1111.cloud.databricks.com") && d.contains("pat") && !d.starts_with('*')
        );
        let sp = line("sp");
        check!(
            done,
            sp.starts_with('*') && sp.contains("https://dbc-2222.cloud.databricks.com") && sp.contains("oauth-m2m")
        );
        check!(done, line("both").contains("set auth_type"));
        check!(done, !done.stdout.contains("__settings__"));
        check!(done, done.stdout.contains(".databrickscfg"), "names the file");
        no_secret(
            &done,
            &[
                "dapi-default-secret-111",
                "sp-secret-0123456789",
                "dapi-both-secret-333",
                "both-client-secret-333",
            ],
        );
    }
}

#[test]
fn list_profiles_reads_the_config_file_variable() {
    let mut run = Run::new(&["profiles"]);
    let p = run.write(
        "elsewhere.cfg",
        "[team]\nhost = https://team.cloud.databricks.com\ntoken = dapi-x\n",
    );
    run.env("DATABRICKS_CONFIG_FILE", p.to_str().unwrap());
    let done = run.run();
    check!(
        done,
        done.code == 0 && done.stdout.contains("team") && done.stdout.contains("elsewhere.cfg")
    );
}

#[test]
fn no_profiles_points_at_init_and_names_the_file() {
    let done = Run::new(&["profiles"]).run();
    check!(done, done.code == 0);
    check!(done, done.stdout.contains("dbx-inventory init"));
    check!(
        done,
        done.stdout
            .contains(&done.dir.join(".databrickscfg").display().to_string())
    );
    check!(done, done.stdout.contains("does not exist"));
    let run = Run::new(&["profiles"]);
    run.write(".databrickscfg", "# nothing yet\n");
    let done = run.run();
    check!(
        done,
        done.code == 0 && done.stdout.contains("has no profiles") && done.stdout.contains("dbx-inventory init")
    );
}

#[test]
fn list_profiles_on_a_broken_file_names_it() {
    let run = Run::new(&["profiles"]);
    run.write(".databrickscfg", "[DEFAULT\n");
    let done = run.run();
    check!(
        done,
        done.code == 1 && done.stderr.contains(".databrickscfg") && done.stderr.contains("line 1")
    );
}

// ---------------------------------------------------------------- init

#[test]
fn init_creates_a_commented_profile_that_then_works() {
    let sim = Sim::start(fixture("semantics"));
    let done = Run::new(&["init", "--profile", "sim", "--host", &format!("{}/", sim.url)]).run();
    check!(done, done.code == 0 && done.stdout.contains("Created"));
    // The host is in the profile: the next step asks only for the credentials.
    check!(
        done,
        done.stdout.contains(": set either token") && !done.stdout.contains("set host"),
        "init --host does not ask to set the host"
    );
    let cfg = done.file(".databrickscfg");
    check!(
        done,
        cfg.contains("[sim]") && cfg.contains(&format!("host = {}\n", sim.url))
    );
    check!(
        done,
        cfg.contains("# token = ") && cfg.contains("# client_id = ") && cfg.contains("# client_secret = ")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(done.dir.join(".databrickscfg"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "the config file holds credentials");
    }
    // Fill in the token and use it.
    let filled = cfg.replacen("# token = dapi0123456789abcdef0123456789abcdef", "token = dapi-sim", 1);
    assert_ne!(filled, cfg, "the template has the token line to uncomment");
    let run = scan(&["--profile", "sim"]);
    run.write(".databrickscfg", &filled);
    let done = run.run();
    scanned_ok(&done);
}

#[test]
fn init_never_overwrites_without_force() {
    let run = Run::new(&["init", "--host", "https://dbc-1.cloud.databricks.com"]);
    run.write(
        ".databrickscfg",
        "[DEFAULT]\nhost = https://keep.cloud.databricks.com\ntoken = dapi-keep-me\n",
    );
    let done = run.run();
    check!(
        done,
        done.code == 1 && done.stderr.contains("already exists") && done.stderr.contains("--force")
    );
    check!(done, done.file(".databrickscfg").contains("dapi-keep-me"));
    no_secret(&done, &["dapi-keep-me"]);

    // A new profile is appended; the existing one is untouched.
    let run = Run::new(&["init", "--profile", "NEW"]);
    run.write(
        ".databrickscfg",
        "[DEFAULT]\nhost = https://keep.cloud.databricks.com\ntoken = dapi-keep-me\n",
    );
    let done = run.run();
    check!(done, done.code == 0 && done.stdout.contains("Added profile [NEW]"));
    check!(
        done,
        done.stdout.contains(": set host, then either token"),
        "without --host, the host is asked for"
    );
    let text = done.file(".databrickscfg");
    check!(
        done,
        text.starts_with("[DEFAULT]\nhost = https://keep.cloud.databricks.com\ntoken = dapi-keep-me\n")
            && text.contains("[NEW]")
    );

    // --force replaces that profile and keeps a backup.
    let run = Run::new(&["init", "--host", "https://dbc-1.cloud.databricks.com", "--force"]);
    run.write(
        ".databrickscfg",
        "[DEFAULT]\nhost = https://keep.cloud.databricks.com\ntoken = dapi-keep-me\n\n[OTHER]\nhost = https://o\n",
    );
    let done = run.run();
    check!(
        done,
        done.code == 0 && done.stdout.contains("Replaced profile [DEFAULT]")
    );
    let text = done.file(".databrickscfg");
    check!(
        done,
        text.contains("host = https://dbc-1.cloud.databricks.com")
            && !text.contains("dapi-keep-me")
            && text.contains("[OTHER]")
    );
    check!(done, done.file(".databrickscfg.bak").contains("dapi-keep-me"));
}

#[test]
fn init_print_writes_nothing() {
    let done = Run::new(&[
        "init",
        "--print",
        "--profile",
        "PROD",
        "--host",
        "dbc-9.cloud.databricks.com",
    ])
    .run();
    check!(done, done.code == 0);
    check!(
        done,
        done.stdout.starts_with("[PROD]\n") && done.stdout.contains("host = https://dbc-9.cloud.databricks.com\n")
    );
    check!(done, !done.dir.join(".databrickscfg").exists());
    let done = Run::new(&["init", "--print", "--force"]).run();
    check!(done, done.code == 2);
}

#[test]
fn init_honours_the_config_file_variable_and_rejects_bad_names() {
    let mut run = Run::new(&["init"]);
    let target = run.path("sub/dir/my.cfg");
    run.env("DATABRICKS_CONFIG_FILE", target.to_str().unwrap());
    let done = run.run();
    check!(done, done.code == 0 && done.stdout.contains("my.cfg"));
    check!(done, target.exists() && !done.dir.join(".databrickscfg").exists());

    let done = Run::new(&["init", "--profile", "a]b"]).run();
    check!(done, done.code == 2 && done.stderr.contains("a]b"));
    let done = Run::new(&["init", "--profile", "__settings__", "--print"]).run();
    check!(done, done.code == 2 && done.stderr.contains("__settings__"));
    let done = Run::new(&["init", "--host", "ftp://x"]).run();
    check!(done, done.code == 2 && done.stderr.contains("ftp://x"));
}
