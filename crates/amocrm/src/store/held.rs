//! Whether a [`FileTokenStore`](super::FileTokenStore) lock is still the lock: the OS lock is on an open
//! file, so a lock file removed or replaced at its path (by a cleanup job, an operator, a
//! second store on a copy of the folder) leaves the holder locking a file nobody else
//! opens, and the next holder takes a lock of its own on the new one. Checked before a
//! refresh token read under the lock is spent. And the wait for the lock, bounded.

use std::fs::{File, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

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

/// How long a [`FileTokenStore`](super::FileTokenStore) waits for a lock another holder keeps (a process
/// that hangs holding it, say) before it fails with [`StoreError::timed_out`]; an
/// [`OAuth`](crate::OAuth) refresh gives up sooner at its own deadline.
pub const FILE_LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// The first and the longest pause between two tries of a held lock.
const FIRST_PAUSE: Duration = Duration::from_millis(2);
const MAX_PAUSE: Duration = Duration::from_millis(50);

/// Takes `file`'s exclusive OS lock, waiting at most `timeout` for another holder (tries
/// with short, growing pauses: a blocking `flock` could not be given up).
pub(super) fn lock_within(file: &File, path: &Path, timeout: Duration) -> Result<(), StoreError> {
    let until = Instant::now() + timeout;
    let mut pause = FIRST_PAUSE;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) if Instant::now() + pause < until => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(MAX_PAUSE);
            }
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::timed_out(format!(
                    "the lock {} was not free within {timeout:?}",
                    path.display()
                )));
            }
            Err(TryLockError::Error(error)) => {
                return Err(StoreError::new(
                    format!("locking {}", path.display()),
                    Some(Box::new(error)),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_wait_ends_at_its_timeout_and_a_freed_lock_is_taken() {
        let path = std::env::temp_dir().join(format!(
            "amocrm-held-{}-{:?}.lock",
            std::process::id(),
            std::thread::current().id()
        ));
        let holder = File::create(&path).unwrap();
        holder.lock().unwrap();
        let waiter = File::options().write(true).open(&path).unwrap();
        let started = Instant::now();
        let error = lock_within(&waiter, &path, Duration::from_millis(150)).unwrap_err();
        assert!(error.is_timed_out(), "{error}");
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(100) && waited < Duration::from_secs(2));
        still_at(&holder, &path).expect("the file at the path");
        holder.unlock().unwrap();
        lock_within(&waiter, &path, Duration::from_millis(150)).expect("free now");
        std::fs::remove_file(&path).unwrap();
        assert!(still_at(&waiter, &path).unwrap_err().is_lock_lost());
    }
}
