//! The client against several accounts of the fake: each account's URL is a base URL, its
//! tokens work there only, refreshes go to its own token endpoint, and a reused refresh
//! token comes back as a typed error.

use std::time::{Duration, SystemTime};

use amocrm::auth::GrantType;
use amocrm::error::AuthError;
use amocrm::store::TokenStoreFn;
use amocrm::{AccountUrl, AppCredentials};
use amocrm::{Client, Error, ExposeSecret, OAuth, RetryPolicy, SecretString, TokenPair};
use amocrm_fake::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeAccount, FakeServer,
};
use amocrm_test_support::fleet::client;

/// A stored pair as the fake issued it: access token valid for `ttl`.
fn seeded(account: &FakeAccount, ttl: Duration) -> TokenPair {
    let issued = account.issue_token_pair(ttl);
    TokenPair::new(
        SecretString::from(issued.access_token),
        SecretString::from(issued.refresh_token),
        SystemTime::now() + ttl,
    )
}

fn oauth(account: &FakeAccount, pair: TokenPair) -> OAuth {
    OAuth::builder()
        .account(AccountUrl::base_url(account.url()))
        .app(AppCredentials::new(
            DEFAULT_CLIENT_ID,
            DEFAULT_CLIENT_SECRET,
            DEFAULT_REDIRECT_URI,
        ))
        .tokens(pair)
        // Kept in memory only: these tests look at the fake's side.
        .store(TokenStoreFn::new(|_: TokenPair| async {
            Ok::<(), std::io::Error>(())
        }))
        .build()
        .expect("oauth")
}

#[tokio::test]
async fn a_static_token_works_on_its_own_account_only() {
    let fake = FakeServer::builder()
        .accounts(["acc1", "acc2"])
        .start()
        .await
        .unwrap();
    let acc1 = fake.account("acc1").unwrap();
    let client = Client::builder()
        .account(AccountUrl::base_url(acc1.url()))
        .token(acc1.token())
        .build()
        .unwrap();
    assert_eq!(client.base_url(), acc1.url());
    let widget = client.widgets().get("amo_dropbox").send().await.unwrap();
    assert_eq!(widget.code, "amo_dropbox");
    assert_eq!(acc1.requests().len(), 1);
    assert_eq!(
        acc1.requests()[0].path_and_query,
        "/acc1/api/v4/widgets/amo_dropbox"
    );

    let wrong = Client::builder()
        .account(AccountUrl::base_url(fake.account_url("acc2").unwrap()))
        .token(acc1.token())
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = wrong.widgets().get("amo_dropbox").send().await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
}

#[tokio::test]
async fn an_expired_token_is_refreshed_at_its_own_account() {
    let fake = FakeServer::builder()
        .accounts(["acc1", "acc2"])
        .start()
        .await
        .unwrap();
    let acc2 = fake.account("acc2").unwrap();
    let oauth = oauth(acc2, seeded(acc2, Duration::ZERO));
    assert_eq!(
        oauth.token_endpoint(),
        format!("{}/oauth2/access_token", acc2.url())
    );
    let client = client(&oauth);

    let widget = client
        .widgets()
        .get("amo_asterisk")
        .send()
        .await
        .expect("refreshed");
    assert_eq!(widget.code, "amo_asterisk");
    assert_eq!(acc2.oauth_stats().refresh_token_grants, 1);
    assert_eq!(acc2.oauth_stats().reused_refresh_tokens, 0);
    assert_eq!(fake.account("acc1").unwrap().oauth_stats().grants(), 0);
    assert_eq!(fake.oauth_stats().grants(), 0);
    let current = oauth.tokens().await.unwrap();
    let requests = acc2.requests();
    assert_eq!(requests[0].path, "/acc2/oauth2/access_token");
    assert!(requests[1].has_bearer(current.access_token().expose_secret()));

    // The new pair's access token is acc2's alone.
    let elsewhere = Client::builder()
        .account(AccountUrl::base_url(fake.account_url("acc1").unwrap()))
        .token(current.access_token().expose_secret())
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    assert!(matches!(
        elsewhere.widgets().get("amo_asterisk").send().await,
        Err(Error::Unauthorized(_))
    ));
}

#[tokio::test]
async fn a_reused_refresh_token_is_a_typed_refusal_and_counted() {
    let fake = FakeServer::builder().account("acc1").start().await.unwrap();
    let acc1 = fake.account("acc1").unwrap();
    let pair = seeded(acc1, Duration::ZERO);

    // Another holder of the same pair refreshes first...
    let first = oauth(acc1, pair.clone());
    first.refresh_now().await.expect("first refresh");
    // ...so this one's refresh token is spent.
    let second = oauth(acc1, pair);
    let err = client(&second)
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Auth(AuthError::Refused {
            grant: GrantType::RefreshToken,
            status: 401,
            hint: Some(hint),
            ..
        }) => assert_eq!(hint, "Token has been revoked"),
        other => panic!("expected a refused refresh, got {other:?}"),
    }
    assert_eq!(err.status(), Some(401));
    let stats = acc1.oauth_stats();
    assert_eq!(stats.refresh_token_grants, 1);
    assert_eq!(stats.reused_refresh_tokens, 1);
}
