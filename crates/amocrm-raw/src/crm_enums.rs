//! The open sets of the CRM sections: custom field types, catalog kinds, note types, access
//! levels of rights, user ranks. Each keeps an `Unknown(String)` arm, so a value amoCRM
//! adds later decodes (and is written back as it came) instead of failing the answer.
//! Event type codes, which have a parameterised form, are in `event_type`.

open_enum! {
    /// Type of a custom field (a definition's `type`, a value's `field_type`). amoCRM has
    /// added types without notice (`tracking_data`, `file`, `monetary`, `chained_list`,
    /// `org_legal_name` each broke a strict client), so a type this crate does not know is
    /// [`CustomFieldType::Unknown`].
    ///
    /// ```
    /// use amocrm_raw::CustomFieldType;
    ///
    /// let types: Vec<CustomFieldType> = serde_json::from_str(r#"["multitext", "hologram"]"#).unwrap();
    /// assert_eq!(types[0], CustomFieldType::Multitext);
    /// assert_eq!(types[1], CustomFieldType::Unknown("hologram".into()));
    /// assert_eq!(types[1].to_string(), "hologram");
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum CustomFieldType {
        /// `text`: a line of text.
        Text => "text",
        /// `numeric`: a number (amoCRM sends the value as a string, `"29277913"`).
        Numeric => "numeric",
        /// `checkbox`: a flag.
        Checkbox => "checkbox",
        /// `select`: one option of a list.
        Select => "select",
        /// `multiselect`: several options of a list.
        Multiselect => "multiselect",
        /// `multitext`: several texts with a code each (phones, e-mails).
        Multitext => "multitext",
        /// `date`: a date (Unix seconds).
        Date => "date",
        /// `url`: a web address.
        Url => "url",
        /// `date_time`: a date and time (Unix seconds).
        DateTime => "date_time",
        /// `textarea`: longer text.
        Textarea => "textarea",
        /// `radiobutton`: one option of a list, shown as radio buttons.
        Radiobutton => "radiobutton",
        /// `streetaddress`: a short address.
        Streetaddress => "streetaddress",
        /// `smart_address`: an address by parts (lines, city, state, zip, country).
        SmartAddress => "smart_address",
        /// `birthday`: a birthday (Unix seconds).
        Birthday => "birthday",
        /// `legal_entity`: a legal entity's requisites.
        LegalEntity => "legal_entity",
        /// `price`: a catalog element's price.
        Price => "price",
        /// `category`: a catalog's nested category.
        Category => "category",
        /// `items`: an invoice's items.
        Items => "items",
        /// `tracking_data`: tracking data (UTM tags and the like) of leads.
        TrackingData => "tracking_data",
        /// `linked_entity`: a link to another element, contact or company.
        LinkedEntity => "linked_entity",
        /// `chained_list`: elements of chained catalogs (a paid option).
        ChainedList => "chained_list",
        /// `monetary`: money in the field's currency (a paid option).
        Monetary => "monetary",
        /// `file`: a file.
        File => "file",
        /// `payer`: an invoice's payer.
        Payer => "payer",
        /// `supplier`: an invoice's supplier.
        Supplier => "supplier",
        /// `org_legal_name`: an organisation's legal name (known to amoCRM's PHP client,
        /// seen on `.com` accounts; not in the documentation).
        OrgLegalName => "org_legal_name",
    }
}

open_enum! {
    /// Kind of a catalog (amoCRM's "list"): at most one invoices and one products catalog
    /// per account.
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum CatalogType {
        /// `regular`: an ordinary list.
        Regular => "regular",
        /// `invoices`: the invoices catalog.
        Invoices => "invoices",
        /// `products`: the products catalog.
        Products => "products",
        /// `suppliers`: the suppliers catalog (known to amoCRM's PHP client).
        Suppliers => "suppliers",
    }
}

open_enum! {
    /// Type of a note (`note_type`). The first ten are the types the API can write; the
    /// others are system notes amoCRM's PHP client knows. Each type has its own `params`.
    ///
    /// ```
    /// use amocrm_raw::NoteType;
    ///
    /// assert!(NoteType::CallIn.is_editable());
    /// assert!(!NoteType::AmomailMessage.is_editable());
    /// assert_eq!(NoteType::from("call_in"), NoteType::CallIn);
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum NoteType {
        /// `common`: a text note (`params.text`).
        Common => "common",
        /// `call_in`: an incoming call.
        CallIn => "call_in",
        /// `call_out`: an outgoing call.
        CallOut => "call_out",
        /// `service_message`: a message added by an integration.
        ServiceMessage => "service_message",
        /// `extended_service_message`: a longer, folding message of an integration.
        ExtendedServiceMessage => "extended_service_message",
        /// `message_cashier`: a message to a cashier.
        MessageCashier => "message_cashier",
        /// `geolocation`: text with coordinates (from the mobile app).
        Geolocation => "geolocation",
        /// `sms_in`: an incoming SMS.
        SmsIn => "sms_in",
        /// `sms_out`: an outgoing SMS.
        SmsOut => "sms_out",
        /// `attachment`: a file.
        Attachment => "attachment",
        /// `amomail_message`: an e-mail (system).
        AmomailMessage => "amomail_message",
        /// `chat`: a chat (system).
        Chat => "chat",
        /// `site_visit`: a visit of the site (system).
        SiteVisit => "site_visit",
        /// `targeting_in`: incoming targeting (system).
        TargetingIn => "targeting_in",
        /// `targeting_out`: outgoing targeting (system).
        TargetingOut => "targeting_out",
        /// `transaction`: a customer's purchase (system).
        Transaction => "transaction",
        /// `invoice_paid`: an invoice was paid (system).
        InvoicePaid => "invoice_paid",
        /// `bill_paid`: a bill was paid (system).
        BillPaid => "bill_paid",
        /// `zoom_meeting`: a Zoom meeting (system).
        ZoomMeeting => "zoom_meeting",
        /// `dropbox_attachment`: a Dropbox file (system).
        DropboxAttachment => "dropbox_attachment",
        /// `link_followed`: a link was followed (system).
        LinkFollowed => "link_followed",
        /// `ai_result`: an AI assistant's answer (system).
        AiResult => "ai_result",
    }
}

impl NoteType {
    /// Whether the API can add and edit notes of this type (the documentation's ten:
    /// `common` … `attachment`).
    pub fn is_editable(&self) -> bool {
        matches!(
            self,
            NoteType::Common
                | NoteType::CallIn
                | NoteType::CallOut
                | NoteType::ServiceMessage
                | NoteType::ExtendedServiceMessage
                | NoteType::MessageCashier
                | NoteType::Geolocation
                | NoteType::SmsIn
                | NoteType::SmsOut
                | NoteType::Attachment
        )
    }
}

open_enum! {
    /// How far a right reaches (every value of a rights object: `rights.leads.view`).
    /// `add` and status rights take only `A` or `D`.
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum AccessLevel {
        /// `A`: all entities.
        All => "A",
        /// `G`: the entities of the user's group.
        Group => "G",
        /// `M`: only the entities the user is responsible for.
        Own => "M",
        /// `L`: linked (catalog rights, known to amoCRM's PHP client).
        Linked => "L",
        /// `D`: denied.
        Denied => "D",
    }
}

open_enum! {
    /// Rank of a user (`user_rank`, `with=user_rank`).
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    #[non_exhaustive]
    pub enum UserRank {
        /// `newbie`.
        Newbie => "newbie",
        /// `candidate`.
        Candidate => "candidate",
        /// `master`.
        Master => "master",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_set_reads_its_known_values_and_keeps_an_unknown_one() {
        let types: Vec<CustomFieldType> =
            serde_json::from_str(r#"["date_time", "org_legal_name", "smart_address", "x"]"#)
                .unwrap();
        assert_eq!(
            types,
            [
                CustomFieldType::DateTime,
                CustomFieldType::OrgLegalName,
                CustomFieldType::SmartAddress,
                CustomFieldType::Unknown("x".into())
            ]
        );
        assert_eq!(
            serde_json::to_string(&types).unwrap(),
            r#"["date_time","org_legal_name","smart_address","x"]"#
        );
        assert_eq!("suppliers".parse(), Ok(CatalogType::Suppliers));
        assert_eq!(CatalogType::from("services").as_str(), "services");
        assert_eq!(AccessLevel::from("M"), AccessLevel::Own);
        assert_eq!(AccessLevel::Linked.as_str(), "L");
        assert_eq!(AccessLevel::from("X"), AccessLevel::Unknown("X".into()));
        assert_eq!(UserRank::from("master"), UserRank::Master);
        assert_eq!(UserRank::from("guru").to_string(), "guru");
        assert_eq!(NoteType::from("ai_result"), NoteType::AiResult);
        assert_eq!(NoteType::from("voice_note").as_str(), "voice_note");
    }

    #[test]
    fn exactly_the_ten_documented_note_types_are_editable() {
        let editable = [
            "common",
            "call_in",
            "call_out",
            "service_message",
            "extended_service_message",
            "message_cashier",
            "geolocation",
            "sms_in",
            "sms_out",
            "attachment",
        ];
        let system = [
            "amomail_message",
            "chat",
            "site_visit",
            "targeting_in",
            "targeting_out",
            "transaction",
            "invoice_paid",
            "bill_paid",
            "zoom_meeting",
            "dropbox_attachment",
            "link_followed",
            "ai_result",
            "new_kind",
        ];
        for name in editable {
            assert!(NoteType::from(name).is_editable(), "{name}");
        }
        for name in system {
            assert!(!NoteType::from(name).is_editable(), "{name}");
        }
    }
}
