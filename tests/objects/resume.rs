//! After kill -9 and `--resume` the objects file holds the same set as an uninterrupted run;
//! `summary --objects` rebuilds it from the journal's spool; a journal without objects is refused.

use super::{read, AS_OF};
use crate::util::{generated, journal_user_lines, wait_rows, Work};

#[test]
fn a_run_killed_and_resumed_holds_every_file_of_each_recorded_user_once() {
    let (sim, users) = generated(60, 9);
    let work = Work::new();
    let list = users.join("\n");
    work.write("users.txt", &list);
    let args = [
        "--users-file",
        "users.txt",
        "-o",
        "out.csv",
        "--as-of",
        AS_OF,
        "--concurrency",
        "4",
        "--locations",
        "dbfs,uploads,workspace,repos",
        "--objects",
        "o.parquet",
    ];
    // The reference: one uninterrupted run in its own folder.
    let clean = Work::new();
    clean.write("users.txt", &list);
    let done = clean.scan(&sim, &args).run();
    assert!(matches!(done.code, 0 | 3), "{}", done.explain());
    let want = read(&clean.path("o.parquet"));

    let mut child = work.scan(&sim, &args).spawn();
    wait_rows(&mut child, &work.path("out.csv.journal"), 20);
    let killed = child.kill();
    assert_eq!(killed.signal, Some(9), "{}", killed.explain());
    assert!(!work.path("o.parquet").exists(), "no objects file before the run ends");
    let recorded = journal_user_lines(&work.path("out.csv.journal"));
    assert!(recorded >= 20 && recorded < 60, "{recorded} rows before the kill");
    // A kill in the middle of a frame leaves a torn tail: --resume cuts it off.
    let spool = work.path("out.csv.journal.objects");
    let mut f = std::fs::OpenOptions::new().append(true).open(&spool).unwrap();
    std::io::Write::write_all(&mut f, &[200, 0, 0, 0, 1, 2, 3]).unwrap();
    drop(f);

    let mut resumed: Vec<&str> = args.to_vec();
    resumed.push("--resume");
    let done = work.scan(&sim, &resumed).run();
    assert!(matches!(done.code, 0 | 3), "{}", done.explain());
    let got = read(&work.path("o.parquet"));
    assert_eq!(got.len(), want.len(), "{}", done.explain());
    assert!(
        got == want,
        "the resumed run's objects differ from an uninterrupted run's"
    );

    // The journal's spool rebuilds the same file.
    let again = work
        .run(&["summary", "--journal", "out.csv.journal", "--objects", "again.parquet"])
        .run();
    assert_eq!(again.code, 0, "{}", again.explain());
    assert_eq!(read(&work.path("again.parquet")), want);
    assert!(
        again.stdout.contains(&format!("Objects: {} file(s)", want.len())),
        "{}",
        again.explain()
    );
}

#[test]
fn summary_refuses_objects_of_a_run_that_kept_none_and_a_spool_that_lost_them() {
    let (sim, users) = generated(4, 3);
    let work = Work::new();
    let done = work.scan(&sim, &[&users[0], &users[1], "-o", "plain.csv"]).run();
    assert!(matches!(done.code, 0 | 3), "{}", done.explain());
    let s = work
        .run(&["summary", "--journal", "plain.csv.journal", "--objects", "x.parquet"])
        .run();
    assert_eq!(s.code, 2, "{}", s.explain());
    assert!(s.stderr.contains("without --objects"), "{}", s.explain());
    assert!(!work.path("x.parquet").exists());

    let done = work
        .scan(
            &sim,
            &[&users[0], &users[1], "-o", "kept.csv", "--objects", "kept.parquet"],
        )
        .run();
    assert!(matches!(done.code, 0 | 3), "{}", done.explain());
    let files: usize = done
        .rows("kept.csv")
        .values()
        .map(|r| r["file_count"].parse::<usize>().unwrap())
        .sum();
    assert!(files > 0, "the users have files");
    // Continuing it without --objects would leave rows without their files: refused, saying how.
    let r = work
        .scan(&sim, &[&users[0], &users[1], "-o", "kept.csv", "--resume"])
        .run();
    assert_eq!(r.code, 2, "{}", r.explain());
    assert!(
        r.stderr.contains("add --objects FILE.parquet to continue it"),
        "{}",
        r.explain()
    );
    std::fs::write(work.path("kept.csv.journal.objects"), b"").unwrap();
    let s = work
        .run(&["summary", "--journal", "kept.csv.journal", "--objects", "y.parquet"])
        .run();
    assert_ne!(s.code, 0, "{}", s.explain());
    assert!(s.stderr.contains("does not hold the files of"), "{}", s.explain());
    assert!(!work.path("y.parquet").exists(), "nothing written");
}
