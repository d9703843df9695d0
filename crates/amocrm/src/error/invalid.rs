//! Inputs rejected before sending: nothing the API documents as invalid leaves the client.

use std::fmt;

/// Why an input was rejected before any request was sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Invalid {
    /// `limit` must be 1..=250.
    #[error("limit {limit} is out of range: the API takes 1..={max}")]
    Limit {
        /// The limit given.
        limit: u32,
        /// The largest limit the API takes.
        max: u32,
    },
    /// `page` starts at 1.
    #[error("page 0 does not exist: pages start at 1")]
    Page,
    /// A path identifier (widget code, continue_id) that cannot name a resource.
    #[error("{what} {value:?} is not a valid identifier: {reason}")]
    Identifier {
        /// Which identifier (`widget code`, `continue_id`).
        what: &'static str,
        /// The value given.
        value: String,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// A path identifier longer than [`MAX_IDENTIFIER_BYTES`]: no request line carries it
    /// (the value itself is not repeated here).
    #[error("{what} is {bytes} bytes long: at most {max} are sent in a request's path")]
    IdentifierTooLong {
        /// Which identifier (`widget code`, `continue_id`).
        what: &'static str,
        /// Its length in bytes (UTF-8).
        bytes: usize,
        /// [`MAX_IDENTIFIER_BYTES`].
        max: usize,
    },
    /// A continue call for a bot kind the API does not have (a `bot_type` claim this crate
    /// does not know): only `salesbot` and `marketingbot` are sent.
    #[error("bot kind {kind:?} cannot be continued: the API takes salesbot or marketingbot")]
    UnknownBotKind {
        /// The kind given, as sent.
        kind: String,
    },
    /// The bot ID must be a positive integer.
    #[error("bot_id must be positive, got {0}")]
    BotId(u64),
    /// More than 10 handlers in one continue request.
    #[error("{count} execute_handlers given: the API takes at most {max}")]
    TooManyHandlers {
        /// Handlers given.
        count: usize,
        /// The API's limit (10).
        max: usize,
    },
    /// A `show` handler's value is longer than 80 characters.
    #[error(
        "execute_handlers[{handler}] (show): value has {chars} characters, at most {max} are allowed"
    )]
    ShowValueTooLong {
        /// Index of the handler.
        handler: usize,
        /// Characters in the value.
        chars: usize,
        /// The API's limit (80).
        max: usize,
    },
    /// A `show` handler with more than 25 buttons.
    #[error("execute_handlers[{handler}] (show): {count} buttons given, at most {max} are allowed")]
    TooManyButtons {
        /// Index of the handler.
        handler: usize,
        /// Buttons given.
        count: usize,
        /// The API's limit (25).
        max: usize,
    },
    /// A `show` handler of type buttons or buttons_url without buttons.
    #[error("execute_handlers[{handler}] (show {kind}): at least one button is needed")]
    NoButtons {
        /// Index of the handler.
        handler: usize,
        /// `buttons` or `buttons_url`.
        kind: &'static str,
    },
    /// A `buttons_url` button that is not an absolute URL.
    #[error(
        "execute_handlers[{handler}] (show buttons_url): button {button} {url:?} is not an absolute URL"
    )]
    ButtonUrl {
        /// Index of the handler.
        handler: usize,
        /// Index of the button.
        button: usize,
        /// The value given.
        url: String,
    },
    /// The generated client refused to build the request.
    #[error("the request could not be built: {0}")]
    Request(String),
    /// A raw filter key (what follows `filter`, e.g. `id[]` or `updated_at[from]`) that
    /// is not PHP's bracket form.
    #[error("filter key {key:?} is malformed: {reason}")]
    FilterKey {
        /// The key given.
        key: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A filter the list takes, given a value or a combination the API refuses or would
    /// read as no filter at all (an empty list of IDs, a range without ends).
    #[error("filter[{filter}]: {reason}")]
    Filter {
        /// The filter (`id`, `entity_id`, `custom_fields_values][12`).
        filter: String,
        /// Why it is refused.
        reason: String,
    },
    /// A list parameter (`with`, `order`, `query`, `filter`) this list does not take, or
    /// a value it cannot carry.
    #[error("{param}: {reason}")]
    Param {
        /// The parameter.
        param: &'static str,
        /// Why it is refused.
        reason: String,
    },
    /// An order direction other than `asc` or `desc`.
    #[error("order direction {value:?}: amoCRM takes asc or desc")]
    Direction {
        /// The value given.
        value: String,
    },
    /// A write batch size out of the range a write takes (1..=250; 1..=50 for a
    /// complex add).
    #[error("batch size {size} is out of range: this write takes 1..={max} entities a request")]
    BatchSize {
        /// The size given.
        size: usize,
        /// The largest batch the write takes.
        max: usize,
    },
    /// An entity to write with a field amoCRM documents as invalid (an ID of 0 or below,
    /// a lead's price above 2^31−1); the value itself is not repeated.
    #[error("{field}: {reason}")]
    Field {
        /// The field, as amoCRM names it (`price`, `custom_fields_values.0.field_id`).
        field: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A custom field value that does not fit the account's definition of its field (see
    /// `amocrm::write::FieldDefs`): an unknown field, an option the field does not have, a
    /// value of the wrong shape for its type. It names the field and where in the item,
    /// never the value, which may be personal data.
    #[error("{path} (field {field}): {reason}")]
    CustomField {
        /// The field as the item names it: its ID, or its code.
        field: String,
        /// Dot-notation path into the item (`custom_fields_values.0.values.1.enum_id`).
        path: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A definition write (pipeline, status, custom field) amoCRM documents as invalid:
    /// a limit, a system status, a colour outside the palette, a missing field.
    #[error("{what}: {reason}")]
    Definition {
        /// What is refused (`statuses.3.color`, `pipeline 142`, `enums`).
        what: String,
        /// Why.
        reason: String,
    },
    /// Widget settings that do not fit the widget's `settings_template`.
    #[error("settings do not fit the widget's settings_template: {}", SettingsProblems(.0))]
    Settings(Vec<SettingsProblem>),
}

/// One way in which settings do not fit a `settings_template`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsProblem {
    /// A required key is missing (or empty).
    #[error("required setting {key:?} is missing")]
    Missing {
        /// The key.
        key: String,
    },
    /// The value's shape does not fit the field's type.
    #[error("setting {key:?} is a {expected} field, but a {given} value was given")]
    WrongShape {
        /// The key.
        key: String,
        /// The field type of the template (`text`, `users`, …).
        expected: String,
        /// The kind of value given (`text`, `users`, …).
        given: &'static str,
    },
    /// A `users` or `users_lp` value without users (the API takes at least one).
    #[error("setting {key:?} has no users: give at least one or leave the setting out")]
    NoUsers {
        /// The key.
        key: String,
    },
    /// No longer produced: the install call sends any JSON value, as a `custom` field
    /// takes one. Kept so that code matching it still compiles.
    #[error(
        "setting {key:?} holds a value the install call cannot send (it takes a string, a users map or a users_lp map)"
    )]
    Unsendable {
        /// The key.
        key: String,
    },
    /// A key the template does not have (a typo, most likely).
    #[error("setting {key:?} is not in the widget's settings_template")]
    Unknown {
        /// The key.
        key: String,
    },
}

struct SettingsProblems<'a>(&'a [SettingsProblem]);

impl fmt::Display for SettingsProblems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

/// The longest path identifier (a widget code, a continue_id) sent, in bytes: amoCRM's are
/// short, and percent-encoded (up to 3 bytes a byte) this keeps a request line within the
/// 8 KiB servers take; a much longer one could not even be made a request.
pub const MAX_IDENTIFIER_BYTES: usize = 1024;

/// Checks a path identifier: non-empty, at most [`MAX_IDENTIFIER_BYTES`], not `.` or `..`
/// and without `\\`, which URL normalisation would turn into a different route even when
/// percent-encoded.
pub(crate) fn identifier(what: &'static str, value: &str) -> Result<(), Invalid> {
    if value.len() > MAX_IDENTIFIER_BYTES {
        return Err(Invalid::IdentifierTooLong {
            what,
            bytes: value.len(),
            max: MAX_IDENTIFIER_BYTES,
        });
    }
    let reason = if value.is_empty() {
        "it is empty"
    } else if value == "." || value == ".." {
        "`.` and `..` are path navigation"
    } else if value.chars().any(char::is_control) {
        "it contains control characters"
    } else if value.contains('\\') {
        // URL parsers take `\` for `/` in http(s) URLs, and the generated client's
        // percent-encoding leaves it alone: `x\..\account` would reach `/api/v4/account`.
        "`\\` is a path separator in http(s) URLs"
    } else {
        return Ok(());
    };
    Err(Invalid::Identifier {
        what,
        value: value.to_owned(),
        reason,
    })
}
