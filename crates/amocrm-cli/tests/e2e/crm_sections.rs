//! Every CRM section's commands against the fake's seeded account: what each sends and
//! that what it prints is the section's entities (tables with their columns, NDJSON in
//! amoCRM's names).

use amocrm_fake::{CrmSize, FakeServer};
use serde_json::Value;

use crate::support::{Run, amocrm};

async fn fake() -> FakeServer {
    let builder = FakeServer::builder().crm(CrmSize::default());
    builder.start().await.expect("the fake server starts")
}

async fn json(fake: &FakeServer, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let run = amocrm(fake, &all).await;
    assert_eq!(run.code, 0, "{args:?}: {run:#?}");
    run.json_lines()
}

fn last_path_and_query(fake: &FakeServer) -> String {
    let sent = fake.requests().pop().expect("a request");
    crate::crm::decode(&sent.path_and_query)
}

fn header(run: &Run) -> &str {
    run.lines().first().copied().unwrap_or_default()
}

#[tokio::test]
async fn tasks_users_and_custom_fields() {
    let fake = fake().await;
    let tasks = json(&fake, &["tasks", "list", "--order", "complete_till=asc"]).await;
    assert!(!tasks.is_empty());
    let due: Vec<i64> = tasks
        .iter()
        .map(|t| t["complete_till"].as_i64().unwrap_or(0))
        .collect();
    assert!(due.windows(2).all(|w| w[0] <= w[1]), "{due:?}");
    assert!(last_path_and_query(&fake).contains("order[complete_till]=asc"));
    let id = tasks[0]["id"].as_i64().unwrap_or_default().to_string();
    assert_eq!(
        json(&fake, &["tasks", "get", &id]).await,
        [tasks[0].clone()]
    );
    let run = amocrm(&fake, &["tasks", "list"]).await;
    assert!(header(&run).contains("TEXT"), "{run:#?}");

    let users = json(&fake, &["users", "list", "--with", "role,group"]).await;
    assert_eq!(users.len(), 5);
    assert!(last_path_and_query(&fake).contains("with=role,group"));
    let id = users[1]["id"].as_i64().unwrap_or_default().to_string();
    let one = json(&fake, &["users", "get", &id]).await;
    assert_eq!(one[0]["id"], users[1]["id"]);
    let run = amocrm(&fake, &["users", "list"]).await;
    assert!(header(&run).contains("E-MAIL"), "{run:#?}");

    let fields = json(&fake, &["custom-fields", "list", "contacts", "--all"]).await;
    assert!(
        fields
            .iter()
            .any(|f| f["code"] == "PHONE" && f["enums"].is_array()),
        "{fields:?}"
    );
    assert!(last_path_and_query(&fake).starts_with("/api/v4/contacts/custom_fields"));
    let phone = fields
        .iter()
        .find(|f| f["code"] == "PHONE")
        .expect("a phone field");
    let id = phone["id"].as_i64().unwrap_or_default().to_string();
    let run = amocrm(&fake, &["custom-fields", "get", "contacts", &id]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("\noptions:\n"), "{run:#?}");
    assert!(run.stdout.contains("WORK"), "{run:#?}");
}

#[tokio::test]
async fn catalogs_and_their_elements() {
    let fake = fake().await;
    let catalogs = json(&fake, &["catalogs", "list"]).await;
    assert!(!catalogs.is_empty());
    let catalog = catalogs[0]["id"].as_i64().unwrap_or_default().to_string();
    let one = json(&fake, &["catalogs", "get", &catalog]).await;
    assert_eq!(one, [catalogs[0].clone()]);

    let elements = json(&fake, &["catalogs", "elements", "list", &catalog, "--all"]).await;
    assert_eq!(elements.len(), 12, "{elements:?}");
    assert!(
        last_path_and_query(&fake).starts_with(&format!("/api/v4/catalogs/{catalog}/elements"))
    );
    let element = elements[3]["id"].as_i64().unwrap_or_default().to_string();
    let filter = format!("id[]={element}");
    let found = json(
        &fake,
        &[
            "catalogs", "elements", "list", &catalog, "--filter", &filter,
        ],
    )
    .await;
    assert_eq!(found, [elements[3].clone()]);
    assert!(last_path_and_query(&fake).contains(&format!("filter[id][]={element}")));
    let with = json(
        &fake,
        &[
            "catalogs",
            "elements",
            "get",
            &catalog,
            &element,
            "--with",
            "invoice_link",
        ],
    )
    .await;
    assert_eq!(with[0]["id"], elements[3]["id"]);
    assert!(last_path_and_query(&fake).ends_with("?with=invoice_link"));

    // A catalog's custom fields, with the definitions' filter and order.
    let fields = json(
        &fake,
        &["catalogs", "fields", &catalog, "--order", "id=desc"],
    )
    .await;
    assert!(!fields.is_empty());
    let ids: Vec<i64> = fields
        .iter()
        .map(|f| f["id"].as_i64().unwrap_or(0))
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    let kind = fields[0]["type"].as_str().expect("a type").to_owned();
    let filter = format!("type[]={kind}");
    let typed = json(
        &fake,
        &["catalogs", "fields", &catalog, "--filter", &filter],
    )
    .await;
    assert!(
        !typed.is_empty() && typed.iter().all(|f| f["type"] == kind.as_str()),
        "{typed:?}"
    );
    assert!(last_path_and_query(&fake).contains(&format!("filter[type][]={kind}")));

    let run = amocrm(&fake, &["catalogs", "elements", "get", &catalog, &element]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("\ncustom fields:"), "{run:#?}");
}

#[tokio::test]
async fn tags_notes_links_and_events() {
    let fake = fake().await;
    let tags = json(&fake, &["tags", "list", "leads"]).await;
    assert!(
        tags.iter()
            .all(|t| t["id"].is_i64() && t["name"].is_string()),
        "{tags:?}"
    );
    assert!(last_path_and_query(&fake).starts_with("/api/v4/leads/tags"));

    let notes = json(&fake, &["notes", "list", "leads", "--all"]).await;
    assert!(!notes.is_empty());
    let entity = notes[0]["entity_id"].as_i64().unwrap_or_default();
    let of_one = json(&fake, &["notes", "list", "leads", &entity.to_string()]).await;
    assert!(!of_one.is_empty());
    assert!(
        of_one.iter().all(|n| n["entity_id"] == entity),
        "{of_one:?}"
    );
    assert!(last_path_and_query(&fake).starts_with(&format!("/api/v4/leads/{entity}/notes")));
    let note = notes[0]["id"].as_i64().unwrap_or_default().to_string();
    let pinned = json(
        &fake,
        &[
            "notes",
            "list",
            "leads",
            "--with",
            "is_pinned",
            "--limit",
            "5",
        ],
    )
    .await;
    assert!(
        pinned.iter().all(|n| n["is_pinned"].is_boolean()),
        "{pinned:?}"
    );
    assert!(last_path_and_query(&fake).contains("with=is_pinned"));
    assert_eq!(
        json(&fake, &["notes", "get", "leads", &note]).await,
        [notes[0].clone()]
    );

    let leads = json(
        &fake,
        &["leads", "list", "--with", "contacts", "--limit", "50"],
    )
    .await;
    let lead = leads
        .iter()
        .find(|l| {
            l["_embedded"]["contacts"]
                .as_array()
                .is_some_and(|c| !c.is_empty())
        })
        .expect("a lead with a contact");
    let contact = lead["_embedded"]["contacts"][0]["id"].clone();
    let id = lead["id"].as_i64().unwrap_or_default().to_string();
    let links = json(&fake, &["links", "list", "leads", &id]).await;
    assert!(
        links
            .iter()
            .any(|l| l["to_entity_type"] == "contacts" && l["to_entity_id"] == contact),
        "{links:?}"
    );
    assert!(last_path_and_query(&fake).starts_with(&format!("/api/v4/leads/{id}/links")));

    let events = json(
        &fake,
        &[
            "events",
            "list",
            "--filter",
            "entity[]=lead",
            "--limit",
            "100",
        ],
    )
    .await;
    assert!(!events.is_empty());
    assert!(
        events.iter().all(|e| e["entity_type"] == "lead"),
        "{events:?}"
    );
    assert!(last_path_and_query(&fake).contains("filter[entity][]=lead"));
    let id = events[0]["id"].as_str().expect("a string ID").to_owned();
    let one = json(&fake, &["events", "get", &id, "--with", "lead_name"]).await;
    assert_eq!(one[0]["id"], events[0]["id"]);
    assert!(one[0]["_embedded"]["entity"]["name"].is_string(), "{one:?}");
    assert_eq!(
        last_path_and_query(&fake),
        format!("/api/v4/events/{id}?with=lead_name")
    );
    // Events come 100 a page at most: --all pages through them at that size.
    let every = json(&fake, &["events", "list", "--all"]).await;
    assert!(every.len() >= 100, "{}", every.len());
    assert!(last_path_and_query(&fake).contains("limit=100"));
    let run = amocrm(&fake, &["events", "list", "--all"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.lines().len(), 1 + every.len(), "{run:#?}");
}

/// amoCRM's real-world shapes (numbers as strings, `null` custom fields, `[]` for an
/// empty `_embedded`, unknown field, note and event types, …) are read and printed, as
/// tables and as NDJSON, without a warning.
#[tokio::test]
async fn the_real_world_shapes_are_read_and_printed() {
    let builder = FakeServer::builder()
        .crm(CrmSize::default())
        .real_world_shapes(true);
    let fake = builder.start().await.expect("the fake server starts");
    let lists: [&[&str]; 10] = [
        &[
            "leads",
            "list",
            "--all",
            "--with",
            "contacts,loss_reason,source",
        ],
        &["contacts", "list", "--all", "--with", "leads"],
        &["companies", "list", "--all"],
        &["tasks", "list", "--all"],
        &[
            "users",
            "list",
            "--all",
            "--with",
            "role,group,uuid,amojo_id,user_rank",
        ],
        &["custom-fields", "list", "leads", "--all"],
        &["tags", "list", "leads", "--all"],
        &["notes", "list", "leads", "--all"],
        &["events", "list", "--all"],
        &["catalogs", "list", "--all"],
    ];
    for args in lists {
        let run = amocrm(&fake, args).await;
        assert_eq!(run.code, 0, "{args:?}: {run:#?}");
        assert!(run.stderr.is_empty(), "{args:?}: {run:#?}");
        let lines = json(&fake, args).await;
        assert_eq!(run.lines().len(), 1 + lines.len(), "{args:?}: {run:#?}");
    }
    for lead in json(&fake, &["leads", "list", "--all"])
        .await
        .iter()
        .take(30)
    {
        let id = lead["id"].as_i64().unwrap_or_default().to_string();
        let run = amocrm(&fake, &["leads", "get", &id]).await;
        assert_eq!(run.code, 0, "{run:#?}");
        assert!(run.stdout.contains("\ncustom fields"), "{run:#?}");
    }
}
