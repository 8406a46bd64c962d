//! A deterministic generator of realistic workspaces (`--generate users=N,seed=S`).
//!
//! The same `(users, seed)` always gives the same fixture, byte for byte: seeded ChaCha8 streams
//! drive every choice and nothing iterates a hash map. The main stream draws every path, size, id
//! and kind; file times come from a second stream (`seed ^ TIMES_SALT`) and UI-upload folders
//! from a third (`seed ^ UPLOADS_SALT`, after everything else), so adding them left every earlier
//! entry of a seed as it was (only its times changed; the main stream still makes the draws its
//! old times took). What it models, from what real workspaces look like:
//! * heavy-tailed home sizes (Pareto): most users keep a handful of objects, a few thousands;
//!   about 10 % of homes are empty; folders nest up to 12 levels below the home;
//! * notebooks (language, no size), files (size, occasionally missing), dashboards, libraries,
//!   objects with no `object_type` (MLflow experiments), Git folders (`REPO`) with content inside,
//!   legacy `/Repos/<user>/<repo>` folders (and `/Repos` itself, empty when no user has one, as
//!   in every real workspace) and a `/Shared` tree;
//! * about 8 % of SCIM users with no home, some homes with no SCIM user (departed users and
//!   deleted service principals), about 40 % of users without a DBFS home;
//! * SCIM service principals (one per ~25 users, some inactive) with homes named by their
//!   application id in both trees;
//! * DBFS homes with Delta tables (`_delta_log`, `part-*.parquet`) and loose files;
//! * a few Unity Catalog volumes, one of them with a directory larger than a listing page;
//! * odd names: spaces, parentheses, accents, `&`, `+`, `#`, `%`, "Untitled Notebook" stamps;
//! * file times (`modified_at`, with `created_at`, on Workspace notebooks and files, Git-folder
//!   files included; `modification_time` on DBFS files), measured back from a fixed instant,
//!   [`REFERENCE_MS`] = 2026-12-01T00:00:00Z, never the clock: 40 % under 90 days old, 25 % 90
//!   days to a year, 20 % one to three years, 15 % three to six years (uniform within a band); a
//!   departed user's (`former.…`) files are a further 180 days to ~3 years older. Undated (the
//!   field absent): 10 % of notebooks, 3 % of Workspace files, 1 % of DBFS files, 2 % of uploads;
//!   invalid (`-1`, another negative, or 1 to 10 years after the reference): 0.4 % of each (no
//!   strings: the official SDKs fail on them, see `sim/README.md`). Directories keep what they had (DBFS
//!   directories `modification_time: 0`, Workspace directories none); volume times are unchanged;
//! * UI uploads, `/FileStore/shared_uploads/<user>/…` (where "upload data to DBFS" puts them),
//!   for about 20 % of SCIM users (at least one): 1–5 files (sometimes up to ~45), csv/json/
//!   parquet/xlsx, sizes log-normal (median ~60 KB), about 30 % of folders with one sub-folder,
//!   1 in 12 folders empty; plus a folder `<user>2` and, half the time, `<user>.old` (name-prefix
//!   siblings, no such users) and one of a departed user (no SCIM user).
//!
//! Files, in reading order: `spec` (the `users=N,seed=S` grammar), `names` (the word lists and
//! the UI's date stamp), `draw` (the generator's state, its random streams and the draws every
//! other file uses: ids, names, times), `workspace` (Workspace trees, Git folders, `/Shared`),
//! `dbfs` (DBFS homes, Delta tables, UI uploads, volumes), `people` (SCIM users and service
//! principals with their homes), `run` (the order of the draws, which fixes every seed's output).

mod dbfs;
mod draw;
mod names;
mod people;
mod run;
mod spec;
mod workspace;

pub use draw::REFERENCE_MS;
pub use run::generate;
pub use spec::parse_generate_spec;
