//! The golden transcript: a broad set of commands run against the fake amoCRM server (and a
//! few stand-ins for answers it never gives), each recorded as its command line, exit code,
//! stdout and stderr, byte for byte, and compared with `tests/golden/transcript.txt`.
//!
//! It proves that a change meant to keep the behaviour (a restructure, a rebase onto a
//! renamed library) prints exactly what it printed before, exit codes included. Only what
//! differs from run to run is masked: loopback ports, temporary folders, token expiry
//! times and log timestamps.
//!
//! After a deliberate change of the output, rewrite the file and commit it on its own:
//!
//! ```text
//! AMOCRM_UPDATE_TRANSCRIPT=1 cargo test -p amocrm-cli --test transcript
//! ```
//!
//! Linux only: some steps write to `/dev/full`, and the operating system's error texts
//! (a refused connection) are part of the transcript.
#![cfg(target_os = "linux")]

#[path = "../support/mod.rs"]
mod support;

mod harness;
mod steps;

use std::path::{Path, PathBuf};

use harness::Transcript;

/// The golden file, from the crate's folder.
const GOLDEN: &str = "tests/golden/transcript.txt";
/// Set to `1`, the test writes the golden file instead of comparing with it.
const UPDATE: &str = "AMOCRM_UPDATE_TRANSCRIPT";

#[tokio::test]
async fn the_output_and_exit_codes_match_the_golden_transcript() {
    let mut t = Transcript::new();
    steps::help(&mut t).await;
    steps::completions(&mut t).await;
    steps::usage_errors(&mut t).await;
    steps::widgets(&mut t).await;
    steps::bots(&mut t).await;
    steps::account(&mut t).await;
    steps::api_and_transport_errors(&mut t).await;
    steps::display(&mut t).await;
    steps::output_failures(&mut t).await;
    steps::token_sources(&mut t).await;
    steps::profiles(&mut t).await;
    steps::auth(&mut t).await;
    steps::pipelines(&mut t).await;
    steps::crm(&mut t).await;
    steps::webhooks(&mut t).await;
    steps::tags_links(&mut t).await;

    let actual = t.text;
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    if std::env::var_os(UPDATE).is_some_and(|v| v == "1") {
        std::fs::create_dir_all(golden.parent().expect("a folder")).expect("the folder");
        std::fs::write(&golden, &actual).expect("the golden file is written");
        return;
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_default();
    if actual != expected {
        let written = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("transcript.actual.txt");
        let _ = std::fs::write(&written, &actual);
        let diff = similar::TextDiff::from_lines(&expected, &actual)
            .unified_diff()
            .context_radius(3)
            .header(GOLDEN, "actual")
            .to_string();
        panic!(
            "the CLI's output changed ({} holds it; {UPDATE}=1 rewrites the golden file after \
             a deliberate change):\n{diff}",
            written.display()
        );
    }
}
