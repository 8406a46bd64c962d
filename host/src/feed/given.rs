//! The users named on the command line and in `--users-file` (text, CSV or JSON; home paths
//! taken to usernames), checked for names that cannot be usernames, and deduplicated
//! case-insensitively (first spelling kept).

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context as _;

use crate::error::UsageError;
use crate::model::UserKey;

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

/// Why a (trimmed) name cannot be a username — a line of a list, a CSV cell, a name pasted with
/// its decoration: `"a@x.com"`, `Alice Nguyen <a@x.com>`, `a@x.com,`, `a@x.com b@x.com`, `'a@x.com'`.
/// Usernames are email addresses (users) or application ids (service principals): none holds a
/// comma, a semicolon, a double quote, an angle bracket or a space, nor is one wrapped in single
/// quotes (an apostrophe inside, `o'brien@x.com`, is kept). A control character inside (U+0085
/// included) is left to the scanner, which makes it an `invalid username` error row.
fn not_a_username(name: &str) -> Option<&'static str> {
    let inner_space = |c: char| c.is_whitespace() && (c == '\t' || !c.is_control());
    if name.contains(',') {
        Some("a comma")
    } else if name.contains(';') {
        Some("a semicolon")
    } else if name.contains('"') {
        Some("double quotes")
    } else if name.starts_with('\'') || name.ends_with('\'') {
        Some("single quotes around it")
    } else if name.contains(['<', '>']) {
        Some("angle brackets")
    } else if name.contains(inner_space) {
        Some("a space inside")
    } else {
        None
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

/// The first ten `places`, then "… and N more".
fn places_list(places: &[String]) -> String {
    let more = match places.len() {
        n if n > 10 => format!(" … and {} more", n - 10),
        _ => String::new(),
    };
    format!("{}{more}", places[..places.len().min(10)].join(", "))
}

/// The refusal of names that begin or end with Unicode whitespace: `places` are "line 3 begins
/// with U+0085" and the like.
fn refuse_unicode_edges(source: &str, places: &[String]) -> anyhow::Result<()> {
    if places.is_empty() {
        return Ok(());
    }
    Err(UsageError(format!(
        "{source}: {}: Unicode whitespace, which no username holds (only ASCII spaces and tabs \
         around a name are trimmed); remove it",
        places_list(places)
    ))
    .into())
}

/// The refusal of names that cannot be usernames ([`not_a_username`]): `places` are
/// `line 3 ("Alice Nguyen <a@x.com>": angle brackets)` and the like. Nothing is scanned.
fn refuse_not_usernames(source: &str, places: &[String], what: &str) -> anyhow::Result<()> {
    if places.is_empty() {
        return Ok(());
    }
    Err(UsageError(format!(
        "{source}: {}: not a username (a username is an email address or a service principal's \
         application id: no commas, semicolons, quotes, angle brackets or spaces); {what}. \
         Nothing was scanned",
        places_list(places)
    ))
    .into())
}

/// A name as a refusal shows it: quoted and escaped, at most 60 characters.
fn shown(name: &str) -> String {
    let short: String = name.chars().take(60).collect();
    if short.len() < name.len() {
        format!("{:?}…", short)
    } else {
        format!("{short:?}")
    }
}

/// The users given as `USER` arguments and in `--users-file` (see [`Given`]). Empty or blank
/// arguments are skipped with a note naming their positions; a name that begins or ends with
/// Unicode whitespace other than ASCII, or that cannot be a username ([`not_a_username`]), is
/// refused, naming the argument or line.
pub fn given_users(args: &[String], users_file: Option<&Path>) -> anyhow::Result<Given> {
    let mut given = Given::default();
    let mut blank = Vec::new();
    let mut edges = Vec::new();
    let mut bad = Vec::new();
    for (n, a) in args.iter().enumerate() {
        let t = trim_ascii(a);
        if t.is_empty() {
            blank.push(ordinal(n + 1));
        } else if let Some(why) = unicode_edge(t) {
            edges.push(format!("the {} USER argument {why}", ordinal(n + 1)));
        } else if let Some(why) = not_a_username(t) {
            bad.push(format!("the {} USER argument ({}: {why})", ordinal(n + 1), shown(t)));
        } else {
            given.users.push(home_path_to_user(t).to_string());
        }
    }
    refuse_unicode_edges("USER arguments", &edges)?;
    refuse_not_usernames("USER arguments", &bad, "give one username per argument")?;
    if !blank.is_empty() {
        given.notes.push(format!(
            "skipped {} empty USER argument(s) (the {} of the USER arguments): an empty name is no user",
            blank.len(),
            blank.join(", ")
        ));
    }
    if let Some(f) = users_file {
        let file = read_users_file(f)?;
        let source = match f.as_os_str() == "-" {
            true => "users file - (standard input)".to_string(),
            false => format!("users file {}", f.display()),
        };
        let edges: Vec<String> = file
            .names
            .iter()
            .filter_map(|(line, u)| unicode_edge(u).map(|why| format!("line {line} {why}")))
            .collect();
        refuse_unicode_edges(&source, &edges)?;
        let bad: Vec<String> = file
            .names
            .iter()
            .filter_map(|(line, u)| match u.is_empty() {
                true => Some(format!("line {line} ({})", file.format.no_name())),
                false => not_a_username(u).map(|why| format!("line {line} ({}: {why})", shown(u))),
            })
            .collect();
        refuse_not_usernames(&source, &bad, file.format.fix())?;
        given
            .users
            .extend(file.names.into_iter().map(|(_, u)| home_path_to_user(&u).to_string()));
    }
    Ok(given)
}

/// The formats of a users file, told from its content (not its name): what `users` writes
/// (txt, csv, json) and the seed's export (one userName a line, no header, even when named
/// `.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// One username a line; blank lines and `#` comments skipped.
    Lines,
    /// CSV whose first line (after blank lines and `#` comments) is a header naming a
    /// `userName` or `applicationId` column (`users --format csv`).
    Csv,
    /// A JSON array (first character `[`) of objects with `userName` or `applicationId`
    /// (`users --format json`), or of strings.
    Json,
}

impl FileFormat {
    /// What an entry with no name lacks.
    fn no_name(self) -> &'static str {
        match self {
            FileFormat::Lines => "no name",
            FileFormat::Csv => "no userName or applicationId",
            FileFormat::Json => "an entry with no userName or applicationId",
        }
    }

    /// How to write the file instead.
    fn fix(self) -> &'static str {
        match self {
            FileFormat::Lines => {
                "write one username a line (or give the CSV or JSON that `dbx-inventory users --format csv|json` writes)"
            }
            FileFormat::Csv => "each row needs its username in the userName (or applicationId) column",
            FileFormat::Json => "each entry needs its username as \"userName\" (or \"applicationId\")",
        }
    }
}

/// A users file read: its format and the names with their line numbers (1-based; an empty
/// name is an entry that has none, refused by [`given_users`]).
#[derive(Debug, PartialEq, Eq)]
pub struct UsersFile {
    /// The format found.
    pub format: FileFormat,
    /// The names, ASCII-trimmed, with their line numbers.
    pub names: Vec<(usize, String)>,
}

/// Reads a users file in any format `users` writes ([`FileFormat`], told from the content). A
/// UTF-8 BOM is tolerated. `-` reads standard input.
pub fn read_users_file(path: &Path) -> anyhow::Result<UsersFile> {
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
    parse_users_file(text.strip_prefix('\u{feff}').unwrap_or(&text))
        .map_err(|e| UsageError(format!("users file {}: {e}", path.display())).into())
}

/// Parses a users file of any [`FileFormat`]; the error is what is malformed, with its line.
pub fn parse_users_file(text: &str) -> Result<UsersFile, String> {
    let format = detect_format(text);
    let names = match format {
        FileFormat::Lines => parse_users(text),
        FileFormat::Csv => parse_csv(text)?,
        FileFormat::Json => parse_json(text)?,
    };
    Ok(UsersFile { format, names })
}

/// The format of a users file's text (BOM removed).
fn detect_format(text: &str) -> FileFormat {
    if text.trim_start().starts_with('[') {
        return FileFormat::Json;
    }
    let first = text
        .lines()
        .map(trim_ascii)
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    let header = first.and_then(|l| {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(l.as_bytes())
            .records()
            .next()
            .and_then(Result::ok)
    });
    match header {
        Some(h) if h.iter().any(|c| is_name_column(c).is_some()) => FileFormat::Csv,
        _ => FileFormat::Lines,
    }
}

/// The name columns of a users CSV, in order of preference: `userName` (a user), then
/// `applicationId` (a service principal), matched case-insensitively.
fn is_name_column(header: &str) -> Option<usize> {
    ["username", "applicationid"]
        .iter()
        .position(|c| trim_ascii(header).eq_ignore_ascii_case(c))
}

/// Parses the one-name-a-line format: the names with their line numbers (1-based); blank lines
/// and `#` comments skipped; ASCII whitespace around a name trimmed.
pub fn parse_users(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .map(|(n, l)| (n + 1, trim_ascii(l)))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .map(|(n, l)| (n, l.to_owned()))
        .collect()
}

/// A CSV cell as `users` wrote it: the leading `'` that keeps a spreadsheet from reading a value
/// beginning with `=`, `+`, `-`, `@`, tab or CR as a formula ([`crate::output::csv::text_cell`])
/// removed.
fn csv_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// Parses a users CSV (`users --format csv`): each row's `userName`, else its `applicationId`
/// (a service principal's row has an empty `userName`); an empty name where a row has neither.
fn parse_csv(text: &str) -> Result<Vec<(usize, String)>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| format!("not a users CSV ({e})"))?.clone();
    let mut columns: Vec<(usize, usize)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| is_name_column(h).map(|rank| (rank, i)))
        .collect();
    columns.sort();
    let mut names = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("not a users CSV ({e})"))?;
        // The line from the record's byte offset (csv's own line count is off around comments
        // and CRLF; its offset may be at the end of the line before).
        let mut offset = record.position().map_or(0, |p| p.byte() as usize).min(text.len());
        while text.as_bytes().get(offset).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
            offset += 1;
        }
        let line = text.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        if record.iter().all(|c| trim_ascii(c).is_empty()) {
            continue;
        }
        let name = columns
            .iter()
            .map(|&(_, i)| trim_ascii(csv_cell(record.get(i).unwrap_or(""))))
            .find(|n| !n.is_empty())
            .unwrap_or("");
        names.push((line, name.to_owned()));
    }
    Ok(names)
}

/// Parses a users JSON array (`users --format json`): each object's `userName`, else its
/// `applicationId`, or a string entry itself; an empty name where an entry has neither. Each
/// entry is read on its own, so its line is known.
fn parse_json(text: &str) -> Result<Vec<(usize, String)>, String> {
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let skip_ws = |mut at: usize| {
        while text[at..].starts_with(|c: char| c.is_ascii_whitespace()) {
            at += 1;
        }
        at
    };
    let bad = |at: usize, what: &str| format!("line {}: not a JSON array of users ({what})", line_of(at));
    let mut at = skip_ws(0) + 1; // past the `[`
    let mut names = Vec::new();
    at = skip_ws(at);
    if text[at..].starts_with(']') {
        at += 1;
    } else {
        loop {
            let start = at;
            let mut stream = serde_json::Deserializer::from_str(&text[at..]).into_iter::<serde_json::Value>();
            let value = match stream.next() {
                Some(Ok(v)) => v,
                Some(Err(e)) => {
                    let line = line_of(start) + e.line() - 1;
                    return Err(format!("line {line}: not a JSON array of users ({e})"));
                }
                None => return Err(bad(at, "it ends before `]`")),
            };
            at += stream.byte_offset();
            let value_start = skip_ws(start);
            let name = match &value {
                serde_json::Value::String(s) => s.as_str(),
                serde_json::Value::Object(o) => ["userName", "applicationId"]
                    .iter()
                    .filter_map(|k| o.get(*k).and_then(|v| v.as_str()))
                    .map(trim_ascii)
                    .find(|s| !s.is_empty())
                    .unwrap_or(""),
                _ => "",
            };
            names.push((line_of(value_start), trim_ascii(name).to_owned()));
            at = skip_ws(at);
            match text[at..].chars().next() {
                Some(',') => at = skip_ws(at + 1),
                Some(']') => {
                    at += 1;
                    break;
                }
                _ => return Err(bad(at, "expected `,` or `]`")),
            }
        }
    }
    if !text[at..].trim().is_empty() {
        return Err(bad(skip_ws(at), "text after the closing `]`"));
    }
    Ok(names)
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

    fn users_of(text: &str) -> (FileFormat, Vec<(usize, String)>) {
        let f = parse_users_file(text).unwrap();
        (f.format, f.names)
    }

    fn names(list: &[(usize, &str)]) -> Vec<(usize, String)> {
        list.iter().map(|(n, u)| (*n, u.to_string())).collect()
    }

    #[test]
    fn every_format_users_writes_is_read_by_its_content() {
        // txt: one userName a line (also the seed's users.csv, no header).
        assert_eq!(
            users_of("a@x.com\nb@x.com\n"),
            (FileFormat::Lines, names(&[(1, "a@x.com"), (2, "b@x.com")]))
        );
        // csv with the header, users only; a formula-guarded cell gets its name back.
        assert_eq!(
            users_of("userName,displayName,active,id\r\na@x.com,Alice A,true,1\r\n'-b@x.com,\"Bob, B\",false,2\r\n"),
            (FileFormat::Csv, names(&[(2, "a@x.com"), (3, "-b@x.com")]))
        );
        // csv with service principals: their name is in applicationId; comments and blank rows skipped.
        let text = "# export\nuserName,displayName,active,id,principal,applicationId\n\
                    a@x.com,A,true,1,user,\n\n,Robot,true,2,service_principal,6a1f0c2e-1111-4222-8333-444455556666\n";
        assert_eq!(
            users_of(text),
            (
                FileFormat::Csv,
                names(&[(3, "a@x.com"), (5, "6a1f0c2e-1111-4222-8333-444455556666")])
            )
        );
        // A row with neither is an empty name (refused by given_users).
        assert_eq!(users_of("userName,id\n,7\n").1, names(&[(2, "")]));
        // json: pretty-printed objects (and plain strings), each with its line.
        let text = "[\n  {\n    \"userName\": \"a@x.com\",\n    \"active\": true\n  },\n  {\n    \"applicationId\": \"6a1f\",\n    \"userName\": null\n  },\n  \"c@x.com\", {\"id\": \"9\"}\n]\n";
        assert_eq!(
            users_of(text),
            (
                FileFormat::Json,
                names(&[(2, "a@x.com"), (6, "6a1f"), (10, "c@x.com"), (10, "")])
            )
        );
        assert_eq!(users_of("  []\n"), (FileFormat::Json, names(&[])));
        for (bad, line) in [
            ("[\n{\"userName\": \"a\"}\n{\"userName\": \"b\"}]", 3),
            ("[\n  {\"userName\": }\n]", 2),
            ("[\"a\"] x", 1),
            ("[\"a\",\n", 2),
        ] {
            let e = parse_users_file(bad).unwrap_err();
            assert!(
                e.starts_with(&format!("line {line}: not a JSON array of users")),
                "{bad:?}: {e}"
            );
        }
    }

    #[test]
    fn lines_that_cannot_be_usernames_are_refused_naming_file_and_lines() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("users.txt");
        std::fs::write(
            &f,
            "a@x.com\n\"igor.kim@example.com\"\nAlice Nguyen <alice@x.com>\nb@x.com,\n# c, d\no'brien@x.com\n'e@x.com'\nf@x.com g@x.com\nh@x.com;i@x.com\nj@x.com\tJ\nk\u{a0}l@x.com\n",
        )
        .unwrap();
        let e = given_users(&[], Some(&f)).unwrap_err();
        assert!(e.downcast_ref::<UsageError>().is_some(), "{e:#}");
        let e = e.to_string();
        let want = format!(
            "users file {}: line 2 (\"\\\"igor.kim@example.com\\\"\": double quotes), line 3 (\"Alice Nguyen <alice@x.com>\": angle brackets), \
             line 4 (\"b@x.com,\": a comma), line 7 (\"'e@x.com'\": single quotes around it), line 8 (\"f@x.com g@x.com\": a space inside), \
             line 9 (\"h@x.com;i@x.com\": a semicolon), line 10 (\"j@x.com\\tJ\": a space inside), line 11 (\"k\\u{{a0}}l@x.com\": a space inside): not a username",
            f.display()
        );
        assert!(e.starts_with(&want), "{e}\nwant {want}");
        assert!(e.contains("Nothing was scanned"), "{e}");
        // More than ten: the first ten, then how many more.
        std::fs::write(&f, "a@x.com,\n".repeat(13)).unwrap();
        let e = given_users(&[], Some(&f)).unwrap_err().to_string();
        assert!(
            e.contains("line 10 (\"a@x.com,\": a comma) … and 3 more: not a username"),
            "{e}"
        );
        assert!(!e.contains("line 11"), "{e}");
        // A CSV row with no name, or a bad cell, is refused by its line too.
        std::fs::write(&f, "userName,displayName\na@x.com,A\n,Nobody\n\"b@x.com,\",B\n").unwrap();
        let e = given_users(&[], Some(&f)).unwrap_err().to_string();
        assert!(
            e.contains(": line 3 (no userName or applicationId), line 4 (\"b@x.com,\": a comma): not a username"),
            "{e}"
        );
        // Malformed JSON is a usage error naming the file and the line.
        std::fs::write(&f, "[\n{\"userName\": \"a@x.com\"},\n{\"userName\" \"b\"}\n]").unwrap();
        let e = given_users(&[], Some(&f)).unwrap_err();
        assert!(e.downcast_ref::<UsageError>().is_some(), "{e:#}");
        assert!(
            e.to_string()
                .starts_with(&format!("users file {}: line 3: not a JSON array", f.display())),
            "{e}"
        );
        // The well-formed lines of the same file are read as before.
        std::fs::write(&f, "a@x.com\no'brien@x.com\n/Users/b@x.com\n").unwrap();
        assert_eq!(
            given_users(&[], Some(&f)).unwrap().users,
            ["a@x.com", "o'brien@x.com", "b@x.com"]
        );
    }

    #[test]
    fn user_arguments_that_cannot_be_usernames_are_refused_by_position() {
        let args: Vec<String> = ["a@x.com", "Bob <b@x.com>", "c@x.com,", "d@x.com"]
            .map(String::from)
            .into();
        let e = given_users(&args, None).unwrap_err();
        assert!(e.downcast_ref::<UsageError>().is_some(), "{e:#}");
        assert!(
            e.to_string().starts_with(
                "USER arguments: the 2nd USER argument (\"Bob <b@x.com>\": angle brackets), the 3rd USER argument (\"c@x.com,\": a comma): not a username"
            ),
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
