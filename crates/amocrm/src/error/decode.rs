//! Why a response body did not decode, told without any value from it.

use std::fmt;

/// Why a body did not decode, without any value from it: the path of the field (e.g.
/// `_embedded.widgets[3].settings`), what was expected and the JSON type found there, and
/// the position. Built from serde's error, whose own message quotes the offending value
/// and is therefore not kept. A list entry that does not decode is described in the same
/// words ([`UndecodableEntry`](crate::error::UndecodableEntry)).
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError(Box<DecodeDetails>);

/// What [`DecodeError`] holds (boxed to keep [`Error`](crate::Error) small): the diagnosis of
/// `crate::decode`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DecodeDetails {
    pub(crate) category: DecodeCategory,
    /// The field where decoding stopped; empty for the body (or the entry) itself.
    pub(crate) path: String,
    /// What the type expected there, in words; `None` when saying it would quote the body.
    pub(crate) expected: Option<String>,
    /// What was found there; `None` when it cannot be told (or for a syntax fault).
    pub(crate) found: Option<Found>,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// What kind of fault a [`DecodeError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeCategory {
    /// Not JSON, or JSON with something after it.
    Syntax,
    /// JSON that ends too early (a body cut short, an empty one).
    Eof,
    /// JSON of the wrong shape: a type or value the API does not document there.
    Data,
}

/// What was found where something else was expected: a JSON type in words (`null`,
/// `a boolean`, `a number`, `a string`, `an array`, `an object`, or `nothing` for a
/// missing field), and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) kind: &'static str,
    /// Characters of a string, items of an array, members of an object.
    pub(crate) size: Option<usize>,
}

/// What was found where a field is missing.
pub(crate) const NOTHING: Found = Found {
    kind: "nothing",
    size: None,
};

impl DecodeError {
    pub(crate) fn from_details(details: DecodeDetails) -> Self {
        DecodeError(Box::new(details))
    }

    /// The kind of fault.
    pub fn category(&self) -> DecodeCategory {
        self.0.category
    }

    /// The field where decoding stopped, e.g. `settings` or `_embedded.widgets[3].rating`
    /// (a missing field is named itself); empty for the body as a whole. Object keys that
    /// are not plain names are shown as `<key>`.
    pub fn path(&self) -> &str {
        &self.0.path
    }

    /// What the client expected there (e.g. `an integer`, `a value` for a missing field),
    /// or serde_json's syntax fault; `None` when that would quote the body.
    pub fn expected(&self) -> Option<&str> {
        self.0.expected.as_deref()
    }

    /// What was found there (`a string`, `a number`, `nothing`, ...), for a value of the
    /// wrong type or a missing one.
    pub fn found(&self) -> Option<&'static str> {
        self.0.found.map(|found| found.kind)
    }

    /// Line of the fault, from 1.
    pub fn line(&self) -> usize {
        self.0.line
    }

    /// Column of the fault (bytes), from 1.
    pub fn column(&self) -> usize {
        self.0.column
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.category {
            DecodeCategory::Syntax => f.write_str("not valid JSON")?,
            DecodeCategory::Eof => f.write_str("JSON cut short")?,
            DecodeCategory::Data => f.write_str("unexpected JSON")?,
        }
        if !self.0.path.is_empty() {
            write!(f, " at `{}`", self.0.path)?;
        }
        match (&self.0.expected, self.0.category) {
            (Some(expected), DecodeCategory::Data) => write!(f, ": expected {expected}")?,
            (Some(fault), _) => write!(f, ": {fault}")?,
            (None, _) => f.write_str(": the value is not valid there")?,
        }
        if let Some(Found { kind, size }) = self.0.found {
            write!(f, ", found {kind}")?;
            if let Some(size) = size {
                let unit = if kind == "a string" { "chars" } else { "items" };
                write!(f, " of {size} {unit}")?;
            }
        }
        write!(f, " (line {}, column {})", self.0.line, self.0.column)
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("category", &self.0.category)
            .field("path", &self.0.path)
            .field("expected", &self.0.expected)
            .field("found", &self.0.found.map(|found| found.kind))
            .field("size", &self.0.found.and_then(|found| found.size))
            .field("line", &self.0.line)
            .field("column", &self.0.column)
            .finish()
    }
}

impl std::error::Error for DecodeError {}
