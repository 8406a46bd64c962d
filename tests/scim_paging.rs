//! SCIM servers that never let paging end (issue 9, item 5): one that ignores `startIndex` (the
//! same page again, with a huge `totalResults`) and one that echoes `startIndex: 0`. Both
//! `users` and `scan --all-users` must stop at once with a clear error, keeping what was scanned.

use serde_json::json;

use crate::util::{Asked, Fake, Run, Work};

/// A workspace whose SCIM always answers the first page; `echo_zero` makes it say
/// `startIndex: 0`. Homes do not exist (404, `/Users` too), so a user's scan needs no request.
fn stuck_scim(echo_zero: bool) -> Fake {
    Fake::start(move |asked: &Asked, _| match asked.path.as_str() {
        // A workspace admin: SCIM Me lists the `admins` group (without it the caller is a non-admin).
        "/api/2.0/preview/scim/v2/Me" => (
            200,
            json!({"userName": "admin@x.com", "groups": [{"display": "admins"}]}),
        ),
        "/api/2.0/preview/scim/v2/Users" => (
            200,
            json!({"totalResults": 1_000_000, "startIndex": if echo_zero { 0 } else { 1 }, "itemsPerPage": 2,
                   "Resources": [{"userName": "a@x.com", "active": true}, {"userName": "b@x.com", "active": true}]}),
        ),
        _ => (
            404,
            json!({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no such path"}),
        ),
    })
}

fn run(fake: &Fake, work: &Work, args: &[&str]) -> crate::util::Done {
    let mut r = Run::in_dir(work, args);
    r.env("DATABRICKS_HOST", &fake.url)
        .env("DATABRICKS_TOKEN", "dapi-stuck");
    r.run()
}

#[test]
fn users_stops_when_scim_brings_no_new_user() {
    for echo_zero in [false, true] {
        let fake = stuck_scim(echo_zero);
        let work = Work::new();
        let done = run(&fake, &work, &["users", "--page-size", "2", "-o", "users.txt"]);
        check!(
            done,
            done.code == 1,
            "a stuck listing is a failure (echo_zero={echo_zero})"
        );
        check!(
            done,
            done.stderr.contains("brought no user that was not already listed") && done.stderr.contains("startIndex=3"),
            "the error names the page"
        );
        check!(done, done.stderr.contains("nothing written to users.txt"));
        check!(done, !done.dir.join("users.txt").exists());
        // Me, the first page, the page that repeats it: no paging forever.
        check!(done, fake.requests() == 3, "{} requests", fake.requests());
    }
}

#[test]
fn scan_all_users_stops_when_scim_brings_no_new_user_and_keeps_the_users_scanned() {
    for echo_zero in [false, true] {
        let fake = stuck_scim(echo_zero);
        let work = Work::new();
        let done = run(
            &fake,
            &work,
            &[
                "scan",
                "--all-users",
                "-o",
                "out.csv",
                "--retry-base-ms",
                "5",
                "--locations",
                "dbfs,workspace",
            ],
        );
        check!(
            done,
            done.code == 1,
            "a stuck listing stops the run (echo_zero={echo_zero})"
        );
        check!(
            done,
            done.stderr.contains("listing workspace users failed")
                && done.stderr.contains("brought no user that was not already listed"),
            "the error says why"
        );
        // The two users listed before the stall were scanned and recorded.
        let rows = done.rows("out.csv");
        check!(
            done,
            rows.len() == 2 && rows["a@x.com"]["status"] == "no_home" && rows["b@x.com"]["status"] == "no_home"
        );
        check!(
            done,
            done.file("out.csv.journal").lines().count() == 3,
            "a header and two users"
        );
        // Me, two SCIM pages, the service principals' listing (--all-users lists them too), and
        // /Users in each tree (404: no homes, so no user's home is requested).
        check!(done, fake.requests() == 6, "{} requests", fake.requests());
    }
}
