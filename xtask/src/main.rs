//! Project automation, in the style of rust-analyzer's xtask.
//!
//! * `cargo xtask generate` bundles `openapi/amocrm-v4.yaml` and `openapi/sections/*.yaml`
//!   into `openapi/bundled/amocrm-v4.yaml`, runs progenitor on the bundle and writes
//!   `crates/amocrm-raw/src/generated.rs`.
//! * `cargo xtask generate --check` does both in memory and fails with a diff when either
//!   committed file is stale (CI runs this).

mod adapt;
mod bundle;
mod generate;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  generate           bundle openapi/amocrm-v4.yaml + openapi/sections/*.yaml into
                     openapi/bundled/amocrm-v4.yaml, and regenerate
                     crates/amocrm-raw/src/generated.rs from the bundle
  generate --check   fail (exit 1, with a diff) when either committed file is stale
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
