//! Which endpoint a request is for, decided once from its method and URL path.
//!
//! The endpoint names the statistics bucket (`workspace/list`, `scim/Users`, …), the rate-limit
//! family, the API name fault rules use, and whether a token is required.

use dbx_api::Family;

/// The endpoints the simulator knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// `GET /api/2.0/workspace/list`.
    WorkspaceList,
    /// `GET /api/2.0/workspace/get-status`.
    WorkspaceGetStatus,
    /// `GET /api/2.0/workspace/export`.
    WorkspaceExport,
    /// `GET /api/2.0/dbfs/list`.
    DbfsList,
    /// `GET /api/2.0/dbfs/get-status`.
    DbfsGetStatus,
    /// `GET|HEAD /api/2.0/fs/directories/…`.
    FsDirectories,
    /// `GET|HEAD /api/2.0/fs/files/…`.
    FsFiles,
    /// `GET /api/2.0/preview/scim/v2/Users[/{id}]`.
    ScimUsers,
    /// `GET /api/2.0/preview/scim/v2/Me`.
    ScimMe,
    /// `GET /api/2.0/preview/scim/v2/ServicePrincipals[/{id}]`.
    ScimServicePrincipals,
    /// `POST /oidc/v1/token`.
    OauthToken,
    /// `GET /.well-known/databricks-config`.
    HostMetadata,
    /// `GET /oidc/.well-known/oauth-authorization-server`.
    OidcDiscovery,
    /// `/__sim/*`: the simulator's own control endpoints (not counted, never limited).
    Control,
    /// Anything else (answered 501).
    Unknown,
}

impl Endpoint {
    /// Classifies a URL path (the method does not matter: unknown methods get 405 from the router).
    pub fn classify(path: &str) -> Endpoint {
        if let Some(rest) = path.strip_prefix("/api/2.0/") {
            return match rest {
                "workspace/list" => Endpoint::WorkspaceList,
                "workspace/get-status" => Endpoint::WorkspaceGetStatus,
                "workspace/export" => Endpoint::WorkspaceExport,
                "dbfs/list" => Endpoint::DbfsList,
                "dbfs/get-status" => Endpoint::DbfsGetStatus,
                "preview/scim/v2/Me" => Endpoint::ScimMe,
                "preview/scim/v2/Users" => Endpoint::ScimUsers,
                r if r.starts_with("preview/scim/v2/Users/") => Endpoint::ScimUsers,
                "preview/scim/v2/ServicePrincipals" => Endpoint::ScimServicePrincipals,
                r if r.starts_with("preview/scim/v2/ServicePrincipals/") => Endpoint::ScimServicePrincipals,
                r if r.starts_with("fs/directories/") || r == "fs/directories" => Endpoint::FsDirectories,
                r if r.starts_with("fs/files/") => Endpoint::FsFiles,
                _ => Endpoint::Unknown,
            };
        }
        if path.starts_with("/__sim/") {
            return Endpoint::Control;
        }
        if path == "/.well-known/databricks-config" {
            return Endpoint::HostMetadata;
        }
        match oidc_tail(path) {
            Some("v1/token") => Endpoint::OauthToken,
            Some(".well-known/oauth-authorization-server") => Endpoint::OidcDiscovery,
            _ => Endpoint::Unknown,
        }
    }

    /// True for the token and discovery endpoints (the `oauth` fault rules).
    pub fn is_oauth(self) -> bool {
        matches!(
            self,
            Endpoint::OauthToken | Endpoint::HostMetadata | Endpoint::OidcDiscovery
        )
    }

    /// The statistics key.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::WorkspaceList => "workspace/list",
            Endpoint::WorkspaceGetStatus => "workspace/get-status",
            Endpoint::WorkspaceExport => "workspace/export",
            Endpoint::DbfsList => "dbfs/list",
            Endpoint::DbfsGetStatus => "dbfs/get-status",
            Endpoint::FsDirectories => "fs/directories",
            Endpoint::FsFiles => "fs/files",
            Endpoint::ScimUsers => "scim/Users",
            Endpoint::ScimMe => "scim/Me",
            Endpoint::ScimServicePrincipals => "scim/ServicePrincipals",
            Endpoint::OauthToken => "oauth/token",
            Endpoint::HostMetadata => "well-known/databricks-config",
            Endpoint::OidcDiscovery => "oidc/discovery",
            Endpoint::Control => "__sim",
            Endpoint::Unknown => "unknown",
        }
    }

    /// The rate-limit family, if the endpoint has one.
    pub fn family(self) -> Option<Family> {
        match self {
            Endpoint::WorkspaceList | Endpoint::WorkspaceGetStatus => Some(Family::Workspace),
            Endpoint::WorkspaceExport => Some(Family::Export),
            Endpoint::DbfsList | Endpoint::DbfsGetStatus => Some(Family::Dbfs),
            Endpoint::ScimUsers | Endpoint::ScimMe | Endpoint::ScimServicePrincipals => Some(Family::Scim),
            _ => None,
        }
    }

    /// The API name used by fault rules, for endpoints that serve content.
    pub fn api(self) -> Option<&'static str> {
        match self {
            Endpoint::WorkspaceList | Endpoint::WorkspaceGetStatus | Endpoint::WorkspaceExport => Some("workspace"),
            Endpoint::DbfsList | Endpoint::DbfsGetStatus => Some("dbfs"),
            Endpoint::FsDirectories | Endpoint::FsFiles => Some("volumes"),
            Endpoint::ScimUsers | Endpoint::ScimMe | Endpoint::ScimServicePrincipals => Some("scim"),
            _ => None,
        }
    }

    /// True for the REST API proper: needs a token, counts against the concurrency cap.
    pub fn is_api(self) -> bool {
        self.api().is_some()
    }
}

/// What follows the OIDC root of a path: `/oidc/…`, or `/<one segment>/oidc/…` (a moved root,
/// which a `databricks-config` fault body can name).
pub fn oidc_tail(path: &str) -> Option<&str> {
    if let Some(tail) = path.strip_prefix("/oidc/") {
        return Some(tail);
    }
    let (segment, rest) = path.strip_prefix('/')?.split_once('/')?;
    if segment.is_empty() {
        return None;
    }
    rest.strip_prefix("oidc/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_known_paths() {
        assert_eq!(Endpoint::classify("/api/2.0/workspace/list"), Endpoint::WorkspaceList);
        assert_eq!(
            Endpoint::classify("/api/2.0/fs/directories/Volumes/a"),
            Endpoint::FsDirectories
        );
        assert_eq!(
            Endpoint::classify("/api/2.0/preview/scim/v2/Users/123"),
            Endpoint::ScimUsers
        );
        let sp = Endpoint::classify("/api/2.0/preview/scim/v2/ServicePrincipals");
        assert_eq!(sp, Endpoint::ScimServicePrincipals);
        assert_eq!(
            (sp.name(), sp.api(), sp.family()),
            ("scim/ServicePrincipals", Some("scim"), Some(Family::Scim))
        );
        assert_eq!(
            Endpoint::classify("/api/2.0/preview/scim/v2/ServicePrincipals/7"),
            Endpoint::ScimServicePrincipals
        );
        assert_eq!(Endpoint::classify("/api/2.0/clusters/list"), Endpoint::Unknown);
        assert_eq!(Endpoint::classify("/__sim/stats"), Endpoint::Control);
        assert_eq!(Endpoint::WorkspaceExport.family(), Some(Family::Export));
        assert_eq!(Endpoint::WorkspaceExport.api(), Some("workspace"));
        assert_eq!(Endpoint::FsFiles.family(), None);
    }

    #[test]
    fn a_moved_oidc_root_is_one_segment_deep() {
        assert_eq!(Endpoint::classify("/oidc/v1/token"), Endpoint::OauthToken);
        assert_eq!(Endpoint::classify("/elsewhere/oidc/v1/token"), Endpoint::OauthToken);
        assert_eq!(
            Endpoint::classify("/elsewhere/oidc/.well-known/oauth-authorization-server"),
            Endpoint::OidcDiscovery
        );
        assert_eq!(Endpoint::classify("/a/b/oidc/v1/token"), Endpoint::Unknown);
        assert_eq!(Endpoint::classify("//oidc/v1/token"), Endpoint::Unknown);
        assert!(Endpoint::HostMetadata.is_oauth() && !Endpoint::ScimMe.is_oauth());
    }
}
