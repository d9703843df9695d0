use serde_json::json;

use super::*;
use crate::write::{FieldValue, LeadPatch, NewContact, NewLead};

fn defs() -> FieldDefs {
    let defs: Vec<CustomFieldDefinition> = serde_json::from_value(json!([
        {"id": 1, "name": "Source", "type": "select",
         "enums": [{"id": 11, "value": "Web", "sort": 1}, {"id": 12, "value": "Phone", "sort": 2, "code": "PH"}]},
        {"id": 2, "name": "Amount", "type": "numeric"},
        {"id": 3, "name": "Phone", "code": "PHONE", "type": "multitext",
         "enums": [{"id": 31, "value": "WORK", "code": "WORK"}, {"id": 32, "value": "MOB", "code": "MOB"}]},
        {"id": 4, "name": "Signed", "type": "date"},
        {"id": 5, "name": "Agreed", "type": "checkbox"},
        {"id": 6, "name": "Note", "type": "text"},
        {"id": 7, "name": "Tags", "type": "multiselect", "enums": [{"id": 71, "value": "A"}]},
        {"id": 8, "name": "Size", "type": "radiobutton", "enums": [{"id": 81, "value": "S"}]},
        {"id": 9, "name": "Chain", "type": "chained_list"},
        {"id": 10, "name": "Future", "type": "hologram"},
    ]))
    .expect("definitions");
    FieldDefs::new(EntityKind::Leads, defs)
}

/// The path and field of the refusal, or `None` when the value passes.
fn refused(value: FieldValue) -> Option<(String, String)> {
    match defs().check(&NewLead::default().custom_field(value)) {
        Ok(()) => None,
        Err(Invalid::CustomField { field, path, .. }) => Some((field, path)),
        Err(other) => panic!("{other:?}"),
    }
}

fn path(value: FieldValue) -> String {
    refused(value).expect("refused").1
}

#[test]
fn values_that_fit_their_fields_pass() {
    for ok in [
        FieldValue::id(1).enum_id(11),
        FieldValue::id(1).value("Phone"),
        FieldValue::id(2).value(12.5),
        FieldValue::id(2).value("29277913"),
        FieldValue::code("PHONE").coded("+79990001122", "WORK"),
        FieldValue::id(3).coded("+7999", "MOB"),
        FieldValue::id(4).value(1_590_624_000),
        FieldValue::id(4).value("2020-05-28T00:00:00+03:00"),
        FieldValue::id(4).value("2020-05-28T00:00:00.5Z"),
        FieldValue::id(5).value(true),
        FieldValue::id(6).value("any text"),
        FieldValue::id(7).enum_id(71).value("A"),
        FieldValue::id(8).enum_id(81),
        FieldValue::id(1).clear(),
        FieldValue::id(10).value(json!({"anything": 1})),
    ] {
        assert_eq!(refused(ok.clone()), None, "{ok:?}");
    }
    let coded = NewLead::from_json(
        json!({"custom_fields_values": [
            {"field_id": 1, "values": [{"enum_code": "PH"}]},
            {"field_id": 9, "values": [{"catalog_id": 1, "catalog_element_id": 2}]},
        ]})
        .as_object()
        .cloned()
        .unwrap_or_default(),
    );
    assert_eq!(defs().check(&coded), Ok(()));
    assert_eq!(defs().check(&NewLead::default().name("no fields")), Ok(()));
}

#[test]
fn an_unknown_field_is_named_by_its_id_or_code() {
    assert_eq!(
        refused(FieldValue::id(99).value("x")),
        Some(("99".into(), "custom_fields_values.0.field_id".into()))
    );
    assert_eq!(
        refused(FieldValue::code("EMAIL").coded("a@b.c", "WORK")),
        Some(("EMAIL".into(), "custom_fields_values.0.field_code".into()))
    );
    let second = NewLead::default()
        .custom_field(FieldValue::id(6).value("fine"))
        .custom_field(FieldValue::id(5).value("yes"));
    match defs().check(&second) {
        Err(Invalid::CustomField { field, path, .. }) => {
            assert_eq!(
                (field.as_str(), path.as_str()),
                ("5", "custom_fields_values.1.values.0.value")
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_select_takes_only_its_options() {
    assert_eq!(
        path(FieldValue::id(1).enum_id(12345)),
        "custom_fields_values.0.values.0.enum_id"
    );
    assert_eq!(
        path(FieldValue::id(1).value("Fax")),
        "custom_fields_values.0.values.0.value"
    );
    assert_eq!(
        path(FieldValue::id(1).value(11)),
        "custom_fields_values.0.values.0.value"
    );
    assert_eq!(
        path(FieldValue::id(7).enum_id(71).enum_id(72)),
        "custom_fields_values.0.values.1.enum_id"
    );
    assert_eq!(
        path(FieldValue::id(8).value("M")),
        "custom_fields_values.0.values.0.value"
    );
    let code = NewLead::from_json(
        json!({"custom_fields_values": [{"field_id": 1, "values": [{"enum_code": "NOPE"}]}]})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    assert!(
        matches!(defs().check(&code), Err(Invalid::CustomField { path, .. }) if path.ends_with("enum_code"))
    );
}

#[test]
fn a_multitext_takes_a_text_with_a_code_it_knows() {
    assert_eq!(
        path(FieldValue::code("PHONE").coded("+7", "PRIV")),
        "custom_fields_values.0.values.0.enum_code"
    );
    assert_eq!(
        path(FieldValue::code("PHONE").value("+7")),
        "custom_fields_values.0.values.0.enum_code"
    );
    assert_eq!(
        path(FieldValue::code("PHONE").coded(7, "WORK")),
        "custom_fields_values.0.values.0.value"
    );
    let by_id = |id: i64| {
        NewLead::from_json(
            json!({"custom_fields_values": [{"field_id": 3, "values": [{"value": "+7", "enum_id": id}]}]})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        )
    };
    assert_eq!(defs().check(&by_id(31)), Ok(()));
    assert!(defs().check(&by_id(11)).is_err());
}

#[test]
fn numbers_flags_and_dates_take_their_shapes() {
    assert_eq!(
        path(FieldValue::id(2).value("12a")),
        "custom_fields_values.0.values.0.value"
    );
    assert_eq!(
        path(FieldValue::id(2).value("NaN")),
        "custom_fields_values.0.values.0.value"
    );
    assert_eq!(
        path(FieldValue::id(2).value(true)),
        "custom_fields_values.0.values.0.value"
    );
    assert_eq!(
        path(FieldValue::id(5).value("true")),
        "custom_fields_values.0.values.0.value"
    );
    for bad in [
        "2020-05-28",
        "2020-13-28T00:00:00Z",
        "2020-05-28T24:00:00Z",
        "2020-05-28T00:00:00",
        "2020-05-28T00:00:00+3:00",
        "yesterday",
    ] {
        assert_eq!(
            path(FieldValue::id(4).value(bad)),
            "custom_fields_values.0.values.0.value",
            "{bad}"
        );
    }
    assert_eq!(
        path(FieldValue::id(4).value(1.5)),
        "custom_fields_values.0.values.0.value"
    );
    assert_eq!(
        path(FieldValue::id(6).value(true)),
        "custom_fields_values.0.values.0.value"
    );
}

#[test]
fn keys_a_type_does_not_take_are_refused() {
    assert_eq!(
        path(FieldValue::id(6).enum_id(11)),
        "custom_fields_values.0.values.0.enum_id"
    );
    assert_eq!(
        path(FieldValue::id(2).coded("1", "WORK")),
        "custom_fields_values.0.values.0.enum_code"
    );
    assert_eq!(
        path(FieldValue::id(9).value("x")),
        "custom_fields_values.0.values.0.value"
    );
    let null_code = NewLead::from_json(
        json!({"custom_fields_values": [{"field_code": "PHONE", "values": [{"value": "+7", "enum_code": null}]}]})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    assert!(defs().check(&null_code).is_err());
    let not_a_list = NewLead::from_json(
        json!({"custom_fields_values": [{"field_id": 6, "values": "x"}]})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    // JSON is checked first as the setters check it (`from_json`): refused either way.
    assert!(
        matches!(defs().check(&not_a_list),
            Err(Invalid::CustomField { path, .. } | Invalid::Field { field: path, .. })
                if path == "custom_fields_values.0.values"),
        "{:?}",
        defs().check(&not_a_list)
    );
}

#[test]
fn a_refusal_never_carries_the_value() {
    let secret = "+7-SECRET-NUMBER";
    let error = defs()
        .check(&NewContact::default().custom_field(FieldValue::code("PHONE").coded(secret, "FAX")))
        .expect_err("refused");
    assert!(!error.to_string().contains("SECRET"), "{error}");
    assert!(!format!("{error:?}").contains("SECRET"), "{error:?}");
}

#[test]
fn an_invalid_item_is_its_own_error() {
    assert!(matches!(
        defs().check(&LeadPatch::new(0).custom_field(FieldValue::id(6).value("x"))),
        Err(Invalid::Field { .. })
    ));
}

#[test]
fn a_code_is_known_by_the_option_value_when_the_option_has_no_code() {
    // As amoCRM describes a phone field: options without a code, or with a null one.
    let defs: Vec<CustomFieldDefinition> = serde_json::from_value(json!([
        {"id": 3, "name": "Телефон", "code": "PHONE", "type": "multitext",
         "enums": [{"id": 1, "value": "WORK", "sort": 2}, {"id": 2, "value": "MOB", "sort": 4, "code": null}]},
        {"id": 14, "name": "Адрес", "type": "smart_address", "enums": [{"id": 5, "value": "city"}]},
        {"id": 1, "name": "Source", "type": "select", "enums": [{"id": 11, "value": "Web"}]},
    ]))
    .expect("definitions");
    let defs = FieldDefs::new(EntityKind::Contacts, defs);
    let check = |value: FieldValue| defs.check(&NewContact::default().custom_field(value));
    assert_eq!(
        check(FieldValue::code("PHONE").coded("+7999", "WORK")),
        Ok(())
    );
    assert_eq!(check(FieldValue::id(3).coded("+7999", "MOB")), Ok(()));
    assert_eq!(check(FieldValue::id(14).coded("Москва", "city")), Ok(()));
    let refused_at = |value: FieldValue| match check(value) {
        Err(Invalid::CustomField { path, .. }) => path,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        refused_at(FieldValue::code("PHONE").coded("+7999", "FAX")),
        "custom_fields_values.0.values.0.enum_code"
    );
    // A select's enum_code is an option's code, never its text.
    let select = NewContact::from_json(
        json!({"custom_fields_values": [{"field_id": 1, "values": [{"enum_code": "Web"}]}]})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    assert!(defs.check(&select).is_err());
}

#[test]
fn a_null_field_id_beside_a_code_names_the_field_by_its_code() {
    let item = |field: serde_json::Value| {
        NewLead::from_json(
            json!({"custom_fields_values": [field]})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        )
    };
    let by_code = item(json!({"field_id": null, "field_code": "PHONE",
        "values": [{"value": "+7", "enum_code": "WORK"}]}));
    assert_eq!(defs().check(&by_code), Ok(()));
    let wrong_value = item(json!({"field_id": null, "field_code": "PHONE",
        "values": [{"value": "+7", "enum_code": "FAX"}]}));
    assert!(defs().check(&wrong_value).is_err());
    let unnamed = item(json!({"field_id": null, "values": [{"value": "x"}]}));
    assert!(defs().check(&unnamed).is_err());
}
