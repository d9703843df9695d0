//! The file token store across OS processes: 16 processes find the stored access token
//! expired at once and the token endpoint grants exactly one refresh; a process killed
//! with SIGKILL while it holds the lock (before it called the endpoint) leaves no lock
//! behind, and another process completes the refresh. No refresh token is ever sent twice.
//!
//! The processes are this test binary itself, started with `processes::fleet_child` as the only
//! test to run and its role in `AMOCRM_FLEET_CHILD`.

use amocrm_test_support::fleet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use amocrm::store::{FileTokenStore, TokenStore};
use amocrm_fake::FakeServer;
use amocrm_test_support::fleet::TempDir;

const ROLE: &str = "AMOCRM_FLEET_CHILD";
const URL: &str = "AMOCRM_FLEET_URL";
const FILE: &str = "AMOCRM_FLEET_FILE";

/// Not a test of its own: the body of a child process. `refresh` makes one API call
/// through an OAuth of the file store (refreshing the expired pair as needed) and prints
/// `FLEET ok` or `FLEET error ...`; `hold` takes the store's lock, prints `FLEET locked`
/// and waits to be killed.
#[test]
fn fleet_child() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let url = std::env::var(URL).expect("account URL");
    let store = Arc::new(FileTokenStore::new(
        std::env::var(FILE).expect("token file"),
    ));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        match role.as_str() {
            "refresh" => {
                let client = fleet::client(&fleet::oauth(&url, store));
                match client.widgets().get("amo_dropbox").send().await {
                    Ok(_) => println!("FLEET ok"),
                    Err(error) => println!("FLEET error {error}"),
                }
            }
            "hold" => {
                let _lock = store.lock(&url).await.expect("lock");
                println!("FLEET locked");
                tokio::time::sleep(Duration::from_secs(600)).await;
            }
            other => panic!("unknown role {other}"),
        }
    });
}

/// A child process, killed if still running when dropped (a failing test leaves none).
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(role: &str, url: &str, file: &std::path::Path) -> Process {
    let exe = std::env::current_exe().unwrap();
    let child = Command::new(exe)
        .args([
            "processes::fleet_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE, role)
        .env(URL, url)
        .env(FILE, file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the test binary");
    Process(child)
}

/// The child's `FLEET ...` line, once it exits (libtest prints it after `test fleet_child
/// ...`, on the same line).
async fn outcome(mut process: Process) -> String {
    tokio::task::spawn_blocking(move || {
        let stdout = process.0.stdout.take().unwrap();
        // Read to the end, so the child never writes to a closed pipe.
        let lines: Vec<String> = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect();
        let line = lines
            .iter()
            .find_map(|line| line.find("FLEET ").map(|at| line[at..].to_owned()))
            .unwrap_or_else(|| "FLEET (nothing)".to_owned());
        let status = process.0.wait().unwrap();
        format!("{line} ({status})")
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_processes_find_the_token_expired_and_one_refreshes() {
    let dir = TempDir::new("fleet-16");
    let file = dir.join("tokens.json");
    let store = Arc::new(FileTokenStore::new(&file));
    let fake = FakeServer::start().await.unwrap();
    fleet::seed(&fake, store.clone()).await;
    fleet::expire(&fake, &*store).await;
    let url = fake.base_url();

    let children: Vec<Process> = (0..16).map(|_| spawn("refresh", &url, &file)).collect();
    let mut outcomes = Vec::new();
    for child in children {
        outcomes.push(outcome(child).await);
    }
    for outcome in &outcomes {
        assert!(outcome.starts_with("FLEET ok"), "{outcomes:#?}");
    }
    assert_eq!(
        fake.refresh_count(),
        1,
        "exactly one grant for 16 processes"
    );
    assert_eq!(fleet::reused_refresh_tokens(&fake, 1), 0);
    let stored = store.load(&url).await.unwrap().unwrap();
    assert!(!stored.expires_within(Duration::from_secs(60)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_holder_killed_before_it_refreshes_blocks_no_one() {
    let dir = TempDir::new("fleet-kill");
    let file = dir.join("tokens.json");
    let store = Arc::new(FileTokenStore::new(&file));
    let fake = FakeServer::start().await.unwrap();
    fleet::seed(&fake, store.clone()).await;
    fleet::expire(&fake, &*store).await;
    let url = fake.base_url();

    // A process takes the lock, as if to refresh, and stops before the token endpoint.
    let mut holder = spawn("hold", &url, &file);
    let stdout = holder.0.stdout.take().unwrap();
    let locked = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| line.contains("FLEET locked"))
    });
    let locked = tokio::time::timeout(Duration::from_secs(60), locked).await;
    assert!(matches!(locked, Ok(Ok(true))), "the holder never locked");

    // The lock excludes this process too...
    let blocked = tokio::time::timeout(Duration::from_millis(300), store.lock(&url)).await;
    assert!(blocked.is_err(), "the lock did not exclude another process");
    // ...and a second process, which waits for it.
    let mut refresher = spawn("refresh", &url, &file);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(refresher.0.try_wait().unwrap().is_none(), "it did not wait");
    assert_eq!(fake.refresh_count(), 0);

    // kill -9: the OS releases the lock with the process.
    holder.0.kill().unwrap();
    holder.0.wait().unwrap();
    let outcome = tokio::time::timeout(Duration::from_secs(60), outcome(refresher))
        .await
        .expect("the refresher finished");
    assert!(outcome.starts_with("FLEET ok"), "{outcome}");
    assert_eq!(fake.refresh_count(), 1, "the waiting process refreshed");
    assert_eq!(fleet::reused_refresh_tokens(&fake, 1), 0);
    // Nor does the dead holder block this process.
    let lock = tokio::time::timeout(Duration::from_secs(5), store.lock(&url))
        .await
        .expect("the killed holder's lock was released")
        .unwrap();
    assert!(
        !lock
            .current()
            .unwrap()
            .expires_within(Duration::from_secs(60))
    );
}
