//! The Spark backend, in place of the local scheduler: jobs go in waves to the launcher
//! (`launcher/dbx_spark.py`, embedded here, run with `--python`), which runs one Spark task per
//! partition, each task a `dbx-inventory worker`; rows stream back and go to the same writer as
//! local scans. The protocol is `docs/spark-protocol.md`.
//!
//! What reaches the cluster: the worker binary, the job lines (user, trees, orphan flag, input
//! position), the workspace URL, each task's share of the rate limits, and — on each task's
//! stdin only — a bearer token minted for its wave (the PAT, or a fresh OAuth access token; never
//! the OAuth client secret). Waves are short (`--chunk-size` users), so a token outliving its wave
//! is never needed.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::job::Job;
use crate::journal::Entry;
use crate::model::{Orphan, UserRow};
use crate::sandbox::Runtime;

/// The launcher, shipped inside the binary so `dbx-inventory` alone is enough.
pub const LAUNCHER: &str = include_str!("../../../launcher/dbx_spark.py");

/// Users per wave when `--chunk-size` is not given.
pub const DEFAULT_WAVE: usize = 500;

/// How long a partly filled wave waits for more users before it is sent.
const WAVE_IDLE: Duration = Duration::from_millis(500);

/// Where the Spark session comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// A classic master (`local[4]`, `spark://…`).
    Classic(String),
    /// A Spark Connect server (`sc://…`).
    Connect(String),
    /// A Databricks cluster through Databricks Connect.
    Databricks {
        /// The cluster.
        cluster_id: String,
        /// The profile named on the command line, if any.
        profile: Option<String>,
    },
}

impl Backend {
    /// `local[4] (classic Spark)` and the like, for the banner.
    pub fn describe(&self) -> String {
        match self {
            Backend::Classic(m) => format!("Spark master {m} (classic PySpark)"),
            Backend::Connect(r) => format!("Spark Connect {r}"),
            Backend::Databricks { cluster_id, .. } => format!("Databricks cluster {cluster_id} (Databricks Connect)"),
        }
    }

    /// True when everything runs on this machine: then Spark is told to bind to loopback only.
    fn is_local(&self) -> bool {
        match self {
            Backend::Classic(m) => m.starts_with("local"),
            Backend::Connect(r) => {
                let rest = r.strip_prefix("sc://").unwrap_or(r);
                rest.starts_with("127.0.0.1") || rest.starts_with("localhost") || rest.starts_with("[::1]")
            }
            Backend::Databricks { .. } => false,
        }
    }
}

/// Everything the Spark path needs besides the runtime.
#[derive(Debug, Clone)]
pub struct SparkPlan {
    /// The session.
    pub backend: Backend,
    /// The interpreter with pyspark.
    pub python: String,
    /// Tasks per wave.
    pub partitions: u32,
    /// The binary the executors run.
    pub worker_binary: PathBuf,
    /// Users per wave.
    pub wave: usize,
    /// The workspace URL the workers talk to.
    pub host: String,
    /// Flags passed to every worker besides its budget (retries, timeouts, batch size).
    pub worker_args: Vec<String>,
    /// `--debug`: which executor scanned whom, per-executor counts.
    pub debug: bool,
    /// Test only: (rows, marker file) for the workers' first attempts.
    pub fault: Option<(u64, PathBuf)>,
}

/// One line of the launcher's output.
#[derive(serde::Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
enum FromLauncher {
    Row {
        #[serde(default)]
        partition: Option<i64>,
        #[serde(default)]
        executor: Option<String>,
        #[serde(default)]
        attempt: Option<i64>,
        row: serde_json::Value,
    },
    WaveDone {
        #[serde(default)]
        rows: Option<u64>,
    },
    Ready,
    Log {
        message: String,
    },
    Fatal {
        message: String,
    },
}

/// Starts the Spark backend: jobs from `jobs` are scanned on the cluster, rows go to `rows`.
pub fn spawn(
    rt: Arc<Runtime>,
    plan: SparkPlan,
    jobs: mpsc::Receiver<(usize, Job)>,
    rows: mpsc::Sender<(usize, UserRow)>,
) -> JoinHandle<anyhow::Result<()>> {
    tokio::spawn(async move { run(&rt, &plan, jobs, rows).await })
}

fn config_line(rt: &Runtime, plan: &SparkPlan) -> serde_json::Value {
    let limits = rt.policy().limits();
    let mut budget = serde_json::Map::new();
    for (family, rate) in &limits.rates {
        budget.insert(family.name().to_string(), serde_json::json!(rate.0));
    }
    budget.insert("max_in_flight".into(), serde_json::json!(limits.max_in_flight));
    let (backend, master, remote, cluster_id, profile) = match &plan.backend {
        Backend::Classic(m) => ("classic", Some(m.clone()), None, None, None),
        Backend::Connect(r) => ("connect", None, Some(r.clone()), None, None),
        Backend::Databricks { cluster_id, profile } => {
            ("databricks", None, None, Some(cluster_id.clone()), profile.clone())
        }
    };
    let mut spark_conf = BTreeMap::new();
    if plan.backend.is_local() {
        for k in [
            "spark.driver.host",
            "spark.driver.bindAddress",
            "spark.connect.grpc.binding.address",
        ] {
            spark_conf.insert(k, "127.0.0.1");
        }
    }
    serde_json::json!({
        "type": "config",
        "backend": backend,
        "master": master,
        "remote": remote,
        "cluster_id": cluster_id,
        "profile": profile,
        "worker_binary": plan.worker_binary,
        "partitions": plan.partitions,
        "host": plan.host,
        "limits": budget,
        "worker_args": plan.worker_args,
        "debug": plan.debug,
        "fault": plan.fault.as_ref().map(|(n, m)| serde_json::json!({"fail_after": n, "marker": m})),
        "spark_conf": spark_conf,
    })
}

/// The next wave: up to `size` jobs, sent once full, once the input ends, or once no new job
/// came for [`WAVE_IDLE`] (so a slow SCIM listing still keeps the cluster busy).
async fn next_wave(jobs: &mut mpsc::Receiver<(usize, Job)>, size: usize) -> Vec<(usize, Job)> {
    let mut wave = Vec::new();
    while wave.len() < size {
        let next = if wave.is_empty() {
            jobs.recv().await
        } else {
            match tokio::time::timeout(WAVE_IDLE, jobs.recv()).await {
                Ok(j) => j,
                Err(_) => break,
            }
        };
        match next {
            Some(j) => wave.push(j),
            None => break,
        }
    }
    wave
}

async fn run(
    rt: &Runtime,
    plan: &SparkPlan,
    mut jobs: mpsc::Receiver<(usize, Job)>,
    rows: mpsc::Sender<(usize, UserRow)>,
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("creating a folder for the Spark launcher")?;
    let script = dir.path().join("dbx_spark.py");
    std::fs::write(&script, LAUNCHER).context("writing the Spark launcher")?;
    let mut cmd = tokio::process::Command::new(&plan.python);
    cmd.arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if plan.backend.is_local() {
        cmd.env("SPARK_LOCAL_IP", "127.0.0.1");
    }
    if std::env::var_os("PYSPARK_PYTHON").is_none() {
        // The executors' Python must be the one with pyspark (and pandas, pyarrow).
        cmd.env("PYSPARK_PYTHON", &plan.python);
    }
    let mut child = cmd.spawn().map_err(|e| {
        anyhow::anyhow!(
            "cannot start the Spark launcher with --python {} ({e}); give the interpreter that has pyspark",
            plan.python
        )
    })?;
    let mut stdin = child.stdin.take().expect("piped");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped")).lines();
    let stderr = child.stderr.take().expect("piped");
    let debug = plan.debug;
    let stderr_tail = tokio::spawn(async move {
        // Spark's own log lines: kept (the last 16 KiB) for error messages, shown with --debug.
        let mut lines = BufReader::new(stderr).lines();
        let mut tail = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            if debug {
                tracing::debug!("spark: {line}");
            }
            tail.push_str(&line);
            tail.push('\n');
            if tail.len() > 32 << 10 {
                tail.drain(..tail.len() - (16 << 10));
            }
        }
        tail
    });
    let send = |v: serde_json::Value| {
        let mut line = v.to_string();
        line.push('\n');
        line
    };
    let mut per_executor: BTreeMap<String, u64> = BTreeMap::new();
    let result: anyhow::Result<()> = async {
        stdin.write_all(send(config_line(rt, plan)).as_bytes()).await?;
        stdin.flush().await?;
        // Wait for the session: a wave's token is minted only when the cluster can use it.
        loop {
            let Some(line) = stdout.next_line().await? else {
                anyhow::bail!("the Spark launcher ended before its session was ready");
            };
            match serde_json::from_str::<FromLauncher>(&line) {
                Ok(FromLauncher::Ready) => break,
                Ok(FromLauncher::Log { message }) => tracing::debug!("launcher: {message}"),
                Ok(FromLauncher::Fatal { message }) => anyhow::bail!("{message}"),
                _ => anyhow::bail!("the Spark launcher sent {} before it was ready", excerpt(&line)),
            }
        }
        let mut waves = 0u32;
        loop {
            let wave = next_wave(&mut jobs, plan.wave).await;
            if wave.is_empty() {
                break;
            }
            waves += 1;
            let token = rt
                .policy()
                .bearer_token()
                .await
                .map_err(|e| anyhow::anyhow!("cannot mint a token for Spark wave {waves}: {e}"))?;
            let job_lines: Vec<serde_json::Value> = wave
                .iter()
                .map(|(i, j)| {
                    serde_json::json!({"type": "job", "i": i, "user": j.user,
                                       "trees": j.trees.journal_label(), "orphan": j.orphan == Orphan::Yes})
                })
                .collect();
            tracing::debug!(
                "Spark wave {waves}: {} user(s) in {} task(s)",
                wave.len(),
                plan.partitions
            );
            let marks: HashMap<usize, &Job> = wave.iter().map(|(i, j)| (*i, j)).collect();
            let line = send(serde_json::json!({"type": "wave", "token": token, "jobs": job_lines}));
            stdin
                .write_all(line.as_bytes())
                .await
                .context("sending a wave to the Spark launcher (did it exit?)")?;
            stdin.flush().await?;
            drop(line);
            loop {
                let Some(line) = stdout.next_line().await? else {
                    anyhow::bail!("the Spark launcher ended in the middle of wave {waves}");
                };
                let msg: FromLauncher = serde_json::from_str(&line).with_context(|| {
                    format!(
                        "the Spark launcher sent a line that is not protocol: {}",
                        excerpt(&line)
                    )
                })?;
                match msg {
                    FromLauncher::Row {
                        partition,
                        executor,
                        attempt,
                        row,
                    } => {
                        let entry: Entry = serde_json::from_value(row)
                            .context("the Spark launcher sent a row that is not a journal user line")?;
                        let executor = executor.unwrap_or_else(|| "?".into());
                        tracing::debug!(
                            "{} scanned on executor {executor} (partition {}, attempt {})",
                            entry.row.username,
                            partition.unwrap_or(-1),
                            attempt.unwrap_or(0)
                        );
                        *per_executor.entry(executor).or_default() += 1;
                        let i = usize::try_from(entry.i).context("row position out of range")?;
                        let mut row = entry.row;
                        // Who owns the home is the host's knowledge: put it on the row here.
                        if let Some(job) = marks.get(&i) {
                            job.mark(&mut row);
                        }
                        if rows.send((i, row)).await.is_err() {
                            return Ok(());
                        }
                    }
                    FromLauncher::WaveDone { rows } => {
                        tracing::debug!("Spark wave {waves} done ({} row(s))", rows.unwrap_or(0));
                        break;
                    }
                    FromLauncher::Log { message } => tracing::debug!("launcher: {message}"),
                    FromLauncher::Fatal { message } => anyhow::bail!("{message}"),
                    FromLauncher::Ready => {}
                }
            }
        }
        stdin
            .write_all(send(serde_json::json!({"type": "end"})).as_bytes())
            .await?;
        stdin.flush().await?;
        Ok(())
    }
    .await;
    drop(stdin);
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait()).await;
    let tail = stderr_tail.await.unwrap_or_default();
    if debug && !per_executor.is_empty() {
        let counts: Vec<String> = per_executor.iter().map(|(e, n)| format!("{e}: {n}")).collect();
        tracing::debug!(
            "PARALLEL EXECUTION CONFIRMED: work spread over {} executor(s): {}",
            per_executor.len(),
            counts.join(", ")
        );
    }
    let explain = |e: anyhow::Error| {
        let hint = last_lines(&tail, 8);
        if hint.is_empty() {
            anyhow::anyhow!("Spark ({}): {e:#}", plan.backend.describe())
        } else {
            anyhow::anyhow!(
                "Spark ({}): {e:#}\nThe launcher's last words:\n{hint}",
                plan.backend.describe()
            )
        }
    };
    result.map_err(explain)?;
    match status {
        Ok(Ok(s)) if s.success() => Ok(()),
        Ok(Ok(s)) => Err(explain(anyhow::anyhow!("the launcher exited with {s}"))),
        Ok(Err(e)) => Err(explain(e.into())),
        Err(_) => {
            let _ = child.kill().await;
            Err(explain(anyhow::anyhow!(
                "the launcher did not stop within 60 s after the last wave"
            )))
        }
    }
}

fn excerpt(line: &str) -> String {
    line.chars().take(200).collect()
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
