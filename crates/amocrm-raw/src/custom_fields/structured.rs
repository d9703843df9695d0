//! The custom field values whose `value` is an object: a legal entity's requisites, an
//! invoice item, a linked entity, a file, an invoice's payer and supplier. Each reads
//! liberally (strings that may come as numbers, numbers that may come as strings, every
//! key optional), keeps the keys it does not know in `extra`, and is written back with
//! amoCRM's names, so the write side can send it.

use crate::{LenientNumber, LenientString};

type JsonMap = serde_json::Map<String, serde_json::Value>;

/// A legal entity's requisites (a `legal_entity` field's `value`).
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct LegalEntity {
    /// Name of the entity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<LenientString>,
    /// Kind: `1` a private person, `2` a legal entity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<LenientNumber>,
    /// Legal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<LenientString>,
    /// Actual address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_address: Option<LenientString>,
    /// Bank account number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_account_number: Option<LenientString>,
    /// Director.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub director: Option<LenientString>,
    /// Taxpayer number (ИНН).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_id: Option<LenientString>,
    /// Tax registration reason code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_registration_reason_code: Option<LenientString>,
    /// КПП.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kpp: Option<LenientString>,
    /// Bank identification code (БИК).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_code: Option<LenientString>,
    /// УНП (Belarus).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unp: Option<LenientString>,
    /// БИН (Kazakhstan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bin: Option<LenientString>,
    /// ЕГРПОУ (Ukraine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egrpou: Option<LenientString>,
    /// МФО (Ukraine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfo: Option<LenientString>,
    /// ОКЭД (Kazakhstan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oked: Option<LenientString>,
    /// ID in an external system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_uid: Option<LenientString>,
    /// Keys this type does not read, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

/// One item of an invoice (an `items` field's `value`).
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct InvoiceItem {
    /// Stock keeping unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<LenientString>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<LenientString>,
    /// Price of one unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<LenientNumber>,
    /// Quantity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<LenientNumber>,
    /// Unit of measure (`pcs.`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_type: Option<LenientString>,
    /// Discount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<InvoiceDiscount>,
    /// ID of the VAT rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_rate_id: Option<LenientNumber>,
    /// ID in an external system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_uid: Option<LenientString>,
    /// Whether amoCRM recalculated the discount (read only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_discount_recalculated: Option<bool>,
    /// Whether amoCRM recalculated the total (read only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_total_sum_recalculated: Option<bool>,
    /// Total of the item (read only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_sum: Option<LenientNumber>,
    /// Keys this type does not read, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

/// The discount of an invoice item.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct InvoiceDiscount {
    /// `percentage` or `amount`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<LenientString>,
    /// The percentage or the amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<LenientNumber>,
    /// Keys this type does not read, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

/// Another element, contact or company a field links to (a `linked_entity` field's
/// `value`).
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct LinkedEntity {
    /// Name of the linked entity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<LenientString>,
    /// ID of the linked entity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<i64>,
    /// Its type: `catalog_elements`, `contacts` or `companies`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<LenientString>,
    /// The catalog of a linked catalog element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_id: Option<i64>,
    /// Keys this type does not read, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

/// A file (a `file` field's `value`).
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct FileValue {
    /// UUID of the file in amoCRM's file storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_uuid: Option<LenientString>,
    /// UUID of the file's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_uuid: Option<LenientString>,
    /// Name of the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<LenientString>,
    /// Size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_size: Option<LenientNumber>,
    /// Keys this type does not read, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

/// The payer of an invoice (a `payer` field's `value`): a contact or a company, with a
/// legal entity's requisites.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct Payer {
    /// Name of the payer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<LenientString>,
    /// `legal` or `individual`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<LenientString>,
    /// The payer's entity type: `contacts` or `companies`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<LenientString>,
    /// ID of the payer's contact or company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<i64>,
    /// Legal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<LenientString>,
    /// Actual address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_address: Option<LenientString>,
    /// Bank account number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_account_number: Option<LenientString>,
    /// Director.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub director: Option<LenientString>,
    /// Taxpayer number (ИНН).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_id: Option<LenientString>,
    /// Tax registration reason code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_registration_reason_code: Option<LenientString>,
    /// КПП.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kpp: Option<LenientString>,
    /// Bank identification code (БИК).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_code: Option<LenientString>,
    /// ID in an external system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_uid: Option<LenientString>,
    /// Keys this type does not read (the other requisites), as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

/// The supplier of an invoice (a `supplier` field's `value`).
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct Supplier {
    /// ID of the supplier (an element of the suppliers catalog).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<i64>,
    /// Keys this type does not read, as sent.
    #[serde(flatten)]
    pub extra: JsonMap,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Reads `sent` as `T` and checks it is written back as it came.
    fn round_trip<T>(sent: serde_json::Value) -> T
    where
        T: serde::de::DeserializeOwned + serde::Serialize,
    {
        let read: T = serde_json::from_value(sent.clone()).unwrap();
        assert_eq!(serde_json::to_value(&read).unwrap(), sent);
        read
    }

    #[test]
    fn a_legal_entity_reads_numbers_and_strings_and_keeps_the_rest() {
        let entity: LegalEntity = round_trip(json!({
            "name": "ООО Ромашка", "entity_type": 2, "vat_id": "7701234567", "kpp": "770101001",
            "tax_registration_reason_code": "770101001", "address": "Москва", "real_address": "Москва",
            "bank_account_number": "40702810000000000001", "director": "Иванов",
            "bank_code": "044525225", "unp": "1", "bin": "2", "egrpou": "3", "mfo": "4",
            "oked": "5", "external_uid": "x-1", "ogrn": "1027700132195"
        }));
        assert_eq!(entity.name.as_deref(), Some("ООО Ромашка"));
        assert_eq!(entity.entity_type.and_then(|t| t.as_i64()), Some(2));
        assert_eq!(entity.vat_id.as_deref(), Some("7701234567"));
        assert_eq!(
            entity.tax_registration_reason_code.as_deref(),
            Some("770101001")
        );
        assert_eq!(entity.extra["ogrn"], json!("1027700132195"));
        // Codes sent as numbers read as their text (and are written back as text).
        let numeric: LegalEntity = serde_json::from_value(
            json!({"vat_id": 7701234567u64, "tax_registration_reason_code": 770101001, "entity_type": "1"}),
        )
        .unwrap();
        assert_eq!(numeric.vat_id.as_deref(), Some("7701234567"));
        assert_eq!(
            numeric.tax_registration_reason_code.as_deref(),
            Some("770101001")
        );
        assert_eq!(numeric.entity_type.and_then(|t| t.as_i64()), Some(1));
    }

    #[test]
    fn an_invoice_item_reads_prices_as_numbers_or_text() {
        let item: InvoiceItem = round_trip(json!({
            "sku": "A-1", "description": "Товар", "unit_price": "1500.50", "quantity": 2,
            "unit_type": "шт", "discount": {"type": "percentage", "value": 10, "note": "x"},
            "vat_rate_id": 1, "external_uid": "e", "is_discount_recalculated": false,
            "is_total_sum_recalculated": true, "total_sum": 2700.9
        }));
        assert_eq!(item.unit_price.and_then(|p| p.as_f64()), Some(1500.5));
        let discount = item.discount.unwrap();
        assert_eq!(discount.kind.as_deref(), Some("percentage"));
        assert_eq!(discount.value.and_then(|v| v.as_i64()), Some(10));
        assert_eq!(discount.extra["note"], json!("x"));
        assert_eq!(item.total_sum.and_then(|t| t.as_f64()), Some(2700.9));
    }

    #[test]
    fn the_other_objects_read_their_documented_keys() {
        let linked: LinkedEntity = round_trip(json!({
            "name": "Товар", "entity_id": 525439, "entity_type": "catalog_elements", "catalog_id": 4521
        }));
        assert_eq!(
            (linked.entity_id, linked.catalog_id),
            (Some(525439), Some(4521))
        );
        let file: FileValue = round_trip(json!({
            "file_uuid": "6905db7c", "version_uuid": "4e316440", "file_name": "a.pdf", "file_size": 1024
        }));
        assert_eq!(file.file_size.and_then(|s| s.as_i64()), Some(1024));
        let payer: Payer = round_trip(json!({
            "name": "ИП Петров", "type": "individual", "entity_type": "contacts", "entity_id": 7,
            "address": "a", "real_address": "b", "bank_account_number": "c", "director": "d",
            "vat_id": "e", "tax_registration_reason_code": "f", "kpp": "g", "bank_code": "h",
            "external_uid": "i", "unp": "j"
        }));
        assert_eq!(payer.kind.as_deref(), Some("individual"));
        assert_eq!(payer.extra["unp"], json!("j"));
        let supplier: Supplier = round_trip(json!({"entity_id": 12, "name": "Поставщик"}));
        assert_eq!(supplier.entity_id, Some(12));
        // Nulls read as none; an empty object is every key absent.
        let nulls: LinkedEntity =
            serde_json::from_value(json!({"name": null, "catalog_id": null})).unwrap();
        assert_eq!(nulls, LinkedEntity::default());
        assert_eq!(
            serde_json::to_value(LegalEntity::default()).unwrap(),
            json!({})
        );
        // A shape that does not fit is an error (the caller reads the field as Unknown).
        assert!(serde_json::from_value::<LinkedEntity>(json!({"entity_id": "x"})).is_err());
        assert!(serde_json::from_value::<LegalEntity>(json!("ООО")).is_err());
    }
}
