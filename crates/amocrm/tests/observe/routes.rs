//! `url.template` knows every operation of the bundled spec, by its path.

use std::path::Path;

#[test]
fn every_operation_of_the_spec_has_its_template() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/bundled/amocrm-v4.yaml");
    let spec: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(spec).unwrap()).unwrap();
    let mut operations = 0;
    for (path, item) in spec["paths"].as_mapping().unwrap() {
        for (_, operation) in item.as_mapping().unwrap() {
            let Some(id) = operation.get("operationId").and_then(|id| id.as_str()) else {
                continue;
            };
            operations += 1;
            assert_eq!(
                amocrm::observe::url_template(id),
                path.as_str(),
                "operation {id}"
            );
        }
    }
    assert!(operations >= 80, "{operations} operations");
}
