//! Custom field definitions to write ([`NewCustomField`], [`CustomFieldPatch`]) and the
//! checks amoCRM's documentation makes before anything is sent: the fields required, the
//! types an entity type takes, the options of a list, a monetary field's currency, a
//! birthday's reminder. Each is a JSON object in amoCRM's field names (built with the
//! setters, or taken whole with `from_json`, the CLI's input), checked as a whole. A
//! catalog's definitions take the catalogs' types (price, category, items, …) and keys
//! (`is_visible`, `is_required`, `nested`, `search_in`), not those of stages or money.

use serde_json::{Map, Value, json};

use crate::error::Invalid;
use crate::query::EntityKind;

use super::CustomFieldType;
use super::lists::{nested, options, stages};

/// A definition to add: `NewCustomField::new("Source", CustomFieldType::Select)` and its
/// options.
///
/// ```
/// use amocrm::custom_fields::{CustomFieldType, NewCustomField};
///
/// let source = NewCustomField::new("Source", CustomFieldType::Select)
///     .option("Web", 1)
///     .option("Phone", 2)
///     .code("SOURCE");
/// # let _ = source;
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewCustomField(Map<String, Value>);

/// Changes to one definition: `CustomFieldPatch::new(id)` and the keys to change.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomFieldPatch(Map<String, Value>);

macro_rules! common {
    ($name:ident) => {
        impl $name {
            /// The object in amoCRM's field names, sent as it is once checked (the CLI's
            /// input); setters called after it change it.
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

            /// The name shown in the card.
            pub fn name(self, name: impl Into<String>) -> Self {
                self.set("name", name.into())
            }

            /// The field's code, to name it by in values (`field_code`).
            pub fn code(self, code: impl Into<String>) -> Self {
                self.set("code", code.into())
            }

            /// Its place in the card.
            pub fn sort(self, sort: i64) -> Self {
                self.set("sort", sort)
            }

            /// Whether only the API may change its values.
            pub fn is_api_only(self, on: bool) -> Self {
                self.set("is_api_only", on)
            }

            /// An option of a select, multiselect or radiobutton (`enums`), at `sort`.
            pub fn option(mut self, value: impl Into<String>, sort: i64) -> Self {
                let entry = json!({"value": value.into(), "sort": sort});
                let list = self.0.entry("enums").or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = list {
                    list.push(entry);
                }
                self
            }

            /// A monetary field's currency (three capital letters, `RUB`).
            pub fn currency(self, currency: impl Into<String>) -> Self {
                self.set("currency", currency.into())
            }
        }
    };
}

common!(NewCustomField);
common!(CustomFieldPatch);

impl NewCustomField {
    /// A definition with what amoCRM requires: its name and type.
    pub fn new(name: impl Into<String>, kind: CustomFieldType) -> Self {
        NewCustomField::default()
            .set("name", name.into())
            .set("type", kind.as_str())
    }
}

impl CustomFieldPatch {
    /// Changes to the definition `id`.
    pub fn new(id: i64) -> Self {
        CustomFieldPatch::default().set("id", id)
    }
}

/// Whose definitions are written: an entity type's, or a catalog's (amoCRM's matrix of
/// types has one column for every catalog).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    Entity(EntityKind),
    Catalog,
}

impl From<EntityKind> for Owner {
    fn from(kind: EntityKind) -> Self {
        Owner::Entity(kind)
    }
}

impl std::fmt::Display for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Owner::Entity(kind) => kind.fmt(f),
            Owner::Catalog => f.write_str("catalogs"),
        }
    }
}

fn refuse(what: impl Into<String>, reason: impl Into<String>) -> Invalid {
    Invalid::Definition {
        what: what.into(),
        reason: reason.into(),
    }
}

/// Where a linked_entity field searches: `contacts`, `companies`,
/// `contacts_and_companies`, or a catalog's ID (digits, above 0).
pub(crate) fn is_search_in(text: &str) -> bool {
    matches!(text, "contacts" | "companies" | "contacts_and_companies")
        || (text.bytes().all(|b| b.is_ascii_digit()) && text.parse::<u64>().is_ok_and(|n| n > 0))
}

/// The keys a definition of `of` takes.
fn takes(of: Owner, key: &str) -> bool {
    let catalog = of == Owner::Catalog;
    match key {
        "name" | "type" | "code" | "sort" | "group_id" | "is_api_only" | "enums" | "request_id" => {
            true
        }
        "required_statuses" | "remind" | "currency" | "chained_lists" | "tracking_callback" => {
            !catalog
        }
        "is_visible" | "is_required" | "nested" | "search_in" | "settings" => catalog,
        "hidden_statuses" => of == Owner::Entity(EntityKind::Leads),
        _ => false,
    }
}

/// Whether amoCRM's matrix has the type `kind` for `of`.
fn available(kind: &CustomFieldType, of: Owner) -> bool {
    use CustomFieldType as T;
    use EntityKind as E;
    let Owner::Entity(of) = of else {
        // A catalog: the common types, a file, and its own. amoCRM keeps payer and
        // supplier to the invoices list, which only the account knows.
        return matches!(
            kind,
            T::Text
                | T::Numeric
                | T::Checkbox
                | T::Select
                | T::Multiselect
                | T::Date
                | T::Url
                | T::DateTime
                | T::Textarea
                | T::Radiobutton
                | T::Streetaddress
                | T::File
                | T::Price
                | T::Category
                | T::Items
                | T::LinkedEntity
                | T::Payer
                | T::Supplier
        );
    };
    match kind {
        T::Text
        | T::Numeric
        | T::Checkbox
        | T::Select
        | T::Multiselect
        | T::Date
        | T::Url
        | T::DateTime
        | T::Textarea
        | T::Radiobutton
        | T::Streetaddress => true,
        // Contacts per the matrix; companies hold the predefined PHONE and EMAIL too.
        T::Multitext => matches!(of, E::Contacts | E::Companies),
        T::SmartAddress | T::Birthday | T::LegalEntity => of != E::Customers,
        T::TrackingData => of == E::Leads,
        T::ChainedList => matches!(of, E::Leads | E::Customers),
        T::Monetary | T::File => true,
        // Catalogs' types (price, category, items, linked_entity, payer, supplier) and
        // types amoCRM does not document for writing.
        _ => false,
    }
}

/// Checks a definition's body; `add`: the type is required and known.
fn check(body: &Map<String, Value>, of: Owner, at: &str, add: bool) -> Result<(), Invalid> {
    let what = |key: &str| format!("{at}{key}");
    if let Some(key) = body
        .keys()
        .find(|k| !takes(of, k) && (add || k.as_str() != "id"))
    {
        return Err(refuse(
            what(key),
            format!("amoCRM does not take this key in a definition of {of}"),
        ));
    }
    if add {
        for key in ["name", "type"] {
            if !body.contains_key(key) {
                return Err(refuse(what(key), "amoCRM requires it"));
            }
        }
    }
    let kind = match body.get("type") {
        None => None,
        Some(Value::String(t)) => {
            let kind = CustomFieldType::from(t.as_str());
            if !available(&kind, of) {
                return Err(refuse(
                    what("type"),
                    format!("amoCRM has no {t} field for {of}"),
                ));
            }
            Some(kind)
        }
        Some(_) => return Err(refuse(what("type"), "a type is a text")),
    };
    use CustomFieldType as T;
    let lists = matches!(kind, Some(T::Select | T::Multiselect | T::Radiobutton));
    if add
        && lists
        && body
            .get("enums")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
    {
        return Err(refuse(
            what("enums"),
            "a select, multiselect or radiobutton takes its options",
        ));
    }
    if add && kind == Some(T::Monetary) && !body.contains_key("currency") {
        return Err(refuse(
            what("currency"),
            "a monetary field takes its currency",
        ));
    }
    for (key, value) in body {
        let bad = |reason: &str| Err(refuse(what(key), reason.to_owned()));
        let ok = match key.as_str() {
            "name" => value.as_str().is_some_and(|n| !n.trim().is_empty()),
            "code" => value.as_str().is_some_and(|c| !c.trim().is_empty()),
            "group_id" | "tracking_callback" => value.is_string(),
            "sort" => value.is_i64(),
            "id" => value.as_i64().is_some_and(|id| id > 0),
            "is_api_only" => value.is_boolean(),
            "request_id" => value.is_string(),
            "currency" => {
                let code = value
                    .as_str()
                    .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()));
                if code.is_none() {
                    return bad("a currency is three capital letters (ISO 4217)");
                }
                if kind.as_ref().is_some_and(|k| *k != T::Monetary) {
                    return bad("only a monetary field takes a currency");
                }
                true
            }
            "remind" => {
                if !matches!(value.as_str(), Some("never" | "day" | "week" | "month")) {
                    return bad("a reminder is never, day, week or month");
                }
                if kind.as_ref().is_some_and(|k| *k != T::Birthday) {
                    return bad("only a birthday takes a reminder");
                }
                true
            }
            "enums" => {
                if kind.as_ref().is_some_and(|k| {
                    !matches!(
                        k,
                        T::Select | T::Multiselect | T::Radiobutton | T::Multitext
                    )
                }) {
                    return bad(
                        "only a list (select, multiselect, radiobutton, multitext) takes options",
                    );
                }
                options(value, &what(key))?;
                true
            }
            "required_statuses" | "hidden_statuses" => stages(value),
            "is_visible" | "is_required" => value.is_boolean(),
            // A catalog field's own settings (amoCRM documents an object).
            "settings" => value.is_object() || value.is_null(),
            "search_in" => {
                if kind.as_ref().is_some_and(|k| *k != T::LinkedEntity) {
                    return bad("only a linked_entity takes search_in");
                }
                value.as_str().is_some_and(is_search_in)
            }
            "nested" => {
                if kind.as_ref().is_some_and(|k| *k != T::Category) {
                    return bad("only a category takes nested values");
                }
                nested(value, &what(key))?;
                true
            }
            "chained_lists" => {
                if kind.as_ref().is_some_and(|k| *k != T::ChainedList) {
                    return bad("only a chained_list takes chained_lists");
                }
                value.is_array()
            }
            _ => true,
        };
        if !ok {
            return bad("a value of the wrong type, or blank");
        }
    }
    Ok(())
}

impl NewCustomField {
    pub(super) fn checked(
        self,
        of: impl Into<Owner>,
        at: &str,
    ) -> Result<Map<String, Value>, Invalid> {
        check(&self.0, of.into(), at, true)?;
        Ok(self.0)
    }
}

impl CustomFieldPatch {
    /// `batch`: the `id` is in the body (a batch update), else in the path.
    pub(super) fn checked(
        mut self,
        of: impl Into<Owner>,
        at: &str,
        batch: bool,
    ) -> Result<Map<String, Value>, Invalid> {
        if batch && !self.0.contains_key("id") {
            return Err(refuse(
                format!("{at}id"),
                "a batch update names each field by its id",
            ));
        }
        if !batch {
            self.0.remove("id");
        }
        if self.0.keys().all(|k| k == "id" || k == "request_id") {
            return Err(refuse(
                format!("{at}custom field"),
                "a change names at least one key to change",
            ));
        }
        check(&self.0, of.into(), at, false)?;
        Ok(self.0)
    }
}

#[cfg(test)]
#[path = "write_tests.rs"]
mod tests;
