//! What a list's `with` and `order` take: [`Param`], the open sets of the sections (made
//! by `open_param!`), and [`NotTaken`] for a list that has no such parameter.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

/// A value of a list's `with` or `order`: an open set (`leads::With`, `tasks::OrderBy`),
/// read from its text without failing (a value this crate does not know is its `Unknown`
/// arm, sent as it is), or [`NotTaken`] where the list has no such parameter.
pub trait Param:
    AsRef<str> + FromStr<Err = Infallible> + Clone + fmt::Debug + PartialEq + Send + Sync + 'static
{
    /// Whether the list takes the parameter at all: a [`NotTaken`] value is refused
    /// when the request is sent ([`Invalid::Param`](crate::error::Invalid::Param)).
    const TAKEN: bool = true;

    /// Whether the value is for lists only (`with=only_deleted`, a mode of the list): a
    /// get by ID refuses it.
    fn list_only(&self) -> bool {
        false
    }
}

/// The `with` or `order` of a list that has none: any text reads as one, and a request
/// given one fails when it is sent, with [`Invalid::Param`](crate::error::Invalid::Param), before
/// anything is sent. (A type without values would make `FromStr` fail, which a generic
/// caller such as a command line could not tell from a typo.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotTaken(pub String);

impl AsRef<str> for NotTaken {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for NotTaken {
    type Err = Infallible;
    fn from_str(text: &str) -> Result<Self, Infallible> {
        Ok(NotTaken(text.to_owned()))
    }
}

impl Param for NotTaken {
    const TAKEN: bool = false;
}

/// An open set of a section's `with` or `order` values: the known ones as variants
/// (with their wire text), and `Unknown(String)` for any other, sent as it is.
macro_rules! open_param {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal),* $(,)?
        }
        $(list_only: [$($only:ident),*])?
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* #[doc = concat!("`", $text, "`")] $variant,)*
            /// A value this crate does not know, sent as it is.
            Unknown(String),
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Unknown(text) => text,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_ref())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Ok(match text {
                    $($text => $name::$variant,)*
                    other => $name::Unknown(other.to_owned()),
                })
            }
        }

        impl $crate::query::Param for $name {
            $(fn list_only(&self) -> bool {
                matches!(self, $($name::$only)|*)
            })?
        }
    };
}

pub(crate) use open_param;

/// `value` read again from its text: an `Unknown` arm that spells a known value
/// (`Unknown("only_deleted")`) becomes that value, so it is deduplicated and checked as
/// the value is.
pub(crate) fn normal<P: Param>(value: P) -> P {
    match value.as_ref().parse::<P>() {
        Ok(value) => value,
        Err(never) => match never {},
    }
}

/// Checks a `with` or `order` value before it is sent: a word of letters, digits and
/// `_` (amoCRM's are), so an `Unknown` one cannot smuggle in a `,` or another parameter.
pub(crate) fn word(param: &'static str, value: &str) -> Result<(), crate::error::Invalid> {
    let fine = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if fine {
        return Ok(());
    }
    Err(crate::error::Invalid::Param {
        param,
        reason: format!("{value:?} is not a value amoCRM takes: letters, digits and _ only"),
    })
}
