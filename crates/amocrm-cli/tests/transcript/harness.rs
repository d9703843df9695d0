//! Running a step (one run of the binary) and writing it into the transcript, with what
//! varies from run to run masked.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use amocrm_fake::{FakeBuilder, FakeServer};
use tokio::io::AsyncWriteExt;

use crate::support;

/// Where a step's stdout goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stdout {
    /// Recorded.
    Piped,
    /// `/dev/full`: every write fails.
    Full,
    /// A pipe whose reader is gone before the binary writes.
    Closed,
}

/// One run of the binary.
#[derive(Debug)]
pub struct Step {
    pub env: Vec<(String, String)>,
    pub args: Vec<String>,
    pub stdin: Option<Vec<u8>>,
    pub stdout: Stdout,
}

impl Step {
    pub fn new(args: &[&str]) -> Self {
        Step {
            env: Vec::new(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            stdin: None,
            stdout: Stdout::Piped,
        }
    }

    /// The words of `line`, split at spaces; a `'quoted'` word may hold spaces.
    pub fn sh(line: &str) -> Self {
        let words = words(line);
        Step::new(&words.iter().map(String::as_str).collect::<Vec<_>>())
    }

    pub fn env(mut self, name: &str, value: impl Into<String>) -> Self {
        self.env.push((name.to_owned(), value.into()));
        self
    }

    /// `AMOCRM_BASE_URL` and `AMOCRM_TOKEN` of `fake`'s default account.
    pub fn on(self, fake: &FakeServer) -> Self {
        self.env("AMOCRM_BASE_URL", fake.base_url())
            .env("AMOCRM_TOKEN", fake.token())
    }

    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    pub fn stdout(mut self, stdout: Stdout) -> Self {
        self.stdout = stdout;
        self
    }
}

/// The transcript being written, with the literal values that vary by run and what they
/// are shown as.
pub struct Transcript {
    pub text: String,
    masks: Vec<(String, String)>,
    secrets: Vec<String>,
    section: usize,
    step: usize,
}

impl Transcript {
    pub fn new() -> Self {
        let mut transcript = Transcript {
            text: String::new(),
            masks: Vec::new(),
            secrets: Vec::new(),
            section: 0,
            step: 0,
        };
        transcript.mask(
            std::env::temp_dir()
                .join("amocrm-cli-tests-no-config")
                .display()
                .to_string(),
            "<no-config>",
        );
        transcript
    }

    /// Shows `real` as `shown` wherever it appears.
    pub fn mask(&mut self, real: impl Into<String>, shown: &str) {
        let real = real.into();
        if !real.is_empty() {
            self.masks.push((real, shown.to_owned()));
            // Longest first: a port that is a prefix of another port must not eat it.
            self.masks
                .sort_by_key(|(real, _)| std::cmp::Reverse(real.len()));
        }
    }

    /// The loopback port of `url` (`http://127.0.0.1:PORT...`), shown as `<NAME>`.
    pub fn mask_port(&mut self, url: &str, name: &str) {
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
        self.mask(authority.to_owned(), &format!("127.0.0.1:<{name}>"));
    }

    /// `value` must never be printed (a token, a password); its steps check that.
    pub fn secret(&mut self, value: impl Into<String>) {
        self.secrets.push(value.into());
    }

    fn masked(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (real, shown) in &self.masks {
            text = text.replace(real, shown);
        }
        mask_times(&text)
    }

    pub fn section(&mut self, title: &str) {
        self.section += 1;
        self.step = 0;
        self.text
            .push_str(&format!("\n# {}. {title}\n", self.section));
    }

    pub async fn run(&mut self, title: &str, step: Step) {
        self.step += 1;
        let (code, stdout, stderr) = execute(&step).await;
        for secret in &self.secrets {
            assert!(
                !stdout.contains(secret.as_str()) && !stderr.contains(secret.as_str()),
                "a secret was printed by {title:?}:\n{stdout}\n{stderr}"
            );
        }
        let line = self.masked(&command_line(&step));
        let stdin = step.stdin.as_ref().map_or(String::new(), |bytes| {
            format!("stdin: {} bytes\n", bytes.len())
        });
        let redirect = match step.stdout {
            Stdout::Piped => "",
            Stdout::Full => " > /dev/full",
            Stdout::Closed => " | (closed at once)",
        };
        self.text.push_str(&format!(
            "\n## {}.{} {title}\n$ {line}{redirect}\n{stdin}exit: {code}\n{}{}",
            self.section,
            self.step,
            block("stdout", &self.masked(&stdout)),
            block("stderr", &self.masked(&stderr)),
        ));
    }
}

/// `stdout:` and each line prefixed with `| `; `(empty)`; a missing final newline said.
fn block(name: &str, text: &str) -> String {
    if text.is_empty() {
        return format!("{name}: (empty)\n");
    }
    let mut out = format!("{name}:\n");
    for line in text.split_inclusive('\n') {
        out.push_str("| ");
        out.push_str(line);
    }
    if !text.ends_with('\n') {
        out.push_str("\n(no newline at the end)\n");
    }
    out
}

/// The step as a shell line: `NAME=value ... amocrm ARGS`.
fn command_line(step: &Step) -> String {
    let mut words: Vec<String> = step
        .env
        .iter()
        .map(|(name, value)| format!("{name}={}", quoted(value)))
        .collect();
    words.push("amocrm".to_owned());
    words.extend(step.args.iter().map(|arg| quoted(arg)));
    words.join(" ")
}

/// `word` as a shell word: quoted unless plain; characters that would move or hide text in
/// the transcript (controls, bidirectional overrides, invisible spaces) escaped.
fn quoted(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || "-_./:=,@%+<>".contains(c));
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}' | '\u{feff}')
    };
    let shown: String = word
        .chars()
        .map(|c| {
            if hidden(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    if plain && shown == word {
        shown
    } else {
        format!("'{}'", shown.replace('\'', r"'\''"))
    }
}

async fn execute(step: &Step) -> (i32, String, String) {
    let args: Vec<&str> = step.args.iter().map(String::as_str).collect();
    let env: Vec<(&str, &str)> = step
        .env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut cmd = support::command(&args, &env);
    cmd.stderr(Stdio::piped());
    match step.stdout {
        Stdout::Piped | Stdout::Closed => cmd.stdout(Stdio::piped()),
        Stdout::Full => cmd.stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .expect("/dev/full"),
        ),
    };
    if step.stdin.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd.spawn().expect("the binary runs");
    if step.stdout == Stdout::Closed {
        drop(child.stdout.take());
    }
    if let (Some(bytes), Some(mut pipe)) = (&step.stdin, child.stdin.take()) {
        // A binary that stops before reading closes the pipe: not a failure.
        let _ = pipe.write_all(bytes).await;
        drop(pipe);
    }
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the binary finishes within a minute")
        .expect("the binary runs");
    (
        output.status.code().expect("exited, not killed"),
        String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    )
}

/// `text` with the times that differ from run to run masked: `YYYY-MM-DD HH:MM:SS` (token
/// expiry), log timestamps, `expires_at_unix` values, a span's `time.busy`/`time.idle`
/// and the spans `(in 23h 59m)` and `(5s ago`.
fn mask_times(text: &str) -> String {
    let text = mask_pattern(text, "dddd-dd-ddTdd:dd:dd.ddddddZ", "<log time>");
    let text = mask_pattern(&text, "dddd-dd-dd dd:dd:dd", "<date>");
    let text = mask_after(
        &text,
        "\"expires_at_unix\":",
        |c| c.is_ascii_digit(),
        "<unix>",
    );
    // A span's close line: how long it was busy and idle differs from run to run.
    let text = mask_after(&text, "time.busy=", |c| !c.is_whitespace(), "<busy>");
    let text = mask_after(&text, "time.idle=", |c| !c.is_whitespace(), "<idle>");
    let text = mask_between(&text, "(in ", ")", "<span>");
    mask_between(&text, "UTC (", " ago", "<span>")
}

/// Each match of `pattern` (`d` a digit, anything else itself) replaced with `shown`.
fn mask_pattern(text: &str, pattern: &str, shown: &str) -> String {
    let pattern = pattern.as_bytes();
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let matches = bytes.len() - i >= pattern.len()
            && pattern.iter().zip(&bytes[i..]).all(|(p, b)| match p {
                b'd' => b.is_ascii_digit(),
                p => p == b,
            });
        if matches {
            out.extend_from_slice(shown.as_bytes());
            i += pattern.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("only ASCII was replaced")
}

/// The run of characters `keep` accepts after each `marker`, replaced with `shown`.
fn mask_after(text: &str, marker: &str, keep: impl Fn(char) -> bool, shown: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let after = at + marker.len();
        out.push_str(&rest[..after]);
        let tail = &rest[after..];
        let end = tail.find(|c: char| !keep(c)).unwrap_or(tail.len());
        if end > 0 {
            out.push_str(shown);
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// What stands between `open` and the next `close` on the same line, replaced with `shown`.
fn mask_between(text: &str, open: &str, close: &str, shown: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(open) {
        let after = at + open.len();
        out.push_str(&rest[..after]);
        let tail = &rest[after..];
        let line_end = tail.find('\n').unwrap_or(tail.len());
        match tail[..line_end].find(close) {
            Some(end) => {
                out.push_str(shown);
                rest = &tail[end..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

/// `line` split at spaces, `'…'` kept together (without the quotes).
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let (mut quoted, mut started) = (false, false);
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            ' ' if !quoted => {
                if started {
                    words.push(std::mem::take(&mut word));
                }
                started = false;
            }
            c => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    words
}

/// Starts `builder`'s fake and masks its port as `<name>` and its tokens.
pub async fn fake(t: &mut Transcript, builder: FakeBuilder, name: &str) -> FakeServer {
    let fake = builder.start().await.expect("the fake starts");
    t.mask_port(&fake.base_url(), name);
    t.mask(fake.token(), "<token>");
    t.mask(fake.user_token(), "<user token>");
    t.secret(fake.token());
    t.secret(fake.user_token());
    fake
}

pub fn path(path: &Path) -> String {
    path.to_str().expect("a UTF-8 path").to_owned()
}
