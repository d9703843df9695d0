//! Every other CRM section: custom fields and groups, users and roles, tags, tasks, notes,
//! links, events and their types, catalogs and elements, loss reasons — list, get, 204.

use amocrm_fake::FakeServer;

use crate::support::*;

#[tokio::test]
async fn custom_fields_of_every_owner_with_their_options() {
    let server = FakeServer::start().await.unwrap();
    let leads = ok_json(&server, "/api/v4/leads/custom_fields?limit=250").await;
    let fields = items(&leads, "custom_fields");
    assert_eq!(leads["_total_items"], 20);
    assert_eq!(leads["_page_count"], 1);
    assert!(leads["_links"]["last"]["href"].is_string());
    let types: Vec<&str> = fields.iter().map(|f| f["type"].as_str().unwrap()).collect();
    for t in [
        "text",
        "numeric",
        "checkbox",
        "select",
        "multiselect",
        "date",
        "url",
        "date_time",
        "textarea",
        "radiobutton",
        "streetaddress",
        "smart_address",
        "birthday",
        "legal_entity",
        "tracking_data",
        "chained_list",
        "monetary",
        "file",
    ] {
        assert!(types.contains(&t), "{t}");
    }
    let select = fields.iter().find(|f| f["type"] == "select").unwrap();
    let option = &select["enums"][0];
    assert!(option["id"].is_i64() && option["value"].is_string() && option["sort"].is_i64());
    let contacts = ok_json(&server, "/api/v4/contacts/custom_fields").await;
    let phone = items(&contacts, "custom_fields")
        .iter()
        .find(|f| f["code"] == "PHONE")
        .unwrap()
        .clone();
    let codes: Vec<&str> = phone["enums"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["value"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"]);
    let one = ok_json(
        &server,
        &format!("/api/v4/contacts/custom_fields/{}", phone["id"]),
    )
    .await;
    assert_eq!(one, phone);
    assert_eq!(
        status_of(&server, "/api/v4/contacts/custom_fields/1").await,
        204
    );
    let only = ok_json(
        &server,
        "/api/v4/leads/custom_fields?filter[type][0]=select&filter[type][1]=multiselect",
    )
    .await;
    assert_eq!(items(&only, "custom_fields").len(), 2);
    let paged = ok_json(
        &server,
        "/api/v4/leads/custom_fields?limit=5&page=2&order[sort]=desc",
    )
    .await;
    assert_eq!(paged["_page_count"], 4);
    assert_eq!(paged["_total_items"], 5);
    let groups = ok_json(&server, "/api/v4/leads/custom_fields/groups").await;
    let group = items(&groups, "custom_field_groups")
        .iter()
        .find(|g| g["id"] == "statistic")
        .unwrap()
        .clone();
    assert_eq!(group["type"], "linked_group");
    assert_eq!(
        ok_json(&server, "/api/v4/leads/custom_fields/groups/statistic").await["id"],
        "statistic"
    );
    expect_problem(
        get(&server, "/api/v4/leads/custom_fields/groups/nope").await,
        404,
    )
    .await;
    let catalogs = ok_json(&server, "/api/v4/catalogs").await;
    let products = &items(&catalogs, "catalogs")[0];
    let fields = ok_json(
        &server,
        &format!("/api/v4/catalogs/{}/custom_fields", products["id"]),
    )
    .await;
    let category = items(&fields, "custom_fields")
        .iter()
        .find(|f| f["type"] == "category")
        .unwrap()
        .clone();
    assert!(category["nested"].as_array().is_some_and(|n| n.len() == 3));
    assert_eq!(
        status_of(&server, "/api/v4/catalogs/1/custom_fields").await,
        204
    );
    expect_validation(get(&server, "/api/v4/deals/custom_fields").await).await;
}

#[tokio::test]
async fn users_and_roles_for_administrators_only() {
    let server = FakeServer::start().await.unwrap();
    let users = ok_json(
        &server,
        "/api/v4/users?with=role,group,uuid,amojo_id,user_rank,phone_number",
    )
    .await;
    assert_eq!(
        (users["_total_items"].clone(), users["_page_count"].clone()),
        (5.into(), 1.into())
    );
    let list = items(&users, "users");
    assert!(list[0]["rights"]["is_admin"] == true);
    assert!(list.iter().all(|u| u.get("uuid").is_some()
        && u["user_rank"].is_string()
        && u["_embedded"]["roles"].is_array()));
    assert!(list.iter().any(|u| {
        u["_embedded"]["roles"]
            .as_array()
            .is_some_and(|r| r.len() == 1)
    }));
    let plain = ok_json(&server, "/api/v4/users").await;
    assert!(items(&plain, "users")[0].get("uuid").is_none());
    let id = list[1]["id"].as_i64().unwrap();
    assert_eq!(
        ok_json(&server, &format!("/api/v4/users/{id}")).await["id"],
        id
    );
    assert_eq!(status_of(&server, "/api/v4/users/1").await, 204);
    expect_problem(
        send(
            &server,
            reqwest::Method::GET,
            "/api/v4/users",
            Some(server.user_token()),
            None,
        )
        .await,
        403,
    )
    .await;
    let roles = ok_json(&server, "/api/v4/roles?with=users").await;
    let role = &items(&roles, "roles")[0];
    assert!(role["rights"]["leads"]["view"].is_string() && role["_embedded"]["users"].is_array());
    assert_eq!(
        ok_json(&server, &format!("/api/v4/roles/{}", role["id"])).await["name"],
        role["name"]
    );
    assert_eq!(status_of(&server, "/api/v4/roles/1").await, 204);
}

#[tokio::test]
async fn tags_tasks_notes_and_links() {
    let server = FakeServer::start().await.unwrap();
    let tags = ok_json(&server, "/api/v4/leads/tags?limit=250").await;
    assert_eq!(items(&tags, "tags").len(), 20);
    assert!(items(&tags, "tags").iter().any(|t| t["color"].is_string()));
    let contact_tags = ok_json(&server, "/api/v4/contacts/tags").await;
    assert!(
        items(&contact_tags, "tags")
            .iter()
            .all(|t| t["color"].is_null())
    );
    let vip = ok_json(&server, "/api/v4/leads/tags?filter[name]=VIP").await;
    assert_eq!(items(&vip, "tags").len(), 1);
    assert_eq!(
        status_of(&server, "/api/v4/leads/tags?query=zzz").await,
        204
    );
    let tasks = ok_json(&server, "/api/v4/tasks?limit=250").await;
    let list = items(&tasks, "tasks");
    assert_eq!(list.len(), 40);
    assert!(list.iter().any(|t| t["result"] == serde_json::json!([])));
    assert!(list.iter().any(|t| t["result"]["text"].is_string()));
    assert!(
        list.iter()
            .any(|t| t["entity_id"].is_null() && t["entity_type"].is_null())
    );
    assert_eq!(
        ok_json(&server, &format!("/api/v4/tasks/{}", list[0]["id"])).await,
        list[0]
    );
    assert_eq!(status_of(&server, "/api/v4/tasks/1").await, 204);
    let notes = ok_json(&server, "/api/v4/leads/notes?limit=250&with=is_pinned").await;
    let note = &items(&notes, "notes")[0];
    assert!(note["is_pinned"].is_boolean() && note["params"].is_object());
    let of_lead = ok_json(
        &server,
        &format!("/api/v4/leads/{}/notes", note["entity_id"]),
    )
    .await;
    assert!(
        items(&of_lead, "notes")
            .iter()
            .all(|n| n["entity_id"] == note["entity_id"])
    );
    assert_eq!(
        ok_json(&server, &format!("/api/v4/leads/notes/{}", note["id"])).await["id"],
        note["id"]
    );
    assert_eq!(
        status_of(&server, &format!("/api/v4/contacts/notes/{}", note["id"])).await,
        204
    );
    assert_eq!(status_of(&server, "/api/v4/customers/notes").await, 204);
    let leads = items(
        &ok_json(&server, "/api/v4/leads?limit=250&with=contacts").await,
        "leads",
    )
    .clone();
    let lead = leads
        .iter()
        .find(|l| {
            l["_embedded"]["contacts"]
                .as_array()
                .is_some_and(|c| !c.is_empty())
                && !l["_embedded"]["companies"].as_array().unwrap().is_empty()
        })
        .unwrap();
    let links = ok_json(&server, &format!("/api/v4/leads/{}/links", lead["id"])).await;
    let list = items(&links, "links");
    assert_eq!(links["_total_items"], list.len());
    let main = list
        .iter()
        .find(|l| l["to_entity_type"] == "contacts")
        .unwrap();
    assert_eq!(main["metadata"]["main_contact"], true);
    assert!(
        list.iter()
            .find(|l| l["to_entity_type"] == "companies")
            .unwrap()["metadata"]
            .is_null()
    );
    let mass = ok_json(
        &server,
        &format!(
            "/api/v4/leads/links?filter[entity_id][]={}&filter[entity_id][]={}",
            leads[0]["id"], lead["id"]
        ),
    )
    .await;
    assert!(
        items(&mass, "links")
            .iter()
            .all(|l| l["entity_type"] == "leads" && l["entity_id"].is_i64())
    );
    let only = ok_json(
        &server,
        &format!(
            "/api/v4/leads/{}/links?filter[to_entity_id]={}&filter[to_entity_type]=contacts",
            lead["id"], main["to_entity_id"]
        ),
    )
    .await;
    assert_eq!(items(&only, "links").len(), 1);
    expect_validation(
        get(
            &server,
            &format!("/api/v4/leads/{}/links?filter[to_entity_id]=1", lead["id"]),
        )
        .await,
    )
    .await;
}

#[tokio::test]
async fn events_types_catalogs_and_loss_reasons() {
    let server = FakeServer::start().await.unwrap();
    let events = ok_json(&server, "/api/v4/events?limit=100&with=lead_name").await;
    let list = items(&events, "events");
    assert_eq!(list.len(), 100);
    assert!(
        list.windows(2)
            .all(|w| w[0]["created_at"].as_i64() >= w[1]["created_at"].as_i64()),
        "newest first"
    );
    assert!(
        list.iter()
            .all(|e| e["id"].as_str().is_some_and(|id| id.len() == 26))
    );
    let named = list.iter().find(|e| e["entity_type"] == "lead").unwrap();
    assert!(named["_embedded"]["entity"]["name"].is_string());
    assert_eq!(
        ok_json(
            &server,
            &format!("/api/v4/events/{}", named["id"].as_str().unwrap())
        )
        .await["id"],
        named["id"]
    );
    assert_eq!(
        status_of(&server, "/api/v4/events/01pz58t6p04ymgsgfbmfyfy1mf").await,
        204
    );
    let chat = list
        .iter()
        .find(|e| e["type"] == "incoming_chat_message")
        .unwrap();
    assert!(chat["linked_talk_contact_id"].is_i64());
    let types = ok_json(&server, "/api/v4/events/types?language_code=en").await;
    assert_eq!(
        items(&types, "events_types")[0],
        serde_json::json!({"key": "lead_added", "type": 1, "lang": "Lead added"})
    );
    expect_validation(get(&server, "/api/v4/events/types?language_code=xx").await).await;
    let catalogs = items(&ok_json(&server, "/api/v4/catalogs").await, "catalogs").clone();
    let kinds: Vec<&str> = catalogs
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["products", "invoices", "regular"]);
    assert_eq!(
        ok_json(&server, &format!("/api/v4/catalogs/{}", catalogs[1]["id"])).await,
        catalogs[1]
    );
    assert_eq!(status_of(&server, "/api/v4/catalogs/1").await, 204);
    let invoices = ok_json(
        &server,
        &format!(
            "/api/v4/catalogs/{}/elements?with=invoice_link",
            catalogs[1]["id"]
        ),
    )
    .await;
    let invoice = &items(&invoices, "elements")[0];
    assert!(invoice["invoice_link"].is_string() && invoice["_embedded"]["warning"].is_object());
    let types: Vec<&str> = invoice["custom_fields_values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field_type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"payer") && types.contains(&"items") && types.contains(&"supplier"));
    let element = ok_json(
        &server,
        &format!(
            "/api/v4/catalogs/{}/elements/{}",
            catalogs[1]["id"], invoice["id"]
        ),
    )
    .await;
    assert_eq!(element["id"], invoice["id"]);
    assert_eq!(
        status_of(
            &server,
            &format!("/api/v4/catalogs/{}/elements/1", catalogs[1]["id"])
        )
        .await,
        204
    );
    assert_eq!(status_of(&server, "/api/v4/catalogs/1/elements").await, 204);
    let found = ok_json(
        &server,
        &format!(
            "/api/v4/catalogs/{}/elements?query=%D0%A2%D0%BE%D0%B2%D0%B0%D1%80%201",
            catalogs[0]["id"]
        ),
    )
    .await;
    assert!(
        items(&found, "elements")
            .iter()
            .all(|e| e["name"].as_str().unwrap().contains("Товар 1"))
    );
    let reasons = ok_json(&server, "/api/v4/leads/loss_reasons").await;
    assert_eq!(reasons["_total_items"], 5);
}

#[tokio::test]
async fn a_catalogs_fields_and_groups_one_by_one() {
    let server = FakeServer::start().await.unwrap();
    let catalogs = ok_json(&server, "/api/v4/catalogs").await;
    let catalog = items(&catalogs, "catalogs")[0]["id"].as_i64().unwrap();
    let base = format!("/api/v4/catalogs/{catalog}/custom_fields");
    let fields = ok_json(&server, &base).await;
    let first = items(&fields, "custom_fields")[0].clone();
    let one = ok_json(&server, &format!("{base}/{}", first["id"])).await;
    assert_eq!(one, first);
    assert_eq!(one["entity_type"], "catalogs");
    assert_eq!(status_of(&server, &format!("{base}/1")).await, 204);
    assert_eq!(
        status_of(
            &server,
            &format!("/api/v4/catalogs/1/custom_fields/{}", first["id"])
        )
        .await,
        204,
        "a field of another catalog"
    );

    let groups = ok_json(&server, &format!("{base}/groups")).await;
    let group = items(&groups, "custom_field_groups")[0].clone();
    assert_eq!(group["entity_type"], "catalogs");
    assert_eq!(group["fields"][0], first["id"]);
    let id = group["id"].as_str().unwrap();
    assert_eq!(
        group["_links"]["self"]["href"],
        format!("{}{base}/groups/{id}", server.base_url())
    );
    assert_eq!(
        ok_json(&server, &format!("{base}/groups/{id}")).await,
        group
    );
    assert_eq!(
        status_of(&server, &format!("{base}/groups/nothing")).await,
        404
    );
    assert_eq!(
        status_of(&server, "/api/v4/catalogs/1/custom_fields/groups").await,
        204,
        "no such catalog: no groups"
    );
    assert_eq!(
        status_of(&server, "/api/v4/catalogs/x/custom_fields/groups").await,
        400
    );
}
