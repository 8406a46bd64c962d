//! Users in: from arguments, `--users-file` or SCIM (the one [`ScimPager`] of
//! [`super::principals`], users then service principals), deduplicated case-insensitively (first
//! spelling kept), in input order; then [`skip_recorded`] holds back the users the journal already
//! has.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use tokio::sync::mpsc;

use super::homes::{self, HomeIndex};
use super::job::{Job, UserSource};
use super::orphans;
pub use super::principals::ScimPager;
use super::principals::{self, ServicePrincipals};
use crate::error::UsageError;
use crate::model::{Trees, UserKey};
use crate::sandbox::Runtime;

/// The users named on the command line and in `--users-file` (home paths taken to usernames, not
/// yet deduplicated), and notes on what was skipped.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Given {
    /// The users, in input order.
    pub users: Vec<String>,
    /// What was skipped and why (empty `USER` arguments), for the console.
    pub notes: Vec<String>,
}

/// Only ASCII whitespace (space, tab, CR, LF, form feed) is trimmed around a name: a username
/// never holds whitespace, and other Unicode whitespace (U+0085, U+00A0, U+2028, …) is refused
/// where a name begins or ends with it ([`unicode_edge`]), never silently dropped.
fn trim_ascii(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii_whitespace())
}

/// `begins with U+0085` when a name (already ASCII-trimmed) begins or ends with other Unicode
/// whitespace.
fn unicode_edge(name: &str) -> Option<String> {
    let first = name.chars().next().filter(|c| c.is_whitespace());
    let last = name.chars().next_back().filter(|c| c.is_whitespace());
    match (first, last) {
        (Some(c), _) => Some(format!("begins with U+{:04X}", c as u32)),
        (None, Some(c)) => Some(format!("ends with U+{:04X}", c as u32)),
        (None, None) => None,
    }
}

/// "1st", "2nd", "3rd", "4th", … "11th", "21st".
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The refusal of names that begin or end with Unicode whitespace: `places` are "line 3 begins
/// with U+0085" and the like.
fn refuse_unicode_edges(source: &str, places: &[String]) -> anyhow::Result<()> {
    if places.is_empty() {
        return Ok(());
    }
    let more = match places.len() {
        n if n > 10 => format!(" … and {} more", n - 10),
        _ => String::new(),
    };
    Err(UsageError(format!(
        "{source}: {}{more}: Unicode whitespace, which no username holds (only ASCII spaces and tabs \
         around a name are trimmed); remove it",
        places[..places.len().min(10)].join(", ")
    ))
    .into())
}

/// The users given as `USER` arguments and in `--users-file` (see [`Given`]). Empty or blank
/// arguments are skipped with a note naming their positions; a name that begins or ends with
/// Unicode whitespace other than ASCII is refused, naming the argument or line.
pub fn given_users(args: &[String], users_file: Option<&Path>) -> anyhow::Result<Given> {
    let mut given = Given::default();
    let mut blank = Vec::new();
    let mut edges = Vec::new();
    for (n, a) in args.iter().enumerate() {
        let t = trim_ascii(a);
        if t.is_empty() {
            blank.push(ordinal(n + 1));
        } else if let Some(why) = unicode_edge(t) {
            edges.push(format!("the {} USER argument {why}", ordinal(n + 1)));
        } else {
            given.users.push(home_path_to_user(t).to_string());
        }
    }
    refuse_unicode_edges("USER arguments", &edges)?;
    if !blank.is_empty() {
        given.notes.push(format!(
            "skipped {} empty USER argument(s) (the {} of the USER arguments): an empty name is no user",
            blank.len(),
            blank.join(", ")
        ));
    }
    if let Some(f) = users_file {
        let lines = read_users_file(f)?;
        let edges: Vec<String> = lines
            .iter()
            .filter_map(|(line, u)| unicode_edge(u).map(|why| format!("line {line} {why}")))
            .collect();
        refuse_unicode_edges(&format!("users file {}", f.display()), &edges)?;
        given
            .users
            .extend(lines.into_iter().map(|(_, u)| home_path_to_user(&u).to_string()));
    }
    Ok(given)
}

/// Reads a users file: one username per line with its line number (1-based); blank lines and
/// `#` comments skipped; ASCII whitespace around a name trimmed. A UTF-8 BOM is tolerated.
/// `-` reads standard input.
pub fn read_users_file(path: &Path) -> anyhow::Result<Vec<(usize, String)>> {
    let bytes = if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).context("cannot read users from standard input")?;
        buf
    } else {
        std::fs::read(path).with_context(|| format!("cannot read users file {}", path.display()))?
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "users file {} is not UTF-8 text (byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(parse_users(text.strip_prefix('\u{feff}').unwrap_or(&text)))
}

/// Parses the users-file format: the names with their line numbers (1-based).
pub fn parse_users(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .map(|(n, l)| (n + 1, trim_ascii(l)))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .map(|(n, l)| (n, l.to_owned()))
        .collect()
}

/// The spellings of a home directory accepted where a username is expected.
pub const HOME_PREFIXES: &[&str] = &["dbfs:/Users/", "/dbfs/Users/", "/Workspace/Users/", "/Users/"];

/// Takes a home path given instead of a username to the username: `/Users/a@x.com`,
/// `dbfs:/Users/a@x.com`, `/dbfs/Users/a@x.com` and `/Workspace/Users/a@x.com` (a trailing `/`
/// allowed) all give `a@x.com`. Anything else is returned unchanged, so a name that still holds a
/// `/` (e.g. a deeper path) reaches the scanner and becomes an `invalid username` error row.
pub fn home_path_to_user(given: &str) -> &str {
    for prefix in HOME_PREFIXES {
        if let Some(rest) = given.strip_prefix(prefix) {
            let rest = rest.strip_suffix('/').unwrap_or(rest);
            if !rest.is_empty() && !rest.contains('/') {
                return rest;
            }
        }
    }
    given
}

/// Removes case-insensitive duplicates, keeping the first spelling; returns the users and
/// the duplicates dropped (as given).
pub fn dedupe(users: impl IntoIterator<Item = String>) -> (Vec<String>, Vec<String>) {
    let mut seen = HashSet::new();
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for u in users {
        if seen.insert(UserKey::of(&u)) {
            kept.push(u);
        } else {
            dropped.push(u);
        }
    }
    (kept, dropped)
}

/// Sends users to the scheduler: a fixed list (application ids among them resolved to service
/// principals), or SCIM pages as they arrive (deduplicated), then the service principals, then
/// (with `--orphans`) the orphaned homes. With `list_homes`, `/Users` is listed first in each
/// tree (with the first SCIM page) and homes it does not list are not requested ([`homes`]).
pub async fn feed_users(
    rt: &Runtime,
    source: UserSource,
    trees: Trees,
    list_homes: bool,
    tx: mpsc::Sender<(usize, Job)>,
) -> anyhow::Result<()> {
    let (page_size, orphans) = match source {
        UserSource::List(list) => {
            // The two listings a fixed list may need, at once.
            let sps = async {
                if !principals::any_application_id(&list) {
                    return Ok(ServicePrincipals::Listed(Vec::new()));
                }
                let sps = principals::list_service_principals(rt, 100).await?;
                if let ServicePrincipals::Refused(why) = &sps {
                    principals::warn_refused(why, "names given like an application id are scanned as users");
                }
                anyhow::Ok(sps)
            };
            let index = async {
                if list_homes {
                    HomeIndex::from_homes(&homes::list_or_probe(rt, trees, homes::HOMES_WAIT).await)
                } else {
                    HomeIndex::default()
                }
            };
            let (sps, index) = tokio::join!(sps, index);
            let sps = sps?;
            for (i, job) in principals::resolve_given(list, sps.listed(), trees)
                .into_iter()
                .enumerate()
            {
                if tx.send((i, index.place(job))).await.is_err() {
                    break;
                }
            }
            return Ok(());
        }
        UserSource::AllUsers { page_size, orphans } => (page_size, orphans),
    };
    let mut seen = HashSet::new();
    // With --orphans, inactive principals' homes are orphans: they wait for the home listing.
    let mut inactive = Vec::new();
    let mut scanned = Vec::new();
    let mut idx = 0usize;
    // --orphans needs both listings whole (a failure fails the run, at the end); without it, a
    // tree that cannot be listed is probed.
    let listing = async {
        if orphans {
            orphans::list_homes(rt, trees).await.map(Some)
        } else if list_homes {
            Ok(Some(homes::list_or_probe(rt, trees, homes::HOMES_WAIT).await))
        } else {
            Ok(None)
        }
    };
    tokio::pin!(listing);
    let mut pager = ScimPager::new(rt, page_size);
    let (early, first) = tokio::join!(
        tokio::time::timeout(homes::HOMES_WAIT, listing.as_mut()),
        pager.next_page()
    );
    let (index, mut listed) = match early {
        Ok(Ok(h)) => (h.as_ref().map(HomeIndex::from_homes).unwrap_or_default(), Some(Ok(h))),
        Ok(Err(e)) => (HomeIndex::default(), Some(Err(e))),
        Err(_) => {
            tracing::warn!(
                "/Users was not listed within {} s: probing each user's homes instead (one request per user and tree)",
                homes::HOMES_WAIT.as_secs()
            );
            (HomeIndex::default(), None)
        }
    };
    let scim = async {
        let mut page = first;
        while let Some(users) = page? {
            for u in users {
                if orphans && u.active == Some(false) {
                    inactive.push(u);
                } else if seen.insert(UserKey::of(&u.name)) {
                    if orphans {
                        scanned.push(u.name.clone());
                    }
                    tx.send((idx, index.job(u.name, trees))).await.ok();
                    idx += 1;
                }
            }
            page = pager.next_page().await;
        }
        anyhow::Ok(())
    };
    let homes = async {
        match listed.take() {
            Some(h) => h,
            None => listing.await,
        }
    };
    let (scim, sps, homes) = tokio::join!(scim, principals::list_service_principals(rt, page_size), homes);
    scim?;
    // The service principals follow the users, in listing order (a stable CSV order).
    let sps = sps?;
    if let ServicePrincipals::Refused(why) = &sps {
        let consequence = if orphans {
            "homes named like an application id are marked orphan=unknown"
        } else {
            "their homes are not scanned"
        };
        principals::warn_refused(why, consequence);
    }
    for sp in sps.listed() {
        if orphans && sp.active == Some(false) {
            inactive.push(sp.clone());
        } else if seen.insert(UserKey::of(&sp.name)) {
            if orphans {
                scanned.push(sp.name.clone());
            }
            tx.send((idx, index.place(Job::listed(sp, trees)))).await.ok();
            idx += 1;
        }
    }
    if let (true, Some(homes)) = (orphans, homes?) {
        for job in orphans::plan(&homes, &scanned, &inactive, sps.refused(), trees) {
            let job = index.place(job);
            tx.send((idx, job)).await.ok();
            idx += 1;
        }
    }
    Ok(())
}

/// Sits between the user feeder and the scheduler: remembers the input order (for the
/// outputs) and holds back users the journal already has. Sets `to_scan` when the input ends.
pub async fn skip_recorded(
    mut rx: mpsc::Receiver<(usize, Job)>,
    tx: mpsc::Sender<(usize, Job)>,
    skip: Arc<HashSet<UserKey>>,
    order: Arc<Mutex<Vec<String>>>,
    to_scan: Arc<Mutex<Option<usize>>>,
) {
    let mut n = 0usize;
    while let Some((idx, job)) = rx.recv().await {
        order.lock().expect("not poisoned").push(job.user.clone());
        if skip.contains(&UserKey::of(&job.user)) {
            continue;
        }
        n += 1;
        if tx.send((idx, job)).await.is_err() {
            break;
        }
    }
    *to_scan.lock().expect("not poisoned") = Some(n);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_blank_lines_are_skipped() {
        let u = parse_users("# team\n\na@x.com\n  b@x.com \t\n# c@x.com\r\nd@x.com\r\n");
        assert_eq!(
            u,
            [(3, "a@x.com".to_string()), (4, "b@x.com".into()), (6, "d@x.com".into())]
        );
    }

    #[test]
    fn only_ascii_whitespace_is_trimmed_and_unicode_whitespace_at_an_edge_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("users.txt");
        std::fs::write(&f, "a@x.com\n\u{85}b@x.com\nc@x.com\u{a0}\n  d@x.com\n\u{2028}\n").unwrap();
        let e = given_users(&[], Some(&f)).unwrap_err();
        assert!(e.downcast_ref::<UsageError>().is_some(), "{e:#}");
        let e = e.to_string();
        assert!(
            e.contains("line 2 begins with U+0085, line 3 ends with U+00A0, line 5 begins with U+2028"),
            "{e}"
        );
        assert!(
            e.contains(&f.display().to_string()) && e.contains("Unicode whitespace"),
            "{e}"
        );
        // Inside a name it is left to the scanner (a control character there is an error row).
        std::fs::write(&f, "\u{feff}a@x.com\r\nb\u{85}c@x.com\n").unwrap();
        let g = given_users(&[], Some(&f)).unwrap();
        assert_eq!(g.users, ["a@x.com", "b\u{85}c@x.com"]);
        assert!(g.notes.is_empty());
        let e = given_users(&["a@x.com".into(), "\u{a0}b@x.com".into()], None).unwrap_err();
        assert!(
            e.to_string().contains("the 2nd USER argument begins with U+00A0"),
            "{e}"
        );
    }

    #[test]
    fn empty_arguments_are_skipped_with_a_note_naming_their_positions() {
        let args: Vec<String> = ["a@x.com", "", "b@x.com", " \t", "/Users/c@x.com"]
            .map(String::from)
            .into();
        let g = given_users(&args, None).unwrap();
        assert_eq!(g.users, ["a@x.com", "b@x.com", "c@x.com"]);
        assert_eq!(
            g.notes,
            ["skipped 2 empty USER argument(s) (the 2nd, 4th of the USER arguments): an empty name is no user"]
        );
        assert_eq!(given_users(&["a".into()], None).unwrap().notes, Vec::<String>::new());
        assert_eq!(
            [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal).join(" "),
            "1st 2nd 3rd 4th 11th 12th 13th 21st 22nd 101st 111th"
        );
    }

    #[test]
    fn home_paths_are_taken_as_usernames() {
        for given in [
            "/Users/a@x.com",
            "dbfs:/Users/a@x.com",
            "/dbfs/Users/a@x.com",
            "/Workspace/Users/a@x.com",
            "/Users/a@x.com/",
        ] {
            assert_eq!(home_path_to_user(given), "a@x.com", "{given}");
        }
        for kept in [
            "a@x.com",
            "/Users/a@x.com/sub",
            "/Users/",
            "/Users//",
            "/Volumes/a@x.com",
            "dbfs:/a@x.com",
            "Users/a@x.com",
            "/users/a@x.com",
        ] {
            assert_eq!(home_path_to_user(kept), kept, "{kept}");
        }
    }

    #[test]
    fn duplicates_are_dropped_case_insensitively_first_spelling_kept() {
        let (k, d) = dedupe(["Alice@X.com", "bob@x.com", "alice@x.com", "BOB@X.COM"].map(String::from));
        assert_eq!(k, ["Alice@X.com", "bob@x.com"]);
        assert_eq!(d, ["alice@x.com", "BOB@X.COM"]);
    }
}
