//! Entities whose numbers, nulls and embedded shapes differ from the documentation.

use super::*;

#[test]
fn custom_fields_values_null_reads_as_no_fields() {
    for entity in [
        json!({"id": 1, "custom_fields_values": null}),
        json!({"id": 1}),
        json!({"id": 1, "custom_fields_values": []}),
    ] {
        let lead: Lead = decode(&entity);
        assert!(lead.custom_fields().is_empty());
        assert_eq!(lead.custom_field(271311), None);
        let contact: Contact = decode(&entity);
        assert_eq!(contact.phones().count(), 0);
        let company: Company = decode(&entity);
        assert_eq!(company.custom_field_by_code("EMAIL"), None);
        let element: CatalogElement = decode(&entity);
        assert!(element.custom_fields().is_empty());
    }
}

#[test]
fn numbers_sent_as_strings_read_as_numbers() {
    let lead: Lead = decode(&json!({"id": 1, "custom_fields_values": [
        {"field_id": 271311, "field_name": "Номер договора", "field_code": null,
         "field_type": "numeric", "values": [{"value": "29277913"}]},
        {"field_id": 271312, "field_type": "numeric", "values": [{"value": "1.5"}]},
        {"field_id": 271313, "field_type": "monetary", "values": [{"value": "1500,50"}]},
        {"field_id": 271314, "field_type": "numeric", "values": [{"value": 42}]}
    ]}));
    let field = lead.custom_field(271311).unwrap();
    assert_eq!(field.number(), Some(29_277_913.0));
    assert_eq!(field.integer(), Some(29_277_913));
    assert_eq!(field.data(), CustomFieldData::Number(29_277_913.0));
    assert_eq!(
        lead.custom_field(271312).unwrap().data(),
        CustomFieldData::Number(1.5)
    );
    assert_eq!(lead.custom_field(271313).unwrap().number(), Some(1500.5));
    assert_eq!(lead.custom_field(271314).unwrap().number(), Some(42.0));
    // Written back as sent: the string stays a string.
    let back = serde_json::to_value(&lead).unwrap();
    assert_eq!(
        back["custom_fields_values"][0]["values"][0]["value"],
        json!("29277913")
    );
    assert_eq!(
        back["custom_fields_values"][3]["values"][0]["value"],
        json!(42)
    );
}

#[test]
fn a_price_reads_as_an_integer_a_float_or_a_string() {
    for (price, as_f64, as_i64) in [
        (json!(46333), Some(46333.0), Some(46333)),
        (json!(655.5), Some(655.5), None),
        (json!("1500"), Some(1500.0), Some(1500)),
        (json!("1500.50"), Some(1500.5), None),
        (json!("1500,50"), Some(1500.5), None),
        (
            json!(4294967296u64),
            Some(4_294_967_296.0),
            Some(4_294_967_296),
        ),
        (json!("n/a"), None, None),
    ] {
        let lead: Lead = decode(&json!({"id": 1, "price": price, "price_with_minor_units": 655.5}));
        let read = lead.price.as_ref().expect("a price");
        assert_eq!(read.as_f64(), as_f64, "{price}");
        assert_eq!(read.as_i64(), as_i64, "{price}");
        assert_eq!(
            serde_json::to_value(&lead).unwrap()["price"],
            price,
            "written back as sent"
        );
        assert_eq!(lead.price_with_minor_units, Some(655.5));
    }
    let trashed: Lead = decode(&json!({"id": 1, "price": null}));
    assert_eq!(trashed.price, None);
    assert_eq!(
        decode::<Lead>(&json!({"id": 1, "price": "7"})).price,
        Some(LenientNumber::Text("7".into()))
    );
}

#[test]
fn only_deleted_entries_with_most_fields_null_decode() {
    let nulls = json!({
        "id": 3912171, "name": null, "price": null, "responsible_user_id": null,
        "group_id": null, "status_id": null, "pipeline_id": null, "loss_reason_id": null,
        "source_id": null, "created_by": null, "updated_by": 504141, "created_at": null,
        "updated_at": 1590683337, "closed_at": null, "closest_task_at": null,
        "is_deleted": true, "custom_fields_values": null, "score": null, "account_id": null,
        "labor_cost": null, "is_price_modified_by_robot": null, "first_name": null,
        "last_name": null, "is_unsorted": null, "visitor_uid": null,
        "_links": {"self": {"href": "https://example.amocrm.ru/api/v4/leads/3912171"}},
        "_embedded": {"tags": [], "companies": []}
    });
    let leads: LeadList = decode(&json!({"_page": 1, "_embedded": {"leads": [nulls]}}));
    let lead = &leads.embedded.into_option().unwrap().leads[0];
    assert_eq!(
        (lead.id, lead.is_deleted, lead.updated_at),
        (3912171, Some(true), Some(1590683337))
    );
    assert_eq!(
        (lead.name.as_deref(), lead.status_id, lead.created_by),
        (None, None, None)
    );
    let contacts: ContactList = decode(&json!({"_embedded": {"contacts": [nulls]}}));
    let contact = &contacts.embedded.into_option().unwrap().contacts[0];
    assert_eq!(
        (contact.first_name.as_deref(), contact.created_at),
        (None, None)
    );
    let companies: CompanyList = decode(&json!({"_embedded": {"companies": [nulls]}}));
    assert_eq!(
        companies.embedded.into_option().unwrap().companies[0].name,
        None
    );
    // Trashed entries with only their id and update.
    let bare: Lead = decode(&json!({"id": 5, "updated_at": 1590683337, "is_deleted": true}));
    assert_eq!(bare.custom_fields().len(), 0);
}

#[test]
fn a_loss_reason_reads_as_an_object_or_an_array() {
    let reason = json!({"id": 4203748, "name": "Пропала потребность", "sort": 100000,
        "created_at": 1582117280, "updated_at": 1582117280,
        "_links": {"self": {"href": "https://example.amocrm.ru/api/v4/leads/loss_reasons/4203748"}}});
    for (loss_reason, count) in [
        (reason.clone(), 1),
        (json!([reason]), 1),
        (json!({"id": 4203748, "name": "Дорого"}), 1),
        (json!([]), 0),
        (json!([reason, {"id": 2}]), 2),
    ] {
        let lead: Lead = decode(&json!({"id": 1, "_embedded": {"loss_reason": loss_reason}}));
        let embedded = lead.embedded.unwrap().into_option().unwrap();
        let read = embedded.loss_reason.unwrap_or_default();
        assert_eq!(read.len(), count, "{loss_reason}");
        if count > 0 {
            assert_eq!(read.first().map(|r| r.id), Some(4203748));
        }
    }
    let none: Lead = decode(&json!({"id": 1, "_embedded": {"loss_reason": null}}));
    assert_eq!(
        none.embedded.unwrap().into_option().unwrap().loss_reason,
        None
    );
    assert!(!decodes::<Lead>(
        &json!({"id": 1, "_embedded": {"loss_reason": "Дорого"}})
    ));
    assert!(!decodes::<Lead>(
        &json!({"id": 1, "_embedded": {"loss_reason": 4203748}})
    ));
}

#[test]
fn a_task_result_reads_as_an_object_or_an_empty_array() {
    let without: Task = decode(&json!({"id": 7087, "result": [], "is_completed": true}));
    assert_eq!(without.result, Some(PhpObject(None)));
    let with: Task = decode(&json!({"id": 56981, "result": {"text": "Результат есть"}}));
    let text = with.result.unwrap().into_option().unwrap().text;
    assert_eq!(text.as_deref(), Some("Результат есть"));
    let null: Task =
        decode(&json!({"id": 1, "result": null, "entity_id": null, "entity_type": null}));
    assert_eq!(
        (null.result, null.entity_id, null.entity_type),
        (None, None, None)
    );
    assert_eq!(
        serde_json::to_value(&without).unwrap()["result"],
        json!([]),
        "written back as PHP wrote it"
    );
}
