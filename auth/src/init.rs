//! `dbx-inventory init`: a commented profile template for `~/.databrickscfg`, and writing it
//! without ever clobbering what is there.
//!
//! * no file → created (mode 0600) with a short header and the profile;
//! * file without that profile → the profile is appended (nothing else changes);
//! * profile already there → `ProfileExists`, unless `force`: then that profile's lines are
//!   replaced in place and the previous file is kept as `<file>.bak` (mode 0600).
//!
//! Writes go to a temporary file in the same directory, then a rename; a symlinked config
//! file is written through (its target is updated, the link stays).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::config_file::{ConfigFile, SETTINGS};
use crate::error::AuthError;
use crate::host_url::{host_display, normalize_host};

/// What [`write_init`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitOutcome {
    /// The file did not exist and was created.
    Created,
    /// The profile was added at the end of an existing file.
    Appended,
    /// The existing profile was replaced (`force`); the old file was saved as `backup`.
    Replaced {
        /// The copy of the previous file.
        backup: PathBuf,
    },
}

const FILE_HEADER: &str = "\
# Databricks configuration profiles, read by dbx-inventory, the Databricks CLI and SDKs.
# Created by `dbx-inventory init`. It holds credentials: keep it private (chmod 600).
# Choose a profile with --profile NAME or DATABRICKS_CONFIG_PROFILE; without one, [DEFAULT] is used.

";

/// The commented template of one profile. `host` is written (normalised) when given; the
/// credential lines are commented out, to be filled in.
pub fn init_template(profile_name: &str, host: Option<&str>) -> String {
    let host_line = match host.map(|h| {
        normalize_host(h)
            .map(|u| host_display(&u))
            .unwrap_or_else(|_| h.trim().to_string())
    }) {
        Some(h) => format!("host = {h}\n"),
        None => "# host = https://dbc-1234abcd-5678.cloud.databricks.com\n".to_string(),
    };
    format!(
        "[{profile_name}]\n\
         # Workspace URL (https:// is added when missing).\n\
         {host_line}\
         # Either a personal access token (User Settings > Developer > Access tokens):\n\
         # token = dapi0123456789abcdef0123456789abcdef\n\
         # or a service principal (OAuth M2M): its application id and an OAuth secret.\n\
         # client_id = 00000000-0000-0000-0000-000000000000\n\
         # client_secret = dose0123456789abcdef\n\
         # Only when both a token and client_id/client_secret are set: pat or oauth-m2m.\n\
         # auth_type = pat\n\
         # Optional: cap on requests per second for every API family.\n\
         # rate_limit = 20\n"
    )
}

/// Checks a profile name `init` may write (not empty, no brackets or line breaks, not
/// `__settings__`); [`write_init`] applies it too.
pub fn check_profile_name(name: &str) -> Result<(), AuthError> {
    let bad = |reason: &str| {
        Err(AuthError::InvalidProfileName {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    if name.trim().is_empty() {
        return bad("it is empty");
    }
    if name.trim() != name {
        return bad("it starts or ends with spaces");
    }
    if name.contains(['[', ']', '\n', '\r']) {
        return bad("it contains [, ] or a line break");
    }
    if name == SETTINGS {
        return bad("[__settings__] holds settings, not a profile");
    }
    Ok(())
}

/// Writes the profile template to `path` (see the module docs for the rules).
pub fn write_init(path: &Path, profile_name: &str, host: Option<&str>, force: bool) -> Result<InitOutcome, AuthError> {
    check_profile_name(profile_name)?;
    if let Some(h) = host {
        normalize_host(h).map_err(|reason| AuthError::InvalidHost {
            origin: "init --host".into(),
            reason,
        })?;
    }
    let block = init_template(profile_name, host);
    let existing = match std::fs::read_to_string(path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(AuthError::ConfigFileUnreadable {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })
        }
    };
    let Some(text) = existing else {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io_err("create the directory of", path, e))?;
        }
        write_atomically(path, &format!("{FILE_HEADER}{block}"), None)?;
        return Ok(InitOutcome::Created);
    };
    // Never modify a file we cannot parse: we could not tell what we would overwrite.
    let file = ConfigFile::parse(path, &text)?;
    let target = std::fs::canonicalize(path).map_err(|e| io_err("resolve", path, e))?;
    let mode = file_mode(&target);
    let existing_profile = file.sections.iter().find(|s| s.name == profile_name);
    match existing_profile {
        None => {
            let mut out = text.clone();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push('\n');
            }
            out.push_str(&block);
            write_atomically(&target, &out, mode)?;
            Ok(InitOutcome::Appended)
        }
        Some(_) if !force => Err(AuthError::ProfileExists {
            profile: profile_name.to_string(),
            path: path.to_path_buf(),
        }),
        Some(section) => {
            let headers: Vec<usize> = section.spans.iter().map(|s| s.0).collect();
            let out = replace_section(&text, &headers, &block);
            let backup = PathBuf::from(format!("{}.bak", target.display()));
            write_atomically(&backup, &text, Some(0o600))?;
            write_atomically(&target, &out, mode)?;
            Ok(InitOutcome::Replaced { backup })
        }
    }
}

/// Replaces the section starting at each of `headers` (0-based line numbers) with `block` (at the
/// first one). A section runs to the next header, minus trailing blank lines and minus a comment
/// block that belongs to the next section (separated from ours by a blank line).
fn replace_section(text: &str, headers: &[usize], block: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let is_header = |l: &str| {
        let t = l.trim();
        t.starts_with('[') && t.ends_with(']')
    };
    let is_blank = |l: &str| l.trim().is_empty();
    let is_comment = |l: &str| {
        let t = l.trim();
        t.starts_with('#') || t.starts_with(';')
    };
    let mut ranges = Vec::new();
    for &start in headers {
        let end = (start + 1..lines.len())
            .find(|&i| is_header(lines[i]))
            .unwrap_or(lines.len());
        let mut e = end;
        if end < lines.len() {
            let mut k = e;
            while k > start + 1 && is_comment(lines[k - 1]) {
                k -= 1;
            }
            if k > start + 1 && k < e && is_blank(lines[k - 1]) {
                e = k;
            }
        }
        while e > start + 1 && is_blank(lines[e - 1]) {
            e -= 1;
        }
        ranges.push((start, e));
    }
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some(&(s, e)) = ranges.iter().find(|(s, _)| *s == i) {
            if s == ranges[0].0 {
                out.push_str(block);
            }
            i = e;
            continue;
        }
        out.push_str(lines[i]);
        out.push('\n');
        i += 1;
    }
    out
}

fn io_err(action: &str, path: &Path, e: std::io::Error) -> AuthError {
    AuthError::Io {
        action: action.to_string(),
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

#[cfg(unix)]
fn file_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn file_mode(_: &Path) -> Option<u32> {
    None
}

/// Writes `content` to a temporary sibling (mode `mode`, default 0600), then renames it over `path`.
fn write_atomically(path: &Path, content: &str, mode: Option<u32>) -> Result<(), AuthError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "databrickscfg".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(mode.unwrap_or(0o600));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let _ = std::fs::remove_file(&tmp);
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(content.as_bytes())?;
        f.sync_all()?;
        #[cfg(unix)]
        {
            // `mode` above is filtered by the umask; set it exactly.
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode.unwrap_or(0o600)))?;
        }
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io_err("write", path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config_file::ConfigFile;

    fn profiles(path: &Path) -> Vec<String> {
        ConfigFile::load(path).unwrap().unwrap().profile_names()
    }

    #[test]
    fn template_is_inert_until_filled_in() {
        let t = init_template("PROD", Some("dbc-1.cloud.databricks.com/"));
        let f = ConfigFile::parse(Path::new("/t"), &t).unwrap();
        let p = f.profile("PROD").unwrap();
        assert_eq!(p.entries.len(), 1, "only host is set: {t}");
        assert_eq!(p.entries["host"], "https://dbc-1.cloud.databricks.com");
        let t = init_template("DEFAULT", None);
        let f = ConfigFile::parse(Path::new("/t"), &t).unwrap();
        assert!(f.profile("DEFAULT").is_none(), "no keys at all");
        assert!(t.contains("# token =") && t.contains("# client_id =") && t.contains("# client_secret ="));
    }

    #[test]
    fn creates_a_missing_file_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/.databrickscfg");
        assert_eq!(
            write_init(&path, "DEFAULT", Some("h.example.com"), false).unwrap(),
            InitOutcome::Created
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# Databricks configuration profiles"));
        assert!(text.contains("[DEFAULT]\n"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn appends_a_new_profile_and_keeps_everything_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg");
        let original = "# mine\n[DEFAULT]\nhost = a\ntoken = keep-me";
        std::fs::write(&path, original).unwrap();
        assert_eq!(
            write_init(&path, "NEW", Some("b.example.com"), false).unwrap(),
            InitOutcome::Appended
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(&format!("{original}\n\n[NEW]\n")), "{text}");
        assert_eq!(profiles(&path), ["DEFAULT", "NEW"]);
    }

    #[test]
    fn refuses_to_replace_an_existing_profile_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg");
        std::fs::write(&path, "[PROD]\nhost = a\ntoken = keep-me\n").unwrap();
        let e = write_init(&path, "PROD", None, false).unwrap_err();
        assert!(matches!(e, AuthError::ProfileExists { .. }));
        let msg = e.to_string();
        assert!(msg.contains("PROD") && msg.contains("--force"), "{msg}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[PROD]\nhost = a\ntoken = keep-me\n"
        );
    }

    #[test]
    fn force_replaces_only_that_profile_and_keeps_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg");
        let original = "[A]\nhost = a\ntoken = ta\n\n# about PROD\n[PROD]\nhost = old\ntoken = old-token\n\n# about C\n[C]\nhost = c\n";
        std::fs::write(&path, original).unwrap();
        let out = write_init(&path, "PROD", Some("new.example.com"), true).unwrap();
        let InitOutcome::Replaced { backup } = out else {
            panic!("{out:?}")
        };
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), original);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("old-token"), "{text}");
        assert!(
            text.contains("# about PROD\n[PROD]\n") && text.contains("\n\n# about C\n[C]\nhost = c\n"),
            "{text}"
        );
        let f = ConfigFile::load(&path).unwrap().unwrap();
        assert_eq!(f.profile_names(), ["A", "PROD", "C"]);
        assert_eq!(f.profile("PROD").unwrap().entries["host"], "https://new.example.com");
        assert_eq!(f.profile("A").unwrap().entries["token"], "ta");
        // Replacing again does not pile up template comments.
        write_init(&path, "PROD", Some("new.example.com"), true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }

    #[test]
    fn refuses_to_touch_a_file_it_cannot_parse() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg");
        std::fs::write(&path, "garbage\n").unwrap();
        assert!(matches!(
            write_init(&path, "X", None, true),
            Err(AuthError::ConfigFileSyntax { .. })
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "garbage\n");
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symlink_and_keeps_the_mode() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.cfg");
        std::fs::write(&real, "[A]\nhost = a\n").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join(".databrickscfg");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_init(&link, "B", None, false).unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert!(std::fs::read_to_string(&real).unwrap().contains("[B]"));
        assert_eq!(std::fs::metadata(&real).unwrap().permissions().mode() & 0o777, 0o640);
    }

    #[test]
    fn bad_names_and_hosts_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg");
        for name in ["", " A", "a]b", "__settings__"] {
            assert!(
                matches!(
                    write_init(&path, name, None, false),
                    Err(AuthError::InvalidProfileName { .. })
                ),
                "{name}"
            );
        }
        assert!(matches!(
            write_init(&path, "A", Some("ftp://x"), false),
            Err(AuthError::InvalidHost { .. })
        ));
        assert!(!path.exists());
    }
}
