//! The events of a webhook delivery, typed: what amoCRM's old v2 shape carries, each field
//! optional (amoCRM leaves many out, or sends `""`), every entity's whole entry kept in
//! `fields` (keys this crate does not know included).

use std::fmt;

use super::form::FormMap;

/// What happened to the entity (the form's second key: `leads[status]…`). An open set.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// `add`: created.
    Add,
    /// `update`: changed (a status or responsible change is an `update` too).
    Update,
    /// `delete`: deleted (for unsorted: accepted or declined as well).
    Delete,
    /// `restore`: restored from the trash.
    Restore,
    /// `status`: a lead moved to another status.
    Status,
    /// `responsible`: another responsible user.
    Responsible,
    /// `note`: a note was added.
    Note,
    /// An action this crate does not know, as sent.
    Unknown(String),
}

impl Action {
    /// The action as amoCRM writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Action::Add => "add",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Restore => "restore",
            Action::Status => "status",
            Action::Responsible => "responsible",
            Action::Note => "note",
            Action::Unknown(other) => other,
        }
    }
}

impl From<&str> for Action {
    fn from(value: &str) -> Self {
        match value {
            "add" => Action::Add,
            "update" => Action::Update,
            "delete" => Action::Delete,
            "restore" => Action::Restore,
            "status" => Action::Status,
            "responsible" => Action::Responsible,
            "note" => Action::Note,
            other => Action::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The entity a note was added to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NoteParent {
    /// A lead's note (`leads[note]`).
    Lead,
    /// A contact's note (`contacts[note]`).
    Contact,
    /// A company's note (`companies[note]`, or `contacts[note]` of a company).
    Company,
    /// A customer's note (`customers[note]`).
    Customer,
    /// Another entity, its form key as sent.
    Unknown(String),
}

/// One event of a delivery.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A lead was added, changed, deleted, restored, moved or reassigned.
    Lead {
        /// What happened.
        action: Action,
        /// The lead as amoCRM sent it.
        lead: Box<Lead>,
    },
    /// A contact (`contacts[…]` with `type` `contact` or none).
    Contact {
        /// What happened.
        action: Action,
        /// The contact.
        contact: Box<Party>,
    },
    /// A company (`companies[…]`, or `contacts[…]` with `type=company`).
    Company {
        /// What happened.
        action: Action,
        /// The company.
        company: Box<Party>,
    },
    /// A task (`task[…]`).
    Task {
        /// What happened.
        action: Action,
        /// The task.
        task: Box<Task>,
    },
    /// A note added to an entity (`leads[note][0][note][…]`).
    Note {
        /// The entity the note belongs to.
        on: NoteParent,
        /// The note.
        note: Box<Note>,
    },
    /// An unsorted (incoming) lead (`unsorted[…]`); accepting or declining it is a `delete`
    /// whose `decision` says which.
    Unsorted {
        /// What happened.
        action: Action,
        /// The unsorted entry.
        unsorted: Box<Unsorted>,
    },
    /// An entity or action this crate does not read (customers, talks, messages, …), kept
    /// whole.
    Unknown {
        /// The form's first key (`customers`, `talk`, `message`).
        entity: String,
        /// The form's second key.
        action: String,
        /// The entry as sent.
        fields: FormMap,
    },
}

/// A tag of an entity (`tags[i][id|name]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    /// ID of the tag.
    pub id: Option<i64>,
    /// Name of the tag.
    pub name: Option<String>,
}

/// A custom field's values (`custom_fields[i][…]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomField {
    /// ID of the field.
    pub id: Option<i64>,
    /// Name of the field.
    pub name: Option<String>,
    /// Code of the field (`PHONE`, `EMAIL`), for the predefined ones.
    pub code: Option<String>,
    /// Its values, in order.
    pub values: Vec<CustomFieldValue>,
}

/// One value of a custom field: `values[j][value]` (with `[enum]` for a list option or a
/// phone's kind), or `values[j]` alone (dates, checkboxes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomFieldValue {
    /// The value, as sent.
    pub value: Option<String>,
    /// The option's (enum's) ID.
    pub enum_id: Option<i64>,
}

/// A lead in the v2 shape.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Lead {
    /// ID of the lead (required: an entry without one is malformed).
    pub id: i64,
    /// Name.
    pub name: Option<String>,
    /// Status (stage) now.
    pub status_id: Option<i64>,
    /// Status before a `status` change.
    pub old_status_id: Option<i64>,
    /// Pipeline now.
    pub pipeline_id: Option<i64>,
    /// Pipeline before a `status` change across pipelines.
    pub old_pipeline_id: Option<i64>,
    /// Budget (whole units; amoCRM writes it as an integer).
    pub price: Option<i64>,
    /// Responsible user now.
    pub responsible_user_id: Option<i64>,
    /// Responsible user before a `responsible` change.
    pub old_responsible_user_id: Option<i64>,
    /// Who created it.
    pub created_user_id: Option<i64>,
    /// Who changed it last (`0`: a robot or the API).
    pub modified_user_id: Option<i64>,
    /// When it was created (Unix seconds; `date_create`, else `created_at`).
    pub date_create: Option<i64>,
    /// When it last changed (Unix seconds; `last_modified`, else `updated_at`).
    pub last_modified: Option<i64>,
    /// Its tags.
    pub tags: Vec<Tag>,
    /// Its custom fields' values.
    pub custom_fields: Vec<CustomField>,
    /// The whole entry as sent, every key included.
    pub fields: FormMap,
}

/// A contact or a company in the v2 shape (amoCRM sends both under `contacts`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Party {
    /// ID (required).
    pub id: i64,
    /// Name.
    pub name: Option<String>,
    /// `contact` or `company`, when sent.
    pub kind: Option<String>,
    /// Responsible user now.
    pub responsible_user_id: Option<i64>,
    /// Responsible user before a `responsible` change.
    pub old_responsible_user_id: Option<i64>,
    /// Who created it.
    pub created_user_id: Option<i64>,
    /// Who changed it last.
    pub modified_user_id: Option<i64>,
    /// When it was created (Unix seconds).
    pub date_create: Option<i64>,
    /// When it last changed (Unix seconds).
    pub last_modified: Option<i64>,
    /// A contact's company name.
    pub company_name: Option<String>,
    /// A contact's company.
    pub linked_company_id: Option<i64>,
    /// The leads it is linked to (`linked_leads_id[ID][ID]`, keyed by the lead's ID).
    pub linked_leads_id: Vec<i64>,
    /// Its tags.
    pub tags: Vec<Tag>,
    /// Its custom fields' values.
    pub custom_fields: Vec<CustomField>,
    /// The whole entry as sent.
    pub fields: FormMap,
}

/// A task in the v2 shape. Its times arrive as `YYYY-MM-DD HH:MM:SS` text or Unix seconds,
/// depending on the account: kept as sent.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Task {
    /// ID (required).
    pub id: i64,
    /// The entity it is attached to.
    pub element_id: Option<i64>,
    /// Its type in v2 codes (1 contact, 2 lead, 3 company, 12 customer).
    pub element_type: Option<i64>,
    /// The task type's ID.
    pub task_type: Option<i64>,
    /// Its text.
    pub text: Option<String>,
    /// Whether it is completed (`status` `1`).
    pub completed: Option<bool>,
    /// Whether this change completed it (`action_close` `1`).
    pub closed_now: bool,
    /// The result's text, when completed with one.
    pub result_text: Option<String>,
    /// Responsible user.
    pub responsible_user_id: Option<i64>,
    /// Who created it.
    pub created_user_id: Option<i64>,
    /// Due, as sent.
    pub complete_till: Option<String>,
    /// Created, as sent.
    pub date_create: Option<String>,
    /// Last changed, as sent.
    pub last_modified: Option<String>,
    /// The whole entry as sent.
    pub fields: FormMap,
}

/// A note in the v2 shape.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Note {
    /// ID (required).
    pub id: i64,
    /// Its type (v2 numeric codes, or a name), as sent.
    pub note_type: Option<String>,
    /// Its text.
    pub text: Option<String>,
    /// The entity it belongs to.
    pub element_id: Option<i64>,
    /// That entity's type in v2 codes.
    pub element_type: Option<i64>,
    /// Who created it.
    pub created_user_id: Option<i64>,
    /// When it was created (Unix seconds).
    pub date_create: Option<i64>,
    /// The whole entry as sent (the `note` part when amoCRM nests it so).
    pub fields: FormMap,
}

/// An unsorted (incoming) lead.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Unsorted {
    /// Its UID (required).
    pub uid: String,
    /// `sip`, `mail`, `forms`, `chats`, …
    pub category: Option<String>,
    /// The pipeline it waits in.
    pub pipeline_id: Option<i64>,
    /// Its source's name.
    pub source: Option<String>,
    /// On a `delete`: `accept` or `decline`.
    pub decision: Option<String>,
    /// When it arrived (Unix seconds).
    pub created_at: Option<i64>,
    /// The whole entry as sent.
    pub fields: FormMap,
}
