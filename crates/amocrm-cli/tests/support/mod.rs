//! What the end-to-end tests share: the binary run with a clean environment, the token
//! check on every run, the fake server, a canned-answer server and temporary folders.
//! Each test file uses a part of it.

#![allow(dead_code)]

// The workspace's one copy of the services rule (skip or fail), unique names and loopback
// ports; this file keeps only what is the CLI's own.
pub use amocrm_test_support::loopback::free_port;
#[allow(unused_imports)] // the transcript has no test needing a service
pub use amocrm_test_support::services;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use amocrm_fake::FakeServer;
use amocrm_test_support::loopback;
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

pub const BIN: &str = env!("CARGO_BIN_EXE_amocrm");
pub const ENV_VARS: [&str; 14] = [
    "AMOCRM_BASE_URL",
    "AMOCRM_SUBDOMAIN",
    "AMOCRM_DOMAIN",
    "AMOCRM_TOKEN",
    "AMOCRM_TOKEN_FILE",
    "AMOCRM_PROFILE",
    "AMOCRM_CONFIG",
    "AMOCRM_TIMEOUT",
    "AMOCRM_CLIENT_ID",
    "AMOCRM_CLIENT_SECRET",
    "AMOCRM_REDIRECT_URI",
    "AMOCRM_TOKEN_STORE",
    "AMOCRM_TOKEN_TABLE",
    "AMOCRM_REDIS_URL",
];

/// A config folder that holds no `amocrm/config.toml`: the binary must not read the
/// profiles of the user who runs the tests.
fn no_config_folder() -> PathBuf {
    std::env::temp_dir().join("amocrm-cli-tests-no-config")
}

/// What one run of the binary left.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).expect("every stdout line is JSON"))
            .collect()
    }

    /// Every stderr line as a JSON object (a run with `--json`); panics on one that is not.
    pub fn stderr_json(&self) -> Vec<Value> {
        self.stderr
            .lines()
            .map(|line| match serde_json::from_str::<Value>(line) {
                Ok(value) if value.is_object() => value,
                _ => panic!("a stderr line that is not a JSON object: {line:?}\n{self:#?}"),
            })
            .collect()
    }
}

/// A command with a clean environment (no AMOCRM_* from the caller's shell, no config
/// file of the caller's); `env` may set the config folder itself.
pub fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    for var in ENV_VARS {
        cmd.env_remove(var);
    }
    cmd.env("XDG_CONFIG_HOME", no_config_folder())
        .env("APPDATA", no_config_folder());
    cmd.args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    cmd
}

/// Runs the binary with `env` and `args`, and checks that `secret` (the token) is
/// nowhere in its output.
pub async fn run_env(env: &[(&str, &str)], args: &[&str], secret: &str) -> Run {
    run_stdin(env, args, None, secret).await
}

/// [`run_env`] with `stdin` written to the binary's standard input (then closed), or
/// none at all.
pub async fn run_stdin(
    env: &[(&str, &str)],
    args: &[&str],
    stdin: Option<&[u8]>,
    secret: &str,
) -> Run {
    let mut cmd = command(args, env);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("the binary runs");
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // A binary that stops before reading (a usage error) closes the pipe: not a failure.
        let _ = pipe.write_all(bytes).await;
        drop(pipe);
    }
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the binary finishes within a minute")
        .expect("the binary runs");
    let run = Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    };
    assert!(
        !run.stdout.contains(secret) && !run.stderr.contains(secret),
        "the token leaked: {run:#?}"
    );
    run
}

/// Runs `amocrm --base-url FAKE ARGS` with the fake's admin token in `AMOCRM_TOKEN`.
pub async fn amocrm(fake: &FakeServer, args: &[&str]) -> Run {
    let base = fake.base_url();
    let env = [
        ("AMOCRM_BASE_URL", base.as_str()),
        ("AMOCRM_TOKEN", fake.token()),
    ];
    run_env(&env, args, fake.token()).await
}

pub async fn fake(widgets: usize) -> FakeServer {
    FakeServer::builder()
        .widgets(widgets)
        .start()
        .await
        .expect("the fake server starts")
}

pub fn posts(fake: &FakeServer) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count()
}

/// A server that answers every request with `status` and `body` (content type
/// `content_type`), for answers the fake never gives; it serves while it is kept.
pub async fn canned(status: u16, content_type: &str, body: &str) -> loopback::Server {
    let answer = loopback::response(status, content_type, &[], body.as_bytes());
    loopback::Server::always(loopback::Reply::Bytes(answer)).await
}

/// A temporary folder, removed with what it holds when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty folder, unique to this process and call.
    pub fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "amocrm-cli-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a temporary folder");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `name` (folders made as needed) with `text` and `mode` (unix permissions;
    /// ignored elsewhere); returns its path as a string.
    pub fn file(&self, name: &str, text: &str, mode: u32) -> String {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("a folder");
        }
        std::fs::write(&path, text).expect("a file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
                .expect("permissions");
        }
        #[cfg(not(unix))]
        let _ = mode;
        path.to_str().expect("a UTF-8 path").to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
