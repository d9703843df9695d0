//! Whether the file token store may trust what it finds: a token file is used only when no
//! other user could have put a pair there (as ssh treats its keys). A planted pair would
//! make the integration work in the planter's account; so the file must be this user's
//! (or root's) and writable by no one else, and its directory must not let others replace
//! it. The directories the store creates are its owner's only, whatever the umask.

use std::fs::{Metadata, OpenOptions};
use std::path::{Path, PathBuf};

use crate::error::StoreError;

/// Refuses what is not a regular file (a device, a FIFO: not a token file), and on Unix a
/// token file owned by another user than this process's (root aside), or writable by its
/// group or others. `meta` is the opened file's own (no race with a rename between the
/// check and the read).
pub(super) fn check_file(path: &Path, meta: &Metadata) -> Result<(), StoreError> {
    if !meta.is_file() {
        return Err(StoreError::new(
            format!(
                "reading {}: not a regular file, so not a token file; it is left as it is",
                path.display()
            ),
            None,
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        owned_by_us(path, meta.uid(), "token file")?;
        let mode = meta.mode() & 0o7777;
        if mode & 0o022 != 0 {
            return Err(StoreError::untrusted(format!(
                "the token file {} is writable by other users (mode {mode:04o}), so its pairs \
                 could be anyone's; it is not used: `chmod 600` it if its content is yours",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Refuses the directory of a token file when others could replace the file in it: owned
/// by another user (root aside), or writable by others without the sticky bit (as `/tmp`
/// has, which keeps each user's files their own). A directory of a group is left to its
/// group.
pub(super) fn check_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let meta = match std::fs::metadata(dir) {
            Ok(meta) => meta,
            // Reading or writing the file will say why.
            Err(_) => return Ok(()),
        };
        owned_by_us(dir, meta.uid(), "directory of the token file")?;
        let mode = meta.mode() & 0o7777;
        if mode & 0o002 != 0 && mode & 0o1000 == 0 {
            return Err(StoreError::untrusted(format!(
                "the directory {} of the token file is writable by every user without the \
                 sticky bit (mode {mode:04o}): anyone could replace the file; it is not used",
                dir.display()
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The user this process acts as: the owner of the files it creates.
#[cfg(unix)]
pub(super) fn this_user() -> u32 {
    rustix::process::geteuid().as_raw()
}

#[cfg(unix)]
pub(super) fn owned_by_us(path: &Path, uid: u32, what: &str) -> Result<(), StoreError> {
    let us = this_user();
    if uid == us || uid == 0 {
        return Ok(());
    }
    Err(StoreError::untrusted(format!(
        "the {what} {} is owned by another user (uid {uid}; this process runs as uid {us}), \
         who could have put any pair there or hold its lock for ever; it is not used: \
         `chown` it to uid {us}, or keep the token file in a directory of your own",
        path.display()
    )))
}

/// Creates `dir` and its missing parents for this user only (mode 0700 on Unix, whatever
/// the umask), then checks it.
pub(super) fn create_dirs(dir: &Path) -> Result<(), StoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|error| {
        StoreError::new(format!("creating {}", dir.display()), Some(Box::new(error)))
    })?;
    check_dir(dir)
}

/// The directory of `path` (`.` for a bare file name).
pub(super) fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// The file a symlink at `path` points to (through a chain of them), else `path`: every
/// name of one token file then locks one lock file, and a save replaces the file, not the
/// symlink. A link of another user (root aside) is refused, not followed: in a directory
/// others can write, it would choose where this user's pairs are written. (The store
/// resolves links itself, so the kernel's `fs.protected_symlinks` never gets a say.)
pub(super) fn resolved(path: &Path) -> Result<PathBuf, StoreError> {
    let mut path = path.to_path_buf();
    // The limit of Linux's own resolution; a longer chain (or a loop) is left as it is.
    for _ in 0..40 {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            break;
        };
        if !meta.file_type().is_symlink() {
            break;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            let (uid, us) = (meta.uid(), this_user());
            if uid != us && uid != 0 {
                return Err(StoreError::untrusted(format!(
                    "the token file {} is a symlink of another user (uid {uid}; this process \
                     runs as uid {us}), who chose where it points; it is not followed",
                    path.display()
                )));
            }
        }
        match std::fs::read_link(&path) {
            // Relative to the link's directory (an absolute target replaces it).
            Ok(target) => path = path.parent().unwrap_or(Path::new("")).join(target),
            Err(_) => break,
        }
    }
    Ok(path)
}

/// Options that open the last component of a path only if it is not a symlink
/// (`O_NOFOLLOW` on Unix): the token file once resolved, and the lock file, are opened as
/// they are, never through a link planted meanwhile. And without waiting (`O_NONBLOCK`,
/// which regular files ignore): a FIFO at the path would block the open until a writer
/// came, for ever; opened at once, it is found not to be a regular file.
pub(super) fn open_options() -> OpenOptions {
    #[allow(unused_mut)]
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32,
    );
    options
}
