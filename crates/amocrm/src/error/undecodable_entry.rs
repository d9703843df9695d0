//! An entry of a list page that could not be decoded.

/// An entry of a list page that is not one this crate can read. It names the entry (its
/// key, e.g. a widget's code, when one can be read, and its index in the page) and what
/// was wrong, in the words of [`DecodeError`](crate::error::DecodeError) (the field's path, what was
/// expected and what was found), never a value from the body: an entry may carry secrets.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct UndecodableEntry {
    /// What the entry is, e.g. `widget`.
    pub noun: &'static str,
    /// The page it was on.
    pub page: u32,
    /// Its index in the page's `_embedded` list, from 0.
    pub index: usize,
    /// Its key (a widget's `code`, a lead's `id` written in decimal), when it is a string
    /// or an integer.
    pub code: Option<String>,
    /// Path of the field that could not be read, e.g. `settings_template[0].is_required`
    /// (empty for the entry itself; a missing field is named itself).
    pub path: String,
    /// What was expected there, e.g. `a boolean`, `an integer`, `a value` (a missing
    /// field), or `a valid value` when saying more would quote the entry.
    pub expected: String,
    /// What was found there: `null`, `a boolean`, `a number`, `a string`, `an array`,
    /// `an object`, `nothing` for a missing field, or `unknown` when it cannot be told
    /// (an entry nested too deeply to inspect).
    pub found: &'static str,
}

impl std::fmt::Display for UndecodableEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            // A numeric ID as amoCRM writes it; any other key quoted.
            Some(id) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => {
                write!(f, "{} {id} (entry {}", self.noun, self.index)?
            }
            Some(code) => write!(f, "{} {code:?} (entry {}", self.noun, self.index)?,
            None => write!(f, "{} (entry {}", self.noun, self.index)?,
        }
        write!(f, " of page {}) could not be decoded: ", self.page)?;
        if self.path.is_empty() {
            f.write_str("the entry")?;
        } else {
            write!(f, "`{}`", self.path)?;
        }
        write!(f, " is {}, expected {}", self.found, self.expected)
    }
}
