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
        Self::spawn(widgets, None)
    }

    /// Starts an account of exactly `leads` live leads, each with
    /// [`FIELDS_PER_LEAD`] custom field values (the fake's default account otherwise; a
    /// fiftieth more leads are generated, since one in fifty goes to the trash), rate limit
    /// off, recording off.
    pub fn start_leads(leads: usize) -> std::io::Result<FakeProcess> {
        Self::spawn(0, Some(leads))
    }

    fn spawn(widgets: usize, leads: Option<usize>) -> std::io::Result<FakeProcess> {
        let exe = std::env::current_exe()?;
        let mut child = Command::new(exe)
            .arg("__fake")
            .arg(widgets.to_string())
            .args(leads.map(|n| n.to_string()))
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
        let served = parts.nth(2).and_then(|n| n.parse::<usize>().ok());
        let mut parts = line.split_whitespace();
        let (Some(base_url), Some(token)) = (parts.next(), parts.next()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other(format!(
                "the fake child printed {line:?}"
            )));
        };
        if let Some(leads) = leads.filter(|n| served != Some(*n)) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other(format!(
                "asked the fake for {leads} live leads, it serves {served:?}"
            )));
        }
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

/// Custom field values of each generated lead (of the fake's 20 lead fields, of every
/// type).
pub const FIELDS_PER_LEAD: usize = 10;

/// Leads to generate for `live` leads out of the trash: the fake puts one lead in fifty
/// (the 50th, 100th, …) there.
pub fn generated_leads(live: usize) -> usize {
    live + live / 49
}

/// The child's side: serve until stdin closes. With `leads`, the account has that many
/// live leads; the first line on stdout is `BASE_URL TOKEN LIVE_LEADS`.
pub fn serve(widgets: usize, leads: Option<usize>) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut builder = amocrm_fake::FakeServer::builder()
            .widgets(widgets)
            .rate_limit(None)
            .record_requests(false);
        if let Some(leads) = leads {
            let size = amocrm_fake::CrmSize::default()
                .leads(generated_leads(leads))
                .fields_per_lead(FIELDS_PER_LEAD);
            builder = builder.crm(size);
        }
        let server = builder.start().await?;
        let live = server.crm().ids(amocrm_fake::CrmEntity::Leads).len();
        let mut out = std::io::stdout();
        writeln!(out, "{} {} {live}", server.base_url(), server.token())?;
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

#[cfg(test)]
mod tests {
    use super::generated_leads;

    /// The fake trashes lead `n` (0-based) when `n % 50 == 49`.
    #[test]
    fn generated_leads_leave_exactly_the_live_count() {
        for live in [0, 1, 48, 49, 50, 10_000, 100_000, 123_457] {
            let generated = generated_leads(live);
            let trashed = (0..generated).filter(|n| n % 50 == 49).count();
            assert_eq!(generated - trashed, live, "{live}");
        }
    }
}
