//! `dbx-inventory check`: with an admin token, a non-admin `--user-token`, OAuth M2M, and a
//! workspace whose `/Users` cannot be listed — each report line that decides and each exit code
//! pinned. The estimate against a full scan's real request count: `check_estimate.rs`.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::util::{root, Run, Sim, Work};

/// The homes directly under `/Users` of a fixture, per tree (what `/Users` lists).
fn homes(f: &dbx_sim::Fixture) -> (usize, usize) {
    let home = |path: &str, dir: bool| {
        let rest = path.strip_prefix("dbfs:").unwrap_or(path).strip_prefix("/Users/")?;
        match rest.split_once('/') {
            Some((h, _)) => Some(h.to_string()),
            None if dir => Some(rest.to_string()),
            None => None,
        }
    };
    let ws: BTreeSet<String> = f
        .workspace
        .iter()
        .filter_map(|e| {
            let dir = matches!(e.object_type.as_deref(), Some("DIRECTORY"));
            home(&e.path, dir)
        })
        .collect();
    let dbfs: BTreeSet<String> = f.dbfs.iter().filter_map(|e| home(&e.path, e.is_dir)).collect();
    (dbfs.len(), ws.len())
}

pub(crate) fn check(sim: &Sim, args: &[&str]) -> Run {
    Run::against(&Work::new(), sim, "check", args)
}

pub(crate) fn json(done: &crate::util::Done) -> Value {
    serde_json::from_str(&done.stdout).unwrap_or_else(|e| panic!("not JSON: {e}\n{}", done.explain()))
}

/// Every endpoint of wit/allow-list.json, as `check --json` must list it.
/// The allow-list's endpoints a run without options is held to (no `"option"` entries).
pub(crate) fn allow_list_file() -> Vec<Value> {
    allow_list_entries()
        .into_iter()
        .filter(|e| e.get("option").is_none())
        .collect()
}

/// Every endpoint of `wit/allow-list.json`, optional ones included.
pub(crate) fn allow_list_entries() -> Vec<Value> {
    let text = std::fs::read_to_string(root().join("wit/allow-list.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["endpoints"].as_array().unwrap().clone()
}

#[test]
fn an_admin_token_is_ready_with_counts_sample_estimate_and_the_allow_list() {
    let fixture = dbx_sim::generate(120, 5);
    let (dbfs_homes, ws_homes) = homes(&fixture);
    let sps = fixture.service_principals.len();
    assert!(sps > 0, "the generated workspace has service principals");
    let first = fixture.users[0].user_name.clone();
    let display = fixture.users[0].display_name.clone().unwrap();
    let sim = Sim::start(fixture);

    let done = check(&sim, &[]).run();
    check!(done, done.code == 0);
    let out = &done.stdout;
    for line in [
        format!("Caller: {first} ({display}) — workspace admin (member of admins)"),
        "SCIM users: 120 (totalResults)".to_string(),
        format!("SCIM service principals: {sps}"),
        format!("DBFS /Users: {dbfs_homes} home(s)"),
        format!("Workspace /Users: {ws_homes} home(s)"),
        "Sample: 40 of 120 users, evenly spaced over the SCIM listing in the server's order (midpoints)".to_string(),
        "  rules: paths matched exactly, none holding ? # % \\ or a control character; paths and values at most \
         4096 and 4096 bytes; at most 16 parameters"
            .to_string(),
        "Ready: a full scan can run with these credentials".to_string(),
    ] {
        check!(done, out.lines().any(|l| l == line), "missing line {line:?}");
    }
    let estimate = out.lines().find(|l| l.starts_with("Estimate: ")).unwrap_or_default();
    check!(
        done,
        estimate.starts_with(&format!(
            "Estimate: scan --all-users ({} users and service principals): ≈ ",
            120 + sps
        )) && estimate.contains(" req/s)"),
        "estimate line {estimate:?}"
    );
    for e in allow_list_file() {
        let path = e["path"].as_str().unwrap();
        check!(
            done,
            out.lines().any(|l| l.starts_with(&format!("  GET {path} "))),
            "allow-list {path}"
        );
    }
    check!(
        done,
        out.lines().any(|l| l.starts_with("  GET /api/2.0/dbfs/list ")
            && l.ends_with("parameters path; path within /Users or /FileStore/shared_uploads")),
        "the DBFS listing's confinement is shown"
    );
    check!(
        done,
        !out.contains("/api/2.0/workspace/export"),
        "export is on the allow-list only with --notebook-sizes"
    );
    check!(done, !out.contains("Warnings:") && done.stderr.is_empty());

    let done = check(&sim, &["--json", "--sample", "7"]).run();
    check!(done, done.code == 0);
    let j = json(&done);
    assert_eq!(j["caller"]["user_name"], first.as_str());
    assert_eq!(j["caller"]["admin"], true);
    assert_eq!(j["caller"]["groups"], serde_json::json!(["admins"]));
    assert_eq!(j["scim"]["total_users"], 120);
    assert_eq!(
        j["service_principals"],
        serde_json::json!({"total": sps, "error": null})
    );
    assert_eq!(j["homes"]["dbfs"]["count"], dbfs_homes);
    assert_eq!(j["homes"]["workspace"]["count"], ws_homes);
    // The sample: 7 evenly spaced SCIM positions (midpoints), the same every time.
    let positions: Vec<u64> = j["sample"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["position"].as_u64().unwrap())
        .collect();
    assert_eq!(positions, [9, 26, 43, 61, 78, 95, 112]);
    assert_eq!(
        json(&check(&sim, &["--json", "--sample", "7"]).run())["sample"],
        j["sample"]
    );
    let e = &j["estimate"];
    assert_eq!(e["users"], 120);
    assert_eq!(
        e["requests"].as_u64().unwrap(),
        e["dbfs_requests"].as_u64().unwrap()
            + e["workspace_requests"].as_u64().unwrap()
            + e["scim_requests"].as_u64().unwrap()
    );
    assert_eq!(e["service_principals"], sps);
    assert_eq!(
        e["scim_requests"], 4,
        "Me + two SCIM pages of 100 users + one of service principals"
    );
    assert_eq!(j["allow_list"].as_array().unwrap().len(), allow_list_file().len());
    for (got, want) in j["allow_list"].as_array().unwrap().iter().zip(allow_list_file()) {
        assert_eq!(
            (&got["path"], &got["family"], &got["params"]),
            (&want["path"], &want["family"], &want["params"])
        );
        let roots = want.get("roots").cloned().unwrap_or_else(|| serde_json::json!({}));
        assert_eq!(got["roots"], roots, "{}", want["path"]);
    }

    assert_eq!(
        (j["ready"].clone(), j["missing"].clone()),
        (Value::Bool(true), serde_json::json!([]))
    );
}

#[test]
fn a_non_admin_token_is_not_ready_and_says_why() {
    let fixture = dbx_sim::generate(60, 3);
    // A user with a Workspace home: the token's own home is the one /Users shows.
    let me = fixture
        .users
        .iter()
        .map(|u| u.user_name.clone())
        .find(|u| {
            fixture
                .workspace
                .iter()
                .any(|e| e.path.starts_with(&format!("/Users/{u}/")))
        })
        .unwrap();
    let sim = Sim::start_with(dbx_sim::SimConfig {
        fixture,
        limits: None,
        user_tokens: vec![("dapi-user".into(), me.clone())],
        ..Default::default()
    });
    let mut run = check(&sim, &["--sample", "4"]);
    run.env("DATABRICKS_TOKEN", "dapi-user");
    let done = run.run();
    check!(done, done.code == 1);
    let why = format!(
        "workspace admin rights: {me} is not a workspace admin (SCIM Me lists no `admins` group), so other users' \
         Workspace homes are not visible (they would be reported workspace_home=not_visible)"
    );
    assert_eq!(
        done.stderr,
        format!("error: a full scan cannot run with these credentials: missing {why}\n"),
        "{}",
        done.explain()
    );
    let out = &done.stdout;
    for line in [
        "Workspace /Users: 1 home(s)".to_string(),
        "  - the Workspace /Users listing shows only the 1 home(s) these credentials can read".to_string(),
        // Issue 18 item 9: orphan counts are incomplete without admin rights, and check says so.
        "  - orphan counts are incomplete: the Workspace /Users listing shows only the 1 Workspace home(s) these \
         credentials can read, so orphaned Workspace homes are invisible to these credentials (the --orphans \
         estimate and a scan's orphan count miss them; DBFS orphans are counted); run with a workspace admin's \
         credentials for complete counts"
            .to_string(),
        "Not ready: a full scan cannot run with these credentials. Missing:".to_string(),
        format!("  - {why}"),
    ] {
        check!(done, out.lines().any(|l| l == line), "missing line {line:?}");
    }
    check!(
        done,
        out.lines()
            .any(|l| l.starts_with(&format!("Caller: {me} (")) && l.ends_with(" — NOT a workspace admin"))
    );
    // Every sampled user but the caller: not visible, never `no`.
    let mut run = check(&sim, &["--json", "--sample", "4"]);
    run.env("DATABRICKS_TOKEN", "dapi-user");
    let done = run.run();
    check!(done, done.code == 1);
    let j = json(&done);
    assert_eq!(
        (j["caller"]["admin"].clone(), j["ready"].clone()),
        (Value::Bool(false), Value::Bool(false))
    );
    assert_eq!(j["missing"], serde_json::json!([why]));
    assert_eq!(j["estimate"]["orphans"]["complete"], false);
    check!(
        done,
        j["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().starts_with("orphan counts are incomplete: ")),
        "the warning in --json"
    );
    let sample = j["sample"]["users"].as_array().unwrap();
    assert_eq!(sample.len(), 4);
    for u in sample.iter().filter(|u| u["username"] != me.as_str()) {
        assert_eq!(
            (&u["workspace_home"], &u["status"]),
            (&Value::from("not_visible"), &Value::from("error")),
            "{u}"
        );
    }
}

#[test]
fn oauth_m2m_credentials_are_checked_like_a_scan_would_use_them() {
    let sim = Sim::start_with(dbx_sim::SimConfig {
        fixture: dbx_sim::generate(30, 2),
        limits: None,
        clients: vec![("sp-client".into(), "sp-secret-0123456789".into())],
        ..Default::default()
    });
    let mut run = Run::in_dir(&Work::new(), &["check", "--sample", "3"]);
    run.env("DATABRICKS_HOST", &sim.url)
        .env("DATABRICKS_CLIENT_ID", "sp-client")
        .env("DATABRICKS_CLIENT_SECRET", "sp-secret-0123456789");
    let done = run.run();
    check!(done, done.code == 0);
    let out = &done.stdout;
    check!(
        done,
        out.lines().any(|l| l == format!(
            "Auth: {} (oauth-m2m, client_id sp-client, from environment (DATABRICKS_HOST, DATABRICKS_CLIENT_ID, DATABRICKS_CLIENT_SECRET))",
            sim.url
        ))
    );
    check!(
        done,
        out.lines()
            .any(|l| l == "Caller: sp-client (Service principal sp-client) — workspace admin (member of admins)")
    );
    check!(done, !out.contains("sp-secret") && !done.stderr.contains("sp-secret"));
    // A wrong secret stops the check as it stops a scan: exit 1, the client named, no report.
    let mut run = Run::in_dir(&Work::new(), &["check"]);
    run.env("DATABRICKS_HOST", &sim.url)
        .env("DATABRICKS_CLIENT_ID", "sp-client")
        .env("DATABRICKS_CLIENT_SECRET", "wrong-secret-0123456789");
    let done = run.run();
    check!(done, done.code == 1 && done.stdout.is_empty());
    check!(
        done,
        done.stderr.starts_with("error: cannot authenticate: ") && done.stderr.contains("client_id 'sp-client'")
    );
}

#[test]
fn a_workspace_whose_users_folder_cannot_be_listed_is_not_ready_naming_the_listing() {
    let sim = Sim::start(dbx_sim::generate(40, 4));
    sim.add_faults([dbx_sim::Fault::new("workspace", "/Users", 403)]);
    let done = check(&sim, &["--sample", "2"]).run();
    check!(done, done.code == 1);
    let failure = "workspace /Users: HTTP 403 PERMISSION_DENIED: User does not have permission to access /Users.";
    check!(
        done,
        done.stdout
            .lines()
            .any(|l| l == format!("Workspace /Users: cannot be listed: {failure}"))
    );
    check!(
        done,
        done.stdout
            .lines()
            .any(|l| l.starts_with("DBFS /Users: ") && l.ends_with(" home(s)"))
    );
    assert_eq!(
        done.stderr,
        format!(
            "error: a full scan cannot run with these credentials: missing the Workspace /Users listing (needed by --orphans): {failure}\n"
        ),
        "{}",
        done.explain()
    );
    let done = check(&sim, &["--json", "--sample", "0"]).run();
    check!(done, done.code == 1);
    let j = json(&done);
    assert_eq!(
        j["homes"]["workspace"],
        serde_json::json!({"count": null, "error": failure, "not_available": false})
    );
    assert_eq!(
        (j["estimate"].clone(), j["sample"]["users"].clone()),
        (Value::Null, serde_json::json!([]))
    );
}

#[test]
fn service_principals_closed_to_the_caller_are_a_warning_other_failures_are_missing() {
    let sim = Sim::start(dbx_sim::generate(10, 8));
    sim.add_faults([dbx_sim::Fault::new("scim", "/ServicePrincipals", 403)]);
    let done = check(&sim, &["--sample", "1"]).run();
    check!(done, done.code == 0, "a scan still runs");
    let why = "GET /api/2.0/preview/scim/v2/ServicePrincipals (startIndex=1, count=1): HTTP 403 PERMISSION_DENIED: \
               User does not have permission to access /ServicePrincipals.";
    check!(
        done,
        done.stdout.lines().any(|l| l
            == format!(
                "  - the service principals cannot be listed ({why}): with --orphans, a home named like an \
                 application id is reported orphan=unknown"
            ))
    );
    let sim = Sim::start(dbx_sim::generate(10, 8));
    sim.add_faults([dbx_sim::Fault::new("scim", "/ServicePrincipals", 500)]);
    let done = check(&sim, &["--sample", "1", "--retry-attempts", "1"]).run();
    check!(done, done.code == 1);
    check!(
        done,
        done.stderr
            .contains("missing the SCIM service-principal listing (needed by --all-users): ")
            && done.stderr.contains("HTTP 500 INTERNAL_ERROR")
    );
}

#[test]
fn unknown_admin_status_is_not_ready_either() {
    let sim = Sim::start(dbx_sim::generate(10, 6));
    sim.add_faults([dbx_sim::Fault::new("scim", "/Me", 403)]);
    let done = check(&sim, &["--sample", "2"]).run();
    check!(done, done.code == 1);
    let me =
        "GET /api/2.0/preview/scim/v2/Me: HTTP 403 PERMISSION_DENIED: User does not have permission to access /Me.";
    check!(
        done,
        done.stdout
            .lines()
            .any(|l| l == format!("Caller: unknown (SCIM Me: {me}) — admin status unknown"))
    );
    assert_eq!(
        done.stderr.lines().last().unwrap_or_default(),
        format!(
            "error: a full scan cannot run with these credentials: missing confirmed admin rights: SCIM Me could not be \
             read ({me}), so a Workspace home answering 404 may be missing or not visible"
        ),
        "{}",
        done.explain()
    );
}

#[test]
fn a_rejected_token_and_bad_flags() {
    let sim = Sim::start(dbx_sim::generate(5, 1));
    let mut run = check(&sim, &[]);
    run.env("DATABRICKS_TOKEN", "dapi-wrong");
    let done = run.run();
    check!(done, done.code == 1 && done.stdout.is_empty());
    check!(done, done.stderr.starts_with("error: authentication failed: "));
    for bad in [
        &["--sample", "x"][..],
        &["--sample", "1001"],
        &["--sample", "-1"],
        &["--jsn"],
    ] {
        let done = check(&sim, bad).run();
        check!(done, done.code == 2 && done.stderr.contains("--"), "{bad:?}");
    }
}
