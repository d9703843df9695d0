//! Lead pipelines: the whole list (not paged), one pipeline by ID, a missing one.

use amocrm::Error;
use amocrm::ErrorKind;
use amocrm::error::Invalid;
use amocrm::pipelines::{LOST_STATUS_ID, Pipeline, StatusType, WON_STATUS_ID};
use amocrm_fake::{FakeServer, Fault};
use futures::TryStreamExt;

use super::{api_requests, client, client_with_bad_token};

#[tokio::test]
async fn the_list_is_one_answer_with_every_pipeline_and_its_statuses() {
    let fake = FakeServer::builder().pipelines(3).start().await.unwrap();
    let client = client(&fake, fake.token());
    let page = client.pipelines().list().send().await.unwrap();
    assert_eq!(page.page, 1);
    assert!(page.failed.is_empty());
    let names: Vec<&str> = page.items.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Воронка", "Воронка 2", "Воронка 3"]);
    let main = &page.items[0];
    assert_eq!(main.is_main, Some(true));
    let statuses = main.embedded.clone().unwrap().0.unwrap().statuses.unwrap();
    let ids: Vec<i64> = statuses.iter().map(|s| s.id).collect();
    assert_eq!(ids.len(), 6);
    assert_eq!(ids[4..], [WON_STATUS_ID, LOST_STATUS_ID]);
    assert_eq!(statuses[0].type_, Some(StatusType::Unsorted));
    assert_eq!(statuses[1].type_, Some(StatusType::Normal));
    assert!(statuses.iter().all(|s| s.pipeline_id == Some(main.id)));

    // The stream is the same list, from one request: no page or limit is sent.
    let before = api_requests(&fake);
    let streamed: Vec<Pipeline> = client
        .pipelines()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, page.items);
    assert_eq!(api_requests(&fake), before + 1);
    let sent = fake.requests().pop().unwrap();
    assert_eq!(sent.path_and_query, "/api/v4/leads/pipelines");

    let error = client_with_bad_token(&fake)
        .pipelines()
        .list()
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unauthorized, "{error:?}");
}

#[tokio::test]
async fn one_pipeline_by_id_and_a_missing_one_is_not_found() {
    let fake = FakeServer::builder().pipelines(2).start().await.unwrap();
    let client = client(&fake, fake.token());
    let listed = client.pipelines().list().send().await.unwrap().items;
    let second = u64::try_from(listed[1].id).unwrap();
    let pipeline = client.pipelines().get(second).send().await.unwrap();
    assert_eq!(pipeline, listed[1]);
    assert_eq!(
        fake.requests().pop().unwrap().path,
        format!("/api/v4/leads/pipelines/{second}")
    );

    // amoCRM's 204 for an ID the account does not have.
    let missing = client
        .pipelines()
        .get(second + 100)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&missing, Error::NotFound(p) if p.status == 204),
        "{missing:?}"
    );
    assert_eq!(missing.kind(), ErrorKind::NotFound);

    // The 404 some clients see there means the same.
    fake.faults().add(
        Fault::status(404)
            .route("GET", "/api/v4/leads/pipelines/{id}")
            .once(),
    );
    let missing = client.pipelines().get(second).send().await.unwrap_err();
    assert!(
        matches!(&missing, Error::NotFound(p) if p.status == 404),
        "{missing:?}"
    );

    // IDs amoCRM cannot have are refused before anything is sent.
    let before = api_requests(&fake);
    for id in [0, u64::MAX] {
        let error = client.pipelines().get(id).send().await.unwrap_err();
        assert!(
            matches!(
                &error,
                Error::Invalid(Invalid::Identifier {
                    what: "pipeline",
                    ..
                })
            ),
            "{error:?}"
        );
    }
    assert_eq!(api_requests(&fake), before);
}
