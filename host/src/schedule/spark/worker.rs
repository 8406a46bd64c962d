//! The worker: the executor side of the Spark scale-out (`dbx-inventory worker`;
//! docs/spark-protocol.md, lines typed in [`super::protocol`]).
//!
//! Standard input: an optional `{"type":"auth","token":…}` first line, then one job line per user
//! (`{"type":"job","i":7,"user":"a@x.com","trees":"dbfs+workspace","orphan":false}`), streamed
//! into the same scheduler `scan` uses as they arrive. Standard output: the journal's user line of
//! each finished user ([`journal::user_line`]), flushed at once. A malformed line stops the
//! reading: the jobs already taken are finished and written, then exit 2 naming the line. A
//! policy stop (credentials rejected mid-run) ends the reading too: finished rows are written,
//! then exit 1 with the reason.

use std::collections::BTreeMap;
use std::io::{BufRead as _, Write as _};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, Notify, Semaphore};

use super::protocol::{FromWorker, ToWorker};
use crate::cli::{AuthArgs, WorkerArgs};
use crate::connect;
use crate::error::{FatalError, Outcome, UsageError};
use crate::journal;
use crate::model::{Job, UserRow};
use crate::objects::attempt_files::AttemptFiles;
use crate::policy::limiter::Limits;
use crate::schedule;

/// How the stdin token shows where credentials came from (`describe`, rejection messages).
const STDIN_TOKEN: &str = "--token (the auth line on standard input)";

/// `dbx-inventory worker`.
pub async fn run(args: WorkerArgs) -> anyhow::Result<Outcome> {
    // Bad budget flags are usage errors, found before anything is contacted.
    let mut probe = Limits::default();
    for spec in &args.limits.rate_limits {
        probe
            .apply_spec(spec)
            .map_err(|e| UsageError(format!("--rate-limit {spec}: {e}")))?;
    }
    let mut input = Input::spawn();
    let (token, first_job) = match input.next().await? {
        None => (None, None),
        Some((n, line)) => match parse_line(n, &line)? {
            In::Auth(token) => (Some(token), None),
            In::Job(i, job) => (None, Some((i, job))),
        },
    };
    let resolved = resolve(args.host.clone(), token).map_err(|e| FatalError(format!("{e:#}")))?;
    tracing::debug!("worker: {}", resolved.describe());
    let concurrency = args.concurrency as usize;
    let allow = connect::scan_allow_list(args.notebook_sizes);
    let cache = args.compile_cache.clone().unwrap_or_else(default_compile_cache);
    let rt = Arc::new(connect::runtime_cached(
        &resolved,
        &args.limits,
        args.concurrency,
        allow,
        Some(&cache),
    )?);
    rt.set_ages(crate::model::Ages {
        as_of_ms: args.as_of_ms.unwrap_or_else(crate::format::now_ms),
        stale_days: args.stale_days,
    });
    if !args.skip_preflight {
        connect::preflight(&rt, &resolved).await?;
    }
    // Each scan's objects wait in a file of their own until its row is printed.
    let objects = match args.objects {
        true => {
            let files = Arc::new(AttemptFiles::new()?);
            rt.keep_objects(files.clone());
            Some(files)
        }
        false => None,
    };

    let window = Window::of(&args);
    // Jobs read and not yet answered: what is left over when the wave's time is up.
    let ledger: Ledger = Arc::new(Mutex::new(BTreeMap::new()));
    // A job goes to the scheduler only when one of `concurrency` slots is free, so "started"
    // is exact: a job never waits in a queue past the wave's start deadline.
    let slots = Arc::new(Semaphore::new(concurrency));
    let halt = Arc::new(Notify::new());
    let (job_tx, job_rx) = mpsc::channel::<(usize, Job)>(1);
    let (row_tx, mut row_rx) = mpsc::channel::<(usize, UserRow)>(concurrency.max(16));
    let scheduler = schedule::local::spawn(
        rt.clone(),
        args.batch_size,
        concurrency,
        schedule::CaseLookup::Off,
        job_rx,
        row_tx,
    );
    let reader = tokio::spawn(forward(
        input,
        first_job,
        job_tx,
        Feed {
            ledger: ledger.clone(),
            slots: slots.clone(),
            start_until: window.start_until,
            halt: halt.clone(),
        },
    ));
    #[cfg(feature = "test-hooks")]
    let fault = args.fail_after.zip(args.fail_marker.clone());
    let mut written = 0u64;
    let mut stopped = false;
    let stop_at = window.stop_at;
    let mut timed_out = false;
    loop {
        let next = tokio::select! {
            r = row_rx.recv() => r,
            () = sleep_until_opt(stop_at) => {
                timed_out = true;
                None
            }
        };
        let Some((i, row)) = next else { break };
        ledger.lock().expect("not poisoned").remove(&i);
        if let Some(files) = &objects {
            write_objects(files, i as u64, &row)?;
        }
        write_row(i as u64, &row)?;
        slots.add_permits(1);
        written += 1;
        tracing::debug!("{}", row.timing());
        #[cfg(feature = "test-hooks")]
        if let Some((n, marker)) = &fault {
            if written == *n && first_attempt(marker) {
                eprintln!(
                    "worker: --fail-after {n}: exiting 101 (marker {} created)",
                    marker.display()
                );
                std::process::exit(101);
            }
        }
        if !stopped && rt.policy().stop_reason().is_some() {
            // No new user is started; those in flight end (quickly: every request is refused).
            stopped = true;
            reader.abort();
        }
    }
    if timed_out {
        // The token is about to expire: users in flight are given back, not finished.
        halt.notify_one();
        scheduler.abort();
    }
    let _ = scheduler.await;
    let read = reader.await;
    if let Some(reason) = rt.policy().stop_reason() {
        let what = args
            .token_label
            .as_deref()
            .map(|l| format!(" (credentials: {l})"))
            .unwrap_or_default();
        return Err(FatalError(format!(
            "the run stopped: {reason}{what}. {written} row(s) written before it stopped"
        ))
        .into());
    }
    match read {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(e) if e.is_cancelled() => return Ok(Outcome::Clean),
        Err(e) => return Err(anyhow::anyhow!("the input reader failed: {e}")),
    }
    let left = std::mem::take(&mut *ledger.lock().expect("not poisoned"));
    if !left.is_empty() {
        tracing::debug!(
            "worker: {} job(s) left over at the wave's {} deadline",
            left.len(),
            if timed_out { "stop" } else { "start" }
        );
    }
    for (i, user) in left {
        write_line(&serde_json::to_string(&FromWorker::Leftover { i: i as u64, user })?)?;
    }
    Ok(Outcome::Clean)
}

/// Jobs read and not yet answered, by input position.
type Ledger = Arc<Mutex<BTreeMap<usize, String>>>;

/// A wave's time box (`--start-until-ms`, `--stop-at-ms`) as instants of this process.
struct Window {
    start_until: Option<tokio::time::Instant>,
    stop_at: Option<tokio::time::Instant>,
}

impl Window {
    fn of(args: &WorkerArgs) -> Window {
        let now_ms = crate::format::now_ms();
        let at = |ms: Option<i64>| {
            ms.map(|ms| {
                let ahead = u64::try_from(ms.saturating_sub(now_ms)).unwrap_or(0);
                tokio::time::Instant::now() + Duration::from_millis(ahead)
            })
        };
        Window {
            start_until: at(args.start_until_ms),
            stop_at: at(args.stop_at_ms),
        }
    }
}

async fn sleep_until_opt(at: Option<tokio::time::Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// The compiled-component cache of workers that are not told one: per user, in the temp dir.
fn default_compile_cache() -> PathBuf {
    let user = std::env::var("USER").unwrap_or_else(|_| "user".into());
    std::env::temp_dir().join(format!("dbx-inventory-{user}-compiled"))
}

/// Credentials: the stdin token with the host from `--host`/the environment, or (no auth line)
/// everything from the environment exactly like `scan`. The token never passes through argv.
fn resolve(host: Option<String>, token: Option<String>) -> anyhow::Result<dbx_auth::ResolvedAuth> {
    let Some(token) = token else {
        return connect::resolve_auth(&AuthArgs {
            host,
            ..AuthArgs::default()
        });
    };
    let flags = dbx_auth::AuthFlags {
        host,
        token: Some(token),
        token_file: None,
        profile: None,
        // The token given is the one to use, whatever else the environment configures.
        auth_type: Some("pat".into()),
        account_id: None,
    };
    let mut resolved = dbx_auth::resolve(&flags, &dbx_auth::Env::from_process())?;
    resolved.source.flags.retain(|f| *f != "--auth-type");
    for f in &mut resolved.source.flags {
        if *f == "--token" {
            *f = STDIN_TOKEN;
        }
    }
    Ok(resolved)
}

/// Writes one row as the journal's user line and flushes it.
fn write_row(i: u64, row: &UserRow) -> anyhow::Result<()> {
    write_line(&journal::user_line(i, row))
}

/// Writes the objects of the attempts `row` keeps, as objects lines (before the row itself).
fn write_objects(files: &AttemptFiles, i: u64, row: &UserRow) -> anyhow::Result<()> {
    for attempt in &row.objects {
        files.drain(*attempt, |b| {
            write_line(&serde_json::to_string(&FromWorker::Objects {
                i,
                attempt: b.attempt,
                objects: b.objects,
            })?)
        })?;
    }
    Ok(())
}

/// Writes one protocol line to standard output and flushes it.
fn write_line(line: &str) -> anyhow::Result<()> {
    let mut line = line.to_string();
    line.push('\n');
    let mut out = std::io::stdout().lock();
    out.write_all(line.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| FatalError(format!("cannot write to standard output: {e}")).into())
}

#[cfg(feature = "test-hooks")]
/// The fault switch's first attempt: true (and the marker created) when the marker did not exist.
fn first_attempt(marker: &std::path::Path) -> bool {
    match std::fs::OpenOptions::new().write(true).create_new(true).open(marker) {
        Ok(_) => true,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
        Err(e) => {
            eprintln!("warning: --fail-marker {}: {e}; not failing", marker.display());
            false
        }
    }
}

/// What [`forward`] shares with the row loop.
struct Feed {
    ledger: Ledger,
    slots: Arc<Semaphore>,
    start_until: Option<tokio::time::Instant>,
    halt: Arc<Notify>,
}

/// Feeds the job lines to the scheduler as they arrive, each once a slot is free, until the
/// wave's start deadline (or a halt); after that the rest of the input is only read into the
/// ledger (to be answered as leftovers). A malformed line ends the feed with a usage error (the
/// jobs already sent are still scanned).
async fn forward(
    mut input: Input,
    first: Option<(usize, Job)>,
    jobs: mpsc::Sender<(usize, Job)>,
    feed: Feed,
) -> anyhow::Result<()> {
    let mut jobs = Some(jobs);
    let mut next = first;
    loop {
        let (i, job) = match next.take() {
            Some(j) => j,
            None => match input.next().await? {
                None => break,
                Some((n, line)) => match parse_line(n, &line)? {
                    In::Job(i, job) => (i, job),
                    In::Auth(_) => {
                        return Err(UsageError(format!(
                            "standard input line {n}: an auth line is only accepted as the first line"
                        ))
                        .into())
                    }
                },
            },
        };
        feed.ledger.lock().expect("not poisoned").insert(i, job.user.clone());
        let Some(tx) = jobs.as_ref() else { continue };
        let permit = tokio::select! {
            p = feed.slots.clone().acquire_owned() => p.ok(),
            () = sleep_until_opt(feed.start_until) => None,
            () = feed.halt.notified() => None,
        };
        let started = permit.is_some() && feed.start_until.is_none_or(|t| tokio::time::Instant::now() < t);
        if !started {
            // Time is up: no new user; the rest are read and left over.
            jobs = None;
            continue;
        }
        if let Some(p) = permit {
            p.forget(); // given back by the row loop when the user's row is out
        }
        if tx.send((i, job)).await.is_err() {
            jobs = None;
        }
    }
    Ok(())
}

/// Standard input, read by a plain thread (a blocked read never holds up the exit), as numbered
/// non-blank lines.
struct Input {
    rx: mpsc::Receiver<std::io::Result<Vec<u8>>>,
    line: usize,
}

impl Input {
    fn spawn() -> Input {
        let (tx, rx) = mpsc::channel(64);
        std::thread::spawn(move || {
            let mut stdin = std::io::stdin().lock();
            loop {
                let mut buf = Vec::new();
                let item = match stdin.read_until(b'\n', &mut buf) {
                    Ok(0) => break,
                    Ok(_) => Ok(buf),
                    Err(e) => Err(e),
                };
                let failed = item.is_err();
                if tx.blocking_send(item).is_err() || failed {
                    break;
                }
            }
        });
        Input { rx, line: 0 }
    }

    /// The next non-blank line and its number (1-based), `None` at the end of input.
    async fn next(&mut self) -> anyhow::Result<Option<(usize, Vec<u8>)>> {
        loop {
            match self.rx.recv().await {
                None => return Ok(None),
                Some(Err(e)) => return Err(FatalError(format!("cannot read standard input: {e}")).into()),
                Some(Ok(l)) => {
                    self.line += 1;
                    if !l.iter().all(u8::is_ascii_whitespace) {
                        return Ok(Some((self.line, l)));
                    }
                }
            }
        }
    }
}

/// One input line.
#[derive(Debug, PartialEq)]
enum In {
    Auth(String),
    Job(usize, Job),
}

/// Parses line `n`; what is wrong with it is a usage error naming the line. An auth line's
/// content is never echoed (it holds a token).
fn parse_line(n: usize, line: &[u8]) -> anyhow::Result<In> {
    let bad = |what: String| -> anyhow::Error { UsageError(format!("standard input line {n}: {what}")).into() };
    let raw = match serde_json::from_slice::<ToWorker>(line) {
        Ok(r) => r,
        Err(_) if is_auth_line(line) => {
            return Err(bad(
                "malformed auth line (expected {\"type\":\"auth\",\"token\":\"<token>\"})".into(),
            ))
        }
        Err(e) => {
            let text = e.to_string();
            let what = text.rsplit_once(" at line ").map_or(text.as_str(), |(w, _)| w);
            return Err(bad(format!(
                "{what} (column {}); expected a job line such as \
                 {{\"type\":\"job\",\"i\":0,\"user\":\"a@x.com\",\"trees\":\"dbfs+workspace\",\"orphan\":false}}",
                e.column()
            )));
        }
    };
    match raw {
        ToWorker::Auth { token } => {
            if token.trim().is_empty() {
                return Err(bad("the auth line's token is empty".into()));
            }
            if !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(bad(
                    "the auth line's token contains spaces or non-ASCII characters, which a token never does".into(),
                ));
            }
            Ok(In::Auth(token))
        }
        ToWorker::Job(j) => {
            let (i, job) = j.into_job().map_err(bad)?;
            Ok(In::Job(i, job))
        }
    }
}

/// True when a line that did not parse looks like an auth line (so its text is not echoed).
fn is_auth_line(line: &[u8]) -> bool {
    let compact: Vec<u8> = line.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    compact.windows(13).any(|w| w == b"\"type\":\"auth\"") || compact.windows(7).any(|w| w == b"\"token\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Orphan, Trees};

    fn err(line: &str) -> String {
        format!("{:#}", parse_line(3, line.as_bytes()).unwrap_err())
    }

    #[test]
    fn job_and_auth_lines_parse() {
        let j = parse_line(
            1,
            br#"{"type":"job","i":7,"user":"a@x.com","trees":"dbfs","orphan":true}"#,
        )
        .unwrap();
        assert_eq!(
            j,
            In::Job(
                7,
                Job {
                    orphan: Orphan::Yes,
                    ..Job::user(
                        "a@x.com".into(),
                        crate::model::Trees::only(crate::model::Location::Dbfs)
                    )
                }
            )
        );
        let j = parse_line(1, br#"{"type":"job","i":0,"user":"b","trees":"dbfs+workspace"}"#).unwrap();
        assert_eq!(j, In::Job(0, Job::user("b".into(), Trees::BOTH)));
        assert_eq!(
            parse_line(1, b"{\"type\":\"auth\",\"token\":\"dapi-x\"}\n").unwrap(),
            In::Auth("dapi-x".into())
        );
    }

    #[test]
    fn malformed_lines_name_the_line_and_the_fault() {
        let e = err(r#"{"type":"jobs","i":1}"#);
        assert!(e.starts_with("standard input line 3: unknown variant `jobs`"), "{e}");
        let e = err(r#"{"type":"job","i":1,"trees":"dbfs"}"#);
        assert!(e.contains("line 3: missing field `user`"), "{e}");
        let e = err(r#"{"type":"job","i":1,"user":"a","trees":"dbfs,workspace"}"#);
        assert!(e.contains("line 3: trees \"dbfs,workspace\" is not one of"), "{e}");
        let e = err(r#"{"type":"job","i":1,"user":"a","trees":"none"}"#);
        assert!(e.contains("is not one of"), "{e}");
        let e = err(r#"{"type":"job","i":1,"user":" ","trees":"dbfs"}"#);
        assert!(e.contains("user is empty"), "{e}");
        let e = err(r#"{"i":1}"#);
        assert!(e.contains("missing field `type`"), "{e}");
        let e = err("not json");
        assert!(e.contains("line 3: expected") && !e.contains("at line 1"), "{e}");
        assert!(parse_line(3, b"{}").unwrap_err().downcast_ref::<UsageError>().is_some());
    }

    #[test]
    fn a_malformed_auth_line_never_echoes_its_token() {
        for line in [
            r#"{"type":"auth","token":"dapi-SECRET"#,
            r#"{"type":"auth","token":"dapi-SECRET","x":}"#,
            r#"{"type":"auth","tokn":"dapi-SECRET"}"#,
        ] {
            let e = err(line);
            assert!(e.contains("malformed auth line") && !e.contains("SECRET"), "{e}");
        }
        assert!(err(r#"{"type":"auth","token":""}"#).contains("token is empty"));
        let e = err(r#"{"type":"auth","token":"dapi SECRET"}"#);
        assert!(e.contains("spaces") && !e.contains("SECRET"), "{e}");
    }
}
