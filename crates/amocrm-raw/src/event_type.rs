//! Event type codes (an event's `type`, an event type's `key`, the values of
//! `filter[type][]`): an open set with one parameterised form,
//! `custom_field_{FIELD_ID}_value_changed`.

use std::borrow::Cow;
use std::fmt;

const CUSTOM_FIELD_PREFIX: &str = "custom_field_";
const CUSTOM_FIELD_SUFFIX: &str = "_value_changed";

macro_rules! event_type_codes {
    ( $( $variant:ident => $text:literal, )+ ) => {
        /// Code of an event type: the documented codes, the change of one custom field
        /// (`custom_field_{FIELD_ID}_value_changed`), and [`EventTypeCode::Unknown`] for a
        /// code amoCRM adds later, kept as sent. Reads from and writes back as a plain
        /// string, exactly as read.
        ///
        /// As a filter, a [`CustomFieldIdValueChanged`](EventTypeCode::CustomFieldIdValueChanged)
        /// must be the only type of the request (amoCRM documents anything else as invalid).
        ///
        /// ```
        /// use amocrm_raw::EventTypeCode;
        ///
        /// assert_eq!(EventTypeCode::from("lead_status_changed"), EventTypeCode::LeadStatusChanged);
        /// let one_field = EventTypeCode::from("custom_field_57832_value_changed");
        /// assert_eq!(one_field, EventTypeCode::CustomFieldIdValueChanged(57832));
        /// assert_eq!(one_field.to_string(), "custom_field_57832_value_changed");
        /// assert_eq!(EventTypeCode::from("custom_field_007_value_changed").as_str(), "custom_field_007_value_changed");
        /// ```
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum EventTypeCode {
            $(
                #[doc = concat!("`", $text, "`")]
                $variant,
            )+
            /// `custom_field_{FIELD_ID}_value_changed`: a value of the custom field with
            /// this ID changed. The ID is positive, written without leading zeros.
            CustomFieldIdValueChanged(i64),
            /// A code this crate does not know yet, as the server sent it.
            Unknown(String),
        }

        impl EventTypeCode {
            /// The text of a documented code.
            fn known(&self) -> Option<&'static str> {
                match self {
                    $( EventTypeCode::$variant => Some($text), )+
                    EventTypeCode::CustomFieldIdValueChanged(_) | EventTypeCode::Unknown(_) => None,
                }
            }

            /// The documented code of this text.
            fn from_known(text: &str) -> Option<Self> {
                match text {
                    $( $text => Some(EventTypeCode::$variant), )+
                    _ => None,
                }
            }
        }
    };
}

event_type_codes! {
    LeadAdded => "lead_added",
    LeadDeleted => "lead_deleted",
    LeadRestored => "lead_restored",
    LeadStatusChanged => "lead_status_changed",
    LeadLinked => "lead_linked",
    LeadUnlinked => "lead_unlinked",
    ContactAdded => "contact_added",
    ContactDeleted => "contact_deleted",
    ContactRestored => "contact_restored",
    ContactLinked => "contact_linked",
    ContactUnlinked => "contact_unlinked",
    CompanyAdded => "company_added",
    CompanyDeleted => "company_deleted",
    CompanyRestored => "company_restored",
    CompanyLinked => "company_linked",
    CompanyUnlinked => "company_unlinked",
    CustomerAdded => "customer_added",
    CustomerDeleted => "customer_deleted",
    CustomerStatusChanged => "customer_status_changed",
    CustomerLinked => "customer_linked",
    CustomerUnlinked => "customer_unlinked",
    TaskAdded => "task_added",
    TaskDeleted => "task_deleted",
    TaskCompleted => "task_completed",
    TaskTypeChanged => "task_type_changed",
    TaskTextChanged => "task_text_changed",
    TaskDeadlineChanged => "task_deadline_changed",
    TaskResultAdded => "task_result_added",
    IncomingCall => "incoming_call",
    OutgoingCall => "outgoing_call",
    IncomingChatMessage => "incoming_chat_message",
    OutgoingChatMessage => "outgoing_chat_message",
    EntityDirectMessage => "entity_direct_message",
    IncomingSms => "incoming_sms",
    OutgoingSms => "outgoing_sms",
    EntityTagAdded => "entity_tag_added",
    EntityTagDeleted => "entity_tag_deleted",
    EntityLinked => "entity_linked",
    EntityUnlinked => "entity_unlinked",
    SaleFieldChanged => "sale_field_changed",
    NameFieldChanged => "name_field_changed",
    LtvFieldChanged => "ltv_field_changed",
    CustomFieldValueChanged => "custom_field_value_changed",
    EntityResponsibleChanged => "entity_responsible_changed",
    RobotReplied => "robot_replied",
    IntentIdentified => "intent_identified",
    NpsRateAdded => "nps_rate_added",
    LinkFollowed => "link_followed",
    TransactionAdded => "transaction_added",
    CommonNoteAdded => "common_note_added",
    CommonNoteDeleted => "common_note_deleted",
    AttachmentNoteAdded => "attachment_note_added",
    TargetingInNoteAdded => "targeting_in_note_added",
    TargetingOutNoteAdded => "targeting_out_note_added",
    GeoNoteAdded => "geo_note_added",
    ServiceNoteAdded => "service_note_added",
    SiteVisitNoteAdded => "site_visit_note_added",
    MessageToCashierNoteAdded => "message_to_cashier_note_added",
    KeyActionCompleted => "key_action_completed",
    EntityMerged => "entity_merged",
}

impl EventTypeCode {
    /// The code as amoCRM writes it (borrowed, except for a custom field's change, whose
    /// text is built from its ID).
    pub fn as_str(&self) -> Cow<'_, str> {
        match self {
            EventTypeCode::CustomFieldIdValueChanged(id) => {
                Cow::Owned(format!("{CUSTOM_FIELD_PREFIX}{id}{CUSTOM_FIELD_SUFFIX}"))
            }
            EventTypeCode::Unknown(text) => Cow::Borrowed(text),
            known => Cow::Borrowed(known.known().unwrap_or_default()),
        }
    }

    /// The field ID of a `custom_field_{FIELD_ID}_value_changed` code.
    pub fn custom_field_id(&self) -> Option<i64> {
        match self {
            EventTypeCode::CustomFieldIdValueChanged(id) => Some(*id),
            _ => None,
        }
    }
}

/// The ID of `custom_field_{ID}_value_changed` when `{ID}` is 1–19 ASCII digits without a
/// leading zero that make a positive `i64`: only then is the text written back exactly.
fn custom_field_id(text: &str) -> Option<i64> {
    let digits = text
        .strip_prefix(CUSTOM_FIELD_PREFIX)?
        .strip_suffix(CUSTOM_FIELD_SUFFIX)?;
    let canonical = !digits.is_empty()
        && digits.len() <= 19
        && !digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit());
    canonical.then(|| digits.parse::<i64>().ok()).flatten()
}

impl From<&str> for EventTypeCode {
    fn from(text: &str) -> Self {
        if let Some(known) = EventTypeCode::from_known(text) {
            return known;
        }
        match custom_field_id(text) {
            Some(id) => EventTypeCode::CustomFieldIdValueChanged(id),
            None => EventTypeCode::Unknown(text.to_owned()),
        }
    }
}

impl std::str::FromStr for EventTypeCode {
    type Err = std::convert::Infallible;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(EventTypeCode::from(text))
    }
}

impl fmt::Display for EventTypeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventTypeCode::CustomFieldIdValueChanged(id) => {
                write!(f, "{CUSTOM_FIELD_PREFIX}{id}{CUSTOM_FIELD_SUFFIX}")
            }
            other => f.write_str(&other.as_str()),
        }
    }
}

impl serde::Serialize for EventTypeCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for EventTypeCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<'de, str>::deserialize(deserializer)?;
        Ok(EventTypeCode::from(text.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every documented code, as the spec's `x-extensible-enum` lists them.
    const DOCUMENTED: &str = "lead_added lead_deleted lead_restored lead_status_changed \
        lead_linked lead_unlinked contact_added contact_deleted contact_restored \
        contact_linked contact_unlinked company_added company_deleted company_restored \
        company_linked company_unlinked customer_added customer_deleted \
        customer_status_changed customer_linked customer_unlinked task_added task_deleted \
        task_completed task_type_changed task_text_changed task_deadline_changed \
        task_result_added incoming_call outgoing_call incoming_chat_message \
        outgoing_chat_message entity_direct_message incoming_sms outgoing_sms \
        entity_tag_added entity_tag_deleted entity_linked entity_unlinked \
        sale_field_changed name_field_changed ltv_field_changed custom_field_value_changed \
        entity_responsible_changed robot_replied intent_identified nps_rate_added \
        link_followed transaction_added common_note_added common_note_deleted \
        attachment_note_added targeting_in_note_added targeting_out_note_added \
        geo_note_added service_note_added site_visit_note_added \
        message_to_cashier_note_added key_action_completed entity_merged";

    #[test]
    fn every_documented_code_is_known_and_written_back() {
        let codes: Vec<&str> = DOCUMENTED.split_whitespace().collect();
        assert_eq!(codes.len(), 60);
        let mut seen = std::collections::HashSet::new();
        for text in codes {
            let code = EventTypeCode::from(text);
            assert!(
                !matches!(
                    code,
                    EventTypeCode::Unknown(_) | EventTypeCode::CustomFieldIdValueChanged(_)
                ),
                "{text}"
            );
            assert_eq!(code.as_str(), text);
            assert_eq!(code.to_string(), text);
            assert_eq!(code.custom_field_id(), None);
            assert!(seen.insert(code), "{text} is one variant only");
        }
        assert_eq!(
            EventTypeCode::from("custom_field_value_changed"),
            EventTypeCode::CustomFieldValueChanged
        );
    }

    #[test]
    fn a_custom_field_change_carries_its_field_id() {
        let code: EventTypeCode =
            serde_json::from_str(r#""custom_field_57832_value_changed""#).unwrap();
        assert_eq!(code, EventTypeCode::CustomFieldIdValueChanged(57832));
        assert_eq!(code.custom_field_id(), Some(57832));
        assert_eq!(
            serde_json::to_string(&code).unwrap(),
            r#""custom_field_57832_value_changed""#
        );
        assert_eq!(code.as_str(), "custom_field_57832_value_changed");
        assert_eq!(
            "custom_field_9223372036854775807_value_changed".parse(),
            Ok(EventTypeCode::CustomFieldIdValueChanged(i64::MAX))
        );
        assert_eq!(
            EventTypeCode::from("custom_field_1_value_changed"),
            EventTypeCode::CustomFieldIdValueChanged(1)
        );
    }

    #[test]
    fn a_code_that_would_not_be_written_back_exactly_stays_unknown() {
        for text in [
            "custom_field_0_value_changed",
            "custom_field_007_value_changed",
            "custom_field__value_changed",
            "custom_field_-5_value_changed",
            "custom_field_+5_value_changed",
            "custom_field_5x_value_changed",
            "custom_field_9223372036854775808_value_changed",
            "custom_field_12345678901234567890_value_changed",
            "custom_field_57832_value_change",
            "xcustom_field_57832_value_changed",
            "lead_sold",
            "",
        ] {
            let code = EventTypeCode::from(text);
            assert_eq!(code, EventTypeCode::Unknown(text.to_owned()), "{text}");
            assert_eq!(code.as_str(), text);
            assert_eq!(code.to_string(), text);
            assert_eq!(serde_json::to_value(&code).unwrap(), text);
        }
    }
}
