//! Reading a moment from the text amoCRM may send for a date: Unix seconds as digits, or a
//! calendar date (`2020-05-08`), a date and time (`2020-05-08 12:30:00`, amoCRM's own
//! format for status descriptions) or RFC 3339 (`2020-05-08T12:30:00+03:00`, what amoCRM's
//! PHP client writes). amoCRM answers with integers today; the text forms come from older
//! answers and from values written by other clients, so this is a fallback. Three fixed
//! formats of the proleptic Gregorian calendar are parsed here rather than pulling a
//! date-time crate into the raw client for them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Unix seconds of `text`: an integer, `YYYY-MM-DD` (midnight UTC), `YYYY-MM-DD HH:MM:SS`
/// or `YYYY-MM-DDTHH:MM:SS`, each with optional fractional seconds (dropped) and an
/// optional zone (`Z`, `+HH:MM`, `-HH:MM`, `+HHMM`; UTC when absent). Surrounding spaces
/// are ignored. `None` for anything else, or a date that does not exist (`2021-02-29`).
pub(crate) fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        return Some(seconds);
    }
    let bytes = text.as_bytes();
    let year = number(bytes, 0, 4)?;
    let month = number(bytes.get(5..)?, 0, 2)?;
    let day = number(bytes.get(8..)?, 0, 2)?;
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let date = days_from_civil(year, month, day) * 86_400;
    let rest = &bytes[10..];
    if rest.is_empty() {
        return Some(date);
    }
    if !matches!(rest[0], b' ' | b'T' | b't') || rest.len() < 9 {
        return None;
    }
    let (hour, minute, second) = (
        number(rest, 1, 2)?,
        number(rest, 4, 2)?,
        number(rest, 7, 2)?,
    );
    if rest[3] != b':' || rest[6] != b':' || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut zone = &rest[9..];
    if let Some(fraction) = zone.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        zone = &fraction[digits..];
    }
    let offset = offset_seconds(zone)?;
    Some(date + hour * 3_600 + minute * 60 + second - offset)
}

/// The moment of `unix` seconds, or `None` where `SystemTime` cannot hold it.
pub(crate) fn system_time(unix: i64) -> Option<SystemTime> {
    let magnitude = Duration::from_secs(unix.unsigned_abs());
    if unix >= 0 {
        UNIX_EPOCH.checked_add(magnitude)
    } else {
        UNIX_EPOCH.checked_sub(magnitude)
    }
}

/// The decimal number of `len` ASCII digits of `bytes` at `at`.
fn number(bytes: &[u8], at: usize, len: usize) -> Option<i64> {
    let digits = bytes.get(at..at + len)?;
    digits.iter().try_fold(0i64, |value, byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + i64::from(byte - b'0'))
    })
}

/// Seconds east of UTC of a zone suffix: empty (UTC), `Z`, `±HH:MM` or `±HHMM`.
fn offset_seconds(zone: &[u8]) -> Option<i64> {
    let sign = match zone.first() {
        None => return Some(0),
        Some(b'Z' | b'z') if zone.len() == 1 => return Some(0),
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return None,
    };
    let (hours, minutes) = match zone.len() {
        6 if zone[3] == b':' => (number(zone, 1, 2)?, number(zone, 4, 2)?),
        5 => (number(zone, 1, 2)?, number(zone, 3, 2)?),
        _ => return None,
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some(sign * (hours * 3_600 + minutes * 60))
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_unix_seconds() {
        assert_eq!(parse("1590624000"), Some(1_590_624_000));
        assert_eq!(parse(" 1590624000 "), Some(1_590_624_000));
        assert_eq!(parse("-86400"), Some(-86_400));
        assert_eq!(parse("0"), Some(0));
    }

    #[test]
    fn dates_are_midnight_utc() {
        assert_eq!(parse("1970-01-01"), Some(0));
        assert_eq!(parse("2020-05-28"), Some(1_590_624_000));
        assert_eq!(parse("2000-02-29"), Some(951_782_400));
        assert_eq!(parse("2024-02-29"), Some(1_709_164_800));
        assert_eq!(parse("2024-03-01"), Some(1_709_251_200));
        assert_eq!(parse("2023-12-31"), Some(1_703_980_800));
        assert_eq!(parse("1969-12-31"), Some(-86_400));
        assert_eq!(parse("1900-03-01"), Some(-2_203_891_200));
        assert_eq!(parse("2100-02-28"), Some(4_107_456_000));
        assert_eq!(parse("0000-03-01"), Some(-62_162_035_200));
    }

    #[test]
    fn dates_and_times_with_and_without_zones() {
        assert_eq!(parse("2020-05-28 00:00:00"), Some(1_590_624_000));
        assert_eq!(parse("2020-05-28T12:30:15"), Some(1_590_669_015));
        assert_eq!(parse("2020-05-28t12:30:15z"), Some(1_590_669_015));
        assert_eq!(parse("2020-05-28T12:30:15Z"), Some(1_590_669_015));
        assert_eq!(parse("2020-05-28T12:30:15+03:00"), Some(1_590_658_215));
        assert_eq!(parse("2020-05-28T12:30:15-01:30"), Some(1_590_674_415));
        assert_eq!(parse("2020-05-28T12:30:15+0300"), Some(1_590_658_215));
        assert_eq!(
            parse("2020-05-28T12:30:15.123456+03:00"),
            Some(1_590_658_215)
        );
        assert_eq!(
            parse("2020-05-28 23:59:60"),
            Some(1_590_710_400),
            "a leap second"
        );
        assert_eq!(
            parse("2020-05-28T00:00:00+23:59"),
            Some(1_590_624_000 - 86_340)
        );
    }

    #[test]
    fn anything_else_is_not_a_moment() {
        for text in [
            "",
            "yesterday",
            "2020-5-28",
            "2020/05/28",
            "2020-05-28x",
            "2020-05-2",
            "2020-13-01",
            "2020-00-01",
            "2020-05-00",
            "2020-05-32",
            "2021-02-29",
            "1900-02-29",
            "2020-04-31",
            "2020-05-28 24:00:00",
            "2020-05-28 12:60:00",
            "2020-05-28 12:00:61",
            "2020-05-28 12:00",
            "2020-05-28 12-00-00",
            "2020-05-28 12-00:00",
            "2020-05-28 12:00-00",
            "2020-05/28",
            "2020/05-28",
            "2020-05-28 12:00:00.",
            "2020-05-28 12:00:00 UTC",
            "2020-05-28T12:00:00+24:00",
            "2020-05-28T12:00:00+03:60",
            "2020-05-28T12:00:00+3:00",
            "2020-05-28T12:00:00+03-00",
            "2020-05-28T12:00:00Zulu",
            "2020-05-28_12:00:00",
            "+2020-05-28",
            "1.5",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn calendar_arithmetic_matches_day_by_day_counting() {
        let mut days = 0;
        for year in 1970..2100 {
            for month in 1..=12 {
                for day in 1..=days_in_month(year, month) {
                    assert_eq!(
                        days_from_civil(year, month, day),
                        days,
                        "{year}-{month}-{day}"
                    );
                    days += 1;
                }
            }
        }
        assert_eq!(days_in_month(2023, 2), 28);
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2023, 4), 30);
        assert_eq!(days_in_month(2023, 12), 31);
        assert!(is_leap(2000) && is_leap(2024) && !is_leap(1900) && !is_leap(2023));
    }

    #[test]
    fn moments_become_system_times() {
        assert_eq!(system_time(0), Some(UNIX_EPOCH));
        assert_eq!(
            system_time(1_590_624_000),
            Some(UNIX_EPOCH + Duration::from_secs(1_590_624_000))
        );
        assert_eq!(
            system_time(-86_400),
            Some(UNIX_EPOCH - Duration::from_secs(86_400))
        );
    }
}
