//! Paths as people write them in flags and config files.

use std::path::{Path, PathBuf};

/// `~/x` in the home folder; a relative path in `folder`.
pub fn resolve(path: &Path, folder: &Path) -> PathBuf {
    if let Ok(rest) = path.strip_prefix("~") {
        let home = std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" });
        if let Some(home) = home {
            return PathBuf::from(home).join(rest);
        }
    }
    if path.is_absolute() {
        path.to_owned()
    } else {
        folder.join(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_against_the_config_folder() {
        let folder = Path::new("/etc/amocrm");
        assert_eq!(
            resolve(Path::new("a.token"), folder),
            Path::new("/etc/amocrm/a.token")
        );
        assert_eq!(
            resolve(Path::new("/run/a.token"), folder),
            Path::new("/run/a.token")
        );
    }
}
