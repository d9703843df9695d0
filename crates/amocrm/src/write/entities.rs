//! The entities to write: [`NewLead`], [`LeadPatch`], [`NewContact`], [`ContactPatch`],
//! [`NewCompany`], [`CompanyPatch`] and [`ComplexLead`]. Each sends only the fields set
//! on it, never a round-tripped whole entity: amoCRM refuses an unchanged `created_by`
//! of a deactivated user, and a whole entity would overwrite what others changed since
//! it was read.

use serde_json::{Map, Value, json};

use crate::error::Invalid;
use crate::write::field::{FieldValue, TagRef};
use crate::write::json_input::Keys;
use crate::write::parts::{MAX_COMPLEX_FIELDS, Parts};

/// An entity a writer sends: its body in amoCRM's field names, or why it is not sent.
/// Implemented by this module's types only.
pub trait Item: Send + 'static + sealed::Sealed {
    #[doc(hidden)]
    fn into_body(self) -> Result<Map<String, Value>, Invalid>;
}

pub(super) mod sealed {
    pub trait Sealed {}
}

/// One setter: `text` (a string), `id` (an ID above 0), `user` (a user's ID, 0 the
/// integration), `time` (Unix seconds), `price` (0 to 2^31−1).
macro_rules! setter {
    ($(#[$m:meta])* text $name:ident = $key:literal) => {
        $(#[$m])*
        pub fn $name(mut self, value: impl Into<String>) -> Self {
            self.parts.text($key, value.into());
            self
        }
    };
    ($(#[$m:meta])* $kind:ident $name:ident = $key:literal) => {
        $(#[$m])*
        pub fn $name(mut self, value: i64) -> Self {
            self.parts.number(stringify!($kind), $key, value);
            self
        }
    };
}

/// An entity type to write: its setters, custom fields, tags, and (for a patch) the ID.
macro_rules! entity {
    (
        $(#[$m:meta])* $name:ident $( (id = $id:ident) )? {
            $( $(#[$fm:meta])* $kind:ident $setter:ident = $key:literal; )*
        }
    ) => {
        $(#[$m])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name {
            parts: Parts,
        }

        impl $name {
            /// The keys of the setters, with their kinds: what `from_json` checks.
            const KEYS: Keys = &[ $( ($key, stringify!($kind)), )* $( ("id", { stringify!($id); "id" }), )? ];
            /// Whether the entity is named by its ID (a patch).
            const NEEDS_ID: bool = false $( || { stringify!($id); true } )?;

            $( setter!($(#[$fm])* $kind $setter = $key); )*

            /// Writes a custom field's values (see [`FieldValue`]).
            pub fn custom_field(mut self, value: FieldValue) -> Self {
                self.parts.field(value);
                self
            }

            /// Tags to attach (`tags_to_add`), by ID or name.
            pub fn tags_to_add<T: Into<TagRef>>(mut self, tags: impl IntoIterator<Item = T>) -> Self {
                self.parts.tags("tags_to_add", tags.into_iter().map(Into::into));
                self
            }

            /// The entity as a JSON object in amoCRM's field names, sent as it is (keys
            /// the type has no setter for too; the CLI's input). The keys the setters
            /// take, `custom_fields_values`, the tags and `_embedded` are checked as the
            /// setters check them (a patch needs its `id`); the first problem refuses
            /// the item when it is sent. Setters called after it add to it.
            pub fn from_json(body: Map<String, Value>) -> Self {
                $name { parts: Parts::from_json(body, Self::KEYS, Self::NEEDS_ID) }
            }

            $(
            /// The entity of this ID.
            pub fn new($id: i64) -> Self {
                let mut parts = Parts::default();
                parts.id("id", $id);
                $name { parts }
            }

            /// Tags to detach (`tags_to_delete`), by ID or name.
            pub fn tags_to_delete<T: Into<TagRef>>(mut self, tags: impl IntoIterator<Item = T>) -> Self {
                self.parts.tags("tags_to_delete", tags.into_iter().map(Into::into));
                self
            }

            /// The entity's whole set of tags (`_embedded.tags`), by ID or name: a tag not
            /// listed is detached. To attach or detach some, `tags_to_add` and
            /// `tags_to_delete` leave the others alone.
            pub fn replace_tags<T: Into<TagRef>>(mut self, tags: impl IntoIterator<Item = T>) -> Self {
                self.parts.tag_set(Some(tags.into_iter().map(Into::into).collect()));
                self
            }

            /// Detaches every tag (`"_embedded": {"tags": null}`).
            pub fn clear_tags(mut self) -> Self {
                self.parts.tag_set(None);
                self
            }
            )?
        }

        impl sealed::Sealed for $name {}

        impl Item for $name {
            fn into_body(self) -> Result<Map<String, Value>, Invalid> {
                self.parts.into_body()
            }
        }
    };
}

macro_rules! lead {
    ($(#[$m:meta])* $name:ident $( (id = $id:ident) )?) => {
        entity! {
            $(#[$m])* $name $( (id = $id) )? {
                /// The name (amoCRM names a lead without one).
                text name = "name";
                /// The budget, 0 to 2^31−1.
                price price = "price";
                /// The pipeline.
                id pipeline_id = "pipeline_id";
                /// The stage (with its pipeline; default: the main pipeline's first).
                id status_id = "status_id";
                /// The responsible user.
                id responsible_user_id = "responsible_user_id";
                /// Who created it (0: the integration).
                user created_by = "created_by";
                /// Who changed it last (0: the integration).
                user updated_by = "updated_by";
                /// When created, Unix seconds.
                time created_at = "created_at";
                /// When changed, Unix seconds.
                time updated_at = "updated_at";
                /// When closed, Unix seconds.
                time closed_at = "closed_at";
                /// Why it was lost (with status 143).
                id loss_reason_id = "loss_reason_id";
            }
        }
    };
}

lead! {
    /// A lead to add: `NewLead::default().name("…").price(…)`.
    ///
    /// ```
    /// use amocrm::write::{FieldValue, NewLead};
    ///
    /// let lead = NewLead::default()
    ///     .name("Website order 17")
    ///     .price(1500)
    ///     .custom_field(FieldValue::id(271313).enum_id(432101))
    ///     .tags_to_add(["web"])
    ///     .contact(10971465, true);
    /// # let _ = lead;
    /// ```
    NewLead
}

lead! {
    /// Changes to one lead: `LeadPatch::new(id)` and the fields to change, nothing else.
    ///
    /// ```
    /// use amocrm::write::LeadPatch;
    ///
    /// let won = LeadPatch::new(19619).status_id(142);
    /// # let _ = won;
    /// ```
    LeadPatch (id = id)
}

impl NewLead {
    /// Links an existing contact (`_embedded.contacts`), the main one when `is_main`.
    pub fn contact(mut self, contact_id: i64, is_main: bool) -> Self {
        if contact_id <= 0 {
            self.parts
                .refuse("_embedded.contacts.id", "an ID is above 0");
        }
        self.parts
            .embed("contacts", json!({ "id": contact_id, "is_main": is_main }));
        self
    }

    /// Links an existing company (`_embedded.companies`).
    pub fn company(mut self, company_id: i64) -> Self {
        if company_id <= 0 {
            self.parts
                .refuse("_embedded.companies.id", "an ID is above 0");
        }
        self.parts
            .embed_one("companies", json!({ "id": company_id }));
        self
    }
}

macro_rules! party {
    ($(#[$m:meta])* $name:ident $( (id = $id:ident) )? { $($extra:tt)* }) => {
        entity! {
            $(#[$m])* $name $( (id = $id) )? {
                /// The name.
                text name = "name";
                /// The responsible user.
                id responsible_user_id = "responsible_user_id";
                /// Who created it (0: the integration).
                user created_by = "created_by";
                /// Who changed it last (0: the integration).
                user updated_by = "updated_by";
                /// When created, Unix seconds.
                time created_at = "created_at";
                /// When changed, Unix seconds.
                time updated_at = "updated_at";
                $($extra)*
            }
        }
    };
}

party! {
    /// A contact to add; phones and e-mails are custom fields
    /// (`FieldValue::code("PHONE").coded("+7…", "WORK")`).
    NewContact {
        /// The first name.
        text first_name = "first_name";
        /// The last name.
        text last_name = "last_name";
    }
}

party! {
    /// Changes to one contact: `ContactPatch::new(id)` and the fields to change.
    ContactPatch (id = id) {
        /// The first name.
        text first_name = "first_name";
        /// The last name.
        text last_name = "last_name";
    }
}

party! {
    /// A company to add.
    NewCompany {}
}

party! {
    /// Changes to one company: `CompanyPatch::new(id)` and the fields to change.
    CompanyPatch (id = id) {}
}

/// A lead of a complex add (`POST /api/v4/leads/complex`): a new lead with at most one
/// contact and one company, each new or existing. amoCRM links a new contact and a new
/// company of one lead to each other too. Each part takes at most 40 custom field values.
///
/// ```
/// use amocrm::write::{ComplexLead, FieldValue, NewCompany, NewContact, NewLead};
///
/// let lead = ComplexLead::new(NewLead::default().name("Order 18"))
///     .contact(NewContact::default().first_name("Ivan")
///         .custom_field(FieldValue::code("PHONE").coded("+79990001122", "WORK")))
///     .company(NewCompany::default().name("Example LLC"));
/// # let _ = lead;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ComplexLead {
    lead: NewLead,
    contact: Option<Part>,
    company: Option<Part>,
}

#[derive(Clone, Debug, PartialEq)]
enum Part {
    New(Parts),
    Existing(i64),
}

impl ComplexLead {
    /// The lead, without contact or company yet.
    pub fn new(lead: NewLead) -> Self {
        ComplexLead {
            lead,
            contact: None,
            company: None,
        }
    }

    /// A lead of a complex add as a JSON object in amoCRM's field names, its contact and
    /// company (new or existing) in its own `_embedded`, sent as it is (the CLI's input).
    ///
    /// Each of `_embedded.contacts` and `_embedded.companies` holds at most one object,
    /// checked as [`NewContact::from_json`] and [`NewCompany::from_json`] check theirs
    /// (an `id` above 0 names an existing one).
    pub fn from_json(body: Map<String, Value>) -> Self {
        let mut lead = NewLead::from_json(body);
        let contact = embedded_part(&mut lead.parts, "contacts", NewContact::KEYS);
        let company = embedded_part(&mut lead.parts, "companies", NewCompany::KEYS);
        ComplexLead {
            lead,
            contact,
            company,
        }
    }

    /// A new contact of the lead.
    pub fn contact(mut self, contact: NewContact) -> Self {
        self.contact = Some(Part::New(contact.parts));
        self
    }

    /// An existing contact of the lead.
    pub fn existing_contact(mut self, contact_id: i64) -> Self {
        self.contact = Some(Part::Existing(contact_id));
        self
    }

    /// A new company of the lead.
    pub fn company(mut self, company: NewCompany) -> Self {
        self.company = Some(Part::New(company.parts));
        self
    }

    /// An existing company of the lead.
    pub fn existing_company(mut self, company_id: i64) -> Self {
        self.company = Some(Part::Existing(company_id));
        self
    }
}

/// The one contact or company of a complex lead given as JSON, taken out of the lead's
/// `_embedded` and checked; a list of more than one refuses the lead.
fn embedded_part(lead: &mut Parts, key: &str, keys: Keys) -> Option<Part> {
    let Value::Array(list) = lead.take_embedded(key)? else {
        return None; // not a list: already refused by the lead's own check
    };
    if list.len() > 1 {
        lead.refuse(
            &format!("_embedded.{key}"),
            "a complex add takes one contact and one company a lead",
        );
    }
    let parts = match list.into_iter().next()? {
        // Its `id`, when it names an existing one, was checked with the lead's `_embedded`.
        Value::Object(part) => Parts::from_json(part, keys, false),
        _ => {
            let mut parts = Parts::default();
            parts.refuse("", "an object");
            parts
        }
    };
    Some(Part::New(parts))
}

impl Part {
    fn into_json(self, what: &str) -> Result<Value, Invalid> {
        match self {
            Part::Existing(id) if id <= 0 => Err(Invalid::Field {
                field: format!("_embedded.{what}.0.id"),
                reason: "an ID is above 0",
            }),
            Part::Existing(id) => Ok(json!({ "id": id })),
            Part::New(parts) => {
                let at = format!("_embedded.{what}.0.");
                too_many_fields(&parts, &at)?;
                let body = parts.into_body().map_err(|invalid| match invalid {
                    Invalid::Field { field, reason } => Invalid::Field {
                        field: format!("{at}{field}").trim_end_matches('.').to_owned(),
                        reason,
                    },
                    other => other,
                })?;
                Ok(Value::Object(body))
            }
        }
    }
}

fn too_many_fields(parts: &Parts, what: &str) -> Result<(), Invalid> {
    if parts.field_count() > MAX_COMPLEX_FIELDS {
        return Err(Invalid::Field {
            field: format!("{what}custom_fields_values"),
            reason: "a complex add takes at most 40 custom field values an entity",
        });
    }
    Ok(())
}

impl sealed::Sealed for ComplexLead {}

impl Item for ComplexLead {
    fn into_body(self) -> Result<Map<String, Value>, Invalid> {
        let mut parts = self.lead.parts;
        too_many_fields(&parts, "")?;
        if let Some(contact) = self.contact {
            parts.embed_one("contacts", contact.into_json("contacts")?);
        }
        if let Some(company) = self.company {
            parts.embed_one("companies", company.into_json("companies")?);
        }
        parts.into_body()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::write::parts::MAX_PRICE;

    fn body(item: impl Item) -> Value {
        Value::Object(item.into_body().expect("valid"))
    }

    #[test]
    fn only_the_fields_set_are_sent() {
        assert_eq!(body(NewLead::default()), json!({}));
        let lead = NewLead::default()
            .name("N")
            .price(0)
            .created_by(0)
            .custom_field(FieldValue::id(5).enum_id(7))
            .custom_field(FieldValue::code("X").clear())
            .tags_to_add([TagRef::Id(3), "t".into()])
            .contact(9, true)
            .company(8);
        assert_eq!(
            body(lead),
            json!({
                "name": "N", "price": 0, "created_by": 0,
                "custom_fields_values": [
                    {"field_id": 5, "values": [{"enum_id": 7}]},
                    {"field_code": "X", "values": null},
                ],
                "tags_to_add": [{"id": 3}, {"name": "t"}],
                "_embedded": {"contacts": [{"id": 9, "is_main": true}], "companies": [{"id": 8}]},
            })
        );
        let patch = ContactPatch::new(4).last_name("L").tags_to_delete(["old"]);
        assert_eq!(
            body(patch),
            json!({"id": 4, "last_name": "L", "tags_to_delete": [{"name": "old"}]})
        );
    }

    #[test]
    fn values_amocrm_documents_as_invalid_refuse_the_item() {
        let field = |item: Result<Map<String, Value>, Invalid>| match item {
            Err(Invalid::Field { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(LeadPatch::new(0).into_body()), "id");
        assert_eq!(
            field(NewLead::default().price(MAX_PRICE + 1).into_body()),
            "price"
        );
        assert_eq!(
            field(NewLead::default().created_by(-1).into_body()),
            "created_by"
        );
        let no_value = NewLead::default().custom_field(FieldValue::id(1));
        assert_eq!(field(no_value.into_body()), "custom_fields_values.0.values");
        let zero = NewCompany::default().custom_field(FieldValue::id(0).value(1));
        assert_eq!(field(zero.into_body()), "custom_fields_values.0.field_id");
        let many = (0..41).fold(NewContact::default(), |c, i| {
            c.custom_field(FieldValue::id(i + 1).value("v"))
        });
        let complex = ComplexLead::new(NewLead::default()).contact(many);
        assert_eq!(
            field(complex.into_body()),
            "_embedded.contacts.0.custom_fields_values"
        );
        let existing = ComplexLead::new(NewLead::default()).existing_company(-3);
        assert_eq!(field(existing.into_body()), "_embedded.companies.0.id");
    }

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("{other}"),
        }
    }

    fn refused(item: impl Item) -> String {
        match item.into_body() {
            Err(Invalid::Field { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn json_input_is_refused_where_a_setter_would_refuse_it() {
        let lead = NewLead::from_json(map(json!({"name": "n", "price": 2_147_483_648_i64})));
        assert_eq!(refused(lead), "price");
        assert_eq!(
            refused(LeadPatch::from_json(map(json!({"name": "n"})))),
            "id"
        );
        assert_eq!(
            refused(ContactPatch::from_json(map(json!({"id": 0})))),
            "id"
        );
        assert_eq!(
            refused(CompanyPatch::from_json(map(
                json!({"id": 5, "created_by": -1})
            ))),
            "created_by"
        );
        let patch = CompanyPatch::from_json(map(json!({"id": 5, "x": 1})));
        assert_eq!(body(patch), json!({"id": 5, "x": 1}));
        let fields: Vec<Value> = (0..41)
            .map(|i| json!({"field_id": i + 1, "values": [{"value": "v"}]}))
            .collect();
        let complex = ComplexLead::from_json(map(json!({
            "_embedded": {"contacts": [{"first_name": "a", "custom_fields_values": fields}]}
        })));
        assert_eq!(
            refused(complex),
            "_embedded.contacts.0.custom_fields_values"
        );
        let lead_fields = ComplexLead::from_json(map(json!({ "custom_fields_values": fields })));
        assert_eq!(refused(lead_fields), "custom_fields_values");
        let two = json!({"_embedded": {"companies": [{"id": 1}, {"id": 2}]}});
        assert_eq!(
            refused(ComplexLead::from_json(map(two))),
            "_embedded.companies"
        );
        let zero = json!({"_embedded": {"contacts": [{"id": 0}]}});
        assert_eq!(
            refused(ComplexLead::from_json(map(zero))),
            "_embedded.contacts.0.id"
        );
        let price = json!({"_embedded": {"contacts": [{"first_name": 3}]}});
        assert_eq!(
            refused(ComplexLead::from_json(map(price))),
            "_embedded.contacts.0.first_name"
        );
    }

    #[test]
    fn setters_after_json_add_to_its_fields_and_embedded() {
        let lead = NewLead::from_json(map(json!({
            "name": "n",
            "custom_fields_values": [{"field_id": 1, "values": [{"value": "a"}]}],
            "tags_to_add": [{"name": "x"}],
            "_embedded": {"contacts": [{"id": 7}], "source": {"external_id": "s", "type": "widget"}},
        })))
        .custom_field(FieldValue::id(2).value("b"))
        .tags_to_add(["y"])
        .contact(8, false)
        .company(9);
        assert_eq!(
            body(lead),
            json!({
                "name": "n",
                "custom_fields_values": [
                    {"field_id": 1, "values": [{"value": "a"}]},
                    {"field_id": 2, "values": [{"value": "b"}]},
                ],
                "tags_to_add": [{"name": "x"}, {"name": "y"}],
                "_embedded": {
                    "contacts": [{"id": 7}, {"id": 8, "is_main": false}],
                    "source": {"external_id": "s", "type": "widget"},
                    "companies": [{"id": 9}],
                },
            })
        );
        let bad_second = NewLead::from_json(map(json!({
            "custom_fields_values": [{"field_id": 1, "values": [{"value": "a"}]}],
        })))
        .custom_field(FieldValue::id(0).value("b"));
        assert_eq!(refused(bad_second), "custom_fields_values.1.field_id");
        let complex = ComplexLead::from_json(map(json!({
            "name": "n",
            "_embedded": {"contacts": [{"first_name": "a"}], "companies": [{"id": 4}]},
        })));
        assert_eq!(
            body(complex),
            json!({"name": "n", "_embedded": {"contacts": [{"first_name": "a"}], "companies": [{"id": 4}]}})
        );
    }

    #[test]
    fn values_and_tags_amocrm_cannot_take_are_refused() {
        let zero = NewLead::default().custom_field(FieldValue::id(1).enum_id(0));
        assert_eq!(refused(zero), "custom_fields_values.0.values.0.enum_id");
        let nan = NewLead::default().custom_field(FieldValue::id(1).value(1).value(f64::NAN));
        assert_eq!(refused(nan), "custom_fields_values.0.values.1.value");
        assert_eq!(
            refused(LeadPatch::new(1).tags_to_delete([0])),
            "tags_to_delete.0.id"
        );
        assert_eq!(
            refused(NewLead::default().tags_to_add([" "])),
            "tags_to_add.0.name"
        );
        let ok = NewLead::default().custom_field(FieldValue::id(1).enum_id(1).value(0.5));
        assert!(ok.into_body().is_ok());
    }

    #[test]
    fn json_amocrm_documents_is_taken_as_it_is() {
        // Review probes: each of these is a body amoCRM documents or takes.
        let unsorted = ComplexLead::from_json(map(json!({
            "name": "call",
            "_embedded": {"metadata": {"category": "sip", "from": "+7999"}},
        })));
        assert!(unsorted.into_body().is_ok());
        let reopened = LeadPatch::from_json(map(json!({
            "id": 5, "status_id": 7, "closed_at": null, "loss_reason_id": null,
            "_embedded": {"tags": null}, "custom_fields_values": null,
        })));
        assert!(reopened.into_body().is_ok());
        let floats = NewLead::from_json(map(json!({"price": 1500.0, "created_at": 1.7e9})));
        assert!(floats.into_body().is_ok());
        let coded = NewContact::from_json(map(json!({"custom_fields_values": [
            {"field_id": null, "field_code": "PHONE", "values": [{"value": "+7", "enum_code": "WORK"}]},
        ]})));
        assert!(coded.into_body().is_ok());
        let empty = NewLead::from_json(map(json!({"custom_fields_values": []})));
        assert_eq!(body(empty), json!({"custom_fields_values": []}));
    }

    #[test]
    fn json_the_setters_would_refuse_in_embedded_and_values_is_refused() {
        let at = |value: Value| refused(NewLead::from_json(map(value)));
        assert_eq!(
            at(json!({"_embedded": {"contacts": [{"id": 0}]}})),
            "_embedded.contacts.0.id"
        );
        assert_eq!(
            at(json!({"_embedded": {"contacts": [{"id": "5"}]}})),
            "_embedded.contacts.0.id"
        );
        assert_eq!(
            at(json!({"_embedded": {"companies": [{"id": 1}, {"id": 2}]}})),
            "_embedded.companies"
        );
        assert_eq!(
            at(json!({"_embedded": {"tags": [{"name": ""}]}})),
            "_embedded.tags.0"
        );
        assert_eq!(at(json!({"_embedded": {"tags": null}})), "_embedded.tags");
        assert_eq!(at(json!({"_embedded": {"source": []}})), "_embedded.source");
        assert_eq!(at(json!({"tags_to_delete": [{"id": 1}]})), "tags_to_delete");
        assert_eq!(
            at(json!({"tags_to_add": [{"id": 1}, {"id": -1}]})),
            "tags_to_add.1"
        );
        assert_eq!(at(json!({"price": 1.5})), "price");
        assert_eq!(at(json!({"status_id": null})), "status_id");
        let values = |v: Value| at(json!({"custom_fields_values": [{"field_id": 3, "values": v}]}));
        assert_eq!(
            values(json!([{"enum_id": 0}])),
            "custom_fields_values.0.values.0.enum_id"
        );
        assert_eq!(
            values(json!([{"value": 1}, {"value": null}])),
            "custom_fields_values.0.values.1.value"
        );
        assert_eq!(
            values(json!([{"value": "a", "enum_code": null}])),
            "custom_fields_values.0.values.0.enum_code"
        );
        let blank = NewContact::default().custom_field(FieldValue::code("PHONE").coded("+7", " "));
        assert_eq!(refused(blank), "custom_fields_values.0.values.0.enum_code");
    }
}
