//! Bot steps waiting for a widget's result (pending continuations), the continue requests
//! accepted for them, and the rules of a continue body.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::model::problem::{FieldError, Problem};
use crate::model::record::{BotKind, ReceivedContinuation};

/// Maximum number of `execute_handlers` in a continue request.
pub(crate) const MAX_HANDLERS: usize = 10;
/// Maximum number of characters in a `show` handler's `value`.
pub(crate) const MAX_SHOW_VALUE_CHARS: usize = 80;
/// Maximum number of buttons in a `show` handler.
pub(crate) const MAX_BUTTONS: usize = 25;

const CHOICE: &str = "The value you selected is not a valid choice.";

/// The continuations of one tenant.
#[derive(Debug, Default)]
pub(crate) struct Continuations {
    /// Pending steps and how many times each may still be accepted.
    pending: HashMap<(BotKind, i64, String), usize>,
    received: Vec<ReceivedContinuation>,
}

impl Continuations {
    /// Registers a bot step waiting for a widget's result: one more accepted call.
    pub fn add_pending(&mut self, bot: BotKind, bot_id: i64, continue_id: &str) {
        *self
            .pending
            .entry((bot, bot_id, continue_id.to_owned()))
            .or_insert(0) += 1;
    }

    /// Accepts a (valid) continue call: spends one registration of its step (none needed
    /// with `any`) and keeps the body; 404 when no such step waits.
    pub fn accept(
        &mut self,
        bot: BotKind,
        bot_id: i64,
        continue_id: String,
        body: Map<String, Value>,
        any: bool,
    ) -> Result<(), Problem> {
        let key = (bot, bot_id, continue_id);
        match self.pending.get_mut(&key) {
            _ if any => {}
            Some(left) if *left > 1 => *left -= 1,
            Some(_) => {
                self.pending.remove(&key);
            }
            None => {
                return Err(Problem::not_found(
                    "No widget awaiting a result was found for this continue_id",
                ));
            }
        }
        let (bot, bot_id, continue_id) = key;
        self.received.push(ReceivedContinuation {
            bot,
            bot_id,
            continue_id,
            body: Value::Object(body),
        });
        Ok(())
    }

    /// The pending steps: `(bot, bot_id, continue_id, calls left)`, in no order.
    pub fn pending(&self) -> impl Iterator<Item = (BotKind, i64, &str, usize)> {
        self.pending
            .iter()
            .map(|((bot, bot_id, continue_id), left)| (*bot, *bot_id, continue_id.as_str(), *left))
    }

    /// The accepted calls, in order.
    pub fn received(&self) -> &[ReceivedContinuation] {
        &self.received
    }
}

fn choice(
    path: String,
    v: Option<&Value>,
    allowed: &[&str],
    errors: &mut Vec<FieldError>,
) -> Option<usize> {
    match v {
        None | Some(Value::Null) => {
            errors.push(FieldError::missing(path));
            None
        }
        Some(Value::String(s)) => match allowed.iter().position(|a| a == s) {
            Some(i) => Some(i),
            None => {
                errors.push(FieldError::new(
                    "NotSupportedChoice",
                    path,
                    format!("{CHOICE} Allowed: {}.", allowed.join(", ")),
                ));
                None
            }
        },
        Some(other) => {
            errors.push(FieldError::invalid_type(path, "string", other));
            None
        }
    }
}

fn show_handler(base: &str, params: &Map<String, Value>, errors: &mut Vec<FieldError>) {
    choice(
        format!("{base}.type"),
        params.get("type"),
        &["text", "buttons", "buttons_url"],
        errors,
    );
    let value_path = format!("{base}.value");
    match params.get("value") {
        None | Some(Value::Null) => errors.push(FieldError::missing(value_path)),
        Some(Value::String(s)) => {
            let chars = s.chars().count();
            if chars > MAX_SHOW_VALUE_CHARS {
                errors.push(FieldError::new(
                    "TooLong",
                    value_path,
                    format!(
                        "This value is too long ({chars} characters). It should have {MAX_SHOW_VALUE_CHARS} characters or less."
                    ),
                ));
            }
        }
        Some(other) => errors.push(FieldError::invalid_type(value_path, "string", other)),
    }
    let buttons_path = format!("{base}.buttons");
    // The seed does not say `buttons` is required for the button kinds; a missing list is
    // taken as empty (the client refuses to send one, which is stricter).
    match params.get("buttons") {
        None => {}
        Some(Value::Array(buttons)) => {
            if buttons.len() > MAX_BUTTONS {
                errors.push(FieldError::new(
                    "TooMany",
                    buttons_path.clone(),
                    format!(
                        "This collection should contain {MAX_BUTTONS} elements or less, {} given.",
                        buttons.len()
                    ),
                ));
            }
            for (j, b) in buttons.iter().enumerate() {
                if !b.is_string() {
                    errors.push(FieldError::invalid_type(
                        format!("{buttons_path}[{j}]"),
                        "string",
                        b,
                    ));
                }
            }
        }
        Some(other) => errors.push(FieldError::invalid_type(buttons_path, "array", other)),
    }
}

fn goto_handler(base: &str, params: &Map<String, Value>, errors: &mut Vec<FieldError>) {
    choice(
        format!("{base}.type"),
        params.get("type"),
        &["question", "answer", "finish"],
        errors,
    );
    let step_path = format!("{base}.step");
    match params.get("step") {
        None | Some(Value::Null) => errors.push(FieldError::missing(step_path)),
        // An int64 of at least 0 (the spec's `format: int64, minimum: 0`).
        Some(Value::Number(n)) if n.as_i64().is_some_and(|step| step >= 0) => {}
        Some(other) => errors.push(FieldError::invalid_type(step_path, "int from 0", other)),
    }
}

/// Validates a `continue` body: optional `data` object, optional
/// `execute_handlers` array of at most 10 `show`/`goto` handlers.
pub(crate) fn validate(body: &Map<String, Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    match body.get("data") {
        // Absent is fine; `null` is not an object (the spec has no nullable here).
        None | Some(Value::Object(_)) => {}
        Some(other) => errors.push(FieldError::invalid_type("data", "object", other)),
    }
    let handlers = match body.get("execute_handlers") {
        None => return errors,
        Some(Value::Array(handlers)) => handlers,
        Some(other) => {
            errors.push(FieldError::invalid_type("execute_handlers", "array", other));
            return errors;
        }
    };
    if handlers.len() > MAX_HANDLERS {
        errors.push(FieldError::new(
            "TooMany",
            "execute_handlers",
            format!(
                "This collection should contain {MAX_HANDLERS} elements or less, {} given.",
                handlers.len()
            ),
        ));
    }
    for (i, handler) in handlers.iter().enumerate() {
        let base = format!("execute_handlers[{i}]");
        let Value::Object(handler) = handler else {
            errors.push(FieldError::invalid_type(base, "object", handler));
            continue;
        };
        let kind = choice(
            format!("{base}.handler"),
            handler.get("handler"),
            &["show", "goto"],
            &mut errors,
        );
        let params_path = format!("{base}.params");
        let params = match handler.get("params") {
            None | Some(Value::Null) => {
                errors.push(FieldError::missing(params_path));
                continue;
            }
            Some(Value::Object(params)) => params,
            Some(other) => {
                errors.push(FieldError::invalid_type(params_path, "object", other));
                continue;
            }
        };
        match kind {
            Some(0) => show_handler(&params_path, params, &mut errors),
            Some(_) => goto_handler(&params_path, params, &mut errors),
            None => {}
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn show_value_counts_chars_not_bytes() {
        let ok = "ж".repeat(80);
        let body = obj(json!({"execute_handlers": [
            {"handler": "show", "params": {"type": "text", "value": ok}}
        ]}));
        assert!(validate(&body).is_empty());
        let long = "ж".repeat(81);
        let body = obj(json!({"execute_handlers": [
            {"handler": "show", "params": {"type": "text", "value": long}}
        ]}));
        let errs = validate(&body);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].path, "execute_handlers[0].params.value");
    }

    #[test]
    fn goto_step_must_be_integer() {
        let body = obj(json!({"execute_handlers": [
            {"handler": "goto", "params": {"type": "finish", "step": 1.5}}
        ]}));
        assert_eq!(validate(&body)[0].path, "execute_handlers[0].params.step");
    }
}
