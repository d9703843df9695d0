//! Contacts and companies: search, phones and e-mails, `with`, 204s, shapes.

use amocrm::contacts::{Contact, OrderBy, With};
use amocrm::query::{Direction, Range};
use amocrm::{Error, ErrorKind, companies};
use amocrm_fake::{CrmEntity, CrmSize};
use futures::TryStreamExt;

use super::{fake, last_query};

#[tokio::test]
async fn contacts_are_found_by_phone_and_their_phones_read() {
    let (fake, client) = fake(CrmSize::default(), true).await;
    let all: Vec<Contact> = client
        .contacts()
        .list()
        .limit(250)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), fake.crm().ids(CrmEntity::Contacts).len());
    let with_phone = all
        .iter()
        .find(|c| c.phones().next().is_some())
        .expect("a phone");
    let phone = with_phone
        .phones()
        .next()
        .unwrap()
        .value
        .unwrap()
        .into_owned();
    let found = client
        .contacts()
        .list()
        .query(phone.clone())
        .send()
        .await
        .unwrap();
    assert!(found.items.iter().any(|c| c.id == with_phone.id), "{phone}");
    assert!(last_query(&fake).contains(&format!("query={phone}")));
    // Ordered, filtered, with parts.
    let ordered: Vec<Contact> = client
        .contacts()
        .list()
        .updated_at(Range::since(0))
        .with(With::Leads)
        .order(OrderBy::Id, Direction::Desc)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<i64> = ordered.iter().map(|c| c.id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted);
    assert_eq!(ids.len(), all.len());
    let one = client
        .contacts()
        .get(with_phone.id)
        .with(With::Leads)
        .send()
        .await
        .unwrap();
    assert_eq!(one.phones().count(), with_phone.phones().count());
    let missing = client.contacts().get(1).send().await.unwrap_err();
    assert!(matches!(missing, Error::NotFound(_)), "{missing:?}");
}

#[tokio::test]
async fn companies_list_get_and_refuse_a_list_mode_on_a_get() {
    let (fake, client) = fake(CrmSize::default(), true).await;
    let all: Vec<companies::Company> = client
        .companies()
        .list()
        .with(companies::With::Contacts)
        .with(companies::With::Leads)
        .with(companies::With::CatalogElements)
        .limit(7)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), fake.crm().ids(CrmEntity::Companies).len());
    let id = all[0].id;
    let one = client.companies().get(id).send().await.unwrap();
    assert_eq!(one.id, all[0].id);
    let refused = client
        .companies()
        .get(id)
        .with(companies::With::OnlyDeleted)
        .send()
        .await;
    assert_eq!(refused.unwrap_err().kind(), ErrorKind::Invalid);
    let named = client
        .companies()
        .list()
        .names([one.name.clone().unwrap()])
        .send()
        .await
        .unwrap();
    assert!(named.items.iter().all(|c| c.name == one.name));
    // The trash decodes too: most fields null.
    assert!(fake.crm().delete(CrmEntity::Companies, one.id));
    let trash = client
        .companies()
        .list()
        .with(companies::With::OnlyDeleted)
        .send()
        .await
        .unwrap();
    assert!(
        trash.items.iter().any(|c| c.id == one.id),
        "{:?}",
        trash.failed
    );
    assert!(trash.failed.is_empty());
}
