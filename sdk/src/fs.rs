//! File helpers shared by the SDK and the CLI.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Why [`write_atomically`] failed: the step, the file it was working on and the OS error.
#[derive(Debug, thiserror::Error)]
#[error("cannot {step} {}: {source}", path.display())]
pub struct AtomicWriteError {
    /// What was being done: `create`, `write`, `sync` or `replace`.
    pub step: &'static str,
    /// The file concerned (the temporary file, or the target for `replace`).
    pub path: PathBuf,
    /// The operating system's error.
    #[source]
    pub source: std::io::Error,
}

/// Writes `bytes` to `path` so that a reader (or a crash) sees either the old file or the
/// complete new one, never a part: the bytes go to a new temporary file in the same
/// directory (`.<name>.tmp-<pid>-<n>`), which is fsynced and then renamed over `path`; the
/// directory is fsynced too where the platform allows it. On error the temporary file is
/// removed and `path` is untouched.
///
/// # Errors
///
/// [`AtomicWriteError`] when the temporary file cannot be created, written or synced, or
/// cannot be renamed into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), AtomicWriteError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or(path.as_os_str()));
    name.push(format!(".tmp-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)));
    let tmp = dir.join(name);
    let fail = |step, path: &Path, source| AtomicWriteError { step, path: path.into(), source };
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| fail("create", &tmp, e))?;
        file.write_all(bytes).map_err(|e| fail("write", &tmp, e))?;
        file.sync_all().map_err(|e| fail("sync", &tmp, e))?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(|e| fail("replace", path, e))
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return written;
    }
    if let Ok(handle) = File::open(dir) {
        // Persist the rename itself; not every platform can fsync a directory.
        let _ = handle.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        write_atomically(&path, b"first").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        write_atomically(&path, b"second, longer").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second, longer");
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["state.json"]);
    }

    #[test]
    fn a_failed_write_leaves_the_target_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // The target is a non-empty directory: the rename fails.
        let path = dir.path().join("busy");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), b"x").unwrap();
        let err = write_atomically(&path, b"data").unwrap_err();
        assert_eq!(err.step, "replace");
        assert!(err.to_string().starts_with("cannot replace "), "{err}");
        let names: Vec<_> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["busy"]);
        // A missing directory fails at create.
        let err = write_atomically(&dir.path().join("no/such/file"), b"data").unwrap_err();
        assert_eq!(err.step, "create");
    }
}
