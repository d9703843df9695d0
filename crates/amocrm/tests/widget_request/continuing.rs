//! Continuing the bot from a verified request, against the fake: only through a client of
//! the token's account.

use super::*;

#[tokio::test]
async fn continue_from_a_verified_request_end_to_end() {
    let fake = FakeServer::start().await.unwrap();
    let client = fake_client(&fake);
    let verifier = verifier().allow_loopback_return_url(true);
    fake.add_pending_continuation(amocrm_fake::BotKind::Salesbot, 42, "a1b2c3");
    fake.add_pending_continuation(amocrm_fake::BotKind::Marketingbot, 7, "m-7");

    // What amoCRM would POST to the widget, with the fake as the account.
    let body = json!({
        "token": sign(&claims()),
        "data": {"phone": "+79990000000"},
        "return_url": format!("{}/api/v4/salesbot/42/continue/a1b2c3", fake.base_url()),
    });
    let widget_request = WidgetRequest::from_slice(body.to_string().as_bytes()).unwrap();
    let verified = widget_request.verify(&verifier).unwrap();
    let reply = ContinueRequest::new()
        .data("status", "success")
        .handler(Handler::show_text("Готово"));
    verified.continue_bot(&client, &reply).send().await.unwrap();

    let marketing = with(claims(), "bot_type", json!("marketingbot"));
    let verified = verifier
        .verify(&request(
            &sign(&marketing),
            &format!("{}/api/v4/marketingbot/7/continue/m-7", fake.base_url()),
        ))
        .unwrap();
    verified
        .continue_bot(&client, &ContinueRequest::new())
        .send()
        .await
        .unwrap();

    let received = fake.continuations();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].bot, amocrm_fake::BotKind::Salesbot);
    assert_eq!(received[0].bot_id, 42);
    assert_eq!(received[0].continue_id, "a1b2c3");
    assert_eq!(received[0].body["data"]["status"], "success");
    assert_eq!(
        received[0].body["execute_handlers"][0]["params"]["value"],
        "Готово"
    );
    assert_eq!(received[1].bot, amocrm_fake::BotKind::Marketingbot);
    assert_eq!(received[1].continue_id, "m-7");

    // The step was consumed: a second continue is 404.
    let again = verifier
        .verify(&request(
            &sign(&claims()),
            &format!("{}/api/v4/salesbot/42/continue/a1b2c3", fake.base_url()),
        ))
        .unwrap()
        .continue_bot(&client, &ContinueRequest::new())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(again, Error::NotFound(_)), "{again:?}");
}

#[tokio::test]
async fn a_loopback_return_url_needs_the_opt_in() {
    let fake = FakeServer::start().await.unwrap();
    let url = format!("{}/api/v4/salesbot/42/continue/a1b2c3", fake.base_url());
    let error = verifier()
        .verify(&request(&sign(&claims()), &url))
        .unwrap_err();
    assert!(
        matches!(error, WidgetRequestError::ForeignHost { .. }),
        "{error:?}"
    );
}

#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds https clients: needs a TLS feature"
)]
#[tokio::test]
async fn continue_refuses_a_client_of_another_account_and_sends_nothing() {
    // A request verified for example.amocrm.ru...
    let verified = verify_token(&sign(&claims())).unwrap();
    let reply = ContinueRequest::new().data("status", "success");
    // ...is not continued with clients of other accounts (checked before any network).
    for client in [
        Client::builder()
            .account(AccountUrl::subdomain("other"))
            .token("t")
            .build(),
        Client::builder()
            .account(AccountUrl::new("example", amocrm::Domain::KommoCom))
            .token("t")
            .build(),
        Client::builder()
            .account(AccountUrl::base_url("https://proxy.example.com"))
            .token("t")
            .build(),
    ] {
        let client = client.unwrap();
        let error = verified
            .continue_bot(&client, &reply)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::WidgetRequest(WidgetRequestError::ForeignHost { .. })
            ),
            "{}: {error:?}",
            client.base_url()
        );
    }

    // On loopback: the fake the return_url names, not another one on another port.
    let named = FakeServer::start().await.unwrap();
    let other = FakeServer::start().await.unwrap();
    named.add_pending_continuation(amocrm_fake::BotKind::Salesbot, 42, "a1b2c3");
    other.add_pending_continuation(amocrm_fake::BotKind::Salesbot, 42, "a1b2c3");
    let verified = verifier()
        .allow_loopback_return_url(true)
        .verify(&request(
            &sign(&claims()),
            &format!("{}/api/v4/salesbot/42/continue/a1b2c3", named.base_url()),
        ))
        .unwrap();
    let error = verified
        .continue_bot(&fake_client(&other), &reply)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::WidgetRequest(WidgetRequestError::ForeignHost { .. })
        ),
        "{error:?}"
    );
    assert!(other.requests().is_empty());
    assert!(named.requests().is_empty());

    // Invalid handlers are refused before sending, as for continue_bot itself.
    let too_long = ContinueRequest::new().handler(Handler::show_text("x".repeat(81)));
    let error = verified
        .continue_bot(&fake_client(&named), &too_long)
        .send()
        .await
        .unwrap_err();
    assert!(error.is_invalid_input(), "{error:?}");
    assert!(named.requests().is_empty());
    assert!(named.continuations().is_empty());
}

#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds https clients: needs a TLS feature"
)]
#[tokio::test]
async fn the_oauth_secret_verifies_widget_requests() {
    let oauth = oauth_on("example", Domain::AmocrmRu);
    let verified = oauth
        .widget_request_verifier()
        .verify(&request(&sign(&claims()), RETURN_URL))
        .unwrap();
    assert_eq!(verified.claims().account_id, 123);
}
