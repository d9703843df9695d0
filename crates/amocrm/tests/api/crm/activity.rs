//! Notes, links and events: of an entity type, of one entity, and amoCRM's rules on
//! their filters checked before sending.

use amocrm::error::Invalid;
use amocrm::events::{Event, EventEntity, EventTypeCode, MAX_EVENT_IDS};
use amocrm::links::Target;
use amocrm::notes::{Note, OrderBy, With};
use amocrm::query::{Direction, EntityKind, Range};
use amocrm::{Error, ErrorKind};
use amocrm_fake::{CrmEntity, CrmSize};
use futures::TryStreamExt;

use super::{fake, last_query};

#[tokio::test]
async fn notes_of_a_type_of_an_entity_and_one() {
    let (fake, client) = fake(CrmSize::default(), true).await;
    let notes = client.notes(EntityKind::Leads);
    let all: Vec<Note> = notes
        .list()
        .with(With::IsPinned)
        .order(OrderBy::UpdatedAt, Direction::Desc)
        .limit(10)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(!all.is_empty());
    let first = &all[0];
    let entity = first.entity_id.unwrap();
    let of: Vec<Note> = notes
        .of(entity)
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(of.iter().any(|n| n.id == first.id));
    assert!(of.iter().all(|n| n.entity_id == Some(entity)));
    let by_type = notes
        .list()
        .types([first.note_type.clone().unwrap()])
        .entity_ids([entity])
        .send()
        .await
        .unwrap();
    assert!(by_type.items.iter().any(|n| n.id == first.id));
    assert_eq!(notes.get(first.id).send().await.unwrap().id, first.id);
    assert!(matches!(notes.get(1).send().await, Err(Error::NotFound(_))));
    let refused = notes
        .of(entity)
        .list()
        .entity_ids([1])
        .send()
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Invalid(Invalid::Filter { .. })));
    let refused = notes.of(0).list().send().await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Invalid);
    let _ = fake;
}

#[tokio::test]
async fn links_of_one_entity_and_of_several() {
    let (fake, client) = fake(CrmSize::default(), true).await;
    let leads = fake.crm().ids(CrmEntity::Leads);
    let links = client.links(EntityKind::Leads);
    let mut some = None;
    for id in &leads[..10] {
        let page = links.of(*id).list().send().await.unwrap();
        if let Some(link) = page.items.first() {
            some = Some((*id, link.clone()));
            break;
        }
    }
    let (lead, link) = some.expect("a lead with links");
    let mass = links
        .list()
        .entity_ids([lead, leads[11]])
        .send()
        .await
        .unwrap();
    assert!(
        mass.items
            .iter()
            .any(|l| l.to_entity_id == link.to_entity_id)
    );
    assert!(last_query(&fake).starts_with(&format!("filter[entity_id][]={lead}")));
    let target = match link.to_entity_type.as_deref() {
        Some("contacts") => Target::Contacts,
        Some("companies") => Target::Companies,
        _ => Target::CatalogElements,
    };
    let to = links
        .of(lead)
        .list()
        .to(target, link.to_entity_id)
        .send()
        .await
        .unwrap();
    assert!(to.items.iter().all(|l| l.to_entity_id == link.to_entity_id));
    // The mass listing without entity IDs, and half of a pair: refused, not sent.
    let before = fake.requests().len();
    let errors = [
        links.list().send().await.unwrap_err(),
        links
            .of(lead)
            .list()
            .filter("to_entity_id", 5)
            .send()
            .await
            .unwrap_err(),
    ];
    for error in errors {
        assert!(
            matches!(error, Error::Invalid(Invalid::Filter { .. })),
            "{error:?}"
        );
    }
    assert_eq!(fake.requests().len(), before);
}

#[tokio::test]
async fn events_filter_and_their_rules_hold_before_sending() {
    let (fake, client) = fake(CrmSize::default(), true).await;
    let events = client.events();
    let all: Vec<Event> = events
        .list()
        .limit(100)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(all.len() >= 100, "{}", all.len());
    let of_lead = all
        .iter()
        .find(|e| e.entity_type.as_deref() == Some("lead"))
        .unwrap();
    let lead = of_lead.entity_id.unwrap();
    let page = events
        .list()
        .entities([EventEntity::Lead])
        .entity_ids([lead])
        .created_at(Range::since(0))
        .send()
        .await
        .unwrap();
    assert!(page.items.iter().any(|e| e.id == of_lead.id));
    assert!(page.items.iter().all(|e| e.entity_id == Some(lead)));
    assert_eq!(
        last_query(&fake),
        format!(
            "filter[entity][]=lead&filter[entity_id][]={lead}&filter[created_at][from]=0&page=1"
        )
    );
    // One event by its string ID, with the name of its lead.
    let one = events
        .get(&of_lead.id)
        .with(amocrm::events::With::LeadName)
        .send()
        .await
        .unwrap();
    assert_eq!(one.id, of_lead.id);
    assert!(last_query(&fake).ends_with("with=lead_name"));
    let missing = events.get("01nosuchevent").send().await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound, "{missing:?}");
    let before = fake.requests().len();
    for bad in ["", "..", "a\\b"] {
        let refused = events.get(bad).send().await.unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::Invalid, "{bad:?}");
    }
    let eleven: Vec<i64> = (1..=MAX_EVENT_IDS as i64 + 1).collect();
    let errors = [
        events.list().limit(101).send().await.unwrap_err(),
        events.list().entity_ids([lead]).send().await.unwrap_err(),
        events
            .list()
            .entities([EventEntity::Lead, EventEntity::Contact])
            .entity_ids([lead])
            .send()
            .await
            .unwrap_err(),
        events
            .list()
            .entities([EventEntity::Lead])
            .entity_ids(eleven.clone())
            .send()
            .await
            .unwrap_err(),
        events.list().created_by(eleven).send().await.unwrap_err(),
        events
            .list()
            .types([
                EventTypeCode::CustomFieldIdValueChanged(5),
                EventTypeCode::LeadAdded,
            ])
            .send()
            .await
            .unwrap_err(),
        events
            .list()
            .filter("entity", "lead,contact")
            .filter("entity_id[]", 1)
            .send()
            .await
            .unwrap_err(),
        events
            .list()
            .order("created_at".parse().unwrap(), Direction::Asc)
            .send()
            .await
            .unwrap_err(),
    ];
    assert!(matches!(
        &errors[0],
        Error::Invalid(Invalid::Limit {
            limit: 101,
            max: 100
        })
    ));
    for error in &errors {
        assert_eq!(error.kind(), ErrorKind::Invalid, "{error:?}");
    }
    assert_eq!(fake.requests().len(), before);
}
