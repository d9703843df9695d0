//! What the typed filters send, and what they refuse before sending: a filter set twice,
//! values amoCRM cannot read, IDs it cannot have, too many values.

use amocrm::error::Invalid;
use amocrm::query::{EntityKind, Range};
use amocrm_test_support::loopback::{Server, client, json, quick_retries};

const EMPTY: &str = r#"{"_page":1,"_links":{"self":{"href":"x"}},"_embedded":{}}"#;

/// A server that answers every request with an empty page, and a client on it.
async fn always() -> (Server, amocrm::Client) {
    let server = Server::start(move |_, _| json(EMPTY)).await;
    let client = client(server.base_url(), quick_retries(1));
    (server, client)
}

/// The query of each request the server saw, percent-decoded, `key=value&…`.
fn queries(server: &Server) -> Vec<String> {
    let seen = server.seen();
    let decode = |target: &str| {
        let query = target.split_once('?').map_or("", |(_, q)| q);
        url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    };
    seen.iter().map(|s| decode(&s.target)).collect()
}

// The server's empty `_embedded` may not decode: only what was sent matters here.
#[tokio::test]
async fn a_filter_of_one_value_set_twice_keeps_the_last() {
    let (server, client) = always().await;
    let _ = client
        .leads()
        .list()
        .updated_at(Range::between(1, 5))
        .updated_at(Range::since(20))
        .statuses([(3, 4), (3, 5)])
        .statuses([(6, 7)])
        .custom_field_range(9, Range::since(1.5))
        .custom_field_range(9, Range::until(2.5))
        .send()
        .await
        .map(drop);
    let _ = client
        .tasks()
        .list()
        .completed(true)
        .completed(false)
        .entity_type(EntityKind::Leads)
        .entity_type(EntityKind::Contacts)
        .send()
        .await
        .map(drop);
    let _ = client
        .links(EntityKind::Leads)
        .list()
        .entity_ids([1])
        .to(amocrm::links::Target::Contacts, 1)
        .to(amocrm::links::Target::Companies, 2)
        .to_catalog(3)
        .to_catalog(4)
        .send()
        .await
        .map(drop);
    let _ = client
        .tags(EntityKind::Leads)
        .list()
        .name("a")
        .name("b")
        .send()
        .await
        .map(drop);
    assert_eq!(
        queries(&server),
        [
            "filter[updated_at][from]=20&filter[statuses][0][pipeline_id]=6\
             &filter[statuses][0][status_id]=7&filter[custom_fields_values][9][to]=2.5&page=1",
            "filter[is_completed]=0&filter[entity_type]=contacts&page=1",
            "filter[entity_id][]=1&filter[to_entity_id]=2&filter[to_entity_type]=companies\
             &filter[to_catalog_id]=4&page=1",
            "filter[name]=b&page=1",
        ]
    );
}

/// Whether `result` is `Invalid::Filter` on `filter`.
fn refused_filter<T: std::fmt::Debug>(result: Result<T, amocrm::Error>, filter: &str) -> bool {
    match result {
        Err(amocrm::Error::Invalid(Invalid::Filter { filter: f, .. })) => f == filter,
        other => panic!("{filter}: {other:?}"),
    }
}

#[tokio::test]
async fn non_finite_numbers_are_refused_before_sending() {
    let (server, client) = always().await;
    let leads = || client.leads().list();
    let field = "custom_fields_values][5";
    for (result, filter) in [
        (
            leads()
                .custom_field_range(5, Range::since(f64::INFINITY))
                .send()
                .await,
            field,
        ),
        (
            leads()
                .custom_field_range(5, Range::between(f64::NEG_INFINITY, f64::INFINITY))
                .send()
                .await,
            field,
        ),
        (
            leads()
                .custom_field_range(5, Range::until(f32::NAN))
                .send()
                .await,
            field,
        ),
        (leads().custom_field(5, f64::NAN).send().await, field),
        (leads().custom_field(5, f32::INFINITY).send().await, field),
    ] {
        assert!(refused_filter(result, filter));
    }
    assert_eq!(server.count(), 0, "sent: {:?}", queries(&server));
    let _ = leads()
        .custom_field(5, 2.5)
        .custom_field(6, true)
        .send()
        .await;
    assert_eq!(
        queries(&server),
        ["filter[custom_fields_values][5][]=2.5&filter[custom_fields_values][6][]=1&page=1"]
    );
}

#[tokio::test]
async fn ids_amocrm_cannot_have_are_refused_in_filters_as_in_gets() {
    use amocrm::events::EventEntity;
    use amocrm::links::Target;
    let (server, client) = always().await;
    let get = client.leads().get(-1).send().await.unwrap_err();
    assert_eq!(get.kind(), amocrm::ErrorKind::Invalid);
    let leads = || client.leads().list();
    let links = || client.links(EntityKind::Leads).list().entity_ids([1]);
    let field = "custom_fields_values";
    let big = i64::MIN;
    for (result, filter) in [
        (leads().ids([1, -7]).send().await.map(drop), "id"),
        (leads().ids([0]).send().await.map(drop), "id"),
        (
            leads().pipeline_ids([big]).send().await.map(drop),
            "pipeline_id",
        ),
        (
            leads().responsible([0]).send().await.map(drop),
            "responsible_user_id",
        ),
        (leads().created_by([0]).send().await.map(drop), "created_by"),
        (
            leads().updated_by([big]).send().await.map(drop),
            "updated_by",
        ),
        (leads().custom_field(0, "x").send().await.map(drop), field),
        (
            leads()
                .custom_field_range(big, Range::since(1))
                .send()
                .await
                .map(drop),
            field,
        ),
        (
            links().to(Target::Contacts, 0).send().await.map(drop),
            "to_entity_id",
        ),
        (
            links().to_catalog(big).send().await.map(drop),
            "to_catalog_id",
        ),
        (
            client
                .links(EntityKind::Leads)
                .list()
                .entity_ids([0])
                .send()
                .await
                .map(drop),
            "entity_id",
        ),
        (
            client
                .notes(EntityKind::Leads)
                .list()
                .entity_ids([0])
                .send()
                .await
                .map(drop),
            "entity_id",
        ),
        (
            client
                .tasks()
                .list()
                .entity(EntityKind::Leads, [0])
                .send()
                .await
                .map(drop),
            "entity_id",
        ),
        (
            client.tasks().list().task_types([0]).send().await.map(drop),
            "task_type",
        ),
        (
            client
                .events()
                .list()
                .entities([EventEntity::Catalog(0)])
                .send()
                .await
                .map(drop),
            "entity",
        ),
        (
            client
                .events()
                .list()
                .entities([EventEntity::Lead])
                .entity_ids([big])
                .send()
                .await
                .map(drop),
            "entity_id",
        ),
    ] {
        assert!(refused_filter(result, filter));
    }
    assert_eq!(server.count(), 0, "sent: {:?}", queries(&server));
}

#[tokio::test]
async fn empty_filter_values_are_refused_before_sending() {
    use amocrm::events::EventTypeCode;
    use amocrm::notes::NoteType;
    let (server, client) = always().await;
    let leads = || client.leads().list();
    let events = || client.events().list();
    for (result, filter) in [
        (leads().names([""]).send().await.map(drop), "name"),
        (leads().names(["a", " "]).send().await.map(drop), "name"),
        (
            leads().custom_field(5, "").send().await.map(drop),
            "custom_fields_values][5",
        ),
        (events().ids([""]).send().await.map(drop), "id"),
        (
            events()
                .types([EventTypeCode::from("")])
                .send()
                .await
                .map(drop),
            "type",
        ),
        (
            client
                .notes(EntityKind::Leads)
                .list()
                .types([NoteType::from("")])
                .send()
                .await
                .map(drop),
            "note_type",
        ),
        (
            client
                .tags(EntityKind::Leads)
                .list()
                .name("")
                .send()
                .await
                .map(drop),
            "name",
        ),
    ] {
        assert!(refused_filter(result, filter));
    }
    assert_eq!(server.count(), 0, "sent: {:?}", queries(&server));
}

#[tokio::test]
async fn an_unknown_arm_spelling_a_known_value_counts_as_that_value() {
    use amocrm::leads::{OrderBy, With};
    use amocrm::query::Direction;
    let (server, client) = always().await;
    let only_deleted = With::Unknown("only_deleted".into());
    let get = client.leads().get(1).with(only_deleted).send().await;
    assert!(
        matches!(
            &get,
            Err(amocrm::Error::Invalid(Invalid::Param { param: "with", .. }))
        ),
        "{get:?}"
    );
    assert_eq!(server.count(), 0);
    let list = client
        .leads()
        .list()
        .with(With::Contacts)
        .with(With::Unknown("contacts".into()))
        .order(OrderBy::Unknown("id".into()), Direction::Desc);
    let _ = list.send().await;
    assert_eq!(queries(&server), ["order[id]=desc&page=1&with=contacts"]);
}

#[tokio::test]
async fn one_event_entity_named_twice_is_one_entity() {
    use amocrm::events::EventEntity;
    let (server, client) = always().await;
    let lead_twice = [EventEntity::Lead, EventEntity::Lead];
    let _ = client
        .events()
        .list()
        .entities(lead_twice)
        .entity_ids([1])
        .send()
        .await;
    assert_eq!(
        queries(&server),
        ["filter[entity][]=lead&filter[entity][]=lead&filter[entity_id][]=1&page=1"]
    );
    let two = [EventEntity::Lead, EventEntity::Contact];
    let refused = client
        .events()
        .list()
        .entities(two)
        .entity_ids([1])
        .send()
        .await;
    assert!(refused_filter(refused, "entity_id"));
}

#[tokio::test]
async fn the_links_of_one_entity_refuse_entity_ids_as_its_notes_do() {
    let (server, client) = always().await;
    let notes = client.notes(EntityKind::Leads).of(1).list().entity_ids([2]);
    assert!(refused_filter(notes.send().await, "entity_id"));
    let links = client.links(EntityKind::Leads).of(1).list().entity_ids([2]);
    assert!(refused_filter(links.send().await, "entity_id"));
    assert_eq!(server.count(), 0, "sent: {:?}", queries(&server));
}

#[tokio::test]
async fn an_event_entity_this_crate_does_not_know_is_sent_as_it_is_when_it_is_a_word() {
    use amocrm::events::EventEntity;
    let (server, client) = always().await;
    let talk = EventEntity::Unknown("talk".into());
    let _ = client.events().list().entities([talk]).send().await;
    assert_eq!(queries(&server), ["filter[entity][]=talk&page=1"]);
    for bad in ["", "lead,contact", "a&b"] {
        let odd = EventEntity::Unknown(bad.into());
        let refused = client.events().list().entities([odd]).send().await;
        assert!(refused_filter(refused, "entity"), "{bad:?}");
    }
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_filter_of_more_values_than_a_url_takes_is_refused() {
    use amocrm::query::MAX_FILTER_VALUES;
    let (server, client) = always().await;
    let most: Vec<i64> = (1..=MAX_FILTER_VALUES as i64).collect();
    let _ = client.leads().list().ids(most.clone()).send().await;
    assert_eq!(server.count(), 1);
    let one_more = client.leads().list().ids(most.clone()).ids([999_999]);
    assert!(refused_filter(one_more.send().await, "id"));
    let names: Vec<String> = (0..=MAX_FILTER_VALUES).map(|i| format!("n{i}")).collect();
    let too_many = client.leads().list().names(&names);
    assert!(refused_filter(too_many.send().await, "name"));
    assert_eq!(server.count(), 1);
}
