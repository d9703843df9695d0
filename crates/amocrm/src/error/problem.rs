//! The problem+json body of an error answer, shown without the texts that may quote what
//! was sent.

use std::fmt;

/// An RFC 7807 problem as amoCRM sends it (`application/problem+json`).
///
/// `Display` and `Debug` show the status, the title, the type and each validation error's
/// path and code (each up to 100 characters, a longer one by its length); the `detail` texts only by their length, since
/// a server may quote in them what it was sent (a password among install settings). Read
/// them from the fields.
///
/// As data (`Serialize`, `Deserialize`) it is the problem+json shape with the validation
/// errors flattened into one list, `detail` texts included: serializing is asking for
/// them.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Problem {
    /// HTTP status.
    pub status: u16,
    /// Short summary, e.g. `Bad Request`.
    pub title: String,
    /// Problem type URI.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Human-readable explanation.
    pub detail: Option<String>,
    /// Field-level validation errors (400).
    #[serde(default)]
    pub validation_errors: Vec<ValidationError>,
}

/// One field-level validation error of a 400 answer. `Debug` shows the `detail` text by
/// its length only (see [`Problem`]).
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ValidationError {
    /// The entity of the request (`request_id`), when given.
    pub request_id: Option<String>,
    /// The field, e.g. `login` or `execute_handlers[0].params.value` (empty when amoCRM
    /// named none).
    pub path: String,
    /// Machine-readable code, e.g. `NotSupportedChoice`.
    pub code: String,
    /// Human-readable explanation (empty when amoCRM gave none).
    pub detail: String,
}

impl Problem {
    /// A problem for a response that did not carry one.
    pub(crate) fn bare(status: u16) -> Self {
        let title = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error")
            .to_owned();
        Problem {
            status,
            title,
            kind: None,
            detail: None,
            validation_errors: Vec::new(),
        }
    }
}

impl From<amocrm_raw::types::Problem> for Problem {
    fn from(raw: amocrm_raw::types::Problem) -> Self {
        let validation_errors = raw
            .validation_errors
            .into_iter()
            .flat_map(|group| {
                let request_id = group.request_id.map(|id| id.0);
                group.errors.into_iter().map(move |e| ValidationError {
                    request_id: request_id.clone(),
                    path: e.path.unwrap_or_default(),
                    code: e.code,
                    detail: e.detail.unwrap_or_default(),
                })
            })
            .collect();
        Problem {
            status: u16::try_from(raw.status).unwrap_or(0),
            title: raw.title,
            kind: raw.type_,
            detail: raw.detail,
            validation_errors,
        }
    }
}

/// The longest title (type, path, code) `Display` and `Debug` show; a longer one is shown
/// by its length.
const MAX_SHOWN_TITLE: usize = 100;

/// A server's short text as shown: itself up to [`MAX_SHOWN_TITLE`] characters, beyond
/// that its length (`what` names it).
fn shown<'a>(what: &str, text: &'a str) -> std::borrow::Cow<'a, str> {
    let chars = text.chars().count();
    if chars <= MAX_SHOWN_TITLE {
        text.into()
    } else {
        format!("<{what} of {chars} chars>").into()
    }
}

/// A server's text shown by its length only.
struct Withheld(usize);

impl fmt::Debug for Withheld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} chars>", self.0)
    }
}

impl Problem {
    fn shown_title(&self) -> std::borrow::Cow<'_, str> {
        shown("title", &self.title)
    }
}

impl fmt::Debug for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Problem")
            .field("status", &self.status)
            .field("title", &self.shown_title())
            .field(
                "kind",
                &self.kind.as_deref().map(|kind| shown("type", kind)),
            )
            .field(
                "detail",
                &self.detail.as_ref().map(|d| Withheld(d.chars().count())),
            )
            .field("validation_errors", &self.validation_errors)
            .finish()
    }
}

impl fmt::Debug for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidationError")
            .field(
                "request_id",
                &self.request_id.as_deref().map(|id| shown("request_id", id)),
            )
            .field("path", &shown("path", &self.path))
            .field("code", &shown("code", &self.code))
            .field("detail", &Withheld(self.detail.chars().count()))
            .finish()
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown_title())?;
        if let Some(detail) = &self.detail {
            write!(f, " (detail: {} chars, not shown)", detail.chars().count())?;
        }
        for e in &self.validation_errors {
            write!(
                f,
                "; {}: {}",
                shown("path", &e.path),
                shown("code", &e.code)
            )?;
        }
        Ok(())
    }
}
