//! The receiver's reading of amoCRM's webhook bodies: a corpus of every event type in the
//! v2 shape (strings for numbers, keys this crate does not know, a malformed event among
//! good ones), each file one pair a line.

use amocrm::webhook::{Action, Delivery, Event, NoteParent, Received, WebhookReceiver};

fn body(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/webhook/corpus/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("corpus file");
    text.lines()
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

fn parse(name: &str) -> Delivery {
    Delivery::parse(&body(name)).expect("a delivery")
}

#[test]
fn leads_every_action_with_numbers_as_strings_and_unknown_keys_kept() {
    let d = parse("leads.form");
    assert_eq!(d.account.id, Some(1_231_414));
    assert_eq!(d.account.subdomain.as_deref(), Some("example"));
    assert_eq!(d.account.url.as_deref(), Some("https://example.amocrm.ru"));
    let events: Vec<&Event> = d.events.iter().map(|e| e.as_ref().unwrap()).collect();
    let actions: Vec<(String, i64)> = events
        .iter()
        .map(|e| match e {
            Event::Lead { action, lead } => (action.to_string(), lead.id),
            other => panic!("not a lead: {other:?}"),
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("add".into(), 25_399_013),
            ("delete".into(), 25_399_014),
            ("responsible".into(), 25_399_013),
            ("restore".into(), 25_399_014),
            ("status".into(), 25_399_013),
            ("update".into(), 25_399_013),
        ]
    );
    let Event::Lead { lead: added, .. } = events[0] else {
        unreachable!()
    };
    assert_eq!(added.name.as_deref(), Some("Заявка с сайта"));
    assert_eq!((added.status_id, added.price), (Some(142), Some(1500)));
    assert_eq!(added.pipeline_id, Some(3_177_727));
    assert_eq!(added.modified_user_id, Some(0));
    assert_eq!(added.date_create, Some(1_575_296_400));
    assert_eq!(added.tags[0].name.as_deref(), Some("VIP"));
    assert_eq!(
        added.custom_fields[0].values[0].value.as_deref(),
        Some("Website")
    );
    assert_eq!(added.custom_fields[0].values[0].enum_id, Some(123));
    assert_eq!(
        added.custom_fields[1].values[0].value.as_deref(),
        Some("1412380800")
    );
    let future = added.fields["some_future_key"].as_map().unwrap();
    assert_eq!(future["nested"].as_text(), Some("kept"));
    assert_eq!(
        added.fields["price_with_minor_units"].as_text(),
        Some("150000")
    );
    let Event::Lead {
        lead: moved,
        action,
    } = events[4]
    else {
        unreachable!()
    };
    assert_eq!(*action, Action::Status);
    assert_eq!(
        (moved.old_status_id, moved.status_id),
        (Some(13_670_637), Some(142))
    );
    let Event::Lead {
        lead: reassigned, ..
    } = events[2]
    else {
        unreachable!()
    };
    assert_eq!(reassigned.old_responsible_user_id, Some(504_141));
    let Event::Lead { lead: updated, .. } = events[5] else {
        unreachable!()
    };
    assert_eq!(updated.price, None, "an empty string is no value");
}

#[test]
fn contacts_and_companies_told_apart() {
    let d = parse("parties.form");
    let kinds: Vec<String> = d
        .events
        .iter()
        .map(|e| match e.as_ref().unwrap() {
            Event::Contact { action, contact } => format!("contact {action} {}", contact.id),
            Event::Company { action, company } => format!("company {action} {}", company.id),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "company update 5050",
            "contact add 4040",
            "company add 5050",
            "contact delete 4041",
            "contact responsible 4040",
            "contact restore 4041",
            "contact update 4040",
        ]
    );
    let Ok(Event::Contact { contact, .. }) = &d.events[1] else {
        unreachable!()
    };
    assert_eq!(contact.linked_leads_id, [25_399_013, 25_399_020]);
    assert_eq!(contact.linked_company_id, Some(5050));
    assert_eq!(contact.company_name.as_deref(), Some("Acme"));
    assert_eq!(contact.custom_fields[0].code.as_deref(), Some("PHONE"));
    assert_eq!(
        contact.custom_fields[0].values[0].value.as_deref(),
        Some("+79990001122")
    );
    assert_eq!(contact.custom_fields[0].values[0].enum_id, Some(200));
}

/// Companies' delete, restore and responsible change, and their notes, under `contacts`
/// with `type=company` (amoCRM's spelling) and under `companies`.
#[test]
fn companies_deleted_restored_reassigned_and_their_notes() {
    let d = parse("companies.form");
    assert!(d.events.iter().all(Result::is_ok), "{:?}", d.events);
    let summary: Vec<String> = d
        .valid_events()
        .map(|e| match e {
            Event::Company { action, company } => format!("company {action} {}", company.id),
            Event::Contact { action, contact } => format!("contact {action} {}", contact.id),
            Event::Note { on, note } => format!("note on {on} {}", note.id),
            other => panic!("{other:?}"),
        })
        .collect();
    // In key order: companies, then contacts; actions by name; entries by number.
    assert_eq!(
        summary,
        [
            "company delete 5053",
            "note on company 6004",
            "company delete 5051",
            "contact delete 4041",
            "note on company 6003",
            "company responsible 5050",
            "company restore 5051",
        ]
    );
    let events: Vec<&Event> = d.valid_events().collect();
    let Event::Company { company, .. } = events[5] else {
        unreachable!()
    };
    assert_eq!(
        (company.responsible_user_id, company.old_responsible_user_id),
        (Some(504_142), Some(504_141))
    );
    let Event::Note { note, .. } = events[4] else {
        unreachable!()
    };
    assert_eq!(
        (note.element_id, note.element_type, note.created_user_id),
        (Some(5050), Some(3), Some(504_141))
    );
    assert_eq!(
        (
            note.note_type.as_deref(),
            note.text.as_deref(),
            note.date_create
        ),
        (Some("4"), Some("Called the office"), Some(1_575_296_400))
    );
    let Event::Note { note, .. } = events[1] else {
        unreachable!()
    };
    assert_eq!((note.element_id, note.element_type), (Some(5052), Some(3)));
}

#[test]
fn tasks_notes_unsorted_and_entities_this_crate_does_not_read() {
    let d = parse("tasks_notes_unsorted.form");
    assert!(d.events.iter().all(Result::is_ok), "{:?}", d.events);
    let events: Vec<&Event> = d.valid_events().collect();
    assert_eq!(events.len(), 9, "{events:#?}");
    // contacts, customers, leads, talk, task, unsorted: in key order.
    let Event::Note { on, note } = events[0] else {
        panic!("{:?}", events[0])
    };
    assert_eq!(
        (on, note.id, note.element_id),
        (&NoteParent::Contact, 6002, Some(4040))
    );
    let Event::Unknown {
        entity,
        action,
        fields,
    } = events[1]
    else {
        panic!()
    };
    assert_eq!((entity.as_str(), action.as_str()), ("customers", "add"));
    assert_eq!(fields["id"].as_text(), Some("31"));
    let Event::Note { on, note } = events[2] else {
        panic!()
    };
    assert_eq!(*on, NoteParent::Lead);
    assert_eq!(
        (note.id, note.note_type.as_deref(), note.text.as_deref()),
        (6001, Some("4"), Some("Hello"))
    );
    assert!(matches!(events[3], Event::Unknown { entity, .. } if entity == "talk"));
    let Event::Task { action, task } = events[4] else {
        panic!()
    };
    assert_eq!(*action, Action::Add);
    assert_eq!(
        (task.id, task.element_id, task.element_type),
        (9001, Some(25_399_013), Some(2))
    );
    assert_eq!(task.complete_till.as_deref(), Some("2019-12-02 18:00:00"));
    assert_eq!((task.completed, task.closed_now), (Some(false), false));
    let Event::Task { task, .. } = events[6] else {
        panic!()
    };
    assert_eq!((task.completed, task.closed_now), (Some(true), true));
    assert_eq!(task.result_text.as_deref(), Some("Done"));
    let Event::Task { action, task } = events[5] else {
        panic!()
    };
    assert_eq!((action, task.id), (&Action::Delete, 9002));
    let Event::Unsorted { action, unsorted } = events[7] else {
        panic!()
    };
    assert_eq!((action, unsorted.uid.as_str()), (&Action::Add, "a1b2c3d4"));
    assert_eq!(unsorted.category.as_deref(), Some("forms"));
    let Event::Unsorted { unsorted, .. } = events[8] else {
        panic!()
    };
    assert_eq!(unsorted.decision.as_deref(), Some("accept"));
}

#[test]
fn a_malformed_event_is_one_err_and_the_others_are_read() {
    let d = parse("malformed.form");
    let summary: Vec<String> = d
        .events
        .iter()
        .map(|e| match e {
            Ok(Event::Lead { lead, .. }) => format!("lead {}", lead.id),
            Ok(Event::Contact { action, contact }) => format!("contact {action} {}", contact.id),
            Ok(other) => format!("{other:?}"),
            Err(bad) => format!("err {}[{}][{}]", bad.entity, bad.action, bad.index),
        })
        .collect();
    assert_eq!(
        summary,
        [
            "contact delete 4041",
            "lead 7",
            "err leads[status][1]",
            "err leads[status][2]",
            "err leads[status][3]",
            "lead 8",
            "err unsorted[add][0]",
            "err weird[][]",
        ]
    );
    let bad = d.events[2].as_ref().unwrap_err().to_string();
    assert!(
        bad.contains("leads[status][1]") && !bad.contains("not-a-number"),
        "{bad}"
    );
    assert_eq!(d.account.id, Some(1_231_414));
}

#[test]
fn anything_is_read_as_far_as_it_goes() {
    for body in [
        &b""[..],
        b"&&&",
        b"%ZZ=%",
        b"[=1",
        b"account=1",
        b"leads=1",
        b"\xff\xfe=\x00",
    ] {
        let d = Delivery::parse(body).expect("never fails");
        assert_eq!(d.account.id, None);
    }
}

#[tokio::test]
async fn the_receiver_checks_the_secret_and_recognises_a_second_delivery() {
    let receiver = WebhookReceiver::new("k3iM2bT9xQ0fLw7Z-secret")
        .unwrap()
        .account(1_231_414);
    let body = body("leads.form");
    let wrong = receiver
        .receive("k3iM2bT9xQ0fLw7Z-secreT", &body)
        .await
        .unwrap_err();
    assert_eq!(wrong, amocrm::error::WebhookError::WrongSecret);
    let Received::New(d) = receiver
        .receive("k3iM2bT9xQ0fLw7Z-secret", &body)
        .await
        .unwrap()
    else {
        panic!("new the first time")
    };
    assert_eq!(d.events.len(), 6);
    let again = receiver
        .receive("k3iM2bT9xQ0fLw7Z-secret", &body)
        .await
        .unwrap();
    assert_eq!(
        again,
        Received::Duplicate {
            key: WebhookReceiver::key(&body)
        }
    );
    let other = b"leads[add][0][id]=1&account[id]=99";
    let e = receiver
        .receive("k3iM2bT9xQ0fLw7Z-secret", other)
        .await
        .unwrap_err();
    assert_eq!(e, amocrm::error::WebhookError::OtherAccount);
    let small = WebhookReceiver::new("k3iM2bT9xQ0fLw7Z-secret")
        .unwrap()
        .max_body(10);
    let e = small
        .receive("k3iM2bT9xQ0fLw7Z-secret", &body)
        .await
        .unwrap_err();
    assert_eq!(e, amocrm::error::WebhookError::TooLarge { limit: 10 });
}
