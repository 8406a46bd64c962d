//! The config file's profiles through the real binary: `profiles` (hosts, types, the default,
//! never a secret) and `init` (a commented profile that then works, never overwriting).

use crate::auth::{no_secret, scan, scanned_ok};
use crate::util::{fixture, Run, Sim};

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
