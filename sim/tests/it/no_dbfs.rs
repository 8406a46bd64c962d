//! `--no-dbfs` (`SimConfig::dbfs_disabled`): every DBFS request answers the error of a workspace
//! whose DBFS root is disabled; the Workspace API answers as usual; statistics count them.

use dbx_sim::SimConfig;

use crate::util::{config, get};

#[tokio::test]
async fn every_dbfs_request_answers_dbfs_disabled() {
    let sim = crate::util::start(SimConfig {
        dbfs_disabled: true,
        ..config()
    })
    .await;
    for (url, path) in [
        ("/api/2.0/dbfs/list?path=/Users/a@x.com", "/Users/a@x.com"),
        (
            "/api/2.0/dbfs/list?path=dbfs:/FileStore/shared_uploads",
            "/FileStore/shared_uploads",
        ),
        ("/api/2.0/dbfs/list?path=/", "/"),
        ("/api/2.0/dbfs/list?path=/no/such/dir", "/no/such/dir"),
        (
            "/api/2.0/dbfs/get-status?path=/Users/a@x.com/x.bin",
            "/Users/a@x.com/x.bin",
        ),
        ("/api/2.0/dbfs/get-status?path=dbfs:/", "/"),
    ] {
        let r = get(&sim, url).await;
        assert_eq!(r.status, 403, "{url}: {}", r.text);
        assert_eq!(
            r.json(),
            serde_json::json!({
                "error_code": "PERMISSION_DENIED",
                "message": format!("Public DBFS root is disabled. Access is denied on path: {path}"),
            }),
            "{url}"
        );
    }
    // The Workspace side is untouched.
    assert_eq!(
        get(&sim, "/api/2.0/workspace/list?path=/Users/a@x.com").await.status,
        200
    );
    let stats = sim.stats();
    assert_eq!(stats.by_endpoint["dbfs/list"][&403], 4);
    assert_eq!(stats.by_endpoint["dbfs/get-status"][&403], 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn dbfs_answers_as_usual_by_default() {
    let sim = crate::util::start(config()).await;
    assert_eq!(get(&sim, "/api/2.0/dbfs/list?path=/Users/a@x.com").await.status, 200);
    sim.shutdown().await;
}
