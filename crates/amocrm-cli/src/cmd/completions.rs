//! `amocrm completions SHELL`: clap_complete's script, with two repairs of its fish script.
//! clap_complete 4 gives fish no candidates for positional values (`amocrm completions
//! <TAB>` offered files, not shells), and its guard for the top level fails while an option
//! there waits for its value (`amocrm --domain <TAB>` offered files, not domains).

use std::io::Write;

use clap::{Args, Command};
use clap_complete::Shell;

use super::context::Ctx;
use crate::failure::Failure;

/// The end of `completions --help`.
pub const AFTER_HELP: &str = "\
Examples:
  bash:       amocrm completions bash > ~/.local/share/bash-completion/completions/amocrm
  zsh:        amocrm completions zsh > ~/.zfunc/_amocrm
              (with fpath+=(~/.zfunc); autoload -Uz compinit; compinit in ~/.zshrc)
  fish:       amocrm completions fish > ~/.config/fish/completions/amocrm.fish
  powershell: amocrm completions powershell | Out-String | Invoke-Expression
              (add that line to $PROFILE to keep it)";

/// `amocrm completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Runs `amocrm completions SHELL`.
pub fn run(args: &CompletionsArgs, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    // Generated into memory first: clap_complete panics when its writer fails, and a closed
    // pipe (`| head`) must end quietly.
    let script = script(args.shell, &mut (ctx.command_line)());
    let out = ctx.out.writer();
    out.write_all(&script)?;
    ctx.out.flush()?;
    Ok(())
}

/// The guard's lines in clap_complete's fish script: a command line argparse cannot read
/// yet (an option waiting for its value) counts as one that still needs its subcommand.
const FISH_GUARD: &str = "-- $cmd 2>/dev/null\n    or return\n";
const FISH_GUARD_REPAIRED: &str = "-- $cmd 2>/dev/null\n    or return 0\n";

/// The completion script of `command` for `shell`, in memory (clap_complete panics when its
/// writer fails, and a closed pipe must end quietly).
fn script(shell: Shell, command: &mut Command) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, command, "amocrm", &mut script);
    if shell != Shell::Fish {
        return script;
    }
    match String::from_utf8(script) {
        Ok(text) => {
            let mut text = text.replacen(FISH_GUARD, FISH_GUARD_REPAIRED, 1);
            fish_positionals(command, &[], &mut text);
            text.into_bytes()
        }
        Err(error) => error.into_bytes(),
    }
}

/// One `complete` line per positional argument with a fixed set of values, offered until
/// one of them is on the command line.
fn fish_positionals(command: &Command, path: &[&str], out: &mut String) {
    if let [first, rest @ ..] = path {
        for arg in command.get_positionals().filter(|a| !a.is_hide_set()) {
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name().to_owned())
                .collect();
            if values.is_empty() {
                continue;
            }
            let mut condition = format!("__fish_amocrm_using_subcommand {first}");
            for sub in rest {
                condition.push_str(&format!("; and __fish_seen_subcommand_from {sub}"));
            }
            let values = values.join(" ");
            out.push_str(&format!(
                "complete -c amocrm -n \"{condition}; and not __fish_seen_subcommand_from {values}\" -f -a \"{values}\"\n"
            ));
        }
    }
    for sub in command.get_subcommands() {
        let mut path = path.to_vec();
        path.push(sub.get_name());
        fish_positionals(sub, &path, out);
    }
}
