//! The entities to write: [`NewLead`], [`LeadPatch`], [`NewContact`], [`ContactPatch`],
//! [`NewCompany`], [`CompanyPatch`] and [`ComplexLead`]. Each sends only the fields set
//! on it, never a round-tripped whole entity: amoCRM refuses an unchanged `created_by`
//! of a deactivated user, and a whole entity would overwrite what others changed since
//! it was read.

use serde_json::{Map, Value, json};

use crate::error::Invalid;
use crate::write::field::{FieldValue, TagRef};
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
            self.parts.$kind($key, value);
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
            /// the type has no setter for; the CLI's input). Setters called after it
            /// add to it.
            pub fn from_json(body: Map<String, Value>) -> Self {
                $name { parts: Parts::from_json(body) }
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
    pub fn from_json(body: Map<String, Value>) -> Self {
        ComplexLead::new(NewLead::from_json(body))
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

impl Part {
    fn into_json(self, what: &str) -> Result<Value, Invalid> {
        match self {
            Part::Existing(id) if id <= 0 => Err(Invalid::Field {
                field: format!("_embedded.{what}.0.id"),
                reason: "an ID is above 0",
            }),
            Part::Existing(id) => Ok(json!({ "id": id })),
            Part::New(parts) => {
                too_many_fields(&parts, &format!("_embedded.{what}.0."))?;
                Ok(Value::Object(parts.into_body()?))
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
}
