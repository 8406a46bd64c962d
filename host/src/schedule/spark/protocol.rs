//! The Spark protocol's lines (docs/spark-protocol.md): one serde type per message, used by both
//! Rust ends — the host writes [`ToLauncher`] and reads [`FromLauncher`]; the worker reads
//! [`ToWorker`] (the launcher passes the wave's job lines through) and writes [`FromWorker`] (and
//! the journal's user lines). The launcher, in Python, follows the same shapes.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::model::{Folders, Job, Location, Orphan, Trees};

/// Host → launcher, one JSON object per line on its standard input.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ToLauncher {
    /// First: how to start the session and the tasks.
    Config(Config),
    /// A wave of jobs, with the token and time box of its tasks.
    Wave {
        /// The wave's number, from 1.
        n: u32,
        /// The bearer token the tasks hand their workers (on stdin only).
        token: String,
        /// What the token is, for messages; never the token.
        token_label: String,
        /// Start no user after this (ms since the epoch).
        start_until_ms: Option<i64>,
        /// Stop altogether at this (ms since the epoch).
        stop_at_ms: Option<i64>,
        /// The jobs, as the workers read them (`ToWorker::Job` lines, passed through).
        jobs: Vec<ToWorker>,
    },
    /// No more waves: stop the session and exit.
    End,
}

/// The launcher's configuration line.
#[derive(Debug, Serialize, Deserialize)]
pub struct Config {
    /// `classic`, `connect` or `databricks`.
    pub backend: String,
    /// A classic master.
    pub master: Option<String>,
    /// A Spark Connect URL.
    pub remote: Option<String>,
    /// A Databricks cluster.
    pub cluster_id: Option<String>,
    /// The profile for Databricks Connect.
    pub profile: Option<String>,
    /// The binary the executors run.
    pub worker_binary: PathBuf,
    /// A component shipped instead of the embedded one.
    pub component: Option<PathBuf>,
    /// Tasks per wave.
    pub partitions: u32,
    /// The workspace URL.
    pub host: String,
    /// The whole budget: rates by API family, `max_in_flight`, `concurrency`.
    pub limits: BTreeMap<String, serde_json::Value>,
    /// Flags every worker gets.
    pub worker_args: Vec<String>,
    /// Per-task timing on standard error.
    pub debug: bool,
    /// Test only: the first attempt of each task dies after `fail_after` rows.
    pub fault: Option<Fault>,
    /// Spark settings the session starts with.
    pub spark_conf: BTreeMap<String, String>,
}

/// Test only (`--spark-fault`): a task's first attempt dies after `fail_after` rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    /// Rows before the worker dies.
    pub fail_after: u64,
    /// The marker file that tells a first attempt from a retry.
    pub marker: PathBuf,
}

/// One user's job, as the host writes it and the worker reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobLine {
    /// Input position (rows come back with it).
    pub i: u64,
    /// The username (or home name) of the row.
    pub user: String,
    /// Locations to scan, joined by `+`.
    pub trees: String,
    /// An orphaned home.
    #[serde(default)]
    pub orphan: bool,
    /// Locations the host's root listings show no home in (recorded, not requested).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_home: Option<String>,
    /// Home folders spelled otherwise than `user`, by location name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub folders: BTreeMap<String, String>,
}

impl JobLine {
    /// The line of job `i`.
    pub fn of(i: usize, j: &Job) -> JobLine {
        JobLine {
            i: i as u64,
            user: j.user.clone(),
            trees: j.trees.journal_label(),
            orphan: j.orphan == Orphan::Yes,
            no_home: (!j.no_home.is_empty()).then(|| j.no_home.journal_label()),
            folders: Location::ALL
                .into_iter()
                .filter_map(|l| j.folders.get(l).map(|f| (l.name().to_string(), f.to_string())))
                .collect(),
        }
    }

    /// The job it describes, with its position; what is wrong is said without the line.
    pub fn into_job(self) -> Result<(usize, Job), String> {
        let trees = Trees::from_journal_label(&self.trees)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                format!(
                    "trees {:?} is not one of dbfs, uploads, workspace, repos joined by + (e.g. \"dbfs+workspace\")",
                    self.trees
                )
            })?;
        if self.user.trim().is_empty() {
            return Err("the job's user is empty".into());
        }
        let i = usize::try_from(self.i).map_err(|_| format!("i {} is too large", self.i))?;
        let no_home = match self.no_home.as_deref() {
            None | Some("") => Trees::NONE,
            Some(l) => {
                Trees::from_journal_label(l).ok_or_else(|| format!("no_home {l:?} is not locations joined by +"))?
            }
        };
        let mut folders = Folders::default();
        for (name, spelling) in self.folders {
            let l = Location::ALL
                .into_iter()
                .find(|l| l.name() == name)
                .ok_or_else(|| format!("folders: {name:?} is not a location"))?;
            if spelling.trim().is_empty() || spelling.contains('/') {
                return Err(format!("folders: {name}: {spelling:?} is not a folder name"));
            }
            folders.set(l, Some(spelling));
        }
        let job = Job {
            orphan: if self.orphan { Orphan::Yes } else { Orphan::No },
            no_home,
            folders,
            ..Job::user(self.user, trees)
        };
        Ok((i, job))
    }
}

/// Launcher → worker, on the worker's standard input: an optional auth line, then job lines.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ToWorker {
    /// The bearer token (never echoed).
    Auth {
        /// The token.
        token: String,
    },
    /// One job.
    Job(JobLine),
}

/// Worker → launcher, besides the journal's user lines: a job not started (or stopped) within
/// the wave's time box, for the host to send again.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum FromWorker {
    /// The objects of one of the job's scan attempts (`--objects`), before the job's row.
    Objects {
        /// The job's input position.
        i: u64,
        /// The attempt (the row names the attempts it keeps).
        attempt: u64,
        /// Its counted files.
        objects: Vec<crate::objects::ObjectRow>,
    },
    /// A job left over.
    Leftover {
        /// Its input position.
        i: u64,
        /// Its user.
        user: String,
    },
}

/// Launcher → host, on the launcher's standard output.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FromLauncher {
    /// A worker's row (a journal user line), with where it ran.
    Row {
        /// The Spark partition.
        #[serde(default)]
        partition: Option<i64>,
        /// The executor.
        #[serde(default)]
        executor: Option<String>,
        /// The task attempt.
        #[serde(default)]
        attempt: Option<i64>,
        /// The journal user line.
        row: serde_json::Value,
    },
    /// A job left over (see [`FromWorker::Leftover`]).
    Leftover {
        /// Its input position.
        i: u64,
    },
    /// A worker's objects line ([`FromWorker::Objects`]), as the worker wrote it.
    Objects {
        /// The line.
        line: String,
    },
    /// Every task of the wave has ended.
    WaveDone {},
    /// The session is up.
    Ready,
    /// A debug message.
    Log {
        /// The message.
        message: String,
    },
    /// The launcher cannot go on.
    Fatal {
        /// Why.
        message: String,
    },
}

/// One protocol line, newline-terminated.
pub fn line<T: Serialize>(msg: &T) -> String {
    let mut s = serde_json::to_string(msg).expect("protocol lines serialize");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_line_reads_back_as_the_job_it_was_written_from() {
        let mut job = Job::user("A@x.com".into(), Trees::ALL);
        job.orphan = Orphan::Yes;
        job.no_home = Trees::only(Location::Repos);
        job.folders.set(Location::Workspace, Some("a@x.com".into()));
        let text = line(&ToWorker::Job(JobLine::of(7, &job)));
        let back: ToWorker = serde_json::from_str(&text).unwrap();
        let ToWorker::Job(j) = back else { panic!("{text}") };
        assert_eq!(j.into_job().unwrap(), (7, job));
        // A plain job carries no empty extras.
        let plain = line(&JobLine::of(0, &Job::user("b@x.com".into(), Trees::BOTH)));
        assert!(!plain.contains("no_home") && !plain.contains("folders"), "{plain}");
    }
}
