//! `--user-token`: a non-admin user's token sees only its own Workspace home; SCIM `Me` says who
//! is an admin (the `admins` group).

use dbx_sim::SimConfig;
use serde_json::Value;

use crate::util::{client, config, get_with, start};

fn restricted() -> SimConfig {
    SimConfig {
        user_tokens: vec![("dapi-dee".into(), "d@x.com".into())],
        ..config()
    }
}

fn group_names(me: &Value) -> Vec<String> {
    me["groups"]
        .as_array()
        .map(|g| {
            g.iter()
                .filter_map(|g| g["display"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn me_says_who_is_an_admin() {
    let sim = start(restricted()).await;
    let c = client();
    let admin = get_with(&c, &sim, "/api/2.0/preview/scim/v2/Me", Some("dapi-sim"))
        .await
        .unwrap();
    assert_eq!(admin.json()["userName"], "a@x.com");
    assert_eq!(group_names(&admin.json()), ["admins"]);
    let dee = get_with(&c, &sim, "/api/2.0/preview/scim/v2/Me", Some("dapi-dee"))
        .await
        .unwrap();
    assert_eq!(dee.status, 200);
    assert_eq!(dee.json()["userName"], "d@x.com");
    assert!(dee.json().get("groups").is_none(), "{}", dee.text);
    sim.shutdown().await;
}

#[tokio::test]
async fn another_users_home_answers_404_like_a_missing_path() {
    let sim = start(restricted()).await;
    let c = client();
    let ls = |path: &str, token: &'static str| {
        let (c, sim, path) = (c.clone(), &sim, path.to_string());
        async move {
            get_with(&c, sim, &format!("/api/2.0/workspace/list?path={path}"), Some(token))
                .await
                .unwrap()
        }
    };
    let hidden = ls("/Users/a@x.com", "dapi-dee").await;
    let missing = ls("/Users/nobody@x.com", "dapi-dee").await;
    assert_eq!((hidden.status, missing.status), (404, 404));
    assert_eq!(hidden.json()["error_code"], missing.json()["error_code"]);
    assert_eq!(hidden.json()["message"], "Path (/Users/a@x.com) doesn't exist.");
    assert_eq!(ls("/Users/a@x.com/d", "dapi-dee").await.status, 404);
    assert_eq!(ls("/Users/a@x.com/d", "dapi-sim").await.status, 200);
    // /Users lists only the caller's own home (d@x.com has none here: an empty listing).
    assert_eq!(ls("/Users", "dapi-dee").await.text, "{}");
    let all = ls("/Users", "dapi-sim").await.json();
    assert!(all["objects"].as_array().unwrap().len() >= 2);
    // DBFS and the SCIM user list answer as for an admin.
    let dbfs = get_with(&c, &sim, "/api/2.0/dbfs/list?path=/Users/a@x.com", Some("dapi-dee"))
        .await
        .unwrap();
    assert_eq!(dbfs.status, 200);
    let users = get_with(&c, &sim, "/api/2.0/preview/scim/v2/Users", Some("dapi-dee"))
        .await
        .unwrap();
    assert_eq!(users.json()["totalResults"], 5);
    let status = get_with(
        &c,
        &sim,
        "/api/2.0/workspace/get-status?path=/Users/a@x.com/nb",
        Some("dapi-dee"),
    )
    .await
    .unwrap();
    assert_eq!(status.status, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn own_home_is_listed_under_users() {
    let sim = start(SimConfig {
        user_tokens: vec![("dapi-a".into(), "A@X.com".into())],
        tokens: vec!["dapi-admin".into()],
        ..config()
    })
    .await;
    let c = client();
    let r = get_with(&c, &sim, "/api/2.0/workspace/list?path=/Users", Some("dapi-a"))
        .await
        .unwrap();
    let paths: Vec<String> = r.json()["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(paths, ["/Users/a@x.com"]);
    let own = get_with(
        &c,
        &sim,
        "/api/2.0/workspace/list?path=/Users/a@x.com/d",
        Some("dapi-a"),
    )
    .await
    .unwrap();
    assert_eq!(own.status, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_user_token_for_no_fixture_user_is_refused_at_start() {
    let err = dbx_sim::start(SimConfig {
        user_tokens: vec![("dapi-x".into(), "ghost@x.com".into())],
        ..config()
    })
    .await
    .err()
    .expect("refused");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("--user-token dapi****") && msg.contains("ghost@x.com"),
        "{msg}"
    );
}

/// Git folders under `/Repos/<user>` for two users and a name-prefix sibling, and UI uploads.
fn repos_fixture() -> SimConfig {
    let fixture = dbx_sim::Fixture::from_json(
        r#"{"users": [{"userName": "a@x.com"}, {"userName": "d@x.com"}],
            "workspace": [
              {"path": "/Repos/a@x.com/analytics", "object_type": "REPO"},
              {"path": "/Repos/a@x.com/analytics/nb", "object_type": "NOTEBOOK", "language": "PYTHON"},
              {"path": "/Repos/d@x.com/infra", "object_type": "REPO"},
              {"path": "/Repos/d@x.com/infra/README.md", "object_type": "FILE", "size": 10},
              {"path": "/Repos/d@x.com.old/x", "object_type": "FILE", "size": 1},
              {"path": "/Shared/s", "object_type": "FILE", "size": 2}],
            "dbfs": [{"path": "/FileStore/shared_uploads/a@x.com/sales.csv", "is_dir": false, "file_size": 5}]}"#,
    )
    .unwrap();
    SimConfig {
        fixture,
        limits: None,
        user_tokens: vec![("dapi-dee".into(), "d@x.com".into())],
        ..Default::default()
    }
}

#[tokio::test]
async fn another_users_repos_folder_is_hidden_like_their_home() {
    let sim = start(repos_fixture()).await;
    let c = client();
    let call = |url: String, token: &'static str| {
        let (c, sim) = (c.clone(), &sim);
        async move { get_with(&c, sim, &url, Some(token)).await.unwrap() }
    };
    let list = |path: &str, token: &'static str| call(format!("/api/2.0/workspace/list?path={path}"), token);
    let paths = |v: Value| -> Vec<String> {
        v["objects"]
            .as_array()
            .map(|a| a.iter().map(|o| o["path"].as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    // The admin sees every folder of /Repos; the user only its own.
    assert_eq!(
        paths(list("/Repos", "dapi-sim").await.json()),
        ["/Repos/a@x.com", "/Repos/d@x.com", "/Repos/d@x.com.old"]
    );
    assert_eq!(paths(list("/Repos", "dapi-dee").await.json()), ["/Repos/d@x.com"]);
    assert_eq!(list("/Repos/d@x.com/infra", "dapi-dee").await.status, 200);
    // Another user's folder, anything in it, and a name-prefix sibling: 404 like a missing path.
    for path in ["/Repos/a@x.com", "/Repos/a@x.com/analytics", "/Repos/d@x.com.old"] {
        let r = list(path, "dapi-dee").await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.json()["message"], format!("Path ({path}) doesn't exist."));
        let s = call(format!("/api/2.0/workspace/get-status?path={path}"), "dapi-dee").await;
        assert_eq!(s.status, 404, "{path}");
    }
    let export = call(
        "/api/2.0/workspace/export?path=/Repos/a@x.com/analytics/nb&format=SOURCE".into(),
        "dapi-dee",
    )
    .await;
    assert_eq!(export.status, 404);
    assert_eq!(list("/Repos/a@x.com/analytics", "dapi-sim").await.status, 200);
    assert_eq!(list("/Shared", "dapi-dee").await.status, 200);
    // DBFS has no per-user ACLs: another user's UI uploads are readable.
    let up = call(
        "/api/2.0/dbfs/list?path=/FileStore/shared_uploads/a@x.com".into(),
        "dapi-dee",
    )
    .await;
    assert_eq!(up.status, 200);
    assert_eq!(
        up.json()["files"][0]["path"],
        "/FileStore/shared_uploads/a@x.com/sales.csv"
    );
    sim.shutdown().await;
}
