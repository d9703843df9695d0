//! Faults of the connection: latency and timeouts, resets and truncated bodies, seeded
//! random failures, and the token endpoint's faults as auth errors.

use super::*;

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
