//! Project automation, in the style of rust-analyzer's xtask.
//!
//! * `cargo xtask generate` reads `openapi/widgets-v4.yaml`, runs progenitor on it and
//!   writes `crates/amocrm-raw/src/generated.rs`.
//! * `cargo xtask generate --check` regenerates in memory and fails with a diff when the
//!   committed file is stale (CI runs this).

mod adapt;
mod generate;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  generate           regenerate crates/amocrm-raw/src/generated.rs from openapi/widgets-v4.yaml
  generate --check   fail (exit 1, with a diff) when the committed file is stale
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["generate"] => generate::run(&project_root(), generate::Mode::Write),
        ["generate", "--check"] => generate::run(&project_root(), generate::Mode::Check),
        ["help" | "--help" | "-h"] => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn project_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
