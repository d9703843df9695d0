//! Scalars amoCRM sends in more than one JSON type.

use std::fmt;

/// A widget's rating. amoCRM sends it as a string with a decimal comma (`"2,8"`) or as a
/// number; [`Rating::value`] is the number, [`Rating::as_str`] the text as sent. It is
/// written back as it came: text as text, a number as a number.
#[derive(Clone, Debug)]
pub struct Rating {
    value: Option<f64>,
    /// The text as sent; for a number, formatted when first asked for.
    text: std::sync::OnceLock<String>,
    /// Sent as a number.
    number: bool,
}

impl Rating {
    /// The rating as a number, or `None` when the server sent text that is not one.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    /// The rating as the server sent it (`"2,8"`), or the number formatted (`"2.8"`).
    pub fn as_str(&self) -> &str {
        self.text
            .get_or_init(|| self.value.map(|v| v.to_string()).unwrap_or_default())
    }

    /// Parses amoCRM's rating text: `"2,8"`, `"2.8"` or `"3"`.
    pub fn parse(text: impl Into<String>) -> Self {
        let text = text.into();
        Rating {
            value: parse_decimal(&text),
            text: std::sync::OnceLock::from(text),
            number: false,
        }
    }
}

/// A decimal with a comma or a point, without allocating for the usual short text.
pub(crate) fn parse_decimal(text: &str) -> Option<f64> {
    let text = text.trim();
    let value = if text.contains(',') {
        let mut buffer = [0u8; 32];
        let bytes = text.as_bytes();
        if bytes.len() > buffer.len() {
            text.replace(',', ".").parse::<f64>().ok()?
        } else {
            for (slot, byte) in buffer.iter_mut().zip(bytes) {
                *slot = if *byte == b',' { b'.' } else { *byte };
            }
            std::str::from_utf8(&buffer[..bytes.len()])
                .ok()?
                .parse::<f64>()
                .ok()?
        }
    } else {
        text.parse::<f64>().ok()?
    };
    value.is_finite().then_some(value)
}

/// `value` as an `i64` when it has no fractional part and is in range.
pub(crate) fn whole(value: f64) -> Option<i64> {
    // `i64::MAX as f64` rounds up to 2^63, which is out of range: compare with `<`.
    (value.fract() == 0.0 && value >= i64::MIN as f64 && value < i64::MAX as f64)
        .then_some(value as i64)
}

impl PartialEq for Rating {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value && self.as_str() == other.as_str()
    }
}

impl From<f64> for Rating {
    fn from(value: f64) -> Self {
        Rating {
            value: value.is_finite().then_some(value),
            text: if value.is_finite() {
                std::sync::OnceLock::new()
            } else {
                std::sync::OnceLock::from(value.to_string())
            },
            number: true,
        }
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Rating {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match (self.number, self.value) {
            (true, Some(value)) => serializer.serialize_f64(value),
            _ => serializer.serialize_str(self.as_str()),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Rating {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Rating;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a rating: a string or a number")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Rating, E> {
                Ok(Rating::parse(text))
            }
            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<Rating, E> {
                Ok(Rating::parse(text))
            }
            fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Rating, E> {
                Ok(Rating::from(value))
            }
            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Rating, E> {
                Ok(Rating::from(value as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Rating, E> {
                Ok(Rating::from(value as f64))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Version of a widget: amoCRM's documentation says string, its PHP client string or
/// integer; an integer is kept as its decimal text, so `1` reads as `"1"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version(pub String);

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Version;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a version: a string or an integer")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Version, E> {
                Ok(Version(text.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<Version, E> {
                Ok(Version(text))
            }
            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Version, E> {
                Ok(Version(value.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Version, E> {
                Ok(Version(value.to_string()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_take_a_point_or_a_comma() {
        assert_eq!(parse_decimal("2,8"), Some(2.8));
        assert_eq!(parse_decimal(" 2.8 "), Some(2.8));
        assert_eq!(parse_decimal("1500"), Some(1500.0));
        assert_eq!(
            parse_decimal(&format!("1,{}", "5".repeat(40))),
            Some(1.5555555555555556)
        );
        assert_eq!(parse_decimal("NaN"), None);
        assert_eq!(parse_decimal("inf"), None);
        assert_eq!(parse_decimal("x"), None);
    }

    #[test]
    fn a_rating_keeps_its_number_and_its_text() {
        let text = Rating::parse("2,8");
        assert_eq!(text.value(), Some(2.8));
        assert_eq!(text.as_str(), "2,8");
        assert_eq!(text.to_string(), "2,8");
        assert_eq!(serde_json::to_string(&text).unwrap(), r#""2,8""#);
        let number = Rating::from(4.5);
        assert_eq!(number.value(), Some(4.5));
        assert_eq!(number.as_str(), "4.5");
        assert_eq!(serde_json::to_string(&number).unwrap(), "4.5");
        assert_eq!(text, Rating::parse("2,8"));
        assert_ne!(text, Rating::parse("2.8"), "same number, other text");
        assert_ne!(number, Rating::from(4.0));
        assert_ne!(Rating::parse("x"), Rating::parse("y"));
        let error = serde_json::from_str::<Rating>("true")
            .unwrap_err()
            .to_string();
        assert!(error.contains("a rating: a string or a number"), "{error}");
    }

    #[test]
    fn a_version_is_its_text() {
        let version: Version = serde_json::from_str("1").unwrap();
        assert_eq!(version.to_string(), "1");
        let error = serde_json::from_str::<Version>("true")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("a version: a string or an integer"),
            "{error}"
        );
    }

    #[test]
    fn whole_numbers_fit_an_i64() {
        assert_eq!(whole(12.0), Some(12));
        assert_eq!(whole(-12.0), Some(-12));
        assert_eq!(whole(12.5), None);
        assert_eq!(whole(-9.223_372_036_854_776e18), Some(i64::MIN));
        assert_eq!(
            whole(9.223_372_036_854_776e18),
            None,
            "2^63 is out of range"
        );
        assert_eq!(whole(-1e300), None);
    }
}
