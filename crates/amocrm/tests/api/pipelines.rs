//! The pipelines list as amoCRM may send it: one answer, no `_page`, an entry that does not
//! decode costing only itself, PHP's `[]` for none.

use amocrm::Error;
use amocrm_test_support::loopback::{Server, client, json, quick_retries};
use futures::StreamExt;

/// A pipeline with a status, as amoCRM writes it.
fn pipeline(id: i64, name: &str) -> String {
    format!(
        r##"{{"id":{id},"name":"{name}","sort":1,"is_main":true,"is_unsorted_on":true,"is_archive":false,"account_id":7,"_links":{{"self":{{"href":"https://example.amocrm.ru/api/v4/leads/pipelines/{id}"}}}},"_embedded":{{"statuses":[{{"id":142,"name":"Успешно реализовано","sort":10000,"is_editable":false,"pipeline_id":{id},"color":"#CCFF66","type":0,"account_id":7}}]}}}}"##
    )
}

#[tokio::test]
async fn an_undecodable_pipeline_costs_only_itself() {
    let body = format!(
        r#"{{"_total_items":3,"_links":{{"self":{{"href":"https://example.amocrm.ru/api/v4/leads/pipelines"}}}},"_embedded":{{"pipelines":[{},{{"id":9,"name":"x","sort":"s3cr3t"}},{}]}}}}"#,
        pipeline(1, "Воронка"),
        pipeline(2, "Воронка 2")
    );
    let server = Server::always(json(&body)).await;
    let client = client(server.base_url(), quick_retries(1));
    let page = client.pipelines().list().send().await.unwrap();
    let ids: Vec<i64> = page.items.iter().map(|p| p.id).collect();
    assert_eq!((page.page, ids), (1, vec![1, 2]));
    assert_eq!(page.failed.len(), 1);
    let failed = page.failed[0].to_string();
    assert!(
        failed.starts_with("pipeline 9 (entry 1 of page 1)"),
        "{failed}"
    );
    assert!(failed.contains("`sort` is a string"), "{failed}");
    assert!(!failed.contains("s3cr3t"), "{failed}");
    // The stream gives the same, the bad entry in its place, from one request.
    let all: Vec<_> = client.pipelines().list().stream().collect().await;
    assert_eq!(all.len(), 3);
    assert!(matches!(&all[1], Err(Error::UndecodableEntry(_))));
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn only_the_pipelines_themselves_are_required() {
    for body in [
        // No `_links`, no `_total_items`: the list is still whole.
        format!(r#"{{"_embedded":{{"pipelines":[{}]}}}}"#, pipeline(5, "A")),
        // The same with an entry that does not decode, read entry by entry.
        format!(
            r#"{{"_embedded":{{"pipelines":[{},{{"name":"no id"}}]}}}}"#,
            pipeline(5, "A")
        ),
    ] {
        let server = Server::always(json(&body)).await;
        let client = client(server.base_url(), quick_retries(1));
        let page = client.pipelines().list().send().await.unwrap();
        assert_eq!(page.items.len(), 1, "{body}");
        assert_eq!(page.items[0].id, 5);
    }
    // PHP's `[]` for an account without pipelines: an empty list.
    let server = Server::always(json(r#"{"_total_items":0,"_embedded":[]}"#)).await;
    let empty = client(server.base_url(), quick_retries(1));
    assert!(empty.pipelines().list().send().await.unwrap().is_empty());
    // No `_embedded` at all is not a list.
    let server = Server::always(json(r#"{"_total_items":0}"#)).await;
    let missing = client(server.base_url(), quick_retries(1));
    let error = missing.pipelines().list().send().await.unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
}
