//! What a continue call sends: [`ContinueRequest`] (data for the bot, handlers to run
//! first) and its [`Handler`]s, checked against the API's limits.

use amocrm_raw::types as raw;

use crate::error::{Invalid, Result};

/// At most this many handlers in one continue request.
pub const MAX_HANDLERS: usize = 10;
/// A `show` handler's value has at most this many characters.
pub const MAX_SHOW_VALUE_CHARS: usize = 80;
/// A `show` handler has at most this many buttons.
pub const MAX_BUTTONS: usize = 25;

// The descriptions of both are the spec's (`openapi/sections/bots.yaml`, ShowType and
// GotoType): a doc comment here would come before it, the same sentence twice.
pub use amocrm_raw::types::GotoType as GotoTarget;
pub use amocrm_raw::types::ShowType as ShowKind;

/// A [`ShowKind`] as amoCRM writes it.
fn show_kind_str(kind: ShowKind) -> &'static str {
    match kind {
        ShowKind::Text => "text",
        ShowKind::Buttons => "buttons",
        ShowKind::ButtonsUrl => "buttons_url",
    }
}

/// A handler the bot runs before it goes on. Build one with [`Handler::show_text`],
/// [`Handler::show_buttons`], [`Handler::show_buttons_url`] or [`Handler::goto`]; the
/// limits are checked when the request is sent (or by [`ContinueRequest::validate`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Handler {
    /// `show`: a text, buttons or link buttons.
    Show {
        /// What is shown.
        kind: ShowKind,
        /// The text, at most 80 characters.
        value: String,
        /// Button captions or URLs, at most 25.
        buttons: Vec<String>,
    },
    /// `goto`: jump to a step.
    Goto {
        /// The kind of step.
        target: GotoTarget,
        /// The step number.
        step: u64,
    },
}

impl Handler {
    /// Shows a text.
    pub fn show_text(value: impl Into<String>) -> Handler {
        Handler::Show {
            kind: ShowKind::Text,
            value: value.into(),
            buttons: Vec::new(),
        }
    }

    /// Shows a text with buttons.
    pub fn show_buttons<B: Into<String>>(
        value: impl Into<String>,
        buttons: impl IntoIterator<Item = B>,
    ) -> Handler {
        Handler::Show {
            kind: ShowKind::Buttons,
            value: value.into(),
            buttons: buttons.into_iter().map(Into::into).collect(),
        }
    }

    /// Shows a text with link buttons; each button is an absolute URL.
    pub fn show_buttons_url<B: Into<String>>(
        value: impl Into<String>,
        urls: impl IntoIterator<Item = B>,
    ) -> Handler {
        Handler::Show {
            kind: ShowKind::ButtonsUrl,
            value: value.into(),
            buttons: urls.into_iter().map(Into::into).collect(),
        }
    }

    /// Sends the bot to `step`.
    pub fn goto(target: GotoTarget, step: u64) -> Handler {
        Handler::Goto { target, step }
    }

    fn validate(&self, index: usize) -> Result<(), Invalid> {
        let Handler::Show {
            kind,
            value,
            buttons,
        } = self
        else {
            return Ok(());
        };
        let chars = value.chars().count();
        if chars > MAX_SHOW_VALUE_CHARS {
            return Err(Invalid::ShowValueTooLong {
                handler: index,
                chars,
                max: MAX_SHOW_VALUE_CHARS,
            });
        }
        if buttons.len() > MAX_BUTTONS {
            return Err(Invalid::TooManyButtons {
                handler: index,
                count: buttons.len(),
                max: MAX_BUTTONS,
            });
        }
        if *kind != ShowKind::Text && buttons.is_empty() {
            return Err(Invalid::NoButtons {
                handler: index,
                kind: show_kind_str(*kind),
            });
        }
        if *kind == ShowKind::ButtonsUrl {
            for (button, url) in buttons.iter().enumerate() {
                if url::Url::parse(url).is_err() {
                    return Err(Invalid::ButtonUrl {
                        handler: index,
                        button,
                        url: url.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    fn to_raw(&self, index: usize) -> Result<raw::ExecuteHandler, Invalid> {
        Ok(match self {
            Handler::Show {
                kind,
                value,
                buttons,
            } => raw::ExecuteHandler::ShowHandler(raw::ShowHandler {
                handler: raw::ShowHandlerHandler::Show,
                params: raw::ShowParams {
                    type_: *kind,
                    value: raw::ShowParamsValue::try_from(value.as_str()).map_err(|_| {
                        Invalid::ShowValueTooLong {
                            handler: index,
                            chars: value.chars().count(),
                            max: MAX_SHOW_VALUE_CHARS,
                        }
                    })?,
                    buttons: buttons.clone(),
                },
            }),
            Handler::Goto { target, step } => raw::ExecuteHandler::GotoHandler(raw::GotoHandler {
                handler: raw::GotoHandlerHandler::Goto,
                params: raw::GotoParams {
                    type_: *target,
                    step: i64::try_from(*step)
                        .map_err(|_| Invalid::Request(format!("goto step {step} is too large")))?,
                },
            }),
        })
    }
}

/// The body of a continue call: data for the bot and handlers to run first.
///
/// ```
/// use amocrm::bots::{ContinueRequest, GotoTarget, Handler};
/// use amocrm::error::Invalid;
///
/// let request = ContinueRequest::new()
///     .data("status", "success")
///     .handler(Handler::show_text("Здесь текст"))
///     .handler(Handler::goto(GotoTarget::Question, 5));
/// assert!(request.validate().is_ok());
///
/// let too_long = ContinueRequest::new().handler(Handler::show_text("x".repeat(81)));
/// assert!(matches!(
///     too_long.validate(),
///     Err(Invalid::ShowValueTooLong { handler: 0, chars: 81, max: 80 })
/// ));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContinueRequest {
    data: serde_json::Map<String, serde_json::Value>,
    handlers: Vec<Handler>,
}

impl ContinueRequest {
    /// No data, no handlers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `data[key]`; the bot reads it as `{{json.key}}`.
    pub fn data(mut self, key: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.data.insert(key.into(), value.into());
        self
    }

    /// Replaces all data.
    pub fn data_map(mut self, data: serde_json::Map<String, serde_json::Value>) -> Self {
        self.data = data;
        self
    }

    /// Appends a handler; handlers run in order.
    pub fn handler(mut self, handler: Handler) -> Self {
        self.handlers.push(handler);
        self
    }

    /// Appends handlers.
    pub fn handlers(mut self, handlers: impl IntoIterator<Item = Handler>) -> Self {
        self.handlers.extend(handlers);
        self
    }

    /// The data.
    pub fn data_values(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.data
    }

    /// The handlers.
    pub fn handler_list(&self) -> &[Handler] {
        &self.handlers
    }

    /// Checks the API's limits: at most 10 handlers, a `show` value of at most 80
    /// characters, at most 25 buttons (and at least one for button kinds), link buttons
    /// that are URLs. The error names the handler and the limit.
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.handlers.len() > MAX_HANDLERS {
            return Err(Invalid::TooManyHandlers {
                count: self.handlers.len(),
                max: MAX_HANDLERS,
            });
        }
        for (index, handler) in self.handlers.iter().enumerate() {
            handler.validate(index)?;
        }
        Ok(())
    }

    /// The body as the continue call sends it: checked, then written by the same
    /// serializer (the generated request type, `serde_json`).
    pub fn to_json(&self) -> Result<Vec<u8>, Invalid> {
        let body = self.to_raw()?;
        serde_json::to_vec(&body).map_err(|e| Invalid::Request(e.to_string()))
    }

    pub(super) fn to_raw(&self) -> Result<raw::ContinueBotRequest, Invalid> {
        self.validate()?;
        let execute_handlers = self
            .handlers
            .iter()
            .enumerate()
            .map(|(index, handler)| handler.to_raw(index))
            .collect::<Result<_, _>>()?;
        Ok(raw::ContinueBotRequest {
            data: self.data.clone(),
            execute_handlers,
        })
    }
}
