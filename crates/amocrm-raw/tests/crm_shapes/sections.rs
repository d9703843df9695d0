//! Notes, events, users and roles, links, catalogs, tags: their surprises, and what must
//! be there still is.

use super::*;

#[test]
fn new_note_types_decode_and_keep_their_params() {
    let note: Note = decode(&json!({"id": 1, "note_type": "voice_memo",
        "params": {"duration": 12, "transcript": {"lang": "ru", "text": "…"}}}));
    assert_eq!(note.note_type, Some(NoteType::Unknown("voice_memo".into())));
    let params = note.params.clone().unwrap().into_option().unwrap();
    assert_eq!(params["transcript"]["lang"], json!("ru"));
    assert_eq!(
        serde_json::to_value(&note).unwrap()["note_type"],
        json!("voice_memo")
    );
    let system: Note = decode(&json!({"id": 2, "note_type": "amomail_message",
        "params": {"thread_id": 10, "message_id": "abc", "income": true, "from": {"email": "a@b.c", "name": "A"}}}));
    assert_eq!(system.note_type, Some(NoteType::AmomailMessage));
}

#[test]
fn a_call_note_with_uniq_as_an_array_decodes() {
    let note: Note = decode(
        &json!({"id": 42709901, "entity_id": 26053794, "note_type": "call_in",
        "params": {"uniq": ["8f52d38a-5fb3-406d-93a3-a4832dc28f8b"], "duration": 60,
                   "source": "onlinePBX", "phone": "+79999999999", "call_responsible": "Менеджер",
                   "call_status": 4}}),
    );
    let params = note.params.unwrap().into_option().unwrap();
    assert_eq!(
        params["uniq"],
        json!(["8f52d38a-5fb3-406d-93a3-a4832dc28f8b"])
    );
    assert_eq!(params["call_responsible"], json!("Менеджер"));
    assert_eq!(note.note_type, Some(NoteType::CallIn));
}

#[test]
fn new_event_types_and_custom_field_changes_decode() {
    let events: EventList = decode(&json!({"_embedded": {"events": [
        {"id": "01pz58t6p04ymgsgfbmfyfy1mf", "type": "lead_teleported", "entity_id": 1,
         "entity_type": "lead", "created_at": 1588888888, "value_after": [{"portal": {"id": 9}}]},
        {"id": "01pz5bq2zsx8r4d6kyv0h3m9tw", "type": "custom_field_57832_value_changed",
         "entity_id": 1, "entity_type": "lead", "created_at": 1588888889,
         "value_after": [{"custom_field_value": {"field_id": 57832, "field_type": 1, "enum_id": null, "text": "new"}}],
         "value_before": [{"custom_field_value": {"field_id": 57832, "field_type": 1, "enum_id": null, "text": "old"}}]}
    ]}}));
    let events = events.embedded.into_option().unwrap().events;
    assert_eq!(
        events[0].type_,
        Some(EventTypeCode::Unknown("lead_teleported".into()))
    );
    assert_eq!(
        events[1].type_,
        Some(EventTypeCode::CustomFieldIdValueChanged(57832))
    );
    assert_eq!(
        events[1].value_after.as_ref().unwrap()[0]["custom_field_value"]["text"],
        json!("new")
    );
    let types: EventTypeList = decode(&json!({"_embedded": {"events_types": [
        {"key": "lead_teleported", "type": 99, "lang": "Сделка телепортирована"},
        {"key": "custom_field_57832_value_changed"}
    ]}}));
    let types = types.embedded.into_option().unwrap().events_types;
    assert_eq!(types[0].key.to_string(), "lead_teleported");
    assert_eq!(types[1].key.custom_field_id(), Some(57832));
}

#[test]
fn event_ids_are_strings() {
    let event: Event = decode(
        &json!({"id": "01pz58t6p04ymgsgfbmfyfy1mf", "type": "incoming_chat_message",
        "entity_id": 26060763, "entity_type": "lead", "created_by": 0, "created_at": 1588889500,
        "value_after": [{"message": {"id": "1508b51c-aab0-428e-9322-611d847ae747"}}],
        "value_before": [], "linked_talk_contact_id": 11069775}),
    );
    assert_eq!(event.id, "01pz58t6p04ymgsgfbmfyfy1mf");
    assert_eq!(event.linked_talk_contact_id, Some(11069775));
    assert_eq!(event.entity_type.as_deref(), Some("lead"));
    assert_eq!(event.value_before, Some(vec![]));
    // A number is not an event's id.
    assert!(!decodes::<Event>(&json!({"id": 12345})));
}

#[test]
fn status_rights_null_decodes() {
    let user: User = decode(&json!({"id": 321321, "name": "Пользователь", "rights": {
        "leads": {"view": "A", "edit": "A", "add": "A", "delete": "D", "export": "M"},
        "tasks": {"edit": "A", "delete": "A"}, "mail_access": true, "status_rights": null,
        "catalog_rights": [{"catalog_id": 4521, "rights": {"view": "L", "edit": "X"}}],
        "is_admin": true, "group_id": null, "role_id": null}, "user_rank": "guru", "uuid": null}));
    let rights = user.rights.unwrap().into_option().unwrap();
    assert_eq!(rights.status_rights, None);
    let leads = rights.leads.unwrap().into_option().unwrap();
    assert_eq!(leads.export, Some(AccessLevel::Own));
    let catalog = &rights.catalog_rights.unwrap()[0];
    let catalog_rights = catalog.rights.clone().unwrap().into_option().unwrap();
    assert_eq!(catalog_rights.view, Some(AccessLevel::Linked));
    assert_eq!(catalog_rights.edit, Some(AccessLevel::Unknown("X".into())));
    assert_eq!(user.user_rank, Some(UserRank::Unknown("guru".into())));
}

#[test]
fn role_members_read_as_ids_or_objects() {
    let role: Role = decode(
        &json!({"id": 107995, "name": "Роль", "_embedded": {"users": [
            123123, {"id": 185848}, {"id": 7, "_links": {"self": {"href": "https://example.amocrm.ru/api/v4/users/7"}}}
        ]}}),
    );
    let users = role
        .embedded
        .clone()
        .unwrap()
        .into_option()
        .unwrap()
        .users
        .unwrap();
    assert_eq!(
        users.iter().map(RoleMember::id).collect::<Vec<_>>(),
        [123123, 185848, 7]
    );
    assert_eq!(
        serde_json::to_value(&role).unwrap()["_embedded"]["users"][2]["_links"]["self"]["href"],
        json!("https://example.amocrm.ru/api/v4/users/7")
    );
    assert!(!decodes::<Role>(
        &json!({"id": 1, "_embedded": {"users": ["123"]}})
    ));
}

#[test]
fn php_empty_arrays_read_as_empty_objects() {
    // `[]` for `_embedded`, `_links` and `params`: PHP's empty map.
    let lead: Lead = decode(&json!({"id": 1, "_embedded": [], "_links": []}));
    assert_eq!(
        (lead.embedded, lead.links),
        (Some(PhpObject(None)), Some(PhpObject(None)))
    );
    let leads: LeadList = decode(&json!({"_page": 3, "_links": [], "_embedded": []}));
    assert_eq!(leads.embedded, PhpObject(None));
    let note: Note = decode(&json!({"id": 1, "note_type": "chat", "params": []}));
    assert_eq!(note.params, Some(PhpObject(None)));
    let null_params: Note = decode(&json!({"id": 1, "params": null}));
    assert_eq!(null_params.params, None);
    for list in [
        json!({"_embedded": []}),
        json!({"_embedded": [], "_links": [], "_total_items": 0}),
    ] {
        decode::<ContactList>(&list);
        decode::<CompanyList>(&list);
        decode::<CatalogList>(&list);
        decode::<CatalogElementList>(&list);
        decode::<CustomFieldList>(&list);
        decode::<CustomFieldGroupList>(&list);
        decode::<UserList>(&list);
        decode::<RoleList>(&list);
        decode::<TagList>(&list);
        decode::<TaskList>(&list);
        decode::<NoteList>(&list);
        decode::<EntityLinkList>(&list);
        decode::<EventList>(&list);
        decode::<EventTypeList>(&list);
        decode::<LossReasonList>(&list);
    }
    let user: User = decode(&json!({"id": 1, "_embedded": {"roles": [], "groups": []}}));
    assert!(user.embedded.is_some());
    let event: Event = decode(&json!({"id": "e", "_embedded": [], "_links": []}));
    assert_eq!(event.embedded, Some(PhpObject(None)));
}

#[test]
fn link_metadata_reads_as_null_an_empty_array_or_an_object() {
    let links: EntityLinkList = decode(&json!({"_total_items": 4, "_embedded": {"links": [
        {"to_entity_id": 11271229, "to_entity_type": "companies", "metadata": null},
        {"to_entity_id": 11271230, "to_entity_type": "companies", "metadata": []},
        {"to_entity_id": 11069775, "to_entity_type": "contacts", "metadata": {"main_contact": true}},
        {"entity_id": 7593303, "entity_type": "leads", "to_entity_id": 597393,
         "to_entity_type": "catalog_elements", "metadata": {"quantity": 1.5, "catalog_id": 4521, "price_id": null}}
    ]}}));
    let links = links.embedded.into_option().unwrap().links;
    assert_eq!(links[0].metadata, None);
    assert_eq!(links[1].metadata, Some(PhpObject(None)));
    let contact = links[2].metadata.clone().unwrap().into_option().unwrap();
    assert_eq!(contact.main_contact, Some(true));
    let element = links[3].metadata.clone().unwrap().into_option().unwrap();
    assert_eq!(
        (element.quantity, element.catalog_id, element.price_id),
        (Some(1.5), Some(4521), None)
    );
}

#[test]
fn catalog_elements_embedded_in_either_placement_decode() {
    let lead: Lead = decode(&json!({"id": 1, "_embedded": {"catalog_elements": [
        {"id": 525439, "metadata": {"quantity": 1, "catalog_id": 4521}},
        {"id": 525440, "quantity": 2.5, "catalog_id": 4521, "price_id": 77},
        {"id": 525441, "metadata": []}
    ]}}));
    let elements = lead
        .embedded
        .unwrap()
        .into_option()
        .unwrap()
        .catalog_elements;
    assert_eq!(
        elements[0]
            .metadata
            .clone()
            .unwrap()
            .into_option()
            .unwrap()
            .quantity,
        Some(1.0)
    );
    assert_eq!(
        (elements[1].quantity, elements[1].price_id),
        (Some(2.5), Some(77))
    );
    assert_eq!(elements[2].metadata, Some(PhpObject(None)));
}

#[test]
fn contact_lists_without_is_deleted_and_tags_without_colours_decode() {
    let contacts: ContactList = decode(&json!({"_embedded": {"contacts": [
        {"id": 7143599, "name": "1", "first_name": "", "last_name": "",
         "_embedded": {"tags": [{"id": 1, "name": "VIP", "color": null}], "companies": []}}
    ]}}));
    let contact = &contacts.embedded.into_option().unwrap().contacts[0];
    assert_eq!(contact.is_deleted, None);
    let tags = &contact
        .embedded
        .clone()
        .unwrap()
        .into_option()
        .unwrap()
        .tags;
    assert_eq!(tags[0].color, None);
    let tags: TagList = decode(&json!({"_embedded": {"tags": [
        {"id": 2707, "name": "Заявка", "color": "00FF00"}, {"id": 2709, "name": null}
    ]}}));
    let tags: Vec<Tag> = tags.embedded.into_option().unwrap().tags;
    assert_eq!(
        tags[0].color.as_deref(),
        Some("00FF00"),
        "an undocumented colour is kept"
    );
}

#[test]
fn what_must_be_there_still_is() {
    // An entity without its id.
    assert!(!decodes::<Lead>(&json!({"name": "no id"})));
    assert!(!decodes::<Contact>(&json!({"id": null})));
    assert!(!decodes::<Company>(&json!({"id": "12"})));
    assert!(!decodes::<Task>(&json!({"text": "no id"})));
    assert!(!decodes::<Note>(&json!({"note_type": "common"})));
    assert!(!decodes::<Event>(&json!({"type": "lead_added"})));
    assert!(!decodes::<User>(&json!({"name": "no id"})));
    assert!(!decodes::<Tag>(&json!({"name": "no id"})));
    assert!(!decodes::<CatalogElement>(&json!({"name": "no id"})));
    assert!(!decodes::<CustomFieldGroup>(&json!({"name": "no id"})));
    assert!(!decodes::<CustomFieldGroup>(&json!({"id": true})));
    assert!(!decodes::<EntityLinkList>(
        &json!({"_embedded": {"links": [{"to_entity_type": "contacts"}]}})
    ));
    assert!(!decodes::<EventTypeList>(
        &json!({"_embedded": {"events_types": [{"type": 1}]}})
    ));
    // A custom field without its field_id fails its entity.
    assert!(!decodes::<Lead>(
        &json!({"id": 1, "custom_fields_values": [{"values": [{"value": "x"}]}]})
    ));
    assert!(!decodes::<Lead>(
        &json!({"id": 1, "custom_fields_values": [{"field_id": "x"}]})
    ));
    assert!(!decodes::<Lead>(
        &json!({"id": 1, "custom_fields_values": {"1": {"field_id": 1}}})
    ));
    // A list without its _embedded, or with a non-empty array for it.
    assert!(!decodes::<LeadList>(&json!({"_page": 1})));
    assert!(!decodes::<LeadList>(&json!({"_embedded": [1]})));
    assert!(!decodes::<LeadList>(
        &json!({"_embedded": {"contacts": []}})
    ));
    // A non-empty array where an object or [] is expected.
    assert!(!decodes::<Task>(&json!({"id": 1, "result": ["done"]})));
    assert!(!decodes::<Note>(&json!({"id": 1, "params": ["x"]})));
    // A price that is not a number or a string.
    assert!(!decodes::<Lead>(&json!({"id": 1, "price": true})));
    assert!(!decodes::<Lead>(&json!({"id": 1, "price": {"amount": 1}})));
}
