//! The `value` of one custom field value, as sent, with readers that take amoCRM's loose
//! typing into account.

use std::borrow::Cow;
use std::fmt;
use std::time::SystemTime;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::scalars::{parse_decimal, whole};
use crate::unix_time;

/// A custom field value's `value`, exactly as sent. The scalars most fields carry (text, a
/// number, a flag) are held as themselves, without a `serde_json::Value`, so a page of
/// entities decodes about as fast as plain structs; arrays and objects (a legal entity's
/// requisites, an invoice item) are kept as JSON and read into structs on demand. Written
/// back as it was read.
///
/// The readers are liberal in what amoCRM is known to send: [`number`](Self::number) reads
/// `"29277913"` and `"1,5"`, [`bool`](Self::bool) reads `1` and `"true"`,
/// [`unix_time`](Self::unix_time) reads an integer or a date string.
///
/// ```
/// use amocrm_raw::ScalarOrJson;
///
/// let values: Vec<ScalarOrJson> = serde_json::from_str(r#"["29277913", 1.5, true, "2020-05-28"]"#).unwrap();
/// assert_eq!(values[0].number(), Some(29_277_913.0));
/// assert_eq!(values[0].integer(), Some(29_277_913));
/// assert_eq!(values[1].text().as_deref(), Some("1.5"));
/// assert_eq!(values[2].bool(), Some(true));
/// assert_eq!(values[3].unix_time(), Some(1_590_624_000));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum ScalarOrJson {
    /// JSON `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number (an `i64`, a `u64` or an `f64`, exactly as sent).
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// An array or an object.
    Json(serde_json::Value),
}

impl ScalarOrJson {
    /// The string, if the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ScalarOrJson::String(text) => Some(text),
            _ => None,
        }
    }

    /// The value as text: a string as it is, a number in JSON's notation; `None` for a
    /// boolean, `null`, an array or an object.
    pub fn text(&self) -> Option<Cow<'_, str>> {
        match self {
            ScalarOrJson::String(text) => Some(Cow::Borrowed(text)),
            ScalarOrJson::Number(number) => Some(Cow::Owned(number.to_string())),
            _ => None,
        }
    }

    /// The value as a number: a number, or a string holding one (`"29277913"`, `"1.5"`,
    /// `"1,5"`; surrounding spaces ignored).
    pub fn number(&self) -> Option<f64> {
        match self {
            ScalarOrJson::Number(number) => number.as_f64(),
            ScalarOrJson::String(text) => parse_decimal(text),
            _ => None,
        }
    }

    /// The value as an integer, when it is a whole number that fits an `i64`: `12`,
    /// `12.0`, `"12"`, `"12,0"`. Integral text is read exactly (not through `f64`).
    pub fn integer(&self) -> Option<i64> {
        match self {
            ScalarOrJson::Number(number) => number.as_i64().or_else(|| whole(number.as_f64()?)),
            ScalarOrJson::String(text) => text
                .trim()
                .parse::<i64>()
                .ok()
                .or_else(|| whole(parse_decimal(text)?)),
            _ => None,
        }
    }

    /// The value as a flag: `true`/`false`, `1`/`0`, `"1"`/`"0"`, `"true"`/`"false"`.
    pub fn bool(&self) -> Option<bool> {
        match self {
            ScalarOrJson::Bool(flag) => Some(*flag),
            ScalarOrJson::Number(number) => match number.as_i64() {
                Some(1) => Some(true),
                Some(0) => Some(false),
                _ => None,
            },
            ScalarOrJson::String(text) => match text.trim() {
                "1" | "true" => Some(true),
                "0" | "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The value as a moment in Unix seconds: an integer (amoCRM's form), or a string
    /// holding one, a date (`2020-05-28`, midnight UTC), a date and time
    /// (`2020-05-28 12:30:00`, UTC) or RFC 3339 (`2020-05-28T12:30:00+03:00`).
    pub fn unix_time(&self) -> Option<i64> {
        match self {
            ScalarOrJson::Number(number) => number.as_i64().or_else(|| whole(number.as_f64()?)),
            ScalarOrJson::String(text) => unix_time::parse(text),
            _ => None,
        }
    }

    /// [`unix_time`](Self::unix_time) as a [`SystemTime`].
    pub fn time(&self) -> Option<SystemTime> {
        unix_time::system_time(self.unix_time()?)
    }

    /// The array or object, if the value is one.
    pub fn as_json(&self) -> Option<&serde_json::Value> {
        match self {
            ScalarOrJson::Json(json) => Some(json),
            _ => None,
        }
    }

    /// The value as a `serde_json::Value` (a copy).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            ScalarOrJson::Null => serde_json::Value::Null,
            ScalarOrJson::Bool(flag) => serde_json::Value::Bool(*flag),
            ScalarOrJson::Number(number) => serde_json::Value::Number(number.clone()),
            ScalarOrJson::String(text) => serde_json::Value::String(text.clone()),
            ScalarOrJson::Json(json) => json.clone(),
        }
    }
}

impl From<&str> for ScalarOrJson {
    fn from(text: &str) -> Self {
        ScalarOrJson::String(text.to_owned())
    }
}

impl From<String> for ScalarOrJson {
    fn from(text: String) -> Self {
        ScalarOrJson::String(text)
    }
}

impl From<bool> for ScalarOrJson {
    fn from(flag: bool) -> Self {
        ScalarOrJson::Bool(flag)
    }
}

impl From<i64> for ScalarOrJson {
    fn from(number: i64) -> Self {
        ScalarOrJson::Number(number.into())
    }
}

/// `null`, a boolean, a number or a string as themselves; an array or an object as
/// [`ScalarOrJson::Json`].
impl From<serde_json::Value> for ScalarOrJson {
    fn from(json: serde_json::Value) -> Self {
        match json {
            serde_json::Value::Null => ScalarOrJson::Null,
            serde_json::Value::Bool(flag) => ScalarOrJson::Bool(flag),
            serde_json::Value::Number(number) => ScalarOrJson::Number(number),
            serde_json::Value::String(text) => ScalarOrJson::String(text),
            json => ScalarOrJson::Json(json),
        }
    }
}

impl fmt::Display for ScalarOrJson {
    /// The value in JSON's notation (a string quoted).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScalarOrJson::Null => f.write_str("null"),
            ScalarOrJson::Bool(flag) => write!(f, "{flag}"),
            ScalarOrJson::Number(number) => write!(f, "{number}"),
            ScalarOrJson::String(text) => write!(f, "{}", serde_json::Value::from(text.as_str())),
            ScalarOrJson::Json(json) => write!(f, "{json}"),
        }
    }
}

impl serde::Serialize for ScalarOrJson {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ScalarOrJson::Null => serializer.serialize_unit(),
            ScalarOrJson::Bool(flag) => serializer.serialize_bool(*flag),
            ScalarOrJson::Number(number) => number.serialize(serializer),
            ScalarOrJson::String(text) => serializer.serialize_str(text),
            ScalarOrJson::Json(json) => json.serialize(serializer),
        }
    }
}

/// Builds a [`ScalarOrJson`] from whatever the deserializer holds, never failing on the
/// value's type.
pub(super) struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = ScalarOrJson;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<ScalarOrJson, E> {
        Ok(ScalarOrJson::Bool(flag))
    }
    fn visit_i64<E: de::Error>(self, number: i64) -> Result<ScalarOrJson, E> {
        Ok(ScalarOrJson::Number(number.into()))
    }
    fn visit_u64<E: de::Error>(self, number: u64) -> Result<ScalarOrJson, E> {
        Ok(ScalarOrJson::Number(number.into()))
    }
    fn visit_f64<E: de::Error>(self, number: f64) -> Result<ScalarOrJson, E> {
        // JSON has no NaN or infinity; another format's are kept as their text.
        Ok(serde_json::Number::from_f64(number).map_or_else(
            || ScalarOrJson::String(number.to_string()),
            ScalarOrJson::Number,
        ))
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<ScalarOrJson, E> {
        Ok(ScalarOrJson::String(text.to_owned()))
    }
    fn visit_string<E: de::Error>(self, text: String) -> Result<ScalarOrJson, E> {
        Ok(ScalarOrJson::String(text))
    }
    fn visit_unit<E: de::Error>(self) -> Result<ScalarOrJson, E> {
        Ok(ScalarOrJson::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<ScalarOrJson, E> {
        Ok(ScalarOrJson::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, inner: D) -> Result<ScalarOrJson, D::Error> {
        inner.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ScalarOrJson, A::Error> {
        serde::Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))
            .map(ScalarOrJson::Json)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ScalarOrJson, A::Error> {
        serde::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))
            .map(ScalarOrJson::Json)
    }
}

impl<'de> serde::Deserialize<'de> for ScalarOrJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(json: &str) -> ScalarOrJson {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn every_json_value_reads_and_goes_back_as_it_came() {
        let sent =
            r#"[null,true,false,0,-7,18446744073709551615,1.5,"x","",[1,"a"],{"name":"ООО"}]"#;
        let values: Vec<ScalarOrJson> = serde_json::from_str(sent).unwrap();
        assert_eq!(values[0], ScalarOrJson::Null);
        assert_eq!(values[1], ScalarOrJson::Bool(true));
        assert_eq!(values[4], ScalarOrJson::Number((-7).into()));
        assert_eq!(values[7], ScalarOrJson::String("x".into()));
        assert_eq!(values[9], ScalarOrJson::Json(json!([1, "a"])));
        assert_eq!(serde_json::to_string(&values).unwrap(), sent);
        let copies: Vec<serde_json::Value> = values.iter().map(ScalarOrJson::to_json).collect();
        assert_eq!(serde_json::to_string(&copies).unwrap(), sent);
        let back: Vec<ScalarOrJson> = copies.into_iter().map(ScalarOrJson::from).collect();
        assert_eq!(back, values);
        let shown: Vec<String> = values.iter().map(ToString::to_string).collect();
        assert_eq!(format!("[{}]", shown.join(",")), sent);
    }

    #[test]
    fn text_is_a_string_or_a_number() {
        assert_eq!(read(r#""Сайт""#).text().as_deref(), Some("Сайт"));
        assert_eq!(read(r#""Сайт""#).as_str(), Some("Сайт"));
        assert_eq!(read("29277913").text().as_deref(), Some("29277913"));
        assert_eq!(read("29277913").as_str(), None);
        assert_eq!(read("1.5").text().as_deref(), Some("1.5"));
        for other in ["true", "null", "[]", "{}"] {
            assert_eq!(read(other).text(), None, "{other}");
        }
    }

    #[test]
    fn numbers_read_from_numbers_and_numeric_strings() {
        assert_eq!(read(r#""29277913""#).number(), Some(29_277_913.0));
        assert_eq!(read(r#""1.5""#).number(), Some(1.5));
        assert_eq!(read(r#""1,5""#).number(), Some(1.5));
        assert_eq!(read(r#"" 42 ""#).number(), Some(42.0));
        assert_eq!(read("-2.25").number(), Some(-2.25));
        assert_eq!(read(r#""abc""#).number(), None);
        assert_eq!(read("true").number(), None);
        assert_eq!(read("[1]").number(), None);
        assert_eq!(read(r#""29277913""#).integer(), Some(29_277_913));
        assert_eq!(read(r#""12,0""#).integer(), Some(12));
        assert_eq!(read(r#""12.5""#).integer(), None);
        assert_eq!(read("12.0").integer(), Some(12));
        assert_eq!(read("12.5").integer(), None);
        assert_eq!(read("-3").integer(), Some(-3));
        assert_eq!(read("1e300").integer(), None);
        assert_eq!(read("-1e300").integer(), None);
        assert_eq!(
            read(r#""9007199254740993""#).integer(),
            Some(9_007_199_254_740_993)
        );
        assert_eq!(read("null").integer(), None);
    }

    #[test]
    fn flags_read_leniently() {
        for (json, flag) in [
            ("true", Some(true)),
            ("false", Some(false)),
            ("1", Some(true)),
            ("0", Some(false)),
            (r#""1""#, Some(true)),
            (r#""0""#, Some(false)),
            (r#""true""#, Some(true)),
            (r#""false""#, Some(false)),
            ("2", None),
            ("-1", None),
            (r#""yes""#, None),
            ("null", None),
            ("{}", None),
        ] {
            assert_eq!(read(json).bool(), flag, "{json}");
        }
    }

    #[test]
    fn moments_read_from_integers_and_date_strings() {
        assert_eq!(read("1590624000").unix_time(), Some(1_590_624_000));
        assert_eq!(read("1590624000.0").unix_time(), Some(1_590_624_000));
        assert_eq!(read("1590624000.5").unix_time(), None);
        assert_eq!(read(r#""1590624000""#).unix_time(), Some(1_590_624_000));
        assert_eq!(read(r#""2020-05-28""#).unix_time(), Some(1_590_624_000));
        assert_eq!(
            read(r#""2020-05-28T03:00:00+03:00""#).unix_time(),
            Some(1_590_624_000)
        );
        assert_eq!(read(r#""soon""#).unix_time(), None);
        assert_eq!(read("true").unix_time(), None);
        assert_eq!(
            read("1590624000").time(),
            Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_590_624_000))
        );
        assert_eq!(read("null").time(), None);
    }

    #[test]
    fn json_is_kept_for_arrays_and_objects() {
        assert_eq!(read(r#"{"a":1}"#).as_json(), Some(&json!({"a": 1})));
        assert_eq!(read("1").as_json(), None);
        assert_eq!(ScalarOrJson::from("a"), read(r#""a""#));
        assert_eq!(ScalarOrJson::from(String::from("a")), read(r#""a""#));
        assert_eq!(ScalarOrJson::from(true), read("true"));
        assert_eq!(ScalarOrJson::from(5), read("5"));
        assert_eq!(ScalarOrJson::from(json!(null)), ScalarOrJson::Null);
    }

    #[test]
    fn another_format_goes_through_the_same_reader() {
        // YAML (the spec's examples) has floats JSON lacks, and optional values.
        let values: Vec<ScalarOrJson> = serde_yaml::from_str("[.nan, 2, ~, [1]]").unwrap();
        assert_eq!(values[0], ScalarOrJson::String("NaN".into()));
        assert_eq!(values[1].integer(), Some(2));
        assert_eq!(values[2], ScalarOrJson::Null);
        assert_eq!(values[3], ScalarOrJson::Json(json!([1])));
        let wrapped: Option<ScalarOrJson> = serde_json::from_str("7").unwrap();
        assert_eq!(wrapped.and_then(|v| v.integer()), Some(7));
    }
}
