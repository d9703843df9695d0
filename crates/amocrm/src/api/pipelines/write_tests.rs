use serde_json::json;

use super::*;

fn what(result: Result<Map<String, Value>, Invalid>) -> String {
    match result {
        Err(Invalid::Definition { what, .. }) => what,
        other => panic!("{other:?}"),
    }
}

fn object(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

#[test]
fn a_new_pipeline_sends_what_was_set() {
    let body = NewPipeline::new("Sales", 20, false, true)
        .status(
            NewStatus::new("New", 10)
                .color("#FFFEB2")
                .description(DescriptionLevel::Master, "d"),
        )
        .rename_won("Paid")
        .checked("0.")
        .expect("valid");
    assert_eq!(
        Value::Object(body),
        json!({"name": "Sales", "sort": 20, "is_main": false, "is_unsorted_on": true,
               "_embedded": {"statuses": [
                   {"name": "New", "sort": 10, "color": "#fffeb2",
                    "descriptions": [{"level": "master", "description": "d"}]},
                   {"id": 142, "name": "Paid"}]}})
    );
    assert_eq!(
        Value::Object(PipelinePatch::default().name("N").checked().expect("valid")),
        json!({"name": "N"})
    );
}

#[test]
fn a_new_pipeline_lacking_what_amocrm_requires_is_refused() {
    for key in PIPELINE_KEYS {
        let mut body = NewPipeline::new("S", 1, false, true).0;
        body.remove(key);
        assert_eq!(
            what(NewPipeline::from_json(body).checked("0.")),
            format!("0.{key}")
        );
    }
    assert_eq!(
        what(NewPipeline::new(" ", 1, false, true).checked("")),
        "name"
    );
    let typo = object(
        json!({"name": "S", "sort": 1, "is_main": false, "is_unsorted_on": true, "is_archive": false}),
    );
    assert_eq!(what(NewPipeline::from_json(typo).checked("")), "is_archive");
    let wrong = object(json!({"name": "S", "sort": "1", "is_main": false, "is_unsorted_on": true}));
    assert_eq!(what(NewPipeline::from_json(wrong).checked("")), "sort");
    let flag = object(json!({"name": "S", "sort": 1, "is_main": 1, "is_unsorted_on": true}));
    assert_eq!(what(NewPipeline::from_json(flag).checked("")), "is_main");
}

#[test]
fn statuses_of_a_new_pipeline_are_checked() {
    let p = || NewPipeline::new("S", 1, false, true);
    assert_eq!(
        what(
            p().status(NewStatus::new("x", 1).color("#123456"))
                .checked("")
        ),
        "_embedded.statuses.0.color"
    );
    assert_eq!(
        what(
            p().status(NewStatus::default().set("name", "x"))
                .checked("")
        ),
        "_embedded.statuses.0.sort"
    );
    let other_id = p().embed(json!({"id": 5, "name": "x"}));
    assert_eq!(what(other_id.checked("")), "_embedded.statuses.0.id");
    let renamed_with_sort = p().embed(json!({"id": 143, "name": "x", "sort": 3}));
    assert_eq!(
        what(renamed_with_sort.checked("")),
        "_embedded.statuses.0.sort"
    );
    let max = (0..97).fold(p(), |p, i| p.status(NewStatus::new(format!("s{i}"), i)));
    assert!(
        max.clone()
            .rename_won("W")
            .rename_lost("L")
            .checked("")
            .is_ok()
    );
    assert_eq!(
        what(max.status(NewStatus::new("one more", 1)).checked("")),
        "_embedded.statuses"
    );
    let not_only_statuses =
        NewPipeline::from_json(object(json!({"name": "S", "sort": 1, "is_main": false,
        "is_unsorted_on": true, "_embedded": {"statuses": [], "tags": []}})));
    assert_eq!(what(not_only_statuses.checked("")), "_embedded");
}

#[test]
fn every_palette_colour_passes_and_nothing_else() {
    for color in STATUS_COLORS {
        assert!(
            NewStatus::new("s", 1).color(color).checked("").is_ok(),
            "{color}"
        );
        assert!(
            StatusPatch::default()
                .color(color.to_uppercase())
                .checked()
                .is_ok(),
            "{color}"
        );
    }
    for color in ["#c1c1c1", "#CCFF66", "fffeb2", "", "#fffeb2 "] {
        let raw = StatusPatch::from_json(object(json!({"color": color})));
        assert_eq!(what(raw.checked()), "color", "{color}");
    }
}

#[test]
fn descriptions_take_one_a_level_of_at_most_1000_characters() {
    let s = || StatusPatch::default();
    let long = "я".repeat(MAX_DESCRIPTION_CHARS);
    assert!(
        s().description(DescriptionLevel::Newbie, long.clone())
            .checked()
            .is_ok()
    );
    assert_eq!(
        what(
            s().description(DescriptionLevel::Newbie, long + "я")
                .checked()
        ),
        "descriptions.0.description"
    );
    let twice = s()
        .description(DescriptionLevel::Candidate, "a")
        .description(DescriptionLevel::Candidate, "b");
    assert_eq!(what(twice.checked()), "descriptions.1.level");
    let all = s()
        .description(DescriptionLevel::Newbie, "a")
        .description(DescriptionLevel::Candidate, "b")
        .description(DescriptionLevel::Master, "c");
    assert!(all.checked().is_ok());
    let odd = StatusPatch::from_json(object(
        json!({"descriptions": [{"level": "boss", "description": "x"}]}),
    ));
    assert_eq!(what(odd.checked()), "descriptions.0.level");
    let extra = StatusPatch::from_json(object(
        json!({"descriptions": [{"level": "master", "description": "x", "id": 1}]}),
    ));
    assert_eq!(what(extra.checked()), "descriptions.0.id");
}

#[test]
fn a_change_names_something_it_may_change() {
    assert_eq!(what(PipelinePatch::default().checked()), "pipeline");
    assert_eq!(what(StatusPatch::default().checked()), "status");
    let typo = StatusPatch::from_json(object(json!({"colour": "#fffeb2"})));
    assert_eq!(what(typo.checked()), "colour");
    let is_main_on_status = StatusPatch::from_json(object(json!({"is_main": true})));
    assert_eq!(what(is_main_on_status.checked()), "is_main");
    assert_eq!(what(StatusPatch::default().name("").checked()), "name");
}

#[test]
fn counts_are_amocrms_limits() {
    assert!(count("pipelines", 0, MAX_PIPELINES).is_err());
    assert!(count("pipelines", MAX_PIPELINES, MAX_PIPELINES).is_ok());
    assert!(count("pipelines", MAX_PIPELINES + 1, MAX_PIPELINES).is_err());
    assert!(is_closing(142) && is_closing(143) && !is_closing(141) && !is_closing(144));
}
