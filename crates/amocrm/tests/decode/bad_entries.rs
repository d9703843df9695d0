//! A page of bad entries costs bounded memory: each undecodable entry is kept as an
//! `UndecodableEntry` (a few hundred bytes), so a hostile page of a million `0`s (2 MB of
//! body) would keep hundreds of megabytes; past a budget the page fails as a whole.

use amocrm::__bench as decode;
use amocrm::Error;

fn page_of_zeros(entries: usize) -> Vec<u8> {
    let zeros = vec!["0"; entries].join(",");
    format!(
        r#"{{"_page": 1, "_links": {{"self": {{"href": "https://example.amocrm.ru/api/v4/widgets"}}}}, "_embedded": {{"widgets": [{zeros}]}}}}"#
    )
    .into_bytes()
}

#[test]
fn a_page_of_too_many_bad_entries_fails_as_a_whole() {
    // Up to the budget, each bad entry is reported and the page kept.
    let page = decode::widget_page(&page_of_zeros(250)).unwrap();
    assert_eq!(page.failed.len(), 250);
    assert!(page.items.is_empty());

    for entries in [251, 10_000] {
        let error = decode::widget_page(&page_of_zeros(entries)).unwrap_err();
        assert!(matches!(error, Error::Protocol(_)), "{entries}: {error:?}");
        assert!(error.to_string().contains("250"), "{error}");
    }
    // More entries than any page holds are not even indexed.
    let error = decode::widget_page(&page_of_zeros(1_000_000)).unwrap_err();
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    assert!(error.to_string().contains("10000"), "{error}");
}
