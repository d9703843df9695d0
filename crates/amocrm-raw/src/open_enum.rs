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
