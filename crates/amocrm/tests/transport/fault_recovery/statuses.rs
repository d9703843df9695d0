//! Error statuses and 429s: what is retried (GET and DELETE on 5xx, any call on 429), what
//! never is (install on 5xx, continue), and the typed error when retries run out.

use super::*;

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
