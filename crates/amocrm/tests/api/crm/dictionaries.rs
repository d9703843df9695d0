//! The account's dictionaries: catalogs and elements, custom fields and groups, users
//! and roles, tags, loss reasons, event types.

use amocrm::catalogs::{Catalog, CatalogElement, ElementWith};
use amocrm::custom_fields::{CustomFieldDefinition, CustomFieldType, OrderBy};
use amocrm::error::Invalid;
use amocrm::events::EventTypesLanguage;
use amocrm::query::{Direction, EntityKind};
use amocrm::users::{RoleWith, User, With};
use amocrm::{Error, ErrorKind};
use amocrm_fake::CrmSize;
use futures::TryStreamExt;

use super::{fake, last_query};

#[tokio::test]
async fn catalogs_and_their_elements() {
    let (fake, client) = fake(CrmSize::default(), true).await;
    let catalogs: Vec<Catalog> = client
        .catalogs()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(!catalogs.is_empty());
    let catalog = catalogs[0].id;
    assert_eq!(
        client.catalogs().get(catalog).send().await.unwrap().id,
        catalogs[0].id
    );
    let elements = client.catalogs().elements(catalog);
    let all: Vec<CatalogElement> = elements
        .list()
        .with(ElementWith::InvoiceLink)
        .limit(5)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(!all.is_empty());
    assert!(all.iter().all(|e| e.catalog_id == Some(catalogs[0].id)));
    let one = elements.get(all[0].id).send().await.unwrap();
    assert_eq!(one.id, all[0].id);
    let by_id = elements.list().ids([all[0].id]).send().await.unwrap();
    assert_eq!(
        by_id.items.iter().map(|e| e.id).collect::<Vec<_>>(),
        [all[0].id]
    );
    assert!(last_query(&fake).starts_with(&format!("filter[id][]={}", all[0].id)));
    assert!(matches!(
        elements.get(1).send().await,
        Err(Error::NotFound(_))
    ));
    // A catalog ID amoCRM cannot have, and what catalogs do not take: nothing is sent.
    let before = fake.requests().len();
    let bad = client
        .catalogs()
        .elements(0)
        .list()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        bad,
        Error::Invalid(Invalid::Identifier {
            what: "catalog",
            ..
        })
    ));
    let bad = client
        .catalogs()
        .elements(0)
        .get(5)
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::Invalid);
    let bad = client
        .catalogs()
        .list()
        .filter("id", 1)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        bad,
        Error::Invalid(Invalid::Param {
            param: "filter",
            ..
        })
    ));
    assert_eq!(fake.requests().len(), before);
    // A catalog's own fields.
    let fields: Vec<CustomFieldDefinition> = client
        .catalogs()
        .custom_fields(catalog)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(!fields.is_empty());
}

#[tokio::test]
async fn custom_fields_and_groups_of_each_entity_type() {
    let (fake, client) = fake(CrmSize::default(), true).await;
    for kind in [
        EntityKind::Leads,
        EntityKind::Contacts,
        EntityKind::Companies,
    ] {
        let calls = client.custom_fields(kind);
        let fields: Vec<CustomFieldDefinition> = calls
            .list()
            .order(OrderBy::Id, Direction::Asc)
            .limit(3)
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert!(!fields.is_empty(), "{kind}");
        let one = calls.get(fields[0].id).send().await.unwrap();
        assert_eq!(one.id, fields[0].id);
        let groups: Vec<_> = calls.groups().list().stream().try_collect().await.unwrap();
        let group = groups.first().expect("a group");
        let id = group.id.to_string();
        assert_eq!(calls.groups().get(id).send().await.unwrap().id, group.id);
        let missing = calls
            .groups()
            .get("no_such_group")
            .send()
            .await
            .unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::NotFound, "{missing:?}");
        let before = fake.requests().len();
        for bad in ["", "..", "a\\b"] {
            let refused = calls.groups().get(bad).send().await.unwrap_err();
            assert_eq!(refused.kind(), ErrorKind::Invalid, "{bad:?}");
        }
        assert_eq!(fake.requests().len(), before);
    }
    let selects: Vec<CustomFieldDefinition> = client
        .custom_fields(EntityKind::Leads)
        .list()
        .types([CustomFieldType::Select, CustomFieldType::Multiselect])
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(!selects.is_empty());
    assert!(last_query(&fake).starts_with("filter[type][]=select&filter[type][]=multiselect"));
    assert!(
        selects
            .iter()
            .all(|f| f.enums.as_ref().is_some_and(|e| !e.is_empty()))
    );
}

#[tokio::test]
async fn users_roles_tags_loss_reasons_and_event_types() {
    let (fake, client) = fake(CrmSize::default(), true).await;
    let mut list = client.users().list();
    for with in [
        With::Role,
        With::Group,
        With::Uuid,
        With::AmojoId,
        With::UserRank,
        With::PhoneNumber,
    ] {
        list = list.with(with);
    }
    let users: Vec<User> = list.stream().try_collect().await.unwrap();
    assert_eq!(users.len(), 5);
    assert!(last_query(&fake).contains("with=role,group,uuid,amojo_id,user_rank,phone_number"));
    let one = client
        .users()
        .get(users[0].id)
        .with(With::Role)
        .send()
        .await
        .unwrap();
    assert_eq!(one.id, users[0].id);
    let roles: Vec<_> = client
        .roles()
        .list()
        .with(RoleWith::Users)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let role = roles.first().expect("a role");
    assert_eq!(
        client.roles().get(role.id).send().await.unwrap().id,
        role.id
    );
    assert!(matches!(
        client.users().get(1).send().await,
        Err(Error::NotFound(_))
    ));
    let refused = client.users().list().query("x").send().await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Invalid);

    let tags: Vec<_> = client
        .tags(EntityKind::Leads)
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(!tags.is_empty());
    let name = tags[0].name.clone().unwrap();
    let named = client
        .tags(EntityKind::Leads)
        .list()
        .name(&name)
        .send()
        .await
        .unwrap();
    assert!(named.items.iter().all(|t| t.name == tags[0].name) && !named.items.is_empty());
    let searched = client
        .tags(EntityKind::Leads)
        .list()
        .query(name.as_str())
        .send()
        .await
        .unwrap();
    assert!(searched.items.iter().any(|t| t.id == tags[0].id));

    let reasons: Vec<_> = client
        .loss_reasons()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(!reasons.is_empty());

    let types: Vec<_> = client
        .event_types()
        .list()
        .language(EventTypesLanguage::En)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(!types.is_empty());
    assert_eq!(last_query(&fake), "language_code=en");
}

#[tokio::test]
async fn php_s_empty_array_for_an_object_is_named_by_its_path() {
    use amocrm_test_support::loopback::{Server, client, json, quick_retries};
    use futures::StreamExt;
    // PHP writes an empty map as `[]`: a lead's contact is an object, never empty.
    let body = r#"{"_page":1,"_links":{"self":{"href":"x"}},"_embedded":{"leads":[{"id":7,"_embedded":{"contacts":[[]]}}]}}"#;
    let server = Server::start(move |_, _| json(body)).await;
    let client = client(server.base_url(), quick_retries(1));
    let got: Vec<_> = client.leads().list().stream().collect().await;
    let Err(Error::UndecodableEntry(entry)) = &got[0] else {
        panic!("{got:?}")
    };
    assert_eq!(
        (entry.path.as_str(), entry.found, entry.expected.as_str()),
        ("_embedded.contacts[0]", "an array", "an object"),
        "{entry}"
    );
}

#[tokio::test]
async fn php_s_empty_array_reads_as_no_object_where_amocrm_writes_one() {
    use amocrm_test_support::loopback::{Server, client, json, quick_retries};
    use futures::StreamExt;
    let page = |key: &str, entry: &str| {
        format!(
            r#"{{"_page":1,"_links":{{"self":{{"href":"x"}}}},"_embedded":{{"{key}":[{entry}]}}}}"#
        )
    };
    let bodies = [
        page("users", r#"{"id":1,"rights":[]}"#),
        page(
            "users",
            r#"{"id":1,"rights":{"leads":[],"status_rights":[{"status_id":2,"rights":[]}]}}"#,
        ),
        page("leads", r#"{"id":1,"_embedded":{"source":[]}}"#),
        page("events", r#"{"id":"x","_embedded":{"entity":[]}}"#),
    ];
    for body in bodies {
        let body: &'static str = Box::leak(body.into_boxed_str());
        let server = Server::start(move |_, _| json(body)).await;
        let client = client(server.base_url(), quick_retries(1));
        let failed = if body.contains("users") {
            let got: Vec<_> = client.users().list().stream().collect().await;
            let user = got[0].as_ref().map_err(ToString::to_string);
            let rights = user.as_ref().map(|u| u.rights.clone().and_then(|r| r.0));
            if let Ok(Some(rights)) = &rights {
                assert!(
                    rights.leads.as_ref().is_some_and(|l| l.0.is_none()),
                    "{rights:?}"
                );
            }
            rights.err().cloned()
        } else if body.contains("leads") {
            let got: Vec<_> = client.leads().list().stream().collect().await;
            got[0].as_ref().err().map(ToString::to_string)
        } else {
            let got: Vec<_> = client.events().list().stream().collect().await;
            got[0].as_ref().err().map(ToString::to_string)
        };
        assert_eq!(failed, None, "{body}");
    }
}

#[tokio::test]
async fn a_catalogs_custom_field_and_its_groups_one_by_one() {
    let (fake, client) = fake(CrmSize::default(), false).await;
    let catalogs = client.catalogs();
    let catalog = catalogs.list().send().await.unwrap().items[0].id;
    let fields = catalogs.custom_fields(catalog).send().await.unwrap();
    let first = &fields.items[0];
    let one = catalogs
        .custom_field(catalog, first.id)
        .send()
        .await
        .unwrap();
    assert_eq!(&one, first);
    let path = fake.requests().last().expect("a request").path.clone();
    assert_eq!(
        path,
        format!("/api/v4/catalogs/{catalog}/custom_fields/{}", first.id)
    );
    let missing = catalogs.custom_field(catalog, 1).send().await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound, "{missing:?}");

    let groups = catalogs.custom_field_groups(catalog);
    let listed = groups.list().send().await.unwrap();
    assert_eq!(listed.items.len(), 1);
    let group = &listed.items[0];
    let fields_of_group: Vec<i64> = group.fields.iter().flatten().copied().collect();
    assert_eq!(fields_of_group, [first.id]);
    let got = groups.get(group.id.as_str()).send().await.unwrap();
    assert_eq!(&got, group);
    let gone = groups.get("nothing").send().await.unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound, "{gone:?}");

    // Impossible catalog IDs are refused before anything is sent.
    let sent = fake.requests().len();
    for error in [
        catalogs.custom_field(0, first.id).send().await.unwrap_err(),
        catalogs
            .custom_field_groups(-1)
            .list()
            .send()
            .await
            .unwrap_err(),
        catalogs
            .custom_field_groups(0)
            .get("x")
            .send()
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(error, Error::Invalid(_)), "{error:?}");
    }
    assert_eq!(fake.requests().len(), sent);
}
