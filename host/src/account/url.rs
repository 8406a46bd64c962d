//! A workspace's URL from the account console's host and the workspace's `deployment_name`, as
//! Databricks builds it: `https://<deployment_name><dns zone>`, the zone being the cloud's
//! (the SDKs' `DatabricksEnvironment.deployment_url`, docs/account.md):
//!
//! | account console | workspaces |
//! |---|---|
//! | `accounts.cloud.databricks.com` (AWS) | `<deployment_name>.cloud.databricks.com` |
//! | `accounts-dod.cloud.databricks.us`, `accounts.cloud.databricks.us` (AWS GovCloud) | `<deployment_name>.cloud.databricks.us` |
//! | `accounts.azuredatabricks.net` (Azure) | `<deployment_name>.azuredatabricks.net` (`adb-<id>.<n>`) |
//! | `accounts.azuredatabricks.us` (Azure Government) | `<deployment_name>.databricks.azure.us` |
//! | `accounts.azuredatabricks.cn` (Azure China) | `<deployment_name>.databricks.azure.cn` |
//! | `accounts.gcp.databricks.com` (GCP) | `<deployment_name>.gcp.databricks.com` |
//!
//! Any other `accounts.<zone>` (the simulator's `accounts.localhost`) gives `<deployment_name>.<zone>`;
//! the scheme and port are the account host's.

use url::Url;

/// Account consoles whose workspaces live in another zone than `accounts.`'s suffix.
const OTHER_ZONE: &[(&str, &str)] = &[
    ("accounts.azuredatabricks.us", "databricks.azure.us"),
    ("accounts.azuredatabricks.cn", "databricks.azure.cn"),
];

/// True when `host` is an account console: its first label is `accounts` or `accounts-dod`.
pub fn is_account_host(host: &Url) -> bool {
    let name = host.host_str().unwrap_or_default().to_ascii_lowercase();
    matches!(name.split('.').next(), Some("accounts" | "accounts-dod")) && name.contains('.')
}

/// The workspace at `deployment_name` of the account console `account`.
pub fn workspace_url(account: &Url, deployment_name: &str) -> Result<Url, String> {
    check_deployment_name(deployment_name)?;
    let name = account.host_str().unwrap_or_default().to_ascii_lowercase();
    let zone = match OTHER_ZONE.iter().find(|(a, _)| *a == name) {
        Some((_, zone)) => zone.to_string(),
        None => match name.split_once('.') {
            Some((_, zone)) if !zone.is_empty() => zone.to_string(),
            _ => return Err(format!("{name} is not an account console (accounts.<domain>)")),
        },
    };
    let mut url = account.clone();
    url.set_host(Some(&format!("{deployment_name}.{zone}")))
        .map_err(|e| format!("deployment_name '{deployment_name}': {e}"))?;
    url.set_path("/");
    url.set_query(None);
    Ok(url)
}

/// A `deployment_name` is DNS labels (`ws-a`, Azure's `adb-123.4`): lowercase letters, digits,
/// `-` and dots between labels. It also names the workspace's files, so nothing else passes.
pub fn check_deployment_name(name: &str) -> Result<(), String> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if name.is_empty() || name.len() > 200 || !name.split('.').all(label_ok) {
        return Err(format!(
            "deployment_name {name:?} is not a DNS name (lowercase letters, digits, '-' and '.')"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn each_cloud_builds_its_workspaces_urls() {
        let cases = [
            (
                "https://accounts.cloud.databricks.com",
                "acme-prod",
                "https://acme-prod.cloud.databricks.com/",
            ),
            (
                "https://accounts.gcp.databricks.com",
                "1234.5",
                "https://1234.5.gcp.databricks.com/",
            ),
            (
                "https://accounts.azuredatabricks.net",
                "adb-123.4",
                "https://adb-123.4.azuredatabricks.net/",
            ),
            (
                "https://accounts-dod.cloud.databricks.us",
                "gov",
                "https://gov.cloud.databricks.us/",
            ),
            (
                "https://accounts.azuredatabricks.us",
                "adb-9.1",
                "https://adb-9.1.databricks.azure.us/",
            ),
            ("http://accounts.localhost:8123", "ws-a", "http://ws-a.localhost:8123/"),
        ];
        for (account, name, want) in cases {
            assert_eq!(workspace_url(&url(account), name).unwrap().as_str(), want, "{account}");
        }
    }

    #[test]
    fn account_hosts_are_told_from_workspaces() {
        assert!(is_account_host(&url("https://accounts.cloud.databricks.com")));
        assert!(is_account_host(&url("http://accounts.localhost:1")));
        assert!(!is_account_host(&url("https://acme.cloud.databricks.com")));
        assert!(!is_account_host(&url("https://accounts")));
    }

    #[test]
    fn hostile_deployment_names_are_refused() {
        for bad in ["", "../x", "a/b", "A", "x..y", "-x", "a b", "ws.localhost:1", "a\u{0}"] {
            let e = workspace_url(&url("https://accounts.cloud.databricks.com"), bad).unwrap_err();
            assert!(e.contains("deployment_name"), "{bad}: {e}");
        }
    }
}
