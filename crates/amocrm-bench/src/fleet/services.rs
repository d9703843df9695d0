//! The engines a fleet run uses: a PostgreSQL schema of its own (dropped after), Redis keys
//! under a prefix of its own, a `redis-server` of its own to kill and restart, and the
//! token stores the workers open.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amocrm::store::{FileTokenStore, TokenStore};
use amocrm_postgres::PostgresTokenStore;
use amocrm_postgres::tokio_postgres;

/// A name no other run uses (`prefix_pid_nanos`).
pub fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// Which token store the workers open.
#[derive(Clone, Debug)]
pub enum StoreSpec {
    /// `PostgresTokenStore` on `url`, in `schema`.
    Postgres {
        /// Server URL.
        url: String,
        /// The run's schema.
        schema: String,
    },
    /// `FileTokenStore` at `path`.
    File {
        /// The token file.
        path: PathBuf,
    },
}

impl StoreSpec {
    /// `"PostgreSQL"` or `"file"`.
    pub fn name(&self) -> &'static str {
        match self {
            StoreSpec::Postgres { .. } => "PostgreSQL",
            StoreSpec::File { .. } => "file",
        }
    }

    /// As worker arguments.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            StoreSpec::Postgres { url, schema } => vec![
                ("store", "pg".into()),
                ("pg", url.clone()),
                ("schema", schema.clone()),
            ],
            StoreSpec::File { path } => vec![
                ("store", "file".into()),
                ("path", path.display().to_string()),
            ],
        }
    }

    /// Back from worker arguments.
    pub fn from_args(args: &super::process::Args) -> Result<StoreSpec, String> {
        match args.get("store")? {
            "pg" => Ok(StoreSpec::Postgres {
                url: args.get("pg")?.to_owned(),
                schema: args.get("schema")?.to_owned(),
            }),
            "file" => Ok(StoreSpec::File {
                path: PathBuf::from(args.get("path")?),
            }),
            other => Err(format!("unknown store {other:?}")),
        }
    }

    /// Opens the store (PostgreSQL: a pool of its own, as a process of the fleet has).
    pub fn open(&self) -> Result<Arc<dyn TokenStore>, String> {
        match self {
            StoreSpec::Postgres { url, schema } => {
                let store = PostgresTokenStore::builder(url)
                    .schema(schema)
                    .max_connections(4)
                    .build()
                    .map_err(|e| format!("PostgreSQL store: {e}"))?;
                Ok(Arc::new(store))
            }
            StoreSpec::File { path } => Ok(Arc::new(FileTokenStore::new(path.clone()))),
        }
    }

    /// Creates the table (PostgreSQL: the migration step) — nothing for a file.
    pub async fn prepare(&self) -> Result<(), String> {
        if let StoreSpec::Postgres { url, schema } = self {
            let store = PostgresTokenStore::builder(url)
                .schema(schema)
                .build()
                .map_err(|e| e.to_string())?;
            store
                .migrate()
                .await
                .map_err(|e| format!("PostgreSQL at {}: {e}", shown(url)))?;
        }
        Ok(())
    }

    /// Drops the run's schema or file.
    pub async fn cleanup(&self) {
        match self {
            StoreSpec::Postgres { url, schema } => {
                if let Ok((client, connection)) =
                    tokio_postgres::connect(url, tokio_postgres::NoTls).await
                {
                    tokio::spawn(connection);
                    let _ = client
                        .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                        .await;
                }
            }
            StoreSpec::File { path } => {
                if let Some(dir) = path.parent() {
                    let _ = std::fs::remove_dir_all(dir);
                }
            }
        }
    }
}

/// `url` without its user and password, to show in messages.
pub fn shown(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, _)), Some(at)) => format!("{scheme}://{}", &url[at + 1..]),
        _ => url.to_owned(),
    }
}

/// Whether PostgreSQL at `url` answers (within 3 s); the error never shows credentials.
pub async fn postgres_reachable(url: &str) -> Result<(), String> {
    let connect = tokio_postgres::connect(url, tokio_postgres::NoTls);
    let url = shown(url);
    match tokio::time::timeout(Duration::from_secs(3), connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("PostgreSQL at {url}: {e}")),
        Err(_) => Err(format!("PostgreSQL at {url} did not answer within 3 s")),
    }
}

/// Whether Redis at `url` answers PING.
pub async fn redis_reachable(url: &str) -> Result<(), String> {
    let redis = amocrm_redis::RedisConnection::open_with_timeout(url, Duration::from_secs(3))
        .map_err(|e| e.to_string())?;
    redis.ping().await.map_err(|e| e.to_string())
}

/// A `redis-server` of the run's own (no persistence) on a free port; killed on drop.
#[derive(Debug)]
pub struct OwnRedis {
    /// Its port.
    pub port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    /// Starts `redis-server` from the PATH (or `AMOCRM_TEST_REDIS_SERVER`).
    pub async fn start() -> Result<OwnRedis, String> {
        let mut server = OwnRedis {
            port: amocrm_test_support::loopback::free_port(),
            child: None,
        };
        server.up().await?;
        Ok(server)
    }

    /// `redis://127.0.0.1:{port}/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts it (again) on its port and waits until it accepts connections.
    pub async fn up(&mut self) -> Result<(), String> {
        let binary =
            std::env::var("AMOCRM_TEST_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let child = Command::new(&binary)
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting {binary}: {e}"))?;
        self.child = Some(child);
        for _ in 0..500 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Err(format!("{binary} did not start on port {}", self.port))
    }

    /// `kill -9`, and waits for it to be gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}
