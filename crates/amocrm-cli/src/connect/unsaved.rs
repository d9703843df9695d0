//! A pair the token store would not take. amoCRM spent the old refresh token when it gave
//! the new pair, so that pair is the account's only live chain; the library keeps it in
//! memory and saves it again in the background, but a CLI run always ends. Before it does,
//! a pair still unsaved is tried once more and else written to a private file in the
//! user's state folder, in the token endpoint's JSON shape that `auth import` takes back,
//! and the failure says where.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use secrecy::ExposeSecret;

use crate::failure::Failure;
use crate::sdk::{OAuth, TokenPair};

/// The `OAuth` of each account this run used, with its store as shown.
static HELD: Mutex<Vec<(OAuth, String)>> = Mutex::new(Vec::new());

/// Remembers `oauth` (of the store shown as `store`), for [`secure`] at the end of the run.
pub fn watch(oauth: &OAuth, store: String) {
    if let Ok(mut held) = HELD.lock() {
        held.push((oauth.clone(), store));
    }
}

/// Once the command ended: every watched pair the store has not taken is saved now, or
/// else kept in a private file; `Some` says what was kept where (exit 4).
pub async fn secure() -> Option<Failure> {
    let held = HELD
        .lock()
        .map(|mut held| std::mem::take(&mut *held))
        .ok()?;
    let mut messages = Vec::new();
    for (oauth, store) in held {
        if oauth.unsaved_pair().await.is_none() {
            continue;
        }
        // One more try, bounded by the refresh deadline (the run's --timeout).
        let _ = oauth.flush().await;
        let Some(pair) = oauth.unsaved_pair().await else {
            continue;
        };
        messages.push(keep(&pair, oauth.base_url(), &store, state_dir()));
    }
    (!messages.is_empty()).then_some(Failure::Unsaved(messages))
}

/// `$XDG_STATE_HOME/amocrm`, else `$HOME/.local/state/amocrm` (unix);
/// `%LOCALAPPDATA%\amocrm` (Windows). Relative values are ignored, as the XDG spec says.
fn state_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let base = if cfg!(windows) {
        var("LOCALAPPDATA")
    } else {
        var("XDG_STATE_HOME").or_else(|| var("HOME").map(|home| home.join(".local").join("state")))
    };
    base.map(|dir| dir.join("amocrm"))
}

/// Writes `pair` of `account` into a new private file under `dir`; the message says where
/// and how to import it, or why it could not be kept.
fn keep(pair: &TokenPair, account: &str, store: &str, dir: Option<PathBuf>) -> String {
    let lost = format!(
        "the new OAuth pair of {account} could not be saved to {store}, and amoCRM has \
         spent the previous refresh token"
    );
    let Some(dir) = dir else {
        return format!(
            "{lost}; no state folder to keep it in (set XDG_STATE_HOME or HOME): the account \
             must be authorized again (amocrm auth login)"
        );
    };
    match write_private(&dir, account, pair) {
        Ok(path) => format!(
            "{lost}. The pair is kept in {} (readable by you only). Once the store works, \
             run: amocrm --base-url {account} auth import < {} (with the same token store), \
             then delete the file",
            path.display(),
            path.display()
        ),
        Err(error) => format!(
            "{lost}; keeping it in {} failed too ({error}): the account must be authorized \
             again (amocrm auth login)",
            dir.display()
        ),
    }
}

/// A new file (never an existing one, never through a link) of mode 0600 in `dir` (made
/// 0700 when missing), holding the pair as the token endpoint answers it.
fn write_private(dir: &Path, account: &str, pair: &TokenPair) -> std::io::Result<PathBuf> {
    let mut folder = std::fs::DirBuilder::new();
    folder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut folder, 0o700);
    folder.create(dir)?;
    let host: String = account
        .split_once("://")
        .map_or(account, |(_, rest)| rest)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let path = dir.join(format!(
        "unsaved-pair-{host}-{}-{}.json",
        now.as_secs(),
        std::process::id()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path)?;
    let expires_in = pair
        .expires_at()
        .duration_since(SystemTime::now())
        .map_or(0, |left| left.as_secs());
    let answer = serde_json::json!({
        "token_type": "Bearer",
        "expires_in": expires_in,
        "access_token": pair.access_token().expose_secret(),
        "refresh_token": pair.refresh_token().expose_secret(),
    });
    file.write_all(answer.to_string().as_bytes())?;
    file.sync_all()?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_kept_pair_is_a_private_new_file_auth_import_reads() {
        let dir = std::env::temp_dir().join(format!("amocrm-unsaved-{}", std::process::id()));
        let pair = TokenPair::new(
            "access-secret".to_owned().into(),
            "refresh-secret".to_owned().into(),
            SystemTime::now() + Duration::from_secs(3600),
        );
        let message = keep(
            &pair,
            "https://x.amocrm.ru",
            "tokens.json",
            Some(dir.clone()),
        );
        assert!(!message.contains("secret"), "{message}");
        let path = std::fs::read_dir(&dir)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        assert!(message.contains(&path.display().to_string()), "{message}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0);
        }
        let text = std::fs::read(&path).unwrap();
        let imported = crate::sdk::TokenAnswer::parse(&text)
            .and_then(|answer| answer.into_pair(SystemTime::now()))
            .expect("auth import reads it");
        assert_eq!(imported.refresh_token().expose_secret(), "refresh-secret");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
