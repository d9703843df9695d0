//! Whether a [`super::FileTokenStore`] lock is still the lock: the OS lock is on an open
//! file, so a lock file removed or replaced at its path (by a cleanup job, an operator, a
//! second store on a copy of the folder) leaves the holder locking a file nobody else
//! opens, and the next holder takes a lock of its own on the new one. Checked before a
//! refresh token read under the lock is spent.

use std::fs::File;
use std::path::Path;

use crate::error::StoreError;

/// `Ok` when `locked` (the open, locked lock file) is the file at `path` now;
/// [`StoreError::lock_lost`] when the path holds another file or none.
pub(super) fn still_at(locked: &File, path: &Path) -> Result<(), StoreError> {
    let lost = |what: &str| {
        StoreError::lock_lost(format!(
            "the lock file {} {what} since the lock was taken",
            path.display()
        ))
    };
    let at_path = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(lost("was removed"));
        }
        Err(error) => {
            return Err(StoreError::new(
                format!("checking the lock file {}", path.display()),
                Some(Box::new(error)),
            ));
        }
    };
    let ours = locked.metadata().map_err(|error| {
        StoreError::new(
            format!("checking the lock file {}", path.display()),
            Some(Box::new(error)),
        )
    })?;
    if same_file(&ours, &at_path) {
        Ok(())
    } else {
        Err(lost("was replaced by another file"))
    }
}

#[cfg(unix)]
fn same_file(one: &std::fs::Metadata, other: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    one.dev() == other.dev() && one.ino() == other.ino()
}

/// Without inode numbers: the kind and size (the lock file stays empty) and the creation
/// time where the platform keeps one.
#[cfg(not(unix))]
fn same_file(one: &std::fs::Metadata, other: &std::fs::Metadata) -> bool {
    one.file_type() == other.file_type()
        && one.len() == other.len()
        && one.created().ok() == other.created().ok()
}
