//! What a token file must be before the store trusts it: a pair that another user can
//! plant (a file or directory others can write, a file or a symlink of another user) is
//! refused, never used; numbers no store wrote are an error, never a panic.

#![cfg(unix)]

use amocrm_test_support::fleet::TempDir;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::time::{Duration, SystemTime};

use amocrm::TokenPair;
use amocrm::error::StoreError;
use amocrm::store::{FileTokenStore, TokenStore};

const ACCOUNT: &str = "https://example.amocrm.ru";
/// The user `nobody` of most Unix systems: another user than the test's.
const OTHER_UID: u32 = 65534;

fn attacker_file(path: &Path) {
    std::fs::write(
        path,
        format!(
            r#"{{"{ACCOUNT}":{{"access_token":"ATTACKER-access","refresh_token":"ATTACKER-refresh","expires_at":4102444800,"generation":7}}}}"#
        ),
    )
    .unwrap();
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Gives `path` (not following a symlink) to another user; false (after saying so) when
/// this process may not (it is not root).
fn give_away(path: &Path) -> bool {
    match std::os::unix::fs::lchown(path, Some(OTHER_UID), None) {
        Ok(()) => true,
        Err(error) => {
            eprintln!("skipped the other user's case: chown needs root ({error})");
            false
        }
    }
}

fn pair() -> TokenPair {
    TokenPair::new(
        "access".to_owned().into(),
        "refresh".to_owned().into(),
        SystemTime::now() + Duration::from_secs(3600),
    )
}

async fn refused(store: &FileTokenStore) -> StoreError {
    let error = store.load(ACCOUNT).await.unwrap_err();
    assert!(error.is_untrusted(), "{error}");
    let locked = store.lock(ACCOUNT).await;
    assert!(
        locked.as_ref().is_err_and(StoreError::is_untrusted),
        "{:?}",
        locked.err()
    );
    error
}

#[tokio::test]
async fn a_token_file_others_can_write_is_refused() {
    let dir = TempDir::new("trust-mode");
    let path = dir.join("tokens.json");
    attacker_file(&path);
    let store = FileTokenStore::new(&path);
    for mode in [0o666, 0o620, 0o602] {
        chmod(&path, mode);
        let error = refused(&store).await;
        assert!(error.message().contains("writable"), "{error}");
        assert!(!error.to_string().contains("ATTACKER"), "{error}");
    }
    // Readable by others is not a way in (a save makes it 0600 again).
    chmod(&path, 0o644);
    assert!(store.load(ACCOUNT).await.unwrap().is_some());

    // Nor a directory others can write without the sticky bit: they could rename a file
    // of theirs over it.
    chmod(&path, 0o600);
    chmod(&dir.0, 0o777);
    let error = refused(&store).await;
    assert!(
        error.message().contains(&dir.0.display().to_string()),
        "{error}"
    );
    chmod(&dir.0, 0o1777);
    assert!(store.load(ACCOUNT).await.unwrap().is_some());
}

#[tokio::test]
async fn a_token_file_of_another_user_is_refused() {
    let dir = TempDir::new("trust-owner");
    let path = dir.join("tokens.json");
    attacker_file(&path);
    chmod(&path, 0o600);
    if !give_away(&path) {
        return;
    }
    let store = FileTokenStore::new(&path);
    let error = refused(&store).await;
    assert!(error.message().contains("owned by"), "{error}");
    // Nor a directory of another user (it can replace the file).
    let own = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&dir.0).unwrap());
    std::os::unix::fs::lchown(&path, Some(own), None).unwrap();
    assert!(store.load(ACCOUNT).await.unwrap().is_some());
    give_away(&dir.0);
    refused(&store).await;
}

/// Under umask 000 the store still creates its directories for its owner only: the
/// child process of [`directories_are_created_private_whatever_the_umask`].
#[test]
fn umask_child() {
    let Ok(dir) = std::env::var("AMOCRM_UMASK_CHILD") else {
        return;
    };
    let store = FileTokenStore::new(Path::new(&dir).join("a/b/tokens.json"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut lock = store.lock(ACCOUNT).await.unwrap();
        lock.save(&pair()).await.unwrap();
    });
}

#[tokio::test]
async fn directories_are_created_private_whatever_the_umask() {
    let dir = TempDir::new("trust-umask");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"umask 000 && exec "$0" file_trust::umask_child --exact --test-threads 1"#)
        .arg(std::env::current_exe().unwrap())
        .env("AMOCRM_UMASK_CHILD", &dir.0)
        .status()
        .unwrap();
    assert!(status.success());
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode(&dir.join("a")), 0o700);
    assert_eq!(mode(&dir.join("a/b")), 0o700);
    assert_eq!(mode(&dir.join("a/b/tokens.json")), 0o600);
    assert_eq!(mode(&dir.join("a/b/tokens.json.lock")), 0o600);
}

/// In a directory every user can write (sticky, as `/tmp`), another user plants a
/// symlink at the token file's name pointing to a file of ours: the store must not write
/// our pairs through it (the kernel would not follow such a link for us either, under
/// `fs.protected_symlinks`), nor create a lock file where it points.
#[tokio::test]
async fn a_symlink_of_another_user_is_not_followed() {
    let dir = TempDir::new("trust-link");
    let shared = dir.join("shared");
    std::fs::create_dir(&shared).unwrap();
    chmod(&shared, 0o1777);
    let victim = dir.join("victim.json");
    std::fs::write(&victim, "{}").unwrap();
    chmod(&victim, 0o600);
    let link = shared.join("tokens.json");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    if !give_away(&link) {
        return;
    }
    let store = FileTokenStore::new(&link);
    let error = refused(&store).await;
    assert!(error.message().contains("symlink"), "{error}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "{}");
    assert!(!dir.join("victim.json.lock").exists());
}

/// A link planted at the lock file's name is not followed either: the store would create
/// (as this user) a file wherever it points.
#[tokio::test]
async fn a_symlink_at_the_lock_files_name_is_not_followed() {
    let dir = TempDir::new("trust-lock-link");
    let target = dir.join("created-elsewhere");
    std::os::unix::fs::symlink(&target, dir.join("tokens.json.lock")).unwrap();
    let store = FileTokenStore::new(dir.join("tokens.json"));
    assert!(store.lock(ACCOUNT).await.is_err());
    assert!(
        !target.exists(),
        "the lock file was created through the link"
    );
}

fn entry_file(path: &Path, expires_at: u64, generation: u64) {
    std::fs::write(
        path,
        format!(
            r#"{{"{ACCOUNT}":{{"access_token":"a","refresh_token":"r","expires_at":{expires_at},"generation":{generation}}}}}"#
        ),
    )
    .unwrap();
    chmod(path, 0o600);
}

/// An `expires_at` no clock can hold is not a pair this store wrote: an error naming the
/// file, never a panic (inside a blocking task it was "the token file task failed").
#[tokio::test]
async fn an_expiry_no_clock_can_hold_is_an_error_not_a_panic() {
    let dir = TempDir::new("trust-expiry");
    let path = dir.join("tokens.json");
    entry_file(&path, u64::MAX, 1);
    let store = FileTokenStore::new(&path);
    let error = store.load(ACCOUNT).await.unwrap_err();
    assert!(error.message().contains("not a token file"), "{error}");
    assert!(error.message().contains("expires_at"), "{error}");
    let error = store.lock(ACCOUNT).await.err().expect("refused");
    assert!(error.message().contains("not a token file"), "{error}");
    // A far expiry a clock can hold is the file's word.
    entry_file(&path, 1 << 40, 1);
    let pair = store.load(ACCOUNT).await.unwrap().unwrap();
    assert!(!pair.expires_within(Duration::from_secs(3600)));
}

/// A generation at its maximum cannot count one more save: the save is an error, never
/// an overflow (a panic in a debug build, a wrap to 0 in a release one).
#[tokio::test]
async fn a_generation_at_its_maximum_is_an_error_not_an_overflow() {
    let dir = TempDir::new("trust-generation");
    let path = dir.join("tokens.json");
    entry_file(&path, 1, u64::MAX);
    let store = FileTokenStore::new(&path);
    let mut lock = store.lock(ACCOUNT).await.unwrap();
    let error = lock.save(&pair()).await.unwrap_err();
    assert!(error.message().contains("generation"), "{error}");
    assert!(!error.is_conflict());
    // The file is left as it is.
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(json[ACCOUNT]["generation"], u64::MAX);
}

/// A FIFO at the token file's path (or the lock file's) is not a token file: refused at
/// once, where opening it waited for a writer for ever (and `lock` held the OS lock
/// meanwhile).
#[tokio::test]
async fn a_fifo_is_refused_not_waited_on() {
    let dir = TempDir::new("trust-fifo");
    let path = dir.join("tokens.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .unwrap();
    assert!(made.success());
    let store = FileTokenStore::new(&path);
    let answer = tokio::time::timeout(Duration::from_secs(5), store.load(ACCOUNT)).await;
    let error = answer.expect("an answer, not a wait").unwrap_err();
    assert!(error.message().contains("not a regular file"), "{error}");
    let answer = tokio::time::timeout(Duration::from_secs(5), store.lock(ACCOUNT)).await;
    assert!(answer.expect("an answer, not a wait").is_err());

    let other = dir.join("other.json");
    std::process::Command::new("mkfifo")
        .arg(dir.join("other.json.lock"))
        .status()
        .unwrap();
    let store = FileTokenStore::new(&other);
    let answer = tokio::time::timeout(Duration::from_secs(5), store.lock(ACCOUNT)).await;
    assert!(answer.expect("an answer, not a wait").is_err());
}

#[tokio::test]
async fn a_lock_file_of_another_user_is_refused_not_waited_on() {
    // Another user who owns the lock file can hold its lock for ever: lock() would hang.
    let dir = TempDir::new("trust-lock-owner");
    let lock = dir.join("tokens.json.lock");
    std::fs::write(&lock, "").unwrap();
    chmod(&lock, 0o600);
    if !give_away(&lock) {
        return;
    }
    let held = std::fs::File::open(&lock).unwrap();
    held.lock().unwrap();
    let store = FileTokenStore::new(dir.join("tokens.json"));
    let locked = tokio::time::timeout(Duration::from_secs(3), store.lock(ACCOUNT))
        .await
        .expect("refused at once, not waited on");
    let error = locked.err().expect("refused");
    assert!(error.is_untrusted(), "{error}");
    assert!(error.message().contains("lock file"), "{error}");
    assert!(
        error.message().contains("chown"),
        "the remedy is said: {error}"
    );
}
