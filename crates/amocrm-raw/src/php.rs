//! PHP's shapes: amoCRM's backend writes an empty map as `[]`, and some maps arrive
//! JSON-encoded in a string.

use std::fmt;

/// A JSON object that amoCRM's PHP backend writes as `[]` when it is empty: `None` for
/// `[]`, the object otherwise. A non-empty array is an error.
#[derive(Clone, Debug, PartialEq)]
pub struct PhpObject<T>(pub Option<T>);

impl<T> PhpObject<T> {
    /// The object, or `None` for `[]`.
    pub fn into_option(self) -> Option<T> {
        self.0
    }
}

impl<T: serde::Serialize> serde::Serialize for PhpObject<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        match &self.0 {
            Some(object) => object.serialize(serializer),
            None => serializer.serialize_seq(Some(0))?.end(),
        }
    }
}

/// Reads `[]` (returning `true`) or fails for a non-empty array, naming `expected`.
fn empty_array<'de, A: serde::de::SeqAccess<'de>>(
    mut seq: A,
    expected: &dyn serde::de::Expected,
) -> Result<(), A::Error> {
    match seq.next_element::<serde::de::IgnoredAny>()? {
        None => Ok(()),
        Some(_) => Err(serde::de::Error::invalid_type(
            serde::de::Unexpected::Seq,
            expected,
        )),
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for PhpObject<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = PhpObject<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object, or [] for an empty one")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(|object| PhpObject(Some(object)))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Self::Value, A::Error> {
                empty_array(seq, &self).map(|()| PhpObject(None))
            }
        }
        deserializer.deserialize_any(Visitor(std::marker::PhantomData))
    }
}

/// A widget's settings, keyed by `settings_template[].key`. amoCRM sends an object, `[]`
/// for none (PHP's empty map), or the object JSON-encoded in a string; all three read as
/// the map. `Debug` shows the keys only: values may be secrets.
#[derive(Clone, Default, PartialEq)]
pub struct WidgetSettings(pub serde_json::Map<String, serde_json::Value>);

impl fmt::Debug for WidgetSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl serde::Serialize for WidgetSettings {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

struct SettingsVisitor {
    /// Whether a string (JSON-encoded settings) is accepted: only at the top level.
    encoded: bool,
}

impl<'de> serde::de::Visitor<'de> for SettingsVisitor {
    type Value = WidgetSettings;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.encoded {
            f.write_str("widget settings: an object, [] or a JSON-encoded object")
        } else {
            f.write_str("widget settings JSON-encoded: an object or []")
        }
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        serde::Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            .map(WidgetSettings)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        empty_array(seq, &self).map(|()| WidgetSettings::default())
    }
    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
        if !self.encoded {
            return Err(E::invalid_type(
                serde::de::Unexpected::Other("a string"),
                &self,
            ));
        }
        let mut inner = serde_json::Deserializer::from_str(text);
        let parsed =
            serde::Deserializer::deserialize_any(&mut inner, SettingsVisitor { encoded: false })
                .and_then(|settings| inner.end().map(|()| settings));
        // The text may hold secrets: say what is wrong with it, never what it is.
        parsed.map_err(|_| {
            E::invalid_value(
                serde::de::Unexpected::Other("a string that is not a JSON-encoded object"),
                &self,
            )
        })
    }
}

impl<'de> serde::Deserialize<'de> for WidgetSettings {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SettingsVisitor { encoded: true })
    }
}
