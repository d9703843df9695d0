//! The global options out of the way of a subcommand's help: they stay accepted (and
//! completed) everywhere, but a subcommand's `-h` and `--help` show only its own options
//! and, at the end, the global ones' names under their headings; `amocrm --help` shows
//! them whole.

use clap::{Arg, Command};

/// The list at the end of a subcommand's help: `Global options …` and the flags of each
/// heading, wrapped at 80 columns.
pub fn footer(globals: &[Arg]) -> String {
    let mut headings: Vec<(&str, Vec<String>)> = Vec::new();
    for arg in globals {
        let heading = arg.get_help_heading().unwrap_or("Other");
        let name = match (arg.get_short(), arg.get_long()) {
            (Some(short), Some(long)) => format!("-{short}/--{long}"),
            (None, Some(long)) => format!("--{long}"),
            (Some(short), None) => format!("-{short}"),
            (None, None) => continue,
        };
        match headings.iter_mut().find(|(h, _)| *h == heading) {
            Some((_, names)) => names.push(name),
            None => headings.push((heading, vec![name])),
        }
    }
    let width = headings.iter().map(|(h, _)| h.len()).max().unwrap_or(0) + 1;
    let mut text =
        String::from("Global options, before or after the command (amocrm --help describes them):");
    for (heading, names) in headings {
        let mut line = format!("  {:width$} ", format!("{heading}:"));
        let indent = line.len();
        let mut first = true;
        for name in names {
            if !first && line.len() + 1 + name.len() > 80 {
                text.push('\n');
                text.push_str(line.trim_end());
                line = " ".repeat(indent);
                first = true;
            }
            if !first {
                line.push(' ');
            }
            line.push_str(&name);
            first = false;
        }
        text.push('\n');
        text.push_str(&line);
    }
    text
}

/// `sub` and its subcommands with the global options hidden from their help (still parsed
/// and completed: hidden from help only) and `footer` at the end of their help.
pub fn hide(mut sub: Command, globals: &[Arg], footer: &str) -> Command {
    for arg in globals {
        // Clap hands a global option down to a subcommand that lacks it; this copy is
        // that one, hidden from help.
        sub = sub.arg(arg.clone().hide_short_help(true).hide_long_help(true));
    }
    let short = match sub.get_after_help() {
        Some(text) => format!("{text}\n\n{footer}"),
        None => footer.to_owned(),
    };
    if let Some(text) = sub.get_after_long_help() {
        let long = format!("{text}\n\n{footer}");
        sub = sub.after_long_help(long);
    }
    sub = sub.after_help(short);
    sub.mut_subcommands(|inner| hide(inner, globals, footer))
}
