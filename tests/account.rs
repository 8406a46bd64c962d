//! `scan --account-id` and `check --account-id` against a simulated account (`dbx_sim::start_account`):
//! each workspace's rows equal a single-workspace scan of it, a workspace the principal is not
//! assigned to is named while the others complete, a workspace not running is skipped, kill -9
//! and `--resume` give the identical CSV, a non-admin principal gets `not_visible` as in a
//! single scan, and `diff` compares two account runs per workspace.

use std::time::{Duration, Instant};

use crate::util::{journal_user_lines, read_csv, rt, Run, Work};

const CLIENT: (&str, &str) = ("sp-acc", "sp-secret-42");
const ACCOUNT: &str = "acc-0001";

/// A running simulated account, stopped on drop.
struct Account {
    inner: Option<dbx_sim::RunningAccount>,
}

/// A running workspace with `generate(users, seed)`.
fn ws(id: u64, name: &str, users: usize, seed: u64) -> dbx_sim::AccountWorkspace {
    dbx_sim::AccountWorkspace::new(id, name, dbx_sim::generate(users, seed))
}

impl Account {
    fn start(workspaces: Vec<dbx_sim::AccountWorkspace>, base: dbx_sim::SimConfig) -> Account {
        let config = dbx_sim::AccountConfig {
            account_id: ACCOUNT.into(),
            client: (CLIENT.0.into(), CLIENT.1.into()),
            workspaces,
            base,
        };
        let inner = rt().block_on(dbx_sim::start_account(config)).expect("account starts");
        Account { inner: Some(inner) }
    }

    /// No limits, no latency.
    fn quick(workspaces: Vec<dbx_sim::AccountWorkspace>) -> Account {
        Account::start(
            workspaces,
            dbx_sim::SimConfig {
                limits: None,
                ..Default::default()
            },
        )
    }

    fn sim(&self) -> &dbx_sim::RunningAccount {
        self.inner.as_ref().unwrap()
    }

    /// `dbx-inventory SUBCOMMAND` with the account's client in the environment and fast retries.
    fn run(&self, work: &Work, subcommand: &str, host: &str, args: &[&str]) -> Run {
        let mut all = vec![subcommand, "--retry-base-ms", "20", "--host", host];
        all.extend_from_slice(args);
        let mut r = Run::in_dir(work, &all);
        r.env("DATABRICKS_CLIENT_ID", CLIENT.0)
            .env("DATABRICKS_CLIENT_SECRET", CLIENT.1);
        r
    }

    /// `scan --account-id` of this account.
    fn scan(&self, work: &Work, args: &[&str]) -> Run {
        let mut all = vec!["--account-id", ACCOUNT];
        all.extend_from_slice(args);
        self.run(work, "scan", &self.sim().url(), &all)
    }

    /// A single-workspace scan of `deployment` with the same client.
    fn scan_one(&self, work: &Work, deployment: &str, args: &[&str]) -> Run {
        self.run(work, "scan", &self.sim().workspace_url(deployment), args)
    }

    /// Requests a workspace answered, token requests included.
    fn requests(&self, deployment: &str) -> u64 {
        let s = self.sim().stats(deployment);
        s.by_endpoint.values().flat_map(|m| m.values()).sum()
    }
}

impl Drop for Account {
    fn drop(&mut self) {
        if let Some(s) = self.inner.take() {
            rt().block_on(s.shutdown());
        }
    }
}

/// The account CSV's rows of one workspace, without the `workspace` column (as a single scan
/// writes them), and the header likewise.
fn rows_of(path: &std::path::Path, workspace: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header[7], "workspace",
        "the workspace column follows the seed's seven: {header:?}"
    );
    let strip = |rec: Vec<String>| {
        let mut rec = rec;
        rec.remove(7);
        rec
    };
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect::<Vec<_>>())
        .filter(|rec| rec[7] == workspace)
        .map(strip)
        .collect();
    (strip(header), rows)
}

fn csv_records(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

fn four() -> Vec<dbx_sim::AccountWorkspace> {
    let mut c = ws(1003, "ws-c", 3, 3);
    c.workspace_status = "PROVISIONING".into();
    let mut d = ws(1004, "ws-d", 3, 4);
    d.workspace_name = "Other team".into();
    d.client_assigned = false;
    vec![ws(1001, "ws-a", 12, 1), ws(1002, "ws-b", 8, 2), c, d]
}

#[test]
fn each_workspace_rows_equal_its_single_scan_the_unassigned_is_named_and_provisioning_skipped() {
    let acc = Account::quick(four());
    let work = Work::new();
    let done = acc
        .scan(
            &work,
            &[
                "--all-users",
                "-o",
                "acc.csv",
                "--jsonl",
                "acc.jsonl",
                "--html",
                "acc.html",
                "--objects",
                "acc.parquet",
            ],
        )
        .run();
    // ws-d failed: exit 3, named with the fix; the others complete.
    check!(done, done.code == 3);
    check!(
        done,
        done.stderr
            .contains("[ws-d] error: the service principal sp-acc is not assigned to workspace ws-d")
            && done.stderr.contains("Permissions")
            && done.stderr.contains("not scanned in full: ws-d")
    );
    check!(
        done,
        done.stdout.contains("[ws-c] skipped: not running (status PROVISIONING")
    );
    assert_eq!(acc.requests("ws-c"), 0, "a workspace not running is not contacted");
    let all = format!("{}{}", done.stdout, done.stderr);
    assert!(!all.contains(CLIENT.1), "the client secret never shows");

    let single = Work::new();
    for name in ["ws-a", "ws-b"] {
        let one = acc
            .scan_one(&single, name, &["--all-users", "-o", &format!("{name}.csv"), "-q"])
            .run();
        check!(one, one.code == 0);
        let (header, rows) = rows_of(&work.path("acc.csv"), name);
        let (single_header, single_rows) = csv_records(&single.path(&format!("{name}.csv")));
        assert_eq!(header, single_header);
        assert!(!rows.is_empty());
        assert_eq!(
            rows, single_rows,
            "{name}: the account's rows equal a single-workspace scan"
        );
    }
    // One workspace at a time and one request in flight over all: the same rows.
    let serial = acc
        .scan(
            &work,
            &[
                "--all-users",
                "-o",
                "serial.csv",
                "--max-workspaces",
                "1",
                "--account-max-in-flight",
                "1",
                "-q",
            ],
        )
        .run();
    check!(serial, serial.code == 3);
    serial.check_same(
        "the caps change the pace, not the rows",
        work.read("acc.csv"),
        work.read("serial.csv"),
    );
    let (_, all_rows) = csv_records(&work.path("acc.csv"));
    let workspaces: std::collections::BTreeSet<&str> = all_rows.iter().map(|r| r[7].as_str()).collect();
    assert_eq!(workspaces.into_iter().collect::<Vec<_>>(), ["ws-a", "ws-b"]);

    // JSON Lines: every line carries its workspace (`deployment_name`: `workspace` holds the
    // Workspace location's figures); as many lines as CSV rows.
    let jsonl = String::from_utf8(work.read("acc.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), all_rows.len());
    for (line, row) in lines.iter().zip(&all_rows) {
        assert_eq!(line["deployment_name"], row[7].as_str());
        assert!(line["workspace"].is_object() || line["workspace"].is_null());
        assert_eq!(line["username"], row[0].as_str());
    }
    // The HTML report's per-workspace table.
    let html = String::from_utf8(work.read("acc.html")).unwrap();
    for (name, state) in [
        ("ws-a", "scanned"),
        ("ws-b", "scanned"),
        ("ws-d", "failed"),
        ("ws-c", "skipped"),
    ] {
        assert!(
            html.contains(&format!(r#"data-workspace="{name}" data-state="{state}""#)),
            "{name} {state} in the report"
        );
    }
    let a_users = all_rows.iter().filter(|r| r[7] == "ws-a").count();
    assert!(html.contains(&format!(
        r#"data-workspace="ws-a" data-state="scanned" data-users="{a_users}""#
    )));
    // The objects file: each workspace's files under its name, as many as its rows count.
    let top = Run::in_dir(&work, &["top", "acc.parquet", "--by", "user", "--limit", "1000"]).run();
    check!(top, top.code == 0);
    let expected_files: u128 = all_rows.iter().map(|r| r[1].parse::<u128>().unwrap()).sum();
    check!(
        top,
        top.stdout.contains(&thousands(expected_files)),
        "the objects file holds {expected_files} files"
    );
    check!(top, top.stdout.contains("ws-a") && top.stdout.contains("ws-b"));
}

#[test]
fn kill_9_and_resume_of_an_account_run_give_the_identical_csv() {
    let slow = || dbx_sim::SimConfig {
        limits: None,
        latency_ms: 15,
        ..Default::default()
    };
    let workspaces = || {
        vec![
            ws(2001, "east", 30, 11),
            ws(2002, "west", 25, 12),
            ws(2003, "north", 20, 13),
        ]
    };
    let acc = Account::start(workspaces(), slow());
    let args = ["--all-users", "-o", "acc.csv", "-q", "--concurrency", "2"];
    let base = Work::new();
    let full = acc.scan(&base, &args).run();
    check!(full, full.code == 0);
    let expected = base.read("acc.csv");
    // Ctrl-C in a rerun of the finished account run: its outputs are kept, this run's are
    // `.partial`; the `--resume` that finishes removes them.
    let mut rerun = acc.scan(&base, &args).spawn();
    let journal = base.path("acc.workspaces/east.csv.journal");
    let deadline = Instant::now() + Duration::from_secs(60);
    // The finished journal is kept aside first; then the new one fills.
    let kept_aside = || {
        std::fs::read_dir(base.path("acc.workspaces")).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("east.csv.journal.2")
        })
    };
    while !(kept_aside() && journal_user_lines(&journal) >= 3) && Instant::now() < deadline && !rerun.finished() {
        std::thread::sleep(Duration::from_millis(5));
    }
    rerun.signal("INT");
    let stopped = rerun.wait();
    check!(stopped, stopped.code == 130);
    stopped.check_same(
        "a stopped rerun keeps the finished account CSV",
        &expected,
        base.read("acc.csv"),
    );
    assert!(
        base.path("acc.partial.csv").exists(),
        "the stopped rerun's CSV is .partial"
    );
    let mut resume = args.to_vec();
    resume.push("--resume");
    let done = acc.scan(&base, &resume).run();
    check!(done, done.code == 0 && !base.path("acc.partial.csv").exists());
    done.check_same("the rerun, resumed", &expected, base.read("acc.csv"));

    let work = Work::new();
    let journals = ["east", "west", "north"].map(|n| work.path(&format!("acc.workspaces/{n}.csv.journal")));
    let recorded = || journals.iter().map(|j| journal_user_lines(j)).sum::<usize>();
    let mut kills = 0;
    for round in 0..3 {
        let before = recorded();
        let mut child = acc.scan(&work, &resume).spawn();
        let deadline = Instant::now() + Duration::from_secs(60);
        while recorded() < before + 4 + round * 3 && Instant::now() < deadline && !child.finished() {
            std::thread::sleep(Duration::from_millis(5));
        }
        let done = child.kill();
        if done.signal == Some(9) {
            kills += 1;
        }
    }
    assert!(kills >= 2, "the account run was killed mid-scan ({kills} kills)");
    assert!(
        recorded() < 75,
        "the kills left users to scan ({} recorded)",
        recorded()
    );
    // SIGTERM stops every workspace's run cleanly: exit 130, what finished is kept.
    let before = recorded();
    let mut child = acc.scan(&work, &resume).spawn();
    let deadline = Instant::now() + Duration::from_secs(60);
    while recorded() < before + 3 && Instant::now() < deadline && !child.finished() {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.signal("TERM");
    let stopped = child.wait();
    check!(stopped, stopped.code == 130 && stopped.stderr.contains("--resume"));
    // A plain run refuses the unfinished account run, naming the workspaces.
    let plain = acc.scan(&work, &args).run();
    check!(
        plain,
        plain.code == 2 && plain.stderr.contains("did not finish") && plain.stderr.contains("--resume")
    );
    let last = acc.scan(&work, &resume).run();
    check!(last, last.code == 0);
    last.check_same(
        "the account CSV after kill -9 and --resume differs from an uninterrupted run",
        &expected,
        work.read("acc.csv"),
    );
}

#[test]
fn a_principal_that_is_not_admin_in_one_workspace_gets_not_visible_there_as_a_single_scan_does() {
    let mut restricted = ws(3002, "ws-user", 6, 5);
    restricted.client_admin = false;
    let acc = Account::quick(vec![ws(3001, "ws-admin", 6, 5), restricted]);
    let work = Work::new();
    let done = acc.scan(&work, &["--all-users", "-o", "acc.csv"]).run();
    check!(done, done.code == 3, "rows in error (not_visible) make the exit code 3");
    check!(
        done,
        done.stdout.contains("[ws-user] ") && done.stdout.contains("is not a workspace admin"),
        "the banner and the summary say so"
    );
    let (_, rows) = rows_of(&work.path("acc.csv"), "ws-user");
    let (_, admin_rows) = rows_of(&work.path("acc.csv"), "ws-admin");
    let header = read_csv(&work.path("acc.csv")).0;
    let home = header.iter().position(|h| h == "workspace_home").unwrap();
    assert!(rows.iter().any(|r| r[home - 1] == "not_visible"), "{rows:?}");
    assert!(admin_rows.iter().all(|r| r[home - 1] != "not_visible"));
    let single = Work::new();
    let one = acc
        .scan_one(&single, "ws-user", &["--all-users", "-o", "one.csv", "-q"])
        .run();
    check!(one, one.code == 3);
    assert_eq!(rows, csv_records(&single.path("one.csv")).1);
}

#[test]
fn account_flags_and_credentials_are_checked_before_anything_is_scanned() {
    let acc = Account::quick(four());
    let work = Work::new();
    let url = acc.sim().url();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--workspaces", "WS-A,nope"], "has no workspace nope"),
        (
            vec!["--spark-master", "local[2]"],
            "an account scan runs in this process",
        ),
        (vec!["--journal", "j.journal"], "one journal per workspace"),
    ];
    for (extra, want) in cases {
        let mut args = vec!["--all-users", "-o", "acc.csv"];
        args.extend(extra);
        let done = acc.scan(&work, &args).run();
        check!(done, done.code == 2 && done.stderr.contains(want), "{want}");
    }
    // A workspace URL with --account-id; the console without one; a PAT.
    let ws_a = acc.sim().workspace_url("ws-a");
    let done = acc
        .run(&work, "scan", &ws_a, &["--account-id", ACCOUNT, "--all-users"])
        .run();
    check!(
        done,
        done.code == 2 && done.stderr.contains("is a workspace, not an account console")
    );
    let done = acc.run(&work, "scan", &url, &["--all-users"]).run();
    check!(
        done,
        done.code == 2 && done.stderr.contains("give the account with --account-id")
    );
    let mut pat = Run::in_dir(&work, &["scan", "--host", &url, "--account-id", ACCOUNT, "--all-users"]);
    pat.env("DATABRICKS_TOKEN", "dapi-sim");
    let done = pat.run();
    check!(
        done,
        done.code == 2 && done.stderr.contains("OAuth M2M") && !done.stderr.contains("dapi-sim")
    );
    // What every workspace would refuse alike is refused once, before the console is asked.
    let asked = acc.sim().account_requests();
    let done = acc.scan(&work, &["--users-file", "missing.txt", "-o", "acc.csv"]).run();
    check!(
        done,
        done.code != 0 && done.stderr.contains("missing.txt") && !done.stderr.contains("[ws-")
    );
    let done = acc
        .scan(&work, &["--all-users", "--as-of", "yesterday-ish", "-o", "acc.csv"])
        .run();
    check!(done, done.code == 2 && done.stderr.contains("--as-of"));
    assert_eq!(acc.sim().account_requests(), asked, "the console was not asked");
    // A wrong secret: the account's token endpoint refuses it; named, never echoed.
    let mut wrong = acc.scan(&work, &["--all-users", "-o", "acc.csv"]);
    wrong.env("DATABRICKS_CLIENT_SECRET", "not-the-secret");
    let done = wrong.run();
    check!(
        done,
        done.code == 1
            && done.stderr.contains("cannot list the workspaces of account")
            && done.stderr.contains(CLIENT.0)
    );
    check!(done, !done.stderr.contains("not-the-secret"));
    assert_eq!(acc.requests("ws-a"), 0, "nothing was scanned");

    // A profile whose host is the console and that has an account_id is an account run.
    work.write(
        ".databrickscfg",
        &format!(
            "[ACCOUNT]\nhost = {url}\naccount_id = {ACCOUNT}\nclient_id = {}\nclient_secret = {}\n",
            CLIENT.0, CLIENT.1
        ),
    );
    let profile = Run::in_dir(
        &work,
        &[
            "scan",
            "-p",
            "ACCOUNT",
            "--all-users",
            "-o",
            "p.csv",
            "-q",
            "--workspaces",
            "ws-b",
        ],
    )
    .run();
    check!(profile, profile.code == 0);
    let (_, rows) = csv_records(&work.path("p.csv"));
    assert!(!rows.is_empty() && rows.iter().all(|r| r[7] == "ws-b"));
    // DATABRICKS_ACCOUNT_ID beside a workspace URL: a plain single-workspace scan.
    let mut single = acc.scan_one(&work, "ws-a", &["--all-users", "-o", "one.csv", "-q"]);
    single.env("DATABRICKS_ACCOUNT_ID", ACCOUNT);
    let done = single.run();
    check!(done, done.code == 0);
}

#[test]
fn check_account_reports_each_workspace_and_names_the_unassigned_one() {
    let acc = Account::quick(four());
    let work = Work::new();
    let url = acc.sim().url();
    let done = acc
        .run(&work, "check", &url, &["--account-id", ACCOUNT, "--sample", "2"])
        .run();
    check!(done, done.code == 1);
    check!(done, done.stdout.contains("[ws-a] Ready: a full scan can run"));
    check!(done, done.stdout.contains("[ws-b] Ready: a full scan can run"));
    check!(
        done,
        done.stdout
            .contains("[ws-d] cannot be scanned: the service principal sp-acc is not assigned")
    );
    check!(done, done.stdout.contains("[ws-c] skipped: not running"));
    check!(done, done.stderr.contains("ws-d:"));
    let json = acc
        .run(
            &work,
            "check",
            &url,
            &[
                "--account-id",
                ACCOUNT,
                "--sample",
                "0",
                "--json",
                "--workspaces",
                "ws-a",
            ],
        )
        .run();
    check!(json, json.code == 0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["workspaces"].as_array().unwrap().len(), 1);
    assert_eq!(v["workspaces"][0]["workspace"], "ws-a");
}

#[test]
fn diff_compares_two_account_runs_per_workspace() {
    // The same users in two workspaces: matched within each workspace, never across.
    let week1 = Account::quick(vec![ws(4001, "ws-a", 8, 7), ws(4002, "ws-b", 8, 7)]);
    let work = Work::new();
    let one = week1.scan(&work, &["--all-users", "-o", "week1.csv", "-q"]).run();
    check!(one, one.code == 0);
    drop(week1);
    let week2 = Account::quick(vec![
        ws(4001, "ws-a", 8, 7),
        ws(4002, "ws-b", 10, 7),
        ws(4003, "ws-new", 3, 8),
    ]);
    let two = week2.scan(&work, &["--all-users", "-o", "week2.csv", "-q"]).run();
    check!(two, two.code == 0);
    let d = Run::in_dir(&work, &["diff", "week1.csv", "week2.csv", "-o", "d.csv"]).run();
    check!(d, d.code == 0);
    let count = |file: &str, w: &str| rows_of(&work.path(file), w).1.len();
    for w in ["ws-a", "ws-b"] {
        let line = format!("{w:<24} users {} → {}", count("week1.csv", w), count("week2.csv", w));
        check!(d, d.stdout.contains(&line), "{line}");
    }
    check!(d, d.stdout.contains("ws-new") && d.stdout.contains("(new workspace)"));
    let (header, rows) = csv_records(&work.path("d.csv"));
    assert_eq!(&header[..2], ["username", "workspace"]);
    let same_a = rows.iter().filter(|r| r[1] == "ws-a" && r.last().is_some()).count();
    assert_eq!(same_a, count("week2.csv", "ws-a"), "ws-a's users matched within ws-a");
    let mixed = Run::in_dir(&work, &["diff", "week1.csv", "week2.workspaces/ws-a.csv"]).run();
    check!(
        mixed,
        mixed.code == 2 && mixed.stderr.contains("is an account run's CSV")
    );
}

/// `1,234,567`, as the console prints counts.
fn thousands(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
