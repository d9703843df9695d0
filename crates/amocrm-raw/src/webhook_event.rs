//! The events a webhook subscribes to (`settings` of `/api/v4/webhooks`): an open set.

open_enum! {
    /// An event a webhook destination receives (an entry of a webhook's `settings`). The
    /// documented codes, and `Unknown` for one amoCRM adds later (unsorted, messages and
    /// catalog elements exist in amoCRM's interface without a documented code).
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum WebhookEvent {
        /// A lead was added.
        AddLead => "add_lead",
        /// A lead was changed.
        UpdateLead => "update_lead",
        /// A lead was deleted.
        DeleteLead => "delete_lead",
        /// A lead was restored from the trash.
        RestoreLead => "restore_lead",
        /// A lead moved to another status (stage).
        StatusLead => "status_lead",
        /// A lead got another responsible user.
        ResponsibleLead => "responsible_lead",
        /// A note was added to a lead.
        NoteLead => "note_lead",
        /// A contact was added.
        AddContact => "add_contact",
        /// A contact was changed.
        UpdateContact => "update_contact",
        /// A contact was deleted.
        DeleteContact => "delete_contact",
        /// A contact was restored.
        RestoreContact => "restore_contact",
        /// A contact got another responsible user.
        ResponsibleContact => "responsible_contact",
        /// A note was added to a contact.
        NoteContact => "note_contact",
        /// A company was added.
        AddCompany => "add_company",
        /// A company was changed.
        UpdateCompany => "update_company",
        /// A company was deleted.
        DeleteCompany => "delete_company",
        /// A company was restored.
        RestoreCompany => "restore_company",
        /// A company got another responsible user.
        ResponsibleCompany => "responsible_company",
        /// A note was added to a company.
        NoteCompany => "note_company",
        /// A customer was added.
        AddCustomer => "add_customer",
        /// A customer was changed.
        UpdateCustomer => "update_customer",
        /// A customer was deleted.
        DeleteCustomer => "delete_customer",
        /// A customer got another responsible user.
        ResponsibleCustomer => "responsible_customer",
        /// A note was added to a customer.
        NoteCustomer => "note_customer",
        /// A task was added.
        AddTask => "add_task",
        /// A task was changed (completed included).
        UpdateTask => "update_task",
        /// A task was deleted.
        DeleteTask => "delete_task",
        /// A task got another responsible user.
        ResponsibleTask => "responsible_task",
        /// A talk (chat conversation) started.
        AddTalk => "add_talk",
        /// A talk changed.
        UpdateTalk => "update_talk",
        /// A chat template was reviewed.
        AddChatTemplateReview => "add_chat_template_review",
    }
}

#[cfg(test)]
mod tests {
    use super::WebhookEvent;

    #[test]
    fn codes_read_and_write_back_and_unknown_ones_are_kept() {
        assert_eq!(WebhookEvent::from("status_lead"), WebhookEvent::StatusLead);
        assert_eq!(WebhookEvent::NoteCompany.as_str(), "note_company");
        let later = WebhookEvent::from("add_unsorted");
        assert_eq!(later, WebhookEvent::Unknown("add_unsorted".into()));
        let json = serde_json::to_string(&[WebhookEvent::AddLead, later]).unwrap();
        assert_eq!(json, r#"["add_lead","add_unsorted"]"#);
    }
}
