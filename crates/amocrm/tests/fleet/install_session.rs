//! The install redirect tied to its session and to where it came from: a state's nonce
//! must be the session's (login CSRF), and a widget's install (`from_widget`, no state,
//! as amoCRM sends it when the install starts on its side) is taken unless the
//! integration requires a state.

use std::sync::Arc;
use std::time::Duration;

use amocrm::error::InstallError;
use amocrm::integration::{AuthMode, InstallOrigin};
use amocrm::store::{MemoryTokenStore, TokenStore};
use amocrm::{AccountUrl, Domain, Error, Integration, RetryPolicy};
use amocrm_fake::FakeServer;

use super::install_state::{fake_app, integration};

async fn alpha() -> (FakeServer, Arc<MemoryTokenStore>, String) {
    let fake = FakeServer::builder()
        .accounts(["alpha"])
        .start()
        .await
        .unwrap();
    let url = format!("http://127.0.0.1:{}/alpha", fake.addr().port());
    (fake, Arc::new(MemoryTokenStore::new()), url)
}

fn refused(error: &Error) -> &InstallError {
    match error {
        Error::Install(install) => install,
        other => panic!("not an install refusal: {other:?}"),
    }
}

#[tokio::test]
async fn a_widgets_install_without_state_is_taken_unless_a_state_is_required() {
    let (fake, store, url) = alpha().await;
    let code = fake.account("alpha").unwrap().issue_authorization_code();
    let query = format!("code={code}&referer=alpha.amocrm.ru&platform=1&from_widget=1");
    // Required: refused before anything is sent, the code not spent.
    let strict = Integration::builder()
        .app(fake_app())
        .shared_store(store.clone())
        .account_url_for({
            let url = url.clone();
            move |_, _| AccountUrl::base_url(url.clone())
        })
        .configure_client(|client| client.retry(RetryPolicy::disabled()))
        .require_install_state(true)
        .build()
        .unwrap();
    let error = strict.install_redirect(&query).await.unwrap_err();
    assert_eq!(refused(&error), &InstallError::MissingState);
    let error = strict.install_redirect_for(&query, None).await.unwrap_err();
    assert_eq!(refused(&error), &InstallError::MissingState);
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    // A session-bound install takes only a state issued to its session: a widget's
    // redirect without one is refused there (a forged link would skip the session check),
    // with or without a session nonce, nothing sent.
    let ours = integration(&fake, store.clone(), fake_app(), Duration::from_secs(60));
    for session in [None, Some("a-nonce")] {
        let error = ours
            .install_redirect_for(&query, session)
            .await
            .unwrap_err();
        assert_eq!(refused(&error), &InstallError::MissingState, "{session:?}");
    }
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    // By default install_redirect takes it, said to be a widget's without a state.
    let installed = ours.install_redirect(&query).await.unwrap();
    assert_eq!(installed.origin, InstallOrigin::WidgetWithoutState);
    assert!(installed.from_widget_without_state());
    assert_eq!(installed.client.base_url(), url);
    assert!(store.load(&url).await.unwrap().is_some());
    let code = fake.account("alpha").unwrap().issue_authorization_code();
    let again = format!("code={code}&referer=alpha.amocrm.ru&from_widget=1");
    let installed = ours.install_redirect(&again).await.unwrap();
    assert!(installed.from_widget_without_state());
}

#[tokio::test]
async fn a_state_installs_only_for_the_session_it_was_issued_to() {
    let (fake, store, url) = alpha().await;
    let ours = integration(&fake, store.clone(), fake_app(), Duration::from_secs(60));
    let start = ours
        .authorization_url(Domain::AmocrmRu, AuthMode::Popup)
        .unwrap();
    let other = ours
        .authorization_url(Domain::AmocrmRu, AuthMode::Popup)
        .unwrap();
    assert_ne!(start.nonce(), other.nonce());
    let code = fake.account("alpha").unwrap().issue_authorization_code();
    let query = |state: &str| {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("code", &code)
            .append_pair("referer", "alpha.amocrm.ru")
            .append_pair("state", state)
            .append_pair("from_widget", "1")
            .finish()
    };
    // Another session's nonce, none, an empty one: refused, nothing sent.
    for session in [Some(other.nonce()), None, Some("")] {
        let error = ours
            .install_redirect_for(&query(start.state()), session)
            .await
            .unwrap_err();
        assert_eq!(
            refused(&error),
            &InstallError::SessionMismatch,
            "{session:?}"
        );
    }
    // A bad state is refused for what it is, whatever the session.
    let error = ours
        .install_redirect_for(&query("garbage"), Some(start.nonce()))
        .await
        .unwrap_err();
    assert!(matches!(refused(&error), InstallError::MalformedState(_)));
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    assert!(store.load(&url).await.unwrap().is_none());
    // The session's own nonce: installed, the verified state given back.
    let installed = ours
        .install_redirect_for(&query(start.state()), Some(start.nonce()))
        .await
        .unwrap();
    match &installed.origin {
        InstallOrigin::State(verified) => assert_eq!(verified.nonce(), start.nonce()),
        other => panic!("{other:?}"),
    }
    assert!(store.load(&url).await.unwrap().is_some());
}
