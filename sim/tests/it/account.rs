//! An account: the Accounts API and several workspaces on one port, routed by `Host`.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use dbx_sim::{generate, AccountConfig, AccountWorkspace, Fault, RunningAccount, SimConfig};
use serde_json::Value;

use crate::util::fixture;

const ACCOUNT: &str = "acc-123";

fn account_config() -> AccountConfig {
    AccountConfig {
        account_id: ACCOUNT.into(),
        client: ("cid".into(), "secret".into()),
        workspaces: vec![
            AccountWorkspace {
                workspace_name: "Team A".into(),
                ..AccountWorkspace::new(1001, "ws-a", fixture())
            },
            AccountWorkspace::new(1002, "ws-b", generate(20, 3)),
            AccountWorkspace {
                workspace_status: "PROVISIONING".into(),
                client_assigned: false,
                ..AccountWorkspace::new(1003, "ws-c", generate(5, 1))
            },
        ],
        base: SimConfig {
            limits: None,
            ..Default::default()
        },
    }
}

async fn start() -> RunningAccount {
    dbx_sim::start_account(account_config()).await.expect("account starts")
}

/// A client resolving every `*.localhost` the tests use to the account's port.
fn client(acc: &RunningAccount) -> reqwest::Client {
    let mut b = reqwest::Client::builder().timeout(std::time::Duration::from_secs(30));
    for host in ["accounts", "ws-a", "ws-b", "ws-c", "nowhere"] {
        b = b.resolve(&format!("{host}.localhost"), acc.addr());
    }
    b.build().unwrap()
}

async fn send(rb: reqwest::RequestBuilder) -> (u16, Value) {
    let r = rb.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}")),
    )
}

async fn token_at(c: &reqwest::Client, url: String, id: &str, secret: &str) -> (u16, Value) {
    send(
        c.post(url)
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials"), ("scope", "all-apis")]),
    )
    .await
}

async fn account_token(acc: &RunningAccount, c: &reqwest::Client) -> String {
    let (status, v) = token_at(
        c,
        format!("{}/oidc/accounts/{ACCOUNT}/v1/token", acc.url()),
        "cid",
        "secret",
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["token_type"].as_str(), v["scope"].as_str()),
        (Some("Bearer"), Some("all-apis"))
    );
    assert!(v["expires_in"].as_u64().unwrap() > 0);
    v["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn each_host_serves_its_own_workspace_and_stats() {
    let acc = start().await;
    let c = client(&acc);
    assert_eq!(acc.url(), format!("http://accounts.localhost:{}", acc.port()));
    assert_eq!(
        acc.workspace_url("ws-a"),
        format!("http://ws-a.localhost:{}", acc.port())
    );
    let users = |ws: &str| {
        c.get(format!(
            "{}/api/2.0/preview/scim/v2/Users?count=100",
            acc.workspace_url(ws)
        ))
        .bearer_auth("dapi-sim")
    };
    let (status, a) = send(users("ws-a")).await;
    assert_eq!((status, a["totalResults"].as_u64()), (200, Some(5)));
    assert_eq!(a["Resources"][0]["userName"], "a@x.com");
    let (status, b) = send(users("ws-b")).await;
    assert_eq!((status, b["totalResults"].as_u64()), (200, Some(20)));
    // A non-RUNNING workspace is served too (a scanner skips it itself).
    assert_eq!(send(users("ws-c")).await.1["totalResults"].as_u64(), Some(5));
    send(users("ws-b")).await;
    assert_eq!(acc.stats("ws-a").by_endpoint["scim/Users"][&200], 1);
    assert_eq!(acc.stats("ws-b").by_endpoint["scim/Users"][&200], 2);
    // The control routes of a workspace host act on that workspace alone.
    let (_, s) = send(c.get(format!("{}/__sim/stats", acc.workspace_url("ws-b")))).await;
    assert_eq!(s["total_requests"], 2);
    let fault: Fault = serde_json::from_str(r#"{"api": "workspace", "path": "/Users", "status": 503}"#).unwrap();
    acc.add_faults("ws-a", [fault]);
    let list = |ws: &str| {
        c.get(format!("{}/api/2.0/workspace/list?path=/Users", acc.workspace_url(ws)))
            .bearer_auth("dapi-sim")
    };
    assert_eq!(send(list("ws-a")).await.0, 503);
    assert_eq!(send(list("ws-b")).await.0, 200);
    // The accounts host shows every workspace's statistics; resetting there resets all.
    let (_, all) = send(c.get(format!("{}/__sim/stats", acc.url()))).await;
    assert_eq!(all["workspaces"]["ws-b"]["total_requests"], 3);
    assert_eq!(all["workspaces"]["ws-a"]["by_endpoint"]["workspace/list"]["503"], 1);
    assert_eq!(all["account"], serde_json::json!({}));
    acc.reset_stats();
    assert_eq!(acc.stats("ws-b").total_requests, 0);
    acc.shutdown().await;
}

#[tokio::test]
async fn the_host_header_picks_the_workspace_and_unknown_hosts_get_404() {
    let acc = start().await;
    let c = client(&acc);
    // An explicit Host header, any case, with or without the port.
    let base = format!("http://{}", acc.addr());
    for host in ["WS-B.localhost", &format!("ws-b.localhost:{}", acc.port())] {
        let (status, v) = send(
            c.get(format!("{base}/api/2.0/preview/scim/v2/Users"))
                .header("host", host)
                .bearer_auth("dapi-sim"),
        )
        .await;
        assert_eq!((status, v["totalResults"].as_u64()), (200, Some(20)), "{host}");
    }
    for url in [
        format!("http://nowhere.localhost:{}/api/2.0/workspace/list?path=/", acc.port()),
        format!("{base}/api/2.0/workspace/list?path=/"),
    ] {
        let (status, v) = send(c.get(&url).bearer_auth("dapi-sim")).await;
        assert_eq!((status, v["error_code"].as_str()), (404, Some("NOT_FOUND")), "{url}");
        let m = v["message"].as_str().unwrap();
        assert!(m.starts_with("dbx-sim account: no workspace at host '"), "{m}");
        assert!(
            m.ends_with("served: accounts.localhost, ws-a.localhost, ws-b.localhost, ws-c.localhost"),
            "{m}"
        );
    }
    let (_, v) = send(c.get(format!("http://nowhere.localhost:{}/", acc.port()))).await;
    assert!(v["message"].as_str().unwrap().contains("host 'nowhere.localhost'"));
    // Each workspace has its configured id.
    let (_, v) = send(c.get(format!("{}/.well-known/databricks-config", acc.workspace_url("ws-a")))).await;
    assert_eq!(v["workspace_id"], "1001");
    assert_eq!(v["oidc_endpoint"], format!("{}/oidc", acc.workspace_url("ws-a")));
    acc.shutdown().await;
}

#[tokio::test]
async fn an_account_token_lists_the_workspaces() {
    let acc = start().await;
    let c = client(&acc);
    let token = account_token(&acc, &c).await;
    let (status, v) = send(
        c.get(format!("{}/api/2.0/accounts/{ACCOUNT}/workspaces", acc.url()))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 200);
    let all = v.as_array().unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0]["workspace_id"], 1001);
    assert_eq!(all[0]["workspace_name"], "Team A");
    assert_eq!(all[0]["deployment_name"], "ws-a");
    assert_eq!(all[0]["workspace_status"], "RUNNING");
    assert_eq!(all[0]["workspace_status_message"], "Workspace is running.");
    assert_eq!(all[0]["account_id"], ACCOUNT);
    assert_eq!(all[0]["aws_region"], "us-west-2");
    assert_eq!(all[0]["pricing_tier"], "PREMIUM");
    assert!(all[0]["creation_time"].as_u64().unwrap() > 1_600_000_000_000);
    assert_eq!(all[1]["workspace_name"], "ws-b");
    assert_eq!(all[2]["workspace_status"], "PROVISIONING");
    assert_eq!(all[2]["workspace_status_message"], "Workspace is being provisioned.");

    let one = |id: &str| {
        c.get(format!("{}/api/2.0/accounts/{ACCOUNT}/workspaces/{id}", acc.url()))
            .bearer_auth(&token)
    };
    let (status, v) = send(one("1002")).await;
    assert_eq!((status, v["deployment_name"].as_str()), (200, Some("ws-b")));
    let (status, v) = send(one("9999")).await;
    assert_eq!(
        (status, v["error_code"].as_str()),
        (404, Some("RESOURCE_DOES_NOT_EXIST"))
    );

    // No token, an unknown one, or a workspace PAT: 401. Another account: 403.
    let list = format!("{}/api/2.0/accounts/{ACCOUNT}/workspaces", acc.url());
    let (status, v) = send(c.get(&list)).await;
    assert_eq!((status, v["error_code"].as_str()), (401, Some("UNAUTHENTICATED")));
    for t in ["nope", "dapi-sim"] {
        assert_eq!(send(c.get(&list).bearer_auth(t)).await.0, 401, "{t}");
    }
    let (status, v) = send(
        c.get(format!("{}/api/2.0/accounts/other-acc/workspaces", acc.url()))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!((status, v["error_code"].as_str()), (403, Some("PERMISSION_DENIED")));
    // 1 token + 1 listing + 2 gets + 3 refused + 1 forbidden.
    assert_eq!(acc.account_requests(), 8);
    let stats = acc.account_stats();
    assert_eq!(stats["account"]["workspaces/list"]["200"], 1);
    assert_eq!(stats["account"]["workspaces/list"]["401"], 3);
    assert_eq!(stats["account"]["workspaces/get"]["404"], 1);
    assert_eq!(stats["account"]["oauth/token"]["200"], 1);
    assert_eq!(acc.account_token_requests().len(), 1);
    acc.shutdown().await;
}

#[tokio::test]
async fn account_and_workspace_tokens_do_not_cross() {
    let acc = start().await;
    let c = client(&acc);
    let account = account_token(&acc, &c).await;
    let scim = |ws: &str| format!("{}/api/2.0/preview/scim/v2/Me", acc.workspace_url(ws));
    let (status, v) = send(c.get(scim("ws-a")).bearer_auth(&account)).await;
    assert_eq!((status, v["error_code"].as_str()), (401, Some("UNAUTHENTICATED")));

    let (status, v) = token_at(
        &c,
        format!("{}/oidc/v1/token", acc.workspace_url("ws-a")),
        "cid",
        "secret",
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let ws_token = v["access_token"].as_str().unwrap().to_string();
    assert_eq!(send(c.get(scim("ws-a")).bearer_auth(&ws_token)).await.0, 200);
    // A workspace's token is that workspace's only.
    assert_eq!(send(c.get(scim("ws-b")).bearer_auth(&ws_token)).await.0, 401);
    let (status, _) = send(
        c.get(format!("{}/api/2.0/accounts/{ACCOUNT}/workspaces", acc.url()))
            .bearer_auth(&ws_token),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(acc.token_requests("ws-a").len(), 1);
    assert!(acc.token_requests("ws-b").is_empty());
    acc.shutdown().await;
}

#[tokio::test]
async fn an_unassigned_workspace_refuses_the_client() {
    let acc = start().await;
    let c = client(&acc);
    let url = |ws: &str| format!("{}/oidc/v1/token", acc.workspace_url(ws));
    let (status, v) = token_at(&c, url("ws-c"), "cid", "secret").await;
    assert_eq!(status, 401);
    assert_eq!(
        v,
        serde_json::json!({"error": "invalid_client", "error_description": "Client authentication failed."})
    );
    assert_eq!(token_at(&c, url("ws-a"), "cid", "secret").await.0, 200);
    assert_eq!(token_at(&c, url("ws-b"), "cid", "wrong").await.0, 401);
    // The account endpoint refuses a wrong secret the same way, and an unknown account with 400.
    let (status, v) = token_at(
        &c,
        format!("{}/oidc/accounts/{ACCOUNT}/v1/token", acc.url()),
        "cid",
        "wrong",
    )
    .await;
    assert_eq!((status, v["error"].as_str()), (401, Some("invalid_client")));
    let (status, v) = token_at(
        &c,
        format!("{}/oidc/accounts/nope/v1/token", acc.url()),
        "cid",
        "secret",
    )
    .await;
    assert_eq!((status, v["error"].as_str()), (400, Some("invalid_request")));
    // Form credentials work too.
    let (status, _) = send(
        c.post(format!("{}/oidc/accounts/{ACCOUNT}/v1/token", acc.url()))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "cid"),
                ("client_secret", "secret"),
            ]),
    )
    .await;
    assert_eq!(status, 200);
    acc.shutdown().await;
}

#[tokio::test]
async fn discovery_urls_use_the_host_the_client_used() {
    let acc = start().await;
    let c = client(&acc);
    let (status, v) = send(c.get(format!(
        "{}/oidc/accounts/{ACCOUNT}/.well-known/oauth-authorization-server",
        acc.url()
    )))
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        v["token_endpoint"],
        format!("{}/oidc/accounts/{ACCOUNT}/v1/token", acc.url())
    );
    let (_, v) = send(c.get(format!(
        "{}/oidc/.well-known/oauth-authorization-server",
        acc.workspace_url("ws-a")
    )))
    .await;
    assert_eq!(
        v["token_endpoint"],
        format!("{}/oidc/v1/token", acc.workspace_url("ws-a"))
    );
    acc.shutdown().await;
}

#[tokio::test]
async fn the_binary_serves_an_account_file() {
    let dir = std::env::temp_dir().join(format!("dbx-sim-account-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.json"), crate::util::FIXTURE).unwrap();
    let file = dir.join("account.json");
    std::fs::write(
        &file,
        r#"{"account_id": "acc-123", "client": "ID:SECRET",
            "workspaces": [
              {"workspace_id": 1001, "deployment_name": "ws-a", "workspace_name": "Team A",
               "workspace_status": "RUNNING", "fixture": "a.json", "client_assigned": true},
              {"workspace_id": 1003, "deployment_name": "ws-c", "workspace_status": "PROVISIONING",
               "generate": "users=5,seed=1", "client_assigned": false}]}"#,
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbx-sim"))
        .args(["serve", "--no-limits", "--account"])
        .arg(&file)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let port: u16 = first
        .strip_prefix("listening on http://accounts.localhost:")
        .unwrap_or_else(|| panic!("{first}"))
        .parse()
        .unwrap();
    assert_eq!(
        lines.next().unwrap().unwrap(),
        format!("workspace ws-a (1001, RUNNING) at http://ws-a.localhost:{port}")
    );
    assert_eq!(
        lines.next().unwrap().unwrap(),
        format!("workspace ws-c (1003, PROVISIONING) at http://ws-c.localhost:{port}")
    );
    let r = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/2.0/preview/scim/v2/Users"))
        .header("host", "ws-a.localhost")
        .bearer_auth("dapi-sim")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["totalResults"], 5);
    child.kill().unwrap();
    child.wait().unwrap();

    // A bad file: exit 1, the file and the key named, the secret never shown.
    std::fs::write(
        &file,
        r#"{"account_id": "acc-123", "client": "ID:SECRET", "workspaces": [
              {"workspace_id": 1, "deployment_name": "WS_A", "generate": "users=1"}]}"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_dbx-sim"))
        .args(["serve", "--account"])
        .arg(&file)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("account.json") && err.contains("\"WS_A\" is not a DNS label"),
        "{err}"
    );
    assert!(!err.contains("SECRET"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
