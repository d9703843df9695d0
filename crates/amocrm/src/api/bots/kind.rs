//! [`BotKind`]: Salesbot or Marketingbot, in a continue URL and in a widget_request's
//! `bot_type` claim alike.

use std::fmt;
use std::str::FromStr;

/// Which bot runs a widget step: the path segment of the continue call (`salesbot`,
/// `marketingbot`) and a widget_request token's `bot_type` claim. A kind this crate does
/// not know is kept as sent in [`BotKind::Unknown`]; a continue call for one is refused
/// before anything is sent ([`Invalid::UnknownBotKind`](crate::error::Invalid::UnknownBotKind)).
///
/// ```
/// use amocrm::bots::BotKind;
///
/// assert_eq!(BotKind::from("Salesbot"), BotKind::Salesbot);
/// assert_eq!(BotKind::Marketingbot.to_string(), "marketingbot");
/// assert_eq!("futurebot".parse::<BotKind>(), Ok(BotKind::Unknown("futurebot".into())));
/// assert!(!BotKind::Unknown("futurebot".into()).is_known());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum BotKind {
    /// `salesbot`.
    Salesbot,
    /// `marketingbot`.
    Marketingbot,
    /// Anything else, as sent.
    Unknown(String),
}

impl BotKind {
    /// As amoCRM writes it (lowercase for the known kinds; an unknown one as sent).
    pub fn as_str(&self) -> &str {
        match self {
            BotKind::Salesbot => "salesbot",
            BotKind::Marketingbot => "marketingbot",
            BotKind::Unknown(other) => other,
        }
    }

    /// Whether this is a kind the continue call takes (not [`BotKind::Unknown`]).
    pub fn is_known(&self) -> bool {
        !matches!(self, BotKind::Unknown(_))
    }
}

/// The known kinds in any case; anything else is [`BotKind::Unknown`], as given.
impl From<&str> for BotKind {
    fn from(value: &str) -> Self {
        if value.eq_ignore_ascii_case("salesbot") {
            BotKind::Salesbot
        } else if value.eq_ignore_ascii_case("marketingbot") {
            BotKind::Marketingbot
        } else {
            BotKind::Unknown(value.to_owned())
        }
    }
}

impl FromStr for BotKind {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(BotKind::from(value))
    }
}

impl fmt::Display for BotKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for BotKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for BotKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(BotKind::from(text.as_ref()))
    }
}
