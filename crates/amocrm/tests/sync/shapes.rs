//! What a changes stream does with answers the fake does not give: an entity that does not
//! decode, no `Date`, a filter the server ignored (a scripted loopback server).

use std::time::{Duration, UNIX_EPOCH};

use amocrm::Error;
use amocrm::sync::{Cursor, Lead};
use amocrm_test_support::loopback::{Reply, Server, client, no_content, quick_retries, response};
use futures::StreamExt;

const NOW: i64 = 1_800_000_000;

fn date() -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(NOW as u64))
}

/// The clock answered with `date` (if any), then `page` for every list request.
async fn scripted(dated: bool, page: &'static str) -> Server {
    Server::start(move |_, seen| {
        let date = date();
        let extra: Vec<(&str, &str)> = if dated { vec![("Date", &date)] } else { vec![] };
        if seen.target.contains("filter%5Bid%5D") {
            let mut head = String::from("HTTP/1.1 204 No Content\r\nConnection: close\r\n");
            for (name, value) in &extra {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            return Reply::Bytes(head.into_bytes());
        }
        if page.is_empty() {
            return no_content();
        }
        Reply::Bytes(response(
            200,
            "application/hal+json",
            &extra,
            page.as_bytes(),
        ))
    })
    .await
}

async fn read(server: &Server, cursor: Cursor) -> (Vec<amocrm::Result<Lead>>, Cursor) {
    let client = client(server.base_url(), quick_retries(1));
    let mut stream = client
        .changes::<Lead>(cursor)
        .settle(Duration::ZERO)
        .stream();
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(item);
    }
    (items, stream.cursor())
}

#[tokio::test]
async fn an_undecodable_lead_is_one_error_in_its_place_and_the_cursor_passes_it() {
    let server = scripted(
        true,
        r#"{"_page":1,"_links":{"self":{"href":"x"}},"_embedded":{"leads":[
            {"id":1,"updated_at":1799999990},
            {"id":2,"updated_at":1799999991,"name":5},
            {"id":3,"updated_at":"1799999992"}]}}"#,
    )
    .await;
    let (items, cursor) = read(&server, Cursor::since(1_799_999_000)).await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap().id, 1);
    match &items[1] {
        Err(Error::UndecodableEntry(entry)) => {
            assert_eq!(
                (entry.noun, entry.index, entry.code.as_deref()),
                ("lead", 1, Some("2"))
            );
            assert_eq!(entry.path, "name");
        }
        other => panic!("{other:?}"),
    }
    // A string `updated_at` is not a lead this crate reads, but it is placed all the same.
    assert!(matches!(items[2], Err(Error::UndecodableEntry(_))));
    assert_eq!(cursor.updated_at(), NOW);
}

#[tokio::test]
async fn no_date_and_an_ignored_filter_are_protocol_errors() {
    let server = scripted(false, "").await;
    let (items, cursor) = read(&server, Cursor::since(5)).await;
    assert!(
        matches!(&items[..], [Err(Error::Protocol(message))] if message.contains("Date")),
        "{items:?}"
    );
    assert_eq!(cursor, Cursor::since(5));
    let server = scripted(
        true,
        r#"{"_page":1,"_embedded":{"leads":[{"id":1,"updated_at":100}]}}"#,
    )
    .await;
    let (items, _) = read(&server, Cursor::since(1_799_999_000)).await;
    assert!(
        matches!(&items[..], [Err(Error::Protocol(message))] if message.contains("filter[updated_at][from]")),
        "{items:?}"
    );
    // Nothing at all since the cursor: a 204, no entity, the cursor at the present.
    let server = scripted(true, "").await;
    let (items, cursor) = read(&server, Cursor::since(1_799_999_000)).await;
    assert!(items.is_empty());
    assert_eq!(cursor.updated_at(), NOW);
}
