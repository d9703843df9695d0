//! The pipeline and status definitions to write ([`NewPipeline`], [`PipelinePatch`],
//! [`NewStatus`], [`StatusPatch`]) and the checks amoCRM's documented limits make before
//! anything is sent: every one is a JSON object in amoCRM's field names (built with the
//! setters, or taken whole with `from_json`, the CLI's input), checked as a whole.

use serde_json::{Map, Value};

use crate::error::Invalid;

/// The most pipelines an account holds.
pub const MAX_PIPELINES: usize = 50;
/// The most statuses a pipeline holds, its three system ones ("Unsorted", won, lost)
/// included.
pub const MAX_STATUSES: usize = 100;
/// The statuses a pipeline holds that amoCRM adds itself: "Unsorted", 142 and 143.
pub const SYSTEM_STATUSES: usize = 3;
/// The longest status description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// The colours a status takes (amoCRM's palette; system statuses show others, which
/// cannot be set).
pub const STATUS_COLORS: [&str; 21] = [
    "#fffeb2", "#fffd7f", "#fff000", "#ffeab2", "#ffdc7f", "#ffce5a", "#ffdbdb", "#ffc8c8",
    "#ff8f92", "#d6eaff", "#c1e0ff", "#98cbff", "#ebffb1", "#deff81", "#87f2c0", "#f9deff",
    "#f3beff", "#ccc8f9", "#eb93ff", "#f2f3f4", "#e6e8ea",
];

/// Who a status description is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DescriptionLevel {
    /// `newbie`.
    Newbie,
    /// `candidate`.
    Candidate,
    /// `master`.
    Master,
}

impl DescriptionLevel {
    /// The level as amoCRM names it.
    pub fn as_str(self) -> &'static str {
        match self {
            DescriptionLevel::Newbie => "newbie",
            DescriptionLevel::Candidate => "candidate",
            DescriptionLevel::Master => "master",
        }
    }
}

fn refuse(what: impl Into<String>, reason: impl Into<String>) -> Invalid {
    Invalid::Definition {
        what: what.into(),
        reason: reason.into(),
    }
}

macro_rules! json_object {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name(Map<String, Value>);

        impl $name {
            /// The object in amoCRM's field names, sent as it is once checked (the
            /// CLI's input); setters called after it change it.
            pub fn from_json(body: Map<String, Value>) -> Self {
                $name(body)
            }

            /// The body, as it would be sent.
            pub fn as_json(&self) -> &Map<String, Value> {
                &self.0
            }

            fn set(mut self, key: &str, value: impl Into<Value>) -> Self {
                self.0.insert(key.to_owned(), value.into());
                self
            }
        }
    };
}

json_object! {
    /// A pipeline to add: `NewPipeline::new("Sales", 20, false, true)` and its stages.
    /// amoCRM adds the "Unsorted" stage and the closing ones (142 won, 143 lost) itself.
    ///
    /// ```
    /// use amocrm::pipelines::{NewPipeline, NewStatus};
    ///
    /// let sales = NewPipeline::new("Sales", 20, false, true)
    ///     .status(NewStatus::new("New", 10).color("#fffeb2"))
    ///     .status(NewStatus::new("Offer sent", 20))
    ///     .rename_won("Paid");
    /// # let _ = sales;
    /// ```
    NewPipeline
}

json_object! {
    /// Changes to a pipeline: at least one of its name, sort, main and "Unsorted" flags.
    PipelinePatch
}

json_object! {
    /// A status (stage) to add: its name and its place (`sort`), a colour of
    /// [`STATUS_COLORS`], descriptions for the staff.
    NewStatus
}

json_object! {
    /// Changes to a status: any of its name, sort, colour and descriptions.
    StatusPatch
}

impl NewPipeline {
    /// A pipeline with the four fields amoCRM requires.
    pub fn new(name: impl Into<String>, sort: i64, is_main: bool, is_unsorted_on: bool) -> Self {
        NewPipeline::default()
            .set("name", name.into())
            .set("sort", sort)
            .set("is_main", is_main)
            .set("is_unsorted_on", is_unsorted_on)
    }

    /// A stage of the new pipeline.
    pub fn status(self, status: NewStatus) -> Self {
        self.embed(Value::Object(status.0))
    }

    /// Renames the won stage (142) of the new pipeline.
    pub fn rename_won(self, name: impl Into<String>) -> Self {
        self.embed(serde_json::json!({"id": WON, "name": name.into()}))
    }

    /// Renames the lost stage (143) of the new pipeline.
    pub fn rename_lost(self, name: impl Into<String>) -> Self {
        self.embed(serde_json::json!({"id": LOST, "name": name.into()}))
    }

    fn embed(mut self, status: Value) -> Self {
        let embedded = self
            .0
            .entry("_embedded")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(embedded) = embedded {
            let list = embedded
                .entry("statuses")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = list {
                list.push(status);
            }
        }
        self
    }
}

impl PipelinePatch {
    /// The new name.
    pub fn name(self, name: impl Into<String>) -> Self {
        self.set("name", name.into())
    }
    /// The new place among the pipelines.
    pub fn sort(self, sort: i64) -> Self {
        self.set("sort", sort)
    }
    /// Whether it becomes (or stops being) the main pipeline.
    pub fn is_main(self, is_main: bool) -> Self {
        self.set("is_main", is_main)
    }
    /// Whether its "Unsorted" stage is on.
    pub fn is_unsorted_on(self, on: bool) -> Self {
        self.set("is_unsorted_on", on)
    }
}

macro_rules! status_setters {
    ($name:ident) => {
        impl $name {
            /// A colour of [`STATUS_COLORS`] (sent in lower case).
            pub fn color(self, color: impl Into<String>) -> Self {
                self.set("color", color.into().to_ascii_lowercase())
            }

            /// A description for the staff of `level` (one a level, at most 1,000
            /// characters).
            pub fn description(mut self, level: DescriptionLevel, text: impl Into<String>) -> Self {
                let entry = serde_json::json!({"level": level.as_str(), "description": text.into()});
                let list = self.0.entry("descriptions").or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = list {
                    list.push(entry);
                }
                self
            }
        }
    };
}

status_setters!(NewStatus);
status_setters!(StatusPatch);

impl NewStatus {
    /// A status with the two fields amoCRM requires.
    pub fn new(name: impl Into<String>, sort: i64) -> Self {
        NewStatus::default()
            .set("name", name.into())
            .set("sort", sort)
    }
}

impl StatusPatch {
    /// The new name.
    pub fn name(self, name: impl Into<String>) -> Self {
        self.set("name", name.into())
    }
    /// The new place in the pipeline.
    pub fn sort(self, sort: i64) -> Self {
        self.set("sort", sort)
    }
}

const WON: i64 = 142;
const LOST: i64 = 143;

/// Whether `id` is a closing status (142, 143), the same in every pipeline.
pub(super) fn is_closing(id: u64) -> bool {
    id == WON as u64 || id == LOST as u64
}

const PIPELINE_KEYS: [&str; 4] = ["name", "sort", "is_main", "is_unsorted_on"];
const STATUS_KEYS: [&str; 4] = ["name", "sort", "color", "descriptions"];

/// Checks the keys of `body` against `allowed` (plus `request_id`), and `required`.
fn keys(
    body: &Map<String, Value>,
    at: &str,
    allowed: &[&str],
    required: &[&str],
) -> Result<(), Invalid> {
    if let Some(key) = body
        .keys()
        .find(|k| !allowed.contains(&k.as_str()) && *k != "request_id")
    {
        return Err(refuse(
            format!("{at}{key}"),
            "amoCRM does not take this field here",
        ));
    }
    if let Some(key) = required.iter().find(|k| !body.contains_key(**k)) {
        return Err(refuse(format!("{at}{key}"), "amoCRM requires it"));
    }
    Ok(())
}

/// Checks the values of the common keys of a pipeline or a status.
fn values(body: &Map<String, Value>, at: &str) -> Result<(), Invalid> {
    for (key, value) in body {
        let what = || format!("{at}{key}");
        match key.as_str() {
            "name" => match value.as_str() {
                Some(name) if !name.trim().is_empty() => {}
                _ => return Err(refuse(what(), "a name is a text, not blank")),
            },
            "sort" if !value.is_i64() => return Err(refuse(what(), "a sort is an integer")),
            "is_main" | "is_unsorted_on" if !value.is_boolean() => {
                return Err(refuse(what(), "a flag is true or false"));
            }
            "color" => match value.as_str() {
                Some(c) if STATUS_COLORS.contains(&c) => {}
                _ => {
                    return Err(refuse(
                        what(),
                        "a status colour is one of amoCRM's palette (STATUS_COLORS, lower case)",
                    ));
                }
            },
            "descriptions" => descriptions(value, &what())?,
            "request_id" if !value.is_string() => {
                return Err(refuse(what(), "a request_id is a string"));
            }
            _ => {}
        }
    }
    Ok(())
}

fn descriptions(value: &Value, at: &str) -> Result<(), Invalid> {
    let Some(list) = value.as_array() else {
        return Err(refuse(at, "descriptions are a JSON array"));
    };
    let mut seen = Vec::new();
    for (i, d) in list.iter().enumerate() {
        let at = format!("{at}.{i}");
        let level = d.get("level").and_then(Value::as_str);
        let level = match level {
            Some(l @ ("newbie" | "candidate" | "master")) => l,
            _ => {
                return Err(refuse(
                    format!("{at}.level"),
                    "a level is newbie, candidate or master",
                ));
            }
        };
        if seen.contains(&level) {
            return Err(refuse(format!("{at}.level"), "one description a level"));
        }
        seen.push(level);
        match d.get("description").and_then(Value::as_str) {
            Some(text) if text.chars().count() <= MAX_DESCRIPTION_CHARS => {}
            Some(_) => {
                return Err(refuse(
                    format!("{at}.description"),
                    format!("at most {MAX_DESCRIPTION_CHARS} characters"),
                ));
            }
            None => {
                return Err(refuse(
                    format!("{at}.description"),
                    "a description is a text",
                ));
            }
        }
        if let Some(key) = d
            .as_object()
            .and_then(|d| d.keys().find(|k| *k != "level" && *k != "description"))
        {
            return Err(refuse(
                format!("{at}.{key}"),
                "amoCRM does not take this field here",
            ));
        }
    }
    Ok(())
}

/// The number of items of an add: 1 to `max`.
pub(super) fn count(what: &str, n: usize, max: usize) -> Result<(), Invalid> {
    match n {
        0 => Err(refuse(what, "nothing to add")),
        n if n > max => Err(refuse(
            what,
            format!("{n} given: at most {max} (amoCRM's limit)"),
        )),
        _ => Ok(()),
    }
}

impl NewPipeline {
    pub(super) fn checked(self, at: &str) -> Result<Map<String, Value>, Invalid> {
        let body = self.0;
        let mut allowed = PIPELINE_KEYS.to_vec();
        allowed.push("_embedded");
        keys(&body, at, &allowed, &PIPELINE_KEYS)?;
        values(&body, at)?;
        let Some(embedded) = body.get("_embedded") else {
            return Ok(body);
        };
        let at = format!("{at}_embedded");
        let statuses = match embedded.as_object().map(|e| (e.get("statuses"), e.len())) {
            Some((Some(Value::Array(list)), 1)) => list,
            _ => return Err(refuse(at, "takes only `statuses`, a JSON array")),
        };
        let mut own = 0;
        for (i, status) in statuses.iter().enumerate() {
            let at = format!("{at}.statuses.{i}.");
            let Some(status) = status.as_object() else {
                return Err(refuse(at, "a status is a JSON object"));
            };
            match status.get("id") {
                // A closing status of the new pipeline, renamed.
                Some(id) if id.as_u64().is_some_and(is_closing) => {
                    keys(status, &at, &["id", "name"], &["name"])?;
                }
                Some(_) => {
                    return Err(refuse(
                        format!("{at}id"),
                        "only the closing statuses 142 and 143 are named by ID here",
                    ));
                }
                None => {
                    keys(status, &at, &STATUS_KEYS, &["name", "sort"])?;
                    own += 1;
                }
            }
            values(status, &at)?;
        }
        if own > MAX_STATUSES - SYSTEM_STATUSES {
            let max = MAX_STATUSES - SYSTEM_STATUSES;
            return Err(refuse(
                format!("{at}.statuses"),
                format!("{own} given: at most {max} besides the 3 system ones"),
            ));
        }
        Ok(body)
    }
}

impl PipelinePatch {
    pub(super) fn checked(self) -> Result<Map<String, Value>, Invalid> {
        keys(&self.0, "", &PIPELINE_KEYS, &[])?;
        if self.0.is_empty() {
            return Err(refuse(
                "pipeline",
                "a change names at least one of name, sort, is_main, is_unsorted_on",
            ));
        }
        values(&self.0, "")?;
        Ok(self.0)
    }
}

impl NewStatus {
    pub(super) fn checked(self, at: &str) -> Result<Map<String, Value>, Invalid> {
        keys(&self.0, at, &STATUS_KEYS, &["name", "sort"])?;
        values(&self.0, at)?;
        Ok(self.0)
    }
}

impl StatusPatch {
    pub(super) fn checked(self) -> Result<Map<String, Value>, Invalid> {
        keys(&self.0, "", &STATUS_KEYS, &[])?;
        if self.0.is_empty() {
            return Err(refuse(
                "status",
                "a change names at least one of name, sort, color, descriptions",
            ));
        }
        values(&self.0, "")?;
        Ok(self.0)
    }
}

#[cfg(test)]
#[path = "write_tests.rs"]
mod tests;
