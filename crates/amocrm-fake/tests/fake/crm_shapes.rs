//! The real-world shapes switch: every surprise amoCRM's answers have in these sections,
//! spread over the data by id (the same on every run), and none of them without it.

use amocrm_fake::{CrmSize, FakeServer};
use serde_json::{Value, json};

use crate::support::*;

async fn start(real_world: bool) -> FakeServer {
    let size = CrmSize::default()
        .leads(200)
        .contacts(100)
        .users(12)
        .notes(120)
        .events(200);
    FakeServer::builder()
        .crm(size)
        .real_world_shapes(real_world)
        .start()
        .await
        .unwrap()
}

fn values_of(entities: &[Value]) -> Vec<Value> {
    entities
        .iter()
        .flat_map(|e| {
            e["custom_fields_values"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn every_surprise_is_served_with_the_switch() {
    let server = start(true).await;
    let leads = items(
        &ok_json(
            &server,
            "/api/v4/leads?limit=250&with=loss_reason,catalog_elements",
        )
        .await,
        "leads",
    )
    .clone();
    let fields = values_of(&leads);
    let numeric = fields
        .iter()
        .filter(|f| f["field_type"] == "numeric")
        .collect::<Vec<_>>();
    assert!(
        !numeric.is_empty() && numeric.iter().all(|f| f["values"][0]["value"].is_string()),
        "numbers as strings"
    );
    assert!(
        fields
            .iter()
            .any(|f| f["field_type"] == "date" && f["values"][0]["value"].is_string()),
        "a date as text"
    );
    assert!(
        fields.iter().any(|f| f["field_type"] == "ai_score"),
        "an unknown field type"
    );
    assert!(
        leads.iter().any(|l| l["price"].is_string()),
        "price as a string"
    );
    assert!(
        leads
            .iter()
            .any(|l| l["price"].is_f64() && l["price_with_minor_units"].is_f64()),
        "price as a float"
    );
    assert!(leads.iter().any(|l| l["price"].is_i64()));
    assert!(
        leads.iter().any(|l| l["custom_fields_values"].is_null()),
        "custom_fields_values: null"
    );
    let reasons: Vec<&Value> = leads
        .iter()
        .filter_map(|l| l["_embedded"].get("loss_reason"))
        .collect();
    assert!(
        reasons.iter().any(|r| r.is_array()) && reasons.iter().any(|r| r.is_object()),
        "loss_reason both ways"
    );
    let elements: Vec<&Value> = leads
        .iter()
        .flat_map(|l| {
            l["_embedded"]["catalog_elements"]
                .as_array()
                .into_iter()
                .flatten()
        })
        .collect();
    assert!(
        elements
            .iter()
            .any(|e| e.get("metadata").is_none() && e["catalog_id"].is_i64()),
        "flat element metadata"
    );
    let users = items(&ok_json(&server, "/api/v4/users").await, "users").clone();
    assert!(
        users.iter().any(|u| u["rights"]["status_rights"].is_null()),
        "status_rights: null"
    );
    assert!(users.iter().any(|u| u["lang"] == "pt"));
    assert!(
        users.iter().all(|u| u["_embedded"] == json!([])),
        "[] for an empty _embedded"
    );
    let contacts = items(
        &ok_json(&server, "/api/v4/contacts?limit=250").await,
        "contacts",
    )
    .clone();
    assert!(contacts.iter().any(|c| c["_embedded"] == json!([])));
    assert!(
        contacts
            .iter()
            .any(|c| c["first_name"] == "" && c["last_name"] == "")
    );
    let notes = items(
        &ok_json(&server, "/api/v4/leads/notes?limit=250").await,
        "notes",
    )
    .clone();
    let contact_notes = items(
        &ok_json(&server, "/api/v4/contacts/notes?limit=250").await,
        "notes",
    )
    .clone();
    let all_notes: Vec<&Value> = notes.iter().chain(&contact_notes).collect();
    assert!(
        all_notes
            .iter()
            .any(|n| n["note_type"] == "call_in" && n["params"]["uniq"].is_array()),
        "uniq as an array"
    );
    assert!(
        all_notes.iter().any(|n| n["note_type"] == "ai_summary"),
        "an unknown note type"
    );
    let events = items(
        &ok_json(&server, "/api/v4/events?limit=100").await,
        "events",
    )
    .clone();
    let more = items(
        &ok_json(&server, "/api/v4/events?limit=100&page=2").await,
        "events",
    )
    .clone();
    assert!(
        events
            .iter()
            .chain(&more)
            .any(|e| e["type"] == "lead_ai_scored"),
        "an unknown event type"
    );
    let fields = items(
        &ok_json(&server, "/api/v4/leads/custom_fields?limit=250").await,
        "custom_fields",
    )
    .clone();
    assert!(
        fields.iter().any(|f| f.get("account_id").is_none())
            && fields.iter().any(|f| f["account_id"].is_i64())
    );
    let groups = items(
        &ok_json(&server, "/api/v4/leads/custom_fields/groups").await,
        "custom_field_groups",
    )
    .clone();
    assert!(
        groups.iter().any(|g| g["id"].is_i64()),
        "a numeric group id"
    );
    let tags = items(
        &ok_json(&server, "/api/v4/leads/tags?limit=250").await,
        "tags",
    )
    .clone();
    assert!(
        tags.iter().any(|t| t["color"] == "5B2C6F"),
        "a colour outside the palette"
    );
}

#[tokio::test]
async fn without_the_switch_the_documented_shapes() {
    let server = start(false).await;
    let leads = items(
        &ok_json(&server, "/api/v4/leads?limit=250&with=loss_reason").await,
        "leads",
    )
    .clone();
    assert!(
        leads
            .iter()
            .all(|l| l["price"].is_i64() && l.get("price_with_minor_units").is_none())
    );
    assert!(leads.iter().all(|l| l["custom_fields_values"].is_array()));
    assert!(
        values_of(&leads)
            .iter()
            .filter(|f| f["field_type"] == "numeric")
            .all(|f| f["values"][0]["value"].is_number())
    );
    assert!(
        leads
            .iter()
            .filter_map(|l| l["_embedded"].get("loss_reason"))
            .all(Value::is_object)
    );
    let users = items(&ok_json(&server, "/api/v4/users").await, "users").clone();
    assert!(
        users
            .iter()
            .all(|u| u["rights"]["status_rights"].is_array() && u.get("_embedded").is_none())
    );
    let notes = items(
        &ok_json(&server, "/api/v4/leads/notes?limit=250").await,
        "notes",
    )
    .clone();
    assert!(
        notes
            .iter()
            .all(|n| n["note_type"] != "ai_summary" && !n["params"]["uniq"].is_array())
    );
}

#[tokio::test]
async fn the_shapes_are_the_same_on_every_run() {
    let (a, b) = (start(true).await, start(true).await);
    let page = "/api/v4/leads?limit=100&with=loss_reason,contacts";
    let strip = |mut v: Value, base: &str| {
        let text = v.to_string().replace(base, "");
        v = serde_json::from_str(&text).unwrap();
        v
    };
    assert_eq!(
        strip(ok_json(&a, page).await, &a.base_url()),
        strip(ok_json(&b, page).await, &b.base_url())
    );
}
