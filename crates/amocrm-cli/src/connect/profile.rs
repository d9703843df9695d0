//! Profiles: named accounts in a TOML config file, so a script says `--profile work`
//! instead of repeating the account, the token file and the timeout.
//!
//! ```toml
//! default_profile = "work"
//!
//! [profiles.work]
//! subdomain = "example"          # or base_url = "https://example.kommo.com"
//! domain = "kommo.com"           # amocrm.ru (the default), amocrm.com or kommo.com
//! token_file = "example.token"   # relative to this file's folder; ~/ is the home folder
//! # token_store = "tokens.json"  # instead of token_file: an OAuth pair (file or postgres:// URL)
//! timeout = "45s"                # or a number of seconds
//! ```
//!
//! The file is `--config PATH` / `AMOCRM_CONFIG`, else `$XDG_CONFIG_HOME/amocrm/config.toml`
//! or `~/.config/amocrm/config.toml` (on Windows `%APPDATA%\amocrm\config.toml`). A
//! missing default file means no profiles; a missing `--config` file is an error. Unknown
//! keys are errors that name the key and its line: a typo must not silently fall back to
//! another account. The file holds no token, only where to find one, and errors never
//! quote its lines.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::args::{ConnectionArgs, DomainArg};
use super::stores;
use crate::failure::Failure;
use crate::util::duration;
use crate::util::path::resolve as resolve_path;

/// The config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// The profile used when neither `--profile` nor `AMOCRM_PROFILE` names one.
    default_profile: Option<String>,
    /// The profiles by name.
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// One named account. Every value is optional: what a profile lacks comes from flags,
/// environment variables or defaults, and what they give overrides it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Base URL of the account.
    pub base_url: Option<String>,
    /// Account subdomain (or full host).
    pub subdomain: Option<String>,
    /// Domain of the subdomain.
    pub domain: Option<DomainArg>,
    /// File that holds the token; resolved against the config file's folder.
    pub token_file: Option<PathBuf>,
    /// Where the account's OAuth token pair is kept: a file (resolved against the config
    /// file's folder) or a `postgres://` URL.
    pub token_store: Option<String>,
    /// Timeout of one request.
    #[serde(default, deserialize_with = "timeout")]
    pub timeout: Option<Duration>,
}

/// The profile chosen for this run, with its name (for messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selected {
    /// The profile's name.
    pub name: String,
    /// Its values, `token_file` made absolute.
    pub profile: Profile,
}

/// The default config file: `$XDG_CONFIG_HOME/amocrm/config.toml`, else
/// `$HOME/.config/amocrm/config.toml` (unix); `%APPDATA%\amocrm\config.toml` (Windows).
/// `None` when the environment names no such folder.
pub fn default_path() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let base = if cfg!(windows) {
        var("APPDATA")
    } else {
        // The XDG base directory spec: a relative XDG_CONFIG_HOME is ignored.
        var("XDG_CONFIG_HOME").or_else(|| var("HOME").map(|home| home.join(".config")))
    };
    base.map(|dir| dir.join("amocrm").join("config.toml"))
}

/// The config file in use: `--config` / `AMOCRM_CONFIG`, else [`default_path`].
pub fn path(args: &ConnectionArgs) -> Option<PathBuf> {
    args.config.clone().or_else(default_path)
}

/// The profile the flags and environment choose (`--profile`, `AMOCRM_PROFILE`, else the
/// file's `default_profile`), or `None` when none is chosen. Every problem with the file
/// is an input error.
pub fn selected(args: &ConnectionArgs) -> Result<Option<Selected>, Failure> {
    let (path, explicit) = match &args.config {
        Some(path) => (Some(path.clone()), true),
        None => (default_path(), false),
    };
    let config = match &path {
        Some(path) => read(path, explicit)?,
        None => None,
    };
    let (name, from_default) = match (&args.profile, config.as_ref()) {
        (Some(name), _) => (name.trim().to_owned(), false),
        (None, Some(config)) => match &config.default_profile {
            Some(name) => (name.trim().to_owned(), true),
            None => return Ok(None),
        },
        (None, None) => return Ok(None),
    };
    let shown = |path: &Option<PathBuf>| {
        path.as_deref().map_or_else(
            || "(no config folder)".to_owned(),
            |p| p.display().to_string(),
        )
    };
    let Some(config) = config else {
        return Err(Failure::input(format!(
            "no profile {name:?}: there is no config file at {} (give --config PATH or AMOCRM_CONFIG)",
            shown(&path)
        )));
    };
    let Some(profile) = config.profiles.get(&name) else {
        let known: Vec<&str> = config.profiles.keys().map(String::as_str).collect();
        let known = if known.is_empty() {
            "it has no profiles".to_owned()
        } else {
            format!("its profiles: {}", known.join(", "))
        };
        let message = if from_default {
            format!(
                "default_profile {name:?} in {} names no profile; {known}",
                shown(&path)
            )
        } else {
            format!("no profile {name:?} in {}; {known}", shown(&path))
        };
        return Err(Failure::input(message));
    };
    let mut profile = profile.clone();
    check(&name, &profile)?;
    if let Some(config_path) = &path {
        let folder = config_path.parent().unwrap_or(Path::new("."));
        if let Some(file) = &profile.token_file {
            profile.token_file = Some(resolve_path(file, folder));
        }
        if let Some(store) = &profile.token_store
            && !stores::is_postgres_url(store)
        {
            let resolved = resolve_path(Path::new(store), folder);
            profile.token_store = Some(resolved.to_string_lossy().into_owned());
        }
    }
    Ok(Some(Selected { name, profile }))
}

/// A config file larger than this is refused: `--config /dev/zero` must not fill the memory.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The file's text, at most [`MAX_CONFIG_BYTES`].
fn read_text(path: &Path) -> io::Result<String> {
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_CONFIG_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(io::Error::other(
            "it holds more than 1 MiB: that is not a config file",
        ));
    }
    Ok(text)
}

/// Reads and parses the file; `None` when it does not exist and was not asked for.
fn read(path: &Path, explicit: bool) -> Result<Option<Config>, Failure> {
    let text = match read_text(path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound && !explicit => return Ok(None),
        Err(error) => {
            return Err(Failure::input(format!(
                "cannot read the config file {}: {error}",
                path.display()
            )));
        }
    };
    parse(&text)
        .map(Some)
        .map_err(|message| Failure::input(format!("config file {}: {message}", path.display())))
}

/// Parses a config file's text. The error names the line and what is wrong (an unknown
/// key by its name), never the line's content.
fn parse(text: &str) -> Result<Config, String> {
    toml::from_str(text).map_err(|error: toml::de::Error| {
        let mut message = error.message().trim().replace('\n', "; ");
        let hint = if message.starts_with("unknown field `token`") {
            " (a profile keeps no token itself: put it in a file and give token_file)"
        } else {
            ""
        };
        // The parser's message quotes a string value it rejects (`work = "TOKEN"` under
        // [profiles], an unknown domain): that value may be a secret put in the wrong place.
        let value = error.span().and_then(|span| text.get(span));
        if let Some(value) = value.filter(|v| v.starts_with(['"', '\''])) {
            // As the parser read it (escapes resolved), the form its message quotes.
            let decoded = toml::from_str::<toml::Table>(&format!("v = {value}"))
                .ok()
                .and_then(|table| table.get("v")?.as_str().map(str::to_owned));
            let inner = decoded.unwrap_or_else(|| value.trim_matches(['"', '\'']).to_owned());
            let inner = inner.as_str();
            if !inner.trim().is_empty() {
                for quoted in [
                    format!("`{inner}`"),
                    format!("{inner:?}"),
                    format!("{:?}", inner.trim()),
                ] {
                    message = message.replace(&quoted, "(the value, not shown)");
                }
            }
        }
        match error.span() {
            Some(span) => {
                let line = text
                    .get(..span.start)
                    .map_or(0, |before| before.matches('\n').count())
                    + 1;
                format!("line {line}: {message}{hint}")
            }
            None => format!("{message}{hint}"),
        }
    })
}

/// A profile's values that contradict each other.
fn check(name: &str, profile: &Profile) -> Result<(), Failure> {
    let mut problems = Vec::new();
    if profile.base_url.is_some() && profile.subdomain.is_some() {
        problems.push(format!(
            "profile {name:?} gives both base_url and subdomain: keep one"
        ));
    }
    if profile.base_url.is_some() && profile.domain.is_some() {
        problems.push(format!(
            "profile {name:?}: domain goes with subdomain; a base_url names its host already"
        ));
    }
    if profile.token_file.is_some() && profile.token_store.is_some() {
        problems.push(format!(
            "profile {name:?} gives both token_file and token_store: keep one"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::Input(problems))
    }
}

/// `timeout = "45s"` or `timeout = 45` (seconds).
fn timeout<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<Duration>, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = Option<Duration>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a duration such as \"30s\", \"1500ms\" or \"2m\", or a number of seconds")
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
            duration::parse_timeout(text).map(Some).map_err(E::custom)
        }

        fn visit_i64<E: serde::de::Error>(self, seconds: i64) -> Result<Self::Value, E> {
            let seconds = u64::try_from(seconds)
                .map_err(|_| E::custom("the timeout must be longer than 0"))?;
            duration::parse_timeout(&seconds.to_string())
                .map(Some)
                .map_err(E::custom)
        }

        fn visit_u64<E: serde::de::Error>(self, seconds: u64) -> Result<Self::Value, E> {
            self.visit_i64(i64::try_from(seconds).unwrap_or(i64::MAX))
        }
    }
    de.deserialize_any(Visitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_config_parses() {
        let config = parse(
            r#"
default_profile = "work"

[profiles.work]
subdomain = "example"
domain = "kommo.com"
token_file = "~/work.token"
timeout = "1m30s"

[profiles.local]
base_url = "http://127.0.0.1:8080"
token_store = "postgres://localhost/amocrm"
timeout = 5
"#,
        );
        let Ok(config) = config else {
            panic!("{config:?}")
        };
        assert_eq!(config.default_profile.as_deref(), Some("work"));
        let work = &config.profiles["work"];
        assert_eq!(work.domain, Some(DomainArg::KommoCom));
        assert_eq!(work.timeout, Some(Duration::from_secs(90)));
        let local = &config.profiles["local"];
        assert_eq!(local.timeout, Some(Duration::from_secs(5)));
        assert_eq!(
            local.token_store.as_deref(),
            Some("postgres://localhost/amocrm")
        );
    }

    #[test]
    fn unknown_keys_name_the_key_and_line_never_the_value() {
        let error = parse("[profiles.a]\nsubdomain = \"x\"\ntoken = \"s3cr3t\"\n")
            .err()
            .unwrap_or_default();
        assert!(
            error.starts_with("line 3: unknown field `token`"),
            "{error}"
        );
        assert!(error.contains("token_file"), "{error}");
        assert!(!error.contains("s3cr3t"), "{error}");
        let error = parse("defualt_profile = \"a\"\n").err().unwrap_or_default();
        assert!(
            error.starts_with("line 1: unknown field `defualt_profile`"),
            "{error}"
        );
        let error = parse("[profiles.a]\ndomain = \"example.org\"\n")
            .err()
            .unwrap_or_default();
        assert!(error.starts_with("line 2:"), "{error}");
        let error = parse("[profiles.a]\n\ntimeout = \"soon\"\n")
            .err()
            .unwrap_or_default();
        assert!(error.starts_with("line 3:"), "{error}");
        assert!(parse("[profiles.a\n").is_err());
    }

    #[test]
    fn a_rejected_string_value_is_never_quoted() {
        for (text, line) in [
            ("[profiles]\nwork = \"s3cr3t-token\"\n", "line 2: "),
            ("[profiles]\nwork = \"s3cr3t\\\\N\\u0041\"\n", "line 2: "),
            (
                "[profiles]\nwork = \"\"\"\ns3cr3t\\\n  x\"\"\"\n",
                "line 2: ",
            ),
            ("[profiles.a]\ndomain = \"s3cr3t-token\"\n", "line 2: "),
            ("[profiles.a]\n\ntimeout = ' s3cr3t-token '\n", "line 3: "),
            (
                "default_profile = \"\"\"\ns3cr3t-token\"\"\"\n[profiles.a]\nbase_url = 1\n",
                "line 4: ",
            ),
        ] {
            let error = parse(text).err().unwrap_or_default();
            assert!(error.starts_with(line), "{error}");
            assert!(!error.contains("s3cr3t"), "{error}");
        }
        let error = parse("[profiles.a]\ndomain = \"ru\"\n")
            .err()
            .unwrap_or_default();
        assert!(error.contains("(the value, not shown)"), "{error}");
        assert!(error.contains("`amocrm.ru`"), "the choices stay: {error}");
    }
}
