//! [`ContinueUrl`]: a `return_url` read strictly, the bot step it names.

use std::fmt;

use crate::api::bots::kind::BotKind;
use crate::error::WidgetRequestError;

/// Longest accepted `continue_id`.
const MAX_CONTINUE_ID_LEN: usize = 256;

/// A parsed `return_url`: `{scheme}://{host}/api/v4/{salesbot|marketingbot}/{bot_id}/continue/{continue_id}`,
/// nothing more (no user info, query or fragment; a positive `bot_id`; a `continue_id` of
/// URL-safe characters).
///
/// ```
/// use amocrm::bots::BotKind;
/// use amocrm::widget_request::ContinueUrl;
///
/// let url = ContinueUrl::parse("https://example.amocrm.ru/api/v4/marketingbot/7/continue/x-1")?;
/// assert_eq!(url.kind(), BotKind::Marketingbot);
/// assert_eq!(url.bot_id(), 7);
/// assert_eq!(url.continue_id(), "x-1");
/// assert_eq!(url.host(), "example.amocrm.ru");
///
/// assert!(ContinueUrl::parse("https://example.amocrm.ru/api/v4/widgets/amo_dropbox").is_err());
/// assert!(ContinueUrl::parse("https://example.amocrm.ru/api/v4/salesbot/0/continue/x").is_err());
/// # Ok::<(), amocrm::error::WidgetRequestError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContinueUrl {
    pub(super) url: url::Url,
    pub(super) kind: BotKind,
    pub(super) bot_id: u64,
    pub(super) continue_id: String,
}

impl ContinueUrl {
    /// Parses `url` strictly; anything but a continue URL is an error.
    pub fn parse(url: &str) -> Result<Self, WidgetRequestError> {
        let fail = |reason: &'static str| WidgetRequestError::NotContinueUrl {
            url: shown_return_url(url),
            reason,
        };
        let parsed = url::Url::parse(url).map_err(|_| fail("not an absolute URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(fail("the scheme is not http(s)"));
        }
        if parsed.host().is_none() {
            return Err(fail("it has no host"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(fail("it has user info"));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(fail("it has a query or a fragment"));
        }
        // The path exactly as written: no dot segments, backslashes or encoded characters
        // that the URL parser would quietly normalize into another path.
        if raw_path(url) != Some(parsed.path()) {
            return Err(fail("the path is not in normal form"));
        }
        let segments: Vec<&str> = parsed.path().split('/').collect();
        let ["", "api", "v4", kind, bot_id, "continue", continue_id] = segments.as_slice() else {
            return Err(fail(
                "the path is not /api/v4/{salesbot|marketingbot}/{bot_id}/continue/{continue_id}",
            ));
        };
        let kind = match *kind {
            "salesbot" => BotKind::Salesbot,
            "marketingbot" => BotKind::Marketingbot,
            _ => return Err(fail("the bot kind is not salesbot or marketingbot")),
        };
        let bot_id = match bot_id.parse::<u64>() {
            Ok(id)
                if id > 0
                    && !bot_id.starts_with('0')
                    && bot_id.bytes().all(|b| b.is_ascii_digit()) =>
            {
                id
            }
            _ => return Err(fail("bot_id is not a positive integer")),
        };
        if continue_id.is_empty()
            || continue_id.len() > MAX_CONTINUE_ID_LEN
            || !continue_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
            || *continue_id == "."
            || *continue_id == ".."
        {
            return Err(fail(
                "continue_id is empty, too long or has characters other than A-Z a-z 0-9 - _ . ~",
            ));
        }
        let continue_id = (*continue_id).to_owned();
        Ok(ContinueUrl {
            url: parsed,
            kind,
            bot_id,
            continue_id,
        })
    }

    /// Salesbot or Marketingbot (never [`BotKind::Unknown`]: such a URL does not parse).
    pub fn kind(&self) -> BotKind {
        self.kind.clone()
    }

    /// The bot's ID.
    pub fn bot_id(&self) -> u64 {
        self.bot_id
    }

    /// The step waiting for the widget.
    pub fn continue_id(&self) -> &str {
        &self.continue_id
    }

    /// The host, e.g. `example.amocrm.ru`.
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// The whole URL.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    pub(super) fn host_and_port(&self) -> String {
        match self.url.port() {
            Some(port) => format!("{}:{port}", self.host()),
            None => self.host().to_owned(),
        }
    }
}

/// A refused `return_url` as an error shows it: as received, but never with user info
/// (which may be a password), nor the text of one that does not parse and may hold some.
fn shown_return_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            // Setting these fails only for URLs that cannot have user info.
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            format!("{parsed} (user info hidden)")
        }
        Err(_) if url.contains('@') => format!("<not a URL, {} bytes>", url.len()),
        _ => url.to_owned(),
    }
}

/// The path of an absolute URL as written, before any normalization.
fn raw_path(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let rest = &rest[rest.find(['/', '?', '#', '\\'])?..];
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    Some(&rest[..end])
}

impl fmt::Display for ContinueUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
