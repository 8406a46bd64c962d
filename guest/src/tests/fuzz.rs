//! A seeded randomized test of the guest's parsers and walk (issue 9): ≥ 10,000 generated user
//! trees, every directory answered by a generated body (valid, or mutated in a way whose effect
//! is known: error in a 200, an entry that is not an object, deep nesting, a truncated body, a
//! body that is not an object, duplicated entries, re-typed sizes and paths, huge, fractional and
//! negative sizes), scanned through the fake transport with random batch sizes.
//!
//! The expected counts come from the generator's own model of the tree (what it put in the
//! bodies), never from parsing the bodies; the scan must match them exactly, with `error` exactly
//! when a body was unusable. A few cases also flip one random byte of one body: those only check
//! that nothing panics and that a non-error answer counts no more files than the bodies hold.
//!
//! Every scan hands its files over (`objects`): per tree exactly as many objects as `files`, no
//! path twice, and what `sink::check` asks of them, flipped bodies included.
//!
//! `DBX_FUZZ_SEED` and `DBX_FUZZ_CASES` override the seed and the number of cases; a failure
//! prints the seed and the case to replay.

use super::fake::{resp, Fake};
use super::fixtures::NEITHER;
use super::sink::{check, Collector};
use crate::types::{Api, ScanOptions, ScanStatus, Tree, TreeStats};
use crate::walk::scan_user;

const DEFAULT_SEED: u64 = 0x9e37_79b9_7f4a_7c15;
const DEFAULT_CASES: u64 = 10_000;
const USER: &str = "fuzz@x.com";
const HOME: &str = "/Users/fuzz@x.com";

/// splitmix64: tiny, good enough, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True with probability `pct` percent.
    fn pct(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// What the generator expects of one tree.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Expect {
    home_exists: bool,
    files: u64,
    /// Exact, in u128: above u64::MAX the tree must be an error.
    bytes: u128,
    directories: u64,
    unsized_objects: u64,
    notebooks: u64,
    repos: u64,
    max_depth: u32,
    requests: u32,
    failures: u64,
}

/// A size as written in a body, and what it means.
fn gen_size(r: &mut Rng) -> (Option<String>, Option<u64>) {
    const BAD: &[&str] = &[
        "1.5",
        "-1",
        "-0",
        "1e3",
        "1000.0",
        "18446744073709551616",
        "99999999999999999999999",
        "\"1.5\"",
        "\"-3\"",
        "\" 7\"",
        "\"1e3\"",
        "\"\"",
        "\"lots\"",
        "true",
        "null",
        "[1]",
        "{\"v\":1}",
    ];
    match r.below(100) {
        0..=54 => {
            let n = r.below(1_000_000);
            (Some(n.to_string()), Some(n))
        }
        55..=59 => {
            let n = u64::MAX - r.below(1000);
            (Some(n.to_string()), Some(n))
        }
        60..=69 => {
            let n = r.below(1 << 40);
            (Some(format!("\"{n}\"")), Some(n))
        }
        70..=81 => (None, None),
        _ => (Some(r.pick(BAD).to_string()), None),
    }
}

/// How one directory's body is spoiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Spoil {
    None,
    /// `{"error_code": …}` with a 200: an error, the home does not count as existing.
    ErrorIn200,
    /// An entry that is not an object (array, number, string, null, sequence form, deep nesting).
    NonObjectEntry,
    /// The body cut short.
    Truncated,
    /// The body is JSON but not an object.
    NotAnObject,
}

impl Spoil {
    fn fails(self) -> bool {
        self != Spoil::None
    }
}

struct Case {
    tree: Tree,
    bodies: Vec<(String, String)>,
    expect: Expect,
    /// A body held `{` this many times (the loose bound for byte-flipped cases).
    braces: u64,
}

fn list_key(tree: Tree) -> &'static str {
    match tree.api() {
        Api::Dbfs => "files",
        Api::Workspace => "objects",
    }
}

/// Generates the directory at `path` (depth `depth`) and everything below it that will be
/// listed; `e` collects what the scan must report.
fn gen_dir(r: &mut Rng, c: &mut Case, path: &str, depth: u32, repo: bool) {
    let tree = c.tree;
    c.expect.requests += 1;
    let spoil = if r.pct(75) {
        Spoil::None
    } else {
        *r.pick(&[
            Spoil::ErrorIn200,
            Spoil::NonObjectEntry,
            Spoil::Truncated,
            Spoil::NotAnObject,
        ])
    };
    if depth == 0 {
        c.expect.home_exists = spoil != Spoil::ErrorIn200;
    }
    // The entries (JSON texts) and, for those that count, their effect.
    let mut entries: Vec<String> = Vec::new();
    let mut subdirs: Vec<(String, bool)> = Vec::new();
    let mut local = Expect::default();
    let n = if depth >= 4 { 0 } else { r.below(7) };
    for i in 0..n {
        let is_dir = depth < 3 && r.pct(30);
        let child = format!("{path}/{}{i}", if is_dir { "d" } else { "f" });
        // Spelling variants that name the same path.
        let written = match (tree, r.below(10)) {
            (Tree::Dbfs, 0) => format!("dbfs:{child}"),
            (_, 1) if is_dir => format!("{child}/"),
            _ => child.clone(),
        };
        let pj = serde_json::to_string(&written).unwrap();
        if is_dir {
            let repo = tree == Tree::Workspace && r.pct(20);
            entries.push(match tree.api() {
                Api::Dbfs => format!(r#"{{"path":{pj},"is_dir":true,"file_size":0}}"#),
                Api::Workspace => format!(
                    r#"{{"path":{pj},"object_type":"{}","object_id":{i}}}"#,
                    if repo { "REPO" } else { "DIRECTORY" }
                ),
            });
            subdirs.push((child, repo));
            continue;
        }
        // A path re-typed as a number: an entry "outside the home", a failure, not counted.
        if r.pct(3) {
            entries.push(match tree.api() {
                Api::Dbfs => format!(r#"{{"path":{i},"is_dir":false,"file_size":5}}"#),
                Api::Workspace => format!(r#"{{"path":{i},"object_type":"FILE","size":5}}"#),
            });
            local.failures += 1;
            continue;
        }
        let notebook = tree == Tree::Workspace && r.pct(15);
        let (size_text, size) = if notebook { (None, None) } else { gen_size(r) };
        let size_field = |name: &str| {
            size_text
                .as_ref()
                .map(|s| format!(",\"{name}\":{s}"))
                .unwrap_or_default()
        };
        let text = match tree.api() {
            Api::Dbfs => format!(
                r#"{{"path":{pj},"is_dir":false{},"modification_time":1700000000000}}"#,
                size_field("file_size")
            ),
            Api::Workspace => {
                let ty = if notebook {
                    ",\"object_type\":\"NOTEBOOK\",\"language\":\"PYTHON\"".to_string()
                } else {
                    match r.below(5) {
                        0 => String::new(),
                        1 => ",\"object_type\":\"LIBRARY\"".into(),
                        2 => ",\"object_type\":\"SOMETHING_NEW\"".into(),
                        _ => ",\"object_type\":\"FILE\"".into(),
                    }
                };
                format!(r#"{{"path":{pj}{ty}{}}}"#, size_field("size"))
            }
        };
        entries.push(text.clone());
        // Listed twice (in place or at the end): counted once.
        if r.pct(8) {
            entries.push(text);
        }
        local.files += 1;
        match size {
            Some(s) => local.bytes += u128::from(s),
            None => local.unsized_objects += 1,
        }
        if notebook {
            local.notebooks += 1;
        }
    }
    if r.pct(20) && entries.len() > 1 {
        // Shuffle a little: duplicates need not be adjacent.
        let a = r.below(entries.len() as u64) as usize;
        let b = r.below(entries.len() as u64) as usize;
        entries.swap(a, b);
    }
    let key = list_key(tree);
    let mut body = if entries.is_empty() {
        r.pick(&[
            "{}".to_string(),
            format!("{{\"{key}\":[]}}"),
            format!("{{\"{key}\":null}}"),
        ])
        .clone()
    } else {
        format!("{{\"{key}\":[{}]}}", entries.join(","))
    };
    match spoil {
        Spoil::None => {}
        Spoil::ErrorIn200 => {
            body = match r.below(3) {
                0 => r#"{"error_code":"INTERNAL_ERROR","message":"boom"}"#.to_string(),
                1 => r#"{"error_code":"TEMPORARILY_UNAVAILABLE"}"#.to_string(),
                // With the listing still there: an error all the same.
                _ => format!("{{\"error_code\":\"PARTIAL\",{}", &body[1..]).replace(",}", "}"),
            }
        }
        Spoil::NonObjectEntry => {
            let depth = if r.pct(2) {
                100_000
            } else {
                129 + r.below(3000) as usize
            };
            let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let bad = r
                .pick(&[
                    "[]".to_string(),
                    "1".to_string(),
                    "\"x\"".to_string(),
                    "null".to_string(),
                    "true".to_string(),
                    format!("[\"{path}/seq\",false,1000]"),
                    format!("[\"{path}/seq\",\"FILE\",1000]"),
                    deep,
                ])
                .clone();
            let mut es = entries.clone();
            let at = r.below(es.len() as u64 + 1) as usize;
            es.insert(at, bad);
            body = format!("{{\"{key}\":[{}]}}", es.join(","));
        }
        Spoil::Truncated => {
            let cut = r.below(body.len() as u64) as usize;
            body.truncate(cut);
        }
        Spoil::NotAnObject => {
            body = r
                .pick(&[
                    format!("[{}]", entries.join(",")),
                    "null".to_string(),
                    "42".to_string(),
                    "\"{}\"".to_string(),
                    "[[[[]]]]".to_string(),
                ])
                .clone();
        }
    }
    c.braces += body.bytes().filter(|&b| b == b'{').count() as u64;
    c.bodies.push((path.to_string(), body));
    if spoil.fails() {
        c.expect.failures += 1;
        return;
    }
    let e = &mut c.expect;
    e.directories += 1;
    e.max_depth = e.max_depth.max(depth);
    if repo {
        e.repos += 1;
    }
    e.files += local.files;
    e.bytes += local.bytes;
    e.unsized_objects += local.unsized_objects;
    e.notebooks += local.notebooks;
    e.failures += local.failures;
    for (d, repo) in subdirs {
        gen_dir(r, c, &d, depth + 1, repo);
    }
}

fn gen_tree(r: &mut Rng, tree: Tree) -> Case {
    let mut c = Case {
        tree,
        bodies: Vec::new(),
        expect: Expect::default(),
        braces: 0,
    };
    gen_dir(r, &mut c, HOME, 0, false);
    c
}

fn check_tree(what: &str, got: &TreeStats, e: &Expect) -> Result<(), String> {
    let overflow = e.bytes > u128::from(u64::MAX);
    let got_e = Expect {
        home_exists: got.home_exists,
        files: got.files,
        bytes: if overflow { e.bytes } else { u128::from(got.bytes) },
        directories: got.directories,
        unsized_objects: got.unsized_objects,
        notebooks: got.notebooks,
        repos: got.repos,
        max_depth: got.max_depth,
        requests: got.requests,
        failures: e.failures,
    };
    if &got_e != e {
        return Err(format!("{what}: expected {e:?}\n got {got:?}"));
    }
    if overflow && u128::from(got.bytes) > e.bytes {
        return Err(format!("{what}: bytes {} above the true sum {}", got.bytes, e.bytes));
    }
    Ok(())
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .strip_prefix("0x")
            .map_or_else(|| v.parse(), |h| u64::from_str_radix(h, 16))
            .unwrap_or_else(|_| panic!("{name}={v} is not a number")),
        Err(_) => default,
    }
}

/// One case: both trees (or one), scanned; `Err` describes a wrong answer.
fn run_case(r: &mut Rng) -> Result<usize, String> {
    let opts = ScanOptions {
        dbfs: r.pct(85),
        workspace: r.pct(85),
        batch_size: *r.pick(&[0, 1, 2, 3, 8]),
        ..NEITHER
    };
    let dbfs = opts.dbfs.then(|| gen_tree(r, Tree::Dbfs));
    let ws = opts.workspace.then(|| gen_tree(r, Tree::Workspace));
    let n_bodies: usize = dbfs.iter().chain(ws.iter()).map(|c| c.bodies.len()).sum();
    let flip = r.pct(5);
    let mut f = Fake::new();
    let mut flipped = false;
    for c in dbfs.iter().chain(ws.iter()) {
        for (i, (path, body)) in c.bodies.iter().enumerate() {
            let mut body = body.clone().into_bytes();
            if flip && !flipped && i == c.bodies.len() - 1 && !body.is_empty() {
                let at = r.below(body.len() as u64) as usize;
                body[at] = (r.next() & 0x7f) as u8;
                flipped = true;
            }
            let body = String::from_utf8_lossy(&body).into_owned();
            match c.tree.api() {
                Api::Dbfs => f.on_dbfs(path, resp(200, &body)),
                Api::Workspace => f.on_ws(path, resp(200, &body)),
            };
        }
    }
    let mut sink = Collector::default();
    let report = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        scan_user(&mut f, &mut sink, USER, opts)
    }))
    .map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("panic: {msg}")
    })?;
    let bodies = || {
        dbfs.iter()
            .chain(ws.iter())
            .flat_map(|c| c.bodies.iter())
            .map(|(p, b)| format!("  {p}: {}", &b[..b.floor_char_boundary(300)]))
            .collect::<Vec<_>>()
            .join("\n")
    };
    // Whatever the bodies, the objects are the files counted: per tree as many, no path twice.
    check(&report, &opts, &sink).map_err(|e| format!("objects: {e}\n{}", bodies()))?;
    if flipped {
        let braces: u64 = dbfs.iter().chain(ws.iter()).map(|c| c.braces).sum();
        let files = report.dbfs.as_ref().map_or(0, |t| t.files) + report.workspace.as_ref().map_or(0, |t| t.files);
        if files > braces {
            return Err(format!(
                "{files} files from bodies holding {braces} objects\n{}",
                bodies()
            ));
        }
        return Ok(n_bodies);
    }
    let mut failures = 0;
    let mut overflow = false;
    let mut files = 0;
    for (c, got) in [(&dbfs, &report.dbfs), (&ws, &report.workspace)] {
        match (c, got) {
            (Some(c), Some(got)) => {
                check_tree(c.tree.name(), got, &c.expect).map_err(|e| format!("{e}\n{}", bodies()))?;
                failures += c.expect.failures;
                overflow |= c.expect.bytes > u128::from(u64::MAX);
                files += c.expect.files;
            }
            (None, None) => {}
            _ => return Err("a tree scanned that was not asked for, or the reverse".into()),
        }
    }
    let status = if failures > 0 || overflow {
        ScanStatus::Error
    } else if files > 0 {
        ScanStatus::Success
    } else {
        ScanStatus::Empty
    };
    if report.status != status || report.error.is_some() != (status == ScanStatus::Error) {
        return Err(format!(
            "status {:?} (error {:?}), expected {status:?}\n{}",
            report.status,
            report.error,
            bodies()
        ));
    }
    if overflow
        && !report
            .error
            .as_deref()
            .unwrap_or("")
            .contains("past 18446744073709551615 bytes")
    {
        // The first failure is reported; an overflow may come after another failure.
        if failures == 0 {
            return Err(format!("overflow not named: {:?}", report.error));
        }
    }
    Ok(n_bodies)
}

#[test]
fn seeded_random_bodies_never_panic_and_never_invent_counts() {
    let seed = env_u64("DBX_FUZZ_SEED", DEFAULT_SEED);
    let cases = env_u64("DBX_FUZZ_CASES", DEFAULT_CASES);
    let mut bodies = 0usize;
    let mut wrong = Vec::new();
    for case in 0..cases {
        // One generator per case, so any case replays alone from (seed, case).
        let mut r = Rng(seed ^ case.wrapping_mul(0xd6e8_feb8_6659_fd93));
        let before = r.0;
        match run_case(&mut r) {
            Ok(n) => bodies += n,
            Err(e) => {
                wrong.push(format!(
                    "case {case} (DBX_FUZZ_SEED={seed:#x}, generator {before:#x}): {e}"
                ));
                if wrong.len() >= 3 {
                    break;
                }
            }
        }
    }
    eprintln!(
        "fuzz: seed {seed:#x}, {cases} cases, {bodies} bodies, {} wrong",
        wrong.len()
    );
    assert!(
        wrong.is_empty(),
        "seed {seed:#x}: {} wrong answers (rerun with DBX_FUZZ_SEED={seed:#x}):\n{}",
        wrong.len(),
        wrong.join("\n\n")
    );
    if cases >= DEFAULT_CASES {
        assert!(bodies >= 10_000, "only {bodies} bodies generated");
    }
}
