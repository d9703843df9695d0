//! When a pair is refreshed: before an expired access token is sent, once on a 401, once
//! for many concurrent requests, through a failing store or a cancelled caller, and not on
//! every request of a short-lived token.

use super::*;

#[tokio::test]
async fn an_expired_access_token_is_refreshed_before_the_request() {
    let h = Harness::new().await;
    let first = h.exchanged().await.tokens().await.unwrap();

    // The same tokens, loaded from storage after their access token's expiry.
    let stale = TokenPair::new(
        first.access_token().clone(),
        first.refresh_token().clone(),
        SystemTime::now() - Duration::from_secs(1),
    );
    let oauth = h.builder().tokens(stale).build().unwrap();
    let client = h.client(&oauth);
    client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .expect("get");

    assert_eq!(h.fake.refresh_count(), 1);
    assert_eq!(
        h.api_requests_with(access(&first)),
        0,
        "the expired token was not sent"
    );
    let now = oauth.tokens().await.unwrap();
    assert_eq!(h.api_requests_with(access(&now)), 1);
    assert_eq!(access(&h.saved()[1]), access(&now));

    // Within the skew counts as expired too; far from it does not.
    let skewed = TokenPair::new(
        now.access_token().clone(),
        now.refresh_token().clone(),
        SystemTime::now() + Duration::from_secs(30),
    );
    let oauth = h
        .builder()
        .tokens(skewed)
        .refresh_skew(Duration::from_secs(60))
        .build()
        .unwrap();
    let token = oauth.access_token().await.unwrap();
    assert_ne!(token.expose_secret(), access(&now));
    assert_eq!(h.fake.refresh_count(), 2);
    let again = oauth.access_token().await.unwrap();
    assert_eq!(again.expose_secret(), token.expose_secret());
    assert_eq!(h.fake.refresh_count(), 2);
}

#[tokio::test]
async fn a_401_refreshes_once_and_retries_once() {
    let h = Harness::new().await;
    let oauth = h.exchanged().await;
    let old = oauth.tokens().await.unwrap();
    let client = h.client(&oauth);
    h.fake.expire_access_tokens();

    client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .expect("retried");

    assert_eq!(h.fake.refresh_count(), 1);
    assert_eq!(h.api_requests_with(access(&old)), 1, "401");
    let new = oauth.tokens().await.unwrap();
    assert_eq!(h.api_requests_with(access(&new)), 1, "the retry");
}

#[tokio::test]
async fn a_second_401_is_unauthorized_without_a_loop() {
    // Tokens come from one fake; the API is another that knows none of them.
    let h = Harness::new().await;
    let api = FakeServer::start().await.unwrap();
    let oauth = h.exchanged().await;
    let client = Client::builder()
        .account(AccountUrl::base_url(api.base_url()))
        .token_provider(Arc::new(oauth.clone()))
        .rate_limit(None)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    h.fake.clear_requests();

    let error = client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap_err();

    assert!(matches!(error, Error::Unauthorized(_)), "{error:?}");
    assert_eq!(h.token_endpoint_hits(), 1, "one refresh");
    assert_eq!(h.fake.refresh_count(), 1);
    let api_requests = api
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
        .count();
    assert_eq!(api_requests, 2, "the request and its one retry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_requests_during_a_401_refresh_once() {
    // A slow store keeps the refresh going while the other 401s arrive.
    let h = Harness::with_delay(Duration::from_millis(300)).await;
    let oauth = h.exchanged().await;
    let old = oauth.tokens().await.unwrap();
    // Every request takes its token before any is sent, so all 20 are rejected.
    let gate = Gate {
        oauth: oauth.clone(),
        barrier: tokio::sync::Barrier::new(20),
        calls: AtomicUsize::new(0),
    };
    let client = Client::builder()
        .account(AccountUrl::base_url(h.fake.base_url()))
        .token_provider(Arc::new(gate))
        .rate_limit(None)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    h.fake.expire_access_tokens();
    h.fake.clear_requests();

    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.widgets().get("amo_dropbox").send().await })
        })
        .collect();
    for task in tasks {
        let result = task.await.expect("task");
        assert!(result.is_ok(), "{result:?}");
    }

    assert_eq!(h.token_endpoint_hits(), 1, "exactly one refresh");
    assert_eq!(h.fake.refresh_count(), 1);
    assert_eq!(h.saved().len(), 2, "exchange + one refresh");
    let new = oauth.tokens().await.unwrap();
    assert_eq!(
        h.api_requests_with(access(&old)),
        20,
        "all 20 were rejected with the old token"
    );
    assert_eq!(
        h.api_requests_with(access(&new)),
        20,
        "and each retried once with the new one"
    );
    assert_eq!(h.fake.requests().len(), 1 + 20 + 20);
}

/// Hands out the OAuth tokens, holding the first calls until all 20 requests have one.
#[derive(Debug)]
struct Gate {
    oauth: OAuth,
    barrier: tokio::sync::Barrier,
    calls: AtomicUsize,
}

impl TokenProvider for Gate {
    fn access_token(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
        Box::pin(async move {
            let token = self.oauth.access_token().await?;
            // The transport asks twice per attempt (before its slot, and when it leaves):
            // the barrier (reusable, 20 at a time) first gathers every task's first call,
            // then every task's second, so all 20 leave with the token read before any of
            // them was refused.
            if self.calls.fetch_add(1, Ordering::SeqCst) < 40 {
                self.barrier.wait().await;
            }
            Ok(token)
        })
    }

    fn refresh<'a>(&'a self, rejected: &'a SecretString) -> BoxFuture<'a, Result<bool, Error>> {
        self.oauth.refresh(rejected)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_refreshes_of_the_same_token_make_one_grant() {
    let h = Harness::with_delay(Duration::from_millis(100)).await;
    let oauth = h.exchanged().await;
    let old = oauth.tokens().await.unwrap();
    h.fake.clear_requests();

    let refreshes = (0..20).map(|_| oauth.refresh(old.access_token()));
    let results = futures::future::join_all(refreshes).await;

    for result in &results {
        assert!(matches!(result, Ok(true)), "{result:?}");
    }
    assert_eq!(h.token_endpoint_hits(), 1);
    let new = oauth.tokens().await.unwrap();
    assert_ne!(access(&new), access(&old));
    // A 401 for a token that is no longer current needs no refresh either.
    assert!(matches!(oauth.refresh(old.access_token()).await, Ok(true)));
    assert_eq!(h.token_endpoint_hits(), 1);
}

/// A refresh whose save fails goes on with the new pair from memory (its refresh token is
/// spent: the old pair is dead), and every request waiting for it shares it: one grant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_share_one_refresh_whose_save_fails() {
    let h = Harness::with_delay(Duration::from_millis(100)).await;
    let oauth = h
        .builder()
        .refresh_deadline(Duration::from_millis(500))
        .build()
        .unwrap();
    oauth
        .exchange_code(&h.fake.issue_authorization_code())
        .await
        .unwrap();
    let client = h.client(&oauth);
    h.fail_store.store(true, Ordering::SeqCst);
    h.fake.expire_access_tokens();
    h.fake.clear_requests();

    let calls = (0..10).map(|_| {
        let client = client.clone();
        async move { client.widgets().get("amo_dropbox").send().await }
    });
    let results = futures::future::join_all(calls).await;

    for result in &results {
        assert!(result.is_ok(), "{result:?}");
    }
    assert_eq!(h.token_endpoint_hits(), 1, "one grant for all of them");
    let unsaved = oauth.unsaved_pair().await.expect("the pair is pending");
    assert_eq!(
        access(&oauth.tokens().await.unwrap()),
        access(&unsaved),
        "the pending pair is the one in use"
    );
}

/// A store that fails every save: the new pair is saved again under the lock until the
/// refresh deadline, then used from memory and saved in the background, which takes it
/// as soon as the store works again; no second grant is spent.
#[tokio::test]
async fn a_pair_the_store_refuses_is_used_from_memory_and_saved_in_the_background() {
    let h = Harness::new().await;
    let oauth = h
        .builder()
        .refresh_deadline(Duration::from_millis(300))
        .build()
        .unwrap();
    oauth
        .exchange_code(&h.fake.issue_authorization_code())
        .await
        .unwrap();
    let old = oauth.tokens().await.unwrap();
    let client = h.client(&oauth);
    h.fail_store.store(true, Ordering::SeqCst);
    h.fake.expire_access_tokens();

    client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .expect("the call goes on with the new pair");

    let unsaved = oauth.unsaved_pair().await.expect("pending");
    assert_ne!(access(&unsaved), access(&old));
    assert_eq!(h.api_requests_with(access(&unsaved)), 1);
    let tries = h.saved().len() - 1;
    assert!(
        tries >= 3,
        "the save was tried again under the lock ({tries} tries)"
    );
    assert_eq!(h.fake.refresh_count(), 1);

    // The store works again: the background save takes the pair without a new grant.
    h.fail_store.store(false, Ordering::SeqCst);
    let until = std::time::Instant::now() + Duration::from_secs(5);
    while oauth.unsaved_pair().await.is_some() {
        assert!(
            std::time::Instant::now() < until,
            "never saved in the background"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let saved = h.saved();
    assert_eq!(access(saved.last().unwrap()), access(&unsaved));
    assert_eq!(h.fake.refresh_count(), 1, "no second grant");
    client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .expect("still served");
    assert_eq!(h.fake.refresh_count(), 1);
}

#[tokio::test]
async fn a_refresh_cancelled_by_the_caller_still_saves_and_uses_the_pair() {
    let h = Harness::with_delay(Duration::from_millis(300)).await;
    let oauth = h.exchanged().await;
    let old = oauth.tokens().await.unwrap();
    let stale = TokenPair::new(
        old.access_token().clone(),
        old.refresh_token().clone(),
        SystemTime::UNIX_EPOCH,
    );
    let oauth = h.builder().tokens(stale).build().unwrap();

    // The caller gives up while the store is still saving.
    let gave_up = tokio::time::timeout(Duration::from_millis(50), oauth.access_token()).await;
    assert!(gave_up.is_err());

    // The refresh finished anyway: saved, current, and the spent refresh token is not
    // asked for again.
    let token = oauth.access_token().await.expect("token");
    assert_eq!(h.fake.refresh_count(), 1);
    let saved = h.saved();
    assert_eq!(saved.len(), 2);
    assert_eq!(token.expose_secret(), access(&saved[1]));
}

/// A token that lives less than two refresh skews (30 s against 60 s) is refreshed when half
/// its life is gone, not before every request.
#[tokio::test]
async fn a_short_lived_token_is_not_refreshed_on_every_request() {
    let fake = FakeServer::builder()
        .access_token_ttl(Duration::from_secs(30))
        .start()
        .await
        .expect("fake server");
    let h = Harness::with_fake(fake, Duration::ZERO);
    let oauth = h.exchanged().await;
    let client = h.client(&oauth);
    for _ in 0..3 {
        client
            .widgets()
            .get("amo_dropbox")
            .send()
            .await
            .expect("get");
    }
    assert_eq!(
        h.fake.refresh_count(),
        0,
        "no refresh for a 30 s token used at once"
    );
    assert_eq!(h.token_endpoint_hits(), 1, "only the code exchange");
}
