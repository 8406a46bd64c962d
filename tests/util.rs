//! Helpers for the end-to-end tests: start the simulator on loopback, run the real
//! `dbx-inventory` binary against it in an isolated environment, read its CSV.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub use dbx_sim;

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

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The `dbx-inventory` binary under test (`DBX_INVENTORY_BIN`, else next to this test binary).
pub fn bin() -> PathBuf {
    if let Ok(p) = std::env::var("DBX_INVENTORY_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let p = dir.join("dbx-inventory");
    assert!(
        p.exists(),
        "{} not built: run `cargo build -p dbx-inventory` first (scripts/test.sh does)",
        p.display()
    );
    p
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
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(s) = self.inner.take() {
            rt().block_on(s.shutdown());
        }
    }
}

/// A temporary working directory with a builder for `dbx-inventory` invocations.
pub struct Run {
    pub dir: tempfile::TempDir,
    cmd: Command,
}

/// What a run produced.
pub struct Done {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub dir: PathBuf,
    _keep: tempfile::TempDir,
}

impl Run {
    /// `dbx-inventory ARGS…` in a fresh directory, with an environment free of Databricks
    /// settings and a HOME with no config file.
    pub fn new(args: &[&str]) -> Run {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(bin());
        cmd.args(args).current_dir(dir.path()).env_clear();
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("HOME", dir.path());
        Run { dir, cmd }
    }

    /// Scan against `sim` with the simulator's default token and fast retries.
    pub fn scan(sim: &Sim, args: &[&str]) -> Run {
        let mut all = vec!["scan", "--retry-base-ms", "20"];
        all.extend_from_slice(args);
        let mut r = Run::new(&all);
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

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Runs to completion.
    pub fn run(mut self) -> Done {
        let Output { status, stdout, stderr } = self.cmd.output().expect("run dbx-inventory");
        Done {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            dir: self.dir.path().to_path_buf(),
            _keep: self.dir,
        }
    }
}

impl Done {
    /// Reads a CSV written by the run: header + rows as maps.
    pub fn csv(&self, name: &str) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
        read_csv(&self.dir.join(name))
    }

    pub fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}\n{}", self.explain()))
    }

    pub fn explain(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub fn read_csv(path: &Path) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
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

/// Builds the misbehaving component once and returns its path.
pub fn evil_component() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = root().join("tests/evil-guest");
            let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args(["build", "--release", "--target", "wasm32-wasip2", "--manifest-path"])
                .arg(dir.join("Cargo.toml"))
                .arg("--target-dir")
                .arg(dir.join("target"))
                .env_remove("CARGO_TARGET_DIR")
                .status()
                .expect("cargo runs");
            assert!(status.success(), "building tests/evil-guest failed");
            dir.join("target/wasm32-wasip2/release/evil_guest.wasm")
        })
        .clone()
}

/// Asserts with a readable report of the run.
#[macro_export]
macro_rules! check {
    ($done:expr, $cond:expr) => {
        assert!($cond, "{} failed\n{}", stringify!($cond), $done.explain())
    };
    ($done:expr, $cond:expr, $($msg:tt)+) => {
        assert!($cond, "{}\n{}", format!($($msg)+), $done.explain())
    };
}
