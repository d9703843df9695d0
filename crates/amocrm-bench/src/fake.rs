//! The fake server in a child process (the bench binary re-executed as `__fake`), so
//! that the parent's heap counter and CPU clock see the client alone.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};

/// A fake amoCRM running in a child process; dropping it ends the child.
#[derive(Debug)]
pub struct FakeProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    base_url: String,
    token: String,
}

impl FakeProcess {
    /// Starts `widgets` generated widgets (after the 3 seed widgets), rate limit off,
    /// recording off.
    pub fn start(widgets: usize) -> std::io::Result<FakeProcess> {
        let exe = std::env::current_exe()?;
        let mut child = Command::new(exe)
            .arg("__fake")
            .arg(widgets.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("no stdout"))?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let mut parts = line.split_whitespace();
        let (Some(base_url), Some(token)) = (parts.next(), parts.next()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other(format!(
                "the fake child printed {line:?}"
            )));
        };
        Ok(FakeProcess {
            base_url: base_url.to_owned(),
            token: token.to_owned(),
            child,
            stdin,
        })
    }

    /// `http://127.0.0.1:port`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The administrator token.
    pub fn token(&self) -> &str {
        &self.token
    }
}

impl Drop for FakeProcess {
    fn drop(&mut self) {
        // Closing stdin tells the child to stop; kill it if it has not after a while.
        drop(self.stdin.take());
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child's side: serve until stdin closes.
pub fn serve(widgets: usize) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let server = amocrm_fake::FakeServer::builder()
            .widgets(widgets)
            .rate_limit(None)
            .record_requests(false)
            .start()
            .await?;
        let mut out = std::io::stdout();
        writeln!(out, "{} {}", server.base_url(), server.token())?;
        out.flush()?;
        tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut sink);
        })
        .await
        .map_err(std::io::Error::other)?;
        server.shutdown().await;
        Ok(())
    })
}
