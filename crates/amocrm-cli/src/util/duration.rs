//! Durations as people write them: `30s`, `1500ms`, `2m`, `1h`, `1m30s`, or plain seconds
//! (`30`, what `--timeout` took before units). A dozen lines do not need a crate.

use std::time::Duration;

/// The longest timeout accepted: one hour.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

/// Parses a duration: one or more `NUMBER UNIT` parts (units `ms`, `s`, `m`, `h`), or a
/// plain number of seconds. The error says what is wrong and what is expected.
///
/// ```text
/// 30s, 1500ms, 2m, 1h, 1m30s, 45
/// ```
pub fn parse(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let expected = "expected a duration such as 30s, 1500ms, 2m or 1m30s";
    if text.is_empty() {
        return Err(format!("the duration is empty: {expected}"));
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<u64>()
            .map(Duration::from_secs)
            .map_err(|_| format!("{text:?} is too large"));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let unit_len = rest[digits..]
            .bytes()
            .take_while(u8::is_ascii_alphabetic)
            .count();
        if digits == 0 || unit_len == 0 {
            return Err(format!("{text:?} is not a duration: {expected}"));
        }
        let number: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("{text:?} is too large"))?;
        let part = match &rest[digits..digits + unit_len] {
            "ms" => Some(Duration::from_millis(number)),
            "s" => Some(Duration::from_secs(number)),
            "m" => number.checked_mul(60).map(Duration::from_secs),
            "h" => number.checked_mul(3600).map(Duration::from_secs),
            unit => {
                return Err(format!(
                    "{unit:?} is not a unit of time: use ms, s, m or h ({expected})"
                ));
            }
        };
        total = part
            .and_then(|part| total.checked_add(part))
            .ok_or_else(|| format!("{text:?} is too large"))?;
        rest = &rest[digits + unit_len..];
    }
    Ok(total)
}

/// A request timeout: a [`parse`]d duration from 1 ms to [`MAX_TIMEOUT`].
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let timeout = parse(text)?;
    if timeout.is_zero() {
        return Err("the timeout must be longer than 0".to_owned());
    }
    if timeout > MAX_TIMEOUT {
        return Err("the timeout must be at most 1h".to_owned());
    }
    Ok(timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_plain_seconds() {
        assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse("1500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse(" 45 "), Ok(Duration::from_secs(45)));
        assert_eq!(parse("1s500ms"), Ok(Duration::from_millis(1500)));
    }

    #[test]
    fn malformed_durations_are_errors() {
        for bad in [
            "",
            "s",
            "10x",
            "1.5s",
            "-3s",
            "10 s",
            "s10",
            "ms",
            "99999999999999999999h",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert!(parse_timeout("0s").is_err());
        assert!(parse_timeout("61m").is_err());
        assert_eq!(parse_timeout("1h"), Ok(MAX_TIMEOUT));
    }
}
