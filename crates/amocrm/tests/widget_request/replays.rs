//! Replays: each token accepted once until it expires, through the guard every verifier of
//! an OAuth shares.

use super::*;

#[tokio::test]
async fn each_token_is_accepted_once_until_it_expires() {
    let verifier = verifier();
    let token = sign(&claims());
    let first = request(&token, RETURN_URL);
    verifier.verify_once(&first).await.unwrap();
    // The same token again, from any clone of the verifier: a replay.
    assert_eq!(
        verifier.verify_once(&first).await,
        Err(WidgetRequestError::Replayed)
    );
    assert_eq!(
        verifier
            .clone()
            .verify_once(&request(&token, RETURN_URL))
            .await,
        Err(WidgetRequestError::Replayed)
    );
    // verify alone does not count uses.
    assert!(verifier.verify(&first).is_ok());
    // Another token (another jti) is another use.
    let other = sign(&with(claims(), "jti", json!("another")));
    verifier
        .verify_once(&request(&other, RETURN_URL))
        .await
        .unwrap();
    // A token that fails verification is not remembered.
    let expired = sign(&with(claims(), "exp", json!(now() - 3600)));
    assert_eq!(
        verifier.verify_once(&request(&expired, RETURN_URL)).await,
        Err(WidgetRequestError::Expired)
    );
    // Another verifier has a guard of its own.
    assert!(self::verifier().verify_once(&first).await.is_ok());
    // An expiry past what the clock can hold is remembered as long as it can be.
    let forever = request(&sign(&with(claims(), "exp", json!(u64::MAX))), RETURN_URL);
    verifier.verify_once(&forever).await.unwrap();
    assert_eq!(
        verifier.verify_once(&forever).await,
        Err(WidgetRequestError::Replayed)
    );
}

#[tokio::test]
async fn a_shared_replay_guard_gets_the_signature_and_the_expiry() {
    let guard = std::sync::Arc::new(Recorder::default());
    let leeway = std::time::Duration::from_secs(30);
    let verifier = verifier().leeway(leeway).replay_guard(guard.clone());
    let claims = claims();
    let token = sign(&claims);
    verifier
        .verify_once(&request(&token, RETURN_URL))
        .await
        .unwrap();
    assert_eq!(
        verifier.verify_once(&request(&token, RETURN_URL)).await,
        Err(WidgetRequestError::Replayed)
    );
    let calls = guard.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2);
    let signature = token.rsplit('.').next().unwrap();
    assert_eq!(calls[0].0, signature);
    assert!(!calls[0].0.contains(token.split('.').nth(1).unwrap()));
    let exp = UNIX_EPOCH + std::time::Duration::from_secs(claims["exp"].as_u64().unwrap());
    assert_eq!(calls[0].1, exp + leeway);
    // A guard that fails refuses the token.
    let failing = self::verifier().replay_guard(std::sync::Arc::new(Recorder {
        fail: true,
        ..Recorder::default()
    }));
    let error = failing
        .verify_once(&request(&token, RETURN_URL))
        .await
        .unwrap_err();
    assert!(
        matches!(error, WidgetRequestError::ReplayGuard(ref m) if m.contains("redis")),
        "{error:?}"
    );
}

/// Verifiers an `OAuth` hands out (one per incoming request, typically) remember tokens
/// together: a replay is refused whichever of them sees it.
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds https clients: needs a TLS feature"
)]
#[tokio::test]
async fn verifiers_of_one_oauth_share_their_replay_guard() {
    let oauth = oauth_on("example", Domain::AmocrmRu);
    let captured = request(&sign(&claims()), RETURN_URL);
    oauth
        .widget_request_verifier()
        .verify_once(&captured)
        .await
        .unwrap();
    assert_eq!(
        oauth
            .clone()
            .widget_request_verifier()
            .verify_once(&captured)
            .await
            .unwrap_err(),
        WidgetRequestError::Replayed
    );
}

/// A full in-memory guard refuses a new token (fail closed), unlike a webhook receiver's
/// best-effort dedupe, which lets a delivery through.
#[tokio::test]
async fn a_full_guard_refuses_new_tokens() {
    let guard = std::sync::Arc::new(amocrm::widget_request::MemoryReplayGuard::with_capacity(1));
    let verifier = verifier().replay_guard(guard);
    verifier
        .verify_once(&request(&sign(&claims()), RETURN_URL))
        .await
        .unwrap();
    let other = sign(&with(claims(), "jti", json!("another")));
    let error = verifier
        .verify_once(&request(&other, RETURN_URL))
        .await
        .unwrap_err();
    assert!(
        matches!(error, WidgetRequestError::ReplayGuard(ref m) if m.contains("full")),
        "{error:?}"
    );
}
