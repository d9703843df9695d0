//! The CRM sections' liberal reader, measured by shapes: every seed example of the spec's
//! CRM sections decodes into the generated types, and so does every real-world surprise
//! amoCRM is known to send for these sections (one test per shape), while what must be
//! there still is (the refusals at the end). Each entity is decoded from JSON text, as
//! the generated client decodes a response body.
//!
//! (An empty list answered with 204 and no body is the ergonomic crate's to map; the raw
//! client sees no body to decode.)

use amocrm_raw::types::{
    Catalog, CatalogElement, CatalogElementList, CatalogList, Company, CompanyList, Contact,
    ContactList, CustomFieldDefinition, CustomFieldGroup, CustomFieldGroupList, CustomFieldList,
    EntityLinkList, Event, EventList, EventTypeList, Lead, LeadList, LossReasonList, Note,
    NoteList, Role, RoleList, Tag, TagList, Task, TaskList, User, UserList,
};
use amocrm_raw::{
    AccessLevel, CatalogType, CustomFieldData, CustomFieldType, CustomFieldValue, EventTypeCode,
    LenientNumber, NoteType, PhpObject, RoleMember, UserRank,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The bundled spec, as JSON.
fn bundle() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/bundled/amocrm-v4.yaml"
    ))
    .expect("read the bundle");
    serde_yaml::from_str(&text).expect("the bundle is YAML")
}

/// `json` decoded from its text as `T`, as the generated client decodes a body.
fn decode<T: DeserializeOwned>(json: &Value) -> T {
    match serde_json::from_str(&json.to_string()) {
        Ok(decoded) => decoded,
        Err(error) => panic!("{error}: {json:#}"),
    }
}

/// Whether `json` decodes as `T`.
fn decodes<T: DeserializeOwned>(json: &Value) -> bool {
    serde_json::from_str::<T>(&json.to_string()).is_ok()
}

/// Decodes `json` as `T`, writes it back and decodes that again: the same value.
fn decode_stable<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(json: &Value) -> T {
    let decoded: T = decode(json);
    let again: T = decode(&serde_json::to_value(&decoded).expect("written back"));
    assert_eq!(again, decoded, "written back and read again: {json:#}");
    decoded
}

/// Every custom field of a seed reads by its type (none is `Unknown` or empty).
fn assert_typed(fields: &[CustomFieldValue]) {
    for field in fields {
        let data = field.data();
        assert!(
            !matches!(data, CustomFieldData::Unknown(_) | CustomFieldData::Empty),
            "field {} ({:?}) reads as {data:?}",
            field.field_id,
            field.field_type
        );
        assert!(
            field.extra.is_empty(),
            "field {}: {:?}",
            field.field_id,
            field.extra
        );
    }
}

/// The operations of the CRM sections, each with the decoder of its 200 body.
fn decoder(operation: &str) -> Option<fn(&Value)> {
    fn list<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(json: &Value) {
        decode_stable::<T>(json);
    }
    fn leads(json: &Value) {
        let list: LeadList = decode_stable(json);
        for lead in list.embedded.into_option().expect("leads").leads {
            assert_typed(lead.custom_fields());
        }
    }
    fn lead(json: &Value) {
        assert_typed(decode_stable::<Lead>(json).custom_fields());
    }
    fn contacts(json: &Value) {
        let list: ContactList = decode_stable(json);
        for contact in list.embedded.into_option().expect("contacts").contacts {
            assert_typed(contact.custom_fields());
        }
    }
    fn contact(json: &Value) {
        assert_typed(decode_stable::<Contact>(json).custom_fields());
    }
    fn companies(json: &Value) {
        let list: CompanyList = decode_stable(json);
        for company in list.embedded.into_option().expect("companies").companies {
            assert_typed(company.custom_fields());
        }
    }
    fn company(json: &Value) {
        assert_typed(decode_stable::<Company>(json).custom_fields());
    }
    fn elements(json: &Value) {
        let list: CatalogElementList = decode_stable(json);
        for element in list.embedded.into_option().expect("elements").elements {
            assert_typed(element.custom_fields());
        }
    }
    fn element(json: &Value) {
        assert_typed(decode_stable::<CatalogElement>(json).custom_fields());
    }
    Some(match operation {
        "list_leads" => leads,
        "get_lead" => lead,
        "list_loss_reasons" => list::<LossReasonList>,
        "list_contacts" => contacts,
        "get_contact" => contact,
        "list_companies" => companies,
        "get_company" => company,
        "list_custom_fields" | "list_catalog_custom_fields" => list::<CustomFieldList>,
        "get_custom_field" => list::<CustomFieldDefinition>,
        "list_custom_field_groups" => list::<CustomFieldGroupList>,
        "get_custom_field_group" => list::<CustomFieldGroup>,
        "list_catalogs" => list::<CatalogList>,
        "get_catalog" => list::<Catalog>,
        "list_catalog_elements" => elements,
        "get_catalog_element" => element,
        "list_users" => list::<UserList>,
        "get_user" => list::<User>,
        "list_roles" => list::<RoleList>,
        "get_role" => list::<Role>,
        "list_tags" => list::<TagList>,
        "list_tasks" => list::<TaskList>,
        "get_task" => list::<Task>,
        "list_notes" | "list_entity_notes" => list::<NoteList>,
        "get_note" => list::<Note>,
        "list_entity_links" | "list_links" => list::<EntityLinkList>,
        "list_events" => list::<EventList>,
        "list_event_types" => list::<EventTypeList>,
        "get_event" => list::<Event>,
        _ => return None,
    })
}

/// The 200 examples of an operation: its `example` and each of its `examples` (inline or
/// a `$ref` to `components.examples`).
fn examples_of(spec: &Value, operation: &Value) -> Vec<Value> {
    let media = &operation["responses"]["200"]["content"]["application/hal+json"];
    let mut found = Vec::new();
    if !media["example"].is_null() {
        found.push(media["example"].clone());
    }
    for example in media["examples"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
    {
        let example = match example["$ref"].as_str() {
            Some(target) => spec
                .pointer(target.trim_start_matches('#'))
                .expect("the example's $ref resolves"),
            None => example,
        };
        found.push(example["value"].clone());
    }
    found
}

#[test]
fn every_seed_example_of_the_crm_sections_decodes() {
    let spec = bundle();
    let mut decoded = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let Some(get) = item.get("get") else { continue };
        let operation = get["operationId"].as_str().expect("an operationId");
        let Some(decode) = decoder(operation) else {
            continue;
        };
        let examples = examples_of(&spec, get);
        assert!(
            !examples.is_empty(),
            "{operation} ({path}) has no 200 example"
        );
        for example in &examples {
            assert!(!example.is_null(), "{operation}: an empty example");
            decode(example);
        }
        decoded.push(operation.to_owned());
    }
    decoded.sort();
    assert_eq!(
        decoded,
        [
            "get_catalog",
            "get_catalog_element",
            "get_company",
            "get_contact",
            "get_custom_field",
            "get_custom_field_group",
            "get_event",
            "get_lead",
            "get_note",
            "get_role",
            "get_task",
            "get_user",
            "list_catalog_custom_fields",
            "list_catalog_elements",
            "list_catalogs",
            "list_companies",
            "list_contacts",
            "list_custom_field_groups",
            "list_custom_fields",
            "list_entity_links",
            "list_entity_notes",
            "list_event_types",
            "list_events",
            "list_leads",
            "list_links",
            "list_loss_reasons",
            "list_notes",
            "list_roles",
            "list_tags",
            "list_tasks",
            "list_users",
        ],
        "every CRM operation's seeds are decoded"
    );
}

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
fn new_note_types_decode_and_keep_their_params() {
    let note: Note = decode(&json!({"id": 1, "note_type": "voice_memo",
        "params": {"duration": 12, "transcript": {"lang": "ru", "text": "…"}}}));
    assert_eq!(note.note_type, Some(NoteType::Unknown("voice_memo".into())));
    let params = note.params.clone().unwrap().into_option().unwrap();
    assert_eq!(params["transcript"]["lang"], json!("ru"));
    assert_eq!(
        serde_json::to_value(&note).unwrap()["note_type"],
        json!("voice_memo")
    );
    let system: Note = decode(&json!({"id": 2, "note_type": "amomail_message",
        "params": {"thread_id": 10, "message_id": "abc", "income": true, "from": {"email": "a@b.c", "name": "A"}}}));
    assert_eq!(system.note_type, Some(NoteType::AmomailMessage));
}

#[test]
fn a_call_note_with_uniq_as_an_array_decodes() {
    let note: Note = decode(
        &json!({"id": 42709901, "entity_id": 26053794, "note_type": "call_in",
        "params": {"uniq": ["8f52d38a-5fb3-406d-93a3-a4832dc28f8b"], "duration": 60,
                   "source": "onlinePBX", "phone": "+79999999999", "call_responsible": "Менеджер",
                   "call_status": 4}}),
    );
    let params = note.params.unwrap().into_option().unwrap();
    assert_eq!(
        params["uniq"],
        json!(["8f52d38a-5fb3-406d-93a3-a4832dc28f8b"])
    );
    assert_eq!(params["call_responsible"], json!("Менеджер"));
    assert_eq!(note.note_type, Some(NoteType::CallIn));
}

#[test]
fn new_event_types_and_custom_field_changes_decode() {
    let events: EventList = decode(&json!({"_embedded": {"events": [
        {"id": "01pz58t6p04ymgsgfbmfyfy1mf", "type": "lead_teleported", "entity_id": 1,
         "entity_type": "lead", "created_at": 1588888888, "value_after": [{"portal": {"id": 9}}]},
        {"id": "01pz5bq2zsx8r4d6kyv0h3m9tw", "type": "custom_field_57832_value_changed",
         "entity_id": 1, "entity_type": "lead", "created_at": 1588888889,
         "value_after": [{"custom_field_value": {"field_id": 57832, "field_type": 1, "enum_id": null, "text": "new"}}],
         "value_before": [{"custom_field_value": {"field_id": 57832, "field_type": 1, "enum_id": null, "text": "old"}}]}
    ]}}));
    let events = events.embedded.into_option().unwrap().events;
    assert_eq!(
        events[0].type_,
        Some(EventTypeCode::Unknown("lead_teleported".into()))
    );
    assert_eq!(
        events[1].type_,
        Some(EventTypeCode::CustomFieldIdValueChanged(57832))
    );
    assert_eq!(
        events[1].value_after.as_ref().unwrap()[0]["custom_field_value"]["text"],
        json!("new")
    );
    let types: EventTypeList = decode(&json!({"_embedded": {"events_types": [
        {"key": "lead_teleported", "type": 99, "lang": "Сделка телепортирована"},
        {"key": "custom_field_57832_value_changed"}
    ]}}));
    let types = types.embedded.into_option().unwrap().events_types;
    assert_eq!(types[0].key.to_string(), "lead_teleported");
    assert_eq!(types[1].key.custom_field_id(), Some(57832));
}

#[test]
fn event_ids_are_strings() {
    let event: Event = decode(
        &json!({"id": "01pz58t6p04ymgsgfbmfyfy1mf", "type": "incoming_chat_message",
        "entity_id": 26060763, "entity_type": "lead", "created_by": 0, "created_at": 1588889500,
        "value_after": [{"message": {"id": "1508b51c-aab0-428e-9322-611d847ae747"}}],
        "value_before": [], "linked_talk_contact_id": 11069775}),
    );
    assert_eq!(event.id, "01pz58t6p04ymgsgfbmfyfy1mf");
    assert_eq!(event.linked_talk_contact_id, Some(11069775));
    assert_eq!(event.entity_type.as_deref(), Some("lead"));
    assert_eq!(event.value_before, Some(vec![]));
    // A number is not an event's id.
    assert!(!decodes::<Event>(&json!({"id": 12345})));
}

#[test]
fn status_rights_null_decodes() {
    let user: User = decode(&json!({"id": 321321, "name": "Пользователь", "rights": {
        "leads": {"view": "A", "edit": "A", "add": "A", "delete": "D", "export": "M"},
        "tasks": {"edit": "A", "delete": "A"}, "mail_access": true, "status_rights": null,
        "catalog_rights": [{"catalog_id": 4521, "rights": {"view": "L", "edit": "X"}}],
        "is_admin": true, "group_id": null, "role_id": null}, "user_rank": "guru", "uuid": null}));
    let rights = user.rights.unwrap();
    assert_eq!(rights.status_rights, None);
    assert_eq!(rights.leads.unwrap().export, Some(AccessLevel::Own));
    let catalog = &rights.catalog_rights.unwrap()[0];
    let catalog_rights = catalog.rights.clone().unwrap();
    assert_eq!(catalog_rights.view, Some(AccessLevel::Linked));
    assert_eq!(catalog_rights.edit, Some(AccessLevel::Unknown("X".into())));
    assert_eq!(user.user_rank, Some(UserRank::Unknown("guru".into())));
}

#[test]
fn role_members_read_as_ids_or_objects() {
    let role: Role = decode(
        &json!({"id": 107995, "name": "Роль", "_embedded": {"users": [
            123123, {"id": 185848}, {"id": 7, "_links": {"self": {"href": "https://example.amocrm.ru/api/v4/users/7"}}}
        ]}}),
    );
    let users = role
        .embedded
        .clone()
        .unwrap()
        .into_option()
        .unwrap()
        .users
        .unwrap();
    assert_eq!(
        users.iter().map(RoleMember::id).collect::<Vec<_>>(),
        [123123, 185848, 7]
    );
    assert_eq!(
        serde_json::to_value(&role).unwrap()["_embedded"]["users"][2]["_links"]["self"]["href"],
        json!("https://example.amocrm.ru/api/v4/users/7")
    );
    assert!(!decodes::<Role>(
        &json!({"id": 1, "_embedded": {"users": ["123"]}})
    ));
}

#[test]
fn php_empty_arrays_read_as_empty_objects() {
    // `[]` for `_embedded`, `_links` and `params`: PHP's empty map.
    let lead: Lead = decode(&json!({"id": 1, "_embedded": [], "_links": []}));
    assert_eq!(
        (lead.embedded, lead.links),
        (Some(PhpObject(None)), Some(PhpObject(None)))
    );
    let leads: LeadList = decode(&json!({"_page": 3, "_links": [], "_embedded": []}));
    assert_eq!(leads.embedded, PhpObject(None));
    let note: Note = decode(&json!({"id": 1, "note_type": "chat", "params": []}));
    assert_eq!(note.params, Some(PhpObject(None)));
    let null_params: Note = decode(&json!({"id": 1, "params": null}));
    assert_eq!(null_params.params, None);
    for list in [
        json!({"_embedded": []}),
        json!({"_embedded": [], "_links": [], "_total_items": 0}),
    ] {
        decode::<ContactList>(&list);
        decode::<CompanyList>(&list);
        decode::<CatalogList>(&list);
        decode::<CatalogElementList>(&list);
        decode::<CustomFieldList>(&list);
        decode::<CustomFieldGroupList>(&list);
        decode::<UserList>(&list);
        decode::<RoleList>(&list);
        decode::<TagList>(&list);
        decode::<TaskList>(&list);
        decode::<NoteList>(&list);
        decode::<EntityLinkList>(&list);
        decode::<EventList>(&list);
        decode::<EventTypeList>(&list);
        decode::<LossReasonList>(&list);
    }
    let user: User = decode(&json!({"id": 1, "_embedded": {"roles": [], "groups": []}}));
    assert!(user.embedded.is_some());
    let event: Event = decode(&json!({"id": "e", "_embedded": [], "_links": []}));
    assert_eq!(event.embedded, Some(PhpObject(None)));
}

#[test]
fn link_metadata_reads_as_null_an_empty_array_or_an_object() {
    let links: EntityLinkList = decode(&json!({"_total_items": 4, "_embedded": {"links": [
        {"to_entity_id": 11271229, "to_entity_type": "companies", "metadata": null},
        {"to_entity_id": 11271230, "to_entity_type": "companies", "metadata": []},
        {"to_entity_id": 11069775, "to_entity_type": "contacts", "metadata": {"main_contact": true}},
        {"entity_id": 7593303, "entity_type": "leads", "to_entity_id": 597393,
         "to_entity_type": "catalog_elements", "metadata": {"quantity": 1.5, "catalog_id": 4521, "price_id": null}}
    ]}}));
    let links = links.embedded.into_option().unwrap().links;
    assert_eq!(links[0].metadata, None);
    assert_eq!(links[1].metadata, Some(PhpObject(None)));
    let contact = links[2].metadata.clone().unwrap().into_option().unwrap();
    assert_eq!(contact.main_contact, Some(true));
    let element = links[3].metadata.clone().unwrap().into_option().unwrap();
    assert_eq!(
        (element.quantity, element.catalog_id, element.price_id),
        (Some(1.5), Some(4521), None)
    );
}

#[test]
fn catalog_elements_embedded_in_either_placement_decode() {
    let lead: Lead = decode(&json!({"id": 1, "_embedded": {"catalog_elements": [
        {"id": 525439, "metadata": {"quantity": 1, "catalog_id": 4521}},
        {"id": 525440, "quantity": 2.5, "catalog_id": 4521, "price_id": 77},
        {"id": 525441, "metadata": []}
    ]}}));
    let elements = lead
        .embedded
        .unwrap()
        .into_option()
        .unwrap()
        .catalog_elements;
    assert_eq!(
        elements[0]
            .metadata
            .clone()
            .unwrap()
            .into_option()
            .unwrap()
            .quantity,
        Some(1.0)
    );
    assert_eq!(
        (elements[1].quantity, elements[1].price_id),
        (Some(2.5), Some(77))
    );
    assert_eq!(elements[2].metadata, Some(PhpObject(None)));
}

#[test]
fn contact_lists_without_is_deleted_and_tags_without_colours_decode() {
    let contacts: ContactList = decode(&json!({"_embedded": {"contacts": [
        {"id": 7143599, "name": "1", "first_name": "", "last_name": "",
         "_embedded": {"tags": [{"id": 1, "name": "VIP", "color": null}], "companies": []}}
    ]}}));
    let contact = &contacts.embedded.into_option().unwrap().contacts[0];
    assert_eq!(contact.is_deleted, None);
    let tags = &contact
        .embedded
        .clone()
        .unwrap()
        .into_option()
        .unwrap()
        .tags;
    assert_eq!(tags[0].color, None);
    let tags: TagList = decode(&json!({"_embedded": {"tags": [
        {"id": 2707, "name": "Заявка", "color": "00FF00"}, {"id": 2709, "name": null}
    ]}}));
    let tags: Vec<Tag> = tags.embedded.into_option().unwrap().tags;
    assert_eq!(
        tags[0].color.as_deref(),
        Some("00FF00"),
        "an undocumented colour is kept"
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
        lead.custom_field(2).unwrap().first().unwrap().extra["enum"],
        json!("X")
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

#[test]
fn what_must_be_there_still_is() {
    // An entity without its id.
    assert!(!decodes::<Lead>(&json!({"name": "no id"})));
    assert!(!decodes::<Contact>(&json!({"id": null})));
    assert!(!decodes::<Company>(&json!({"id": "12"})));
    assert!(!decodes::<Task>(&json!({"text": "no id"})));
    assert!(!decodes::<Note>(&json!({"note_type": "common"})));
    assert!(!decodes::<Event>(&json!({"type": "lead_added"})));
    assert!(!decodes::<User>(&json!({"name": "no id"})));
    assert!(!decodes::<Tag>(&json!({"name": "no id"})));
    assert!(!decodes::<CatalogElement>(&json!({"name": "no id"})));
    assert!(!decodes::<CustomFieldGroup>(&json!({"name": "no id"})));
    assert!(!decodes::<CustomFieldGroup>(&json!({"id": true})));
    assert!(!decodes::<EntityLinkList>(
        &json!({"_embedded": {"links": [{"to_entity_type": "contacts"}]}})
    ));
    assert!(!decodes::<EventTypeList>(
        &json!({"_embedded": {"events_types": [{"type": 1}]}})
    ));
    // A custom field without its field_id fails its entity.
    assert!(!decodes::<Lead>(
        &json!({"id": 1, "custom_fields_values": [{"values": [{"value": "x"}]}]})
    ));
    assert!(!decodes::<Lead>(
        &json!({"id": 1, "custom_fields_values": [{"field_id": "x"}]})
    ));
    assert!(!decodes::<Lead>(
        &json!({"id": 1, "custom_fields_values": {"1": {"field_id": 1}}})
    ));
    // A list without its _embedded, or with a non-empty array for it.
    assert!(!decodes::<LeadList>(&json!({"_page": 1})));
    assert!(!decodes::<LeadList>(&json!({"_embedded": [1]})));
    assert!(!decodes::<LeadList>(
        &json!({"_embedded": {"contacts": []}})
    ));
    // A non-empty array where an object or [] is expected.
    assert!(!decodes::<Task>(&json!({"id": 1, "result": ["done"]})));
    assert!(!decodes::<Note>(&json!({"id": 1, "params": ["x"]})));
    // A price that is not a number or a string.
    assert!(!decodes::<Lead>(&json!({"id": 1, "price": true})));
    assert!(!decodes::<Lead>(&json!({"id": 1, "price": {"amount": 1}})));
}
