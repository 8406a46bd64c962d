//! `scan-user` batching: which requests go out together, in which order, and how many.

use super::fixtures::{p, sample, wide, BOTH, H, NEITHER, U};
use super::sink::scan_user;
use crate::types::*;
use crate::{dbfs, workspace};

#[test]
fn levels_of_both_trees_go_out_together() {
    let mut f = sample();
    scan_user(&mut f, U, BOTH);
    assert_eq!(f.batches.len(), 3, "one batch per level: {:?}", f.batches);
    let b0: Vec<_> = f.batches[0]
        .iter()
        .map(|r| (r.path.as_str(), r.param("path").unwrap()))
        .collect();
    assert_eq!(b0, vec![(dbfs::LIST_PATH, H), (workspace::LIST_PATH, H)]);
    let b1: Vec<_> = f.batches[1]
        .iter()
        .map(|r| (r.path.as_str(), r.param("path").unwrap().to_string()))
        .collect();
    assert_eq!(b1, vec![(dbfs::LIST_PATH, p("sub")), (workspace::LIST_PATH, p("proj"))]);
    assert_eq!(f.batches[2].len(), 2);
}
#[test]
fn batches_are_full_and_never_exceed_the_batch_size_or_its_cap() {
    for (asked, limit) in [
        (0u32, 64usize),
        (10, 10),
        (1, 1),
        (256, 256),
        (1000, 256),
        (u32::MAX, 256),
    ] {
        let mut f = wide(300);
        let r = scan_user(
            &mut f,
            U,
            ScanOptions {
                batch_size: asked,
                ..BOTH
            },
        );
        assert_eq!(r.status, ScanStatus::Success);
        assert_eq!(r.requests, 602);
        assert_eq!(r.workspace.as_ref().unwrap().files, 300);
        assert_eq!(r.dbfs.as_ref().unwrap().bytes, 600);
        let max = f.batches.iter().map(Vec::len).max().unwrap();
        assert_eq!(max, limit.min(600), "batch_size {asked}");
        // Batches are full except the last one: no half-empty round trips.
        let n = f.batches.len();
        assert!(
            f.batches[..n - 1].iter().skip(1).all(|b| b.len() == limit),
            "batch_size {asked}"
        );
        assert_eq!(
            n,
            2usize.div_ceil(limit) + 600usize.div_ceil(limit),
            "batch_size {asked}"
        );
    }
}
#[test]
fn directories_are_listed_breadth_first() {
    let mut f = wide(3);
    f.ws_dir(&p("w0/deeper")).ws_file(&p("w0/deeper/x"), Some(5));
    scan_user(&mut f, U, ScanOptions { batch_size: 2, ..BOTH });
    let order: Vec<String> = f
        .requests()
        .iter()
        .map(|r| format!("{}:{}", &r.path[9..13], r.param("path").unwrap()))
        .collect();
    let depth = |s: &String| s.matches('/').count();
    assert!(order.windows(2).all(|w| depth(&w[0]) <= depth(&w[1])), "{order:?}");
}
#[test]
fn a_scan_of_no_location_sends_no_request() {
    let mut f = sample();
    let r = scan_user(&mut f, U, NEITHER);
    assert_eq!(
        (r.status, r.requests, r.dbfs, r.workspace),
        (ScanStatus::Empty, 0, None, None)
    );
    assert!(f.batches.is_empty());
}
