//! The Spark backend, in place of the local scheduler: jobs go in waves to the launcher
//! (`launcher/dbx_spark/`, embedded here, run with `--python`), which runs the wave as Spark
//! tasks, each a `dbx-inventory worker`; rows come back and go to the same writer as local scans.
//! The protocol is `docs/spark-protocol.md`; [`forward`] says how each `scan` flag gets there.
//!
//! One budget whatever the number of tasks: a wave's tasks share the workspace's limits (the
//! launcher gives each 1/N, N ≤ `--max-in-flight` and `--concurrency`), and waves run one after another. By default
//! one task holds the whole budget and a wave is time-boxed (`--wave-secs`, 2 minutes, less when
//! the wave's token expires sooner): its worker starts no user after the box and answers the
//! unstarted ones with `leftover` lines, which the next wave carries first. The host checks that
//! every job it sent came back as a row or a leftover; a wave that ends short fails the run
//! (the journal stays unfinished for `--resume`).
//!
//! What reaches the cluster: the worker binary (and `--component`), the job lines (user,
//! locations, homes known absent, folder spellings, input position), the workspace URL, the
//! budget shares, and — for each wave, on each task's stdin only — a bearer token (the PAT, or an
//! OAuth access token minted for the wave; never the OAuth client secret) with the instants the
//! worker must stop starting users and stop altogether (before that token expires).

pub mod forward;
pub mod protocol;
pub mod worker;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::sync::{mpsc, OnceCell};
use tokio::task::JoinHandle;

use super::{respelled, CaseLookup};
use crate::feed::HomeIndex;
use crate::format::epoch_ms;
use crate::journal::Entry;
use crate::model::Job;
use crate::model::{UserKey, UserRow};
use crate::sandbox::Runtime;
use protocol::{Config, FromLauncher, JobLine, ToLauncher, ToWorker};

/// Embeds `launcher/dbx_spark/FILE` for each FILE, as (FILE, text).
macro_rules! launcher_files {
    ($($f:literal),* $(,)?) => {
        [$(($f, include_str!(concat!("../../../../launcher/dbx_spark/", $f)))),*]
    };
}

/// The launcher, shipped inside the binary so `dbx-inventory` alone is enough: the files of the
/// `dbx_spark` package, written side by side into a folder of that name and run as
/// `python FOLDER` (its `__main__.py`).
pub const LAUNCHER: [(&str, &str); 10] = launcher_files!(
    "__init__.py",
    "__main__.py",
    "budget.py",
    "errors.py",
    "notebook.py",
    "program.py",
    "runner.py",
    "session.py",
    "stream.py",
    "task.py",
);

/// Writes the launcher's files into `dir` (which exists), each replaced atomically; returns the
/// bytes written.
pub fn write_launcher(dir: &std::path::Path) -> anyhow::Result<usize> {
    use std::io::Write as _;
    let mut bytes = 0;
    for (name, text) in LAUNCHER {
        let path = dir.join(name);
        let mut file = crate::output::AtomicFile::create(&path)?;
        file.file()
            .write_all(text.as_bytes())
            .with_context(|| format!("writing the Spark launcher's {}", path.display()))?;
        file.commit()?;
        bytes += text.len();
    }
    Ok(bytes)
}

/// A wave's time box when `--chunk-size` is not given: long enough that the end of a wave (its
/// last users finishing with fewer in flight, the next Spark job starting) costs a few percent.
pub const DEFAULT_WAVE_SECS: u64 = 120;

/// Users sent in a time-boxed wave: at first every user at hand (up to [`MAX_WAVE`]: the worker's
/// time box decides how many it starts); after a wave that left users over, 1.5 × what it
/// finished (at least [`MIN_WAVE`]), so leftovers are not sent back and forth in bulk.
const MIN_WAVE: usize = 64;
const MAX_WAVE: usize = 20_000;

/// Waves in a row that may finish no user before the run gives up.
const MAX_IDLE_WAVES: u32 = 3;

/// How long a partly filled wave waits for more users before it is sent.
const WAVE_IDLE: Duration = Duration::from_millis(500);

/// The least life a wave's token must have left when the wave starts (else one is minted).
const TOKEN_MIN_LIFE: Duration = Duration::from_secs(600);

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
    /// Tasks per wave (≤ `--max-in-flight` and `--concurrency`).
    pub partitions: u32,
    /// The binary the executors run.
    pub worker_binary: PathBuf,
    /// Users per wave (`--chunk-size`); `None`: time-boxed waves.
    pub wave: Option<usize>,
    /// A time-boxed wave's length.
    pub wave_secs: u64,
    /// The workspace URL the workers talk to.
    pub host: String,
    /// Flags passed to every worker besides its budget ([`forward::worker_args`]).
    pub worker_args: Vec<String>,
    /// Users in flight, in all of a wave's tasks together (`--concurrency`).
    pub concurrency: u32,
    /// `--component`: shipped with the binary, run by every worker.
    pub component: Option<PathBuf>,
    /// `--debug`: which executor scanned whom, per-executor counts.
    pub debug: bool,
    /// Test only: the workers' first attempts die after some rows (`--spark-fault`).
    pub fault: Option<protocol::Fault>,
    /// Where the credentials came from (`profile 'PROD' in …`), for error messages.
    pub credential: String,
    /// Requests each user took in the last finished run (its journal), to send the largest first.
    pub weights: HashMap<UserKey, u64>,
}

/// Starts the Spark backend: jobs from `jobs` are scanned on the cluster, rows go to `rows`.
pub fn spawn(
    rt: Arc<Runtime>,
    plan: SparkPlan,
    case: CaseLookup,
    jobs: mpsc::Receiver<(usize, Job)>,
    rows: mpsc::Sender<(usize, UserRow)>,
) -> JoinHandle<anyhow::Result<()>> {
    tokio::spawn(async move { run(&rt, &plan, case, jobs, rows).await })
}

fn config_line(rt: &Runtime, plan: &SparkPlan) -> ToLauncher {
    let limits = rt.policy().limits();
    let mut budget = BTreeMap::new();
    for (family, rate) in &limits.rates {
        budget.insert(family.name().to_string(), serde_json::json!(rate.0));
    }
    budget.insert("max_in_flight".into(), serde_json::json!(limits.max_in_flight));
    budget.insert("concurrency".into(), serde_json::json!(plan.concurrency));
    let (backend, master, remote, cluster_id, profile) = match &plan.backend {
        Backend::Classic(m) => ("classic", Some(m.clone()), None, None, None),
        Backend::Connect(r) => ("connect", None, Some(r.clone()), None, None),
        Backend::Databricks { cluster_id, profile } => {
            ("databricks", None, None, Some(cluster_id.clone()), profile.clone())
        }
    };
    let mut spark_conf: BTreeMap<String, String> = BTreeMap::new();
    if let Backend::Classic(_) = plan.backend {
        // A speculative copy of a task would scan with a second share of the budget. (A session
        // we do not start, Connect's, is checked by the launcher instead.)
        spark_conf.insert("spark.speculation".into(), "false".into());
    }
    if plan.backend.is_local() {
        for k in [
            "spark.driver.host",
            "spark.driver.bindAddress",
            "spark.connect.grpc.binding.address",
        ] {
            spark_conf.insert(k.into(), "127.0.0.1".into());
        }
    }
    ToLauncher::Config(Config {
        backend: backend.to_string(),
        master,
        remote,
        cluster_id,
        profile,
        worker_binary: plan.worker_binary.clone(),
        component: plan.component.clone(),
        partitions: plan.partitions,
        host: plan.host.clone(),
        limits: budget,
        worker_args: plan.worker_args.clone(),
        debug: plan.debug,
        fault: plan.fault.clone(),
        spark_conf,
    })
}

/// Tops `pending` up to `size` jobs from `jobs`: waits for a first job when nothing is pending,
/// then takes more until full, until the input ends, or until no new job came for
/// [`WAVE_IDLE`] (so a slow SCIM listing still keeps the cluster busy).
async fn fill(
    pending: &mut VecDeque<(usize, Job)>,
    jobs: &mut mpsc::Receiver<(usize, Job)>,
    open: &mut bool,
    size: usize,
) {
    while *open && pending.len() < size {
        let next = if pending.is_empty() {
            jobs.recv().await
        } else {
            match tokio::time::timeout(WAVE_IDLE, jobs.recv()).await {
                Ok(j) => j,
                Err(_) => break,
            }
        };
        match next {
            Some(j) => pending.push_back(j),
            None => *open = false,
        }
    }
}

/// Largest users first (by the requests they took in the last run; a user it did not have
/// counts as the average), so a wave ends on small users and its tail is short.
fn largest_first(wave: &mut [(usize, Job)], weights: &HashMap<UserKey, u64>) {
    if weights.is_empty() {
        return;
    }
    // Counts come from a file: a sum must not wrap.
    let total = weights.values().fold(0u64, |a, &w| a.saturating_add(w));
    let mean = total / weights.len() as u64;
    wave.sort_by_cached_key(|(i, j)| {
        let w = weights.get(&UserKey::of(&j.user)).copied().unwrap_or(mean);
        (std::cmp::Reverse(w), *i)
    });
}

/// One wave's token and time box.
struct Handoff {
    token: String,
    label: String,
    /// Start no user after this (ms since the epoch).
    start_until_ms: Option<i64>,
    /// Stop altogether at this (ms since the epoch): before the token expires.
    stop_at_ms: Option<i64>,
}

/// Mints (or takes) the token for wave `n` and sets its time box: `wave_secs` for a time-boxed
/// wave, and always inside the token's life: stop a tenth of its life (2–60 s) before it
/// expires, start no user in the last quarter (at most 5 minutes) before that.
async fn handoff(rt: &Runtime, plan: &SparkPlan, n: u32) -> anyhow::Result<Handoff> {
    let (token, expires) = rt
        .policy()
        .handoff_token(TOKEN_MIN_LIFE)
        .await
        .map_err(|e| anyhow::anyhow!("cannot mint a token for Spark wave {n}: {e}"))?;
    let now = SystemTime::now();
    let mut start_until = plan.wave.is_none().then(|| now + Duration::from_secs(plan.wave_secs));
    let mut stop_at = None;
    let label = match expires {
        None => format!("the personal access token from {}", plan.credential),
        Some(exp) => {
            let life = exp.duration_since(now).unwrap_or_default();
            let stop = exp - (life / 10).clamp(Duration::from_secs(2), Duration::from_secs(60));
            let soft = stop - (life / 4).min(Duration::from_secs(300));
            stop_at = Some(stop);
            start_until = Some(start_until.map_or(soft, |s| s.min(soft)));
            format!(
                "an OAuth access token minted for Spark wave {n} from {}, valid until {}",
                plan.credential,
                crate::format::rfc3339_ms(epoch_ms(exp))
            )
        }
    };
    Ok(Handoff {
        token,
        label,
        start_until_ms: start_until.map(epoch_ms),
        stop_at_ms: stop_at.map(epoch_ms),
    })
}

async fn run(
    rt: &Runtime,
    plan: &SparkPlan,
    case: CaseLookup,
    mut jobs: mpsc::Receiver<(usize, Job)>,
    rows: mpsc::Sender<(usize, UserRow)>,
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("creating a folder for the Spark launcher")?;
    let script = dir.path().join("dbx_spark");
    std::fs::create_dir(&script).context("writing the Spark launcher")?;
    write_launcher(&script)?;
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
    let mut per_executor: BTreeMap<String, u64> = BTreeMap::new();
    let result: anyhow::Result<()> = async {
        stdin
            .write_all(protocol::line(&config_line(rt, plan)).as_bytes())
            .await?;
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
        let index: OnceCell<HomeIndex> = OnceCell::new();
        let mut pending: VecDeque<(usize, Job)> = VecDeque::new();
        let mut open = true;
        let mut size = plan.wave.unwrap_or(MAX_WAVE);
        let mut idle = 0u32;
        loop {
            fill(&mut pending, &mut jobs, &mut open, size).await;
            if pending.is_empty() {
                break;
            }
            let take = pending.len().min(size);
            let mut wave: Vec<(usize, Job)> = pending.drain(..take).collect();
            largest_first(&mut wave, &plan.weights);
            waves += 1;
            let h = handoff(rt, plan, waves).await?;
            let job_lines: Vec<ToWorker> = wave.iter().map(|(i, j)| ToWorker::Job(JobLine::of(*i, j))).collect();
            tracing::debug!(
                "Spark wave {waves}: {} user(s) in {} task(s){}",
                wave.len(),
                plan.partitions,
                h.start_until_ms
                    .map(|t| format!(", starting users until {}", crate::format::rfc3339_ms(t)))
                    .unwrap_or_default()
            );
            let mut outstanding: HashMap<usize, Job> = wave.into_iter().collect();
            let line = protocol::line(&ToLauncher::Wave {
                n: waves,
                token: h.token,
                token_label: h.label.clone(),
                start_until_ms: h.start_until_ms,
                stop_at_ms: h.stop_at_ms,
                jobs: job_lines,
            });
            stdin
                .write_all(line.as_bytes())
                .await
                .context("sending a wave to the Spark launcher (did it exit?)")?;
            stdin.flush().await?;
            drop(line);
            let mut done = 0usize;
            let mut left: Vec<(usize, Job)> = Vec::new();
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
                        let i = usize::try_from(entry.i).context("row position out of range")?;
                        let Some(job) = outstanding.remove(&i) else {
                            // A retried task's second copy, or a row for a job of no wave.
                            tracing::debug!("Spark wave {waves}: a row for i={i} not awaited, dropped");
                            continue;
                        };
                        *per_executor.entry(executor).or_default() += 1;
                        done += 1;
                        let mut row = entry.row;
                        if let CaseLookup::Lazy(trees) = case {
                            // As the local scheduler: a user with no home under the name given
                            // is scanned again under the spelling `/Users` lists (next wave).
                            if let Some(better) = respelled(rt, &index, trees, &job, &row).await {
                                left.push((i, better));
                                continue;
                            }
                        }
                        // Who owns the home is the host's knowledge: put it on the row here.
                        job.mark(&mut row);
                        if rows.send((i, row)).await.is_err() {
                            return Ok(());
                        }
                    }
                    FromLauncher::Objects { line } => keep_objects(rt, &line)?,
                    FromLauncher::Leftover { i } => {
                        let i = usize::try_from(i).context("leftover position out of range")?;
                        if let Some(job) = outstanding.remove(&i) {
                            left.push((i, job));
                        }
                    }
                    FromLauncher::WaveDone { .. } => break,
                    FromLauncher::Log { message } => tracing::debug!("launcher: {message}"),
                    FromLauncher::Fatal { message } => anyhow::bail!("wave {waves} ({}): {message}", h.label),
                    FromLauncher::Ready => {}
                }
            }
            if !outstanding.is_empty() {
                let mut missing: Vec<(&usize, &Job)> = outstanding.iter().collect();
                missing.sort_by_key(|(i, _)| **i);
                let names: Vec<&str> = missing.iter().take(5).map(|(_, j)| j.user.as_str()).collect();
                anyhow::bail!(
                    "wave {waves} ended without a row or a leftover for {} user(s) ({}{}): the launcher lost them",
                    missing.len(),
                    names.join(", "),
                    if missing.len() > names.len() { ", …" } else { "" }
                );
            }
            tracing::debug!("Spark wave {waves} done: {done} row(s), {} left over", left.len());
            idle = if done == 0 { idle + 1 } else { 0 };
            if idle >= MAX_IDLE_WAVES {
                anyhow::bail!(
                    "{idle} Spark waves in a row finished no user (each answered every job as left over): \
                     the executors start too late for the waves' tokens, or their clocks are ahead of this machine's"
                );
            }
            if plan.wave.is_none() {
                // Time-boxed: a wave that left users over held about what the box fits.
                size = if left.is_empty() {
                    MAX_WAVE
                } else {
                    (done + done / 2).clamp(MIN_WAVE, MAX_WAVE)
                };
            }
            left.sort_by_key(|(i, _)| *i);
            for job in left.into_iter().rev() {
                pending.push_front(job);
            }
        }
        stdin.write_all(protocol::line(&ToLauncher::End).as_bytes()).await?;
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

/// A worker's objects line, forwarded by the launcher: into the run's spool under its attempt
/// (kept only if the row recorded for its user names that attempt).
fn keep_objects(rt: &Runtime, line: &str) -> anyhow::Result<()> {
    let Some(store) = rt.object_store() else {
        anyhow::bail!("the Spark launcher sent objects to a run without --objects");
    };
    match serde_json::from_str::<protocol::FromWorker>(line) {
        Ok(protocol::FromWorker::Objects { attempt, objects, .. }) => store.put(attempt, &objects),
        _ => anyhow::bail!(
            "the Spark launcher sent an objects line that is not a worker's objects: {}",
            excerpt(line)
        ),
    }
}
