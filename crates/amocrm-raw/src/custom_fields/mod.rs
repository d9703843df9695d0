//! Custom field values (`custom_fields_values` of leads, contacts, companies, catalog
//! elements), typed.
//!
//! * `value`: [`CustomFieldValue`] (one field's values); `item`: [`CustomFieldValueItem`] (one
//!   value), read so that no value's shape can fail the entity, kept as sent, written back
//!   in amoCRM's shape;
//! * `extra`: [`ExtraKeys`], the keys a value's type does not read, kept as sent;
//! * `scalar`: [`ScalarOrJson`], a value's `value`, cheap for the scalars most fields carry;
//! * `data`: [`CustomFieldData`], the values read by the field's type;
//! * `structured`: the structs of the object-valued types (legal entity, invoice item…);
//! * `entities`: `custom_field(id)`, `custom_field_by_code(code)`, `phones()`, `emails()`
//!   on the generated entity types.

mod data;
mod entities;
mod extra;
mod item;
mod scalar;
mod structured;
mod value;

pub use data::{ChainedListValue, CustomFieldData, EnumValue, SmartAddress};
pub use entities::{EMAIL, PHONE};
pub use extra::ExtraKeys;
pub use item::CustomFieldValueItem;
pub use scalar::ScalarOrJson;
pub use structured::{
    FileValue, InvoiceDiscount, InvoiceItem, LegalEntity, LinkedEntity, Payer, Supplier,
};
pub use value::CustomFieldValue;
