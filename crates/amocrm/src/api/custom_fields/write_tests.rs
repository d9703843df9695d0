use serde_json::json;

use super::*;

fn what(result: Result<Map<String, Value>, Invalid>) -> String {
    match result {
        Err(Invalid::Definition { what, .. }) => what,
        other => panic!("{other:?}"),
    }
}

fn raw(value: Value) -> NewCustomField {
    NewCustomField::from_json(value.as_object().cloned().unwrap_or_default())
}

fn leads(field: NewCustomField) -> Result<Map<String, Value>, Invalid> {
    field.checked(EntityKind::Leads, "")
}

#[test]
fn a_definition_sends_what_was_set() {
    let body = NewCustomField::new("Source", CustomFieldType::Select)
        .option("Web", 1)
        .code("SOURCE")
        .checked(EntityKind::Leads, "0.")
        .expect("valid");
    assert_eq!(
        Value::Object(body),
        json!({"name": "Source", "type": "select", "code": "SOURCE", "enums": [{"value": "Web", "sort": 1}]})
    );
    assert!(leads(NewCustomField::new("Sum", CustomFieldType::Monetary).currency("RUB")).is_ok());
    assert!(
        leads(raw(
            json!({"name": "B", "type": "birthday", "remind": "week"})
        ))
        .is_ok()
    );
}

#[test]
fn what_amocrm_requires_is_checked() {
    assert_eq!(what(leads(raw(json!({"type": "text"})))), "name");
    assert_eq!(what(leads(raw(json!({"name": "x"})))), "type");
    assert_eq!(
        what(leads(NewCustomField::new(" ", CustomFieldType::Text))),
        "name"
    );
    assert_eq!(
        what(leads(NewCustomField::new("S", CustomFieldType::Select))),
        "enums"
    );
    assert_eq!(
        what(leads(NewCustomField::new(
            "S",
            CustomFieldType::Radiobutton
        ))),
        "enums"
    );
    assert_eq!(
        what(leads(NewCustomField::new("M", CustomFieldType::Monetary))),
        "currency"
    );
    assert_eq!(
        what(leads(
            NewCustomField::new("M", CustomFieldType::Monetary).currency("rub")
        )),
        "currency"
    );
    assert_eq!(
        what(leads(
            NewCustomField::new("T", CustomFieldType::Text).currency("RUB")
        )),
        "currency"
    );
    assert_eq!(
        what(leads(
            NewCustomField::new("T", CustomFieldType::Text).option("a", 1)
        )),
        "enums"
    );
    assert_eq!(
        what(leads(raw(
            json!({"name": "B", "type": "birthday", "remind": "year"})
        ))),
        "remind"
    );
    assert_eq!(
        what(leads(raw(
            json!({"name": "T", "type": "text", "remind": "day"})
        ))),
        "remind"
    );
    assert_eq!(
        what(leads(raw(
            json!({"name": "S", "type": "select", "enums": [{"value": "", "sort": 1}]})
        ))),
        "enums.0.value"
    );
    assert_eq!(
        what(leads(raw(
            json!({"name": "S", "type": "select", "enums": [{"value": "a"}]})
        ))),
        "enums.0.sort"
    );
    assert_eq!(
        what(leads(raw(
            json!({"name": "S", "type": "select", "enums": [{"value": "a", "sort": 1, "enum_id": 3}]})
        ))),
        "enums.0.enum_id"
    );
    assert_eq!(
        what(leads(raw(
            json!({"name": "T", "type": "text", "colour": 1})
        ))),
        "colour"
    );
    assert_eq!(
        what(leads(raw(
            json!({"name": "T", "type": "text", "required_statuses": [{"status_id": 1}]})
        ))),
        "required_statuses"
    );
    assert!(leads(raw(json!({"name": "T", "type": "text", "required_statuses": [{"status_id": 1, "pipeline_id": 2}]}))).is_ok());
}

#[test]
fn each_entity_type_takes_the_types_of_amocrms_matrix() {
    use CustomFieldType as T;
    let of = |kind: CustomFieldType, e: EntityKind| {
        NewCustomField::new("F", kind).checked(e, "").is_ok()
    };
    assert!(of(T::Text, EntityKind::Customers));
    assert!(!of(T::Multitext, EntityKind::Leads) && of(T::Multitext, EntityKind::Contacts));
    assert!(of(T::TrackingData, EntityKind::Leads) && !of(T::TrackingData, EntityKind::Contacts));
    assert!(
        !of(T::SmartAddress, EntityKind::Customers) && of(T::SmartAddress, EntityKind::Companies)
    );
    assert!(!of(T::ChainedList, EntityKind::Contacts));
    for catalogs_only in [
        T::Price,
        T::Category,
        T::Items,
        T::LinkedEntity,
        T::Payer,
        T::Supplier,
    ] {
        assert!(
            !of(catalogs_only.clone(), EntityKind::Leads),
            "{catalogs_only}"
        );
    }
    assert!(!of(T::Unknown("hologram".into()), EntityKind::Leads));
    let hidden = raw(json!({"name": "T", "type": "text", "hidden_statuses": []}));
    assert!(hidden.clone().checked(EntityKind::Leads, "").is_ok());
    assert_eq!(
        what(hidden.checked(EntityKind::Contacts, "")),
        "hidden_statuses"
    );
}

#[test]
fn a_change_names_its_field_and_something_to_change() {
    let batch = |p: CustomFieldPatch| p.checked(EntityKind::Leads, "0.", true);
    assert!(batch(CustomFieldPatch::new(5).name("N")).is_ok());
    assert_eq!(what(batch(CustomFieldPatch::default().name("N"))), "0.id");
    assert_eq!(what(batch(CustomFieldPatch::new(5))), "0.custom field");
    assert_eq!(what(batch(CustomFieldPatch::new(-5).name("N"))), "0.id");
    let one = CustomFieldPatch::new(5)
        .sort(3)
        .checked(EntityKind::Leads, "", false)
        .expect("valid");
    assert_eq!(Value::Object(one), json!({"sort": 3}));
}

#[test]
fn a_catalogs_definition_takes_the_catalogs_types_and_keys() {
    let catalog = |field: NewCustomField| field.checked(Owner::Catalog, "");
    assert!(
        catalog(raw(
            json!({"name": "Size", "type": "category", "is_required": true,
                           "nested": [{"value": "S", "sort": 1, "parent_id": null}]})
        ))
        .is_ok()
    );
    assert!(catalog(NewCustomField::new("P", CustomFieldType::Price)).is_ok());
    assert!(
        catalog(raw(
            json!({"name": "Maker", "type": "linked_entity", "search_in": "companies"})
        ))
        .is_ok()
    );
    // Not a catalog's: money, birthdays, stages; nor a catalog's keys on a lead.
    assert_eq!(
        what(catalog(
            NewCustomField::new("M", CustomFieldType::Monetary).currency("RUB")
        )),
        "currency"
    );
    assert_eq!(
        what(catalog(NewCustomField::new("B", CustomFieldType::Birthday))),
        "type"
    );
    assert_eq!(
        what(catalog(raw(
            json!({"name": "T", "type": "text", "required_statuses": []})
        ))),
        "required_statuses"
    );
    assert_eq!(
        what(leads(NewCustomField::new("P", CustomFieldType::Price))),
        "type"
    );
    assert_eq!(
        what(leads(raw(
            json!({"name": "T", "type": "text", "is_visible": true})
        ))),
        "is_visible"
    );
    // A nested value has its text; only a category takes them, only a linked entity
    // takes search_in.
    assert_eq!(
        what(catalog(raw(
            json!({"name": "C", "type": "category", "nested": [{"sort": 1}]})
        ))),
        "nested.0.value"
    );
    assert_eq!(
        what(catalog(raw(
            json!({"name": "T", "type": "text", "nested": [{"value": "x"}]})
        ))),
        "nested"
    );
    assert_eq!(
        what(catalog(raw(
            json!({"name": "T", "type": "text", "search_in": "companies"})
        ))),
        "search_in"
    );
    let patch = CustomFieldPatch::new(5).name("Size");
    assert!(patch.checked(Owner::Catalog, "", true).is_ok());
    // A catalog field's settings (an object) are taken; search_in is a place amoCRM knows.
    assert!(
        catalog(raw(
            json!({"name": "P", "type": "price", "settings": {"x": 1}})
        ))
        .is_ok()
    );
    assert_eq!(
        what(leads(raw(
            json!({"name": "T", "type": "text", "settings": {}})
        ))),
        "settings"
    );
    for place in ["contacts", "contacts_and_companies", "1234"] {
        let field = json!({"name": "L", "type": "linked_entity", "search_in": place});
        assert!(catalog(raw(field)).is_ok(), "{place}");
    }
    for place in ["leads", "0", "+5", " "] {
        let field = json!({"name": "L", "type": "linked_entity", "search_in": place});
        assert_eq!(what(catalog(raw(field))), "search_in", "{place}");
    }
}
