//! Usernames: the ones that could leave `/Users` are refused before any request; every other
//! one is sent raw.

use super::fake::Fake;
use super::fixtures::{all_within_home, sample, BOTH};
use crate::types::*;
use super::sink::scan_user;
use crate::walk::home_of;

#[test]
fn hostile_usernames_are_refused_without_requests() {
    for u in ["", ".", "..", "a/b", "../../etc", "a\\b", "a\nb", "a\u{0}b", "a\tb"] {
        let mut f = sample();
        let r = scan_user(&mut f, u, BOTH);
        assert_eq!(r.status, ScanStatus::Error, "{u:?}");
        assert!(r.error.as_ref().unwrap().starts_with("invalid username '"), "{u:?}");
        assert!(!r.error.as_ref().unwrap().contains('\n'));
        assert_eq!((r.requests, r.dbfs, r.workspace), (0, None, None));
        assert!(f.batches.is_empty(), "{u:?}");
        assert_eq!(r.username, u);
    }
    let mut f = Fake::new();
    let r = scan_user(&mut f, "a/b", BOTH);
    assert_eq!(r.error.as_deref(), Some("invalid username 'a/b': contains '/'"));
}
#[test]
fn odd_usernames_are_sent_raw() {
    for u in [
        "a+b@x.com",
        "a#b?c=d&e%20f@x.com",
        "first last@x.com",
        "ünï©ødé@例え.jp",
        "...",
        "a..b",
    ] {
        let home = home_of(u);
        let mut f = Fake::new();
        f.ws_dir(&home)
            .ws_dir(&format!("{home}/sub dir"))
            .ws_file(&format!("{home}/sub dir/f%20"), Some(3));
        f.dbfs_dir(&home).dbfs_file(&format!("{home}/x#y"), Some(4));
        let r = scan_user(&mut f, u, BOTH);
        assert_eq!(r.status, ScanStatus::Success, "{u}: {:?}", r.error);
        assert_eq!(r.workspace.unwrap().bytes + r.dbfs.unwrap().bytes, 7);
        assert_eq!(f.batches[0][0].param("path"), Some(home.as_str()));
        all_within_home(&f, &home);
    }
}
