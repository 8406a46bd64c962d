//! The one harness of the end-to-end tests: start the simulator on loopback, run the real
//! `dbx-inventory` binary against it in a working folder with an isolated environment, read
//! what it wrote, and fail with a readable report (`check!`, `Done::explain`, line diffs).
//!
//! A test runs one command in a fresh folder (`Run::new`, `Run::scan`), or several in one shared
//! folder (`Work`, as resuming does); `Run::spawn` starts one that the test stops itself.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::sync::OnceLock;
use std::thread::JoinHandle;

/// A CSV row: column → value.
pub type Row = BTreeMap<String, String>;

/// One tokio runtime for all simulators of the test binary.
pub fn rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

/// The repository root (these tests belong to the `host/` package).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The `dbx-inventory` binary under test: `DBX_INVENTORY_BIN` if set, else the one cargo built
/// for this test binary (these are integration tests of the package that defines it, so
/// `cargo test` builds it first and names it in `CARGO_BIN_EXE_dbx-inventory`).
pub fn bin() -> PathBuf {
    match std::env::var_os("DBX_INVENTORY_BIN") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_BIN_EXE_dbx-inventory")),
    }
}

/// A loopback port nobody listens on (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Loads a fixture from `tests/fixtures/NAME.json`.
pub fn fixture(name: &str) -> dbx_sim::Fixture {
    let path = root().join("tests/fixtures").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A running simulator, stopped on drop.
pub struct Sim {
    inner: Option<dbx_sim::RunningSim>,
    pub url: String,
}

impl Sim {
    /// Starts a simulator with no limits and no latency.
    pub fn start(fixture: dbx_sim::Fixture) -> Sim {
        Sim::start_with(dbx_sim::SimConfig {
            fixture,
            limits: None,
            ..Default::default()
        })
    }

    /// Starts a simulator with a full configuration.
    pub fn start_with(config: dbx_sim::SimConfig) -> Sim {
        let inner = rt().block_on(dbx_sim::start(config)).expect("simulator starts");
        let url = inner.url();
        Sim {
            inner: Some(inner),
            url,
        }
    }

    /// Request statistics.
    pub fn stats(&self) -> dbx_sim::Stats {
        self.inner.as_ref().unwrap().stats()
    }

    /// Resets the request statistics.
    pub fn reset_stats(&self) {
        self.inner.as_ref().unwrap().reset_stats()
    }

    /// Adds fault rules at run time (these may give `times` and `offset`).
    pub fn add_faults(&self, faults: impl IntoIterator<Item = dbx_sim::Fault>) {
        self.inner.as_ref().unwrap().add_faults(faults)
    }

    /// Requests answered on one endpoint (`scim/Users`, `oauth/token`, …), any status.
    pub fn requests(&self, endpoint: &str) -> u64 {
        self.stats()
            .by_endpoint
            .get(endpoint)
            .map(|m| m.values().sum())
            .unwrap_or(0)
    }

    /// Listing requests answered, both trees, any status.
    pub fn listings(&self) -> u64 {
        self.requests("workspace/list") + self.requests("dbfs/list")
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(s) = self.inner.take() {
            rt().block_on(s.shutdown());
        }
    }
}

/// What a [`Fake`] workspace is asked: method-less (every API call is a GET), path, raw query,
/// and the request headers as `name: value` text (to echo them back).
pub struct Asked {
    pub path: String,
    pub query: String,
    pub headers: String,
}

/// A hand-made workspace on 127.0.0.1 for answers the simulator would never give (hostile
/// servers): `answer` maps each request to a status and a JSON body. Stopped on drop.
pub struct Fake {
    pub url: String,
    requests: std::sync::Arc<std::sync::atomic::AtomicU64>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Fake {
    /// Starts the server; `answer` gets the request and the server's own URL.
    pub fn start(answer: impl Fn(&Asked, &str) -> (u16, serde_json::Value) + Send + Sync + 'static) -> Fake {
        use std::sync::atomic::{AtomicU64, Ordering};
        use std::sync::Arc;
        let listener = rt().block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicU64::new(0));
        let (answer, base, count) = (Arc::new(answer), url.clone(), requests.clone());
        let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
            let (answer, base, count) = (answer.clone(), base.clone(), count.clone());
            async move {
                count.fetch_add(1, Ordering::Relaxed);
                let asked = Asked {
                    path: req.uri().path().to_string(),
                    query: req.uri().query().unwrap_or("").to_string(),
                    headers: req
                        .headers()
                        .iter()
                        .map(|(k, v)| format!("{k}: {}", String::from_utf8_lossy(v.as_bytes())))
                        .collect::<Vec<_>>()
                        .join("; "),
                };
                let (status, body) = answer(&asked, &base);
                (axum::http::StatusCode::from_u16(status).unwrap(), axum::Json(body))
            }
        });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        rt().spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Fake {
            url,
            requests,
            stop: Some(tx),
        }
    }

    /// Requests answered so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// User lines in a journal file (0 when it does not exist yet).
pub fn journal_user_lines(path: &Path) -> usize {
    std::fs::read(path)
        .map(|b| {
            b.split(|c| *c == b'\n')
                .filter(|l| l.starts_with(b"{\"type\":\"user\""))
                .count()
        })
        .unwrap_or(0)
}

/// A journal's records, checking every line is one JSON object.
pub fn journal_records(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .map(|(n, l)| serde_json::from_str(l).unwrap_or_else(|e| panic!("{} line {}: {e}: {l}", path.display(), n + 1)))
        .collect()
}

/// Rows per user (lower-cased) in a journal, checking every line is one JSON object and the
/// first the header.
pub fn journal_counts(path: &Path) -> BTreeMap<String, usize> {
    let records = journal_records(path);
    if let Some(first) = records.first() {
        assert_eq!(first["type"], "header", "first line is the header: {first}");
    }
    let mut m = BTreeMap::new();
    for r in records.iter().filter(|r| r["type"] == "user") {
        *m.entry(r["username"].as_str().unwrap().to_lowercase()).or_insert(0) += 1;
    }
    m
}

/// Waits until the journal holds `rows` user rows (the scan is under way).
pub fn wait_rows(child: &mut Running, journal: &Path, rows: usize) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while journal_user_lines(journal) < rows {
        assert!(!child.finished(), "the scan ended before {rows} rows were recorded");
        assert!(std::time::Instant::now() < deadline, "no {rows} rows within 120 s");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// A generated workspace (no limits, 8 ms latency: a scan of it lasts a few seconds), and its
/// users in SCIM order.
pub fn generated(users: usize, seed: u64) -> (Sim, Vec<String>) {
    let fixture = dbx_sim::generate(users, seed);
    let names = fixture.users.iter().map(|u| u.user_name.clone()).collect();
    let sim = Sim::start_with(dbx_sim::SimConfig {
        fixture,
        limits: None,
        latency_ms: 8,
        seed,
        ..Default::default()
    });
    (sim, names)
}

/// A temporary working folder, removed when the last `Work`, `Run` or `Done` using it is
/// dropped. Several runs may share one: that is what resuming a scan is.
#[derive(Clone)]
pub struct Work(Rc<tempfile::TempDir>);

impl Default for Work {
    fn default() -> Self {
        Work::new()
    }
}

impl Work {
    pub fn new() -> Work {
        Work(Rc::new(tempfile::tempdir().unwrap()))
    }

    pub fn dir(&self) -> &Path {
        self.0.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir().join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        p
    }

    /// The bytes of a file in the folder.
    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// `dbx-inventory ARGS…` in this folder (see `Run::in_dir`).
    pub fn run(&self, args: &[&str]) -> Run {
        Run::in_dir(self, args)
    }

    /// `dbx-inventory scan` against `sim` in this folder (see `Run::scan`).
    pub fn scan(&self, sim: &Sim, args: &[&str]) -> Run {
        Run::against(self, sim, "scan", args)
    }
}

/// A `dbx-inventory` invocation being built, with the folder it runs in.
pub struct Run {
    work: Work,
    cmd: Command,
    stdin: Option<Vec<u8>>,
}

/// What a run produced.
pub struct Done {
    /// The exit code; -1 when a signal ended the process (see `signal`).
    pub code: i32,
    /// The signal that ended the process, if one did.
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// The working folder the run ran in.
    pub dir: PathBuf,
    _work: Work,
}

impl Run {
    /// `dbx-inventory ARGS…` in a fresh folder (see `Run::in_dir`).
    pub fn new(args: &[&str]) -> Run {
        Run::in_dir(&Work::new(), args)
    }

    /// `dbx-inventory ARGS…` in `work`, with an environment free of Databricks settings (only
    /// `PATH` is kept) and the folder as a HOME with no config file.
    pub fn in_dir(work: &Work, args: &[&str]) -> Run {
        let mut cmd = Command::new(bin());
        cmd.args(args).current_dir(work.dir()).env_clear();
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("HOME", work.dir());
        Run {
            work: work.clone(),
            cmd,
            stdin: None,
        }
    }

    /// Scan against `sim` in a fresh folder, with the simulator's default token and fast retries.
    pub fn scan(sim: &Sim, args: &[&str]) -> Run {
        Run::against(&Work::new(), sim, "scan", args)
    }

    /// `dbx-inventory SUBCOMMAND --retry-base-ms 20 ARGS…` in `work` against `sim`, with the
    /// simulator's default token.
    pub fn against(work: &Work, sim: &Sim, subcommand: &str, args: &[&str]) -> Run {
        let mut all = vec![subcommand, "--retry-base-ms", "20"];
        all.extend_from_slice(args);
        let mut r = Run::in_dir(work, &all);
        r.env("DATABRICKS_HOST", &sim.url).env("DATABRICKS_TOKEN", "dapi-sim");
        r
    }

    pub fn env(&mut self, k: &str, v: &str) -> &mut Self {
        self.cmd.env(k, v);
        self
    }

    pub fn arg(&mut self, a: &str) -> &mut Self {
        self.cmd.arg(a);
        self
    }

    /// Gives the run these bytes on standard input (else it has none).
    pub fn stdin(&mut self, bytes: &[u8]) -> &mut Self {
        self.stdin = Some(bytes.to_vec());
        self
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.work.path(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        self.work.write(name, text)
    }

    /// Runs to completion.
    pub fn run(self) -> Done {
        self.spawn().wait()
    }

    /// Starts the run and returns at once; stdout and stderr are collected in the background
    /// (so a chatty process never blocks on a full pipe) and end up in the `Done`.
    pub fn spawn(mut self) -> Running {
        let mut child = self
            .cmd
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("run {}: {e}", bin().display()));
        if let (Some(bytes), Some(mut pipe)) = (self.stdin.take(), child.stdin.take()) {
            std::thread::spawn(move || {
                let _ = std::io::Write::write_all(&mut pipe, &bytes);
            });
        }
        let stdout = drain(child.stdout.take().unwrap());
        let stderr = drain(child.stderr.take().unwrap());
        Running {
            child,
            stdout,
            stderr,
            work: self.work,
        }
    }
}

fn drain(mut from: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = from.read_to_end(&mut buf);
        buf
    })
}

/// A run in progress (`Run::spawn`).
pub struct Running {
    child: Child,
    stdout: JoinHandle<Vec<u8>>,
    stderr: JoinHandle<Vec<u8>>,
    work: Work,
}

impl Running {
    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process has ended (it is not waited for).
    pub fn finished(&mut self) -> bool {
        self.child.try_wait().unwrap().is_some()
    }

    /// Sends a signal by name (`TERM`, `INT`, …) through `kill(1)`.
    pub fn signal(&self, name: &str) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").arg(format!("-{name}")).arg(&pid).status().unwrap();
        assert!(status.success(), "kill -{name} {pid} failed");
    }

    /// SIGKILL (nothing happens if the process already ended), then what it produced.
    pub fn kill(mut self) -> Done {
        let _ = self.child.kill();
        self.wait()
    }

    /// Waits for the end, then what it produced.
    pub fn wait(mut self) -> Done {
        let status = self.child.wait().expect("wait for dbx-inventory");
        let text = |h: JoinHandle<Vec<u8>>| String::from_utf8_lossy(&h.join().unwrap()).into_owned();
        #[cfg(unix)]
        let signal = std::os::unix::process::ExitStatusExt::signal(&status);
        #[cfg(not(unix))]
        let signal = None;
        Done {
            code: status.code().unwrap_or(-1),
            signal,
            stdout: text(self.stdout),
            stderr: text(self.stderr),
            dir: self.work.dir().to_path_buf(),
            _work: self.work,
        }
    }
}

impl Done {
    /// Reads a CSV written by the run: header + rows as maps.
    pub fn csv(&self, name: &str) -> (Vec<String>, Vec<Row>) {
        read_csv(&self.dir.join(name))
    }

    /// The rows of a CSV written by the run, by username.
    pub fn rows(&self, name: &str) -> BTreeMap<String, Row> {
        by_user(self.csv(name).1)
    }

    pub fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}\n{}", self.explain()))
    }

    pub fn explain(&self) -> String {
        let ended = match self.signal {
            Some(s) => format!("killed by signal {s}"),
            None => format!("exit {}", self.code),
        };
        format!("{ended}\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr)
    }

    /// Asserts `actual` is byte for byte `expected`; a failure shows a line diff and the run.
    #[track_caller]
    pub fn check_same(&self, what: &str, expected: impl AsRef<[u8]>, actual: impl AsRef<[u8]>) {
        let (e, a) = (expected.as_ref(), actual.as_ref());
        if e != a {
            panic!("{what}\n{}\n{}", diff_bytes(e, a), self.explain());
        }
    }
}

impl Done {
    /// Asserts the given columns of a row; a failure lists every column that differs (expected
    /// and actual value), the whole row and the run.
    #[track_caller]
    pub fn check_fields(&self, row: &Row, expected: &[(&str, &str)]) {
        let wrong: Vec<String> = expected
            .iter()
            .filter(|(k, v)| row.get(*k).map(String::as_str) != Some(*v))
            .map(|(k, v)| format!("  column {k}: expected {v:?}, got {:?}", row.get(*k)))
            .collect();
        if !wrong.is_empty() {
            let user = row.get("username").map_or("?", String::as_str);
            panic!(
                "row of {user}:\n{}\n  row: {row:?}\n{}",
                wrong.join("\n"),
                self.explain()
            );
        }
    }
}

pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Row>) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_owned))
                .collect()
        })
        .collect();
    (header, rows)
}

/// Rows by their `username` column.
pub fn by_user(rows: Vec<Row>) -> BTreeMap<String, Row> {
    rows.into_iter().map(|r| (r["username"].clone(), r)).collect()
}

/// The usernames of the rows whose `column` is `value`, in row order.
pub fn names_where<'a>(rows: &'a [Row], column: &str, value: &str) -> Vec<&'a str> {
    rows.iter()
        .filter(|r| r[column] == value)
        .map(|r| r["username"].as_str())
        .collect()
}

/// A line diff of two byte strings (as text), for failure messages.
fn diff_bytes(expected: &[u8], actual: &[u8]) -> String {
    let (e, a) = (String::from_utf8_lossy(expected), String::from_utf8_lossy(actual));
    if e == a {
        return format!(
            "the texts differ only in bytes that are not UTF-8 ({} vs {} bytes)",
            expected.len(),
            actual.len()
        );
    }
    line_diff(&e, &a)
}

/// The lines that differ between two texts: `-` only in the expected one, `+` only in the actual
/// one, each with its line number, and a count of the lines they share.
pub fn line_diff(expected: &str, actual: &str) -> String {
    const MAX_SHOWN: usize = 200;
    let e: Vec<&str> = expected.split_inclusive('\n').collect();
    let a: Vec<&str> = actual.split_inclusive('\n').collect();
    // Common head and tail first, so the table below covers only the part that differs.
    let head = e.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let tail = e[head..]
        .iter()
        .rev()
        .zip(a[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (em, am) = (&e[head..e.len() - tail], &a[head..a.len() - tail]);
    let mut out = vec![];
    if em.len() * am.len() > 4_000_000 {
        out.extend(em.iter().enumerate().map(|(i, l)| format!("-{:>5} {l}", head + i + 1)));
        out.extend(am.iter().enumerate().map(|(i, l)| format!("+{:>5} {l}", head + i + 1)));
    } else {
        // Longest common subsequence, then a walk through it.
        let mut lcs = vec![vec![0u32; am.len() + 1]; em.len() + 1];
        for i in (0..em.len()).rev() {
            for j in (0..am.len()).rev() {
                lcs[i][j] = if em[i] == am[j] {
                    lcs[i + 1][j + 1] + 1
                } else {
                    lcs[i + 1][j].max(lcs[i][j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < em.len() || j < am.len() {
            if i < em.len() && j < am.len() && em[i] == am[j] {
                (i, j) = (i + 1, j + 1);
            } else if j == am.len() || (i < em.len() && lcs[i + 1][j] >= lcs[i][j + 1]) {
                out.push(format!("-{:>5} {}", head + i + 1, em[i]));
                i += 1;
            } else {
                out.push(format!("+{:>5} {}", head + j + 1, am[j]));
                j += 1;
            }
        }
    }
    let shown = out.len().min(MAX_SHOWN);
    let mut text = format!(
        "--- line diff (- expected, + actual; {} + {} lines, {} unchanged at the start, {tail} at the end)\n",
        e.len(),
        a.len(),
        head
    );
    for l in &out[..shown] {
        text.push_str(l.trim_end_matches('\n'));
        text.push('\n');
    }
    if out.len() > shown {
        text.push_str(&format!("… {} more differing lines\n", out.len() - shown));
    }
    text
}

/// Builds the misbehaving component once and returns its path.
pub fn evil_component() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| build_evil_guest(None)).clone()
}

/// Builds a variant of the misbehaving component with one cargo feature (`clock`, `fs`): each
/// imports a WASI interface the host must refuse. Each variant has its own target dir.
pub fn evil_component_with(feature: &'static str) -> PathBuf {
    static BUILT: std::sync::Mutex<BTreeMap<&'static str, PathBuf>> = std::sync::Mutex::new(BTreeMap::new());
    let mut built = BUILT.lock().unwrap();
    built
        .entry(feature)
        .or_insert_with(|| build_evil_guest(Some(feature)))
        .clone()
}

fn build_evil_guest(feature: Option<&str>) -> PathBuf {
    let dir = root().join("tests/evil-guest");
    let target = dir.join(match feature {
        Some(f) => format!("target-{f}"),
        None => "target".to_string(),
    });
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(["build", "--release", "--target", "wasm32-wasip2", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .env_remove("CARGO_TARGET_DIR");
    if let Some(f) = feature {
        cmd.args(["--features", f]);
    }
    let status = cmd.status().expect("cargo runs");
    assert!(status.success(), "building tests/evil-guest ({feature:?}) failed");
    target.join("wasm32-wasip2/release/evil_guest.wasm")
}

/// Asserts with a readable report of the run (`tests.rs` declares this module first, with
/// `#[macro_use]`, so every test module has it).
macro_rules! check {
    ($done:expr, $cond:expr) => {
        assert!($cond, "{} failed\n{}", stringify!($cond), $done.explain())
    };
    ($done:expr, $cond:expr, $($msg:tt)+) => {
        assert!($cond, "{}\n{}", format!($($msg)+), $done.explain())
    };
}

#[test]
fn line_diff_shows_only_the_lines_that_differ_with_their_numbers() {
    let expected = "user,files\nalice,1\nbob,2\ncarol,3\ndave,4\n";
    let actual = "user,files\nalice,1\nbob,7\ncarol,3\ndave,4\nerin,5\n";
    let d = line_diff(expected, actual);
    let lines: Vec<&str> = d.lines().skip(1).collect();
    assert_eq!(lines, ["-    3 bob,2", "+    3 bob,7", "+    6 erin,5"], "{d}");
    assert!(
        d.starts_with("--- line diff (- expected, + actual; 5 + 6 lines, 2 unchanged at the start"),
        "{d}"
    );
    assert!(diff_bytes(b"a\xff\n", b"a\xfe\n").contains("not UTF-8"));
}
