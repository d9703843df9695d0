//! What every test of this crate needs from the real PostgreSQL: its URL, a unique schema
//! dropped at the end, the skip-or-fail rule, and a private server to stop and restart.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use amocrm_postgres::PostgresTokenStore;

/// The server the tests use: `AMOCRM_TEST_POSTGRES_URL`, else the local default.
pub fn url() -> String {
    amocrm_test_support::services::postgres_url()
}

/// Skips (prints why and how to run it) or, under `AMOCRM_REQUIRE_SERVICES=1`, fails: the
/// workspace's one rule for tests needing a service.
pub fn skip(test: &str, why: &str) {
    amocrm_test_support::services::skip(test, why, amocrm_test_support::services::HOW_POSTGRES);
}

#[allow(unused_imports)] // each test binary uses a part
pub use amocrm_test_support::services::{shown, unique};

/// A direct connection (not the store's pool), with its driver task spawned; `Err` says why
/// there is none (refused, or no answer within 5 s).
pub async fn connect(url: &str) -> Result<tokio_postgres::Client, String> {
    let connecting = tokio_postgres::connect(url, tokio_postgres::NoTls);
    match tokio::time::timeout(Duration::from_secs(5), connecting).await {
        Ok(Ok((client, connection))) => {
            tokio::spawn(connection);
            Ok(client)
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 5 s".to_owned()),
    }
}

/// One test's own schema on the shared server, dropped (CASCADE) when this is dropped.
pub struct TestDb {
    pub url: String,
    pub schema: String,
    pub admin: tokio_postgres::Client,
}

impl TestDb {
    /// `None` (after printing the skip) when the server is unreachable and skipping is allowed.
    pub async fn new(test: &str) -> Option<TestDb> {
        let url = url();
        match connect(&url).await {
            Ok(admin) => Some(TestDb {
                url,
                schema: unique("amocrm_pg_test"),
                admin,
            }),
            Err(e) => {
                skip(
                    test,
                    &format!("PostgreSQL at {} is unreachable ({e})", shown(&url)),
                );
                None
            }
        }
    }

    /// A store on this test's schema (not migrated: first lock creates the table).
    pub fn store(&self) -> PostgresTokenStore {
        PostgresTokenStore::builder(&self.url)
            .schema(&self.schema)
            .build()
            .expect("store")
    }

    /// A store whose connections carry `application_name`, to find them in pg_stat_activity.
    pub fn store_named(&self, application_name: &str) -> PostgresTokenStore {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        PostgresTokenStore::builder(&format!(
            "{}{sep}application_name={application_name}",
            self.url
        ))
        .schema(&self.schema)
        .build()
        .expect("store")
    }

    pub fn table(&self) -> String {
        format!("\"{}\".amocrm_tokens", self.schema)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let url = self.url.clone();
        let schema = self.schema.clone();
        // A thread with its own runtime: Drop may run inside (or outside) the test's runtime.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let client = connect(&url).await?;
                client
                    .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                    .await
                    .map_err(|e| e.to_string())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test schema {}", self.schema);
        }
    }
}

/// A PostgreSQL server of this test's own (initdb + pg_ctl from PATH, as user `postgres`
/// when we are root), on a free port, in a temporary directory removed on drop.
pub struct OwnPostgres {
    dir: PathBuf,
    pub port: u16,
}

/// A PostgreSQL server program: from `PATH`, else `pg_config --bindir`, else Debian's
/// `/usr/lib/postgresql/<newest>/bin` (Debian keeps initdb and pg_ctl off `PATH`).
fn pg_program(name: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(name))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if let Some(found) = on_path.into_iter().find(|p| p.is_file()) {
        return found;
    }
    let bindir = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if let Some(found) = bindir.map(|dir| dir.join(name)).filter(|p| p.is_file()) {
        return found;
    }
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin").join(name))
        .filter(|p| p.is_file())
        .collect();
    debian.sort_by_key(|p| {
        p.components()
            .nth(4)
            .and_then(|v| v.as_os_str().to_str()?.parse::<u32>().ok())
    });
    debian.pop().unwrap_or_else(|| PathBuf::from(name))
}

fn as_postgres(program: &str) -> Command {
    let program = pg_program(program);
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(mut command: Command, what: &str) -> Result<(), String> {
    match command.output() {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )),
        Err(e) => Err(format!("{what} could not run: {e}")),
    }
}

impl OwnPostgres {
    /// Initializes and starts a server; `Err` says what is missing (initdb, the user).
    pub fn start() -> Result<OwnPostgres, String> {
        let dir = std::env::temp_dir().join(unique("amocrm-pg"));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let server = OwnPostgres {
            port: free_port(),
            dir,
        };
        let mut chown = Command::new("chown");
        chown.args(["-R", "postgres:"]).arg(&server.dir);
        // Not root: the directory is ours already.
        let _ = chown.output();
        let mut initdb = as_postgres("initdb");
        initdb
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(server.data());
        run(initdb, "initdb")?;
        server.up()?;
        Ok(server)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `pg_ctl start` (waits until it accepts connections).
    pub fn up(&self) -> Result<(), String> {
        let mut start = as_postgres("pg_ctl");
        start
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-w", "-t", "30", "-o"])
            .arg(format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                self.port,
                self.dir.display()
            ))
            .arg("start");
        run(start, "pg_ctl start")
    }

    /// `pg_ctl stop -m fast` (waits until it is down).
    pub fn down(&self) -> Result<(), String> {
        let mut stop = as_postgres("pg_ctl");
        stop.arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w", "stop"]);
        run(stop, "pg_ctl stop")
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let mut stop = as_postgres("pg_ctl");
        stop.arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"]);
        let _ = stop.output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[allow(unused_imports)] // each test binary uses a part
pub use amocrm_test_support::loopback::free_port;

/// A TCP proxy in front of the test server that forwards every byte until [`stall`]ed:
/// then it holds what it reads (a server that accepted the connection and stopped
/// answering, or a network that drops packets). A side that closes closes the other.
///
/// [`stall`]: StallProxy::stall
pub struct StallProxy {
    pub port: u16,
    stalled: std::sync::Arc<std::sync::atomic::AtomicBool>,
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl StallProxy {
    /// A proxy to the server of `url`, on a free local port.
    pub async fn start(url: &str) -> StallProxy {
        use std::str::FromStr;
        use tokio::net::{TcpListener, TcpStream};
        let config = tokio_postgres::Config::from_str(url).expect("test URL");
        let host = match config.get_hosts().first() {
            Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
            _ => "127.0.0.1".to_owned(),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let upstream = format!("{host}:{port}");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let stalled = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stalled.clone();
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let cut_flag = cut.clone();
        let proxy = StallProxy {
            port: listener.local_addr().expect("address").port(),
            stalled,
            cut,
        };
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    continue;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pipe(
                    client_read,
                    server_write,
                    flag.clone(),
                    Some(cut_flag.clone()),
                ));
                tokio::spawn(pipe(server_read, client_write, flag.clone(), None));
            }
        });
        proxy
    }

    /// `url` (its user, password and database) through this proxy.
    pub fn config(&self, url: &str) -> tokio_postgres::Config {
        use std::str::FromStr;
        let original = tokio_postgres::Config::from_str(url).expect("test URL");
        let mut config = tokio_postgres::Config::new();
        config.host("127.0.0.1").port(self.port);
        if let Some(user) = original.get_user() {
            config.user(user);
        }
        if let Some(password) = original.get_password() {
            config.password(password);
        }
        if let Some(db) = original.get_dbname() {
            config.dbname(db);
        }
        config
    }

    /// The next statement sent on an open connection closes that connection instead (a
    /// server restarted while the connection sat in the pool): once.
    pub fn cut_next(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Stops (true) or resumes (false) forwarding.
    pub fn stall(&self, stalled: bool) {
        self.stalled
            .store(stalled, std::sync::atomic::Ordering::SeqCst);
    }
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    stalled: std::sync::Arc<std::sync::atomic::AtomicBool>,
    cut: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if cut
            .as_ref()
            .is_some_and(|cut| cut.swap(false, std::sync::atomic::Ordering::SeqCst))
        {
            // Both directions end: the server ends the session, the client sees EOF.
            return;
        }
        while stalled.load(std::sync::atomic::Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
