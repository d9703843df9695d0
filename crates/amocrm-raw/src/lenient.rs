//! Values amoCRM sends in more than one JSON shape, read liberally: a number that may come
//! as a string ([`LenientNumber`], the lead's [`Price`]), a string that may come as a
//! number ([`LenientString`]), an object that may come as an array ([`OneOrMany`]), a user
//! ID that may come bare or as an object ([`RoleMember`]).
//!
//! Each is used only in optional properties of the generated types (or as array items), so
//! JSON `null` never reaches them: the generated `Option` reads it as `None` first.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};

use crate::scalars::{parse_decimal, whole};

/// A number amoCRM sends as a JSON number (integer or float) or as a string holding one
/// (`"1500"`, `"1500.50"`, `"1500,50"`, surrounding spaces ignored). It keeps what was sent
/// and is written back in the same form: a number as that number, text as that text.
///
/// Text that is not a number is kept too (its [`as_f64`](Self::as_f64) is `None`), not an
/// error: one odd value must not cost the whole entity. Booleans, arrays and objects are
/// refused.
///
/// ```
/// use amocrm_raw::LenientNumber;
///
/// let sent: Vec<LenientNumber> = serde_json::from_str(r#"[1500, 12.5, "1500,50", "n/a"]"#).unwrap();
/// assert_eq!(sent[0].as_i64(), Some(1500));
/// assert_eq!(sent[1].as_f64(), Some(12.5));
/// assert_eq!(sent[2].as_f64(), Some(1500.5));
/// assert_eq!(sent[3].as_f64(), None);
/// assert_eq!(serde_json::to_string(&sent).unwrap(), r#"[1500,12.5,"1500,50","n/a"]"#);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum LenientNumber {
    /// Sent as a JSON number (an `i64`, a `u64` or an `f64`, exactly as sent).
    Number(serde_json::Number),
    /// Sent as a string, kept as it was.
    Text(String),
}

/// A lead's budget (`price`): documented as an integer up to 2147483647 (amoCRM stores a
/// 32-bit integer; a larger value wraps, and whatever is sent is kept), seen as a float in
/// newer answers and as a decimal string from PHP backends. Prefer the lead's
/// `price_with_minor_units` (a plain `f64`) when it is present, as amoCRM's own PHP client
/// does.
pub type Price = LenientNumber;

impl LenientNumber {
    /// The value as a float: the number, or the text parsed as a decimal (a point or a
    /// comma); `None` for text that is not a finite number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            LenientNumber::Number(number) => number.as_f64(),
            LenientNumber::Text(text) => parse_decimal(text),
        }
    }

    /// The value as an integer, when it is one and fits an `i64`: `1500`, `1500.0`,
    /// `"1500"`, `"1500,00"`; `None` for `12.5` or text that is not a number.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            LenientNumber::Number(number) => {
                number.as_i64().or_else(|| number.as_f64().and_then(whole))
            }
            LenientNumber::Text(text) => text
                .trim()
                .parse::<i64>()
                .ok()
                .or_else(|| parse_decimal(text).and_then(whole)),
        }
    }

    /// The value as text: the text as sent, or the number in JSON's notation.
    pub fn as_text(&self) -> Cow<'_, str> {
        match self {
            LenientNumber::Number(number) => Cow::Owned(number.to_string()),
            LenientNumber::Text(text) => Cow::Borrowed(text),
        }
    }

    /// A float, or `None` for NaN and the infinities (JSON has no notation for them).
    pub fn from_f64(value: f64) -> Option<Self> {
        serde_json::Number::from_f64(value).map(LenientNumber::Number)
    }
}

impl From<i64> for LenientNumber {
    fn from(value: i64) -> Self {
        LenientNumber::Number(value.into())
    }
}

impl From<String> for LenientNumber {
    fn from(text: String) -> Self {
        LenientNumber::Text(text)
    }
}

impl From<&str> for LenientNumber {
    fn from(text: &str) -> Self {
        LenientNumber::Text(text.to_owned())
    }
}

impl fmt::Display for LenientNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_text())
    }
}

impl serde::Serialize for LenientNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            LenientNumber::Number(number) => number.serialize(serializer),
            LenientNumber::Text(text) => serializer.serialize_str(text),
        }
    }
}

impl<'de> serde::Deserialize<'de> for LenientNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NumberVisitor;
        impl Visitor<'_> for NumberVisitor {
            type Value = LenientNumber;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number, or a string holding one")
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<LenientNumber, E> {
                Ok(LenientNumber::Number(value.into()))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<LenientNumber, E> {
                Ok(LenientNumber::Number(value.into()))
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<LenientNumber, E> {
                // JSON has no NaN or infinity; another format's are kept as their text.
                Ok(LenientNumber::from_f64(value)
                    .unwrap_or_else(|| LenientNumber::Text(value.to_string())))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<LenientNumber, E> {
                Ok(LenientNumber::Text(text.to_owned()))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<LenientNumber, E> {
                Ok(LenientNumber::Text(text))
            }
        }
        deserializer.deserialize_any(NumberVisitor)
    }
}

/// A string amoCRM may also send as a JSON number: a number is kept as its decimal text as
/// written (`123` → `"123"`, `1.5` → `"1.5"`). Named by a custom field's `remind`, a
/// catalog's `sdk_widget_code` (documented as an integer, in fact a widget's code) and a
/// custom field group's `id` (a string such as `"leads_29741591099841"`, an integer in
/// Kommo's reference). Booleans, arrays, objects and `null` are refused. Written back as a
/// JSON string.
///
/// ```
/// use amocrm_raw::LenientString;
///
/// let ids: Vec<LenientString> = serde_json::from_str(r#"["default", 4521]"#).unwrap();
/// assert_eq!(ids[1].as_str(), "4521");
/// assert_eq!(serde_json::to_string(&ids).unwrap(), r#"["default","4521"]"#);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LenientString(pub String);

impl LenientString {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for LenientString {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for LenientString {
    fn from(text: &str) -> Self {
        LenientString(text.to_owned())
    }
}

impl From<String> for LenientString {
    fn from(text: String) -> Self {
        LenientString(text)
    }
}

impl fmt::Display for LenientString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for LenientString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for LenientString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StringVisitor;
        impl Visitor<'_> for StringVisitor {
            type Value = LenientString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<LenientString, E> {
                Ok(LenientString(text.to_owned()))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<LenientString, E> {
                Ok(LenientString(text))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<LenientString, E> {
                Ok(LenientString(value.to_string()))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<LenientString, E> {
                Ok(LenientString(value.to_string()))
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<LenientString, E> {
                Ok(LenientString(value.to_string()))
            }
        }
        deserializer.deserialize_any(StringVisitor)
    }
}

/// One `T` or several: amoCRM documents an object where it sends an array, or the other
/// way round (a lead's `_embedded.loss_reason` is documented as an object; the
/// documentation's own example and amoCRM's PHP client have an array). An object reads as
/// one element, an array as its elements (`[]` as none), `null` as none; a string, a number
/// or a boolean is refused. Written back as an array, whichever form was read.
///
/// ```
/// use amocrm_raw::OneOrMany;
///
/// let one: OneOrMany<serde_json::Value> = serde_json::from_str(r#"{"id": 1}"#).unwrap();
/// let many: OneOrMany<serde_json::Value> = serde_json::from_str(r#"[{"id": 1}, {"id": 2}]"#).unwrap();
/// assert_eq!(one.len(), 1);
/// assert_eq!(many.first(), Some(&serde_json::json!({"id": 1})));
/// assert_eq!(serde_json::to_string(&one).unwrap(), r#"[{"id":1}]"#);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T> OneOrMany<T> {
    /// The elements.
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

impl<T> std::ops::Deref for OneOrMany<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> IntoIterator for OneOrMany<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a OneOrMany<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T> From<Vec<T>> for OneOrMany<T> {
    fn from(items: Vec<T>) -> Self {
        OneOrMany(items)
    }
}

impl<T: serde::Serialize> serde::Serialize for OneOrMany<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrManyVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> Visitor<'de> for OneOrManyVisitor<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object, an array of them, or null")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|one| OneOrMany(vec![one]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                <Vec<T> as serde::Deserialize>::deserialize(de::value::SeqAccessDeserializer::new(
                    seq,
                ))
                .map(OneOrMany)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany::default())
            }
        }
        deserializer.deserialize_any(OneOrManyVisitor(std::marker::PhantomData))
    }
}

/// A user who has a role (an element of a role's `_embedded.users`, `with=users`). The
/// documentation says "an array of user IDs" without an example; other clients read
/// `{"id": …}` objects. Both are read: a JSON integer, or an object with an integer `id`
/// (its other keys, such as `_links`, kept). Strings, floats, booleans, arrays, `null` and
/// objects without an integer `id` are refused. Written back in the form it was read.
///
/// ```
/// use amocrm_raw::RoleMember;
///
/// let users: Vec<RoleMember> = serde_json::from_str(r#"[123123, {"id": 185848}]"#).unwrap();
/// let ids: Vec<i64> = users.iter().map(RoleMember::id).collect();
/// assert_eq!(ids, [123123, 185848]);
/// assert_eq!(serde_json::to_string(&users).unwrap(), r#"[123123,{"id":185848}]"#);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum RoleMember {
    /// A bare user ID.
    Id(i64),
    /// An object with the user's ID.
    Object {
        /// The user's ID.
        id: i64,
        /// The object's other keys (`_links`…), as sent.
        extra: serde_json::Map<String, serde_json::Value>,
    },
}

impl RoleMember {
    /// The user's ID, whichever form was sent.
    pub fn id(&self) -> i64 {
        match self {
            RoleMember::Id(id) | RoleMember::Object { id, .. } => *id,
        }
    }
}

impl serde::Serialize for RoleMember {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            RoleMember::Id(id) => serializer.serialize_i64(*id),
            RoleMember::Object { id, extra } => {
                let mut map = serializer.serialize_map(None)?;
                map.serialize_entry("id", id)?;
                for (key, value) in extra.iter().filter(|(key, _)| *key != "id") {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> serde::Deserialize<'de> for RoleMember {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MemberVisitor;
        impl<'de> Visitor<'de> for MemberVisitor {
            type Value = RoleMember;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a user ID, or an object with an integer `id`")
            }
            fn visit_i64<E: de::Error>(self, id: i64) -> Result<RoleMember, E> {
                Ok(RoleMember::Id(id))
            }
            fn visit_u64<E: de::Error>(self, id: u64) -> Result<RoleMember, E> {
                i64::try_from(id)
                    .map(RoleMember::Id)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(id), &self))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RoleMember, A::Error> {
                let mut id = None;
                let mut extra = serde_json::Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "id" {
                        id = Some(map.next_value::<i64>()?);
                    } else {
                        extra.insert(key, map.next_value()?);
                    }
                }
                let id = id.ok_or_else(|| de::Error::missing_field("id"))?;
                Ok(RoleMember::Object { id, extra })
            }
        }
        deserializer.deserialize_any(MemberVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn number(json: &str) -> LenientNumber {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_number_reads_from_every_form_amocrm_sends() {
        assert_eq!(number("1500").as_i64(), Some(1500));
        assert_eq!(number("1500").as_f64(), Some(1500.0));
        assert_eq!(number("-3").as_i64(), Some(-3));
        assert_eq!(number("18446744073709551615").as_i64(), None, "beyond i64");
        assert_eq!(number("12.5").as_f64(), Some(12.5));
        assert_eq!(number("12.5").as_i64(), None);
        assert_eq!(number("12.0").as_i64(), Some(12));
        assert_eq!(number(r#""1500""#).as_i64(), Some(1500));
        assert_eq!(number(r#"" 1500 ""#).as_i64(), Some(1500));
        assert_eq!(number(r#""1500.50""#).as_f64(), Some(1500.5));
        assert_eq!(number(r#""1500,50""#).as_f64(), Some(1500.5));
        assert_eq!(number(r#""1500,00""#).as_i64(), Some(1500));
        assert_eq!(number(r#""1500,50""#).as_i64(), None);
        assert_eq!(
            number(r#""9007199254740993""#).as_i64(),
            Some(9_007_199_254_740_993),
            "integral text is read exactly, not through f64"
        );
        assert_eq!(number(r#""n/a""#).as_f64(), None);
        assert_eq!(number(r#""n/a""#).as_i64(), None);
        assert_eq!(number(r#""""#).as_f64(), None);
        assert_eq!(number("1e300").as_i64(), None, "out of range");
        assert_eq!(number("-1e300").as_i64(), None, "out of range");
        assert_eq!(number("9223372036854775807").as_i64(), Some(i64::MAX));
    }

    #[test]
    fn a_number_goes_back_as_it_came() {
        let sent = r#"[1500,12.5,"1500","1500,50","n/a",-7]"#;
        let numbers: Vec<LenientNumber> = serde_json::from_str(sent).unwrap();
        assert_eq!(serde_json::to_string(&numbers).unwrap(), sent);
        assert_eq!(numbers[0].to_string(), "1500");
        assert_eq!(numbers[1].as_text(), "12.5");
        assert_eq!(numbers[3].as_text(), "1500,50");
        assert_eq!(LenientNumber::from(7), number("7"));
        assert_eq!(LenientNumber::from("7"), number(r#""7""#));
        assert_eq!(LenientNumber::from(String::from("7")), number(r#""7""#));
        assert_eq!(LenientNumber::from_f64(f64::NAN), None);
        assert_eq!(LenientNumber::from_f64(2.5), Some(number("2.5")));
    }

    #[test]
    fn a_number_refuses_what_is_no_number() {
        for json in ["true", "[]", "{}", "null", "[1]"] {
            assert!(
                serde_json::from_str::<LenientNumber>(json).is_err(),
                "{json}"
            );
        }
        // In the optional property of a generated type, null is None before the type runs.
        let absent: Option<Price> = serde_json::from_str("null").unwrap();
        assert_eq!(absent, None);
    }

    #[test]
    fn a_string_reads_from_a_string_or_a_number() {
        let read: Vec<LenientString> = serde_json::from_str(
            r#"["leads_29741591099841", 4521, -1, 1.5, 18446744073709551615]"#,
        )
        .unwrap();
        let texts: Vec<&str> = read.iter().map(LenientString::as_str).collect();
        assert_eq!(
            texts,
            [
                "leads_29741591099841",
                "4521",
                "-1",
                "1.5",
                "18446744073709551615"
            ]
        );
        assert_eq!(
            serde_json::to_value(&read).unwrap(),
            json!([
                "leads_29741591099841",
                "4521",
                "-1",
                "1.5",
                "18446744073709551615"
            ])
        );
        assert_eq!(&*read[0], "leads_29741591099841");
        assert_eq!(read[1].to_string(), "4521");
        assert_eq!(LenientString::from("a"), LenientString(String::from("a")));
        assert_eq!(LenientString::from(String::from("a")).as_str(), "a");
        for json in ["true", "[]", "{}", "null"] {
            assert!(
                serde_json::from_str::<LenientString>(json).is_err(),
                "{json}"
            );
        }
    }

    #[test]
    fn one_or_many_reads_an_object_an_array_or_null() {
        let one: OneOrMany<i64> = serde_json::from_str("[7]").unwrap();
        assert_eq!(one.into_vec(), [7]);
        #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
        struct Reason {
            id: i64,
        }
        let object: OneOrMany<Reason> = serde_json::from_str(r#"{"id": 1}"#).unwrap();
        assert_eq!(object.0, [Reason { id: 1 }]);
        let array: OneOrMany<Reason> = serde_json::from_str(r#"[{"id": 1}, {"id": 2}]"#).unwrap();
        assert_eq!(array.len(), 2);
        assert_eq!(array.first(), Some(&Reason { id: 1 }));
        let ids: Vec<i64> = (&array).into_iter().map(|r| r.id).collect();
        assert_eq!(ids, [1, 2]);
        let owned: Vec<Reason> = array.into_iter().collect();
        assert_eq!(owned.len(), 2);
        let empty: OneOrMany<Reason> = serde_json::from_str("[]").unwrap();
        assert!(empty.is_empty());
        let null: OneOrMany<Reason> = serde_json::from_str("null").unwrap();
        assert_eq!(null, OneOrMany::default());
        assert_eq!(serde_json::to_string(&object).unwrap(), r#"[{"id":1}]"#);
        assert_eq!(OneOrMany::from(vec![3]).0, [3]);
        for json in [
            r#""x""#,
            "1",
            "true",
            r#"{"name": "no id"}"#,
            r#"[{"id": "x"}]"#,
        ] {
            assert!(
                serde_json::from_str::<OneOrMany<Reason>>(json).is_err(),
                "{json}"
            );
        }
    }

    #[test]
    fn a_refusal_says_what_was_expected() {
        let message = |error: serde_json::Error| error.to_string();
        assert!(
            message(serde_json::from_str::<LenientNumber>("true").unwrap_err())
                .contains("a number, or a string holding one")
        );
        assert!(
            message(serde_json::from_str::<LenientString>("[]").unwrap_err())
                .contains("a string or a number")
        );
        assert!(
            message(serde_json::from_str::<OneOrMany<i64>>(r#""x""#).unwrap_err())
                .contains("an object, an array of them, or null")
        );
        assert!(
            message(serde_json::from_str::<RoleMember>(r#""1""#).unwrap_err())
                .contains("a user ID, or an object with an integer `id`")
        );
    }

    #[test]
    fn a_role_member_reads_an_id_or_an_object_and_goes_back_so() {
        let sent = r#"[123123,{"id":185848},{"id":7,"_links":{"self":{"href":"u"}}}]"#;
        let users: Vec<RoleMember> = serde_json::from_str(sent).unwrap();
        assert_eq!(
            users.iter().map(RoleMember::id).collect::<Vec<_>>(),
            [123123, 185848, 7]
        );
        assert_eq!(users[0], RoleMember::Id(123123));
        assert_eq!(serde_json::to_string(&users).unwrap(), sent);
        let large: RoleMember = serde_json::from_str("9223372036854775807").unwrap();
        assert_eq!(large.id(), i64::MAX);
        for json in [
            "9223372036854775808",
            "1.5",
            r#""123""#,
            "true",
            "[1]",
            "null",
            "{}",
            r#"{"id": "1"}"#,
            r#"{"_links": {}}"#,
        ] {
            assert!(serde_json::from_str::<RoleMember>(json).is_err(), "{json}");
        }
    }
}
