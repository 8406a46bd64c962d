//! The report's content, escaping and ids.

use super::*;

fn meta() -> HtmlMeta {
    HtmlMeta {
        host: "https://adb-1.azuredatabricks.net".into(),
        generated_at: "2025-11-22 10:00:00 UTC".into(),
        version: "0.1.0".into(),
        trees: "DBFS + Workspace".into(),
        notes: Vec::new(),
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
