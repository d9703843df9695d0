//! The token chain at its edges: a save that failed after it wrote, token files reached
//! through symlinks or shared by stores, and the cache key of an account's client.

use amocrm_test_support::fleet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use amocrm::error::StoreError;
use amocrm::store::{FileTokenStore, MemoryTokenStore, TokenLock, TokenStore};
use amocrm::{AccountUrl, AppCredentials};
use amocrm::{ExposeSecret, TokenPair};
use amocrm_fake::FakeServer;
use futures::future::BoxFuture;

/// A store whose saves write, then report a failure while `fail` is set: a file whose
/// rename landed but whose directory flush failed, a database commit whose answer was
/// lost with the connection.
#[derive(Debug)]
struct AmbiguousStore {
    inner: Arc<dyn TokenStore>,
    fail: Arc<AtomicBool>,
    /// Whether a failing save wrote first.
    writes: bool,
}

struct AmbiguousLock {
    inner: Box<dyn TokenLock>,
    fail: Arc<AtomicBool>,
    writes: bool,
}

impl TokenStore for AmbiguousStore {
    fn load<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<TokenPair>, StoreError>> {
        self.inner.load(account)
    }

    fn lock<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Box<dyn TokenLock>, StoreError>> {
        Box::pin(async move {
            let inner = self.inner.lock(account).await?;
            Ok(Box::new(AmbiguousLock {
                inner,
                fail: self.fail.clone(),
                writes: self.writes,
            }) as Box<dyn TokenLock>)
        })
    }
}

impl TokenLock for AmbiguousLock {
    fn current(&self) -> Option<&TokenPair> {
        self.inner.current()
    }

    fn save<'a>(&'a mut self, pair: &'a TokenPair) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            if self.writes || !self.fail.load(Ordering::SeqCst) {
                self.inner.save(pair).await?;
            }
            if self.fail.load(Ordering::SeqCst) {
                return Err(StoreError::new("the answer to the commit was lost", None));
            }
            Ok(())
        })
    }

    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), StoreError>> {
        self.inner.release()
    }
}

/// A holder of `store` whose refresh gives up saving under the lock after 300 ms (then the
/// pair is used from memory and saved in the background).
fn impatient(account: &str, store: Arc<dyn TokenStore>) -> amocrm::OAuth {
    amocrm::OAuth::builder()
        .account(AccountUrl::base_url(account))
        .app(fleet::fake_app())
        .shared_store(store)
        .refresh_deadline(std::time::Duration::from_millis(300))
        .build()
        .unwrap()
}

fn refresh(pair: &TokenPair) -> String {
    pair.refresh_token().expose_secret().to_owned()
}

/// Holder A's refresh is saved but the store reports a failure, so A keeps the pair as
/// unsaved. Holder B then refreshes the stored pair (it is the store's newest). A's next
/// refresh must not write its pending pair (whose refresh token B spent) over B's: the
/// chain would be dead for every holder.
#[tokio::test]
async fn a_pending_pair_never_overwrites_a_pair_saved_since() {
    let fake = FakeServer::start().await.unwrap();
    let shared: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    fleet::seed(&fake, shared.clone()).await;
    fleet::expire(&fake, &*shared).await;
    let fail = Arc::new(AtomicBool::new(true));
    let a_store: Arc<dyn TokenStore> = Arc::new(AmbiguousStore {
        inner: shared.clone(),
        fail: fail.clone(),
        writes: true,
    });
    let a = impatient(&fake.base_url(), a_store);
    let a_client = fleet::client(&a);
    a_client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .expect("the pair is used from memory");
    assert!(
        a.unsaved_pair().await.is_some(),
        "the save was reported as failed"
    );
    fail.store(false, Ordering::SeqCst);
    let pending = shared.load(&fake.base_url()).await.unwrap().unwrap();

    let b = fleet::oauth(&fake.base_url(), shared.clone());
    b.refresh_now().await.expect("B refreshes the stored pair");
    let newest = shared.load(&fake.base_url()).await.unwrap().unwrap();
    assert_ne!(refresh(&newest), refresh(&pending));

    // A's next request: its pending pair is outdated.
    fake.expire_access_tokens();
    let _ = a_client.widgets().get("amo_dropbox").send().await;
    let stored = shared.load(&fake.base_url()).await.unwrap().unwrap();
    assert_ne!(
        refresh(&stored),
        refresh(&pending),
        "the pending pair (its refresh token spent by B) is not saved over B's"
    );
    // The chain is alive: another holder refreshes it.
    let c = fleet::oauth(&fake.base_url(), shared.clone());
    c.refresh_now().await.expect("the chain is alive");
    assert_eq!(fleet::reused_refresh_tokens(&fake, 1), 0);
}

/// A pending pair that the store did save (the failure was only reported) is not saved
/// again over itself as a new generation, and no grant is spent.
#[tokio::test]
async fn a_pending_pair_the_store_has_already_is_used_without_a_grant() {
    let fake = FakeServer::start().await.unwrap();
    let shared: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    fleet::seed(&fake, shared.clone()).await;
    fleet::expire(&fake, &*shared).await;
    let fail = Arc::new(AtomicBool::new(true));
    let a = impatient(
        &fake.base_url(),
        Arc::new(AmbiguousStore {
            inner: shared.clone(),
            fail: fail.clone(),
            writes: true,
        }),
    );
    let a_client = fleet::client(&a);
    a_client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .expect("the pair is used from memory");
    assert!(a.unsaved_pair().await.is_some());
    fail.store(false, Ordering::SeqCst);
    a_client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .expect("recovered");
    assert_eq!(fake.refresh_count(), 1);
    assert_eq!(fleet::reused_refresh_tokens(&fake, 1), 0);
}

/// Two processes name one token file, one through a symlink: they share its pairs and
/// its lock (a save through the link must not replace the link with a file of its own,
/// nor lock a different lock file).
#[cfg(unix)]
#[tokio::test]
async fn a_token_file_reached_through_a_symlink_is_the_same_store() {
    let dir = fleet::TempDir::new("fleet-symlink");
    std::fs::create_dir_all(dir.join("real")).unwrap();
    let real = dir.join("real").join("tokens.json");
    let link = dir.join("tokens.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let direct = FileTokenStore::new(&real);
    let linked = FileTokenStore::new(&link);
    let account = "https://example.amocrm.ru";
    let pair = |refresh: &str| {
        TokenPair::new(
            "access".to_owned().into(),
            refresh.to_owned().into(),
            std::time::SystemTime::now() + std::time::Duration::from_secs(3600),
        )
    };

    let mut lock = linked.lock(account).await.unwrap();
    // The other path's lock waits while the link's is held.
    let waiting = tokio::time::timeout(std::time::Duration::from_millis(300), direct.lock(account));
    assert!(
        waiting.await.is_err(),
        "the lock through the link and the direct one are one lock"
    );
    lock.save(&pair("one")).await.unwrap();
    lock.release().await.unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link stays a link"
    );
    let seen = direct.load(account).await.unwrap().expect("saved");
    assert_eq!(refresh(&seen), "one");

    let mut lock = direct.lock(account).await.unwrap();
    lock.save(&pair("two")).await.unwrap();
    lock.release().await.unwrap();
    let seen = linked.load(account).await.unwrap().expect("saved");
    assert_eq!(refresh(&seen), "two");
}

/// Two stores on one path in one process (two parts of a program, each with its own
/// `FileTokenStore`) exclude each other: the OS lock is per open file.
#[tokio::test]
async fn two_file_stores_on_one_path_in_one_process_exclude_each_other() {
    let dir = fleet::TempDir::new("fleet-two");
    let one = FileTokenStore::new(dir.join("tokens.json"));
    let two = FileTokenStore::new(dir.join("tokens.json"));
    let held = one.lock("https://a.amocrm.ru").await.unwrap();
    let waiting = tokio::time::timeout(
        std::time::Duration::from_millis(300),
        two.lock("https://b.amocrm.ru"),
    );
    assert!(waiting.await.is_err(), "one lock for the file");
    drop(held);
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        two.lock("https://b.amocrm.ru"),
    )
    .await
    .expect("released on drop")
    .unwrap();
}

/// Many accounts of one file saved concurrently by stores on the same path: none loses
/// another's pair (each save re-reads the file under the lock).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_accounts_in_one_file_keep_each_others_pairs() {
    let dir = fleet::TempDir::new("fleet-accounts");
    let path = dir.join("tokens.json");
    let mut tasks = Vec::new();
    for n in 0..16 {
        let store = FileTokenStore::new(&path);
        tasks.push(tokio::spawn(async move {
            let account = format!("https://a{n}.amocrm.ru");
            let mut lock = store.lock(&account).await.unwrap();
            let pair = TokenPair::new(
                "access".to_owned().into(),
                format!("refresh-{n}").into(),
                std::time::SystemTime::now() + std::time::Duration::from_secs(3600),
            );
            lock.save(&pair).await.unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let store = FileTokenStore::new(&path);
    for n in 0..16 {
        let pair = store
            .load(&format!("https://a{n}.amocrm.ru"))
            .await
            .unwrap()
            .expect("kept");
        assert_eq!(refresh(&pair), format!("refresh-{n}"));
    }
}

/// One account, one client (and one key in the store), however its base URL is spelled.
#[test]
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds https clients: needs a TLS feature"
)]
fn one_client_per_account_whatever_the_spelling_of_its_url() {
    let integration = amocrm::Integration::builder()
        .app(AppCredentials::new(
            "id",
            "secret",
            "https://example.com/cb",
        ))
        .build()
        .unwrap();
    let one = integration
        .client("example", amocrm::Domain::AmocrmRu)
        .unwrap();
    for spelling in [
        "https://example.amocrm.ru",
        "https://example.amocrm.ru/",
        "https://EXAMPLE.amocrm.RU",
        "https://example.amocrm.ru:443",
        "HTTPS://example.amocrm.ru",
    ] {
        let other = integration
            .client_at(&AccountUrl::base_url(spelling))
            .unwrap();
        assert!(other.ptr_eq(&one), "{spelling}: {}", other.base_url());
    }
    assert_eq!(integration.accounts().len(), 1);
}

/// The temporary file of a save has a name anyone can guess (`.{name}.{pid}.tmp`): a
/// symlink planted there (in a directory others can write to) must not make the save
/// write the tokens through it, over the file it points to.
#[cfg(unix)]
#[tokio::test]
async fn a_save_never_writes_through_a_symlink_planted_at_its_temporary_name() {
    let dir = fleet::TempDir::new("fleet-temp-link");
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let path = dir.join("tokens.json");
    let temp = dir.join(&format!(".tokens.json.{}.tmp", std::process::id()));
    std::os::unix::fs::symlink(&victim, &temp).unwrap();
    let store = FileTokenStore::new(&path);
    let mut lock = store.lock("https://example.amocrm.ru").await.unwrap();
    let pair = TokenPair::new(
        "access".to_owned().into(),
        "refresh".to_owned().into(),
        std::time::SystemTime::now() + std::time::Duration::from_secs(3600),
    );
    let _ = lock.save(&pair).await;
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
}

/// A symlink with a relative target (`tokens.json -> real/tokens.json`) names the file
/// relative to the link's directory, not to the process's working directory.
#[cfg(unix)]
#[tokio::test]
async fn a_relative_symlink_names_the_file_beside_it() {
    let dir = fleet::TempDir::new("fleet-relative-link");
    std::fs::create_dir_all(dir.join("real")).unwrap();
    let link = dir.join("tokens.json");
    std::os::unix::fs::symlink("real/tokens.json", &link).unwrap();
    let linked = FileTokenStore::new(&link);
    assert_eq!(
        linked.lock_path(),
        dir.join("real").join("tokens.json.lock")
    );
    let mut lock = linked.lock("https://example.amocrm.ru").await.unwrap();
    lock.save(&TokenPair::new(
        "access".to_owned().into(),
        "refresh".to_owned().into(),
        std::time::SystemTime::now() + std::time::Duration::from_secs(3600),
    ))
    .await
    .unwrap();
    lock.release().await.unwrap();
    let direct = FileTokenStore::new(dir.join("real").join("tokens.json"));
    let seen = direct
        .load("https://example.amocrm.ru")
        .await
        .unwrap()
        .expect("saved beside the link");
    assert_eq!(refresh(&seen), "refresh");
}

/// A token file that is far too large, or a device with no end, is refused, not read
/// until memory runs out.
#[cfg(unix)]
#[tokio::test]
async fn a_token_file_with_no_end_is_refused() {
    let dir = fleet::TempDir::new("fleet-endless");
    let link = dir.join("tokens.json");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let store = FileTokenStore::new(&link);
    let error = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        store.load("https://example.amocrm.ru"),
    )
    .await
    .expect("an answer, not an endless read")
    .unwrap_err();
    assert!(error.message().contains("not a regular file"), "{error}");
    // A regular file over the limit (sparse: no disk used).
    let big = dir.join("big.json");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(65 * 1024 * 1024)
        .unwrap();
    let error = FileTokenStore::new(&big)
        .load("https://example.amocrm.ru")
        .await
        .unwrap_err();
    assert!(error.message().contains("larger than"), "{error}");
}

/// A token file that cannot be read (here: a directory at its path) is an error, never
/// an empty store: a save after it would write a file without the other accounts' pairs.
#[tokio::test]
async fn an_unreadable_token_file_is_an_error_not_an_empty_store() {
    let dir = fleet::TempDir::new("fleet-unreadable");
    let path = dir.join("tokens.json");
    std::fs::create_dir_all(&path).unwrap();
    let store = FileTokenStore::new(&path);
    let account = "https://example.amocrm.ru";
    let error = store.load(account).await.unwrap_err();
    assert!(error.message().contains("reading"), "{error}");
    assert!(store.lock(account).await.is_err());
    // One that cannot even be opened (its directory is a file).
    std::fs::write(dir.join("file"), "").unwrap();
    let store = FileTokenStore::new(dir.join("file").join("tokens.json"));
    let error = store.load(account).await.unwrap_err();
    assert!(error.message().contains("reading"), "{error}");
}

/// A holder with tokens of its own and an empty store: the pair of its first refresh is
/// not saved (the store failed before writing); the next refresh saves that pair, it
/// does not spend its own refresh token again.
#[tokio::test]
async fn a_pending_pair_is_saved_into_a_store_that_still_has_none() {
    let fake = FakeServer::start().await.unwrap();
    let elsewhere: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    fleet::seed(&fake, elsewhere.clone()).await;
    fleet::expire(&fake, &*elsewhere).await;
    let own = elsewhere.load(&fake.base_url()).await.unwrap().unwrap();
    let fail = Arc::new(AtomicBool::new(true));
    let shared: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    let a = amocrm::OAuth::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .app(AppCredentials::new(
            amocrm_fake::DEFAULT_CLIENT_ID,
            amocrm_fake::DEFAULT_CLIENT_SECRET,
            amocrm_fake::DEFAULT_REDIRECT_URI,
        ))
        .tokens(own)
        .shared_store(Arc::new(AmbiguousStore {
            inner: shared.clone(),
            fail: fail.clone(),
            writes: false,
        }))
        .refresh_deadline(std::time::Duration::from_millis(300))
        .build()
        .unwrap();
    let a_client = fleet::client(&a);
    a_client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .expect("the pair is used from memory");
    assert!(a.unsaved_pair().await.is_some());
    assert!(shared.load(&fake.base_url()).await.unwrap().is_none());
    fail.store(false, Ordering::SeqCst);
    // The background save takes it once the store works.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while a.unsaved_pair().await.is_some() {
        assert!(
            std::time::Instant::now() < until,
            "never saved in the background"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    a_client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .expect("recovered");
    assert_eq!(fake.refresh_count(), 1);
    assert_eq!(fleet::reused_refresh_tokens(&fake, 1), 0);
    assert!(shared.load(&fake.base_url()).await.unwrap().is_some());
}
