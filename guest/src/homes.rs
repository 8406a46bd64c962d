//! `list-homes`: the directory names directly under `/Users` in one tree.

use crate::errors::{describe_http_error, describe_status, is_not_found};
use crate::listing::Kind;
use crate::transport::{send_one, Transport};
use crate::types::{Api, Failure, Tree};
use crate::{dbfs, workspace};

/// Names of the directories under the location's root (`/Users`, `/FileStore/shared_uploads`,
/// `/Repos`; Workspace `DIRECTORY`, DBFS `is_dir`), in the server's order. A root missing (404)
/// gives an empty list. Entries without a path, or whose path is not `<root>/<name>`, are left
/// out.
pub fn list_homes<T: Transport + ?Sized>(t: &mut T, tree: Tree) -> Result<Vec<String>, Failure> {
    let root = tree.root();
    let what = format!("{} {root}", tree.name());
    let resp = match send_one(t, tree.list_request(root)) {
        Err(e) => {
            return Err(Failure {
                status: None,
                message: format!("{what}: {}", describe_http_error(&e)),
            })
        }
        Ok(r) => r,
    };
    if is_not_found(&resp) {
        return Ok(Vec::new());
    }
    if !(200..300).contains(&resp.status) {
        return Err(Failure {
            status: Some(resp.status),
            message: format!("{what}: {}", describe_status(&resp)),
        });
    }
    let entries = match tree.api() {
        Api::Dbfs => dbfs::parse(&resp.body),
        Api::Workspace => workspace::parse(&resp.body),
    }
    .map_err(|e| Failure {
        status: Some(resp.status),
        message: format!("{what}: {}", e.describe(&resp)),
    })?;
    Ok(entries
        .into_iter()
        .filter(|e| matches!(e.kind, Kind::Dir { repo: false }))
        .filter_map(|e| {
            let p = e.path?;
            let name = p.trim_end_matches('/').strip_prefix(root)?.strip_prefix('/')?;
            (!name.is_empty() && !name.contains('/')).then(|| name.to_string())
        })
        .collect())
}
