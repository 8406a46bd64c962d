//! `objects`: the counted files handed to the host, one object each (see `walk`, `objects`). Every
//! other scenario checks the objects against the counts too (`sink::check`); these check them
//! field by field, and how they are batched.

use super::fake::{err_json, Fake};
use super::fixtures::{p, sample, AS_OF, BOTH, H, U, WS_ONLY};
use super::sink::{scan_collect, Collector};
use crate::export::EXPORT_PATH;
use crate::types::{Location, Object, ScanOptions, ScanStatus, Tree};
use crate::walk::{self, MAX_EXPORTS_PER_BATCH};
use serde_json::json;

const DAY: i64 = 86_400_000;
const UPLOADS: &str = "/FileStore/shared_uploads/a@x.com";
const REPOS: &str = "/Repos/a@x.com";

const ALL: ScanOptions = ScanOptions {
    uploads: true,
    repos: true,
    ..BOTH
};
const SIZED: ScanOptions = ScanOptions {
    notebook_sizes: true,
    ..BOTH
};

fn obj(location: Location, path: &str, ty: &str, size: Option<u64>, t: Option<i64>, lang: Option<&str>) -> Object {
    Object {
        location,
        path: Some(path.to_string()),
        object_type: ty.to_string(),
        size,
        modified_ms: t,
        language: lang.map(str::to_string),
    }
}

/// The objects of one location, sorted by path.
fn sorted(c: &Collector, tree: Tree) -> Vec<Object> {
    let mut v: Vec<Object> = c.of(tree).into_iter().cloned().collect();
    v.sort_by(|a, b| a.path.cmp(&b.path));
    v
}

#[test]
fn every_counted_file_of_the_four_locations_is_handed_as_listed() {
    let t = AS_OF - 10 * DAY;
    let mut f = Fake::new();
    f.ws_dir(H)
        .ws_obj(
            &p("nb"),
            json!({"object_type": "NOTEBOOK", "language": "PYTHON", "modified_at": t}),
        )
        .ws_obj(
            &p("f.csv"),
            json!({"object_type": "FILE", "size": 12, "modified_at": t.to_string()}),
        )
        .ws_obj(&p("lib"), json!({"object_type": "LIBRARY", "size": "3"}))
        .ws_obj(
            &p("dash"),
            json!({"object_type": "DASHBOARD", "modified_at": AS_OF + 2 * DAY}),
        )
        .ws_obj(
            &p("new"),
            json!({"object_type": "SOMETHING_NEW", "language": "KLINGON"}),
        )
        .ws_obj(&p("untyped"), json!({"object_id": 5, "size": 1.5}))
        .ws_obj(&p("numtyped"), json!({"object_type": 42, "language": 7, "size": 4}))
        .ws_dir(&p("d"))
        .ws_obj(
            &p("d/sql"),
            json!({"object_type": "NOTEBOOK", "language": "SQL", "size": 99}),
        );
    f.dbfs_dir(H)
        .dbfs_raw(
            H,
            json!({"path": format!("dbfs:{H}/a.bin"), "file_size": 100, "modification_time": t}),
        )
        .dbfs_raw(H, json!({"path": format!("{H}/nosize"), "is_dir": false}));
    f.dbfs_dir(UPLOADS).dbfs_file(&format!("{UPLOADS}/up.csv"), Some(7));
    f.ws_dir(REPOS)
        .ws_repo(&format!("{REPOS}/proj"))
        .ws_obj(
            &format!("{REPOS}/proj/nb"),
            json!({"object_type": "NOTEBOOK", "language": "SCALA"}),
        )
        .ws_file(&format!("{REPOS}/proj/README.md"), Some(50));
    let (r, c) = scan_collect(&mut f, U, ALL);
    assert_eq!(r.status, ScanStatus::Success, "{:?}", r.error);
    use Location::*;
    assert_eq!(
        sorted(&c, Tree::Workspace),
        vec![
            obj(Workspace, &p("d/sql"), "NOTEBOOK", Some(99), None, Some("SQL")),
            obj(Workspace, &p("dash"), "DASHBOARD", None, None, None),
            obj(Workspace, &p("f.csv"), "FILE", Some(12), Some(t), None),
            obj(Workspace, &p("lib"), "LIBRARY", Some(3), None, None),
            obj(Workspace, &p("nb"), "NOTEBOOK", None, Some(t), Some("PYTHON")),
            obj(Workspace, &p("new"), "SOMETHING_NEW", None, None, Some("KLINGON")),
            obj(Workspace, &p("numtyped"), "", Some(4), None, None),
            obj(Workspace, &p("untyped"), "", None, None, None),
        ]
    );
    assert_eq!(
        sorted(&c, Tree::Dbfs),
        vec![
            obj(Dbfs, &p("a.bin"), "FILE", Some(100), Some(t), None),
            obj(Dbfs, &p("nosize"), "FILE", None, None, None),
        ]
    );
    assert_eq!(
        sorted(&c, Tree::Uploads),
        vec![obj(
            Uploads,
            &format!("{UPLOADS}/up.csv"),
            "FILE",
            Some(7),
            Some(1),
            None
        )]
    );
    assert_eq!(
        sorted(&c, Tree::Repos),
        vec![
            obj(Repos, &format!("{REPOS}/proj/README.md"), "FILE", Some(50), None, None),
            obj(
                Repos,
                &format!("{REPOS}/proj/nb"),
                "NOTEBOOK",
                None,
                None,
                Some("SCALA")
            ),
        ]
    );
    assert_eq!(
        c.all().len() as u64,
        [r.dbfs, r.workspace, r.uploads, r.repos]
            .iter()
            .flatten()
            .map(|s| s.files)
            .sum::<u64>()
    );
}

#[test]
fn each_listing_hands_its_files_in_one_put_and_a_listing_without_files_none() {
    let mut f = sample();
    f.ws_dir(&p("proj/only_dirs")).ws_dir(&p("proj/only_dirs/x"));
    let (_, c) = scan_collect(&mut f, U, BOTH);
    // Listings with files: the two homes, Workspace proj, DBFS sub; the others hand nothing.
    let mut puts: Vec<(Location, Vec<String>)> = c
        .puts
        .iter()
        .map(|b| {
            assert!(
                b.iter().all(|o| o.location == b[0].location),
                "one listing, one location"
            );
            let mut v: Vec<String> = b.iter().map(|o| o.path.clone().unwrap()).collect();
            v.sort();
            (b[0].location, v)
        })
        .collect();
    puts.sort_by(|a, b| (a.0 as u8, &a.1).cmp(&(b.0 as u8, &b.1)));
    assert_eq!(
        puts,
        vec![
            (Location::Dbfs, vec![p("f.csv")]),
            (Location::Dbfs, vec![p("sub/g.parquet")]),
            (Location::Workspace, vec![p("data.csv"), p("nb")]),
            (Location::Workspace, vec![p("proj/a.py"), p("proj/nb2")]),
        ]
    );
}

#[test]
fn a_file_listed_twice_or_in_two_listings_is_handed_once() {
    let mut f = Fake::new();
    f.dbfs_dir(H)
        .dbfs_dir(&p("a"))
        .dbfs_file(&p("x"), Some(5))
        .dbfs_raw(H, json!({"path": p("x"), "file_size": 5}))
        .dbfs_raw(H, json!({"path": format!("dbfs:{}/", p("x")), "file_size": 5}))
        // A non-child, listed again in another listing.
        .dbfs_raw(&p("a"), json!({"path": p("x"), "file_size": 5}));
    f.ws_dir(H)
        .ws_nb(&p("nb"))
        .ws_raw(H, json!({"path": p("nb"), "object_type": "NOTEBOOK"}));
    let (r, c) = scan_collect(&mut f, U, BOTH);
    assert_eq!((r.dbfs.unwrap().files, r.workspace.unwrap().files), (1, 1));
    assert_eq!(c.paths(Tree::Dbfs), [Some(p("x"))]);
    assert_eq!(c.paths(Tree::Workspace), [Some(p("nb"))]);
}

#[test]
fn entries_outside_the_home_are_never_handed_and_entries_without_a_path_each_go_without_one() {
    let mut f = Fake::new();
    f.dbfs_dir(H)
        .dbfs_file(&p("mine"), Some(1))
        .dbfs_raw(H, json!({"path": "/Users/b@x.com/theirs", "file_size": 9}))
        .dbfs_raw(H, json!({"path": format!("{H}/../b@x.com/x"), "file_size": 9}))
        .dbfs_raw(H, json!({"path": "/Users/a@x.com.evil/x", "file_size": 9}))
        .dbfs_raw(H, json!({"file_size": 3}))
        .dbfs_raw(H, json!({"file_size": 3}));
    f.ws_dir(H)
        .ws_raw(H, json!({"object_type": "NOTEBOOK", "language": "R"}));
    let (r, c) = scan_collect(&mut f, U, BOTH);
    assert_eq!(r.status, ScanStatus::Error, "entries outside the home are an error");
    assert_eq!(r.dbfs.unwrap().files, 3);
    assert_eq!(c.paths(Tree::Dbfs), [None, None, Some(p("mine"))]);
    let w = c.of(Tree::Workspace);
    assert_eq!(w.len(), 1);
    assert_eq!((w[0].path.as_deref(), w[0].language.as_deref()), (None, Some("R")));
}

#[test]
fn a_size_that_takes_the_total_past_u64_is_still_handed_with_the_file() {
    let mut f = Fake::new();
    f.dbfs_dir(H)
        .dbfs_file(&p("a"), Some(u64::MAX))
        .dbfs_dir(&p("d"))
        .dbfs_file(&p("d/b"), Some(u64::MAX));
    let (r, c) = scan_collect(&mut f, U, BOTH);
    assert_eq!(r.status, ScanStatus::Error);
    let mut sizes: Vec<_> = c.of(Tree::Dbfs).iter().map(|o| o.size).collect();
    sizes.sort();
    assert_eq!(sizes, [Some(u64::MAX), Some(u64::MAX)]);
}

#[test]
fn a_notebook_waiting_for_its_export_is_handed_once_with_the_exported_size() {
    let mut f = Fake::new();
    f.ws_dir(H)
        .ws_nb_src(&p("ok"), "PYTHON", "print(1)")
        .ws_nb(&p("huge"))
        .ws_obj(
            &p("listed_size"),
            json!({"object_type": "NOTEBOOK", "language": "SQL", "size": 7}),
        )
        .ws_file(&p("f"), Some(1))
        // Without a path it cannot be exported: handed with the listing, unsized.
        .ws_raw(H, json!({"object_type": "NOTEBOOK", "language": "R"}));
    f.on(
        EXPORT_PATH,
        &p("huge"),
        vec![err_json(400, "MAX_NOTEBOOK_SIZE_EXCEEDED", "too big")],
    );
    let (r, c) = scan_collect(&mut f, U, SIZED);
    let w = r.workspace.unwrap();
    assert_eq!((w.files, w.notebooks_unsized, w.notebook_bytes), (5, 1, Some(8)));
    assert_eq!(c.puts.len(), 2, "the listing, then its batch of exports");
    let mut listed: Vec<_> = c.puts[0].iter().map(|o| (o.path.clone(), o.size)).collect();
    listed.sort();
    assert_eq!(
        listed,
        [(None, None), (Some(p("f")), Some(1)), (Some(p("listed_size")), Some(7))]
    );
    let mut exported = c.puts[1].clone();
    exported.sort_by(|a, b| a.path.cmp(&b.path));
    use Location::Workspace;
    assert_eq!(
        exported,
        [
            obj(Workspace, &p("huge"), "NOTEBOOK", None, None, Some("PYTHON")),
            obj(Workspace, &p("ok"), "NOTEBOOK", Some(8), None, Some("PYTHON")),
        ]
    );
}

#[test]
fn exported_notebooks_go_in_one_put_per_batch_of_exports() {
    let mut f = Fake::new();
    f.ws_dir(H);
    for i in 0..40 {
        f.ws_nb_src(&p(&format!("nb{i:02}")), "PYTHON", &"x".repeat(i));
    }
    let (r, c) = scan_collect(&mut f, U, ScanOptions { dbfs: false, ..SIZED });
    assert_eq!(r.workspace.unwrap().notebook_bytes, Some((0..40).sum()));
    let sizes: Vec<usize> = c.puts.iter().map(Vec::len).collect();
    assert_eq!(
        sizes,
        [
            MAX_EXPORTS_PER_BATCH,
            MAX_EXPORTS_PER_BATCH,
            40 - 2 * MAX_EXPORTS_PER_BATCH
        ]
    );
    for o in c.all() {
        let i: u64 = o.path.as_deref().unwrap()[H.len() + 3..].parse().unwrap();
        assert_eq!(o.size, Some(i), "{o:?}");
    }
}

#[test]
fn a_run_stopped_before_the_exports_still_hands_every_counted_notebook_once_unsized() {
    let mut f = Fake::new();
    f.ws_dir(H).ws_dir(&p("d"));
    for i in 0..20 {
        f.ws_nb_src(&p(&format!("nb{i:02}")), "PYTHON", "x");
    }
    // The home listing answers; the first export batch (and the subdirectory) are cancelled.
    f.cancel_after = Some(1 + 3);
    let (r, c) = scan_collect(&mut f, U, ScanOptions { dbfs: false, ..SIZED });
    assert_eq!(r.status, ScanStatus::Error);
    let w = r.workspace.unwrap();
    assert_eq!(w.files, 20);
    let sized = c.all().iter().filter(|o| o.size.is_some()).count();
    assert_eq!((c.all().len(), sized), (20, 3));
    assert_eq!(f.batches[1].len(), 17, "16 exports and the subdirectory");
}

#[test]
fn without_objects_the_import_is_never_called_and_the_counts_are_the_same() {
    for opts in [BOTH, SIZED, ALL] {
        let mut on = sample();
        on.ws_nb_src(&p("src"), "PYTHON", "abc");
        let mut off = sample();
        off.ws_nb_src(&p("src"), "PYTHON", "abc");
        let (with, handed) = scan_collect(&mut on, U, opts);
        let mut none = Collector::default();
        let without = walk::scan_user(&mut off, &mut none, U, ScanOptions { objects: false, ..opts });
        assert!(none.puts.is_empty());
        assert!(!handed.puts.is_empty());
        assert_eq!(with, without);
        assert_eq!(on.batches, off.batches);
    }
    // An invalid username scans nothing and hands nothing.
    let (r, c) = scan_collect(&mut sample(), "../b@x.com", WS_ONLY);
    assert_eq!((r.status, c.puts.len()), (ScanStatus::Error, 0));
}
