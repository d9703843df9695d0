//! Custom field values and definitions, read by type.

use super::*;

#[test]
fn new_custom_field_types_decode_and_keep_their_values() {
    let sent = json!([
        {"field_id": 1, "field_name": "Голограмма", "field_type": "hologram",
         "values": [{"value": {"depth": 3}, "enum_id": 1, "shade": "blue"}]},
        {"field_id": 2, "field_type": "tracking_data", "values": [{"value": "utm_source=ya"}]},
        {"field_id": 3, "field_type": "org_legal_name", "values": [{"value": "ООО Ромашка"}]},
        {"field_id": 4, "field_type": "file",
         "values": [{"value": {"file_uuid": "6905db7c", "file_name": "a.pdf", "file_size": 1024}}]},
        {"field_id": 5, "field_type": "monetary", "values": [{"value": "100.50"}]},
        {"field_id": 6, "field_type": "chained_list",
         "values": [{"catalog_id": 4521, "catalog_element_id": 525439}]}
    ]);
    let lead: Lead = decode(&json!({"id": 1, "custom_fields_values": sent}));
    let hologram = lead.custom_field(1).unwrap();
    assert_eq!(
        hologram.field_type,
        Some(CustomFieldType::Unknown("hologram".into()))
    );
    assert_eq!(
        hologram.data(),
        CustomFieldData::Unknown(json!([{"value": {"depth": 3}, "enum_id": 1, "shade": "blue"}]))
    );
    assert_eq!(
        lead.custom_field(2).unwrap().data(),
        CustomFieldData::Text("utm_source=ya".into())
    );
    assert_eq!(
        lead.custom_field(3).unwrap().text().as_deref(),
        Some("ООО Ромашка")
    );
    assert!(
        matches!(lead.custom_field(4).unwrap().data(), CustomFieldData::File(files) if files.len() == 1)
    );
    assert_eq!(
        lead.custom_field(5).unwrap().data(),
        CustomFieldData::Number(100.5)
    );
    assert!(matches!(
        lead.custom_field(6).unwrap().data(),
        CustomFieldData::ChainedList(_)
    ));
    // Written back exactly as amoCRM sent them.
    assert_eq!(
        serde_json::to_value(&lead).unwrap()["custom_fields_values"],
        sent
    );
}

#[test]
fn every_documented_custom_field_type_reads_by_type() {
    let fields = json!([
        {"field_id": 1, "field_type": "text", "values": [{"value": "a"}]},
        {"field_id": 2, "field_type": "numeric", "values": [{"value": "2"}]},
        {"field_id": 3, "field_type": "checkbox", "values": [{"value": true}]},
        {"field_id": 4, "field_type": "select", "values": [{"value": "Сайт", "enum_id": 4, "enum_code": null}]},
        {"field_id": 5, "field_type": "multiselect", "values": [{"value": "a", "enum_id": 5}, {"value": "b", "enum_id": 6}]},
        {"field_id": 6, "field_type": "radiobutton", "values": [{"value": "r", "enum_id": 7}]},
        {"field_id": 7, "field_type": "date", "values": [{"value": 1590624000}]},
        {"field_id": 8, "field_type": "date_time", "values": [{"value": "2020-05-28T12:30:00+03:00"}]},
        {"field_id": 9, "field_type": "birthday", "values": [{"value": "2020-05-08"}]},
        {"field_id": 10, "field_type": "url", "values": [{"value": "https://example.com"}]},
        {"field_id": 11, "field_type": "textarea", "values": [{"value": "long"}]},
        {"field_id": 12, "field_type": "multitext", "values": [{"value": "+7", "enum_id": 1, "enum_code": "WORK"}]},
        {"field_id": 13, "field_type": "streetaddress", "values": [{"value": "ул. Ленина"}]},
        {"field_id": 14, "field_type": "smart_address", "values": [{"value": "Москва", "enum_id": 3, "enum_code": "city"}]},
        {"field_id": 15, "field_type": "legal_entity", "values": [{"value": {"name": "ООО", "entity_type": 2, "vat_id": "7701"}}]},
        {"field_id": 16, "field_type": "price", "values": [{"value": "1500"}]},
        {"field_id": 17, "field_type": "monetary", "values": [{"value": "10"}]},
        {"field_id": 18, "field_type": "category", "values": [{"value": "c", "enum_id": 9}]},
        {"field_id": 19, "field_type": "items", "values": [{"value": {"sku": "A", "unit_price": 10, "quantity": 2}}]},
        {"field_id": 20, "field_type": "tracking_data", "values": [{"value": "t"}]},
        {"field_id": 21, "field_type": "linked_entity", "values": [{"value": {"name": "n", "entity_id": 1, "entity_type": "contacts", "catalog_id": null}}]},
        {"field_id": 22, "field_type": "chained_list", "values": [{"catalog_id": 1, "catalog_element_id": 2}]},
        {"field_id": 23, "field_type": "file", "values": [{"value": {"file_uuid": "u"}}]},
        {"field_id": 24, "field_type": "payer", "values": [{"value": {"name": "p", "type": "legal"}}]},
        {"field_id": 25, "field_type": "supplier", "values": [{"value": {"entity_id": 3}}]},
        {"field_id": 26, "field_type": "org_legal_name", "values": [{"value": "ООО"}]}
    ]);
    let element: CatalogElement = decode(&json!({"id": 1, "custom_fields_values": fields}));
    assert_eq!(element.custom_fields().len(), 26);
    assert_typed(element.custom_fields());
    assert_eq!(
        element.custom_field(8).unwrap().unix_time(),
        Some(1_590_658_200)
    );
    assert_eq!(
        element.custom_field(9).unwrap().unix_time(),
        Some(1_588_896_000)
    );
    assert_eq!(
        serde_json::to_value(&element).unwrap()["custom_fields_values"],
        {
            let mut fields = fields.clone();
            // The null enum_code of the select and the null catalog_id are not written back.
            fields[3]["values"][0]
                .as_object_mut()
                .unwrap()
                .remove("enum_code");
            fields
        }
    );
}

#[test]
fn phones_and_emails_read_with_their_codes() {
    let contact: Contact = decode(&json!({"id": 7143599, "custom_fields_values": [
        {"field_id": 3, "field_name": "Телефон", "field_code": "PHONE", "field_type": "multitext",
         "values": [{"value": "+79123", "enum_id": 1, "enum_code": "WORK"},
                    {"value": "+79124", "enum_id": 2, "enum_code": "MOB"}]},
        {"field_id": 5, "field_name": "Email", "field_code": "EMAIL", "field_type": "multitext",
         "values": [{"value": "a@example.com", "enum_id": 9, "enum_code": "PRIV"}]}
    ]}));
    let phones: Vec<(String, Option<&str>)> = contact
        .phones()
        .map(|p| (p.value.unwrap_or_default().into_owned(), p.code))
        .collect();
    assert_eq!(
        phones,
        [
            ("+79123".into(), Some("WORK")),
            ("+79124".into(), Some("MOB"))
        ]
    );
    let emails: Vec<Option<&str>> = contact.emails().map(|e| e.code).collect();
    assert_eq!(emails, [Some("PRIV")]);
    assert_eq!(
        contact.custom_field_by_code("phone").map(|f| f.field_id),
        Some(3)
    );
}

#[test]
fn custom_field_definitions_decode_as_amocrm_sends_them() {
    // Enums keyed id/value/sort (a client expecting enum_id/enum_code broke); a definition
    // without account_id; a remind, a group id and sdk_widget_code of either JSON type.
    let fields: CustomFieldList = decode(&json!({"_total_items": 2, "_page": 1, "_page_count": 1,
    "_links": {"self": {"href": "https://example.amocrm.ru/api/v4/contacts/custom_fields"},
               "last": {"href": "https://example.amocrm.ru/api/v4/contacts/custom_fields?page=1"}},
    "_embedded": {"custom_fields": [
        {"id": 3, "name": "Телефон", "code": "PHONE", "sort": 4, "type": "multitext",
         "entity_type": "contacts", "is_predefined": true,
         "enums": [{"id": 1, "value": "WORK", "sort": 2}, {"id": 2, "value": "MOB", "sort": 4, "code": null}]},
        {"id": 5, "name": "ДР", "type": "birthday", "remind": 1, "group_id": "default",
         "settings": [], "hidden_statuses": null, "nested": null, "chained_lists": null},
        {"id": 6, "name": "Новое", "type": "hologram", "account_id": 28805383}
    ]}}));
    let links = fields.links.clone().unwrap().into_option().unwrap();
    assert!(links.last.is_some());
    let fields = fields.embedded.into_option().unwrap().custom_fields;
    assert_eq!(
        fields[0].enums.as_ref().unwrap()[1].value.as_deref(),
        Some("MOB")
    );
    assert_eq!(fields[0].account_id, None);
    assert_eq!(fields[1].remind.as_deref(), Some("1"));
    assert_eq!(
        fields[2].type_,
        Some(CustomFieldType::Unknown("hologram".into()))
    );
    let group: CustomFieldGroup = decode(&json!({"id": 29741591099841u64, "name": "Доп"}));
    assert_eq!(group.id.as_str(), "29741591099841");
    let catalogs: CatalogList = decode(&json!({"_embedded": {"catalogs": [
        {"id": 4521, "name": "Товары", "type": "products", "sdk_widget_code": null},
        {"id": 4523, "name": "Счета", "type": "invoices", "sdk_widget_code": "amo_invoices"},
        {"id": 4525, "name": "Услуги", "type": "services", "sdk_widget_code": 12}
    ]}}));
    let catalogs = catalogs.embedded.into_option().unwrap().catalogs;
    assert_eq!(catalogs[0].type_, Some(CatalogType::Products));
    assert_eq!(catalogs[1].sdk_widget_code.as_deref(), Some("amo_invoices"));
    assert_eq!(
        catalogs[2].type_,
        Some(CatalogType::Unknown("services".into()))
    );
    assert_eq!(catalogs[2].sdk_widget_code.as_deref(), Some("12"));
}

#[test]
fn an_odd_custom_field_value_costs_nothing_but_itself() {
    // A values array of bare strings, an enum_id as a string, an unknown key: the lead
    // decodes, the odd field reads as Unknown, the others by type.
    let lead: Lead = decode(&json!({"id": 1, "name": "Сделка", "custom_fields_values": [
        {"field_id": 1, "field_type": "text", "values": ["bare"]},
        {"field_id": 2, "field_type": "select", "values": [{"value": "Сайт", "enum_id": "432101", "enum": "X"}]},
        {"field_id": 3, "field_type": "date", "values": [{"value": "someday"}]},
        {"field_id": 4, "field_type": "text", "values": [{"value": "fine"}]}
    ]}));
    assert_eq!(lead.name.as_deref(), Some("Сделка"));
    assert_eq!(
        lead.custom_field(1).unwrap().data(),
        CustomFieldData::Unknown(json!(["bare"]))
    );
    assert_eq!(lead.custom_field(2).unwrap().enum_id(), Some(432101));
    assert_eq!(
        lead.custom_field(2)
            .unwrap()
            .first()
            .unwrap()
            .extra
            .get("enum")
            .unwrap(),
        &json!("X")
    );
    assert!(matches!(
        lead.custom_field(3).unwrap().data(),
        CustomFieldData::Unknown(_)
    ));
    assert_eq!(
        lead.custom_field(4).unwrap().data(),
        CustomFieldData::Text("fine".into())
    );
}
