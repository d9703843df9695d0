//! Who may call what (401 for a wrong token on every operation, 403 for a user on the
//! administrators' calls), and one rate limiter for a client's clones.

use amocrm::AccountUrl;
use amocrm::bots::{BotKind, ContinueRequest};
use amocrm::pace::RateLimit;
use amocrm::{Client, Error};
use amocrm_fake::FakeServer;
use futures::StreamExt;

use super::{asterisk_settings, client};

#[tokio::test]
async fn unauthorized_is_401_on_every_operation() {
    let fake = FakeServer::start().await.unwrap();
    let client = client(&fake, "wrong-token");
    let list = client.widgets().list().send().await.unwrap_err();
    assert!(
        matches!(list, Error::Unauthorized(ref p) if p.status == 401),
        "{list}"
    );
    let get = client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(get, Error::Unauthorized(_)));
    let install = client
        .widgets()
        .install("amo_asterisk", &asterisk_settings())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(install, Error::Unauthorized(_)));
    let uninstall = client
        .widgets()
        .uninstall("amo_asterisk")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(uninstall, Error::Unauthorized(_)));
    fake.add_pending_continuation(amocrm_fake::BotKind::Salesbot, 1, "c1");
    let cont = client
        .bots()
        .continue_bot(BotKind::Salesbot, 1, "c1", &ContinueRequest::new())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(cont, Error::Unauthorized(_)));
    // The stream reports the failing page once and ends.
    let mut stream = client.widgets().list().stream();
    let first = stream.next().await.unwrap().unwrap_err();
    assert!(matches!(first, Error::Page { page: 1, .. }));
    assert_eq!(first.status(), Some(401));
    assert!(matches!(first.root(), Error::Unauthorized(_)));
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn admin_only_operations_answer_403_to_a_user() {
    let fake = FakeServer::start().await.unwrap();
    let user = client(&fake, fake.user_token());
    assert!(
        user.widgets().get("amo_dropbox").send().await.is_ok(),
        "reading is for everyone"
    );
    let uninstall = user
        .widgets()
        .uninstall("amo_dropbox")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(uninstall, Error::Forbidden(ref p) if p.status == 403),
        "{uninstall}"
    );
    let install = user
        .widgets()
        .install("amo_asterisk", &asterisk_settings())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(install, Error::Forbidden(_)), "{install}");
    fake.add_pending_continuation(amocrm_fake::BotKind::Marketingbot, 5, "x");
    let cont = user
        .bots()
        .continue_bot(BotKind::Marketingbot, 5, "x", &ContinueRequest::new())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(cont, Error::Forbidden(_)), "{cont}");
}
#[tokio::test]
async fn clones_share_one_rate_limiter() {
    let fake = FakeServer::builder()
        .rate_limit(Some(7))
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.token())
        .rate_limit(RateLimit::per_second(7))
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..15)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.widgets().get("amo_dropbox").send().await })
        })
        .collect();
    for task in tasks {
        task.await
            .unwrap()
            .expect("no 429: the shared limiter paces all clones");
    }
}
