//! The bench binary re-executed as a fleet worker (`__fleet-worker MODE key=value...`):
//! spawning one, talking to it by lines on stdin/stdout, killing it with SIGKILL.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// The hidden subcommand a worker runs under.
pub const WORKER: &str = "__fleet-worker";

/// A worker process; dropping it kills it.
#[derive(Debug)]
pub struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Worker {
    /// Starts `exe __fleet-worker mode key=value...`.
    pub fn spawn(exe: &Path, mode: &str, args: &[(&str, String)]) -> Result<Worker, String> {
        let mut command = Command::new(exe);
        command.arg(WORKER).arg(mode);
        for (key, value) in args {
            command.arg(format!("{key}={value}"));
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("starting worker {}: {e}", exe.display()))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or("worker without stdout")?;
        Ok(Worker {
            child,
            stdin,
            lines: BufReader::new(stdout).lines(),
        })
    }

    /// The OS process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Reads lines until one starts with `word`; returns the rest of it. A line `err ...`
    /// or the end of the output is an error.
    pub async fn expect(&mut self, word: &str) -> Result<String, String> {
        loop {
            match self.lines.next_line().await {
                Ok(Some(line)) => {
                    if let Some(rest) = line.strip_prefix(word) {
                        return Ok(rest.trim().to_owned());
                    }
                    if let Some(rest) = line.strip_prefix("err") {
                        return Err(rest.trim().to_owned());
                    }
                }
                Ok(None) => return Err(format!("worker ended before saying {word:?}")),
                Err(e) => return Err(format!("reading a worker's output: {e}")),
            }
        }
    }

    /// The next line (`None` at the end of the output).
    pub async fn line(&mut self) -> Option<String> {
        self.lines.next_line().await.ok().flatten()
    }

    /// Sends one line.
    pub async fn send(&mut self, line: &str) -> Result<(), String> {
        let stdin = self.stdin.as_mut().ok_or("worker stdin closed")?;
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .map_err(|e| format!("writing to a worker: {e}"))?;
        stdin.flush().await.map_err(|e| e.to_string())
    }

    /// SIGKILL (`kill -9`), and waits for the process to be gone.
    pub async fn kill9(&mut self) -> Result<(), String> {
        self.child.kill().await.map_err(|e| format!("kill -9: {e}"))
    }

    /// Waits for the process to exit.
    pub async fn wait(&mut self) -> Result<(), String> {
        drop(self.stdin.take());
        let status = self.child.wait().await.map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("worker exited with {status}"))
        }
    }
}

/// A worker's `key=value` arguments.
#[derive(Debug, Default)]
pub struct Args(BTreeMap<String, String>);

impl Args {
    /// Parses `key=value` words.
    pub fn parse(words: &[String]) -> Result<Args, String> {
        let mut map = BTreeMap::new();
        for word in words {
            let (key, value) = word
                .split_once('=')
                .ok_or_else(|| format!("worker argument {word:?} is not key=value"))?;
            map.insert(key.to_owned(), value.to_owned());
        }
        Ok(Args(map))
    }

    /// A required value.
    pub fn get(&self, key: &str) -> Result<&str, String> {
        self.0
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| format!("worker argument {key}= missing"))
    }

    /// A required number.
    pub fn number<T: std::str::FromStr>(&self, key: &str) -> Result<T, String> {
        let text = self.get(key)?;
        text.parse()
            .map_err(|_| format!("worker argument {key}={text} is not a number"))
    }
}

/// Reads one line from stdin (blocking, on a blocking thread).
pub async fn read_stdin_line() -> Result<String, String> {
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map(|_| line.trim().to_owned())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Prints one line and flushes it (the parent reads line by line).
pub fn say(line: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
