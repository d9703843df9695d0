//! Leads: the query as amoCRM takes it, checks before sending, 204s, pages, shapes.

use std::collections::HashSet;

use amocrm::error::Invalid;
use amocrm::leads::{Lead, OrderBy, With};
use amocrm::query::{Direction, Range};
use amocrm::{Error, ErrorKind};
use amocrm_fake::{CrmEntity, CrmSize};
use amocrm_test_support::loopback::{Server, client, json, no_content, page_of, quick_retries};
use futures::{StreamExt, TryStreamExt};

use super::{fake, last_query};

#[tokio::test]
async fn the_typed_filters_are_sent_in_php_bracket_form_and_the_fake_applies_them() {
    let (fake, client) = fake(CrmSize::default(), false).await;
    let all: Vec<Lead> = client
        .leads()
        .list()
        .limit(250)
        .stream()
        .try_collect()
        .await
        .unwrap();
    // One in fifty seeded leads is in the trash.
    assert_eq!(all.len(), fake.crm().ids(CrmEntity::Leads).len());
    assert_eq!(all.len(), 49);
    let some = &all[3];
    let (pipeline, status) = (some.pipeline_id.unwrap(), some.status_id.unwrap());
    let page = client
        .leads()
        .list()
        .ids([1, 2])
        .statuses([(pipeline, status), (pipeline, 142)])
        .pipeline_ids([pipeline])
        .price(Range::between(0, 10_000_000))
        .updated_at(Range::since(0))
        .responsible([7])
        .custom_field_range(512, Range::until(9.5))
        .filter("name[]", "Ёлки & палки")
        .with(With::Contacts)
        .with(With::LossReason)
        .with(With::Contacts)
        .order(OrderBy::CreatedAt, Direction::Asc)
        .order(OrderBy::UpdatedAt, Direction::Desc)
        .query("x")
        .limit(20)
        .page(2);
    // The fake refuses the unknown field 512 (400): only the query matters here.
    let _ = page.send().await;
    assert_eq!(
        last_query(&fake),
        format!(
            "filter[id][]=1&filter[id][]=2\
             &filter[statuses][0][pipeline_id]={pipeline}&filter[statuses][0][status_id]={status}\
             &filter[statuses][1][pipeline_id]={pipeline}&filter[statuses][1][status_id]=142\
             &filter[pipeline_id][]={pipeline}\
             &filter[price][from]=0&filter[price][to]=10000000\
             &filter[updated_at][from]=0\
             &filter[responsible_user_id][]=7\
             &filter[custom_fields_values][512][to]=9.5\
             &filter[name][]=Ёлки & палки\
             &limit=20&order[updated_at]=desc&page=2&query=x&with=contacts,loss_reason"
        )
    );
    // The filters the fake knows select what they say.
    let selected: Vec<Lead> = client
        .leads()
        .list()
        .statuses([(pipeline, status)])
        .price(Range::since(1))
        .order(OrderBy::Id, Direction::Desc)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let expected: Vec<i64> = all
        .iter()
        .rev()
        .filter(|l| (l.pipeline_id, l.status_id) == (Some(pipeline), Some(status)))
        .filter(|l| l.price.as_ref().and_then(|p| p.as_f64()).unwrap_or(0.0) >= 1.0)
        .map(|l| l.id)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(selected.iter().map(|l| l.id).collect::<Vec<_>>(), expected);
}

#[tokio::test]
async fn a_key_of_one_value_set_raw_and_typed_is_sent_once_the_last_call_winning() {
    let (fake, client) = fake(CrmSize::default(), false).await;
    let leads = client.leads();
    let _ = leads
        .list()
        .updated_at(Range::since(5))
        .filter("updated_at[from]", 7)
        .send()
        .await
        .unwrap();
    assert_eq!(last_query(&fake), "filter[updated_at][from]=7&page=1");
    let _ = leads
        .list()
        .filter("updated_at[from]", 7)
        .filter("updated_at[to]", 9)
        .updated_at(Range::since(5))
        .send()
        .await
        .unwrap();
    assert_eq!(last_query(&fake), "filter[updated_at][from]=5&page=1");
    let _ = leads
        .list()
        .filter("name", "a")
        .filter("name", "b")
        .send()
        .await;
    assert_eq!(last_query(&fake), "filter[name]=b&page=1");
    // A key of a list of values (`[]`) adds to it, raw or typed.
    let _ = leads
        .list()
        .ids([1])
        .filter("id[]", 2)
        .filter("id[]", 3)
        .send()
        .await;
    assert_eq!(
        last_query(&fake),
        "filter[id][]=1&filter[id][]=2&filter[id][]=3&page=1"
    );
    // A range of one point (from = to) is a range: both ends included, as amoCRM reads them.
    let _ = leads
        .list()
        .updated_at(Range::between(5, 5))
        .send()
        .await
        .unwrap();
    assert_eq!(
        last_query(&fake),
        "filter[updated_at][from]=5&filter[updated_at][to]=5&page=1"
    );
}

#[tokio::test]
async fn bad_inputs_are_refused_before_anything_is_sent() {
    let (fake, client) = fake(CrmSize::default(), false).await;
    let leads = client.leads();
    let cases = [
        leads.list().limit(251).send().await.unwrap_err(),
        leads.list().page(0).send().await.unwrap_err(),
        leads.list().filter("id[", 1).send().await.unwrap_err(),
        leads.list().filter("[id]", 1).send().await.unwrap_err(),
        leads.list().ids([]).send().await.unwrap_err(),
        leads
            .list()
            .price(Range {
                from: None,
                to: None,
            })
            .send()
            .await
            .unwrap_err(),
        leads
            .list()
            .updated_at(Range::between(5, 4))
            .send()
            .await
            .unwrap_err(),
        leads.list().statuses([]).send().await.unwrap_err(),
        leads
            .list()
            .custom_field_range(5, Range::since(f64::NAN))
            .send()
            .await
            .unwrap_err(),
        leads.list().query(" ").send().await.unwrap_err(),
        leads
            .list()
            .with("a,b".parse().unwrap())
            .send()
            .await
            .unwrap_err(),
        leads
            .get(1)
            .with(With::OnlyDeleted)
            .send()
            .await
            .unwrap_err(),
        leads.get(0).send().await.unwrap_err(),
    ];
    for error in &cases {
        assert_eq!(error.kind(), ErrorKind::Invalid, "{error:?}");
    }
    assert!(matches!(
        &cases[0],
        Error::Invalid(Invalid::Limit {
            limit: 251,
            max: 250
        })
    ));
    assert!(matches!(
        &cases[2],
        Error::Invalid(Invalid::FilterKey { .. })
    ));
    assert!(matches!(&cases[4], Error::Invalid(Invalid::Filter { filter, .. }) if filter == "id"));
    // The stream fails the same way, as its one item.
    let streamed: Vec<_> = leads.list().filter("id]", 1).stream().collect().await;
    assert!(matches!(
        &streamed[..],
        [Err(Error::Invalid(Invalid::FilterKey { .. }))]
    ));
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[tokio::test]
async fn a_missing_lead_is_not_found_and_an_empty_list_is_an_empty_page() {
    let (fake, client) = fake(CrmSize::default(), false).await;
    let error = client.leads().get(999_999).send().await.unwrap_err();
    assert!(
        matches!(&error, Error::NotFound(p) if p.status == 204),
        "{error:?}"
    );
    let id = fake.crm().ids(CrmEntity::Leads)[0];
    let lead = client
        .leads()
        .get(id)
        .with(With::Contacts)
        .send()
        .await
        .unwrap();
    assert_eq!(lead.id, id);
    assert!(last_query(&fake).ends_with("with=contacts"));
    // amoCRM answers an empty search with 204: an empty page, an empty stream.
    let empty = client.leads().list().ids([999_999]).send().await.unwrap();
    assert!(empty.is_empty());
    let none: Vec<Lead> = client
        .leads()
        .list()
        .query("no such text at all")
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn every_lead_streams_once_across_pages() {
    let (fake, client) = fake(CrmSize::default().leads(120), false).await;
    let leads: Vec<Lead> = client
        .leads()
        .list()
        .limit(50)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: HashSet<i64> = leads.iter().map(|l| l.id).collect();
    let live: HashSet<i64> = fake.crm().ids(CrmEntity::Leads).into_iter().collect();
    assert_eq!((leads.len(), ids.len()), (118, 118));
    assert_eq!(ids, live);
    assert_eq!(fake.requests().len(), 3);
}

/// A lead page with a next link, as amoCRM writes it.
fn lead_page(page: u32, leads: &[&str], next: bool) -> String {
    let next = if next {
        format!(
            r#","next":{{"href":"https://example.amocrm.ru/api/v4/leads?page={}"}}"#,
            page + 1
        )
    } else {
        String::new()
    };
    format!(
        r#"{{"_page":{page},"_links":{{"self":{{"href":"https://example.amocrm.ru/api/v4/leads?page={page}"}}{next}}},"_embedded":{{"leads":[{}]}}}}"#,
        leads.join(",")
    )
}

#[tokio::test]
async fn an_undecodable_lead_is_one_error_naming_section_id_page_and_index() {
    let server = Server::start(|_, seen| match page_of(&seen.target) {
        1 => json(&lead_page(1, &[r#"{"id":1}"#, r#"{"id":1}"#], true)),
        2 => json(&lead_page(
            2,
            &[
                r#"{"id":3,"price":"12 000"}"#,
                r#"{"id":4,"name":{"s3cr3t":1}}"#,
                r#"{"id":5,"price":"7"}"#,
            ],
            true,
        )),
        _ => no_content(),
    })
    .await;
    let client = client(server.base_url(), quick_retries(1));
    let items: Vec<_> = client.leads().list().stream().collect().await;
    assert_eq!(items.len(), 5, "{items:?}");
    let Err(Error::UndecodableEntry(entry)) = &items[3] else {
        panic!("{:?}", items[3])
    };
    let text = entry.to_string();
    assert!(text.starts_with("lead 4 (entry 1 of page 2)"), "{text}");
    assert!(!text.contains("s3cr3t"), "{text}");
    let ids: Vec<i64> = items
        .iter()
        .filter_map(|i| i.as_ref().ok())
        .map(|l| l.id)
        .collect();
    assert_eq!(ids, [1, 1, 3, 5]);
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn the_real_world_shapes_decode() {
    let (fake, client) = fake(CrmSize::default(), true).await;
    let mut list = client.leads().list().limit(250);
    for with in [
        With::Contacts,
        With::CatalogElements,
        With::LossReason,
        With::IsPriceModifiedByRobot,
        With::SourceId,
        With::Source,
    ] {
        list = list.with(with);
    }
    let leads: Vec<Lead> = list.stream().try_collect().await.unwrap();
    assert_eq!(leads.len(), 49);
    assert!(leads.iter().any(|l| l.custom_fields_values.is_none()));
    // Prices as amoCRM may write them: an integer, a float, a string.
    assert!(
        leads
            .iter()
            .all(|l| l.price.as_ref().and_then(|p| p.as_f64()).is_some())
    );
    // The trash: most fields null.
    assert!(fake.crm().delete(CrmEntity::Leads, leads[0].id));
    let trash: Vec<Lead> = client
        .leads()
        .list()
        .with(With::OnlyDeleted)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(
        trash
            .iter()
            .any(|l| l.id == leads[0].id && l.name.is_none())
    );
    let gone = client.leads().get(leads[0].id).send().await.unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound);
}
