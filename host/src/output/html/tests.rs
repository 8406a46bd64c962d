//! The report's content, escaping and ids.

use super::aggregate::*;
use super::*;
use crate::model::{Status, TreeStats, Trees};

fn meta() -> HtmlMeta {
    HtmlMeta {
        host: "https://adb-1.azuredatabricks.net".into(),
        generated_at: "2025-11-22 10:00:00 UTC".into(),
        version: "0.1.0".into(),
        trees: "DBFS + Workspace".into(),
        notes: Vec::new(),
        ages: None,
        workspaces: Vec::new(),
    }
}

fn row(name: &str, status: Status, dbfs: (u64, u64), ws: (u64, u64)) -> UserRow {
    UserRow {
        username: name.into(),
        status,
        error: (status == Status::Error).then(|| "listing failed".to_string()),
        dbfs: Some(TreeStats {
            home_exists: true,
            files: dbfs.0,
            bytes: dbfs.1,
            ..Default::default()
        }),
        workspace: Some(TreeStats {
            home_exists: true,
            files: ws.0,
            bytes: ws.1,
            ..Default::default()
        }),
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

/// `data-value` of the element with `id`.
fn value(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!(r#"id="{id}""#))?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[at..tag_end];
    let v = tag.split(r#"data-value=""#).nth(1)?;
    Some(v[..v.find('"')?].to_string())
}

#[test]
fn escapes_hostile_usernames_and_messages() {
    let mut evil = row("<script>alert(1)</script>@x.com", Status::Error, (1, 10), (0, 0));
    evil.error = Some("boom in /Users/<img src=x onerror=alert(2)>/\"q\" & 'a'".into());
    let attr = row("\"><svg onload=alert(3)>@x.com", Status::Success, (5, 5_000), (0, 0));
    let html = render(&[evil, attr], &meta());
    assert!(!html.contains("<script"), "raw script tag in output");
    assert!(!html.contains("<img"), "raw img tag in output");
    assert!(!html.contains("<svg onload"), "raw svg tag in output");
    assert!(!html.contains("\"><svg"), "attribute breakout");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;@x.com"));
    assert!(html.contains("/Users/&lt;img src=x onerror=alert(2)&gt;/&quot;q&quot; &amp; &#39;a&#39;"));
    assert!(html.contains(r#"data-user="&quot;&gt;&lt;svg onload=alert(3)&gt;@x.com""#));
    // The page itself carries no script and forbids any.
    assert!(html.contains("default-src 'none'"));
    assert!(!html.contains("<script"));
}

#[test]
fn escapes_the_host_and_control_characters() {
    let mut m = meta();
    m.host = "<b>h</b>\u{7}".into();
    let html = render(&[] as &[UserRow], &m);
    assert!(!html.contains("<b>h</b>"));
    assert!(html.contains("&lt;b&gt;h&lt;/b&gt;\u{FFFD}"));
    assert_eq!(esc("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
}

#[test]
fn totals_split_and_top_user() {
    let mut o = row("orphan@x.com", Status::Success, (1, 100), (0, 0));
    o.orphan = crate::model::Orphan::Yes;
    let rows = vec![
        row("a@x.com", Status::Success, (10, 3 * MIB), (5, 1000)),
        row("b@x.com", Status::Empty, (0, 0), (0, 0)),
        row("c@x.com", Status::Error, (2, 20), (1, 5)),
        row("d@x.com", Status::Success, (1, 2 * GIB), (0, 0)),
        o,
    ];
    let html = render(&rows, &meta());
    let v = |id| value(&html, id).unwrap_or_else(|| panic!("no #{id}"));
    assert_eq!(v("total-users"), "5");
    assert_eq!(v("count-success"), "3");
    assert_eq!(v("count-empty"), "1");
    assert_eq!(v("count-error"), "1");
    assert_eq!(v("count-orphan"), "1");
    assert_eq!(v("total-files"), (10 + 5 + 2 + 1 + 1 + 1).to_string());
    let bytes = 3 * MIB + 1000 + 20 + 5 + 2 * GIB + 100;
    assert_eq!(v("total-bytes"), bytes.to_string());
    assert_eq!(v("dbfs-files"), "14");
    assert_eq!(v("dbfs-bytes"), (3 * MIB + 20 + 2 * GIB + 100).to_string());
    assert_eq!(v("workspace-files"), "6");
    assert_eq!(v("workspace-bytes"), "1005");
    assert!(html.contains(&format!(
        r#"<tr data-rank="1" data-user="d@x.com" data-files="1" data-bytes="{}">"#,
        2 * GIB
    )));
    assert!(html.contains(r#"<tr data-rank="2" data-user="a@x.com""#));
    // Errors table lists c; orphan table lists the orphan.
    assert!(
        html.contains(r#"<tr data-user="c@x.com"><td class="user">c@x.com</td><td class="msg">listing failed</td>"#)
    );
    assert!(html.contains(r#"id="orphans""#) && html.contains(r#"<tr data-user="orphan@x.com" data-bytes="100">"#));
    // Histogram: 0 B → b; <1 MB → c (25 B), orphan (100 B); 1–10 MB → a; 1–10 GB → d.
    for (bucket, count) in [(0, 1), (1, 2), (2, 1), (3, 0), (5, 1), (8, 0)] {
        assert!(
            html.contains(&format!(
                r#"data-bucket="{bucket}" data-label="{}" data-count="{count}""#,
                esc(BUCKETS[bucket].0)
            )),
            "bucket {bucket}"
        );
    }
}

#[test]
fn no_orphan_section_without_orphans_and_no_error_table_without_errors() {
    let html = render(&[row("a@x.com", Status::Success, (1, 1), (1, 1))], &meta());
    assert!(!html.contains("orphans-section") && value(&html, "count-orphan").is_none());
    assert!(!html.contains(r#"id="errors""#) && html.contains("No errors"));
}

#[test]
fn empty_input_renders_zeroes() {
    let html = render(&[] as &[UserRow], &meta());
    for id in [
        "total-users",
        "total-files",
        "total-bytes",
        "count-success",
        "count-empty",
        "count-error",
        "dbfs-files",
        "workspace-bytes",
    ] {
        assert_eq!(value(&html, id).as_deref(), Some("0"), "{id}");
    }
    assert!(html.contains("No users recorded."));
    assert!(!html.contains("NaN") && !html.contains("inf"));
    assert!(html.trim_end().ends_with("</html>"));
}

#[test]
fn single_tree_scans_say_which_tree_was_not_scanned() {
    let mut r = row("a@x.com", Status::Success, (3, 30), (0, 0));
    r.workspace = None;
    let html = render(
        &[r],
        &HtmlMeta {
            trees: Trees::from_flags(true, false).to_string(),
            ..meta()
        },
    );
    assert!(html.contains("not scanned"));
    assert_eq!(value(&html, "dbfs-files").as_deref(), Some("3"));
    assert_eq!(value(&html, "workspace-files").as_deref(), Some("0"));
}

#[test]
fn buckets_are_log_scale_with_exact_edges() {
    assert_eq!(bucket_of(0u64), 0);
    assert_eq!(bucket_of(1u64), 1);
    assert_eq!(bucket_of(MIB - 1), 1);
    assert_eq!(bucket_of(MIB), 2);
    assert_eq!(bucket_of(10 * MIB), 3);
    assert_eq!(bucket_of(GIB - 1), 4);
    assert_eq!(bucket_of(GIB), 5);
    assert_eq!(bucket_of(TIB), 8);
    assert_eq!(bucket_of(u64::MAX), 8);
}

#[test]
fn no_external_references() {
    let html = render(&[row("a@x.com", Status::Success, (1, 1), (1, 1))], &meta());
    for bad in [
        "src=", "href=", "@import", "url(", "<link", "<script", "<img", "<iframe", "<object",
    ] {
        assert!(!html.contains(bad), "{bad} found");
    }
}

/// A location with files, bytes, stale and age counts.
fn located(files: u64, bytes: u64, stale: (u64, u64), older: u64) -> TreeStats {
    TreeStats {
        home_exists: true,
        files,
        bytes,
        stale_files: stale.0,
        stale_bytes: stale.1,
        age: crate::model::AgeBytes {
            under_30_days: bytes - older,
            older,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The opening tag of the `tr` with this attribute.
fn tr_with<'a>(html: &'a str, attr: &str) -> &'a str {
    let at = html.find(attr).unwrap_or_else(|| panic!("no {attr}"));
    let start = html[..at].rfind("<tr").unwrap();
    &html[start..at + html[at..].find('>').unwrap() + 1]
}

#[test]
fn locations_section_counts_each_location_and_says_which_were_not_scanned_or_available() {
    let mut a = row("a@x.com", Status::Success, (1, 10), (2, 20));
    a.uploads = Some(TreeStats::unavailable());
    let mut b = row("b@x.com", Status::Success, (0, 0), (1, 5));
    b.dbfs.as_mut().unwrap().home_exists = false;
    b.uploads = Some(TreeStats::unavailable());
    let html = render(&[a, b], &meta());
    assert!(html.contains(r#"id="locations""#));
    assert!(tr_with(&html, r#"data-location="dbfs""#)
        .contains(r#"data-state="scanned" data-files="1" data-bytes="10" data-homes="1""#));
    assert!(tr_with(&html, r#"data-location="workspace""#)
        .contains(r#"data-state="scanned" data-files="3" data-bytes="25" data-homes="2""#));
    assert!(tr_with(&html, r#"data-location="uploads""#).contains(r#"data-state="not_available""#));
    assert!(tr_with(&html, r#"data-location="repos""#).contains(r#"data-state="not_scanned""#));
    let locs = &html[html.find(r#"id="locations""#).unwrap()..];
    let locs = &locs[..locs.find("</table>").unwrap()];
    assert!(locs.contains("not available: this workspace answers no DBFS request"));
    assert!(locs.contains("1 of 2") && locs.contains("dbfs:/FileStore/shared_uploads/&lt;user&gt;"));
}

#[test]
fn age_section_gives_the_bands_the_stale_total_and_share_and_the_stale_users() {
    let mut rows = Vec::new();
    // 30 users; user i holds i stale bytes in an older DBFS file (user 0 none).
    for i in 0..30u64 {
        let mut r = row(&format!("u{i:02}@x.com"), Status::Success, (0, 0), (0, 0));
        r.dbfs = Some(located(2, 100, (u64::from(i > 0), i), i));
        r.dbfs.as_mut().unwrap().last_modified_ms = Some(1_764_522_245_678 + i as i64);
        rows.push(r);
    }
    // A hostile name among the stale users, with the most stale bytes, in /Repos.
    let mut evil = row("<b>\"x\"</b>@x.com", Status::Success, (0, 0), (0, 0));
    evil.repos = Some(located(1, 1_000, (1, 1_000), 1_000));
    rows.push(evil);
    let mut m = meta();
    m.ages = Some(crate::model::Ages {
        as_of_ms: 1_764_460_800_000,
        stale_days: 365,
    });
    let html = render(&rows, &m);
    let stale: u64 = (0..30).sum::<u64>() + 1_000;
    let total = 30 * 100 + 1_000;
    assert_eq!(value(&html, "stale-total"), Some(stale.to_string()));
    assert_eq!(value(&html, "stale-files"), Some("30".into()));
    assert_eq!(value(&html, "undated-files"), Some("0".into()));
    assert_eq!(
        value(&html, "stale-share"),
        Some(format!("{:.6}", stale as f64 / total as f64))
    );
    assert!(html.contains("as of 2025-11-30T00:00:00Z; stale = last modified more than 365 days before"));
    assert!(html.contains(&format!(r#"<tr data-band="older" data-bytes="{stale}">"#)));
    assert!(html.contains(&format!(
        r#"<tr data-band="under_30_days" data-bytes="{}">"#,
        total - stale
    )));
    assert!(html.contains(r#"<tr data-band="undated" data-bytes="0">"#));
    // Ranked by stale bytes, 25 shown, the hostile name escaped.
    assert!(html.contains(
        r#"<tr data-rank="1" data-user="&lt;b&gt;&quot;x&quot;&lt;/b&gt;@x.com" data-stale-files="1" data-stale-bytes="1000" data-last-modified="">"#
    ));
    assert!(html.contains(&format!(
        r#"<tr data-rank="2" data-user="u29@x.com" data-stale-files="1" data-stale-bytes="29" data-last-modified="{}">"#,
        1_764_522_245_678i64 + 29
    )));
    let table = &html[html.find(r#"id="stale-users""#).unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr data-rank=").count(), TOP_STALE);
    assert!(!table.contains("u00@x.com") && !html.contains("<b>\"x\""));
    // Without a reference the section says so.
    let html = render(&rows, &meta());
    assert!(html.contains("as-of and stale days not recorded"));
}

#[test]
fn largest_files_are_the_workspace_top_25_with_full_locations_escaped() {
    use crate::model::FileInfo;
    let file = |path: &str, bytes, modified_ms| FileInfo {
        path: path.into(),
        bytes,
        modified_ms,
    };
    let mut rows = Vec::new();
    for i in 0..3u64 {
        let mut r = row(&format!("u{i}@x.com"), Status::Success, (10, 1_000), (10, 1_000));
        // Each user: 10 files in the DBFS home, 10 in the Workspace home.
        r.dbfs.as_mut().unwrap().largest = (0..10)
            .map(|k| {
                file(
                    &format!("/Users/u{i}@x.com/d{k}"),
                    100 + i * 10 + k,
                    Some(1_700_000_000_000),
                )
            })
            .collect();
        r.workspace.as_mut().unwrap().largest = (0..10)
            .map(|k| file(&format!("/Users/u{i}@x.com/w{k}"), 50 + k, None))
            .collect();
        rows.push(r);
    }
    let mut evil = row("e@x.com", Status::Success, (0, 0), (0, 0));
    evil.uploads = Some(TreeStats {
        home_exists: true,
        files: 1,
        bytes: 5_000,
        largest: vec![file(
            "/FileStore/shared_uploads/e@x.com/<script>\"'&.csv",
            5_000,
            Some(1_764_522_245_678),
        )],
        ..Default::default()
    });
    rows.push(evil);
    let html = render(&rows, &meta());
    assert!(html.contains(
        r#"<tr data-rank="1" data-user="e@x.com" data-location="uploads" data-path="dbfs:/FileStore/shared_uploads/e@x.com/&lt;script&gt;&quot;&#39;&amp;.csv" data-bytes="5000" data-modified="1764522245678">"#
    ));
    assert!(html.contains("2025-11-30T17:04:05Z"));
    // Next: u2's DBFS files 129…120, then u1's 119…, 30 DBFS files in all above every Workspace one.
    assert!(html.contains(
        r#"<tr data-rank="2" data-user="u2@x.com" data-location="dbfs" data-path="dbfs:/Users/u2@x.com/d9" data-bytes="129" data-modified="1700000000000">"#
    ));
    assert!(html.contains(r#"<tr data-rank="25" data-user="u0@x.com" data-location="dbfs" data-path="dbfs:/Users/u0@x.com/d6" data-bytes="106""#));
    let table = &html[html.find(r#"id="largest-files""#).unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr data-rank=").count(), TOP_FILES);
    assert!(!table.contains("/w9") && !html.contains("<script"));
    // No file: the table says so.
    let html = render(&[row("a@x.com", Status::Empty, (0, 0), (0, 0))], &meta());
    assert!(html.contains("No sized file recorded."));
}
