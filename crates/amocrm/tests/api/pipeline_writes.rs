//! Pipelines and statuses added, changed and deleted against the fake: what is sent,
//! what amoCRM's limits refuse before sending, and what the read side shows afterwards.

use amocrm::error::Invalid;
use amocrm::pipelines::{DescriptionLevel, NewPipeline, NewStatus, PipelinePatch, StatusPatch};
use amocrm::{AccountUrl, Client, Error};
use amocrm_fake::{CrmSize, FakeServer};
use serde_json::{Value, json};

async fn fake() -> (FakeServer, Client) {
    let fake = FakeServer::builder()
        .crm(CrmSize::default())
        .start()
        .await
        .expect("fake");
    let client = amocrm_test_support::fake::client(&fake);
    (fake, client)
}

fn bodies(fake: &FakeServer, method: &str) -> Vec<(String, Value)> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == method && r.path.starts_with("/api/v4/leads/pipelines"))
        .map(|r| {
            (
                r.path.clone(),
                serde_json::from_slice(&r.body).unwrap_or(Value::Null),
            )
        })
        .collect()
}

fn definition(error: Error) -> String {
    match error {
        Error::Invalid(Invalid::Definition { what, .. }) => what,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_pipeline_added_with_its_stages_is_listed_then_changed_and_deleted() {
    let (fake, client) = fake().await;
    let added = client
        .pipelines()
        .add([NewPipeline::new("Sales", 20, false, true)
            .status(NewStatus::new("New", 10).color("#FFFEB2"))
            .status(NewStatus::new("Offer", 20).description(DescriptionLevel::Newbie, "Send it"))
            .rename_won("Paid")])
        .await
        .expect("added");
    assert_eq!(added.len(), 1);
    let id = added[0].id;
    assert_eq!(added[0].request_id.as_deref(), Some("0"));
    let sent = bodies(&fake, "POST");
    assert_eq!(
        sent[0].1,
        json!([{"name": "Sales", "sort": 20, "is_main": false, "is_unsorted_on": true, "request_id": "0",
                "_embedded": {"statuses": [
                    {"name": "New", "sort": 10, "color": "#fffeb2"},
                    {"name": "Offer", "sort": 20, "descriptions": [{"level": "newbie", "description": "Send it"}]},
                    {"id": 142, "name": "Paid"}]}}])
    );
    // The read side shows it, with the system stages amoCRM adds.
    let listed = client
        .pipelines()
        .get(id as u64)
        .send()
        .await
        .expect("listed");
    let names: Vec<String> = statuses_of(listed).into_iter().map(|s| s.name).collect();
    assert_eq!(
        names,
        [
            "Неразобранное",
            "New",
            "Offer",
            "Paid",
            "Закрыто и не реализовано"
        ]
    );

    let changed = client
        .pipelines()
        .update(id as u64, PipelinePatch::default().name("Sales 2"))
        .await
        .expect("changed");
    assert_eq!((changed.id, changed.name.as_str()), (id, "Sales 2"));
    assert_eq!(bodies(&fake, "PATCH")[0].1, json!({"name": "Sales 2"}));

    client.pipelines().delete(id as u64).await.expect("deleted");
    assert!(matches!(
        client.pipelines().get(id as u64).send().await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn statuses_are_added_changed_and_deleted_but_never_the_closing_ones() {
    let (fake, client) = fake().await;
    let pipeline = client.pipelines().list().send().await.expect("list").items[0].id as u64;
    let statuses = client.pipelines().statuses(pipeline);
    let added = statuses
        .add([
            NewStatus::new("Qualified", 25).color("#d6eaff"),
            NewStatus::new("Won back", 26),
        ])
        .await
        .expect("added");
    let ids: Vec<i64> = added.iter().map(|s| s.id).collect();
    assert_eq!(
        added
            .iter()
            .map(|s| s.request_id.clone())
            .collect::<Vec<_>>(),
        [Some("0".into()), Some("1".into())]
    );
    let changed = statuses
        .update(
            ids[0] as u64,
            StatusPatch::default().name("Hot").color("#ff8f92"),
        )
        .await
        .expect("changed");
    assert_eq!(
        (changed.name.as_str(), changed.color.as_deref()),
        ("Hot", Some("#ff8f92"))
    );
    assert_eq!(
        bodies(&fake, "PATCH")[0].1,
        json!({"name": "Hot", "color": "#ff8f92"})
    );
    statuses.delete(ids[1] as u64).await.expect("deleted");
    let listed = client
        .pipelines()
        .get(pipeline)
        .send()
        .await
        .expect("pipeline");
    let now: Vec<i64> = statuses_of(listed).into_iter().map(|s| s.id).collect();
    assert!(now.contains(&ids[0]) && !now.contains(&ids[1]), "{now:?}");

    let before = fake.requests().len();
    for closing in [142, 143] {
        assert_eq!(
            definition(
                statuses
                    .update(closing, StatusPatch::default().name("x"))
                    .await
                    .expect_err("refused")
            ),
            format!("status {closing}")
        );
        assert_eq!(
            definition(statuses.delete(closing).await.expect_err("refused")),
            format!("status {closing}")
        );
    }
    // The "Unsorted" stage is refused by amoCRM (its ID is the pipeline's own).
    let unsorted = listed_unsorted(&client, pipeline).await;
    match statuses.delete(unsorted).await {
        Err(Error::Api { problem }) => assert_eq!(problem.status, 422),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        fake.requests().len(),
        before + 2,
        "only the list and the unsorted delete were sent"
    );
}

async fn listed_unsorted(client: &Client, pipeline: u64) -> u64 {
    let p = client
        .pipelines()
        .get(pipeline)
        .send()
        .await
        .expect("pipeline");
    let statuses = statuses_of(p);
    statuses
        .into_iter()
        .find(|s| s.type_ == Some(amocrm::pipelines::StatusType::Unsorted))
        .expect("unsorted")
        .id as u64
}

#[tokio::test]
async fn what_amocrm_documents_as_invalid_is_never_sent() {
    let (fake, client) = fake().await;
    let pipelines = client.pipelines();
    let too_many = (0..51).map(|i| NewPipeline::new(format!("P{i}"), i, false, true));
    assert_eq!(
        definition(pipelines.add(too_many).await.expect_err("refused")),
        "pipelines"
    );
    assert_eq!(
        definition(pipelines.add([]).await.expect_err("refused")),
        "pipelines"
    );
    let bad_colour =
        NewPipeline::new("S", 1, false, true).status(NewStatus::new("x", 1).color("#c1c1c1"));
    assert_eq!(
        definition(pipelines.add([bad_colour]).await.expect_err("refused")),
        "0._embedded.statuses.0.color"
    );
    assert_eq!(
        definition(
            pipelines
                .update(7, PipelinePatch::default())
                .await
                .expect_err("refused")
        ),
        "pipeline"
    );
    assert!(matches!(
        pipelines.delete(0).await,
        Err(Error::Invalid(Invalid::Field { .. }))
    ));
    let statuses = pipelines.statuses(7);
    let many = (0..98).map(|i| NewStatus::new(format!("s{i}"), i));
    assert_eq!(
        definition(statuses.add(many).await.expect_err("refused")),
        "statuses"
    );
    assert!(matches!(
        pipelines.statuses(0).delete(5).await,
        Err(Error::Invalid(Invalid::Field { .. }))
    ));
    assert_eq!(fake.requests().len(), 0);
}

#[tokio::test]
async fn the_fake_refuses_like_amocrm() {
    let (fake, client) = fake().await;
    let main = client.pipelines().list().send().await.expect("list").items[0].id as u64;
    // The last pipeline cannot be deleted.
    match client.pipelines().delete(main).await {
        Err(Error::Api { problem }) => assert_eq!(problem.status, 422),
        other => panic!("{other:?}"),
    }
    // A body the client would not send, sent raw: refused per request_id.
    let raw = json!([
        {"name": "A", "sort": 1, "is_main": false, "is_unsorted_on": true},
        {"name": "B", "sort": "x", "is_main": false, "colour": 1},
    ]);
    let answer = reqwest::Client::new()
        .post(format!("{}/api/v4/leads/pipelines", fake.base_url()))
        .bearer_auth(fake.token())
        .json(&raw)
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status(), 400);
    let text = answer.text().await.expect("body");
    for part in [
        "\"request_id\":\"1\"",
        "FieldMissing",
        "is_unsorted_on",
        "InvalidType",
        "FieldNotExpected",
        "colour",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    assert!(!text.contains("\"request_id\":\"0\""), "{text}");
    // Nothing of the refused request was written.
    assert_eq!(
        client
            .pipelines()
            .list()
            .send()
            .await
            .expect("list")
            .items
            .len(),
        1
    );
    // A user who is not an administrator: 403.
    let user = Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.user_token())
        .rate_limit(None)
        .build()
        .expect("client");
    match user
        .pipelines()
        .update(main, PipelinePatch::default().sort(3))
        .await
    {
        Err(Error::Forbidden(problem)) => assert_eq!(problem.status, 403),
        other => panic!("{other:?}"),
    }
}

fn statuses_of(pipeline: amocrm::pipelines::Pipeline) -> Vec<amocrm::pipelines::Status> {
    pipeline
        .embedded
        .and_then(|e| e.into_option())
        .and_then(|e| e.statuses)
        .unwrap_or_default()
}
