//! Tasks: filters, amoCRM's rule on entity IDs, parameters the list does not take.

use amocrm::error::Invalid;
use amocrm::query::{Direction, EntityKind};
use amocrm::tasks::{OrderBy, Task};
use amocrm::{Error, ErrorKind};
use amocrm_fake::CrmSize;
use futures::TryStreamExt;

use super::{fake, last_query};

#[tokio::test]
async fn tasks_filter_by_state_and_entity() {
    let (fake, client) = fake(CrmSize::default(), true).await;
    let all: Vec<Task> = client
        .tasks()
        .list()
        .limit(250)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(all.len() >= 40, "{}", all.len());
    let of_lead = all
        .iter()
        .find(|t| t.entity_type.as_deref() == Some("leads"))
        .expect("a lead's task");
    let lead = of_lead.entity_id.unwrap();
    let open: Vec<Task> = client
        .tasks()
        .list()
        .completed(of_lead.is_completed.unwrap())
        .entity(EntityKind::Leads, [lead])
        .order(OrderBy::CompleteTill, Direction::Asc)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(open.iter().any(|t| t.id == of_lead.id));
    assert!(open.iter().all(|t| t.entity_id == Some(lead)));
    assert_eq!(
        last_query(&fake),
        format!(
            "filter[is_completed]={}&filter[entity_type]=leads&filter[entity_id][]={lead}\
             &order[complete_till]=asc&page=1",
            u8::from(of_lead.is_completed.unwrap())
        )
    );
    let one = client.tasks().get(of_lead.id).send().await.unwrap();
    assert_eq!(one.id, of_lead.id);
    assert!(matches!(
        client.tasks().get(1).send().await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn what_tasks_do_not_take_is_refused_before_sending() {
    let (fake, client) = fake(CrmSize::default(), false).await;
    let tasks = client.tasks();
    let errors = [
        tasks
            .list()
            .filter("entity_id[]", 5)
            .send()
            .await
            .unwrap_err(),
        tasks.list().query("x").send().await.unwrap_err(),
        tasks
            .list()
            .with("anything".parse().unwrap())
            .send()
            .await
            .unwrap_err(),
        tasks
            .get(5)
            .with("anything".parse().unwrap())
            .send()
            .await
            .unwrap_err(),
        tasks.list().limit(251).send().await.unwrap_err(),
    ];
    for error in &errors {
        assert_eq!(error.kind(), ErrorKind::Invalid, "{error:?}");
    }
    assert!(
        matches!(&errors[0], Error::Invalid(Invalid::Filter { filter, .. }) if filter == "entity_id")
    );
    assert!(matches!(
        &errors[1],
        Error::Invalid(Invalid::Param { param: "query", .. })
    ));
    assert!(fake.requests().is_empty());
}
