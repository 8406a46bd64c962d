//! Workspace host normalisation, as the Databricks SDKs do it.
//!
//! `https://` is added when no scheme is given; only scheme, host and port are kept (a path,
//! query or fragment pasted from the browser is dropped, like the Go SDK); `:443` disappears
//! for https; `http://` is kept for local servers (the simulator, proxies).

use url::Url;

/// Normalises a host value; the error is a reason fit for a message (it never echoes
/// user-info, which could hold a password).
pub fn normalize_host(raw: &str) -> Result<Url, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("the host is empty".into());
    }
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let parsed = Url::parse(&with_scheme).map_err(|e| format!("'{raw}' is not a valid URL ({e})"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("the host contains a user name or password (user@host); give the credentials separately".into());
    }
    match parsed.scheme() {
        "https" | "http" => {}
        other => {
            return Err(format!(
                "'{raw}' uses the scheme {other}://; only https:// (or http:// for a local server) is supported"
            ))
        }
    }
    let Some(host) = parsed.host_str().filter(|h| !h.is_empty()) else {
        return Err(format!("'{raw}' has no host name"));
    };
    let mut out = format!("{}://{}", parsed.scheme(), host);
    // `Url::port()` is already `None` for the scheme's default port (443 for https, 80 for http).
    if let Some(port) = parsed.port() {
        out.push_str(&format!(":{port}"));
    }
    let url = Url::parse(&out).map_err(|e| format!("'{raw}' is not a valid URL ({e})"))?;
    if url.scheme() == "http" && !is_local(&url) {
        tracing::warn!(host = %url, "plain http:// to a non-local host: credentials would travel unencrypted");
    }
    Ok(url)
}

/// The host as users write it: no trailing `/`.
pub fn host_display(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

fn is_local(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_private(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        host_display(&normalize_host(s).unwrap())
    }

    #[test]
    fn https_is_added_when_no_scheme_is_given() {
        assert_eq!(
            norm("dbc-1234.cloud.databricks.com"),
            "https://dbc-1234.cloud.databricks.com"
        );
    }

    #[test]
    fn trailing_slash_path_query_and_fragment_are_dropped() {
        assert_eq!(
            norm("https://dbc-1234.cloud.databricks.com/"),
            "https://dbc-1234.cloud.databricks.com"
        );
        assert_eq!(
            norm("https://adb-1.2.azuredatabricks.net/?o=1#folder/2"),
            "https://adb-1.2.azuredatabricks.net"
        );
        assert_eq!(norm("https://h.example.com/browse/folders/12"), "https://h.example.com");
    }

    #[test]
    fn port_443_is_dropped_other_ports_kept() {
        assert_eq!(norm("https://h.example.com:443/"), "https://h.example.com");
        assert_eq!(norm("h.example.com:443"), "https://h.example.com");
        assert_eq!(norm("https://h.example.com:8443"), "https://h.example.com:8443");
    }

    #[test]
    fn http_is_kept_for_local_servers() {
        assert_eq!(norm("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
        assert_eq!(norm("http://localhost:3000"), "http://localhost:3000");
    }

    #[test]
    fn host_case_and_whitespace_are_normalised() {
        assert_eq!(
            norm("  HTTPS://DBC-1.Cloud.Databricks.com/ "),
            "https://dbc-1.cloud.databricks.com"
        );
    }

    #[test]
    fn the_url_joins_api_paths_at_the_root() {
        let u = normalize_host("h.example.com").unwrap();
        assert_eq!(
            u.join("api/2.0/dbfs/list").unwrap().as_str(),
            "https://h.example.com/api/2.0/dbfs/list"
        );
    }

    #[test]
    fn bad_hosts_are_rejected_with_a_reason() {
        assert!(normalize_host("").is_err());
        assert!(normalize_host("ftp://h.example.com").unwrap_err().contains("ftp://"));
        assert!(normalize_host("https://").is_err());
        let e = normalize_host("https://user:hunter2@h.example.com").unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
    }
}
