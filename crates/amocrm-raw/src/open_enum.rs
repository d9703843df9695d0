//! Enums of the API whose set of values is open: a value amoCRM adds later decodes as
//! `Unknown` instead of failing the whole answer.

/// An enum of the API whose set of values is open: the known values as variants, and an
/// `Unknown(String)` arm for a value the server adds later, so that it decodes instead of
/// failing the whole answer. Gives `as_str`, `From<&str>`, `FromStr`, `Display`, and serde
/// as a plain string. One place for what every such enum needs, so a new one is its values.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
            /// A value this crate does not know yet, as the server sent it.
            Unknown(String),
        }

        impl $name {
            /// The value as amoCRM writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )+
                    Self::Unknown(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $text => Self::$variant, )+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Ok(Self::from(value.as_ref()))
            }
        }
    };
}

/// An integer-coded enum of the API whose set of values is open, like [`open_enum!`]: the
/// known codes as variants and an `Unknown(i64)` arm. Gives `code`, `From<i64>`,
/// `Display` (the code), and serde as a plain integer.
macro_rules! open_int_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident => $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
            /// A code this crate does not know yet, as the server sent it.
            Unknown(i64),
        }

        impl $name {
            /// The code as amoCRM writes it.
            pub fn code(&self) -> i64 {
                match self {
                    $( Self::$variant => $code, )+
                    Self::Unknown(other) => *other,
                }
            }
        }

        impl From<i64> for $name {
            fn from(code: i64) -> Self {
                match code {
                    $( $code => Self::$variant, )+
                    other => Self::Unknown(other),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}", self.code())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                i64::deserialize(deserializer).map(Self::from)
            }
        }
    };
}

open_enum! {
    /// Data type of a widget setting (`settings_template[].type`).
    #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum SettingsFieldType {
        /// `text`: a plain string.
        Text => "text",
        /// `pass`: a secret string.
        Pass => "pass",
        /// `custom`: shaped by the widget itself.
        Custom => "custom",
        /// `users`: amoCRM user ID to extension number.
        Users => "users",
        /// `users_lp`: amoCRM user ID to login and password.
        UsersLp => "users_lp",
    }
}

open_enum! {
    /// The customers feature's mode of an account (`customers_mode`): an open set, so a mode
    /// amoCRM adds later reads as [`CustomersMode::Unknown`] instead of failing.
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum CustomersMode {
        /// `unavailable`: the feature is not available to the account.
        Unavailable => "unavailable",
        /// `disabled`: available but off.
        Disabled => "disabled",
        /// `segments`: customers by segments.
        Segments => "segments",
        /// `dynamic`: dynamic segmentation.
        Dynamic => "dynamic",
        /// `periodicity`: periodic purchases.
        Periodicity => "periodicity",
    }
}

open_int_enum! {
    /// The kind of a pipeline's status (`type`): an open set of integer codes, so a kind
    /// amoCRM adds later reads as [`StatusType::Unknown`] instead of failing.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum StatusType {
        /// `0`: an ordinary stage (the won 142 and lost 143 statuses too).
        Normal => 0,
        /// `1`: the pipeline's "Unsorted" (incoming leads) stage.
        Unsorted => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_value_decodes_and_goes_back_as_it_came() {
        let kinds: Vec<SettingsFieldType> =
            serde_json::from_str(r#"["text", "users_lp", "file"]"#).unwrap();
        assert_eq!(kinds[1], SettingsFieldType::UsersLp);
        assert_eq!(kinds[2], SettingsFieldType::Unknown("file".into()));
        assert_eq!(
            serde_json::to_string(&kinds).unwrap(),
            r#"["text","users_lp","file"]"#
        );
        assert_eq!("segments".parse(), Ok(CustomersMode::Segments));
        assert_eq!(CustomersMode::from("later").to_string(), "later");
    }

    #[test]
    fn an_unknown_code_decodes_and_goes_back_as_it_came() {
        let kinds: Vec<StatusType> = serde_json::from_str("[0, 1, 7]").unwrap();
        assert_eq!(
            kinds,
            [
                StatusType::Normal,
                StatusType::Unsorted,
                StatusType::Unknown(7)
            ]
        );
        assert_eq!(serde_json::to_string(&kinds).unwrap(), "[0,1,7]");
        assert_eq!(StatusType::Unsorted.to_string(), "1");
        assert_eq!(StatusType::from(-3).code(), -3);
        assert!(serde_json::from_str::<StatusType>(r#""1""#).is_err());
    }
}
