//! Outputs appear whole or not at all: written to a temporary sibling, renamed on commit.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// A file written to a temporary sibling and renamed into place on `commit`, so readers
/// never see a half-written file and a failed run leaves no partial output behind.
pub struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    dest: PathBuf,
}

impl AtomicFile {
    /// Creates the temporary file next to `dest` (fails early if the directory is unwritable).
    pub fn create(dest: &Path) -> anyhow::Result<Self> {
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if dest.is_dir() {
            anyhow::bail!("output {} is a directory", dest.display());
        }
        if let Some(e) = crate::error::missing_directory("", dest) {
            return Err(e.into());
        }
        let mut builder = tempfile::Builder::new();
        // The mode a plain file gets (0666 less the umask), as the journal has; a temporary
        // file's own 0600 would leave outputs readable by their owner only.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let tmp = builder
            .prefix(&format!(
                ".{}.",
                dest.file_name().and_then(|n| n.to_str()).unwrap_or("out")
            ))
            .suffix(".tmp")
            .tempfile_in(&dir)
            .with_context(|| {
                format!(
                    "cannot write output {} (directory {} not writable?)",
                    dest.display(),
                    dir.display()
                )
            })?;
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    /// The same file, to be committed under `dest` instead (a sibling in the same directory).
    pub fn redirect(mut self, dest: &Path) -> Self {
        self.dest = dest.to_path_buf();
        self
    }

    /// The open file.
    pub fn file(&mut self) -> &mut std::fs::File {
        self.tmp.as_file_mut()
    }

    /// Flushes, syncs and renames into place.
    pub fn commit(mut self) -> anyhow::Result<()> {
        self.tmp.as_file_mut().flush()?;
        self.tmp.as_file().sync_all()?;
        self.tmp
            .persist(&self.dest)
            .map_err(|e| anyhow::anyhow!("cannot write output {}: {}", self.dest.display(), e.error))?;
        Ok(())
    }
}

/// `results.partial.csv` for `results.csv` (`report.partial` for `report`): where a run that did
/// not finish writes its outputs when the final names hold a finished run's.
pub fn partial_path(dest: &Path) -> PathBuf {
    let stem = dest
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match dest.extension() {
        Some(ext) => format!("{stem}.partial.{}", ext.to_string_lossy()),
        None => format!("{stem}.partial"),
    };
    dest.with_file_name(name)
}
