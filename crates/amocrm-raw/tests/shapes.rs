//! The spec's examples and the shapes real answers take decode into the generated types.

use amocrm_raw::types::{Account, Pipeline, PipelineList, Widget, WidgetList};
use amocrm_raw::{PhpObject, StatusType};
use serde_json::json;

/// `components.examples.<name>.value` of the bundled spec.
fn example(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/bundled/amocrm-v4.yaml"
    ))
    .expect("read the bundle");
    let spec: serde_json::Value = serde_yaml::from_str(&text).expect("the bundle is YAML");
    let value = spec["components"]["examples"][name]["value"].clone();
    assert!(!value.is_null(), "no example {name}");
    value
}

#[test]
fn every_seed_example_decodes() {
    serde_json::from_value::<Account>(example("AccountSeed")).unwrap();
    serde_json::from_value::<Widget>(example("WidgetSeed")).unwrap();
    serde_json::from_value::<WidgetList>(example("WidgetListSeed")).unwrap();
    let list: PipelineList = serde_json::from_value(example("PipelineListSeed")).unwrap();
    let pipelines = list.embedded.into_option().unwrap().pipelines;
    let statuses = pipelines[0]
        .embedded
        .clone()
        .unwrap()
        .into_option()
        .unwrap();
    let statuses = statuses.statuses.unwrap();
    let kinds: Vec<_> = statuses.iter().map(|s| (s.id, s.type_)).collect();
    assert_eq!(
        kinds,
        [
            (32392153, Some(StatusType::Unsorted)),
            (32392156, Some(StatusType::Normal)),
            (142, Some(StatusType::Normal)),
            (143, Some(StatusType::Normal)),
        ]
    );
    assert_eq!(statuses[2].color.as_deref(), Some("#CCFF66"));
    let one: Pipeline = serde_json::from_value(example("PipelineSeed")).unwrap();
    let status = &one
        .embedded
        .unwrap()
        .into_option()
        .unwrap()
        .statuses
        .unwrap()[0];
    let description = &status.descriptions.as_ref().unwrap()[0];
    assert_eq!(description.level.as_deref(), Some("newbie"));
    assert_eq!(
        description.created_at.as_deref(),
        Some("2024-03-01 12:00:00")
    );
}

#[test]
fn a_pipeline_decodes_as_loosely_as_amocrm_sends_it() {
    // Only id and name; nulls; PHP's [] for empty maps; a status kind added later.
    let pipeline: Pipeline = serde_json::from_value(json!({
        "id": 7,
        "name": "Sales",
        "sort": null,
        "is_main": null,
        "is_archive": true,
        "_links": [],
        "_embedded": {"statuses": [
            {"id": 1, "name": "New", "type": 5, "color": null, "_links": []},
            {"id": 2, "name": "Old", "type": null, "descriptions": null}
        ]}
    }))
    .unwrap();
    assert_eq!(pipeline.links, Some(PhpObject(None)));
    assert_eq!(pipeline.is_archive, Some(true));
    let statuses = pipeline
        .embedded
        .unwrap()
        .into_option()
        .unwrap()
        .statuses
        .unwrap();
    assert_eq!(statuses[0].type_, Some(StatusType::Unknown(5)));
    assert_eq!(statuses[1].type_, None);
    let empty: Pipeline =
        serde_json::from_value(json!({"id": 8, "name": "", "_embedded": []})).unwrap();
    assert_eq!(empty.embedded, Some(PhpObject(None)));
    let list: PipelineList = serde_json::from_value(json!({"_embedded": []})).unwrap();
    assert_eq!(list.embedded, PhpObject(None));
    // What must be there still is: an id, a name.
    assert!(serde_json::from_value::<Pipeline>(json!({"name": "x"})).is_err());
    assert!(serde_json::from_value::<Pipeline>(json!({"id": 1, "name": null})).is_err());
    assert!(
        serde_json::from_value::<Pipeline>(json!({"id": 1, "name": "x", "_embedded": [1]}))
            .is_err()
    );
}
