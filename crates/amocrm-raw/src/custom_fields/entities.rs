//! Reading the custom fields of the entities that have them (leads, contacts, companies,
//! catalog elements): by field ID, by field code, and a contact's or company's phones and
//! e-mails.

use super::data::EnumValue;
use super::value::CustomFieldValue;
use crate::types::{CatalogElement, Company, Contact, Lead};

/// The field code of phones (a `multitext` field of contacts and companies).
pub const PHONE: &str = "PHONE";
/// The field code of e-mails (a `multitext` field of contacts and companies).
pub const EMAIL: &str = "EMAIL";

macro_rules! custom_field_readers {
    ($($entity:ident),+) => {$(
        impl $entity {
            /// The custom fields with values (`custom_fields_values`; `[]` when amoCRM sent
            /// `null`, its answer for none).
            pub fn custom_fields(&self) -> &[CustomFieldValue] {
                self.custom_fields_values.as_deref().unwrap_or_default()
            }

            /// The values of the custom field `field_id`, if it has any.
            pub fn custom_field(&self, field_id: i64) -> Option<&CustomFieldValue> {
                self.custom_fields()
                    .iter()
                    .find(|field| field.field_id == field_id)
            }

            /// The values of the custom field whose code is `code` (`PHONE`, `EMAIL`,
            /// `POSITION`…; ASCII case ignored), if it has any.
            pub fn custom_field_by_code(&self, code: &str) -> Option<&CustomFieldValue> {
                self.custom_fields().iter().find(|field| field.has_code(code))
            }
        }
    )+};
}

custom_field_readers!(Lead, Contact, Company, CatalogElement);

macro_rules! contact_channels {
    ($($entity:ident),+) => {$(
        impl $entity {
            /// The phones (the values of the field coded `PHONE`), each with its kind in
            /// `code`: `WORK`, `WORKDD`, `MOB`, `FAX`, `HOME`, `OTHER`.
            pub fn phones(&self) -> impl Iterator<Item = EnumValue<'_>> {
                channel(self.custom_fields(), PHONE)
            }

            /// The e-mails (the values of the field coded `EMAIL`), each with its kind in
            /// `code`: `WORK`, `PRIV`, `OTHER`.
            pub fn emails(&self) -> impl Iterator<Item = EnumValue<'_>> {
                channel(self.custom_fields(), EMAIL)
            }
        }
    )+};
}

contact_channels!(Contact, Company);

/// The values with a text of every field coded `code` (one field, as a rule).
fn channel<'a>(
    fields: &'a [CustomFieldValue],
    code: &'a str,
) -> impl Iterator<Item = EnumValue<'a>> + 'a {
    fields
        .iter()
        .filter(move |field| field.has_code(code))
        .flat_map(CustomFieldValue::enum_values)
        .filter(|value| value.value.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn contact() -> Contact {
        serde_json::from_value(json!({
            "id": 7143599,
            "custom_fields_values": [
                {"field_id": 3, "field_name": "Телефон", "field_code": "PHONE", "field_type": "multitext",
                 "values": [
                    {"value": "+79123", "enum_id": 1, "enum_code": "WORK"},
                    {"value": "+79124", "enum_id": 2, "enum_code": "MOB"},
                    {"enum_id": 3, "enum_code": "HOME"}
                 ]},
                {"field_id": 5, "field_name": "Email", "field_code": "EMAIL", "field_type": "multitext",
                 "values": [{"value": "a@example.com", "enum_id": 9, "enum_code": "PRIV"}]},
                {"field_id": 6, "field_name": "Должность", "field_code": "POSITION", "field_type": "text",
                 "values": [{"value": "Директор"}]}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn fields_are_found_by_id_and_by_code() {
        let contact = contact();
        assert_eq!(contact.custom_fields().len(), 3);
        assert_eq!(
            contact.custom_field(6).and_then(|f| f.text()).as_deref(),
            Some("Директор")
        );
        assert_eq!(contact.custom_field(99), None);
        assert_eq!(
            contact.custom_field_by_code("position").map(|f| f.field_id),
            Some(6)
        );
        assert_eq!(
            contact.custom_field_by_code("EMAIL").map(|f| f.field_id),
            Some(5)
        );
        assert_eq!(contact.custom_field_by_code("SKU"), None);
    }

    #[test]
    fn phones_and_emails_come_with_their_codes() {
        let contact = contact();
        let phones: Vec<(String, Option<&str>)> = contact
            .phones()
            .map(|phone| (phone.value.unwrap_or_default().into_owned(), phone.code))
            .collect();
        assert_eq!(
            phones,
            [
                ("+79123".to_owned(), Some("WORK")),
                ("+79124".to_owned(), Some("MOB"))
            ],
            "a phone without a number is left out"
        );
        let emails: Vec<EnumValue<'_>> = contact.emails().collect();
        assert_eq!(emails.len(), 1);
        assert_eq!(emails[0].value.as_deref(), Some("a@example.com"));
        assert_eq!(emails[0].code, Some("PRIV"));
        assert_eq!(emails[0].id, Some(9));
    }

    #[test]
    fn null_values_read_as_no_fields() {
        for entity in [
            json!({"id": 1, "custom_fields_values": null}),
            json!({"id": 1}),
        ] {
            let lead: Lead = serde_json::from_value(entity.clone()).unwrap();
            assert!(lead.custom_fields().is_empty());
            assert_eq!(lead.custom_field(1), None);
            assert_eq!(lead.custom_field_by_code("PHONE"), None);
            let company: Company = serde_json::from_value(entity.clone()).unwrap();
            assert_eq!(company.phones().count(), 0);
            assert_eq!(company.emails().count(), 0);
            let element: CatalogElement = serde_json::from_value(entity).unwrap();
            assert!(element.custom_fields().is_empty());
        }
    }

    #[test]
    fn every_entity_with_fields_reads_them() {
        let fields = json!([{"field_id": 10, "field_code": "SKU", "values": [{"value": "A-1"}]}]);
        let lead: Lead =
            serde_json::from_value(json!({"id": 1, "custom_fields_values": fields})).unwrap();
        assert_eq!(
            lead.custom_field(10).and_then(|f| f.text()).as_deref(),
            Some("A-1")
        );
        let company: Company =
            serde_json::from_value(json!({"id": 1, "custom_fields_values": fields})).unwrap();
        assert_eq!(
            company.custom_field_by_code("sku").map(|f| f.field_id),
            Some(10)
        );
        let element: CatalogElement =
            serde_json::from_value(json!({"id": 1, "custom_fields_values": fields})).unwrap();
        assert_eq!(element.custom_field(10).map(|f| f.field_id), Some(10));
        let company: Company = serde_json::from_value(json!({"id": 1, "custom_fields_values": [
            {"field_id": 3, "field_code": "PHONE", "values": [{"value": "+7", "enum_code": "WORK"}]}
        ]}))
        .unwrap();
        assert_eq!(company.phones().next().and_then(|p| p.code), Some("WORK"));
    }
}
