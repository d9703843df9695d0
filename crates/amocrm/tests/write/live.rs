//! A live input that yields slowly (a channel): by default a partial batch waits for more
//! items or the input's end; `flush_after` sends it once no item came for that long.

use std::time::Duration;

use amocrm::write::NewLead;
use futures::StreamExt;
use futures::channel::mpsc;

use super::{body, fake_with, sent};

fn live(i: usize) -> NewLead {
    NewLead::default().name(format!("Live {i}"))
}

#[tokio::test]
async fn a_partial_batch_of_a_live_input_is_sent_once_no_item_came_for_flush_after() {
    let (fake, client) = fake_with(|b| b).await;
    let (tx, rx) = mpsc::unbounded::<NewLead>();
    let feeder = tx.clone();
    tokio::spawn(async move {
        for i in 0..3 {
            feeder.unbounded_send(live(i)).expect("open");
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    });
    let mut results = client
        .leads()
        .add_stream(rx)
        .flush_after(Duration::from_millis(300))
        .stream();
    // The channel stays open: the three items, 30 ms apart, go in one batch once 300 ms
    // passed without a fourth.
    for i in 0..3u64 {
        let next = tokio::time::timeout(Duration::from_secs(5), results.next())
            .await
            .expect("sent without waiting for a full batch")
            .expect("a result");
        assert_eq!(next.expect("written").index, i);
    }
    let posts = sent(&fake, "POST", "/api/v4/leads");
    assert_eq!(posts.len(), 1);
    assert_eq!(body(&posts[0]).as_array().map(Vec::len), Some(3));
    // A later item is a batch of its own; the input's end ends the results.
    tx.unbounded_send(live(3)).expect("open");
    let next = tokio::time::timeout(Duration::from_secs(5), results.next())
        .await
        .expect("sent")
        .expect("a result");
    assert_eq!(next.expect("written").index, 3);
    drop(tx);
    assert!(results.next().await.is_none());
    assert_eq!(sent(&fake, "POST", "/api/v4/leads").len(), 2);
}

#[tokio::test]
async fn by_default_a_partial_batch_waits_for_more_items_or_the_end() {
    let (fake, client) = fake_with(|b| b).await;
    let (tx, rx) = mpsc::unbounded::<NewLead>();
    for i in 0..3 {
        tx.unbounded_send(live(i)).expect("open");
    }
    let mut results = client.leads().add_stream(rx).stream();
    assert!(
        tokio::time::timeout(Duration::from_millis(400), results.next())
            .await
            .is_err(),
        "held: the batch is not full and the input has not ended"
    );
    assert!(sent(&fake, "POST", "/api/v4/leads").is_empty());
    drop(tx);
    let all: Vec<_> = results.collect().await;
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(Result::is_ok), "{all:?}");
    assert_eq!(sent(&fake, "POST", "/api/v4/leads").len(), 1);
}
