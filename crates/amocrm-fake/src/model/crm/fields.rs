//! Custom field definitions (with their options) and field groups, per entity type and per
//! catalog: every type amoCRM documents, as it seeds and names them.

/// A custom field's type, as amoCRM names it (`text`, `multitext`, …). `Unknown` is a type
/// the documentation does not list yet (served with the real-world shapes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldType {
    Text,
    Numeric,
    Checkbox,
    Select,
    Multiselect,
    Multitext,
    Date,
    Url,
    DateTime,
    Textarea,
    Radiobutton,
    StreetAddress,
    SmartAddress,
    Birthday,
    LegalEntity,
    Price,
    Category,
    Items,
    TrackingData,
    LinkedEntity,
    ChainedList,
    Monetary,
    File,
    Payer,
    Supplier,
    OrgLegalName,
    Unknown(&'static str),
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        use FieldType::*;
        match self {
            Text => "text",
            Numeric => "numeric",
            Checkbox => "checkbox",
            Select => "select",
            Multiselect => "multiselect",
            Multitext => "multitext",
            Date => "date",
            Url => "url",
            DateTime => "date_time",
            Textarea => "textarea",
            Radiobutton => "radiobutton",
            StreetAddress => "streetaddress",
            SmartAddress => "smart_address",
            Birthday => "birthday",
            LegalEntity => "legal_entity",
            Price => "price",
            Category => "category",
            Items => "items",
            TrackingData => "tracking_data",
            LinkedEntity => "linked_entity",
            ChainedList => "chained_list",
            Monetary => "monetary",
            File => "file",
            Payer => "payer",
            Supplier => "supplier",
            OrgLegalName => "org_legal_name",
            Unknown(name) => name,
        }
    }

    /// amoCRM's numeric code of the type (events' `custom_field_value.field_type`).
    pub fn code(self) -> i64 {
        use FieldType::*;
        match self {
            Text => 1,
            Numeric => 2,
            Checkbox => 3,
            Select => 4,
            Multiselect => 5,
            Multitext => 8,
            Date => 6,
            Url => 7,
            Textarea => 9,
            Radiobutton => 10,
            StreetAddress => 11,
            SmartAddress => 13,
            Birthday => 14,
            LegalEntity => 15,
            DateTime => 19,
            Price => 20,
            Category => 21,
            Items => 22,
            TrackingData => 23,
            LinkedEntity => 24,
            ChainedList => 25,
            Monetary => 26,
            File => 27,
            Payer => 28,
            Supplier => 29,
            OrgLegalName => 30,
            Unknown(_) => 99,
        }
    }
}

/// Whose fields these are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldOwner {
    Leads,
    Contacts,
    Companies,
    Customers,
    Catalog(i64),
}

impl FieldOwner {
    /// `entity_type` of the definitions (`catalogs` for a catalog's).
    pub fn entity_type(self) -> &'static str {
        match self {
            FieldOwner::Leads => "leads",
            FieldOwner::Contacts => "contacts",
            FieldOwner::Companies => "companies",
            FieldOwner::Customers => "customers",
            FieldOwner::Catalog(_) => "catalogs",
        }
    }
}

/// One option of a select, multiselect, radiobutton, multitext or smart_address field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldEnum {
    pub id: i64,
    pub value: &'static str,
    pub sort: i64,
    pub code: Option<&'static str>,
}

impl FieldEnum {
    /// The `enum_code` a value of a multitext or smart_address field with this option
    /// carries: the option's code, or its value when it has none (amoCRM describes a
    /// phone's options as `{"id":1,"value":"WORK","sort":2}`, and `WORK` is the code).
    pub fn enum_code(&self) -> &'static str {
        self.code.filter(|c| !c.is_empty()).unwrap_or(self.value)
    }
}

/// A nested value of a catalog's `category` field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Nested {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub value: &'static str,
    pub sort: i64,
}

/// A stage, as the pair `(status_id, pipeline_id)`.
pub(crate) type StageRef = (i64, i64);

/// A custom field's definition. Which keys amoCRM shows depends on the owner and the type;
/// the view decides, from these.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldDef {
    pub id: i64,
    pub name: &'static str,
    pub code: Option<&'static str>,
    pub sort: i64,
    pub kind: FieldType,
    pub owner: FieldOwner,
    pub is_predefined: bool,
    pub is_deletable: bool,
    pub is_api_only: bool,
    pub is_required: bool,
    /// Whether a catalog's field shows in the interface (a catalog's definitions only).
    pub is_visible: bool,
    pub group_id: Option<String>,
    pub enums: Vec<FieldEnum>,
    pub nested: Vec<Nested>,
    pub remind: Option<&'static str>,
    pub currency: Option<&'static str>,
    pub required_statuses: Vec<StageRef>,
    pub hidden_statuses: Vec<StageRef>,
    /// `chained_lists` of a chained_list field: `(title, catalog_id, parent_catalog_id)`.
    pub chained_lists: Vec<(Option<&'static str>, i64, Option<i64>)>,
    pub tracking_callback: Option<&'static str>,
    pub search_in: Option<String>,
}

impl FieldDef {
    /// A definition with the defaults of a field added in the interface.
    pub fn new(id: i64, owner: FieldOwner, kind: FieldType, name: &'static str, sort: i64) -> Self {
        FieldDef {
            id,
            name,
            code: None,
            sort,
            kind,
            owner,
            is_predefined: false,
            is_deletable: true,
            is_api_only: false,
            is_required: false,
            is_visible: true,
            group_id: None,
            enums: Vec::new(),
            nested: Vec::new(),
            remind: None,
            currency: None,
            required_statuses: Vec::new(),
            hidden_statuses: Vec::new(),
            chained_lists: Vec::new(),
            tracking_callback: None,
            search_in: None,
        }
    }

    /// The option with this id.
    pub fn option(&self, id: i64) -> Option<&FieldEnum> {
        self.enums.iter().find(|e| e.id == id)
    }

    /// The nested value (category) with this id.
    pub fn nested_value(&self, id: i64) -> Option<&Nested> {
        self.nested.iter().find(|n| n.id == id)
    }
}

/// A field group: a tab of the entity's card.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldGroup {
    pub id: String,
    pub name: &'static str,
    pub sort: i64,
    pub is_predefined: bool,
    /// `custom_field_group` or `linked_group`.
    pub kind: &'static str,
    pub fields: Vec<i64>,
}

/// The fields of one owner and their groups.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fields {
    pub defs: Vec<FieldDef>,
    pub groups: Vec<FieldGroup>,
}

impl Fields {
    /// The definition with this id.
    pub fn by_id(&self, id: i64) -> Option<&FieldDef> {
        self.defs.iter().find(|d| d.id == id)
    }

    /// Position of the definition with this code.
    pub fn position_of_code(&self, code: &str) -> Option<usize> {
        self.defs.iter().position(|d| d.code == Some(code))
    }
}
