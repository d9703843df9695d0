//! A [`TokenStore`] in one JSON file, for the processes of one machine (the CLI's
//! default): every save replaces the file atomically, and the refresh lock is an OS file
//! lock, which the OS releases when its holder dies.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::file_io::{self, io_error, write};
use super::pair::TokenPair;
use super::trust;
use super::{TokenLock, TokenStore};
use crate::error::StoreError;

/// Token pairs of every account in one JSON file, `{account: {access_token, refresh_token,
/// expires_at, generation, account_id}}` (`expires_at` in Unix seconds; `account_id` once an
/// install recorded it; a deleted pair stays as an emptied entry), readable by its owner only
/// (mode 0600 on Unix).
///
#[doc = include_str!("../docs/file_store.md")]
#[derive(Clone)]
pub struct FileTokenStore {
    path: Arc<PathBuf>,
    /// Lock waiters of this process queue here, so that one blocking thread at a time
    /// waits for the OS lock.
    local: Arc<Mutex<()>>,
}

impl fmt::Debug for FileTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileTokenStore")
            .field("path", &self.path)
            .finish()
    }
}

/// One account's entry in the file.
#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    access_token: String,
    refresh_token: String,
    expires_at: u64,
    generation: u64,
    /// The amoCRM account id, once an install recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    account_id: Option<i64>,
}

impl Entry {
    /// Whether the entry holds a pair: a deleted one stays, emptied, so that its
    /// generation goes on (a holder that read the pair before cannot save over it).
    fn live(&self) -> bool {
        !self.refresh_token.is_empty()
    }

    /// Empties the entry; whether it held a pair.
    fn delete(&mut self) -> bool {
        let live = self.live();
        self.access_token.clear();
        self.refresh_token.clear();
        self.expires_at = 0;
        self.account_id = None;
        self.generation = self.generation.saturating_add(1);
        live
    }

    /// The pair of `account`'s entry in the file at `path`: an `expires_at` no clock can
    /// hold is no store's writing, so the file is not a token file.
    fn pair(&self, path: &Path, account: &str) -> Result<TokenPair, StoreError> {
        let expires_at = SystemTime::UNIX_EPOCH
            .checked_add(Duration::from_secs(self.expires_at))
            .ok_or_else(|| {
                StoreError::new(
                    format!(
                        "{} is not a token file (the expires_at of {account} is out of range); \
                         it is left as it is",
                        path.display()
                    ),
                    None,
                )
            })?;
        Ok(TokenPair::new(
            SecretString::from(self.access_token.clone()),
            SecretString::from(self.refresh_token.clone()),
            expires_at,
        ))
    }
}

type Entries = BTreeMap<String, Entry>;

impl FileTokenStore {
    /// The store in the file at `path` (created, with its directory, on the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileTokenStore {
            path: Arc::new(path.into()),
            local: Arc::new(Mutex::new(())),
        }
    }

    /// The token file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file: the token file's name with `.lock` appended (of the file a symlink
    /// at [`FileTokenStore::path`] points to, when the store follows it).
    pub fn lock_path(&self) -> PathBuf {
        lock_path(&trust::resolved(&self.path).unwrap_or_else(|_| self.path.to_path_buf()))
    }
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// Runs file work on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| StoreError::new("the token file task failed", Some(Box::new(error))))?
}

/// The file's entries; none when there is no file.
fn read(path: &Path) -> Result<Entries, StoreError> {
    file_io::read(path)
}

/// Opens the lock file (creating it and its directory) and waits for its exclusive lock.
fn take_lock(path: &Path) -> Result<File, StoreError> {
    let lock = lock_path(path);
    trust::create_dirs(trust::dir_of(path))?;
    let mut options = trust::open_options();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(&lock)
        .map_err(|error| io_error(format!("opening {}", lock.display()), error))?;
    let meta = file
        .metadata()
        .map_err(|error| io_error(format!("opening {}", lock.display()), error))?;
    if !meta.is_file() {
        return Err(StoreError::new(
            format!(
                "{} is not a regular file, so not a lock file",
                lock.display()
            ),
            None,
        ));
    }
    // Another user's lock file could be held by them for ever: waiting on it would hang.
    #[cfg(unix)]
    trust::owned_by_us(
        &lock,
        std::os::unix::fs::MetadataExt::uid(&meta),
        "lock file",
    )?;
    super::held::lock_within(&file, &lock, super::held::FILE_LOCK_TIMEOUT)?;
    Ok(file)
}

impl TokenStore for FileTokenStore {
    fn load<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<TokenPair>, StoreError>> {
        let path = self.path.clone();
        let account = account.to_owned();
        Box::pin(blocking(move || {
            let path = trust::resolved(&path)?;
            read(&path)?
                .get(&account)
                .filter(|entry| entry.live())
                .map(|entry| entry.pair(&path, &account))
                .transpose()
        }))
    }

    fn lock<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Box<dyn TokenLock>, StoreError>> {
        let path = self.path.clone();
        let account = account.to_owned();
        Box::pin(async move {
            let local = self.local.clone().lock_owned().await;
            let (path, file, current, generation) = blocking({
                let account = account.clone();
                move || {
                    let path = Arc::new(trust::resolved(&path)?);
                    let file = take_lock(&path)?;
                    // Read under the lock: what the last holder saved.
                    let entries = read(&path)?;
                    let entry = entries.get(&account);
                    let current = entry
                        .filter(|entry| entry.live())
                        .map(|entry| entry.pair(&path, &account))
                        .transpose()?;
                    Ok((
                        path,
                        file,
                        current,
                        entry.map_or(0, |entry| entry.generation),
                    ))
                }
            })
            .await?;
            Ok(Box::new(FileLock {
                path,
                account,
                file: Some(file),
                _local: local,
                current,
                generation,
            }) as Box<dyn TokenLock>)
        })
    }

    fn set_account_id<'a>(
        &'a self,
        account: &'a str,
        account_id: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let account = account.to_owned();
        let edit = self.edit(move |entries| {
            let entry = entries.get_mut(&account).filter(|entry| entry.live());
            let entry = entry
                .ok_or_else(|| StoreError::new("set_account_id: the account has no pair", None))?;
            entry.account_id = Some(account_id);
            Ok(true)
        });
        Box::pin(async move { edit.await.map(|_| ()) })
    }

    fn delete<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        let account = account.to_owned();
        let edit =
            self.edit(move |entries| Ok(entries.get_mut(&account).is_some_and(Entry::delete)));
        Box::pin(async move { edit.await.map(|(deleted, _)| deleted) })
    }

    fn accounts_of_id<'a>(
        &'a self,
        account_id: i64,
    ) -> BoxFuture<'a, Result<Vec<String>, StoreError>> {
        let path = self.path.clone();
        Box::pin(blocking(move || {
            let path = trust::resolved(&path)?;
            Ok(read(&path)?
                .iter()
                .filter(|(_, entry)| entry.live() && entry.account_id == Some(account_id))
                .map(|(account, _)| account.clone())
                .collect())
        }))
    }

    fn accounts_without_id(&self) -> BoxFuture<'_, Result<Vec<String>, StoreError>> {
        let path = self.path.clone();
        Box::pin(blocking(move || {
            let path = trust::resolved(&path)?;
            Ok(read(&path)?
                .iter()
                .filter(|(_, entry)| entry.live() && entry.account_id.is_none())
                .map(|(account, _)| account.clone())
                .collect())
        }))
    }

    fn delete_account_id<'a>(
        &'a self,
        account_id: i64,
    ) -> BoxFuture<'a, Result<Vec<String>, StoreError>> {
        let edit = self.edit(move |entries| {
            let mut deleted = false;
            for entry in entries.values_mut() {
                if entry.live() && entry.account_id == Some(account_id) {
                    deleted |= entry.delete();
                }
            }
            Ok(deleted)
        });
        Box::pin(async move { edit.await.map(|(_, accounts)| accounts) })
    }
}

impl FileTokenStore {
    /// Runs `change` on the file's entries under the file's lock and writes them back when
    /// it returns `true`; also returns the accounts whose pairs it deleted.
    async fn edit(
        &self,
        change: impl FnOnce(&mut Entries) -> Result<bool, StoreError> + Send + 'static,
    ) -> Result<(bool, Vec<String>), StoreError> {
        let path = self.path.clone();
        let _local = self.local.clone().lock_owned().await;
        blocking(move || {
            let path = trust::resolved(&path)?;
            let file = take_lock(&path)?;
            let mut entries = read(&path)?;
            let live: Vec<String> = entries
                .iter()
                .filter(|(_, entry)| entry.live())
                .map(|(account, _)| account.clone())
                .collect();
            let changed = change(&mut entries)?;
            if changed {
                write(&path, &entries)?;
            }
            let gone = live
                .into_iter()
                .filter(|account| entries.get(account).is_some_and(|entry| !entry.live()))
                .collect();
            file.unlock().map_err(|error| {
                io_error(format!("unlocking {}", lock_path(&path).display()), error)
            })?;
            Ok((changed, gone))
        })
        .await
    }
}

/// The held lock of a [`FileTokenStore`]; the OS lock goes with the lock file's handle.
struct FileLock {
    /// The token file, symlinks resolved when the lock was taken.
    path: Arc<PathBuf>,
    account: String,
    file: Option<File>,
    _local: OwnedMutexGuard<()>,
    current: Option<TokenPair>,
    /// The account's generation when the lock read it (0: no entry).
    generation: u64,
}

impl TokenLock for FileLock {
    fn current(&self) -> Option<&TokenPair> {
        self.current.as_ref()
    }

    fn deleted(&self) -> bool {
        // An emptied entry: its generation moved on when its pair was deleted.
        self.current.is_none() && self.generation > 0
    }

    fn save<'a>(&'a mut self, pair: &'a TokenPair) -> BoxFuture<'a, Result<(), StoreError>> {
        let path = self.path.clone();
        let account = self.account.clone();
        let read_generation = self.generation;
        let Some(next_generation) = read_generation.checked_add(1) else {
            let error = StoreError::new(
                format!(
                    "the generation of {account} in {} is at its maximum, which no store \
                     counts to: the pair is not saved and the file is left as it is",
                    path.display()
                ),
                None,
            );
            return Box::pin(async move { Err(error) });
        };
        let mut entry = Entry {
            access_token: pair.access_token().expose_secret().to_owned(),
            refresh_token: pair.refresh_token().expose_secret().to_owned(),
            expires_at: pair.expires_at_unix(),
            generation: next_generation,
            account_id: None,
        };
        Box::pin(async move {
            let generation = blocking(move || {
                let mut entries = read(&path)?;
                let stored = entries.get(&account).map_or(0, |entry| entry.generation);
                if stored != read_generation {
                    return Err(StoreError::conflict());
                }
                // A refreshed pair is the same account's: its id stays.
                entry.account_id = entries.get(&account).and_then(|entry| entry.account_id);
                let generation = entry.generation;
                entries.insert(account, entry);
                write(&path, &entries)?;
                Ok(generation)
            })
            .await?;
            self.generation = generation;
            self.current = Some(pair.clone());
            Ok(())
        })
    }

    /// The lock file at the path is still the one locked, and the account's generation
    /// in the token file still the one read under the lock.
    fn verify(&mut self) -> BoxFuture<'_, Result<(), StoreError>> {
        let path = self.path.clone();
        let account = self.account.clone();
        let generation = self.generation;
        let locked = self.file.as_ref().map(File::try_clone);
        Box::pin(blocking(move || {
            let Some(locked) = locked else {
                return Err(StoreError::lock_lost("the lock was released"));
            };
            let locked = locked.map_err(|error| {
                io_error(format!("checking {}", lock_path(&path).display()), error)
            })?;
            super::held::still_at(&locked, &lock_path(&path))?;
            let stored = read(&path)?
                .get(&account)
                .map_or(0, |entry| entry.generation);
            if stored != generation {
                return Err(StoreError::lock_lost(format!(
                    "the pair of {account} in {} was changed under the lock",
                    path.display()
                )));
            }
            Ok(())
        }))
    }

    fn release(mut self: Box<Self>) -> BoxFuture<'static, Result<(), StoreError>> {
        let unlocked = match self.file.take() {
            Some(file) => file.unlock().map_err(|error| {
                io_error(
                    format!("unlocking {}", lock_path(&self.path).display()),
                    error,
                )
            }),
            None => Ok(()),
        };
        Box::pin(async move { unlocked })
    }
}
