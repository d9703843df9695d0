//! A DELETE whose first answer was lost after amoCRM carried it out: the retry finds the
//! thing gone (404), and that is the delete done, not an error. A 404 to a retry whose
//! first attempt never reached amoCRM (a 429), or to a first attempt, stays `NotFound`.

use amocrm::custom_fields::{CustomFieldType, NewCustomField};
use amocrm::pipelines::{NewPipeline, NewStatus};
use amocrm::query::EntityKind;
use amocrm::{Client, Error};
use amocrm_fake::{CrmSize, FakeServer, Fault};

async fn start(fault: Fault) -> (FakeServer, Client) {
    let fake = FakeServer::builder()
        .crm(CrmSize::default())
        .fault(fault)
        .start()
        .await
        .expect("fake");
    let client = amocrm_test_support::fake::client(&fake);
    (fake, client)
}

/// DELETEs the fake received.
fn deletes(fake: &FakeServer) -> usize {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "DELETE")
        .count()
}

async fn new_pipeline(client: &Client) -> u64 {
    let added = client
        .pipelines()
        .add([NewPipeline::new("Gone", 30, false, false).status(NewStatus::new("New", 10))])
        .await
        .expect("added");
    added[0].id as u64
}

#[tokio::test]
async fn a_pipeline_delete_whose_answer_was_cut_is_done_when_the_retry_finds_it_gone() {
    let cut = Fault::cut()
        .route("DELETE", "/api/v4/leads/pipelines/{id}")
        .nth(1);
    let (fake, client) = start(cut).await;
    let id = new_pipeline(&client).await;
    client.pipelines().delete(id).await.expect("deleted");
    assert_eq!(deletes(&fake), 2, "the first attempt, cut, then the retry");
    assert!(matches!(
        client.pipelines().get(id).send().await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn a_status_and_a_field_delete_whose_answers_were_cut_are_done_too() {
    let cut = Fault::cut().route("DELETE", "/api/v4/leads/pipelines/{p}/statuses/{id}");
    let (fake, client) = start(cut.nth(1)).await;
    let pipeline = new_pipeline(&client).await;
    let statuses = client.pipelines().statuses(pipeline);
    let added = statuses
        .add([NewStatus::new("Extra", 20)])
        .await
        .expect("added");
    statuses.delete(added[0].id as u64).await.expect("deleted");
    assert_eq!(deletes(&fake), 2);

    let cut = Fault::cut().route("DELETE", "/api/v4/leads/custom_fields/{id}");
    let (fake, client) = start(cut.nth(1)).await;
    let fields = client.custom_fields(EntityKind::Leads);
    let made = fields
        .add([NewCustomField::new("Temp", CustomFieldType::Text)])
        .await
        .expect("added");
    fields.delete(made[0].id).await.expect("deleted");
    assert_eq!(deletes(&fake), 2);
    assert!(matches!(
        fields.get(made[0].id).send().await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn a_404_stays_not_found_when_no_earlier_attempt_reached_amocrm() {
    // The first attempt answered 429: it was not carried out, so the 404 of the retry is
    // the ID's own.
    let busy = Fault::status(429)
        .route("DELETE", "/api/v4/leads/pipelines/{id}")
        .nth(1);
    let (fake, client) = start(busy).await;
    let missing = 999_999_999u64;
    assert!(matches!(
        client.pipelines().delete(missing).await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(deletes(&fake), 2, "retried after the 429");
    // A first attempt's 404 is not retried and stays NotFound.
    assert!(matches!(
        client
            .custom_fields(EntityKind::Leads)
            .delete(missing as i64)
            .await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(deletes(&fake), 3);
}

#[tokio::test]
async fn a_refresh_between_the_attempts_keeps_what_the_cut_one_may_have_done() {
    // Attempt 1 deleted the pipeline but its answer was cut; attempt 2 was refused 401
    // (the token expired meanwhile); after the refresh, attempt 3 finds it gone.
    let route = || Fault::cut().route("DELETE", "/api/v4/leads/pipelines/{id}");
    let fake = FakeServer::builder()
        .crm(CrmSize::default())
        .fault(route().nth(1))
        .fault(
            Fault::status(401)
                .route("DELETE", "/api/v4/leads/pipelines/{id}")
                .nth(2),
        )
        .start()
        .await
        .expect("fake");
    let store: std::sync::Arc<dyn amocrm::store::TokenStore> =
        std::sync::Arc::new(amocrm::store::MemoryTokenStore::new());
    amocrm_test_support::fleet::seed(&fake, store.clone()).await;
    let oauth = amocrm_test_support::fleet::oauth(&fake.base_url(), store);
    // Retried as by default, unpaced.
    let client = oauth
        .client_builder()
        .rate_limit(None)
        .build()
        .expect("client");
    let id = new_pipeline(&client).await;
    let refreshes = fake.oauth_stats().refresh_token_grants;
    client
        .pipelines()
        .delete(id)
        .await
        .expect("deleted, though the last answer was a 404");
    assert_eq!(deletes(&fake), 3, "cut, refused 401, then the 404");
    assert_eq!(
        fake.oauth_stats().refresh_token_grants,
        refreshes + 1,
        "the 401 was answered by a refresh"
    );
}
