//! Leads: the list's shape and pages, one lead, `with`, the trash, the 204s, the page
//! checks, and each account's own leads.

use amocrm_fake::{AccountSpec, CrmSize, FakeServer};

use crate::support::*;

#[tokio::test]
async fn a_page_of_leads_with_links_and_every_field() {
    let server = FakeServer::builder()
        .crm(CrmSize::default().leads(120))
        .start()
        .await
        .unwrap();
    let base = server.base_url();
    let page = ok_json(&server, "/api/v4/leads?limit=50&page=2").await;
    assert_eq!(page["_page"], 2);
    assert!(page.get("_total_items").is_none(), "leads give no total");
    let links = &page["_links"];
    assert_eq!(
        links["self"]["href"],
        format!("{base}/api/v4/leads?limit=50&page=2")
    );
    assert_eq!(
        links["next"]["href"],
        format!("{base}/api/v4/leads?limit=50&page=3")
    );
    assert_eq!(
        links["prev"]["href"],
        format!("{base}/api/v4/leads?limit=50&page=1")
    );
    let leads = items(&page, "leads");
    assert_eq!(leads.len(), 50);
    let lead = &leads[0];
    for key in [
        "id",
        "name",
        "price",
        "responsible_user_id",
        "group_id",
        "status_id",
        "pipeline_id",
        "created_by",
        "updated_by",
        "created_at",
        "updated_at",
        "is_deleted",
        "custom_fields_values",
        "account_id",
        "_links",
        "_embedded",
    ] {
        assert!(lead.get(key).is_some(), "{key} in {lead}");
    }
    assert!(lead["_embedded"]["tags"].is_array() && lead["_embedded"]["companies"].is_array());
    assert!(
        lead["_embedded"].get("contacts").is_none(),
        "contacts only with with=contacts"
    );
    assert_eq!(
        lead["_links"]["self"]["href"],
        format!("{base}/api/v4/leads/{}", lead["id"])
    );
    assert_eq!(
        lead["custom_fields_values"].as_array().map(Vec::len),
        Some(10)
    );
    // The last page has no next; past it, 204 without a body.
    let last = ok_json(&server, "/api/v4/leads?limit=50&page=3").await;
    assert!(last["_links"].get("next").is_none());
    assert_eq!(
        items(&last, "leads").len(),
        118 - 100,
        "two of 120 are in the trash"
    );
    assert_eq!(
        status_of(&server, "/api/v4/leads?limit=50&page=4").await,
        204
    );
    // Ids ascending by default, no repeats across pages.
    let all: Vec<i64> = [ids(
        &ok_json(&server, "/api/v4/leads?limit=250").await,
        "leads",
    )]
    .concat();
    assert_eq!(all.len(), 118);
    assert!(all.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test]
async fn one_lead_with_its_parts_and_the_204s() {
    let server = FakeServer::start().await.unwrap();
    let page = ok_json(&server, "/api/v4/leads?limit=250&with=contacts,loss_reason,catalog_elements,source,source_id,is_price_modified_by_robot").await;
    let leads = items(&page, "leads");
    let with_contacts = leads
        .iter()
        .find(|l| {
            l["_embedded"]["contacts"]
                .as_array()
                .is_some_and(|c| !c.is_empty())
        })
        .expect("a lead with contacts");
    let contacts = with_contacts["_embedded"]["contacts"].as_array().unwrap();
    assert_eq!(contacts[0]["is_main"], true);
    assert!(contacts.iter().skip(1).all(|c| c["is_main"] == false));
    assert!(
        leads
            .iter()
            .all(|l| l.get("source_id").is_some() && l["is_price_modified_by_robot"].is_boolean())
    );
    let lost = leads
        .iter()
        .find(|l| l["loss_reason_id"].is_i64())
        .expect("a lost lead with a reason");
    assert_eq!(
        lost["_embedded"]["loss_reason"]["id"],
        lost["loss_reason_id"]
    );
    assert!(lost["_embedded"]["loss_reason"]["name"].is_string());
    let sourced = leads
        .iter()
        .find(|l| l["source_id"].is_i64())
        .expect("a lead with a source");
    assert_eq!(sourced["_embedded"]["source"]["id"], sourced["source_id"]);
    let with_element = leads
        .iter()
        .find(|l| {
            l["_embedded"]["catalog_elements"]
                .as_array()
                .is_some_and(|c| !c.is_empty())
        })
        .expect("a lead with an element");
    let element = &with_element["_embedded"]["catalog_elements"][0];
    assert!(
        element["metadata"]["catalog_id"].is_i64() && element["metadata"]["quantity"].is_number()
    );
    let id = with_contacts["id"].as_i64().unwrap();
    let one = ok_json(&server, &format!("/api/v4/leads/{id}?with=contacts")).await;
    assert_eq!(one["id"], id);
    assert_eq!(
        one["_embedded"]["contacts"],
        with_contacts["_embedded"]["contacts"]
    );
    assert_eq!(status_of(&server, "/api/v4/leads/1").await, 204);
    assert_eq!(status_of(&server, "/api/v4/leads/0").await, 404);
    assert_eq!(status_of(&server, "/api/v4/leads/abc").await, 404);
    assert_eq!(
        status_of(&server, "/api/v4/leads?query=no-such-text-anywhere").await,
        204
    );
    assert_eq!(status_of(&server, "/api/v4/leads?filter[id]=1").await, 204);
}

#[tokio::test]
async fn the_trash_is_a_mode_with_most_fields_null() {
    let server = FakeServer::builder()
        .crm(CrmSize::default().leads(200))
        .start()
        .await
        .unwrap();
    let trash = ok_json(&server, "/api/v4/leads?with=only_deleted").await;
    let leads = items(&trash, "leads");
    assert_eq!(leads.len(), 4);
    for lead in leads {
        assert_eq!(lead["is_deleted"], true);
        for key in [
            "name",
            "price",
            "status_id",
            "pipeline_id",
            "created_by",
            "created_at",
            "custom_fields_values",
        ] {
            assert!(lead[key].is_null(), "{key}: {lead}");
        }
        assert!(lead["updated_at"].is_i64() && lead["updated_by"].is_i64());
        assert_eq!(
            status_of(&server, &format!("/api/v4/leads/{}", lead["id"])).await,
            204
        );
    }
    let live = ids(&ok_json(&server, "/api/v4/leads?limit=250").await, "leads");
    assert!(
        leads
            .iter()
            .all(|l| !live.contains(&l["id"].as_i64().unwrap()))
    );
}

#[tokio::test]
async fn page_and_limit_are_checked_together_with_the_filters() {
    let server = FakeServer::start().await.unwrap();
    for (query, paths) in [
        ("limit=251", vec!["limit"]),
        ("limit=0", vec!["limit"]),
        ("page=0", vec!["page"]),
        ("page=x&filter[id][]=y", vec!["page", "filter[id]"]),
        ("order[updated_at]=up", vec!["order[updated_at]"]),
        ("filter=1", vec!["filter"]),
        (
            "filter[updated_at][from]=x",
            vec!["filter[updated_at][from]"],
        ),
        (
            "filter[statuses][0][pipeline_id]=1",
            vec!["filter[statuses][0][status_id]"],
        ),
        (
            "filter[custom_fields_values][1][]=x",
            vec!["filter[custom_fields_values][1]"],
        ),
    ] {
        let resp = get(&server, &format!("/api/v4/leads?{query}")).await;
        assert_eq!(expect_validation(resp).await, paths, "{query}");
    }
    // Unknown filters and orders are ignored, as amoCRM ignores them.
    assert_eq!(
        status_of(
            &server,
            "/api/v4/leads?filter[colour]=red&order[colour]=asc"
        )
        .await,
        200
    );
    assert_eq!(status_of(&server, "/api/v4/leads?limit=250").await, 200);
}

#[tokio::test]
async fn each_account_has_its_own_leads() {
    let server = FakeServer::builder()
        .account(AccountSpec::new("acc1").crm(CrmSize::default().leads(7)))
        .start()
        .await
        .unwrap();
    let acc1 = server.account("acc1").unwrap();
    let (status, page) = fetch(acc1.url(), "/api/v4/leads", acc1.token()).await;
    assert_eq!(status, 200);
    let theirs = ids(&page, "leads");
    assert_eq!(theirs.len(), 7);
    let ours = ids(&ok_json(&server, "/api/v4/leads?limit=250").await, "leads");
    assert_eq!(ours.len(), 49);
    assert!(theirs.iter().all(|id| !ours.contains(id)));
    assert_eq!(
        status_of(&server, &format!("/api/v4/leads/{}", theirs[0])).await,
        204
    );
    assert_eq!(
        fetch(acc1.url(), "/api/v4/leads", server.token()).await.0,
        401
    );
    let account_id = page["_embedded"]["leads"][0]["account_id"].clone();
    assert_ne!(
        account_id,
        ok_json(&server, "/api/v4/leads").await["_embedded"]["leads"][0]["account_id"]
    );
}
