//! `KEY=VALUE` and `KEY=JSON` flag values (`--set`, `--set-json`, `--data`,
//! `--data-json`). Messages name the flag and the key, never the value: it may be a
//! password.

use serde_json::Value;

/// Splits `KEY=VALUE` at the first `=`. The message names the flag, not the value.
pub fn split_pair<'a>(flag: &str, arg: &'a str) -> Result<(&'a str, &'a str), String> {
    match arg.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim(), value)),
        Some(_) => Err(format!("{flag}: the key before '=' is empty")),
        None => Err(format!("{flag}: expected KEY=VALUE, but there is no '='")),
    }
}

/// Parses the JSON of `--set-json`/`--data-json`; the message gives the position of the
/// error, not the text.
pub fn parse_json(flag: &str, key: &str, text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| {
        format!(
            "{flag} {key}: not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        )
    })
}
