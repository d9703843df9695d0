//! The install redirect with its signed state: a state that is not this integration's,
//! was changed or has expired is refused before anything reaches amoCRM, on any instance.

use std::sync::Arc;
use std::time::Duration;

use amocrm::error::InstallError;
use amocrm::integration::{AuthMode, InstallOrigin};
use amocrm::store::{MemoryTokenStore, TokenStore};
use amocrm::{AccountUrl, AppCredentials, Domain, Error, Integration, RetryPolicy};
use amocrm_fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer};

pub(crate) fn integration(
    fake: &FakeServer,
    store: Arc<MemoryTokenStore>,
    app: AppCredentials,
    lifetime: Duration,
) -> Integration {
    let url = format!("http://127.0.0.1:{}/alpha", fake.addr().port());
    Integration::builder()
        .app(app)
        .shared_store(store)
        .account_url_for(move |_, _| AccountUrl::base_url(url.clone()))
        .configure_client(|client| client.retry(RetryPolicy::disabled()))
        .state_lifetime(lifetime)
        .build()
        .unwrap()
}

/// Whether a refusal is the one expected.
pub(crate) type Expected = fn(&InstallError) -> bool;

pub(crate) fn fake_app() -> AppCredentials {
    AppCredentials::new(
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        DEFAULT_REDIRECT_URI,
    )
}

fn query(code: &str, state: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("code", code)
        .append_pair("referer", "alpha.amocrm.ru")
        .append_pair("state", state)
        .append_pair("platform", "1")
        .finish()
}

#[tokio::test]
async fn a_state_from_any_instance_installs() {
    let fake = FakeServer::builder()
        .accounts(["alpha"])
        .start()
        .await
        .unwrap();
    let store = Arc::new(MemoryTokenStore::new());
    let one = integration(&fake, store.clone(), fake_app(), Duration::from_secs(60));
    // Another instance: no memory shared with the one that issued the state.
    let other = integration(&fake, store.clone(), fake_app(), Duration::from_secs(60));
    let start = one
        .authorization_url(Domain::AmocrmRu, AuthMode::PostMessage)
        .unwrap();
    let url = start.url().as_str();
    assert!(
        url.starts_with("https://www.amocrm.ru/oauth?client_id="),
        "{url}"
    );
    assert!(url.ends_with("&mode=post_message"), "{url}");
    let code = fake.account("alpha").unwrap().issue_authorization_code();
    let installed = other
        .install_redirect(&format!("?{}", query(&code, start.state())))
        .await
        .unwrap();
    let client = installed.client;
    assert!(
        matches!(&installed.origin, InstallOrigin::State(v) if v.nonce() == start.nonce()),
        "{:?}",
        installed.origin
    );
    assert!(store.load(client.base_url()).await.unwrap().is_some());
    assert_eq!(
        other.verify_state(start.state()).unwrap().nonce(),
        start.nonce()
    );
}

#[tokio::test]
async fn bad_states_and_refusals_send_nothing() {
    let fake = FakeServer::builder()
        .accounts(["alpha"])
        .start()
        .await
        .unwrap();
    let store = Arc::new(MemoryTokenStore::new());
    let ours = integration(&fake, store.clone(), fake_app(), Duration::from_secs(60));
    let expiring = integration(&fake, store.clone(), fake_app(), Duration::ZERO);
    let foreign = integration(
        &fake,
        store.clone(),
        AppCredentials::new(
            "another-integration",
            DEFAULT_CLIENT_SECRET,
            DEFAULT_REDIRECT_URI,
        ),
        Duration::from_secs(60),
    );
    let forger = integration(
        &fake,
        store.clone(),
        AppCredentials::new(DEFAULT_CLIENT_ID, "not-the-secret", DEFAULT_REDIRECT_URI),
        Duration::from_secs(60),
    );
    let state = |of: &Integration| {
        of.authorization_url(Domain::AmocrmRu, AuthMode::Popup)
            .unwrap()
            .state()
            .to_owned()
    };
    let good = state(&ours);
    // The expiry in the signed part moved a second on.
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    parts[2] = (parts[2].parse::<u64>().unwrap() + 1).to_string();
    let tampered = parts.join(".");
    assert_ne!(tampered, good);
    let code = fake.account("alpha").unwrap().issue_authorization_code();
    fake.clear_requests();
    let cases: Vec<(String, Expected)> = vec![
        (query(&code, &tampered), |e| {
            matches!(e, InstallError::TamperedState)
        }),
        (query(&code, &state(&forger)), |e| {
            matches!(e, InstallError::TamperedState)
        }),
        (query(&code, &state(&expiring)), |e| {
            matches!(e, InstallError::ExpiredState { .. })
        }),
        (query(&code, &state(&foreign)), |e| {
            matches!(e, InstallError::OtherIntegration)
        }),
        (query(&code, "garbage"), |e| {
            matches!(e, InstallError::MalformedState(_))
        }),
        (format!("code={code}&referer=alpha.amocrm.ru"), |e| {
            matches!(e, InstallError::MissingState)
        }),
        (
            format!("code={code}&referer=alpha.amocrm.ru&from_widget=0"),
            |e| matches!(e, InstallError::MissingState),
        ),
        // A widget's redirect with a bad state is refused all the same.
        (format!("{}&from_widget=1", query(&code, &tampered)), |e| {
            matches!(e, InstallError::TamperedState)
        }),
        (format!("error=access_denied&state={good}"), |e| {
            matches!(e, InstallError::Denied)
        }),
        (format!("{}&code=again", query(&code, &good)), |e| {
            matches!(e, InstallError::Malformed(_))
        }),
    ];
    for (query, expected) in cases {
        let error = ours.install_redirect(&query).await.unwrap_err();
        match &error {
            Error::Install(install) => assert!(expected(install), "{query}: {install:?}"),
            other => panic!("{query}: {other:?}"),
        }
        assert!(!error.to_string().contains(&code), "the code never prints");
    }
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    assert!(
        store
            .load(&format!("http://127.0.0.1:{}/alpha", fake.addr().port()))
            .await
            .unwrap()
            .is_none()
    );
    // The code was not spent: the good state installs with it.
    ours.install_redirect(&query(&code, &good)).await.unwrap();
}
