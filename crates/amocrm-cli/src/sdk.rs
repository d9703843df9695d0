//! The items of the `amocrm` library the CLI uses, named in this one place: the other
//! modules import them from here, so a change of the library's paths is an edit of this
//! file (the calls themselves are in `cmd/*` and `connect/`).

pub use amocrm::account::{Account, AccountWith};
pub use amocrm::auth::TokenAnswer;
pub use amocrm::bots::{BotKind, ContinueRequest, GotoTarget, Handler};
pub use amocrm::catalogs::{Catalog, CatalogElement};
pub use amocrm::companies::Company;
pub use amocrm::contacts::Contact;
pub use amocrm::custom_fields::{CustomFieldDefinition, CustomFieldPatch, NewCustomField};
pub use amocrm::error::{AuthError, Invalid, Problem, SettingsProblem, StoreError};
pub use amocrm::events::{Event, GetEvent};
pub use amocrm::leads::Lead;
pub use amocrm::links::{EntityLink, EntityLinkMetadata, Target};
pub use amocrm::notes::Note;
pub use amocrm::pace::{Pacer, RateLimit};
pub use amocrm::pagination::{GetRequest, ListRequest, Listed, Paged, Paging, Unpaged};
pub use amocrm::pipelines::{
    LOST_STATUS_ID, NewPipeline, NewStatus, Pipeline, PipelinePatch, Status, StatusPatch,
    StatusType, WON_STATUS_ID,
};
pub use amocrm::query::{CrmGet, CrmList, CrmQuery, Direction, EntityKind};
pub use amocrm::store::{FileTokenStore, TokenStore};
pub use amocrm::sync::{Changes, ChangesRequest, Changing, Cursor};
pub use amocrm::tags::Tag;
pub use amocrm::tasks::Task;
pub use amocrm::users::{User, UserRights};
pub use amocrm::webhooks::{Webhook, WebhookEvent};
pub use amocrm::widgets::{
    Credentials, MASK, Rating, SettingValue, Settings, SettingsField, SettingsFieldType, Widget,
};
pub use amocrm::write::{
    CompanyPatch, ComplexLead, ContactPatch, FieldDefs, Item, LeadPatch, LinkTo, NewCompany,
    NewContact, NewLead, NewTag, TagRef, WriteError, WriteErrorKind, WriteStream, Writer, Written,
};
pub use amocrm::write::{NewNote, NewTask, NotePatch, TaskPatch};
pub use amocrm::{
    AccountUrl, AppCredentials, Client, ClientBuilder, Domain, Error, Integration, OAuth, Page,
    Result, TokenPair,
};
