//! Every fault kind of the fake amoCRM (`amocrm_fake::Fault`) against `amocrm::Client`:
//! the client recovers where its retry policy allows (GET and DELETE on 5xx, 429, a reset
//! or a truncated body; install only on 429; continue never) and otherwise reports the
//! fault as a typed error (`ErrorKind`), after exactly the requests the policy allows.
//! (`faults.rs` does the same against a loopback server writing exact bytes.)

use std::time::{Duration, Instant};

use amocrm::bots::{BotKind, ContinueRequest};
use amocrm::error::AuthError;
use amocrm::store::TokenStoreFn;
use amocrm::widgets::{Settings, Widget};
use amocrm::{AccountUrl, AppCredentials};
use amocrm::{Client, Error, ErrorKind, OAuth, RetryPolicy, TokenPair};
use amocrm_fake::{FakeServer, Fault, Operation};
use futures::StreamExt;

fn client(fake: &FakeServer, retry: RetryPolicy) -> Client {
    Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.token())
        .rate_limit(None)
        .timeout(Duration::from_secs(2))
        .retry(retry)
        .build()
        .expect("client")
}

/// `attempts` in all, 10 ms apart.
fn quick(attempts: u32) -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(attempts)
        .delays(Duration::from_millis(10), Duration::from_millis(10))
}

async fn fake_with(fault: Fault) -> FakeServer {
    FakeServer::builder()
        .widgets(20)
        .fault(fault)
        .start()
        .await
        .expect("fake")
}

/// Requests the fake received on `path`.
fn requests_to(fake: &FakeServer, path: &str) -> usize {
    fake.requests().iter().filter(|r| r.path == path).count()
}

fn asterisk_settings() -> Settings {
    Settings::new()
        .text("login", "example")
        .pass("password", "eXaMp1E")
        .users("phones", [(504141, "1039")])
        .text("script_path", "https://example.com/")
}

const DROPBOX: &str = "/api/v4/widgets/amo_dropbox";
const ASTERISK: &str = "/api/v4/widgets/amo_asterisk";

// ------------------------------------------------------------- error statuses

#[tokio::test]
async fn get_recovers_from_a_500_and_reports_it_typed_without_retries() {
    let fake = fake_with(Fault::status(500).operation(Operation::Get).once()).await;
    let widget = client(&fake, quick(3))
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap();
    assert_eq!(widget.id, 742);
    assert_eq!(requests_to(&fake, DROPBOX), 2);
    assert_eq!(fake.faults().report()[0].fired, 1);

    fake.faults()
        .add(Fault::status(500).operation(Operation::Get));
    let error = client(&fake, RetryPolicy::disabled())
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Api);
    let Error::Api { problem } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(problem.status, 500);
    assert_eq!(problem.title, "Internal Server Error");
    assert_eq!(requests_to(&fake, DROPBOX), 3);

    // Always 500: the policy's attempts, then the error.
    let error = client(&fake, quick(3))
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert_eq!(requests_to(&fake, DROPBOX), 6);
}

#[tokio::test]
async fn install_is_not_retried_on_a_500() {
    let fake = fake_with(Fault::status(500).operation(Operation::Install).once()).await;
    let client = client(&fake, quick(3));
    let error = client
        .widgets()
        .install("amo_asterisk", &asterisk_settings())
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Api);
    assert_eq!(error.status(), Some(500));
    assert_eq!(requests_to(&fake, ASTERISK), 1, "not retried");
    assert!(fake.installed_settings("amo_asterisk").is_none());
    // The fault fired once; the caller's own second try installs.
    client
        .widgets()
        .install("amo_asterisk", &asterisk_settings())
        .send()
        .await
        .unwrap();
    assert!(fake.installed_settings("amo_asterisk").is_some());
}

#[tokio::test]
async fn uninstall_recovers_from_a_502() {
    let fake = fake_with(Fault::status(502).operation(Operation::Uninstall).times(2)).await;
    client(&fake, quick(3))
        .widgets()
        .uninstall("amo_dropbox")
        .send()
        .await
        .unwrap();
    assert_eq!(requests_to(&fake, DROPBOX), 3);
}

#[tokio::test]
async fn continue_is_never_retried() {
    for (fault, kind) in [
        (Fault::status(500), ErrorKind::Api),
        (Fault::reset(), ErrorKind::Transport),
        // The route accepted the step; its 202 promises a body that never comes.
        (Fault::truncate(), ErrorKind::Transport),
    ] {
        let fake = fake_with(fault.clone().operation(Operation::Continue).once()).await;
        fake.add_pending_continuation(amocrm_fake::BotKind::Salesbot, 7, "c1");
        let error = client(&fake, quick(3))
            .bots()
            .continue_bot(BotKind::Salesbot, 7, "c1", &ContinueRequest::new())
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), kind, "{fault}: {error:?}");
        let path = "/api/v4/salesbot/7/continue/c1";
        assert_eq!(requests_to(&fake, path), 1, "{fault}: not retried");
    }
}

#[tokio::test]
async fn html_error_pages_keep_their_status_and_meaning() {
    let fake = fake_with(Fault::html(502).operation(Operation::Get).once()).await;
    let error = client(&fake, RetryPolicy::disabled())
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::UnexpectedStatus);
    let Error::UnexpectedStatus { status, body } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*status, 502);
    assert!(
        String::from_utf8_lossy(body.expose_raw()).contains("502 Bad Gateway"),
        "{body:?}"
    );

    // An HTML 404 is still a NotFound; an HTML 503 is retried.
    fake.faults()
        .add(Fault::html(404).operation(Operation::Get).once());
    let error = client(&fake, quick(3))
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    fake.faults()
        .add(Fault::html(503).operation(Operation::Get).once());
    client(&fake, quick(3))
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap();
}

// -------------------------------------------------------------------- 429

#[tokio::test]
async fn too_many_requests_waits_the_retry_after_of_the_header_or_the_body() {
    for spec in [
        "get=429:retry-after=1:once",
        "get=429:retry-after-body=1:once",
        "get=429:retry-after=1:html:once",
    ] {
        let fake = fake_with(spec.parse().unwrap()).await;
        let started = Instant::now();
        client(&fake, quick(3))
            .widgets()
            .get("amo_dropbox")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{spec}: {e:?}"));
        assert!(started.elapsed() >= Duration::from_secs(1), "{spec}");
        assert_eq!(requests_to(&fake, DROPBOX), 2, "{spec}");
    }
}

#[tokio::test]
async fn too_many_requests_is_typed_with_its_hint() {
    let fake = fake_with("get=429:retry-after=0:retry-after-body=0".parse().unwrap()).await;
    let error = client(&fake, RetryPolicy::disabled())
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    let Error::RateLimited {
        retry_after,
        problem,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(*retry_after, Some(Duration::ZERO));
    assert_eq!(problem.as_ref().map(|p| p.status), Some(429));

    // An HTML page without a header: no hint, no problem.
    fake.faults().clear();
    fake.faults().add(Fault::html(429));
    let error = client(&fake, RetryPolicy::disabled())
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::RateLimited {
                retry_after: None,
                problem: None
            }
        ),
        "{error:?}"
    );

    // A Retry-After longer than the policy waits ends the retries at once.
    fake.faults().clear();
    fake.faults().add(
        Fault::status(429)
            .retry_after(120)
            .operation(Operation::Get),
    );
    let before = requests_to(&fake, DROPBOX);
    let error = client(&fake, quick(3).max_retry_after(Duration::from_secs(1)))
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(120)),
        "{error:?}"
    );
    assert_eq!(requests_to(&fake, DROPBOX) - before, 1);
}

#[tokio::test]
async fn install_is_retried_on_a_429() {
    let fake = fake_with(
        Fault::status(429)
            .retry_after(0)
            .operation(Operation::Install)
            .once(),
    )
    .await;
    client(&fake, quick(3))
        .widgets()
        .install("amo_asterisk", &asterisk_settings())
        .send()
        .await
        .unwrap();
    assert_eq!(requests_to(&fake, ASTERISK), 2);
}

// ------------------------------------------------------------ 503 on the Nth

#[tokio::test]
async fn a_list_stream_survives_a_503_on_the_nth_request() {
    // The 2nd request answers 503: page 2's first attempt.
    let fake = fake_with("*=503@2".parse().unwrap()).await;
    let widgets: Vec<Widget> = client(&fake, quick(3))
        .widgets()
        .list()
        .limit(10)
        .stream()
        .map(|w| w.expect("every page recovers"))
        .collect()
        .await;
    assert_eq!(widgets.len(), fake.widget_count());
    let mut ids: Vec<i64> = widgets.iter().map(|w| w.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), widgets.len(), "no duplicates");
    let pages: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(pages.len(), 4, "{pages:?}: pages 1, 2, 2, 3");
    assert_eq!(pages[1], pages[2]);

    // Without retries the stream ends with the 503, naming the page.
    let fake = fake_with("*=503@2".parse().unwrap()).await;
    let items: Vec<amocrm::Result<Widget>> = client(&fake, RetryPolicy::disabled())
        .widgets()
        .list()
        .limit(10)
        .stream()
        .collect()
        .await;
    let error = items.last().unwrap().as_ref().unwrap_err();
    assert_eq!(error.page(), Some(2));
    assert_eq!(error.status(), Some(503));
    assert_eq!(items.len(), 11);
}

// ---------------------------------------------------------------- latency

#[tokio::test]
async fn latency_slows_calls_and_past_the_timeout_is_a_timeout() {
    let fake =
        fake_with(Fault::latency(Duration::from_millis(250)).operation(Operation::Get)).await;
    let started = Instant::now();
    client(&fake, RetryPolicy::disabled())
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(250));

    let impatient = Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.token())
        .rate_limit(None)
        .timeout(Duration::from_millis(100))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = impatient
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    let Error::Transport(source) = &error else {
        panic!("{error:?}")
    };
    assert!(source.is_timeout(), "{source:?}");

    // A slow first attempt only: a GET is retried after its timeout and succeeds.
    fake.faults().clear();
    fake.faults().add(
        Fault::latency(Duration::from_millis(500))
            .operation(Operation::Get)
            .once(),
    );
    let patient_retries = Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.token())
        .rate_limit(None)
        .timeout(Duration::from_millis(100))
        .retry(quick(2))
        .build()
        .unwrap();
    patient_retries
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn seeded_latency_ranges_stay_in_range() {
    let fake = fake_with("get=latency:20ms..60ms:seed=3".parse().unwrap()).await;
    let client = client(&fake, RetryPolicy::disabled());
    for _ in 0..5 {
        let started = Instant::now();
        client.widgets().get("amo_dropbox").send().await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(20));
    }
    assert_eq!(fake.faults().report()[0].fired, 5);
}

// ------------------------------------------------------ reset and truncation

#[tokio::test]
async fn get_recovers_from_a_reset_and_a_truncated_body() {
    for fault in [Fault::reset(), Fault::truncate()] {
        let fake = fake_with(fault.clone().operation(Operation::Get).once()).await;
        let widget = client(&fake, quick(3))
            .widgets()
            .get("amo_dropbox")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{fault}: {e:?}"));
        assert_eq!(widget.code, "amo_dropbox");
        assert_eq!(requests_to(&fake, DROPBOX), 2, "{fault}");

        fake.faults()
            .add(fault.clone().operation(Operation::Get).once());
        let error = client(&fake, RetryPolicy::disabled())
            .widgets()
            .get("amo_dropbox")
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Transport, "{fault}: {error:?}");
        assert!(
            std::error::Error::source(&error).is_some(),
            "{fault}: keeps its source"
        );
    }
}

#[tokio::test]
async fn install_is_not_retried_after_a_reset_or_a_truncated_body() {
    for fault in [Fault::reset(), Fault::truncate()] {
        let fake = fake_with(fault.clone().operation(Operation::Install).once()).await;
        let error = client(&fake, quick(3))
            .widgets()
            .install("amo_asterisk", &asterisk_settings())
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Transport, "{fault}: {error:?}");
        assert_eq!(requests_to(&fake, ASTERISK), 1, "{fault}: not retried");
    }
}

#[tokio::test]
async fn a_list_stream_survives_resets_and_truncated_pages() {
    let fake = FakeServer::builder()
        .widgets(40)
        .fault("list=reset@2".parse().unwrap())
        .fault("list=truncate@4".parse().unwrap())
        .start()
        .await
        .unwrap();
    let widgets: Vec<Widget> = client(&fake, quick(3))
        .widgets()
        .list()
        .limit(10)
        .stream()
        .map(|w| w.expect("every page recovers"))
        .collect()
        .await;
    assert_eq!(widgets.len(), fake.widget_count());
    let fired: Vec<u64> = fake.faults().report().iter().map(|r| r.fired).collect();
    assert_eq!(fired, [1, 1]);
}

// ------------------------------------------------------------ probability

#[tokio::test]
async fn seeded_random_failures_are_the_same_every_run_and_retried() {
    async fn run() -> (usize, u64) {
        let fake = fake_with(Fault::status(500).probability(0.3).seed(2026)).await;
        let client = client(&fake, quick(4));
        for _ in 0..12 {
            client.widgets().get("amo_dropbox").send().await.unwrap();
        }
        (fake.requests().len(), fake.faults().report()[0].fired)
    }
    let (requests, fired) = run().await;
    assert!(fired > 0, "p=0.3 over 12+ requests fires for this seed");
    assert_eq!(requests as u64, 12 + fired);
    assert_eq!(run().await, (requests, fired), "same seed, same run");
}

// ---------------------------------------------------------- token endpoint

#[tokio::test]
async fn token_endpoint_faults_are_auth_errors() {
    let fake = FakeServer::start().await.unwrap();
    let oauth = OAuth::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .app(AppCredentials::new(
            amocrm_fake::DEFAULT_CLIENT_ID,
            amocrm_fake::DEFAULT_CLIENT_SECRET,
            amocrm_fake::DEFAULT_REDIRECT_URI,
        ))
        .store(TokenStoreFn::new(|_: TokenPair| async {
            Ok::<(), std::io::Error>(())
        }))
        .build()
        .unwrap();
    for fault in [Fault::status(503), Fault::reset(), Fault::truncate()] {
        fake.faults().clear();
        fake.faults().add(fault.clone().operation(Operation::Token));
        let error = oauth
            .exchange_code(&fake.issue_authorization_code())
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Auth, "{fault}: {error:?}");
        let Error::Auth(auth) = &error else {
            panic!("{error:?}")
        };
        match auth {
            AuthError::Refused { status, .. } => assert_eq!(*status, 503, "{fault}"),
            AuthError::Transport(_) => assert_ne!(fault, Fault::status(503)),
            other => panic!("{fault}: {other:?}"),
        }
    }
    fake.faults().clear();
    oauth
        .exchange_code(&fake.issue_authorization_code())
        .await
        .unwrap();
}
