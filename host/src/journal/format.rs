//! The journal's file format: a header line (the run's identity), then one line per finished
//! user (`{"type":"user","i":<input position>, …UserRow…}`), and, once the run finished, an end
//! line (`{"type":"end","finished":…,"users":…}`); reading tolerates a torn last line.
//!
//! A run is finished when the end line is the journal's last record. Journals written before end
//! lines existed have none: they read as unfinished, which is what they were treated as before.

use std::path::Path;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use super::identity::RunIdentity;
use crate::format::now_string;
use crate::model::UserRow;

/// The journal format written by this version; newer formats are refused.
pub const FORMAT: u32 = 1;
/// What every header line starts with (used to tell a journal from any other file).
pub(super) const HEADER_PREFIX: &str = "{\"type\":\"header\"";

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
    pub identity: RunIdentity,
}

impl Header {
    /// A header for a run starting now.
    pub fn new(identity: RunIdentity) -> Header {
        Header {
            format: FORMAT,
            tool: format!("dbx-inventory {}", env!("CARGO_PKG_VERSION")),
            started: now_string(),
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

/// The mark of a finished run: the last line a scan writes, after its outputs are written (a
/// run stopped by a signal, a kill or a fatal error has none). Its counts are the run's totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct End {
    /// When the run finished (UTC, the format of [`Header::started`]).
    pub finished: String,
    /// Users in the run's outputs.
    pub users: u64,
    /// Of those, `error` rows.
    pub errors: u64,
    /// Files over all users (a decimal string: see [`decimal`]).
    #[serde(with = "decimal")]
    pub files: u128,
    /// Bytes over all users (a decimal string).
    #[serde(with = "decimal")]
    pub bytes: u128,
}

/// `u128` totals as decimal strings: lines are read through serde's internally tagged enum,
/// which buffers numbers as at most 64 bits, and a total may exceed that.
mod decimal {
    use serde::{de::Error as _, Deserialize as _, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        text.parse()
            .map_err(|_| D::Error::custom(format!("{text:?} is not a whole number")))
    }
}

impl End {
    /// The end of a run finishing now with these totals.
    pub fn now(users: u64, errors: u64, files: u128, bytes: u128) -> End {
        End {
            finished: now_string(),
            users,
            errors,
            files,
            bytes,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub(super) enum Line {
    Header(Header),
    User(Entry),
    End(End),
}

/// One user line exactly as the journal writes it (`{"type":"user","i":…,…}`, no newline): what
/// `dbx-inventory worker` prints, so the host records a worker's row unchanged.
pub fn user_line(i: u64, row: &UserRow) -> String {
    let line = Line::User(Entry { i, row: row.clone() });
    serde_json::to_string(&line).expect("a user row always serializes")
}

/// Reads one user line back ([`user_line`]; a journal's user lines too). A header line, another
/// type or a row with a missing or mistyped field is an error saying what is wrong.
pub fn parse_user_line(line: &str) -> anyhow::Result<Entry> {
    match serde_json::from_str::<Line>(line.trim_end_matches(['\n', '\r'])) {
        Ok(Line::User(mut e)) => {
            e.row.settle_status();
            Ok(e)
        }
        Ok(Line::Header(_)) => anyhow::bail!("a journal header line, not a user line"),
        Ok(Line::End(_)) => anyhow::bail!("a journal end line, not a user line"),
        Err(e) => anyhow::bail!("not a user line ({e})"),
    }
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
    /// The end line, when it is the last record (the run finished; see [`End`]).
    pub end: Option<End>,
    /// Bytes of the readable prefix (where appending resumes).
    pub good_len: u64,
}

/// The last header of a journal, parsing only header lines (a resume's options, without reading
/// every row twice); `None` when the file is missing or holds no readable header.
pub fn last_header(path: &Path) -> Option<Header> {
    let bytes = std::fs::read(path).ok()?;
    bytes
        .split(|b| *b == b'\n')
        .filter(|l| l.starts_with(b"{\"type\":\"header\""))
        .filter_map(|l| match serde_json::from_slice::<Line>(l) {
            Ok(Line::Header(h)) => Some(h),
            _ => None,
        })
        .last()
}

/// The requests each user's row took in a journal (the Spark backend sends the largest users
/// first); empty when the file is missing or unreadable. Reads only what it needs per line.
pub fn request_counts(path: &Path) -> std::collections::HashMap<crate::model::UserKey, u64> {
    #[derive(serde::Deserialize)]
    struct Cost {
        username: String,
        requests: u64,
    }
    let Ok(bytes) = std::fs::read(path) else {
        return Default::default();
    };
    bytes
        .split(|b| *b == b'\n')
        .filter(|l| l.starts_with(b"{\"type\":\"user\""))
        .filter_map(|l| serde_json::from_slice::<Cost>(l).ok())
        .map(|c| (crate::model::UserKey::of(&c.username), c.requests))
        .collect()
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
pub(super) fn looks_like_journal(bytes: &[u8]) -> bool {
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
            // A write cut short: the line never got its newline. Something was being written
            // after any end line, so the run is not finished.
            c.end = None;
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
                c.end = None;
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
                c.end = None;
            }
            Ok(Line::User(mut e)) => {
                if c.header.is_none() {
                    anyhow::bail!("line {lineno}: a user row before any header line; not a dbx-inventory journal");
                }
                // Journals of earlier versions recorded a user with no home as `empty`.
                e.row.settle_status();
                c.entries.push(e);
                c.end = None;
            }
            Ok(Line::End(e)) => {
                if c.header.is_none() {
                    anyhow::bail!("line {lineno}: an end line before any header line; not a dbx-inventory journal");
                }
                c.end = Some(e);
            }
            Err(e) => anyhow::bail!("line {lineno} is not a journal record ({e}); the file is damaged"),
        }
        offset = next;
        c.good_len = offset as u64;
    }
    Ok(c)
}
