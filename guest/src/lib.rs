//! The dbx-inventory scanner component. This file only adapts the WIT bindings to the plain
//! Rust types of the logic modules (see README.md for what lives where).

pub mod dbfs;
pub mod errors;
pub mod homes;
pub mod lenient;
pub mod listing;
pub mod scim;
pub mod transport;
pub mod types;
pub mod username;
pub mod walk;
pub mod workspace;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;

/// The WIT glue. Only built for wasm: a native cdylib cannot carry the component's export names,
/// and the logic modules above are tested natively through a fake transport.
#[cfg(target_arch = "wasm32")]
mod component {
    use super::{homes, scim, transport, types, walk};

    wit_bindgen::generate!({ path: "../wit", world: "inventory" });

    use dbx::inventory::http as wit_http;
    use exports::dbx::inventory::scanner as wit;

    /// The exported scanner.
    pub struct Scanner;

    /// The imported `http::send`, seen through the [`transport::Transport`] trait.
    struct HostTransport;

    impl transport::Transport for HostTransport {
        fn send(&mut self, requests: &[types::Request]) -> Vec<transport::Answer> {
            let reqs: Vec<wit_http::Request> = requests
                .iter()
                .map(|r| wit_http::Request {
                    path: r.path.clone(),
                    query: r.query.clone(),
                })
                .collect();
            wit_http::send(&reqs)
                .into_iter()
                .map(|a| match a {
                    Ok(r) => Ok(types::Response {
                        status: r.status,
                        body: r.body,
                    }),
                    Err(e) => Err(match e {
                        wit_http::HttpError::Denied(s) => types::HttpError::Denied(s),
                        wit_http::HttpError::Timeout => types::HttpError::Timeout,
                        wit_http::HttpError::Transport(s) => types::HttpError::Transport(s),
                        wit_http::HttpError::TooLarge(n) => types::HttpError::TooLarge(n),
                        wit_http::HttpError::Cancelled(s) => types::HttpError::Cancelled(s),
                    }),
                })
                .collect()
        }
    }

    fn stats(s: types::TreeStats) -> wit::TreeStats {
        wit::TreeStats {
            home_exists: s.home_exists,
            files: s.files,
            bytes: s.bytes,
            directories: s.directories,
            unsized_objects: s.unsized_objects,
            notebooks: s.notebooks,
            repos: s.repos,
            vanished_dirs: s.vanished_dirs,
            max_depth: s.max_depth,
            requests: s.requests,
        }
    }

    fn failure(f: types::Failure) -> wit::Failure {
        wit::Failure {
            status: f.status,
            message: f.message,
        }
    }

    impl wit::Guest for Scanner {
        fn scan_user(username: String, options: wit::ScanOptions) -> wit::UserReport {
            let opts = types::ScanOptions {
                dbfs: options.dbfs,
                workspace: options.workspace,
                batch_size: options.batch_size,
            };
            let r = walk::scan_user(&mut HostTransport, &username, opts);
            wit::UserReport {
                username: r.username,
                dbfs: r.dbfs.map(stats),
                workspace: r.workspace.map(stats),
                status: match r.status {
                    types::ScanStatus::Success => wit::ScanStatus::Success,
                    types::ScanStatus::Empty => wit::ScanStatus::Empty,
                    types::ScanStatus::Error => wit::ScanStatus::Error,
                },
                error: r.error,
                requests: r.requests,
            }
        }

        fn list_users(start_index: u32, count: u32) -> Result<wit::UserPage, wit::Failure> {
            scim::list_users(&mut HostTransport, start_index, count)
                .map(|p| wit::UserPage {
                    users: p
                        .users
                        .into_iter()
                        .map(|u| wit::User {
                            user_name: u.user_name,
                            display_name: u.display_name,
                            active: u.active,
                            id: u.id,
                        })
                        .collect(),
                    total_results: p.total_results,
                    next_start_index: p.next_start_index,
                })
                .map_err(failure)
        }

        fn whoami() -> Result<String, wit::Failure> {
            scim::whoami(&mut HostTransport).map_err(failure)
        }

        fn list_homes(which: wit::Tree) -> Result<Vec<String>, wit::Failure> {
            let tree = match which {
                wit::Tree::Dbfs => types::Tree::Dbfs,
                wit::Tree::Workspace => types::Tree::Workspace,
            };
            homes::list_homes(&mut HostTransport, tree).map_err(failure)
        }
    }

    export!(Scanner);
}
