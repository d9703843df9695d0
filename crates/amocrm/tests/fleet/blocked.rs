//! A blocked account against the fake: after the first 403 block page (or a 403 after
//! 429s) no request for the account leaves from any client of the pacer during the block
//! pause, and calls fail at once with `Error::AccountBlocked`; an unpaid account is
//! `Error::PaymentRequired`.

use std::sync::Arc;
use std::time::Duration;

use amocrm::pace::{MemoryPacer, Pacer};
use amocrm::{AccountUrl, Client, Error, ErrorKind, RetryPolicy};
use amocrm_fake::{FakeServer, Fault, Operation};

fn client(fake: &FakeServer, pacer: Arc<dyn Pacer>, pause: Duration) -> Client {
    Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.token())
        .retry(RetryPolicy::disabled())
        .pacer(pacer)
        .block_pause(pause)
        .build()
        .unwrap()
}

#[tokio::test]
async fn after_the_block_page_nothing_is_sent_during_the_pause() {
    let fake = FakeServer::builder().start().await.unwrap();
    let pacer: Arc<dyn Pacer> = Arc::new(MemoryPacer::default());
    let one = client(&fake, pacer.clone(), Duration::from_millis(1_500));
    // Another client of the same pacer (another part of the service).
    let other = client(&fake, pacer.clone(), Duration::from_millis(1_500));
    one.account().get().send().await.unwrap();
    fake.default_account().block(2);

    let first = one.account().get().send().await.unwrap_err();
    assert_eq!(first.kind(), ErrorKind::RateLimited, "{first:?}");
    let second = other.account().get().send().await.unwrap_err();
    assert_eq!(second.kind(), ErrorKind::RateLimited, "{second:?}");
    // The 403 after the 429s is the block.
    let blocked = one.account().get().send().await.unwrap_err();
    let Error::AccountBlocked { left } = blocked else {
        panic!("{blocked:?}");
    };
    assert!(left > Duration::from_secs(1), "{left:?}");
    assert_eq!(blocked.status(), Some(403));
    let sent = fake.requests().len();
    assert_eq!(sent, 4);
    for client in [&one, &other, &one.clone()] {
        for _ in 0..3 {
            let error = client.account().get().send().await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::AccountBlocked, "{error:?}");
        }
    }
    assert_eq!(fake.requests().len(), sent, "nothing reaches amoCRM");

    // The block lifted and the pause over: requests go again.
    fake.default_account().reinstate();
    tokio::time::sleep(Duration::from_millis(1_600)).await;
    other.account().get().send().await.unwrap();
}

#[tokio::test]
async fn a_block_page_without_429s_blocks_too_and_a_rights_403_does_not() {
    let fake = FakeServer::builder().start().await.unwrap();
    let pacer: Arc<dyn Pacer> = Arc::new(MemoryPacer::default());
    let client = client(&fake, pacer, amocrm::transport::DEFAULT_BLOCK_PAUSE);
    // amoCRM's 403 problem for a missing right is no block.
    fake.faults()
        .add(Fault::status(403).operation(Operation::Account).times(1));
    let refused = client.account().get().send().await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Forbidden, "{refused:?}");
    client.account().get().send().await.unwrap();

    fake.default_account().block(0);
    let error = client.account().get().send().await.unwrap_err();
    let Error::AccountBlocked { left } = error else {
        panic!("{error:?}");
    };
    assert!(
        left > Duration::from_secs(9 * 60),
        "ten minutes by default: {left:?}"
    );
    let sent = fake.requests().len();
    let again = client.account().get().send().await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::AccountBlocked);
    assert_eq!(fake.requests().len(), sent);
}

#[tokio::test]
async fn an_unpaid_account_is_payment_required() {
    let fake = FakeServer::builder().start().await.unwrap();
    let client = client(
        &fake,
        Arc::new(MemoryPacer::default()),
        Duration::from_secs(60),
    );
    fake.default_account().mark_unpaid();
    let error = client.account().get().send().await.unwrap_err();
    assert!(
        matches!(&error, Error::PaymentRequired(p) if p.status == 402),
        "{error:?}"
    );
    assert_eq!(error.status(), Some(402));
    fake.default_account().reinstate();
    client.account().get().send().await.unwrap();
}

#[tokio::test]
async fn a_rights_403_after_a_429_is_no_block() {
    let fake = FakeServer::builder().start().await.unwrap();
    let pacer: Arc<dyn Pacer> = Arc::new(MemoryPacer::default());
    let client = client(&fake, pacer, amocrm::transport::DEFAULT_BLOCK_PAUSE);
    // A 429, then amoCRM's problem for a right the user lacks.
    fake.faults()
        .add(Fault::status(429).operation(Operation::Account).times(1));
    let limited = client.account().get().send().await.unwrap_err();
    assert_eq!(limited.kind(), ErrorKind::RateLimited, "{limited:?}");
    fake.faults()
        .add(Fault::status(403).operation(Operation::Account).times(1));
    let refused = client.account().get().send().await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Forbidden, "{refused:?}");
    // Not blocked: the next call is sent and answered.
    client.account().get().send().await.unwrap();
    assert_eq!(fake.requests().len(), 3);
}
