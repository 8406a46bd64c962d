//! The docs against the code: docs/guide.md's flag tables are rendered from the clap definitions
//! (`DBX_UPDATE_DOCS=1` rewrites them), and no README or docs page names a `--flag` that no
//! `dbx-inventory` or `dbx-sim` command defines (other tools' flags are listed below, by tool).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use dbx_inventory::cli::Cli;

use crate::util::root;

const BEGIN: &str = "<!-- flags:begin -->";
const END: &str = "<!-- flags:end -->";

/// Flags of other tools the docs show, with the tool they belong to and the words that name it:
/// such a flag passes only in a paragraph or code block (lines between blank lines) that names its
/// tool.
const OTHER_TOOLS: &[(&str, &[&str], &[&str])] = &[
    (
        "cargo",
        &["cargo"],
        &[
            "--release",
            "--path",
            "--workspace",
            "--test",
            "--bench",
            "--target",
            "--manifest-path",
            "--include-ignored",
        ],
    ),
    ("rustup", &["rustup"], &["--target"]),
    ("curl", &["curl"], &["--resolve"]),
    (
        "scripts/bench_account.py",
        &["bench_account.py"],
        &["--bin", "--counts", "--users", "--no-baseline"],
    ),
    (
        "spark-daemon.sh / spark-submit",
        &["spark-daemon.sh", "spark-submit", "SparkConnectServer"],
        &["--master", "--conf", "--class"],
    ),
    (
        "scripts/bench_scan.py, scripts/bench-scan.sh",
        &["bench_scan.py", "bench-scan.sh"],
        &["--bin", "--scale", "--users", "--baseline-users", "--notebook-sizes"],
    ),
    (
        "scripts/conformance.sh / .py",
        &["conformance.sh", "conformance.py"],
        &["--host-cmd"],
    ),
    ("scripts/house.py", &["house.py"], &["--report", "--why"]),
    (
        "hosts/python/dbx_scan.py, hosts/node/dbx-scan.js",
        &["dbx_scan.py", "dbx-scan.js"],
        &["--objects"],
    ),
    (
        "examples/scheduled-inventory/inventory_job.py",
        &["inventory_job.py", "job.json", "scheduled job", "The job"],
        &[
            "--schema",
            "--objects",
            "--diff-dir",
            "--partitions",
            "--users",
            "--host",
        ],
    ),
    ("scripts/wheel.sh", &["wheel.sh"], &["--debug", "--out"]),
    (
        "maturin, pip, twine",
        &["maturin", "pip install", "twine"],
        &[
            "--release",
            "--strip",
            "--zig",
            "--target",
            "--compatibility",
            "--index-url",
            "--repository",
        ],
    ),
    (
        "chromium",
        &["chromium", "Chromium"],
        &["--headless", "--screenshot", "--dump-dom", "--enable-logging"],
    ),
];

/// The pages whose flags are checked.
fn pages() -> Vec<PathBuf> {
    let root = root();
    let mut pages = vec![root.join("README.md")];
    for dir in [
        "docs", "launcher", "hosts", "tests", "sim", "wit", "host", "guest", "auth",
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let readme = name.starts_with("README");
            if (dir == "docs" && name.ends_with(".md")) || readme {
                pages.push(path.clone());
            }
            if dir == "hosts" && path.is_dir() {
                for inner in std::fs::read_dir(&path).unwrap().flatten() {
                    if inner.file_name().to_string_lossy().starts_with("README") {
                        pages.push(inner.path());
                    }
                }
            }
        }
    }
    pages.sort();
    pages
}

/// `| text |`-safe: pipes escaped, line breaks folded.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The generated section: one table per visible subcommand, in declaration order.
fn render_flag_tables() -> String {
    let cli = Cli::command();
    let mut out = String::new();
    out.push_str(
        "<!-- generated from host/src/cli.rs by tests/docs.rs: \
         DBX_UPDATE_DOCS=1 cargo test -p dbx-inventory --test e2e docs:: -->\n",
    );
    for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
        let _ = write!(out, "\n### `{}` flags\n\n", sub.get_name());
        let flags: Vec<_> = sub
            .get_arguments()
            .filter(|a| !a.is_positional() && !a.is_hide_set())
            .filter(|a| !matches!(a.get_id().as_str(), "help" | "version"))
            .collect();
        if flags.is_empty() {
            out.push_str("No flags.\n");
            continue;
        }
        out.push_str("| flag | value | default | meaning |\n|---|---|---|---|\n");
        for arg in flags {
            let mut names = Vec::new();
            if let Some(short) = arg.get_short() {
                names.push(format!("`-{short}`"));
            }
            if let Some(long) = arg.get_long() {
                names.push(format!("`--{long}`"));
            }
            for alias in arg.get_visible_aliases().unwrap_or_default() {
                names.push(format!("`--{alias}`"));
            }
            let value = if !arg.get_action().takes_values() {
                String::new()
            } else {
                let possible: Vec<String> = arg
                    .get_possible_values()
                    .iter()
                    .map(|v| v.get_name().to_string())
                    .collect();
                if !possible.is_empty() {
                    format!("`{}`", possible.join("|"))
                } else {
                    let names: Vec<String> = arg
                        .get_value_names()
                        .map(|v| v.iter().map(|s| s.to_string()).collect())
                        .unwrap_or_else(|| vec![arg.get_id().as_str().to_uppercase()]);
                    format!("`{}`", names.join(" "))
                }
            };
            let defaults: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().to_string())
                .collect();
            let default = if defaults.is_empty() {
                String::new()
            } else {
                format!("`{}`", defaults.join(","))
            };
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            let mut meaning = help.lines().next().unwrap_or("").trim().to_string();
            if arg.is_hide_short_help_set() {
                meaning.push_str(" *(shown by `--help`, not `-h`)*");
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                names.join(", "),
                cell(&value),
                cell(&default),
                cell(&meaning)
            );
        }
    }
    out
}

#[test]
fn the_guides_flag_tables_match_the_clap_definitions() {
    let path = root().join("docs/guide.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (Some(begin), Some(end)) = (text.find(BEGIN), text.find(END)) else {
        panic!("docs/guide.md has no {BEGIN} … {END} section for the generated flag tables");
    };
    let start = begin + BEGIN.len() + 1;
    let want = render_flag_tables();
    if text[start..end] == want {
        return;
    }
    if std::env::var_os("DBX_UPDATE_DOCS").is_some_and(|v| v == "1") {
        let updated = format!("{}{}{}", &text[..start], want, &text[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    panic!(
        "docs/guide.md's flag tables differ from the clap definitions (host/src/cli.rs); \
         rewrite them with: DBX_UPDATE_DOCS=1 cargo test -p dbx-inventory --test e2e docs::\n\
         --- expected section ---\n{want}"
    );
}

/// Every long flag and alias of every `dbx-inventory` command, hidden ones included.
fn dbx_inventory_flags() -> BTreeSet<String> {
    fn walk(cmd: &clap::Command, into: &mut BTreeSet<String>) {
        for arg in cmd.get_arguments() {
            into.extend(arg.get_long().map(str::to_string));
            into.extend(
                arg.get_all_aliases()
                    .unwrap_or_default()
                    .into_iter()
                    .map(str::to_string),
            );
        }
        for sub in cmd.get_subcommands() {
            walk(sub, into);
        }
    }
    let mut flags = BTreeSet::from(["help".to_string(), "version".to_string()]);
    walk(&Cli::command(), &mut flags);
    flags
}

/// Long flags declared by clap derive attributes in Rust source: `#[arg(long …)]` on a field
/// (its name, or `long = "…"`) and its aliases. For `dbx-sim`, whose `Cli` is private to its
/// binary; checked against clap's own answer on host/src/cli.rs below.
fn flags_in_source(text: &str) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("#[arg(") {
        let body_start = at + "#[arg(".len();
        let mut depth = 1;
        let mut end = body_start;
        for (i, c) in rest[body_start..].char_indices() {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = body_start + i;
                break;
            }
        }
        let body = &rest[body_start..end];
        let after = &rest[end..];
        rest = after;
        let keys: Vec<&str> = split_top_level(body);
        let mut long = None;
        for key in &keys {
            let (name, value) = match key.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim())),
                None => (key.trim(), None),
            };
            match (name, value) {
                ("long", None) => long = Some(String::new()),
                ("long", Some(v)) => long = Some(v.trim_matches('"').to_string()),
                ("alias" | "visible_alias", Some(v)) => {
                    flags.insert(v.trim_matches('"').to_string());
                }
                ("aliases" | "visible_aliases", Some(v)) => {
                    for a in v.trim_matches(|c| c == '[' || c == ']').split(',') {
                        flags.insert(a.trim().trim_matches('"').to_string());
                    }
                }
                _ => {}
            }
        }
        match long {
            Some(name) if !name.is_empty() => {
                flags.insert(name);
            }
            Some(_) => {
                // The field this attribute (and any that follow) annotates.
                let field = after
                    .lines()
                    .skip(1)
                    .map(str::trim)
                    .find(|l| !l.is_empty() && !l.starts_with("#[") && !l.starts_with("//"))
                    .unwrap_or("");
                let field = field.trim_start_matches("pub ").split(':').next().unwrap_or("").trim();
                flags.insert(field.replace('_', "-"));
            }
            None => {}
        }
    }
    flags
}

/// `a, b = [c, d], e` → `["a", "b = [c, d]", "e"]`.
fn split_top_level(body: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start, mut quoted) = (0, 0, false);
    for (i, c) in body.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' | '[' if !quoted => depth += 1,
            ')' | ']' if !quoted => depth -= 1,
            ',' if depth == 0 && !quoted => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    parts
}

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// Every long flag of `dbx-sim` (its clap derive lives in sim/src, private to the binary).
fn dbx_sim_flags() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&root().join("sim/src"), &mut files);
    let mut flags = BTreeSet::from(["help".to_string(), "version".to_string()]);
    for file in files {
        flags.extend(flags_in_source(&std::fs::read_to_string(file).unwrap()));
    }
    flags
}

#[test]
fn the_source_reading_of_clap_attributes_agrees_with_clap() {
    let text = std::fs::read_to_string(root().join("host/src/cli.rs")).unwrap();
    let mut from_source = flags_in_source(&text);
    from_source.extend(["help".to_string(), "version".to_string()]);
    assert_eq!(
        from_source,
        dbx_inventory_flags(),
        "flags_in_source misreads host/src/cli.rs"
    );
    let sim = dbx_sim_flags();
    for flag in ["fixture", "generate", "no-limits", "user-token", "rate-limits"] {
        assert!(sim.contains(flag), "dbx-sim's --{flag} not found in sim/src: {sim:?}");
    }
}

/// `--name` tokens of a line (not inside a word: `a--b` and `---` are no flags), with their
/// column. A token that ends in `-` before `…` (`--spark-…`) is a prefix.
fn flag_tokens(line: &str) -> Vec<String> {
    let bytes = line.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i + 2 < bytes.len() {
        let starts = bytes[i] == b'-' && bytes[i + 1] == b'-' && bytes[i + 2].is_ascii_lowercase();
        let after_word =
            i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'-' || bytes[i - 1] == b'_');
        if starts && !after_word {
            let mut j = i + 2;
            while j < bytes.len() && (bytes[j].is_ascii_lowercase() || bytes[j].is_ascii_digit() || bytes[j] == b'-') {
                j += 1;
            }
            tokens.push(line[i + 2..j].to_string());
            i = j;
        } else {
            i += 1;
        }
    }
    tokens
}

/// What is wrong with each unknown flag in `text` (as `page:line: --flag …`).
fn unknown_flags(page: &str, text: &str, known: &BTreeSet<String>) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut problems = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        // The paragraph (or code block) around the line: between blank lines.
        let first = lines[..n]
            .iter()
            .rposition(|l| l.trim().is_empty())
            .map_or(0, |b| b + 1);
        let last = lines[n..]
            .iter()
            .position(|l| l.trim().is_empty())
            .map_or(lines.len(), |b| n + b);
        let context = lines[first..last].join("\n");
        for token in flag_tokens(line) {
            if known.contains(&token) {
                continue;
            }
            if token.ends_with('-') && known.iter().any(|k| k.starts_with(&token)) {
                continue;
            }
            let flag = format!("--{token}");
            let tool = OTHER_TOOLS
                .iter()
                .find(|(_, words, flags)| flags.contains(&flag.as_str()) && words.iter().any(|w| context.contains(w)));
            if tool.is_none() {
                problems.push(format!(
                    "{page}:{}: {flag} is no flag of dbx-inventory or dbx-sim (nor of a tool named in its paragraph)",
                    n + 1
                ));
            }
        }
    }
    problems
}

#[test]
fn the_readme_and_docs_name_only_flags_that_exist() {
    let mut known = dbx_inventory_flags();
    known.extend(dbx_sim_flags());
    let root = root();
    let mut problems = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let name = page.strip_prefix(&root).unwrap().display().to_string();
        problems.extend(unknown_flags(&name, &text, &known));
    }
    assert!(
        problems.is_empty(),
        "flags no command defines:\n{}",
        problems.join("\n")
    );
}

#[test]
fn an_unknown_flag_is_named_with_its_page_and_line() {
    let known = BTreeSet::from(["resume".to_string(), "spark-master".to_string()]);
    let text = "dbx-inventory scan --resume\n\
                dbx-inventory scan --resum (a typo)\n\
                cargo build --release\n\
                \n\
                --release, with no tool named\n\
                the |---|---| of a table, a--b, --spark-…, #scanning---spark-master\n";
    let problems = unknown_flags("README.md", text, &known);
    assert_eq!(
        problems,
        [
            "README.md:2: --resum is no flag of dbx-inventory or dbx-sim (nor of a tool named in its paragraph)",
            "README.md:5: --release is no flag of dbx-inventory or dbx-sim (nor of a tool named in its paragraph)",
        ]
    );
}
