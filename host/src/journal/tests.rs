//! The journal's format, resolution, writer and the rules of `open`.

use std::path::Path;

use super::format::HEADER_PREFIX;
use super::*;
use crate::model::{TreeStats, UserRow};

pub(super) fn row(user: &str, status: Status) -> UserRow {
    UserRow {
        username: user.into(),
        status,
        error: (status == Status::Error).then(|| "boom".to_string()),
        dbfs: Some(TreeStats {
            home_exists: true,
            files: 3,
            bytes: 30,
            directories: 1,
            ..Default::default()
        }),
        workspace: None,
        requests: 2,
        duration_ms: 5,
        orphan: crate::model::Orphan::No,
        principal: crate::model::Principal::User,
        display_name: None,
        uploads: None,
        repos: None,
        objects: Vec::new(),
    }
}

pub(super) fn identity() -> RunIdentity {
    RunIdentity {
        host: "https://a.cloud.databricks.com".into(),
        options: RunOptions {
            trees: Some(crate::model::Trees::BOTH),
            ..RunOptions::default()
        },
        users: UsersIdentity::List {
            count: 3,
            sha256: users_digest(&["a@x.com", "b@x.com", "c@x.com"]),
        },
    }
}

pub(super) fn settings(path: &Path) -> Settings {
    Settings {
        path: path.into(),
        resume: false,
        overwrite: false,
        force: false,
        keep_errors: false,
    }
}

pub(super) fn line(l: &Line) -> String {
    serde_json::to_string(l).unwrap() + "\n"
}

pub(super) fn journal_text(entries: &[(u64, UserRow)]) -> String {
    let mut s = line(&Line::Header(Header::new(identity())));
    for (i, r) in entries {
        s += &line(&Line::User(Entry { i: *i, row: r.clone() }));
    }
    s
}

#[test]
fn header_and_rows_round_trip_as_one_json_object_per_line() {
    let text = journal_text(&[(0, row("a@x.com", Status::Success)), (2, row("c@x.com", Status::Error))]);
    assert!(text.starts_with(HEADER_PREFIX), "{text}");
    assert!(text
        .lines()
        .nth(1)
        .unwrap()
        .starts_with("{\"type\":\"user\",\"i\":0,\"username\":\"a@x.com\""));
    let c = parse(text.as_bytes()).unwrap();
    assert_eq!(c.header.unwrap().identity, identity());
    assert_eq!(c.entries.len(), 2);
    assert_eq!(c.entries[1].row, row("c@x.com", Status::Error));
    assert_eq!(c.torn, None);
    assert_eq!(c.good_len, text.len() as u64);
}

#[test]
fn a_torn_last_line_is_ignored_and_reported() {
    let full = journal_text(&[
        (0, row("a@x.com", Status::Success)),
        (1, row("b@x.com", Status::Success)),
    ]);
    let cut = &full[..full.len() - 20];
    let c = parse(cut.as_bytes()).unwrap();
    assert_eq!(c.entries.len(), 1);
    let good = journal_text(&[(0, row("a@x.com", Status::Success))]);
    assert_eq!(c.good_len, good.len() as u64);
    assert_eq!(
        c.torn,
        Some(Torn {
            line: 3,
            bytes: (cut.len() - good.len()) as u64
        })
    );
    // Zero-filled tail after a crash, with a newline.
    let zeros = format!("{good}\0\0\0\0\n");
    let c = parse(zeros.as_bytes()).unwrap();
    assert_eq!((c.entries.len(), c.good_len), (1, good.len() as u64));
    assert!(c.torn.is_some());
}

#[test]
fn a_partial_header_is_a_torn_line_of_an_empty_journal() {
    let full = journal_text(&[]);
    let c = parse(&full.as_bytes()[..10]).unwrap();
    assert!(c.header.is_none() && c.entries.is_empty() && c.torn.is_some());
    assert_eq!(c.good_len, 0);
    let c = parse(b"").unwrap();
    assert!(c.header.is_none() && c.torn.is_none());
}

#[test]
fn a_damaged_middle_line_is_an_error_naming_it() {
    let mut text = journal_text(&[(0, row("a@x.com", Status::Success))]);
    text += "{\"type\":\"user\",\"i\":1,garbage}\n";
    text += &line(&Line::User(Entry {
        i: 2,
        row: row("c@x.com", Status::Success),
    }));
    let e = parse(text.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("line 3"), "{e}");
}

#[test]
fn other_files_are_not_taken_for_journals() {
    let e = parse(b"username,file_count\nalice,3\n").unwrap_err().to_string();
    assert!(e.contains("not a dbx-inventory journal"), "{e}");
    // Even a one-line file, which would otherwise be a "torn last line".
    assert!(parse(b"hello").is_err());
    let e = parse(
        line(&Line::User(Entry {
            i: 0,
            row: row("a@x.com", Status::Success),
        }))
        .as_bytes(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("not a dbx-inventory journal"), "{e}");
}

#[test]
fn newer_formats_are_refused() {
    let mut h = Header::new(identity());
    h.format = FORMAT + 1;
    let e = parse(line(&Line::Header(h)).as_bytes()).unwrap_err().to_string();
    assert!(e.contains("newer dbx-inventory"), "{e}");
}

#[test]
fn resolve_keeps_the_last_good_row_and_reports_duplicates() {
    let entries = vec![
        Entry {
            i: 0,
            row: row("a@x.com", Status::Error),
        },
        Entry {
            i: 1,
            row: row("b@x.com", Status::Success),
        },
        Entry {
            i: 0,
            row: row("a@x.com", Status::Success),
        }, // re-scan of an error: normal
        Entry {
            i: 2,
            row: row("C@x.com", Status::Success),
        },
        Entry {
            i: 2,
            row: row("c@x.com", Status::Empty),
        }, // another spelling: duplicate
        Entry {
            i: 1,
            row: row("b@x.com", Status::Error),
        }, // error after good: good kept
        Entry {
            i: 3,
            row: row("d@x.com", Status::Error),
        },
        Entry {
            i: 3,
            row: row("d@x.com", Status::Error),
        },
    ];
    let r = resolve(&entries);
    assert_eq!(r.rows.len(), 4);
    assert_eq!(
        (
            r.rows[&UserKey::of("a@x.com")].seq,
            r.rows[&UserKey::of("a@x.com")].row.status
        ),
        (2, Status::Success)
    );
    assert_eq!(r.rows[&UserKey::of("b@x.com")].seq, 1);
    assert_eq!(r.rows[&UserKey::of("c@x.com")].row.username, "c@x.com");
    assert_eq!(r.rows[&UserKey::of("d@x.com")].seq, 7);
    assert_eq!(r.superseded_errors, 3, "a's and d's earlier errors, b's later error");
    assert_eq!(
        r.duplicates,
        [Duplicate {
            spellings: vec!["C@x.com".into(), "c@x.com".into()],
            rows: 2,
            kept: "c@x.com".into()
        }]
    );
    let order: Vec<&str> = r.in_recorded_order().iter().map(|k| k.row.username.as_str()).collect();
    assert_eq!(order, ["a@x.com", "b@x.com", "c@x.com", "d@x.com"]);
    assert!(r
        .duplicate_report()
        .unwrap()
        .contains("C@x.com / c@x.com (2 rows; kept c@x.com)"));
}

#[test]
fn two_good_rows_of_one_user_are_a_duplicate_counted_once() {
    let entries = vec![
        Entry {
            i: 0,
            row: row("a@x.com", Status::Success),
        },
        Entry {
            i: 0,
            row: row("a@x.com", Status::Empty),
        },
    ];
    let r = resolve(&entries);
    assert_eq!(r.rows.len(), 1);
    assert_eq!(
        r.rows[&UserKey::of("a@x.com")].row.status,
        Status::Empty,
        "the last good row wins"
    );
    assert_eq!(r.duplicates.len(), 1);
}

#[test]
fn identity_differences_name_each_field() {
    let a = identity();
    let mut b = identity();
    assert!(a.differences(&b).is_empty());
    b.host = "https://b.cloud.databricks.com".into();
    b.options.trees = Some(crate::model::Trees::only(crate::model::Location::Dbfs));
    b.users = UsersIdentity::AllUsers;
    let d = b.differences(&a);
    assert_eq!(d.len(), 3, "{d:?}");
    assert!(d[0].contains("https://a.cloud.databricks.com") && d[0].contains("https://b.cloud.databricks.com"));
    assert!(d[1].starts_with("trees:") && d[1].contains("dbfs+workspace"));
    assert!(d[2].contains("a list of 3 user(s)") && d[2].contains("all workspace users"));
}

#[test]
fn digest_ignores_case_but_not_order() {
    assert_eq!(
        users_digest(&["A@x.com", "b@x.com"]),
        users_digest(&["a@x.com", "B@X.COM"])
    );
    assert_ne!(
        users_digest(&["a@x.com", "b@x.com"]),
        users_digest(&["b@x.com", "a@x.com"])
    );
    assert_eq!(users_digest::<&str>(&[]).len(), 64);
}

#[test]
fn writer_hands_rows_back_only_once_synced() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("j");
    let mut w = Writer::create(&p, &identity()).unwrap();
    for i in 0..SYNC_EVERY_ROWS - 1 {
        assert!(w
            .append(i, row(&format!("u{i}@x.com"), Status::Success))
            .unwrap()
            .is_empty());
    }
    assert!(w.tick().unwrap().is_empty(), "not yet due");
    let durable = w.append(99, row("last@x.com", Status::Success)).unwrap();
    assert_eq!(durable.len(), SYNC_EVERY_ROWS);
    assert_eq!(durable.last().unwrap().0, 99);
    w.append(100, row("x@x.com", Status::Success)).unwrap();
    assert_eq!(w.sync().unwrap().len(), 1);
    assert_eq!(w.written(), SYNC_EVERY_ROWS as u64 + 1);
    let c = read(&p).unwrap().unwrap();
    assert_eq!(c.entries.len(), SYNC_EVERY_ROWS + 1);
}

#[test]
fn a_user_line_is_the_journal_line_and_reads_back() {
    let mut r = row("a@x.com", Status::Error);
    r.orphan = crate::model::Orphan::Yes;
    r.workspace = Some(TreeStats {
        home_exists: false,
        ..Default::default()
    });
    let text = user_line(7, &r);
    assert_eq!(text + "\n", line(&Line::User(Entry { i: 7, row: r.clone() })));
    assert!(user_line(7, &r).starts_with("{\"type\":\"user\",\"i\":7,\"username\":\"a@x.com\""));
    assert_eq!(
        parse_user_line(&user_line(7, &r)).unwrap(),
        Entry { i: 7, row: r.clone() }
    );
    assert_eq!(parse_user_line(&(user_line(7, &r) + "\r\n")).unwrap().row, r);
    // A journal written by the writer holds the same user lines.
    let text = journal_text(&[(3, r.clone())]);
    assert_eq!(text.lines().nth(1).unwrap(), user_line(3, &r));
}

#[test]
fn parse_user_line_says_what_is_wrong() {
    let header = line(&Line::Header(Header::new(identity())));
    let e = parse_user_line(&header).unwrap_err().to_string();
    assert!(e.contains("header line"), "{e}");
    let e = parse_user_line("{\"type\":\"job\",\"i\":1}").unwrap_err().to_string();
    assert!(e.contains("unknown variant `job`"), "{e}");
    let e = parse_user_line("{\"type\":\"user\",\"i\":1,\"status\":\"success\"}")
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing field `username`"), "{e}");
    assert!(parse_user_line("not json").is_err());
}

/// Lines written before service principals existed (`orphan` a boolean or left out, no
/// `principal`) read as before; the new values round-trip.
#[test]
fn old_orphan_booleans_read_and_new_owner_fields_round_trip() {
    let old =
        r#"{"type":"user","i":3,"username":"ghost@x.com","status":"empty","requests":2,"duration_ms":5,"orphan":true}"#;
    let e = parse_user_line(old).unwrap();
    assert_eq!(
        (e.row.orphan, e.row.principal, e.row.display_name.as_deref()),
        (crate::model::Orphan::Yes, crate::model::Principal::User, None)
    );
    let plain = r#"{"type":"user","i":0,"username":"a@x.com","status":"empty","requests":2,"duration_ms":5}"#;
    assert_eq!(parse_user_line(plain).unwrap().row.orphan, crate::model::Orphan::No);
    let mut r = row("6f1c7a52-0d4e-4b8e-9d61-3c2b8f0a9e17", Status::Success);
    r.orphan = crate::model::Orphan::Unknown;
    r.principal = crate::model::Principal::ServicePrincipal;
    r.display_name = Some("etl-service".into());
    let text = user_line(1, &r);
    assert!(
        text.contains(r#""orphan":"unknown","principal":"service_principal","display_name":"etl-service""#),
        "{text}"
    );
    assert_eq!(parse_user_line(&text).unwrap().row, r);
    // A plain user's line is what earlier versions wrote: no new fields.
    let text = user_line(1, &row("a@x.com", Status::Success));
    assert!(!text.contains("orphan") && !text.contains("principal"), "{text}");
}

fn end_line() -> String {
    line(&Line::End(End {
        finished: "2026-12-01 07:50:40 UTC".into(),
        users: 1,
        errors: 0,
        files: u128::from(u64::MAX) + 2,
        bytes: u128::from(u64::MAX) * 3,
    }))
}

#[test]
fn the_end_line_marks_a_finished_run_only_when_it_is_the_last_record() {
    let finished = journal_text(&[(0, row("a@x.com", Status::Success))]) + &end_line();
    assert!(end_line().starts_with("{\"type\":\"end\",\"finished\":\"2026-12-01 07:50:40 UTC\""));
    let c = parse(finished.as_bytes()).unwrap();
    let end = c.end.expect("finished");
    // Totals past u64 survive the round trip exactly.
    assert_eq!(
        (end.files, end.bytes),
        (u128::from(u64::MAX) + 2, u128::from(u64::MAX) * 3)
    );
    assert_eq!((c.entries.len(), c.torn), (1, None));
    // Anything after it (a resumed run's row, a torn line, a new header) makes the run unfinished.
    let resumed = finished.clone()
        + &line(&Line::User(Entry {
            i: 1,
            row: row("b@x.com", Status::Success),
        }));
    assert_eq!(parse(resumed.as_bytes()).unwrap().end, None);
    assert_eq!(
        parse((finished.clone() + "{\"type\":\"us").as_bytes()).unwrap().end,
        None
    );
    let forced = finished.clone() + &line(&Line::Header(Header::new(identity())));
    assert_eq!(parse(forced.as_bytes()).unwrap().end, None);
    // Two finished runs in one journal (--resume of a finished one): the last end counts.
    assert!(parse((resumed + &end_line()).as_bytes()).unwrap().end.is_some());
    // An end line before any header is not a journal; a mistyped total is damage, named.
    let e = parse(
        format!(
            "{}{}",
            line(&Line::Header(Header::new(identity()))),
            end_line().replace("\"bytes\":\"", "\"bytes\":\"x")
        )
        .as_bytes(),
    );
    assert!(e.unwrap().end.is_none(), "an unreadable last line is torn, not an end");
    let e = parse((end_line().replace("\"bytes\":\"", "\"bytes\":\"x") + "\n").as_bytes());
    assert!(e.is_err());
    // An end line is not a worker's user line.
    let e = parse_user_line(end_line().trim_end()).unwrap_err().to_string();
    assert!(e.contains("end line"), "{e}");
}

#[test]
fn a_finished_journal_is_kept_and_a_new_one_started_an_unfinished_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.csv.journal");
    let text = journal_text(&[(0, row("a@x.com", Status::Success))]) + &end_line();
    std::fs::write(&p, &text).unwrap();
    let o = open(&settings(&p), &identity()).unwrap();
    let kept = dir.path().join("r.csv.journal.2026-12-01T07-50-40Z");
    assert_eq!(o.archived.as_deref(), Some(kept.as_path()));
    assert!(o.previous.rows.is_empty() && o.skip.is_empty());
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), text, "kept byte for byte");
    let new = read(&p).unwrap().unwrap();
    assert!(new.header.is_some() && new.entries.is_empty() && new.end.is_none());
    drop(o);

    // Finished again at the same second: a suffix, nothing overwritten.
    std::fs::write(&p, &text).unwrap();
    let o = open(&settings(&p), &identity()).unwrap();
    assert_eq!(
        o.archived,
        Some(dir.path().join("r.csv.journal.2026-12-01T07-50-40Z.1"))
    );
    drop(o);

    // A journal without the mark (a killed run, or an older version): refused, untouched.
    let unfinished = journal_text(&[(0, row("a@x.com", Status::Success))]);
    std::fs::write(&p, &unfinished).unwrap();
    let e = open(&settings(&p), &identity()).err().unwrap();
    assert!(e.downcast_ref::<crate::UsageError>().is_some());
    assert!(e.to_string().contains("from an unfinished run"), "{e}");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), unfinished);

    // --resume continues a finished journal (no archive) and says so.
    std::fs::write(&p, &text).unwrap();
    let o = open(
        &Settings {
            resume: true,
            ..settings(&p)
        },
        &identity(),
    )
    .unwrap();
    assert!(o.archived.is_none() && o.skip.contains(&UserKey::of("a@x.com")));
    assert!(
        o.notes
            .iter()
            .any(|n| n.contains("is of a run that finished 2026-12-01 07:50:40 UTC")),
        "{:?}",
        o.notes
    );
}
