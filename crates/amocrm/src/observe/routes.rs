//! The route template of each operation (`url.template`): the path as the spec writes it,
//! never a path with its IDs filled in, nor a query. The table is checked against the
//! bundled spec by `tests/observe/routes.rs`.

/// The route template of `operation_id` (`/api/v4/leads/{id}`), `None` for an operation
/// the table does not know.
pub fn url_template(operation_id: &str) -> Option<&'static str> {
    ROUTES
        .binary_search_by(|(id, _)| (*id).cmp(operation_id))
        .ok()
        .map(|at| ROUTES[at].1)
}

/// Every operation of the spec and its path, sorted by operation.
pub(super) const ROUTES: &[(&str, &str)] = &[
    (
        "add_catalog_custom_fields",
        "/api/v4/catalogs/{catalog_id}/custom_fields",
    ),
    ("add_companies", "/api/v4/companies"),
    ("add_contacts", "/api/v4/contacts"),
    ("add_custom_fields", "/api/v4/{entity_type}/custom_fields"),
    (
        "add_entity_notes",
        "/api/v4/{entity_type}/{entity_id}/notes",
    ),
    ("add_leads", "/api/v4/leads"),
    ("add_leads_complex", "/api/v4/leads/complex"),
    ("add_notes", "/api/v4/{entity_type}/notes"),
    ("add_pipelines", "/api/v4/leads/pipelines"),
    (
        "add_statuses",
        "/api/v4/leads/pipelines/{pipeline_id}/statuses",
    ),
    ("add_tags", "/api/v4/{entity_type}/tags"),
    ("add_tasks", "/api/v4/tasks"),
    (
        "continue_bot",
        "/api/v4/{bot_kind}/{bot_id}/continue/{continue_id}",
    ),
    (
        "delete_catalog_custom_field",
        "/api/v4/catalogs/{catalog_id}/custom_fields/{id}",
    ),
    (
        "delete_custom_field",
        "/api/v4/{entity_type}/custom_fields/{id}",
    ),
    ("delete_pipeline", "/api/v4/leads/pipelines/{id}"),
    (
        "delete_status",
        "/api/v4/leads/pipelines/{pipeline_id}/statuses/{id}",
    ),
    ("get_account", "/api/v4/account"),
    ("get_catalog", "/api/v4/catalogs/{id}"),
    (
        "get_catalog_custom_field",
        "/api/v4/catalogs/{catalog_id}/custom_fields/{id}",
    ),
    (
        "get_catalog_custom_field_group",
        "/api/v4/catalogs/{catalog_id}/custom_fields/groups/{id}",
    ),
    (
        "get_catalog_element",
        "/api/v4/catalogs/{catalog_id}/elements/{id}",
    ),
    ("get_company", "/api/v4/companies/{id}"),
    ("get_contact", "/api/v4/contacts/{id}"),
    (
        "get_custom_field",
        "/api/v4/{entity_type}/custom_fields/{id}",
    ),
    (
        "get_custom_field_group",
        "/api/v4/{entity_type}/custom_fields/groups/{id}",
    ),
    ("get_event", "/api/v4/events/{id}"),
    ("get_lead", "/api/v4/leads/{id}"),
    ("get_note", "/api/v4/{entity_type}/notes/{id}"),
    ("get_pipeline", "/api/v4/leads/pipelines/{id}"),
    ("get_role", "/api/v4/roles/{id}"),
    ("get_task", "/api/v4/tasks/{id}"),
    ("get_user", "/api/v4/users/{id}"),
    ("get_widget", "/api/v4/widgets/{widget_code}"),
    ("install_widget", "/api/v4/widgets/{widget_code}"),
    ("link_entities", "/api/v4/{entity_type}/link"),
    ("link_entity", "/api/v4/{entity_type}/{entity_id}/link"),
    (
        "list_catalog_custom_field_groups",
        "/api/v4/catalogs/{catalog_id}/custom_fields/groups",
    ),
    (
        "list_catalog_custom_fields",
        "/api/v4/catalogs/{catalog_id}/custom_fields",
    ),
    (
        "list_catalog_elements",
        "/api/v4/catalogs/{catalog_id}/elements",
    ),
    ("list_catalogs", "/api/v4/catalogs"),
    ("list_companies", "/api/v4/companies"),
    ("list_contacts", "/api/v4/contacts"),
    (
        "list_custom_field_groups",
        "/api/v4/{entity_type}/custom_fields/groups",
    ),
    ("list_custom_fields", "/api/v4/{entity_type}/custom_fields"),
    (
        "list_entity_links",
        "/api/v4/{entity_type}/{entity_id}/links",
    ),
    (
        "list_entity_notes",
        "/api/v4/{entity_type}/{entity_id}/notes",
    ),
    ("list_event_types", "/api/v4/events/types"),
    ("list_events", "/api/v4/events"),
    ("list_leads", "/api/v4/leads"),
    ("list_links", "/api/v4/{entity_type}/links"),
    ("list_loss_reasons", "/api/v4/leads/loss_reasons"),
    ("list_notes", "/api/v4/{entity_type}/notes"),
    ("list_pipelines", "/api/v4/leads/pipelines"),
    ("list_roles", "/api/v4/roles"),
    ("list_tags", "/api/v4/{entity_type}/tags"),
    ("list_tasks", "/api/v4/tasks"),
    ("list_users", "/api/v4/users"),
    ("list_webhooks", "/api/v4/webhooks"),
    ("list_widgets", "/api/v4/widgets"),
    ("subscribe_webhook", "/api/v4/webhooks"),
    ("uninstall_widget", "/api/v4/widgets/{widget_code}"),
    ("unlink_entities", "/api/v4/{entity_type}/unlink"),
    ("unlink_entity", "/api/v4/{entity_type}/{entity_id}/unlink"),
    ("unsubscribe_webhook", "/api/v4/webhooks"),
    (
        "update_catalog_custom_field",
        "/api/v4/catalogs/{catalog_id}/custom_fields/{id}",
    ),
    (
        "update_catalog_custom_fields",
        "/api/v4/catalogs/{catalog_id}/custom_fields",
    ),
    ("update_companies", "/api/v4/companies"),
    ("update_company", "/api/v4/companies/{id}"),
    ("update_contact", "/api/v4/contacts/{id}"),
    ("update_contacts", "/api/v4/contacts"),
    (
        "update_custom_field",
        "/api/v4/{entity_type}/custom_fields/{id}",
    ),
    (
        "update_custom_fields",
        "/api/v4/{entity_type}/custom_fields",
    ),
    (
        "update_entity_note",
        "/api/v4/{entity_type}/{entity_id}/notes/{id}",
    ),
    (
        "update_entity_notes",
        "/api/v4/{entity_type}/{entity_id}/notes",
    ),
    ("update_lead", "/api/v4/leads/{id}"),
    ("update_leads", "/api/v4/leads"),
    ("update_notes", "/api/v4/{entity_type}/notes"),
    ("update_pipeline", "/api/v4/leads/pipelines/{id}"),
    (
        "update_status",
        "/api/v4/leads/pipelines/{pipeline_id}/statuses/{id}",
    ),
    ("update_task", "/api/v4/tasks/{id}"),
    ("update_tasks", "/api/v4/tasks"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_found() {
        assert!(ROUTES.windows(2).all(|pair| pair[0].0 < pair[1].0));
        assert_eq!(url_template("get_lead"), Some("/api/v4/leads/{id}"));
        assert_eq!(url_template("no_such_operation"), None);
    }
}
