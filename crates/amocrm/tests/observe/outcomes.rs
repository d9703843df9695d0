//! What a call's span and metrics say happened, and only that: no query text in any log
//! field; a cancelled call counted; a call refused before sending has no status and no
//! request; a refused refresh records the API's 401, not the token endpoint's answer; a
//! block's 403 is on its attempt; a page refused for its undecodable entries counts them.

use std::sync::Arc;
use std::time::Duration;

use amocrm::observe::{ATTEMPT_SPAN, REQUEST_SPAN, metrics as m};
use amocrm::pace::{MemoryPacer, Pacer};
use amocrm::store::{MemoryTokenStore, TokenStore};
use amocrm::write::NewLead;
use amocrm::{AccountUrl, AppCredentials, Client, ErrorKind, OAuth, RetryPolicy};
use amocrm_fake::{CrmSize, DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI, FakeServer, Fault, Operation};
use amocrm_test_support::fake::client_builder;
use amocrm_test_support::fleet;
use amocrm_test_support::loopback::{self, Server, client};
use futures::StreamExt;

use crate::capture::Observed;

fn retries() -> RetryPolicy {
    RetryPolicy::new().delays(Duration::from_millis(1), Duration::from_millis(5))
}

#[tokio::test]
async fn a_query_never_reaches_a_log_field() {
    let observed = Observed::start();
    let fake = FakeServer::builder()
        .fault(Fault::reset())
        .start()
        .await
        .unwrap();
    let client = client_builder(&fake).retry(retries()).build().unwrap();
    let error = client
        .contacts()
        .list()
        .query("PROBE-42")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error:?}");
    let call = &observed.capture.spans(REQUEST_SPAN)[0];
    assert_eq!(call.field("error.type"), Some("Transport"));
    observed.assert_no_secret(&["PROBE-42"]);
}

#[tokio::test]
async fn a_cancelled_call_is_counted_once() {
    let observed = Observed::start();
    let fake = FakeServer::builder()
        .fault(Fault::latency(Duration::from_secs(1)).operation(Operation::Account))
        .start()
        .await
        .unwrap();
    let client = client_builder(&fake).build().unwrap();
    let late = tokio::time::timeout(Duration::from_millis(10), client.account().get().send()).await;
    assert!(late.is_err());
    let call = &observed.capture.spans(REQUEST_SPAN)[0];
    assert_eq!(call.field("error.type"), Some("Cancelled"));
    assert_eq!(call.field("http.response.status_code"), None);
    assert_eq!(call.field("amocrm.attempts"), Some("1"));
    assert_eq!(
        observed.counter(
            m::REQUESTS_TOTAL,
            &[("operation", "get_account"), ("status_class", "none")]
        ),
        1.0
    );
    assert_eq!(observed.samples(m::REQUEST_DURATION_SECONDS).len(), 1);
}

fn blocking_client(fake: &FakeServer) -> Client {
    let pacer: Arc<dyn Pacer> = Arc::new(MemoryPacer::default());
    Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.token())
        .retry(RetryPolicy::disabled())
        .pacer(pacer)
        .block_pause(Duration::from_secs(60))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_block_is_its_403_then_calls_refused_before_sending() {
    let observed = Observed::start();
    let fake = FakeServer::start().await.unwrap();
    let client = blocking_client(&fake);
    fake.default_account().block(0);
    let blocked = client.account().get().send().await.unwrap_err();
    assert_eq!(blocked.kind(), ErrorKind::AccountBlocked, "{blocked:?}");
    let refused = client.account().get().send().await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::AccountBlocked, "{refused:?}");

    let calls = observed.capture.spans(REQUEST_SPAN);
    // The block's answer happened: on the call and on its attempt.
    assert_eq!(calls[0].field("http.response.status_code"), Some("403"));
    assert_eq!(calls[0].field("amocrm.attempts"), Some("1"));
    let attempts = observed.capture.spans(ATTEMPT_SPAN);
    assert_eq!(attempts[0].field("http.response.status_code"), Some("403"));
    // Refused before sending: no status, no request.
    assert_eq!(calls[1].field("error.type"), Some("AccountBlocked"));
    assert_eq!(calls[1].field("http.response.status_code"), None);
    assert_eq!(calls[1].field("amocrm.attempts"), Some("0"));
    for class in ["4xx", "none"] {
        assert_eq!(
            observed.counter(
                m::REQUESTS_TOTAL,
                &[("operation", "get_account"), ("status_class", class)]
            ),
            1.0,
            "{class}"
        );
    }
}

#[tokio::test]
async fn a_401_whose_refresh_is_refused_records_the_401() {
    let observed = Observed::start();
    let fake = FakeServer::start().await.unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    fleet::seed(&fake, store.clone()).await;
    // A holder whose client secret the token endpoint does not take, with a token the
    // server forgets before it expires.
    let oauth = OAuth::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .app(AppCredentials::new(
            DEFAULT_CLIENT_ID,
            "client-SECRET-wrong",
            DEFAULT_REDIRECT_URI,
        ))
        .shared_store(store.clone())
        .build()
        .unwrap();
    let client = fleet::client(&oauth);
    fake.expire_access_tokens();
    let error = client.account().get().send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Auth, "{error:?}");
    let call = observed.capture.spans(REQUEST_SPAN).pop().unwrap();
    assert_eq!(call.field("error.type"), Some("Auth"));
    assert_eq!(call.field("http.response.status_code"), Some("401"));
    assert_eq!(call.field("amocrm.attempts"), Some("1"));
    assert_eq!(
        observed.counter(
            m::REQUESTS_TOTAL,
            &[("operation", "get_account"), ("status_class", "4xx")]
        ),
        1.0
    );
}

#[tokio::test]
async fn an_add_cut_off_is_logged_without_its_url() {
    let observed = Observed::start();
    let fake = FakeServer::builder()
        .crm(CrmSize::default())
        .fault(Fault::cut())
        .start()
        .await
        .unwrap();
    let client = client_builder(&fake)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let leads = (0..2).map(|i| NewLead::default().name(format!("lead {i}")));
    let results: Vec<_> = client.leads().add(leads).stream().collect().await;
    assert!(results.iter().all(Result::is_err));
    // reqwest's own text names the URL as "for url (…)"; no log field may.
    observed.assert_no_secret(&["for url", "/api/v4/leads?", fake.token()]);
}

#[tokio::test]
async fn a_page_refused_for_its_undecodable_entries_counts_them() {
    let observed = Observed::start();
    // 251 entries that do not decode: one more than a page may hold before it is refused.
    let entries = vec![r#"{"code":7}"#; 251].join(",");
    let page = format!(r#"{{"_page":1,"_links":{{}},"_embedded":{{"widgets":[{entries}]}}}}"#);
    let server = Server::start(move |_, _| loopback::json(&page)).await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    let results: Vec<_> = client.widgets().list().stream().collect().await;
    let error = results.last().unwrap().as_ref().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Protocol, "{error:?}");
    assert_eq!(
        observed.counter(m::UNDECODABLE_ENTRIES_TOTAL, &[("entity", "widget")]),
        251.0
    );
}
