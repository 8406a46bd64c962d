//! `dbx-inventory top FILE.parquet`: what an object inventory (`scan --objects`) holds, largest
//! first, without a SQL engine. By default three tables (the largest folders, the largest
//! extensions, the oldest big files); `--by` prints one grouping. The file is read once, streaming
//! ([`crate::objects::read`]), into a [`Tally`]; every text from the file is printed escaped
//! ([`terminal_safe`]).

use std::io::Write as _;

use crate::cli::{TopArgs, TopBy};
use crate::error::{Outcome, UsageError};
use crate::format::{human_size, rfc3339_ms, thousands};
use crate::model::Ages;
use crate::objects::read;
use crate::objects::top::{BigFile, Folder, Options, Owner, Stats, Tally};
use crate::output::console::terminal_safe;

/// `dbx-inventory top`.
pub fn run(args: TopArgs) -> anyhow::Result<Outcome> {
    let opts = options(&args)?;
    let mut tally = Tally::new(opts);
    read::for_each(&args.file, |o| tally.add(o))?;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(report(&args, &opts, &tally).as_bytes());
    let _ = out.flush();
    Ok(Outcome::Clean)
}

/// The tally's options from the flags (`--as-of` parsed as `scan` parses it).
fn options(args: &TopArgs) -> anyhow::Result<Options> {
    let as_of_ms = match args.as_of.as_deref() {
        Some(s) => crate::format::parse_as_of(s).map_err(|e| UsageError(format!("--as-of {e}")))?,
        None => crate::format::now_ms(),
    };
    let big = crate::format::parse_size(&args.big).map_err(|e| UsageError(format!("--big {e}")))?;
    let all = args.by.is_none();
    Ok(Options {
        ages: Ages {
            as_of_ms,
            stale_days: args.stale_days,
        },
        depth: args.depth as usize,
        stale_only: args.stale,
        big,
        oldest: if all { args.limit as usize } else { 0 },
        folders: all || args.by == Some(TopBy::Folder),
        extensions: all || args.by == Some(TopBy::Extension),
    })
}

/// Everything printed, from the header to the last table.
pub fn report(args: &TopArgs, opts: &Options, t: &Tally) -> String {
    let limit = args.limit as usize;
    let mut out = header(args, opts, t);
    let ws = t.has_workspaces();
    let depth = match args.depth {
        0 => "the users' own folders".to_string(),
        1 => "1 level below each user's folder".to_string(),
        n => format!("{n} levels below each user's folder"),
    };
    if matches!(args.by, None | Some(TopBy::Folder)) {
        let (rows, n) = t.folders(limit);
        out += &title("Largest folders", &depth, rows.len(), n);
        out += &folder_table(&rows, ws);
    }
    if matches!(args.by, None | Some(TopBy::Extension)) {
        let (rows, n) = t.extensions(limit);
        out += &title("Largest extensions", "the file name's last .suffix", rows.len(), n);
        out += &extension_table(&rows);
    }
    if args.by == Some(TopBy::User) {
        let (rows, n) = t.users(limit);
        out += &title("Largest users", "all their locations", rows.len(), n);
        out += &user_table(&rows, ws);
    }
    if args.by.is_none() {
        let files = t.oldest();
        let what = format!("{} or more, oldest first", human_size(opts.big));
        out += &title("Oldest big files", &what, files.len(), t.big_dated as usize);
        out += &big_table(&files, ws);
        if t.big_undated > 0 {
            out += &format!(
                "  ({} big file(s) without a modification time are not listed)\n",
                thousands(t.big_undated)
            );
        }
    }
    out
}

/// The lines above the tables: the file, what was counted, the ages' reference.
fn header(args: &TopArgs, opts: &Options, t: &Tally) -> String {
    let total = &t.total;
    let mut h = format!(
        "{}: {} file(s) read\n",
        terminal_safe(&args.file.display().to_string()),
        thousands(t.rows)
    );
    let what = if opts.stale_only {
        "Stale files counted"
    } else {
        "Files counted"
    };
    h += &format!(
        "{what}: {}, {} ({} bytes), {} user(s)\n",
        thousands(total.files),
        human_size(total.bytes),
        thousands(total.bytes),
        thousands(t.user_count() as u64)
    );
    h += &format!(
        "Stale: modified before {} (as of {} minus {} days): {} file(s), {} ({} bytes)\n",
        rfc3339_ms(t.stale_before()),
        rfc3339_ms(opts.ages.as_of_ms),
        opts.ages.stale_days,
        thousands(total.stale_files),
        human_size(total.stale_bytes),
        thousands(total.stale_bytes)
    );
    if t.outside > 0 {
        h += &format!(
            "Not in a user's folder (no path, another folder, or an unknown location): {} file(s)\n",
            thousands(t.outside)
        );
    }
    h
}

/// `\nLargest folders (…): 20 of 1,234\n`.
fn title(what: &str, detail: &str, shown: usize, all: usize) -> String {
    let count = if shown < all {
        format!("{} of {}", thousands(shown as u64), thousands(all as u64))
    } else {
        thousands(all as u64)
    };
    format!("\n{what} ({detail}): {count}\n")
}

/// The numbers of a group: files, bytes, exact bytes, stale files, stale bytes, newest.
fn stats_cells(s: &Stats) -> Vec<String> {
    vec![
        thousands(s.files),
        human_size(s.bytes),
        thousands(s.bytes),
        thousands(s.stale_files),
        human_size(s.stale_bytes),
        s.newest_ms.map_or_else(|| "-".to_string(), rfc3339_ms),
    ]
}

const STATS_HEADS: [&str; 6] = ["files", "size", "bytes", "stale files", "stale size", "newest"];

fn owner_cells(o: &Owner, ws: bool) -> Vec<String> {
    let mut cells = Vec::new();
    if ws {
        cells.push(terminal_safe(o.workspace.as_deref().unwrap_or("-")).into_owned());
    }
    cells.push(terminal_safe(&o.username).into_owned());
    cells
}

fn owner_heads(ws: bool) -> Vec<&'static str> {
    if ws {
        vec!["workspace", "user"]
    } else {
        vec!["user"]
    }
}

fn folder_table(rows: &[(&Folder, &Stats)], ws: bool) -> String {
    let mut heads = STATS_HEADS.to_vec();
    heads.extend(owner_heads(ws));
    heads.extend(["location", "folder"]);
    let body = rows.iter().map(|(f, s)| {
        let mut cells = stats_cells(s);
        cells.extend(owner_cells(&f.owner, ws));
        cells.push(terminal_safe(&f.location).into_owned());
        cells.push(terminal_safe(&f.folder).into_owned());
        cells
    });
    table(&heads, 0..5, body.collect())
}

fn extension_table(rows: &[(&String, &Stats)]) -> String {
    let mut heads = STATS_HEADS.to_vec();
    heads.push("extension");
    let body = rows.iter().map(|(e, s)| {
        let mut cells = stats_cells(s);
        cells.push(match e.as_str() {
            "" => "(none)".to_string(),
            e => format!(".{}", terminal_safe(e)),
        });
        cells
    });
    table(&heads, 0..5, body.collect())
}

fn user_table(rows: &[(&Owner, &Stats)], ws: bool) -> String {
    let mut heads = STATS_HEADS.to_vec();
    heads.extend(owner_heads(ws));
    let body = rows.iter().map(|(o, s)| {
        let mut cells = stats_cells(s);
        cells.extend(owner_cells(o, ws));
        cells
    });
    table(&heads, 0..5, body.collect())
}

fn big_table(files: &[BigFile], ws: bool) -> String {
    let mut heads = vec!["modified", "size", "bytes"];
    heads.extend(owner_heads(ws));
    heads.extend(["location", "path"]);
    let body = files.iter().map(|f| {
        let mut cells = vec![rfc3339_ms(f.modified_ms), human_size(f.size), thousands(f.size)];
        cells.extend(owner_cells(&f.owner, ws));
        cells.push(terminal_safe(&f.location).into_owned());
        cells.push(
            f.path
                .as_deref()
                .map_or_else(|| "(no path)".to_string(), |p| terminal_safe(p).into_owned()),
        );
        cells
    });
    table(&heads, 1..3, body.collect())
}

/// A plain table, indented by two spaces: the `numbers` columns right-aligned, the others
/// left-aligned, the last one unpadded (paths can be long). `(none)` when there are no rows.
fn table(heads: &[&str], numbers: std::ops::Range<usize>, rows: Vec<Vec<String>>) -> String {
    if rows.is_empty() {
        return "  (none)\n".to_string();
    }
    let width = |s: &str| s.chars().count();
    let mut widths: Vec<usize> = heads.iter().map(|h| width(h)).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(width(c));
        }
    }
    let last = heads.len() - 1;
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut l = String::from(" ");
        for (i, c) in cells.enumerate() {
            let pad = " ".repeat(widths[i] - width(c));
            l.push(' ');
            match i {
                i if numbers.contains(&i) => l.push_str(&format!("{pad}{c}")),
                i if i == last => l.push_str(c),
                _ => l.push_str(&format!("{c}{pad}")),
            }
            l.push(' ');
        }
        l.truncate(l.trim_end().len());
        l.push('\n');
        l
    };
    let mut out = line(&mut heads.iter().copied());
    for r in &rows {
        out += &line(&mut r.iter().map(String::as_str));
    }
    out
}
