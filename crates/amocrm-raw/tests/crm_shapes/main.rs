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

mod custom_fields;
mod entities;
mod sections;

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
        "get_custom_field" | "get_catalog_custom_field" => list::<CustomFieldDefinition>,
        "list_custom_field_groups" | "list_catalog_custom_field_groups" => {
            list::<CustomFieldGroupList>
        }
        "get_custom_field_group" | "get_catalog_custom_field_group" => list::<CustomFieldGroup>,
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
            "get_catalog_custom_field",
            "get_catalog_custom_field_group",
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
            "list_catalog_custom_field_groups",
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
