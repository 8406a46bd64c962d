//! `scan --users-file` reads every format `dbx-inventory users` writes — txt, csv (its header,
//! service principals in `applicationId`), json — and the seed's `users.csv` (one name a line,
//! no header), and refuses (exit 2, naming the file and the lines, nothing written) a line that
//! cannot be a username (issue 18, item 1).

use std::collections::BTreeMap;

use crate::util::{fixture, Done, Sim, Work};

/// The service principals of the fixture, by application id.
const SPS: [&str; 4] = [
    "6f1c7a52-0d4e-4b8e-9d61-3c2b8f0a9e17",
    "0b9e5a1d-7c3f-4e2a-8f6b-1d4c9e7a2b30",
    "3d0f6c2e-9a8b-4c1d-b2e3-f4a5b6c7d8e9",
    "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
];

/// username → (status, file_count, total_size, principal) of a scan's CSV, in row order.
fn outcome(done: &Done, csv: &str) -> Vec<(String, String, String, String, String)> {
    done.csv(csv)
        .1
        .into_iter()
        .map(|r| {
            (
                r["username"].clone(),
                r["status"].clone(),
                r["file_count"].clone(),
                r["total_size"].clone(),
                r["principal"].clone(),
            )
        })
        .collect()
}

/// Nothing at all was written by a refused run: no CSV, no journal, no lock file.
fn nothing_written(done: &Done) {
    let left: Vec<String> = std::fs::read_dir(&done.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("out.csv"))
        .collect();
    check!(done, left.is_empty(), "a refused run writes nothing, found {left:?}");
    check!(done, !done.stdout.contains("Total users processed"), "nothing scanned");
}

#[test]
fn each_export_format_fed_back_scans_the_real_users() {
    let sim = Sim::start(fixture("service_principals"));
    let work = Work::new();
    // The reference: the same principals named on the command line.
    let mut names = vec!["alice@example.com", "bob@example.com", "carol@example.com"];
    names.extend(SPS);
    let mut args = names.clone();
    args.extend(["-o", "ref.csv", "-q"]);
    let reference = work.scan(&sim, &args).run();
    check!(reference, reference.code == 0);
    let want = outcome(&reference, "ref.csv");
    assert_eq!(want.len(), 7);
    let by_name: BTreeMap<_, _> = want.iter().map(|r| (r.0.as_str(), r)).collect();
    assert_eq!(
        (
            by_name["alice@example.com"].1.as_str(),
            by_name["alice@example.com"].2.as_str()
        ),
        ("success", "2"),
        "{}",
        reference.explain()
    );
    assert_eq!(by_name[SPS[0]].1, "success");

    for format in ["txt", "csv", "json"] {
        let file = format!("users.{format}");
        let export = crate::util::Run::against(
            &work,
            &sim,
            "users",
            &["--service-principals", "--format", format, "-o", &file],
        )
        .run();
        check!(export, export.code == 0);
        let out = format!("{format}.csv");
        let done = work.scan(&sim, &["--users-file", &file, "-o", &out, "-q"]).run();
        check!(done, done.code == 0, "--users-file {file}");
        assert_eq!(
            outcome(&done, &out),
            want,
            "the {format} export scans exactly what the names given as arguments scan\n{}",
            done.explain()
        );
    }

    // The csv export under the seed's name, and the seed's own users.csv (no header).
    let csv = String::from_utf8(work.read("users.csv")).unwrap();
    assert!(
        csv.starts_with("userName,displayName,active,id,principal,applicationId\n"),
        "{csv}"
    );
    work.write("seed-users.csv", "alice@example.com\nbob@example.com\n# carol left\n\n");
    let done = work
        .scan(&sim, &["--users-file", "seed-users.csv", "-o", "seed.csv", "-q"])
        .run();
    check!(done, done.code == 0);
    assert_eq!(outcome(&done, "seed.csv"), want[..2].to_vec(), "{}", done.explain());
}

#[test]
fn lines_that_cannot_be_usernames_are_refused_naming_file_and_lines() {
    let sim = Sim::start(fixture("service_principals"));
    let work = Work::new();
    work.write(
        "list.txt",
        "alice@example.com\n\"igor.kim@example.com\"\nAlice Nguyen <alice@example.com>\nbob@example.com,\n# a comment, kept\ncarol@example.com\n",
    );
    let done = work.scan(&sim, &["--users-file", "list.txt", "-o", "out.csv"]).run();
    check!(done, done.code == 2);
    check!(
        done,
        done.stderr.contains(
            "users file list.txt: line 2 (\"\\\"igor.kim@example.com\\\"\": double quotes), line 3 (\"Alice Nguyen <alice@example.com>\": angle brackets), line 4 (\"bob@example.com,\": a comma): not a username"
        )
    );
    nothing_written(&done);
    check!(done, sim.stats().total_requests == 0, "the workspace is not contacted");

    // More than ten: the first ten lines, then how many more.
    let many: String = (0..14)
        .map(|i| format!("user{i}@example.com user{i}b@example.com\n"))
        .collect();
    work.write("many.txt", &many);
    let done = work.scan(&sim, &["--users-file", "many.txt", "-o", "out.csv"]).run();
    check!(done, done.code == 2);
    check!(
        done,
        done.stderr.contains("line 10 (") && done.stderr.contains("… and 4 more: not a username")
    );
    check!(done, !done.stderr.contains("line 11 ("));
    nothing_written(&done);

    // A CSV row without a name, by its line.
    work.write("u.csv", "userName,displayName\nalice@example.com,Alice\n,Nobody\n");
    let done = work.scan(&sim, &["--users-file", "u.csv", "-o", "out.csv"]).run();
    check!(done, done.code == 2);
    check!(
        done,
        done.stderr
            .contains("users file u.csv: line 3 (no userName or applicationId)")
    );
    nothing_written(&done);

    // The same refusal for USER arguments, by position.
    let done = work
        .scan(&sim, &["alice@example.com", "Bob <bob@example.com>", "-o", "out.csv"])
        .run();
    check!(done, done.code == 2);
    check!(
        done,
        done.stderr.contains(
            "USER arguments: the 2nd USER argument (\"Bob <bob@example.com>\": angle brackets): not a username"
        )
    );
    nothing_written(&done);
}
