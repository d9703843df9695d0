//! The CRM's records as the fake holds them: leads, contacts and companies (with their
//! custom field values, tags and links), tasks, notes, events, users and roles, tags,
//! catalogs and their elements, loss reasons and sources.

use serde_json::Value;

use crate::model::crm::table::Row;
use crate::model::crm::values::FieldValues;

/// The kinds of entity notes, tags, links and custom fields belong to (amoCRM's plural
/// path names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Leads,
    Contacts,
    Companies,
    Customers,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Leads,
        Kind::Contacts,
        Kind::Companies,
        Kind::Customers,
    ];

    pub fn plural(self) -> &'static str {
        match self {
            Kind::Leads => "leads",
            Kind::Contacts => "contacts",
            Kind::Companies => "companies",
            Kind::Customers => "customers",
        }
    }

    /// The singular name events use (`lead`, `contact`, …).
    pub fn singular(self) -> &'static str {
        match self {
            Kind::Leads => "lead",
            Kind::Contacts => "contact",
            Kind::Companies => "company",
            Kind::Customers => "customer",
        }
    }

    pub fn from_plural(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.plural() == s)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// A catalog element linked to an entity.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ElementLink {
    pub element_id: i64,
    pub catalog_id: i64,
    pub quantity: f64,
    pub price_id: Option<i64>,
}

/// A lead.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lead {
    pub id: i64,
    pub name: String,
    pub price: i64,
    pub responsible_user_id: i64,
    pub group_id: i64,
    pub status_id: i64,
    pub pipeline_id: i64,
    pub loss_reason_id: Option<i64>,
    pub source_id: Option<i64>,
    pub created_by: i64,
    pub updated_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub closest_task_at: Option<i64>,
    pub score: Option<i64>,
    pub labor_cost: Option<i64>,
    pub price_by_robot: bool,
    pub fields: Vec<FieldValues>,
    /// Positions in the leads' tag dictionary.
    pub tags: Vec<u32>,
    pub company: Option<i64>,
    /// The main contact first.
    pub contacts: Vec<i64>,
    pub elements: Vec<ElementLink>,
}

/// A contact or a company: the two share their fields, filters and orders.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Party {
    pub id: i64,
    pub name: String,
    /// A contact's first and last names; `None` for a company.
    pub first_last: Option<(String, String)>,
    pub responsible_user_id: i64,
    pub group_id: i64,
    pub created_by: i64,
    pub updated_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub closest_task_at: Option<i64>,
    pub fields: Vec<FieldValues>,
    pub tags: Vec<u32>,
    /// A contact's company (0 or 1); a company's contacts.
    pub links: Vec<i64>,
    pub leads: Vec<i64>,
    pub elements: Vec<ElementLink>,
}

impl Row for Lead {
    fn id(&self) -> i64 {
        self.id
    }
    fn updated_at(&self) -> i64 {
        self.updated_at
    }
}

impl Row for Party {
    fn id(&self) -> i64 {
        self.id
    }
    fn updated_at(&self) -> i64 {
        self.updated_at
    }
}

/// A task, attached to an entity or standing alone.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Task {
    pub id: i64,
    pub created_by: i64,
    pub updated_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub responsible_user_id: i64,
    pub group_id: i64,
    pub entity: Option<(Kind, i64)>,
    pub is_completed: bool,
    pub task_type_id: i64,
    pub text: String,
    pub duration: i64,
    pub complete_till: i64,
    pub result: Option<String>,
}

/// A note in an entity's feed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Note {
    pub id: i64,
    pub kind: Kind,
    pub entity_id: i64,
    pub created_by: i64,
    pub updated_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub responsible_user_id: i64,
    pub group_id: i64,
    pub note_type: &'static str,
    pub params: Value,
    pub is_pinned: bool,
}

/// An event of the activity feed; its id is derived from its position (`seq`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Event {
    pub kind: String,
    /// `lead`, `contact`, `company`, `customer`, `task`, `catalog_element`.
    pub entity_type: &'static str,
    pub entity_id: i64,
    /// The catalog of a catalog element's event.
    pub catalog_id: Option<i64>,
    pub created_by: i64,
    pub created_at: i64,
    pub value_after: Value,
    pub value_before: Value,
    pub linked_talk_contact_id: Option<i64>,
}

/// A user of the account.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct User {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub lang: &'static str,
    pub is_admin: bool,
    pub is_free: bool,
    pub is_active: bool,
    pub group_id: Option<i64>,
    pub role_id: Option<i64>,
    /// Index of the user's rights profile (see the users view).
    pub rights: usize,
    pub uuid: Option<String>,
    pub amojo_id: Option<String>,
    pub rank: &'static str,
    pub phone: Option<String>,
}

/// A user role.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Role {
    pub id: i64,
    pub name: &'static str,
    pub rights: usize,
}

/// A group of users.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Group {
    pub id: i64,
    pub name: &'static str,
}

/// A tag of one entity type's dictionary.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tag {
    pub id: i64,
    pub name: String,
    pub color: Option<&'static str>,
}

/// A catalog (amoCRM's "list").
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Catalog {
    pub id: i64,
    pub name: &'static str,
    pub kind: &'static str,
    pub sort: i64,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub can_add_elements: bool,
    pub can_link_multiple: bool,
    pub can_be_deleted: bool,
    pub sdk_widget_code: Option<&'static str>,
    pub elements: Vec<Element>,
}

/// An element of a catalog.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Element {
    pub id: i64,
    pub name: String,
    pub created_by: i64,
    pub updated_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub fields: Vec<FieldValues>,
}

/// A reason a lead was lost.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LossReason {
    pub id: i64,
    pub name: &'static str,
    pub sort: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A source leads come from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Source {
    pub id: i64,
    pub name: &'static str,
}
