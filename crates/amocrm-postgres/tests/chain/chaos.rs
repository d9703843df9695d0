//! The chaos run: 4 OS processes (this test binary again, as `chaos_worker`) refresh one
//! account's pair through PostgreSQL 100 times, while a trigger fails 3 saves in 10 at
//! random and the coordinator kills (SIGKILL) the lock holder while its grant waits at the
//! fake's token endpoint, and starts another process in its place. The fake's own record
//! of spent refresh tokens must show no token presented twice, no worker may see its chain
//! lost, and the stored pair must refresh at the end.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::SystemTime;

use super::*;

const WORKERS: usize = 4;
const REFRESHES: usize = 100;
/// How long the fake holds each token request before granting it: the window in which a
/// holder is killed.
const TOKEN_LATENCY: Duration = Duration::from_millis(120);
/// A holder is killed only this soon after its request arrived, well before the grant.
const KILL_WINDOW: Duration = Duration::from_millis(40);
const MAX_KILLS: usize = 12;

/// A worker process's refresh loop; a no-op unless started by the coordinator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_worker() {
    let Ok(account) = std::env::var("AMOCRM_CHAOS_ACCOUNT") else {
        return;
    };
    let env = |name: &str| std::env::var(name).expect(name);
    let (url, schema, stop) = (
        env("AMOCRM_CHAOS_URL"),
        env("AMOCRM_CHAOS_SCHEMA"),
        env("AMOCRM_CHAOS_STOP"),
    );
    let store = amocrm_postgres::PostgresTokenStore::builder(&url)
        .schema(schema)
        .lock_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let oauth = holder(&account, Arc::new(store));
    while !std::path::Path::new(&stop).exists() {
        match oauth.refresh_now().await {
            Ok(()) => println!("CHAOS ok"),
            Err(Error::Auth(error)) if error.is_revoked() => println!("CHAOS lost {error}"),
            Err(error) => println!("CHAOS error {error}"),
        }
    }
    let flushed = oauth.flush().await;
    let unsaved = oauth.unsaved_pair().await.is_some();
    println!("CHAOS done flushed={} unsaved={unsaved}", flushed.is_ok());
}

struct Workers {
    children: Vec<Option<Child>>,
    lines: mpsc::Sender<(usize, String)>,
    env: Vec<(&'static str, String)>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Workers {
    /// Starts a worker in `slot` whose sessions are named `chaos-{n}`.
    fn start(&mut self, slot: usize) {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "--exact",
                "chaos::chaos_worker",
                "--nocapture",
                "--test-threads=1",
            ])
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let sep = if self.env[0].1.contains('?') {
            '&'
        } else {
            '?'
        };
        let url = format!("{}{sep}application_name=chaos-{slot}", self.env[0].1);
        command.env("AMOCRM_CHAOS_URL", url);
        let mut child = command.spawn().expect("worker");
        let stdout = child.stdout.take().unwrap();
        let lines = self.lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // libtest writes `test chaos::chaos_worker ... ` before the first line.
                if let Some(at) = line.find("CHAOS ") {
                    let _ = lines.send((slot, line[at + "CHAOS ".len()..].to_owned()));
                }
            }
        });
        self.readers.push(reader);
        self.children[slot] = Some(child);
    }
}

/// A small xorshift generator, seeded from the clock (the seed is printed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_a_hundred_refreshes_failing_saves_and_killed_holders_lose_nothing() {
    if std::env::var("AMOCRM_CHAOS_ACCOUNT").is_ok() {
        return;
    }
    let test = "four_processes_a_hundred_refreshes_failing_saves_and_killed_holders_lose_nothing";
    let Some(db) = TestDb::new(test).await else {
        return;
    };
    let started = Instant::now();
    let fake = FakeServer::start().await.unwrap();
    let account = fake.base_url();
    let seed_store: Arc<dyn TokenStore> = Arc::new(db.store());
    fleet::seed(&fake, seed_store.clone()).await;
    // A real component failing at random: 3 saves in 10 raise in the table's trigger.
    db.admin
        .batch_execute(&format!(
            "CREATE FUNCTION \"{schema}\".fail_at_random() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN IF random() < 0.3 THEN RAISE EXCEPTION 'store down (chaos)'; END IF; \
             RETURN NEW; END $$; \
             CREATE TRIGGER fail_at_random BEFORE UPDATE ON {table} FOR EACH ROW \
             EXECUTE FUNCTION \"{schema}\".fail_at_random();",
            schema = db.schema,
            table = db.table()
        ))
        .await
        .unwrap();
    fake.faults()
        .add(Fault::latency(TOKEN_LATENCY).route("POST", TOKEN_PATH));
    let stop = fleet::TempDir::new("chaos");
    let stop_file = stop.join("stop");
    let (sender, lines) = mpsc::channel();
    let mut workers = Workers {
        children: (0..WORKERS).map(|_| None).collect(),
        lines: sender,
        env: vec![
            ("AMOCRM_CHAOS_URL", db.url.clone()),
            ("AMOCRM_CHAOS_SCHEMA", db.schema.clone()),
            ("AMOCRM_CHAOS_ACCOUNT", account.clone()),
            ("AMOCRM_CHAOS_STOP", stop_file.display().to_string()),
        ],
        readers: Vec::new(),
    };
    for slot in 0..WORKERS {
        workers.start(slot);
    }
    let seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("chaos seed {seed}");
    let mut rng = Rng(seed);
    let (mut kills, mut abandoned, mut considered) = (0, 0, 0);
    while fake.oauth_stats().refresh_token_grants < REFRESHES {
        assert!(
            started.elapsed() < Duration::from_secs(55),
            "only {} refreshes in 55 s",
            fake.oauth_stats().refresh_token_grants
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
        let token_requests: Vec<_> = fake
            .requests()
            .into_iter()
            .filter(|r| r.path == TOKEN_PATH)
            .collect();
        let stats = fake.oauth_stats();
        let answered = stats.grants() + stats.reused_refresh_tokens;
        let in_flight = token_requests.len() - answered - abandoned;
        let Some(newest) = token_requests.last() else {
            continue;
        };
        if in_flight != 1 || token_requests.len() == considered {
            continue;
        }
        considered = token_requests.len();
        if kills >= MAX_KILLS
            || newest.received_at.elapsed() > KILL_WINDOW
            || !rng.next().is_multiple_of(5)
        {
            continue;
        }
        // The holder at the token endpoint is the one holding the account's lock.
        let holders = db
            .admin
            .query(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a \
                 ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted \
                 AND a.application_name LIKE 'chaos-%'",
                &[],
            )
            .await
            .unwrap();
        let [holder] = holders.as_slice() else {
            continue;
        };
        let name: String = holder.get(0);
        let slot: usize = name["chaos-".len()..].parse().unwrap();
        if newest.received_at.elapsed() > KILL_WINDOW {
            continue;
        }
        let mut child = workers.children[slot].take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        abandoned += 1;
        workers.start(slot);
    }
    std::fs::write(&stop_file, b"stop").unwrap();
    for child in workers.children.iter_mut().flatten() {
        let until = Instant::now() + Duration::from_secs(20);
        while child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < until, "a worker did not stop");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // Every worker ended: its reader has its last line once its pipe closes.
    for reader in std::mem::take(&mut workers.readers) {
        reader.join().unwrap();
    }
    drop(workers);
    let lines: Vec<(usize, String)> = lines.try_iter().collect();
    let count = |prefix: &str| lines.iter().filter(|(_, l)| l.starts_with(prefix)).count();
    let lost: Vec<_> = lines
        .iter()
        .filter(|(_, l)| l.starts_with("lost"))
        .collect();
    let stats = fake.oauth_stats();
    eprintln!(
        "chaos: {} grants, {} ok, {} errors, {kills} killed at the token endpoint, \
         {} processes, {:?}",
        stats.refresh_token_grants,
        count("ok"),
        count("error"),
        WORKERS + kills,
        started.elapsed()
    );
    assert!(lost.is_empty(), "chains lost: {lost:?}");
    assert_eq!(
        stats.reused_refresh_tokens, 0,
        "refresh tokens spent twice (the fake's record)"
    );
    assert_eq!(
        count("done flushed=true unsaved=false"),
        WORKERS,
        "{lines:?}"
    );
    assert!(kills >= 1, "no holder was killed at the token endpoint");
    assert!(
        count("ok") >= REFRESHES,
        "{} refreshes succeeded",
        count("ok")
    );
    // The stored chain is alive once the store works again.
    db.admin
        .batch_execute(&format!("DROP TRIGGER fail_at_random ON {}", db.table()))
        .await
        .unwrap();
    holder(&account, seed_store)
        .refresh_now()
        .await
        .expect("the stored chain refreshes");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}
