//! Where the token comes from: `--token`/`AMOCRM_TOKEN`, `--token-file`/`AMOCRM_TOKEN_FILE`,
//! `--token-stdin`, else the profile's `token_file`. A command line is visible to every
//! user of the machine (`ps`), a file or a pipe is not.
//!
//! Exactly one source: two on the command line, or two only in the environment, is an
//! input error; a flag on the command line wins over the environment variable of another
//! source (as for the account). No message ever contains the token or a line of its file.

use std::io::{self, IsTerminal, Read};
use std::path::Path;

use clap::ArgMatches;
use clap::parser::ValueSource;
use secrecy::SecretString;
use secrecy::zeroize::Zeroizing;

use super::args::ConnectionArgs;
use super::profile::{Profile, Selected};
use crate::failure::{self, Failure};

/// A token file or stdin larger than this is not a token: refused without reading on.
const MAX_TOKEN_BYTES: u64 = 64 * 1024;

/// One of the token sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Token,
    File,
    Stdin,
}

impl Source {
    fn flag(self) -> &'static str {
        match self {
            Source::Token => "--token",
            Source::File => "--token-file",
            Source::Stdin => "--token-stdin",
        }
    }
}

/// The source to read, from the arguments alone; `None` when they give none.
fn choose(args: &ConnectionArgs, matches: &ArgMatches) -> Result<Option<Source>, Failure> {
    let given: Vec<(Source, bool)> = [
        (Source::Token, args.token.is_some(), "token"),
        (Source::File, args.token_file.is_some(), "token_file"),
        (Source::Stdin, args.token_stdin, "token_stdin"),
    ]
    .into_iter()
    .filter(|(_, present, _)| *present)
    .map(|(source, _, id)| {
        let on_command_line = matches!(matches.value_source(id), Some(ValueSource::CommandLine));
        (source, on_command_line)
    })
    .collect();
    let on_command_line: Vec<Source> = given
        .iter()
        .filter(|(_, cli)| *cli)
        .map(|(s, _)| *s)
        .collect();
    match (given.as_slice(), on_command_line.as_slice()) {
        ([], _) => Ok(None),
        ([(only, _)], _) | (_, [only]) => Ok(Some(*only)),
        _ => {
            let names: Vec<&str> = given.iter().map(|(s, _)| s.flag()).collect();
            Err(Failure::input(format!(
                "give one token source, not {}: --token, --token-file or --token-stdin \
                 (AMOCRM_TOKEN and AMOCRM_TOKEN_FILE count too; a flag wins over the \
                 variable of another)",
                names.join(" and ")
            )))
        }
    }
}

/// The static token of the arguments, or else of the profile's `token_file`; `None` when
/// neither gives one (the stored OAuth pair is used then). Reads stdin or a file as needed.
/// A token store on the command line with a token source on the command line is an input
/// error; a token store from the flags or the environment wins over a profile's
/// `token_file`.
pub fn resolve(
    args: &ConnectionArgs,
    matches: &ArgMatches,
    profile: Option<&Selected>,
) -> Result<Option<SecretString>, Failure> {
    let on_command_line =
        |id: &str| matches!(matches.value_source(id), Some(ValueSource::CommandLine));
    if on_command_line("token_store")
        && ["token", "token_file", "token_stdin"]
            .into_iter()
            .any(on_command_line)
    {
        return Err(Failure::input(
            "give a token (--token, --token-file, --token-stdin) or --token-store, not both",
        ));
    }
    let source = choose(args, matches)?;
    if let Some(source) = source {
        note_source(source, args, matches);
    }
    match source {
        Some(Source::Token) => args
            .token
            .clone()
            .map(Some)
            .ok_or_else(|| Failure::input("no token")),
        Some(Source::File) => match &args.token_file {
            Some(path) => from_file(path).map(Some),
            None => Err(Failure::input("no token file")),
        },
        Some(Source::Stdin) => from_stdin().map(Some),
        None => match profile {
            Some(Selected {
                profile:
                    Profile {
                        token_file: Some(path),
                        ..
                    },
                ..
            }) if args.token_store.is_none() => {
                if names_another_account(args, profile) {
                    return Err(Failure::input(format!(
                        "the token_file of profile {} is for the profile's own account, and \
                         --base-url/--subdomain (or AMOCRM_BASE_URL/AMOCRM_SUBDOMAIN) name \
                         another: give that account's token (--token-file, --token-stdin, \
                         --token) or drop the account flags",
                        profile.map(|p| p.name.as_str()).unwrap_or_default()
                    )));
                }
                let name = profile.map(|p| p.name.as_str()).unwrap_or_default();
                failure::note_token_source(
                    format!("the token_file {} of profile {name}", path.display()),
                    false,
                );
                from_file(path).map(Some)
            }
            _ => Ok(None),
        },
    }
}

/// Notes which source the token came from, for the message of a 401 (a path, a flag or
/// a variable's name; never the token).
fn note_source(source: Source, args: &ConnectionArgs, matches: &ArgMatches) {
    let flag = matches!(
        matches.value_source(match source {
            Source::Token => "token",
            Source::File => "token_file",
            Source::Stdin => "token_stdin",
        }),
        Some(ValueSource::CommandLine)
    );
    let path = args
        .token_file
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    failure::note_token_source(
        match (source, flag) {
            (Source::Token, true) => "--token".to_owned(),
            (Source::Token, false) => "AMOCRM_TOKEN".to_owned(),
            (Source::File, true) => format!("--token-file {path}"),
            (Source::File, false) => format!("AMOCRM_TOKEN_FILE ({path})"),
            (Source::Stdin, _) => "--token-stdin".to_owned(),
        },
        false,
    );
}

/// Whether the flags or the environment name an account while the profile names its own:
/// the profile's token is then not sent (it would go to a host it was not made for).
fn names_another_account(args: &ConnectionArgs, profile: Option<&Selected>) -> bool {
    let Some(selected) = profile else {
        return false;
    };
    let same = |flag: &Option<String>, own: &Option<String>| match (flag, own) {
        (None, _) => true,
        (Some(flag), Some(own)) => normal(flag) == normal(own),
        (Some(_), None) => false,
    };
    let profile = &selected.profile;
    if profile.base_url.is_none() && profile.subdomain.is_none() {
        return false;
    }
    !(same(&args.base_url, &profile.base_url) && same(&args.subdomain, &profile.subdomain))
}

/// An account name as written, for comparison: trimmed, no trailing `/`, lower case.
fn normal(name: &str) -> String {
    name.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// Reads the token file at `path`; warns on stderr when other users can read it.
fn from_file(path: &Path) -> Result<SecretString, Failure> {
    let shown = path.display().to_string();
    let unreadable =
        |error: io::Error| Failure::input(format!("cannot read the token file {shown}: {error}"));
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    if metadata.is_dir() {
        return Err(Failure::input(format!(
            "the token file {shown} is a directory"
        )));
    }
    if file.is_terminal() {
        // /dev/stdin or /dev/tty on a terminal: what the user typed would be shown.
        return Err(Failure::input(format!(
            "the token file {shown} is a terminal: give a file, or pipe the token in with \
             --token-stdin"
        )));
    }
    warn_if_shared(&shown, &metadata);
    let what = format!("the token file {shown}");
    token_of(file, &what).map_err(|message| match message {
        Problem::Io(error) => unreadable(error),
        Problem::Text(message) => Failure::input(message),
    })
}

/// Reads the token from stdin, to its end. A terminal is refused: the process would wait
/// without a word, and what the user typed would be shown on the screen.
fn from_stdin() -> Result<SecretString, Failure> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        return Err(Failure::input(
            "--token-stdin reads the token from a pipe, but standard input is a terminal: \
             pipe it in (pass show amocrm | amocrm --token-stdin ...) or give --token-file PATH",
        ));
    }
    token_of(stdin.lock(), "standard input (--token-stdin)").map_err(|problem| match problem {
        Problem::Io(error) => Failure::input(format!("cannot read the token from stdin: {error}")),
        Problem::Text(message) => Failure::input(message),
    })
}

/// Why no token could be read.
#[derive(Debug)]
enum Problem {
    Io(io::Error),
    Text(String),
}

/// The token in `reader`: its whole text with a leading byte order mark and surrounding
/// whitespace (the trailing newline) trimmed. Empty, larger than [`MAX_TOKEN_BYTES`], not UTF-8, or with whitespace
/// or control characters inside (two lines, say) is refused; `what` names the source in
/// the message, which never holds the content. The buffer is zeroed when dropped.
fn token_of(reader: impl Read, what: &str) -> Result<SecretString, Problem> {
    let mut buffer = Zeroizing::new(Vec::with_capacity(MAX_TOKEN_BYTES as usize + 1));
    reader
        .take(MAX_TOKEN_BYTES + 1)
        .read_to_end(&mut buffer)
        .map_err(Problem::Io)?;
    if buffer.len() as u64 > MAX_TOKEN_BYTES {
        return Err(Problem::Text(format!(
            "{what} holds more than {} KiB: that is not a token",
            MAX_TOKEN_BYTES / 1024
        )));
    }
    let Ok(text) = std::str::from_utf8(&buffer) else {
        return Err(Problem::Text(format!("{what} is not UTF-8 text")));
    };
    // A byte order mark (Windows Notepad saves UTF-8 with one) is not part of the token.
    let token = text.strip_prefix('\u{feff}').unwrap_or(text).trim();
    if token.is_empty() {
        return Err(Problem::Text(format!("{what} is empty")));
    }
    if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Problem::Text(format!(
            "{what} holds more than one token: whitespace or control characters inside it"
        )));
    }
    Ok(SecretString::from(token.to_owned()))
}

/// On unix, a token file that its group or everyone may read, or change (the token in it
/// could then be anyone's), is reported (not refused: the caller may have a reason).
#[cfg(unix)]
fn warn_if_shared(shown: &str, metadata: &std::fs::Metadata) {
    use std::os::unix::fs::PermissionsExt;

    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o044 != 0 {
        crate::output::warn(&format!(
            "the token file {shown} can be read by other users (mode {mode:o}); \
             make it private: chmod 600 {shown}"
        ));
    }
    if mode & 0o022 != 0 {
        crate::output::warn(&format!(
            "the token file {shown} can be changed by other users (mode {mode:o}), so \
             its token could be anyone's; make it private: chmod 600 {shown}"
        ));
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_shown: &str, _metadata: &std::fs::Metadata) {}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn read(bytes: &[u8]) -> Result<String, String> {
        token_of(bytes, "the input")
            .map(|t| t.expose_secret().to_owned())
            .map_err(|p| format!("{p:?}"))
    }

    #[test]
    fn the_trailing_newline_is_trimmed() {
        assert_eq!(read(b"abc.def\n"), Ok("abc.def".to_owned()));
        assert_eq!(read(b"  abc\r\n"), Ok("abc".to_owned()));
        assert_eq!(read(b"\xef\xbb\xbfabc\r\n"), Ok("abc".to_owned()));
    }

    #[test]
    fn empty_binary_huge_or_two_line_input_is_refused_without_its_content() {
        for bytes in [
            &b""[..],
            b"\n \n",
            b"\xff\xfe s3cr3t",
            b"s3cr3t\nsecond",
            &[b'x'; 70_000],
        ] {
            let problem = read(bytes).err().unwrap_or_default();
            assert!(problem.contains("the input"), "{problem}");
            assert!(!problem.contains("s3cr3t"), "{problem}");
        }
    }
}
