//! Command-line interface (clap derive). Every flag has a short and a long help; flags are
//! grouped by heading. Parsing only: each command validates its own arguments (`scan` in
//! [`crate::scan::prepare`]).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Exit codes, decided in one place (`main`).
pub const EXIT_HELP: &str = "\
Exit codes:
  0  every user was scanned cleanly (success or empty)
  1  the run stopped: bad credentials, unreachable workspace, unwritable output, …
  2  usage error (bad flags or arguments)
  3  the run finished but some users ended in `error` (see the error column)
130  interrupted (Ctrl-C, SIGTERM): finished users are in the journal; rerun with --resume";

/// Inventory the files every user keeps in a Databricks workspace (DBFS and Workspace homes).
#[derive(Debug, Parser)]
#[command(name = "dbx-inventory", version, after_long_help = EXIT_HELP, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan users' DBFS and Workspace homes and write one CSV row per user.
    ///
    /// Users come from the arguments, from --users-file, or from the workspace (--all-users).
    #[command(after_long_help = EXIT_HELP)]
    Scan(ScanArgs),
    /// List workspace users (SCIM); the output file feeds `scan --users-file`.
    #[command(after_long_help = EXIT_HELP)]
    Users(UsersArgs),
    /// Run a scan of a simulated workspace (no credentials, no network) into demo-results.csv.
    Demo(DemoArgs),
    /// List the profiles in ~/.databrickscfg (host and auth type; never a secret).
    ///
    /// The file is DATABRICKS_CONFIG_FILE when set; nothing is contacted, so no flags.
    Profiles(ProfilesArgs),
    /// Write a commented profile template to ~/.databrickscfg (or DATABRICKS_CONFIG_FILE).
    ///
    /// Never overwrites an existing file or profile: a new profile is appended to an existing
    /// file; replacing a profile needs --force (the old file is kept as <file>.bak).
    Init(InitArgs),
    /// Rebuild the CSV / JSON Lines / HTML outputs and the summary from a scan's journal.
    ///
    /// Reads only the journal: the workspace is not contacted and no credentials are needed.
    /// Each user counts once (the last good row); duplicates and a torn last line are reported.
    Summary(SummaryArgs),
    /// Scan the users given as JSON job lines on standard input; one journal row per user on
    /// standard output (run on Spark executors by the scale-out launcher).
    ///
    /// The protocol is docs/spark-protocol.md. Standard input: an optional first line
    /// `{"type":"auth","token":"…"}` (else credentials come from the environment, as for `scan`),
    /// then `{"type":"job","i":7,"user":"a@x.com","trees":"dbfs+workspace","orphan":false}` lines.
    /// Standard output: one `{"type":"user","i":7,…}` line per finished user, flushed at once.
    /// A token is never accepted in argv.
    #[command(after_long_help = WORKER_EXIT_HELP)]
    Worker(WorkerArgs),
    /// Journal user lines on standard input → the scan's CSV on standard output (first row per
    /// user, in input-position order). Used by the Spark launcher's notebook API.
    #[command(hide = true)]
    CsvRows(CsvRowsArgs),
    /// Print the workspace URL and a bearer token for these credentials (flags → environment →
    /// profile, as `scan` resolves them) as one JSON line, for a program to read: the Python
    /// package's `scan()` uses it. Refuses a terminal.
    #[command(hide = true)]
    AuthToken(AuthTokenArgs),
    /// Write the Spark launcher embedded in this binary (the `dbx_spark` package folder), for
    /// notebooks and jobs: `import dbx_spark; dbx_spark.scan(spark, users, …)`.
    SparkLauncher(SparkLauncherArgs),
    /// Write the scanner component embedded in this binary (byte for byte what `scan` runs) and,
    /// with --wit, the WIT package it implements, to embed it in another Wasm host.
    Component(ComponentArgs),
    /// Compare two scans of a workspace: totals old → new, users added and removed, the top
    /// growers and shrinkers, status changes.
    ///
    /// OLD and NEW are each a scan's CSV (`scan -o`) or its journal (`results.csv.journal`, or
    /// one kept by a rerun, `results.csv.journal.2026-12-01T07-50-40Z`). Users are matched
    /// case-insensitively. Nothing is contacted.
    #[command(after_long_help = DIFF_EXIT_HELP, override_usage = "dbx-inventory diff [OPTIONS] <OLD> <NEW>")]
    Diff(DiffArgs),
    /// What an object inventory (`scan --objects FILE.parquet`) holds, largest first: the largest
    /// folders, the largest extensions and the oldest big files (or one grouping with --by).
    ///
    /// Folders are those --depth levels below each user's own folder in a location (a file less
    /// deep counts for its own folder); extensions are the file name's last `.suffix`, lowercased.
    /// Each group shows files, bytes, stale files and bytes, and the newest modification. Reads
    /// the file alone, streaming: nothing is contacted.
    #[command(after_long_help = TOP_EXIT_HELP)]
    Top(TopArgs),
    /// Check, with a handful of requests, what a full scan under these credentials would see:
    /// who they belong to (and whether a workspace admin), /Users in DBFS and the Workspace, the
    /// SCIM user count, an estimate from a sample of users, the allow-list.
    #[command(after_long_help = CHECK_EXIT_HELP)]
    Check(CheckArgs),
}

/// Exit codes of `diff`.
pub const DIFF_EXIT_HELP: &str = "\
Exit codes:
  0  compared (whatever changed)
  1  OLD or NEW is missing, unreadable or not a dbx-inventory CSV or journal; an output cannot be written
  2  usage: bad flags, or an output path that is OLD, NEW or the other output";

/// `profiles` arguments (none: the config file is ~/.databrickscfg or DATABRICKS_CONFIG_FILE).
#[derive(Debug, Args)]
pub struct ProfilesArgs {}

/// `diff` arguments.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier scan: its CSV or its journal. (Optional for clap only: `diff` explains
    /// itself when OLD or NEW is missing, instead of a bare parse error.)
    #[arg(value_name = "OLD")]
    pub old: Option<PathBuf>,
    /// The later scan: its CSV or its journal.
    #[arg(value_name = "NEW")]
    pub new: Option<PathBuf>,
    /// Write one CSV row per user of either scan (username, status_old, status_new, files_old,
    /// files_new, bytes_old, bytes_new, files_delta, bytes_delta, change).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write a self-contained HTML report of the growth.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// Exit codes of `top`.
pub const TOP_EXIT_HELP: &str = "\
Exit codes:
  0  the tables were printed
  1  FILE is missing, unreadable, not Parquet, or lacks a column of the objects file (or has one
     of another type): the message names the file and the column
  2  usage error (bad flags or arguments)";

/// `top` arguments.
#[derive(Debug, Args)]
pub struct TopArgs {
    /// The object inventory: the Parquet file `scan --objects` wrote.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print only this grouping, as one table: extension, folder or user.
    #[arg(long, value_enum, value_name = "GROUPING")]
    pub by: Option<TopBy>,
    /// Count only the stale files (modified strictly before --as-of minus --stale-days days).
    #[arg(long)]
    pub stale: bool,
    /// Measure ages from this date (2026-11-30, midnight UTC) or RFC 3339 time
    /// (2026-11-30T17:04:05Z), as `scan --as-of`. Default: now.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// A file is stale when last modified more than N days before --as-of.
    #[arg(long, value_name = "N", default_value_t = crate::model::Ages::DEFAULT_STALE_DAYS)]
    pub stale_days: u32,
    /// Folders this many levels below each user's own folder (0: the user's folder itself).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub depth: u32,
    /// Rows per table.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub limit: u32,
    /// The oldest big files table lists files of at least this size (`100MB`, `1GB`, `0`: all).
    #[arg(long, value_name = "SIZE", default_value = "100MB")]
    pub big: String,
}

/// The groupings of `top --by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TopBy {
    /// The file name's last `.suffix`, lowercased.
    Extension,
    /// The folder --depth levels below the user's own folder, per user and location.
    Folder,
    /// The user (and workspace, in an account scan's file).
    User,
}

/// Exit codes of `check`.
pub const CHECK_EXIT_HELP: &str = "\
Exit codes:
  0  a full scan can run (every user, both trees, --orphans) with these credentials
  1  it cannot: the message names what is missing (admin rights, a listing, the credentials)
  2  usage error (bad flags or arguments)";

/// `check` arguments.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Users scanned to estimate the full scan, evenly spaced over the SCIM listing (0: no estimate).
    #[arg(long, value_name = "N", default_value_t = 40, value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub sample: u32,
    /// Print the report as one JSON object (for scripts) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Estimate a `scan --notebook-sizes`: the sample exports its notebooks, the estimate counts
    /// the exports (their own 60/s limit) and the allow-list shows `workspace/export`.
    #[arg(long)]
    pub notebook_sizes: bool,
    /// Print per-request retries.
    #[arg(long)]
    pub debug: bool,
    /// Every workspace of an account.
    #[command(flatten)]
    pub account: AccountArgs,
    /// Authentication.
    #[command(flatten)]
    pub auth: AuthArgs,
    /// Limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Exit codes of `worker`.
pub const WORKER_EXIT_HELP: &str = "\
Exit codes:
  0  every job got a row (a user whose scan failed is an `error` row)
  1  fatal: credentials rejected, workspace unreachable, standard output closed
  2  usage: bad flags, or a malformed input line (named by its line number)";

/// Where the workspace is and how to authenticate.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Authentication")]
pub struct AuthArgs {
    /// Workspace URL, or the account console with --account-id (overrides the environment and
    /// the profile).
    ///
    /// `https://` is added when no scheme is given. Also read from DATABRICKS_HOST (or the
    /// seed tool's DATABRICKS_WORKSPACE_URL).
    #[arg(long = "host", visible_alias = "workspace-url", value_name = "URL")]
    pub host: Option<String>,
    /// Personal access token. Visible to other local users in the process list (ps): prefer
    /// --token-file, DATABRICKS_TOKEN or a profile.
    ///
    /// Command-line arguments can be read by every user of the machine (`ps`, /proc/PID/cmdline)
    /// while the scan runs, and may end up in shell history. DATABRICKS_TOKEN, a profile in
    /// ~/.databrickscfg or --token-file keep the token out of the process list.
    #[arg(long, value_name = "TOKEN", hide_env_values = true, conflicts_with = "token_file")]
    pub token: Option<String>,
    /// Read the personal access token from FILE (`-`: standard input) instead of --token.
    ///
    /// The file holds the token alone; one trailing newline is stripped. Same precedence as
    /// --token (it beats DATABRICKS_TOKEN and profiles). Not with `--users-file -`.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Profile in ~/.databrickscfg (or DATABRICKS_CONFIG_FILE); also DATABRICKS_CONFIG_PROFILE.
    #[arg(short = 'p', long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Authentication type to use when several are configured (pat, oauth-m2m).
    #[arg(long, value_name = "TYPE")]
    pub auth_type: Option<String>,
    /// Print the configured profiles (default marked) and exit.
    #[arg(long)]
    pub list_profiles: bool,
}

/// Request pacing and robustness.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Limits")]
pub struct LimitArgs {
    /// Change a rate limit, e.g. `workspace=40`, `dbfs=30/s`, `scim=255/60s` (repeatable).
    ///
    /// Defaults are the published per-workspace limits: workspace 50/s, dbfs 30/s,
    /// scim 255/min. The limiter is shared by every user in flight.
    #[arg(long = "rate-limit", value_name = "FAMILY=RATE")]
    pub rate_limits: Vec<String>,
    /// Most requests in flight at once (the workspace refuses more than 20).
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_in_flight: u32,
    /// Attempts per request, the first included (429, 500, 502, 503, 504, timeouts, resets).
    #[arg(long, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub retry_attempts: u32,
    /// First retry delay in milliseconds (doubles each retry, with jitter; Retry-After wins).
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub retry_base_ms: u64,
    /// Timeout of one HTTP attempt, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub request_timeout: u64,
    /// Largest response body accepted, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub max_response_mib: u64,
    /// Memory cap of each scanner instance, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 256, hide_short_help = true)]
    pub guest_memory_mib: usize,
    /// Longest the scanner may compute without making a request, in seconds; a runaway
    /// scanner becomes an error row and the run goes on.
    #[arg(long, value_name = "SECS", default_value_t = 60.0, hide_short_help = true)]
    pub guest_cpu_secs: f64,
    /// Wall-clock limit of one user's scan, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 6 * 3600, hide_short_help = true)]
    pub user_timeout: u64,
    /// Load this scanner component instead of the embedded one.
    #[arg(long, value_name = "FILE", hide_short_help = true)]
    pub component: Option<PathBuf>,
}

/// `scan` arguments.
#[derive(Debug, Args, Clone)]
pub struct ScanArgs {
    /// Usernames to scan (e.g. alice@example.com).
    ///
    /// A home path is taken as its username: /Users/a@x.com, dbfs:/Users/a@x.com,
    /// /dbfs/Users/a@x.com and /Workspace/Users/a@x.com all mean a@x.com (also in --users-file).
    #[arg(value_name = "USER")]
    pub users: Vec<String>,
    /// File of usernames (`-` for standard input): one per line (blank lines and `#` comments
    /// skipped), or the csv or json that `users --format csv|json` writes.
    ///
    /// The format is told from the content: a JSON array, a CSV whose header names a `userName`
    /// (or `applicationId`) column, else one name a line (the seed's users.csv included). A line
    /// that cannot be a username (a comma, quotes, angle brackets, a space inside) is refused
    /// with its line number before anything is scanned.
    #[arg(long, value_name = "FILE", help_heading = "Users")]
    pub users_file: Option<PathBuf>,
    /// Scan every workspace user (listed through SCIM); scanning starts while listing goes on.
    #[arg(long, conflicts_with_all = ["users", "users_file"], help_heading = "Users")]
    pub all_users: bool,
    /// With --all-users: also scan homes under /Users (DBFS and Workspace) whose owner is not
    /// an active workspace user, marked `orphan=yes`.
    ///
    /// /Users is listed once in each scanned tree. Names match SCIM users case-insensitively;
    /// homes of inactive users count as orphans. Orphans follow the SCIM users in the CSV,
    /// sorted by name, and the summary shows their count and total size.
    #[arg(long, help_heading = "Users")]
    pub orphans: bool,
    /// CSV output file (written atomically when the run ends).
    #[arg(
        short,
        long,
        value_name = "FILE",
        default_value = "results.csv",
        help_heading = "Output"
    )]
    pub output: PathBuf,
    /// Also write a self-contained HTML report: totals, top users, size histogram, DBFS vs
    /// Workspace, errors and orphans (one file, no external assets; written atomically at the end).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub html: Option<PathBuf>,
    /// Also write every counted file as a row of a Parquet file (username, location, path,
    /// object_type, size, modified, language, workspace; zstd): spooled beside the journal while
    /// scanning, written at the end, each file of a recorded user exactly once (also after
    /// --resume or retried Spark tasks). See docs/formats.md.
    #[arg(long, value_name = "FILE.parquet", help_heading = "Output")]
    pub objects: Option<PathBuf>,
    /// Scan only the DBFS side: the DBFS home and the UI uploads (`--locations dbfs,uploads`).
    #[arg(long, conflicts_with_all = ["workspace_only", "locations"], help_heading = "What is scanned")]
    pub dbfs_only: bool,
    /// Scan only the Workspace side: the Workspace home and /Repos (`--locations workspace,repos`).
    #[arg(long, conflicts_with = "locations", help_heading = "What is scanned")]
    pub workspace_only: bool,
    /// The locations to scan, any of: dbfs (dbfs:/Users/<user>), uploads
    /// (dbfs:/FileStore/shared_uploads/<user>), workspace (/Users/<user>), repos (/Repos/<user>).
    /// Default: all four.
    #[arg(long, value_name = "LIST", help_heading = "What is scanned")]
    pub locations: Option<String>,
    /// Measure ages from this date (2026-11-30, midnight UTC) or RFC 3339 time
    /// (2026-11-30T17:04:05Z). Default: the run's start; a --resume keeps its journal's.
    #[arg(long, value_name = "DATE", help_heading = "What is scanned")]
    pub as_of: Option<String>,
    /// A file is stale when last modified more than N days before --as-of (default 365; a
    /// --resume keeps its journal's).
    #[arg(long, value_name = "N", help_heading = "What is scanned")]
    pub stale_days: Option<u32>,
    /// Users scanned at once (each in its own sandboxed scanner instance).
    #[arg(long, value_name = "N", default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=512), help_heading = "Limits")]
    pub concurrency: u32,
    /// Requests one scanner instance sends per batch (0 = scanner default).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        hide_short_help = true,
        help_heading = "Limits"
    )]
    pub batch_size: u32,
    /// Print per-request retries and per-user timing.
    #[arg(long, help_heading = "Output")]
    pub debug: bool,
    /// Print only errors and the final summary.
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,
    /// Measure notebooks: export each notebook's source (workspace/export, format SOURCE) and
    /// count its bytes, in `notebook_bytes` and in `workspace_bytes`/`total_size`.
    ///
    /// One extra request per notebook, under the export API's own limit (60/s, beside list's
    /// 50/s). A notebook that cannot be exported (over the 10 MB export limit, an error after
    /// retries) is counted in `notebooks_unsized`, never an error. The content is measured and
    /// dropped: never stored or logged. Without this flag the export endpoint is not on the
    /// allow-list at all.
    #[arg(long, help_heading = "What is scanned")]
    pub notebook_sizes: bool,
    /// List /Users once in each scanned tree and record users it does not list as having no
    /// home there, without a request (the default with --all-users).
    ///
    /// Saves one request per missing home. If /Users cannot be listed (e.g. 403), each home is
    /// probed as usual and a warning says so once.
    #[arg(long, help_heading = "Users")]
    pub list_homes: bool,
    /// Journal, resume and the detail output.
    #[command(flatten)]
    pub journal: JournalArgs,
    /// Running the scans on Spark executors.
    #[command(flatten)]
    pub spark: SparkArgs,
    /// Every workspace of an account.
    #[command(flatten)]
    pub account: AccountArgs,
    /// Authentication.
    #[command(flatten)]
    pub auth: AuthArgs,
    /// Limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Every workspace of a Databricks account in one run (docs/account.md).
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Account (every workspace)")]
pub struct AccountArgs {
    /// Scan every running workspace of this account: the host is the account console (e.g.
    /// https://accounts.cloud.databricks.com) and the credentials an account service principal
    /// (OAuth M2M). Also DATABRICKS_ACCOUNT_ID, or a profile's `account_id`.
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,
    /// Only these workspaces of the account: deployment names, workspace names or ids,
    /// comma-separated (default: every running workspace).
    #[arg(long, value_name = "NAME|ID,…", value_delimiter = ',')]
    pub workspaces: Vec<String>,
    /// Workspaces scanned at once, each at its own rate limits (the others wait their turn).
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub max_workspaces: u32,
    /// Requests in flight at once over all workspaces (each also keeps its --max-in-flight).
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub account_max_in_flight: u32,
}

/// Scale-out: the scans run on Spark executors (`dbx-inventory worker` in each task) while this
/// process stays the single writer of the journal and the outputs.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Spark (scale-out)")]
pub struct SparkArgs {
    /// Run the scans on a classic Spark master, e.g. `local[4]`, `local-cluster[2,1,1024]`,
    /// `spark://host:7077` (needs `pyspark` for --python).
    #[arg(long, value_name = "URL", conflicts_with_all = ["spark_remote", "cluster_id"])]
    pub spark_master: Option<String>,
    /// Run the scans through Spark Connect, e.g. `sc://127.0.0.1:15002` (needs `pyspark` 4).
    #[arg(long, value_name = "URL", conflicts_with = "cluster_id")]
    pub spark_remote: Option<String>,
    /// Run the scans on a Databricks all-purpose cluster through Databricks Connect (needs
    /// `databricks-connect` for --python; dedicated access mode, not serverless).
    ///
    /// Only this flag switches to the cluster: a `cluster_id` in the profile or
    /// DATABRICKS_CLUSTER_ID alone keeps the scan local.
    #[arg(long, value_name = "ID")]
    pub cluster_id: Option<String>,
    /// The Python interpreter that has pyspark (or databricks-connect).
    #[arg(long, value_name = "PATH", default_value = "python3")]
    pub python: String,
    /// Spark tasks per wave (default 1: one task holds the whole budget, which reaches the
    /// rate limits). With N > 1 each task gets 1/N of every rate limit, of --max-in-flight and
    /// of --concurrency; N is capped at --max-in-flight and --concurrency.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub spark_partitions: u32,
    /// The binary the executors run (`dbx-inventory worker`): a Linux build, when this one is not.
    #[arg(long, value_name = "PATH")]
    pub worker_binary: Option<PathBuf>,
    /// Users per Spark job ("wave"). Default: waves sized by time (about 2 minutes of work,
    /// less when a minted token expires sooner); each wave gets a freshly minted token.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub chunk_size: Option<u32>,
    #[cfg(feature = "test-hooks")]
    /// Test only: the time box of a wave, in seconds (default 120).
    #[arg(long, value_name = "SECS", hide = true)]
    pub wave_secs: Option<u64>,
    /// The seed's flag: scan one user at a time, locally (same as --concurrency 1).
    #[arg(long, conflicts_with_all = ["spark_master", "spark_remote", "cluster_id"])]
    pub no_parallel: bool,
    #[cfg(feature = "test-hooks")]
    /// Test only: the first attempt of each task's worker dies after N rows (marker file M).
    #[arg(long, value_names = ["N", "M"], num_args = 2, hide = true)]
    pub spark_fault: Vec<String>,
}

impl SparkArgs {
    /// True when the scans run on Spark.
    pub fn enabled(&self) -> bool {
        self.spark_master.is_some() || self.spark_remote.is_some() || self.cluster_id.is_some()
    }
}

/// The journal of a scan, resuming it, and the JSON Lines detail output.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Journal and resume")]
pub struct JournalArgs {
    /// Journal file (default: the CSV path + `.journal`, e.g. results.csv.journal).
    ///
    /// Every finished user is appended to it (JSON Lines) and synced to disk before it counts
    /// as done, so a scan that is interrupted or killed loses nothing: run it again with
    /// --resume. Its first line records the workspace, the options and a digest of the users.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Continue the journal of an earlier run: users already recorded are not scanned again.
    ///
    /// Users recorded in `error` are scanned again (unless --keep-errors); the CSV holds every
    /// user once, in input order. The journal must be for the same workspace, trees, --orphans
    /// and user list (--force overrides). With no journal yet, a new one is started.
    #[arg(long, conflicts_with = "overwrite")]
    pub resume: bool,
    /// With --resume: keep users recorded in `error` instead of scanning them again.
    #[arg(long, requires = "resume")]
    pub keep_errors: bool,
    /// With --resume: continue a journal written for another workspace, options or users.
    ///
    /// The earlier rows are kept; a new header line records this run's identity.
    #[arg(long, requires = "resume")]
    pub force: bool,
    /// Discard an existing journal and start over.
    ///
    /// Without --resume or --overwrite, a journal that already holds users is refused, so
    /// finished work is never thrown away by accident. Only a journal is ever replaced.
    #[arg(long)]
    pub overwrite: bool,
    /// Also write one JSON object per user with the full detail (JSON Lines), at the end.
    ///
    /// Per-tree counts (files, bytes, directories, unsized objects, notebooks, git folders,
    /// vanished subdirectories, depth, requests), requests, duration, error and orphan flag;
    /// in the CSV's order, written atomically.
    #[arg(long, value_name = "FILE")]
    pub jsonl: Option<PathBuf>,
}

/// `worker` arguments (docs/spark-protocol.md).
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Workspace URL (else DATABRICKS_HOST). The token comes from the first standard-input line
    /// or the environment, never from argv.
    #[arg(long = "host", value_name = "URL")]
    pub host: Option<String>,
    /// Users scanned at once (each in its own sandboxed scanner instance).
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=512))]
    pub concurrency: u32,
    /// Requests one scanner instance sends per batch (0 = scanner default).
    #[arg(long, value_name = "N", default_value_t = 0, hide = true)]
    pub batch_size: u32,
    /// Print per-request retries and per-user timing on standard error.
    #[arg(long)]
    pub debug: bool,
    /// Measure notebooks by exporting them (as `scan --notebook-sizes`).
    #[arg(long)]
    pub notebook_sizes: bool,
    /// Print each answered job's objects (its counted files) before its row (`scan --objects`).
    #[arg(long)]
    pub objects: bool,
    /// The ages' reference, in ms since the epoch (the host's run sends its own).
    #[arg(long, value_name = "MS", allow_hyphen_values = true)]
    pub as_of_ms: Option<i64>,
    /// Stale after this many days.
    #[arg(long, value_name = "N", default_value_t = 365)]
    pub stale_days: u32,
    /// Start no user after this instant (ms since the epoch): the rest are answered with
    /// `leftover` lines for the host to send again (a wave's time box; set by the launcher).
    #[arg(long, value_name = "MS", hide = true, allow_hyphen_values = true)]
    pub start_until_ms: Option<i64>,
    /// At this instant (ms since the epoch; before the handed token expires) stop: users still
    /// in flight are answered with `leftover` lines too, and the worker exits 0.
    #[arg(long, value_name = "MS", hide = true, allow_hyphen_values = true)]
    pub stop_at_ms: Option<i64>,
    /// What the handed token is, for error messages (e.g. "an OAuth access token minted for
    /// Spark wave 3"); never the token.
    #[arg(long, value_name = "TEXT", hide = true)]
    pub token_label: Option<String>,
    /// Skip the SCIM `Me` check of the credentials (the host checked them before the wave).
    #[arg(long, hide = true)]
    pub skip_preflight: bool,
    /// Compiled-component cache folder (default: a per-user folder in the temp dir), so the
    /// workers of one executor compile the scanner once.
    #[arg(long, value_name = "DIR", hide = true)]
    pub compile_cache: Option<PathBuf>,
    #[cfg(feature = "test-hooks")]
    /// Test only: after writing N rows, exit 101 at once unless --fail-marker exists (it is
    /// created first), to simulate an executor dying mid-shard on its first attempt.
    #[arg(long, value_name = "N", hide = true, requires = "fail_marker")]
    pub fail_after: Option<u64>,
    #[cfg(feature = "test-hooks")]
    /// Test only: the marker file of --fail-after.
    #[arg(long, value_name = "PATH", hide = true, requires = "fail_after")]
    pub fail_marker: Option<PathBuf>,
    /// Limits (the launcher sets this task's share of the workspace budget).
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `component` arguments.
#[derive(Debug, Args)]
pub struct ComponentArgs {
    /// Where to write the component (`.wasm`; an existing file is replaced).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Also write the WIT package (`inventory.wit`) and the allow-list every host enforces
    /// (`allow-list.json`) into this folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub wit: Option<PathBuf>,
}

/// `spark-launcher` arguments.
#[derive(Debug, Args)]
pub struct SparkLauncherArgs {
    /// The package folder to write (created if missing; its files are replaced). Import it from
    /// its parent folder by its name: `import dbx_spark`.
    #[arg(short, long, value_name = "DIR", default_value = "dbx_spark")]
    pub output: PathBuf,
}

/// `csv-rows` arguments (none: standard input to standard output).
#[derive(Debug, Args)]
pub struct CsvRowsArgs {}

/// `auth-token` arguments.
#[derive(Debug, Args)]
pub struct AuthTokenArgs {
    #[command(flatten)]
    /// Where the workspace is and how to authenticate.
    pub auth: AuthArgs,
}

/// `summary` arguments.
#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// Journal written by `scan` (e.g. results.csv.journal).
    #[arg(long, value_name = "FILE")]
    pub journal: PathBuf,
    /// Write the CSV (same columns and order as `scan`).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write JSON Lines, one object per user with the full detail.
    #[arg(long, value_name = "FILE")]
    pub jsonl: Option<PathBuf>,
    /// Write the self-contained HTML report.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write the object inventory (Parquet) from the journal's objects spool (a scan with
    /// --objects keeps it beside the journal).
    #[arg(long, value_name = "FILE.parquet")]
    pub objects: Option<PathBuf>,
}

/// `users` arguments.
#[derive(Debug, Args)]
pub struct UsersArgs {
    /// Stop after N users (0 = all): later pages are not asked for (the seed's flag).
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = "Which users")]
    pub max_users: u64,
    /// Only users marked active.
    #[arg(long, help_heading = "Which users")]
    pub active_only: bool,
    /// List the service principals too, after the users (their applicationId is the name of
    /// their home and what `scan` takes); csv and json gain a `principal` column/field.
    #[arg(long, help_heading = "Which users")]
    pub service_principals: bool,
    /// SCIM page size asked of the server.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 100,
        hide_short_help = true,
        help_heading = "Which users"
    )]
    pub page_size: u32,
    /// Write the users to FILE (else a numbered list on screen); `scan --users-file` reads it
    /// in every format.
    #[arg(short, long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Output format: txt (one userName per line), csv or json.
    #[arg(long, value_enum, default_value_t = UsersFormat::Txt, help_heading = "Output")]
    pub format: UsersFormat,
    /// Print per-request retries.
    #[arg(long, help_heading = "Output")]
    pub debug: bool,
    /// Authentication.
    #[command(flatten)]
    pub auth: AuthArgs,
    /// Limits.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Output formats of `users`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum UsersFormat {
    /// One userName per line, no header.
    Txt,
    /// userName,displayName,active,id with a header.
    Csv,
    /// A JSON array of objects.
    Json,
}

/// `demo` arguments.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Users in the generated workspace.
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub users: usize,
    /// Seed of the generated workspace.
    #[arg(long, value_name = "SEED", default_value_t = 42)]
    pub seed: u64,
    /// Mean simulated API latency in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 50)]
    pub latency_ms: u64,
    /// CSV output file.
    #[arg(short, long, value_name = "FILE", default_value = "demo-results.csv")]
    pub output: PathBuf,
    /// Also write the HTML report of the demo run.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Print only errors and the summary.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `init` arguments.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Name of the profile to write.
    #[arg(short = 'p', long, value_name = "NAME", default_value = "DEFAULT")]
    pub profile: String,
    /// Workspace URL to put in the profile (else a commented example).
    #[arg(long = "host", visible_alias = "workspace-url", value_name = "URL")]
    pub host: Option<String>,
    /// Print the template to standard output instead of writing the file.
    #[arg(long, conflicts_with = "force")]
    pub print: bool,
    /// Replace the profile if it already exists (the previous file is kept as <file>.bak).
    #[arg(long)]
    pub force: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn dbfs_only_conflicts_with_workspace_only() {
        let r = Cli::try_parse_from(["dbx-inventory", "scan", "a@x.com", "--dbfs-only", "--workspace-only"]);
        assert!(r.is_err());
    }

    #[test]
    fn all_users_conflicts_with_named_users() {
        assert!(Cli::try_parse_from(["dbx-inventory", "scan", "a@x.com", "--all-users"]).is_err());
    }

    #[test]
    fn max_in_flight_is_capped_below_the_workspace_limit() {
        assert!(Cli::try_parse_from(["dbx-inventory", "scan", "a", "--max-in-flight", "21"]).is_err());
        assert!(Cli::try_parse_from(["dbx-inventory", "scan", "a", "--max-in-flight", "20"]).is_ok());
    }

    fn scan(args: &[&str]) -> Result<ScanArgs, clap::Error> {
        let mut all = vec!["dbx-inventory", "scan", "a@x.com"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).map(|c| match c.command {
            Command::Scan(s) => s,
            _ => unreachable!(),
        })
    }

    #[test]
    fn journal_flags_parse_and_depend_on_resume() {
        let s = scan(&[
            "--resume",
            "--keep-errors",
            "--force",
            "--journal",
            "j",
            "--jsonl",
            "d.jsonl",
        ])
        .unwrap();
        assert!(s.journal.resume && s.journal.keep_errors && s.journal.force);
        assert_eq!(s.journal.journal.as_deref(), Some(std::path::Path::new("j")));
        assert_eq!(s.journal.jsonl.as_deref(), Some(std::path::Path::new("d.jsonl")));
        assert!(scan(&["--keep-errors"]).is_err(), "--keep-errors needs --resume");
        assert!(scan(&["--force"]).is_err(), "--force needs --resume");
        assert!(scan(&["--resume", "--overwrite"]).is_err());
        assert!(scan(&["--overwrite"]).unwrap().journal.overwrite);
    }

    #[test]
    fn summary_needs_a_journal() {
        assert!(Cli::try_parse_from(["dbx-inventory", "summary"]).is_err());
        let Cli {
            command: Command::Summary(s),
        } = Cli::try_parse_from([
            "dbx-inventory",
            "summary",
            "--journal",
            "j",
            "-o",
            "x.csv",
            "--html",
            "r.html",
        ])
        .unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (s.journal.to_str(), s.output.as_deref().and_then(|p| p.to_str())),
            (Some("j"), Some("x.csv"))
        );
        assert!(s.html.is_some() && s.jsonl.is_none());
    }

    #[test]
    fn worker_flags_parse_and_take_no_token() {
        let Cli {
            command: Command::Worker(w),
        } = Cli::try_parse_from([
            "dbx-inventory",
            "worker",
            "--host",
            "h",
            "--rate-limit",
            "workspace=12.5",
            "--max-in-flight",
            "4",
            "--fail-after",
            "1",
            "--fail-marker",
            "m",
        ])
        .unwrap()
        else {
            panic!()
        };
        assert_eq!((w.host.as_deref(), w.concurrency, w.batch_size), (Some("h"), 8, 0));
        assert_eq!((w.limits.max_in_flight, w.limits.rate_limits.len()), (4, 1));
        assert_eq!(
            (w.fail_after, w.fail_marker.as_deref()),
            (Some(1), Some(std::path::Path::new("m")))
        );
        assert!(Cli::try_parse_from(["dbx-inventory", "worker", "--token", "t"]).is_err());
        assert!(Cli::try_parse_from(["dbx-inventory", "worker", "--fail-after", "1"]).is_err());
        assert!(Cli::try_parse_from(["dbx-inventory", "csv-rows"]).is_ok());
    }

    #[test]
    fn workspace_url_is_an_alias_of_host() {
        let Cli {
            command: Command::Scan(s),
        } = Cli::try_parse_from([
            "dbx-inventory",
            "scan",
            "a",
            "--workspace-url",
            "x.cloud.databricks.com",
        ])
        .unwrap()
        else {
            panic!()
        };
        assert_eq!(s.auth.host.as_deref(), Some("x.cloud.databricks.com"));
    }
}
