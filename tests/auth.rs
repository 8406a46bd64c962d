//! Authentication through the real binary against the simulator: the Databricks unified-auth
//! precedence (flags → environment → config file), profile selection, the config file's
//! location, aliases, and the Databricks-runtime banner. Secrets never appear in any output.
//! Methods and OAuth M2M: `auth_methods.rs`; `profiles` and `init`: `auth_profiles.rs`.
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

pub(crate) fn scan(extra: &[&str]) -> Run {
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
pub(crate) fn scanned_ok(done: &Done) {
    check!(done, done.code == 0);
    let (_, rows) = done.csv("out.csv");
    check!(
        done,
        rows.len() == 1 && rows[0]["status"] == "success",
        "alice scanned: {rows:?}"
    );
}

/// The banner's `Auth:` line.
pub(crate) fn auth_line(done: &Done) -> String {
    done.stdout
        .lines()
        .find(|l| l.starts_with("Auth: "))
        .unwrap_or_else(|| panic!("no Auth line\n{}", done.explain()))
        .to_string()
}

pub(crate) fn no_secret(done: &Done, secrets: &[&str]) {
    for s in secrets {
        check!(
            done,
            !done.stdout.contains(s) && !done.stderr.contains(s),
            "secret {s:?} printed"
        );
    }
}

pub(crate) fn profile(name: &str, host: &str, token: &str) -> String {
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
