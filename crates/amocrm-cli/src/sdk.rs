//! The items of the `amocrm` library the CLI uses, named in this one place: the other
//! modules import them from here, so a change of the library's paths is an edit of this
//! file (the calls themselves are in `cmd/*` and `connect/`).

pub use amocrm::{
    Account, AccountWith, AuthError, BotKind, Client, ClientBuilder, ContinueRequest, Credentials,
    Domain, Error, FileTokenStore, GotoTarget, Handler, Integration, Invalid, ListWidgets, Listed,
    MASK, MAX_LIMIT, Pacer, Page, Problem, RateLimit, Rating, Result, SettingValue, Settings,
    SettingsField, SettingsFieldType, StoreError, TokenPair, TokenStore, Widget,
};
