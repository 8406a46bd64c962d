//! A deliberately misbehaving scanner. Each username picks a misbehaviour; the end-to-end
//! tests check that the host refuses or stops it and goes on with the other users.
//!
//! * `deny@…`   asks for paths outside the read-only allow-list and reports what came back
//! * `flood@…`  sends one batch of 100,000 requests
//! * `spin@…`   loops forever
//! * `hog@…`    allocates memory without bound
//! * `peek@…`   looks for environment variables and arguments, and reports what it saw
//! * `files@…`  (only with the cargo feature `fs`) reads directories and `~/.databrickscfg`: that
//!   build imports `wasi:filesystem` (and, through its types, `wasi:clocks/wall-clock`), so a host
//!   that links no filesystem must refuse it before it runs
//! * `clock@…`  (only with the cargo feature `clock`) reads the wall clock and the monotonic
//!   clock, so that build imports `now` from `wasi:clocks/wall-clock` and
//!   `wasi:clocks/monotonic-clock`: the component a host that links no clock must refuse
//! * `export@…` exports a notebook of its home whatever the options say (`notebook-sizes` or not)
//!   and reports whether it was denied or answered
//! * anyone else: one Workspace list of the home, counted honestly

wit_bindgen::generate!({ path: "../../wit", world: "inventory" });

use dbx::inventory::http::{send, HttpError, Request};
use exports::dbx::inventory::scanner::{
    AgeBytes, Caller, Failure, Guest, ScanOptions, ScanStatus, ServicePrincipalPage, Tree, TreeStats, User, UserPage,
    UserReport,
};

struct Evil;

fn req(path: &str, q: &[(&str, &str)]) -> Request {
    Request {
        path: path.into(),
        query: q.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
    }
}

fn report(username: String, status: ScanStatus, error: Option<String>, files: u64, requests: u32) -> UserReport {
    let ws = TreeStats {
        home_exists: files > 0,
        files,
        bytes: 0,
        directories: 1,
        unsized_objects: files,
        notebooks: 0,
        repos: 0,
        vanished_dirs: 0,
        max_depth: 0,
        requests,
        notebook_bytes: None,
        notebooks_unsized: 0,
        last_modified_ms: None,
        stale_files: 0,
        stale_bytes: 0,
        undated_files: 0,
        age: AgeBytes {
            under_30_days: 0,
            under_90_days: 0,
            under_1_year: 0,
            under_3_years: 0,
            older: 0,
            undated: 0,
        },
        largest: Vec::new(),
    };
    UserReport {
        username,
        dbfs: None,
        workspace: Some(ws),
        status,
        error,
        requests,
        uploads: None,
        repos: None,
    }
}

impl Guest for Evil {
    fn scan_user(username: String, _options: ScanOptions) -> UserReport {
        let kind = username.split('@').next().unwrap_or("").to_string();
        match kind.as_str() {
            "deny" => {
                let home = format!("/Users/{username}");
                let attempts = vec![
                    req("/api/2.0/workspace/delete", &[("path", &home)]),
                    req("/api/2.0/dbfs/put", &[("path", "/x")]),
                    req("/oidc/v1/token", &[]),
                    req("/api/2.0/token/create", &[]),
                    req("/api/2.0/dbfs/../token/list", &[]),
                    req("/api/2.0/workspace/list?path=/", &[]),
                    req("/api/2.0/workspace/list", &[("recursive", "true")]),
                    req("http://169.254.169.254/latest/meta-data", &[]),
                ];
                let n = attempts.len();
                let results = send(&attempts);
                let denied = results
                    .iter()
                    .filter(|r| matches!(r, Err(HttpError::Denied(_))))
                    .count();
                let answered = results.iter().filter(|r| r.is_ok()).count();
                report(
                    username,
                    ScanStatus::Error,
                    Some(format!("denied {denied} of {n}, answered {answered}")),
                    0,
                    n as u32,
                )
            }
            "export" => {
                let nb = format!("/Users/{username}/nb");
                let results = send(&[req("/api/2.0/workspace/export", &[("path", &nb), ("format", "SOURCE")])]);
                let what = match &results[0] {
                    Err(HttpError::Denied(why)) => format!("export denied: {why}"),
                    Ok(r) => format!("export answered {}", r.status),
                    Err(e) => format!("export failed: {e:?}"),
                };
                report(username, ScanStatus::Error, Some(what), 0, 1)
            }
            "flood" => {
                let batch: Vec<Request> = (0..100_000)
                    .map(|i| req("/api/2.0/workspace/list", &[("path", &format!("/Users/x/{i}"))]))
                    .collect();
                let results = send(&batch);
                report(
                    username,
                    ScanStatus::Success,
                    Some(format!("flood answered {}", results.len())),
                    100_000,
                    100_000,
                )
            }
            "spin" => {
                let mut x: u64 = 1;
                loop {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                }
            }
            "hog" => {
                let mut keep: Vec<Vec<u8>> = Vec::new();
                loop {
                    keep.push(vec![1u8; 16 << 20]);
                    std::hint::black_box(&keep);
                }
            }
            "peek" => {
                let vars: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
                let args = std::env::args().count();
                let msg = format!("env={} args={args}", vars.len());
                report(username, ScanStatus::Error, Some(msg), 0, 0)
            }
            #[cfg(feature = "fs")]
            "files" => {
                let files = std::fs::read_dir("/").map(|d| d.count()).unwrap_or(0);
                let cwd_files = std::fs::read_dir(".").map(|d| d.count()).unwrap_or(0);
                let token_file = std::fs::read_to_string("/root/.databrickscfg").is_ok();
                let msg = format!("files={files} cwd_files={cwd_files} cfg={token_file}");
                report(username, ScanStatus::Error, Some(msg), 0, 0)
            }
            #[cfg(feature = "clock")]
            "clock" => {
                let since_epoch = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let started = std::time::Instant::now();
                let msg = format!("clock={since_epoch} elapsed={:?}", started.elapsed());
                report(username, ScanStatus::Error, Some(msg), 0, 0)
            }
            _ => {
                let home = format!("/Users/{username}");
                let r = send(&[req("/api/2.0/workspace/list", &[("path", &home)])]);
                match &r[0] {
                    Ok(resp) if resp.status == 200 => {
                        let body = String::from_utf8_lossy(&resp.body);
                        let files = body.matches("\"path\"").count() as u64;
                        let status = if files > 0 {
                            ScanStatus::Success
                        } else {
                            ScanStatus::Empty
                        };
                        report(username, status, None, files, 1)
                    }
                    Ok(resp) => report(username, ScanStatus::Error, Some(format!("HTTP {}", resp.status)), 0, 1),
                    Err(e) => report(username, ScanStatus::Error, Some(format!("{e:?}")), 0, 1),
                }
            }
        }
    }

    fn list_users(_start_index: u32, _count: u32) -> Result<UserPage, Failure> {
        Ok(UserPage {
            users: Vec::<User>::new(),
            total_results: Some(0),
            next_start_index: None,
        })
    }

    fn whoami() -> Result<String, Failure> {
        Ok("evil@example.com".into())
    }

    fn list_homes(_which: Tree) -> Result<Vec<String>, Failure> {
        Ok(vec![])
    }

    fn list_service_principals(_start_index: u32, _count: u32) -> Result<ServicePrincipalPage, Failure> {
        Ok(ServicePrincipalPage {
            service_principals: Vec::new(),
            total_results: Some(0),
            next_start_index: None,
        })
    }

    fn me() -> Result<Caller, Failure> {
        Ok(Caller {
            user_name: "evil@example.com".into(),
            display_name: None,
            groups: vec![],
            is_admin: None,
        })
    }
}

export!(Evil);
