//! The token file's bytes: read whole (bounded, trusted only when its owner and mode are),
//! and replaced atomically (a private temporary file, flushed, renamed, the directory
//! flushed).

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::trust;
use crate::error::StoreError;

pub(super) fn io_error(what: String, error: std::io::Error) -> StoreError {
    StoreError::new(what, Some(Box::new(error)))
}

/// The largest token file read. An account's entry takes under 4 KiB, so this holds
/// thousands of accounts; a larger file (or a device such as `/dev/zero` at its path) is
/// refused rather than read until memory runs out.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The file's entries; none when there is no file.
pub(super) fn read<T: DeserializeOwned + Default>(path: &Path) -> Result<T, StoreError> {
    let reading = |error| io_error(format!("reading {}", path.display()), error);
    let file = match trust::open_options().read(true).open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(T::default()),
        Err(error) => return Err(reading(error)),
    };
    trust::check_file(path, &file.metadata().map_err(reading)?)?;
    trust::check_dir(trust::dir_of(path))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(reading)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(StoreError::new(
            format!(
                "{} is larger than {} MiB, not a token file; it is left as it is",
                path.display(),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
            None,
        ));
    }
    // The error says where and what kind, never a value of the file (a token).
    serde_json::from_slice(&bytes).map_err(|error| {
        StoreError::new(
            format!(
                "{} is not a token file ({:?} error at line {}, column {}); it is left as it is",
                path.display(),
                error.classify(),
                error.line(),
                error.column()
            ),
            None,
        )
    })
}

/// Replaces the file with `entries`: a temporary file in the same directory, flushed,
/// renamed over the file, and the directory flushed.
pub(super) fn write<T: Serialize>(path: &Path, entries: &T) -> Result<(), StoreError> {
    let dir = trust::dir_of(path).to_path_buf();
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let json = serde_json::to_vec_pretty(entries)
        .map_err(|error| StoreError::new("encoding the token file", Some(Box::new(error))))?;
    let written = (|| {
        // A temporary file left by a crash (or anything planted at this guessable name,
        // a symlink included) is removed, and the new one created only if none is there.
        // (What cannot be removed makes the creation fail.)
        let _ = std::fs::remove_file(&temp);
        let mut file = create_private(&temp)?;
        file.write_all(&json)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)?;
        sync_dir(&dir)
    })();
    written.map_err(|error| {
        let _ = std::fs::remove_file(&temp);
        io_error(format!("writing {}", path.display()), error)
    })
}

/// A new file readable by its owner only (mode 0600 on Unix); an error if anything is at
/// `path` already (a symlink is not followed).
pub(super) fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Flushes a directory's entries (the rename) to disk; Unix only.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
