//! The journal: a JSON Lines file that makes a scan crash-safe and resumable.
//!
//! Line 1 is a header with the run's identity (workspace host, the options that change results,
//! a digest of the input users, the tool version); every further line is one finished user
//! (`{"type":"user","i":<input position>, …UserRow…}`). Only the collector appends, so there
//! are no locks; rows are made durable with `fsync` in batches ([`SYNC_EVERY_ROWS`] rows or
//! [`SYNC_EVERY`], whichever comes first) and a row counts as done only once it is durable
//! ([`Writer`] hands rows back to the caller at that moment).
//!
//! Reading ([`read`]) tolerates a torn last line (a write cut short by a kill or a crash): it is
//! ignored, and truncated away before anything is appended. Any other unreadable line is an
//! error naming the line. [`resolve`] turns the rows into one row per user (case-insensitive
//! username): the last good row wins over earlier ones and over error rows; rows of the same
//! user seen more than once (two good rows, two spellings) are reported, never summed twice.
//!
//! [`open`] applies the rules of a run: a journal holding users is refused without `--resume`
//! (unless `--overwrite`), and one written for another host, other options or another list of
//! users is refused with the differences named (unless `--force`).

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::report::{Status, UserRow};

/// The journal format written by this version; newer formats are refused.
pub const FORMAT: u32 = 1;
/// Rows appended before an `fsync` is forced.
pub const SYNC_EVERY_ROWS: usize = 50;
/// Longest a row waits for its `fsync`.
pub const SYNC_EVERY: Duration = Duration::from_millis(200);
/// What every header line starts with (used to tell a journal from any other file).
const HEADER_PREFIX: &str = "{\"type\":\"header\"";

/// The key that identifies a user across spellings (usernames are case-insensitive).
pub fn user_key(username: &str) -> String {
    username.to_lowercase()
}

/// Digest of an input user list: SHA-256 over the keys in input order, one per line.
pub fn users_digest<S: AsRef<str>>(users: &[S]) -> String {
    let mut h = Sha256::new();
    for u in users {
        h.update(user_key(u.as_ref()).as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Which users a run covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "kebab-case")]
pub enum UsersIdentity {
    /// A fixed list (arguments, `--users-file`), deduplicated, in input order.
    List {
        /// Users in the list.
        count: u64,
        /// [`users_digest`] of the list.
        sha256: String,
    },
    /// Every workspace user (`--all-users`); the list may change between runs.
    AllUsers,
}

impl std::fmt::Display for UsersIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UsersIdentity::List { count, sha256 } => {
                write!(
                    f,
                    "a list of {count} user(s) (sha256 {})",
                    &sha256[..sha256.len().min(12)]
                )
            }
            UsersIdentity::AllUsers => f.write_str("all workspace users (--all-users)"),
        }
    }
}

/// What makes two runs the same run: results from one may stand in for the other's.
/// Concurrency, limits and retries are not part of it: they change speed, not results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Workspace URL (`scheme://host[:port]`, never credentials).
    pub host: String,
    /// Options that change results, by name (e.g. `trees` → `dbfs+workspace`).
    pub options: BTreeMap<String, String>,
    /// The users.
    pub users: UsersIdentity,
}

impl Identity {
    /// Human-readable differences from `journal` (the identity in a journal) to `self`.
    pub fn differences(&self, journal: &Identity) -> Vec<String> {
        let mut out = Vec::new();
        if self.host != journal.host {
            out.push(format!(
                "host: the journal is for {}, this run is for {}",
                journal.host, self.host
            ));
        }
        let keys: std::collections::BTreeSet<&String> = self.options.keys().chain(journal.options.keys()).collect();
        for k in keys {
            let (j, r) = (journal.options.get(k), self.options.get(k));
            if j != r {
                let show = |v: Option<&String>| v.map_or("(not set)".to_string(), Clone::clone);
                out.push(format!("{k}: the journal has {}, this run has {}", show(j), show(r)));
            }
        }
        if self.users != journal.users {
            out.push(format!(
                "users: the journal is for {}, this run is for {}",
                journal.users, self.users
            ));
        }
        out
    }
}

/// The first line of a journal (and of each later segment added with `--force`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Journal format ([`FORMAT`]).
    pub format: u32,
    /// `dbx-inventory <version>` that wrote it.
    pub tool: String,
    /// When the run started (UTC).
    pub started: String,
    /// The run's identity.
    #[serde(flatten)]
    pub identity: Identity,
}

impl Header {
    /// A header for a run starting now.
    pub fn new(identity: Identity) -> Header {
        Header {
            format: FORMAT,
            tool: format!("dbx-inventory {}", env!("CARGO_PKG_VERSION")),
            started: crate::console::now_string(),
            identity,
        }
    }
}

/// One recorded user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Position of the user in the input of the run that recorded it.
    pub i: u64,
    /// The result.
    #[serde(flatten)]
    pub row: UserRow,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Line {
    Header(Header),
    User(Entry),
}

/// A last line cut short, ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Torn {
    /// Its line number (1-based).
    pub line: usize,
    /// Its length in bytes.
    pub bytes: u64,
}

/// What a journal file holds.
#[derive(Debug, Clone, Default)]
pub struct Contents {
    /// The last header (`None`: the file holds no complete header yet).
    pub header: Option<Header>,
    /// Header lines seen (more than one after `--resume --force`).
    pub headers: usize,
    /// User rows in file order.
    pub entries: Vec<Entry>,
    /// A torn last line, ignored.
    pub torn: Option<Torn>,
    /// Bytes of the readable prefix (where appending resumes).
    pub good_len: u64,
}

/// Reads a journal. `Ok(None)` when the file does not exist.
pub fn read(path: &Path) -> anyhow::Result<Option<Contents>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if path.is_dir() => anyhow::bail!("journal {} is a directory ({e})", path.display()),
        Err(e) => return Err(e).with_context(|| format!("cannot read journal {}", path.display())),
    };
    parse(&bytes)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("journal {}: {e}", path.display()))
}

/// True when `bytes` could be the beginning of a journal written by this tool: empty, blank
/// (zero-filled by a crash), or starting with a header line (or a prefix of one).
fn looks_like_journal(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0)
        .unwrap_or(bytes.len());
    let rest = &bytes[start..];
    let p = HEADER_PREFIX.as_bytes();
    rest.is_empty() || rest.starts_with(p) || p.starts_with(rest)
}

/// Parses journal bytes (see [`read`]).
pub fn parse(bytes: &[u8]) -> anyhow::Result<Contents> {
    if !looks_like_journal(bytes) {
        anyhow::bail!("not a dbx-inventory journal (it does not start with a {HEADER_PREFIX}… line)");
    }
    let mut c = Contents::default();
    let mut offset = 0usize;
    let mut lineno = 0usize;
    while offset < bytes.len() {
        lineno += 1;
        let (line, complete, next) = match bytes[offset..].iter().position(|b| *b == b'\n') {
            Some(n) => (&bytes[offset..offset + n], true, offset + n + 1),
            None => (&bytes[offset..], false, bytes.len()),
        };
        if !complete {
            // A write cut short: the line never got its newline.
            c.torn = Some(Torn {
                line: lineno,
                bytes: (bytes.len() - offset) as u64,
            });
            break;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            offset = next;
            c.good_len = offset as u64;
            continue;
        }
        let parsed = serde_json::from_slice::<Line>(line);
        match parsed {
            // The last line unreadable (cut short, or zero-filled by a crash): torn.
            Err(_) if next >= bytes.len() => {
                c.torn = Some(Torn {
                    line: lineno,
                    bytes: (bytes.len() - offset) as u64,
                });
                break;
            }
            Ok(Line::Header(h)) => {
                if h.format > FORMAT {
                    anyhow::bail!(
                        "line {lineno}: written by a newer dbx-inventory ({}, journal format {}); this version reads format {FORMAT}",
                        h.tool,
                        h.format
                    );
                }
                c.headers += 1;
                c.header = Some(h);
            }
            Ok(Line::User(e)) => {
                if c.header.is_none() {
                    anyhow::bail!("line {lineno}: a user row before any header line; not a dbx-inventory journal");
                }
                c.entries.push(e);
            }
            Err(e) => anyhow::bail!("line {lineno} is not a journal record ({e}); the file is damaged"),
        }
        offset = next;
        c.good_len = offset as u64;
    }
    Ok(c)
}

/// One user's row chosen from the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    /// Input position recorded with it.
    pub i: u64,
    /// Position of the row in the journal (0-based, user rows only).
    pub seq: usize,
    /// The row.
    pub row: UserRow,
}

/// A user with more than one row that is not a plain re-scan of an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The spellings seen, in journal order.
    pub spellings: Vec<String>,
    /// Rows found.
    pub rows: usize,
    /// The spelling of the row kept.
    pub kept: String,
}

/// The journal's rows, one per user.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// One row per user key.
    pub rows: HashMap<String, Kept>,
    /// Users recorded more than once (reported; each still counted once).
    pub duplicates: Vec<Duplicate>,
    /// Error rows replaced by a later scan of the same user (normal after `--resume`).
    pub superseded_errors: usize,
}

impl Resolved {
    /// The kept rows ordered by recorded input position, then journal position.
    pub fn in_recorded_order(&self) -> Vec<&Kept> {
        let mut v: Vec<&Kept> = self.rows.values().collect();
        v.sort_by_key(|k| (k.i, k.seq));
        v
    }

    /// Lines describing the duplicates, for the console.
    pub fn duplicate_report(&self) -> Option<String> {
        if self.duplicates.is_empty() {
            return None;
        }
        let mut s = format!(
            "the journal holds {} user(s) recorded more than once; the last good row of each is used and counted once:",
            self.duplicates.len()
        );
        for d in self.duplicates.iter().take(10) {
            s.push_str(&format!(
                "\n  {} ({} rows; kept {})",
                d.spellings.join(" / "),
                d.rows,
                d.kept
            ));
        }
        if self.duplicates.len() > 10 {
            s.push_str(&format!("\n  … and {} more", self.duplicates.len() - 10));
        }
        Some(s)
    }
}

/// One row per user: the last good (`success`/`empty`) row, else the last row.
pub fn resolve(entries: &[Entry]) -> Resolved {
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for (seq, e) in entries.iter().enumerate() {
        let key = user_key(&e.row.username);
        by_key
            .entry(key.clone())
            .or_insert_with(|| {
                order.push(key);
                Vec::new()
            })
            .push(seq);
    }
    let mut out = Resolved::default();
    for key in order {
        let seqs = &by_key[&key];
        let good: Vec<usize> = seqs
            .iter()
            .copied()
            .filter(|s| entries[*s].row.status != Status::Error)
            .collect();
        let chosen = good.last().or(seqs.last()).copied().expect("at least one row");
        if seqs.len() > 1 {
            let mut spellings: Vec<String> = Vec::new();
            for s in seqs {
                if !spellings.contains(&entries[*s].row.username) {
                    spellings.push(entries[*s].row.username.clone());
                }
            }
            if good.len() > 1 || spellings.len() > 1 {
                out.duplicates.push(Duplicate {
                    spellings,
                    rows: seqs.len(),
                    kept: entries[chosen].row.username.clone(),
                });
            } else {
                out.superseded_errors += seqs.len() - 1;
            }
        }
        out.rows.insert(
            key,
            Kept {
                i: entries[chosen].i,
                seq: chosen,
                row: entries[chosen].row.clone(),
            },
        );
    }
    out
}

/// How a run wants the journal treated (`--journal`, `--resume`, `--overwrite`, `--force`,
/// `--keep-errors`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Journal file.
    pub path: PathBuf,
    /// Continue an existing journal.
    pub resume: bool,
    /// Replace an existing journal.
    pub overwrite: bool,
    /// Resume even when the identity differs.
    pub force: bool,
    /// Keep `error` rows instead of scanning those users again.
    pub keep_errors: bool,
}

/// A journal opened for a run.
pub struct Opened {
    /// Appends this run's rows.
    pub writer: Writer,
    /// Rows from earlier runs (`--resume`), one per user.
    pub previous: Resolved,
    /// Keys of the users this run must not scan again.
    pub skip: std::collections::HashSet<String>,
    /// Things to tell the user (torn line, `--force`, duplicates, replaced journal).
    pub notes: Vec<String>,
}

const ALTERNATIVES: &str = "--journal FILE to keep a separate journal";

/// Opens (or creates) the journal for a run with `identity`, applying the refusal rules.
pub fn open(settings: &Settings, identity: &Identity) -> anyhow::Result<Opened> {
    let path = &settings.path;
    let shown = path.display();
    let mut notes = Vec::new();
    if settings.overwrite && !settings.resume {
        // Replace whatever journal is there (even a damaged one), but never another kind of file.
        match std::fs::read(path) {
            Ok(bytes) if !looks_like_journal(&bytes) => anyhow::bail!(
                "{shown} is not a dbx-inventory journal; --overwrite only replaces journals. Choose another --journal FILE"
            ),
            Ok(bytes) => {
                let rows = bytes.split(|b| *b == b'\n').filter(|l| l.starts_with(b"{\"type\":\"user\"")).count();
                if rows > 0 {
                    notes.push(format!("--overwrite: discarded journal {shown} ({rows} user row(s))"));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot read journal {shown}")),
        }
        let writer = Writer::create(path, identity)?;
        return Ok(Opened {
            writer,
            previous: Resolved::default(),
            skip: Default::default(),
            notes,
        });
    }
    let mut previous = Resolved::default();
    let mut keep_file = false;
    match read(path)? {
        None if settings.resume => notes.push(format!("--resume: no journal at {shown} yet; starting a new one")),
        None => {}
        Some(c) if !settings.resume => {
            if let (Some(h), users @ 1..) = (&c.header, c.entries.len()) {
                return Err(crate::UsageError(format!(
                    "journal {shown} already holds {users} user row(s) from a run started {} on {}. \
                     Add --resume to continue it (users already recorded are not scanned again), \
                     --overwrite to discard it and start over, or {ALTERNATIVES}",
                    h.started, h.identity.host
                ))
                .into());
            }
            // A header and no user yet: nothing to lose; start afresh.
        }
        Some(Contents {
            header: None,
            torn: Some(_),
            ..
        }) => {
            notes.push(format!(
                "journal {shown}: ignored an unfinished header line; starting the journal afresh"
            ));
        }
        Some(Contents { header: None, .. }) => {}
        // Resuming a journal that holds no user yet (stopped during start-up): nothing to keep.
        Some(c) if c.entries.is_empty() && c.torn.is_some() => {
            notes.push(format!(
                "journal {shown}: ignored a torn last line; the journal held no user yet"
            ));
        }
        Some(c) if c.entries.is_empty() => {}
        Some(c) => {
            let h = c.header.as_ref().expect("matched above");
            let diffs = identity.differences(&h.identity);
            if !diffs.is_empty() && !settings.force {
                return Err(crate::UsageError(format!(
                    "cannot resume from journal {shown}: it was written for another run:\n  - {}\n\
                     Use --force to add this run's results to it anyway, --overwrite to start a new journal, or {ALTERNATIVES}",
                    diffs.join("\n  - ")
                ))
                .into());
            }
            if !diffs.is_empty() {
                notes.push(format!(
                    "--force: continuing journal {shown} although it was written for another run ({})",
                    diffs.join("; ")
                ));
            }
            if let Some(t) = &c.torn {
                notes.push(format!(
                    "journal {shown}: ignored a torn last line (line {}, {} bytes: a write cut short when a run was killed)",
                    t.line, t.bytes
                ));
            }
            previous = resolve(&c.entries);
            if let Some(d) = previous.duplicate_report() {
                notes.push(format!("journal {shown}: {d}"));
            }
            // Keep the file: truncate a torn tail, add a header when the identity changed.
            truncate(path, c.good_len)?;
            keep_file = true;
            if !diffs.is_empty() {
                let mut w = Writer::append_to(path)?;
                w.write_line(&Line::Header(Header::new(identity.clone())))?;
                w.sync_now()?;
            }
        }
    }
    let writer = if keep_file {
        Writer::append_to(path)?
    } else {
        Writer::create(path, identity)?
    };
    let skip = previous
        .rows
        .iter()
        .filter(|(_, k)| k.row.status != Status::Error || settings.keep_errors)
        .map(|(key, _)| key.clone())
        .collect();
    Ok(Opened {
        writer,
        previous,
        skip,
        notes,
    })
}

fn truncate(path: &Path, len: u64) -> anyhow::Result<()> {
    let f = OpenOptions::new()
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open journal {}", path.display()))?;
    if f.metadata()?.len() != len {
        f.set_len(len)
            .with_context(|| format!("cannot truncate the torn last line of journal {}", path.display()))?;
        f.sync_all()?;
    }
    Ok(())
}

/// Makes a new directory entry durable (best effort where directories cannot be synced).
fn sync_parent(path: &Path) {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Appends rows and makes them durable in batches. Rows come back from [`Writer::append`],
/// [`Writer::tick`] and [`Writer::sync`] once they are on disk.
pub struct Writer {
    file: File,
    path: PathBuf,
    pending: Vec<(usize, UserRow)>,
    oldest: Option<Instant>,
    written: u64,
}

impl Writer {
    /// Creates (or replaces) the journal with a header for `identity`, durably.
    pub fn create(path: &Path, identity: &Identity) -> anyhow::Result<Writer> {
        let file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(path)
            .with_context(|| format!("cannot create journal {}", path.display()))?;
        let mut w = Writer {
            file,
            path: path.to_path_buf(),
            pending: Vec::new(),
            oldest: None,
            written: 0,
        };
        w.write_line(&Line::Header(Header::new(identity.clone())))?;
        w.sync_now()?;
        sync_parent(path);
        Ok(w)
    }

    fn append_to(path: &Path) -> anyhow::Result<Writer> {
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .with_context(|| format!("cannot open journal {} for appending", path.display()))?;
        Ok(Writer {
            file,
            path: path.to_path_buf(),
            pending: Vec::new(),
            oldest: None,
            written: 0,
        })
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rows this writer made durable.
    pub fn written(&self) -> u64 {
        self.written
    }

    fn write_line(&mut self, line: &Line) -> anyhow::Result<()> {
        let mut buf = serde_json::to_vec(line)?;
        buf.push(b'\n');
        // One write per line: a kill leaves at most the last line torn.
        self.file
            .write_all(&buf)
            .with_context(|| format!("cannot write journal {}", self.path.display()))
    }

    fn sync_now(&mut self) -> anyhow::Result<()> {
        self.file
            .sync_data()
            .with_context(|| format!("cannot sync journal {} to disk", self.path.display()))
    }

    /// Appends one row; returns the rows that became durable (this one included once the
    /// batch is full).
    pub fn append(&mut self, i: usize, row: UserRow) -> anyhow::Result<Vec<(usize, UserRow)>> {
        let entry = Entry { i: i as u64, row };
        self.write_line(&Line::User(entry.clone()))?;
        self.pending.push((i, entry.row));
        self.oldest.get_or_insert_with(Instant::now);
        if self.pending.len() >= SYNC_EVERY_ROWS {
            return self.sync();
        }
        Ok(Vec::new())
    }

    /// Syncs when the oldest pending row has waited [`SYNC_EVERY`].
    pub fn tick(&mut self) -> anyhow::Result<Vec<(usize, UserRow)>> {
        match self.oldest {
            Some(t) if t.elapsed() >= SYNC_EVERY => self.sync(),
            _ => Ok(Vec::new()),
        }
    }

    /// Syncs now; returns the rows that became durable.
    pub fn sync(&mut self) -> anyhow::Result<Vec<(usize, UserRow)>> {
        if self.pending.is_empty() {
            return Ok(Vec::new());
        }
        self.sync_now()?;
        self.oldest = None;
        self.written += self.pending.len() as u64;
        Ok(std::mem::take(&mut self.pending))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::TreeStats;

    fn row(user: &str, status: Status) -> UserRow {
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
            orphan: false,
        }
    }

    fn identity() -> Identity {
        Identity {
            host: "https://a.cloud.databricks.com".into(),
            options: BTreeMap::from([("trees".into(), "dbfs+workspace".into())]),
            users: UsersIdentity::List {
                count: 3,
                sha256: users_digest(&["a@x.com", "b@x.com", "c@x.com"]),
            },
        }
    }

    fn settings(path: &Path) -> Settings {
        Settings {
            path: path.into(),
            resume: false,
            overwrite: false,
            force: false,
            keep_errors: false,
        }
    }

    fn line(l: &Line) -> String {
        serde_json::to_string(l).unwrap() + "\n"
    }

    fn journal_text(entries: &[(u64, UserRow)]) -> String {
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
            (r.rows["a@x.com"].seq, r.rows["a@x.com"].row.status),
            (2, Status::Success)
        );
        assert_eq!(r.rows["b@x.com"].seq, 1);
        assert_eq!(r.rows["c@x.com"].row.username, "c@x.com");
        assert_eq!(r.rows["d@x.com"].seq, 7);
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
        assert_eq!(r.rows["a@x.com"].row.status, Status::Empty, "the last good row wins");
        assert_eq!(r.duplicates.len(), 1);
    }

    #[test]
    fn identity_differences_name_each_field() {
        let a = identity();
        let mut b = identity();
        assert!(a.differences(&b).is_empty());
        b.host = "https://b.cloud.databricks.com".into();
        b.options.insert("trees".into(), "dbfs".into());
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
    fn an_existing_journal_is_refused_without_resume_or_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j");
        std::fs::write(&p, journal_text(&[(0, row("a@x.com", Status::Success))])).unwrap();
        let e = open(&settings(&p), &identity()).err().unwrap();
        assert!(e.downcast_ref::<crate::UsageError>().is_some());
        let e = e.to_string();
        assert!(
            e.contains("already holds 1 user row") && e.contains("--resume") && e.contains("--overwrite"),
            "{e}"
        );
        // --overwrite starts afresh.
        let o = open(
            &Settings {
                overwrite: true,
                ..settings(&p)
            },
            &identity(),
        )
        .unwrap();
        assert!(o.previous.rows.is_empty() && o.notes[0].contains("discarded"));
        assert_eq!(read(&p).unwrap().unwrap().entries.len(), 0);
    }

    #[test]
    fn a_journal_with_no_user_yet_is_simply_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j");
        std::fs::write(&p, journal_text(&[])).unwrap();
        assert!(open(&settings(&p), &identity()).is_ok());
    }

    #[test]
    fn overwrite_never_replaces_a_file_that_is_not_a_journal() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("results.csv");
        std::fs::write(&p, "username,file_count\nalice,3\n").unwrap();
        let e = open(
            &Settings {
                overwrite: true,
                ..settings(&p)
            },
            &identity(),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("not a dbx-inventory journal"), "{e}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "username,file_count\nalice,3\n");
    }

    #[test]
    fn resume_skips_recorded_users_and_truncates_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j");
        let good = journal_text(&[(0, row("a@x.com", Status::Success)), (1, row("b@x.com", Status::Error))]);
        std::fs::write(&p, format!("{good}{{\"type\":\"user\",\"i\":2,\"userna")).unwrap();
        let resume = Settings {
            resume: true,
            ..settings(&p)
        };
        let mut o = open(&resume, &identity()).unwrap();
        assert!(
            o.notes.iter().any(|n| n.contains("torn last line (line 4")),
            "{:?}",
            o.notes
        );
        assert_eq!(o.skip, ["a@x.com".to_string()].into_iter().collect());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), good, "torn tail truncated");
        o.writer.append(1, row("b@x.com", Status::Success)).unwrap();
        o.writer.sync().unwrap();
        let c = read(&p).unwrap().unwrap();
        assert_eq!((c.entries.len(), c.headers, c.torn), (3, 1, None));
        // --keep-errors keeps the error row instead.
        std::fs::write(&p, &good).unwrap();
        let o = open(
            &Settings {
                keep_errors: true,
                ..resume
            },
            &identity(),
        )
        .unwrap();
        assert_eq!(o.skip.len(), 2);
    }

    #[test]
    fn resume_refuses_another_run_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j");
        std::fs::write(&p, journal_text(&[(0, row("a@x.com", Status::Success))])).unwrap();
        let mut other = identity();
        other.host = "https://other.cloud.databricks.com".into();
        let resume = Settings {
            resume: true,
            ..settings(&p)
        };
        let e = open(&resume, &other).err().unwrap().to_string();
        assert!(
            e.contains("written for another run") && e.contains("other.cloud") && e.contains("--force"),
            "{e}"
        );
        let o = open(
            &Settings {
                force: true,
                ..resume.clone()
            },
            &other,
        )
        .unwrap();
        assert!(o.notes[0].starts_with("--force"));
        assert_eq!(o.skip.len(), 1);
        let c = read(&p).unwrap().unwrap();
        assert_eq!(c.headers, 2, "a new header records the new identity");
        assert_eq!(c.header.unwrap().identity, other);
        // The next resume compares with the latest header.
        assert!(open(&resume, &other).is_ok());
    }

    #[test]
    fn resuming_a_journal_with_no_user_yet_starts_afresh_whatever_its_identity() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j");
        std::fs::write(&p, journal_text(&[])).unwrap();
        let mut other = identity();
        other.host = "https://other".into();
        let o = open(
            &Settings {
                resume: true,
                ..settings(&p)
            },
            &other,
        )
        .unwrap();
        assert!(o.skip.is_empty());
        let c = read(&p).unwrap().unwrap();
        assert_eq!((c.headers, c.header.unwrap().identity), (1, other));
    }

    #[test]
    fn resume_without_a_journal_starts_one() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j");
        let o = open(
            &Settings {
                resume: true,
                ..settings(&p)
            },
            &identity(),
        )
        .unwrap();
        assert!(o.notes[0].contains("no journal"));
        assert_eq!(read(&p).unwrap().unwrap().headers, 1);
    }
}
