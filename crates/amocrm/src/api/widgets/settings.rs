//! Widget settings: what an install sends and what a widget returns, typed by the field
//! types of the widget's `settings_template`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use amocrm_raw::types as raw;
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Invalid, SettingsProblem};
use amocrm_raw::SettingsFieldType;

/// The settings of a widget, keyed by `settings_template[].key`.
///
/// Secret values (`pass` fields and `users_lp` passwords) are held as [`SecretString`] and
/// print as `[REDACTED]` in `Debug`.
///
/// ```
/// use amocrm::widgets::{Credentials, Settings};
///
/// let settings = Settings::new()
///     .text("login", "example")
///     .pass("password", "eXaMp1E")
///     .users("phones", [(504141, "1039")])
///     .users_lp("sip", [(504141, Credentials::new("operator", "s3cret"))])
///     .text("script_path", "https://example.com/");
/// let printed = format!("{settings:?}");
/// assert!(!printed.contains("eXaMp1E") && !printed.contains("s3cret"));
/// assert!(printed.contains("example"));
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct Settings {
    pub(super) values: BTreeMap<String, SettingValue>,
}

/// What a secret setting value is written as when settings are serialized or printed.
pub const MASK: &str = "********";

/// Settings as data: each key and its value as JSON, every secret (`pass` values,
/// `users_lp` passwords) as [`MASK`]. [`Settings::exposed`] writes them as they are.
impl serde::Serialize for Settings {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.values.iter().map(|(k, v)| (k, v.masked_json(MASK))))
    }
}

/// [`Settings`] serialized with their secrets, from [`Settings::exposed`].
#[derive(Clone, Copy)]
pub struct ExposedSettings<'a>(&'a Settings);

impl fmt::Debug for ExposedSettings<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ExposedSettings").field(self.0).finish()
    }
}

impl serde::Serialize for ExposedSettings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.values.iter().map(|(k, v)| (k, v.json(None))))
    }
}

impl Settings {
    /// The settings for serializing with their secrets as they are (passwords in clear):
    /// the explicit way out of [`MASK`]. `Debug` still hides them.
    pub fn exposed(&self) -> ExposedSettings<'_> {
        ExposedSettings(self)
    }
}

/// The value of one setting.
#[derive(Clone)]
#[non_exhaustive]
pub enum SettingValue {
    /// A `text` value.
    Text(String),
    /// A `pass` value, kept secret.
    Pass(SecretString),
    /// A `users` value: amoCRM user ID to extension number.
    Users(BTreeMap<u64, String>),
    /// A `users_lp` value: amoCRM user ID to login and password.
    UsersLp(BTreeMap<u64, Credentials>),
    /// Any other JSON value: a `custom` field's (which takes any value), or a value
    /// returned by the server that fits none of the above. Sent as it is. Its `Debug`
    /// shows only the kind of JSON value, as it may hold a secret.
    Other(serde_json::Value),
}

/// A login and password of a `users_lp` setting; the password is secret.
#[derive(Clone)]
pub struct Credentials {
    /// The login.
    pub login: String,
    /// The password.
    pub password: SecretString,
}

impl Credentials {
    /// A login and password.
    pub fn new(login: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            login: login.into(),
            password: SecretString::from(password.into()),
        }
    }
}

impl PartialEq for Credentials {
    fn eq(&self, other: &Self) -> bool {
        self.login == other.login && self.password.expose_secret() == other.password.expose_secret()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("login", &self.login)
            .field("password", &"[REDACTED]")
            .finish()
    }
}

impl PartialEq for SettingValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Text(a), Self::Text(b)) => a == b,
            (Self::Pass(a), Self::Pass(b)) => a.expose_secret() == b.expose_secret(),
            (Self::Users(a), Self::Users(b)) => a == b,
            (Self::UsersLp(a), Self::UsersLp(b)) => a == b,
            (Self::Other(a), Self::Other(b)) => a == b,
            _ => false,
        }
    }
}

impl fmt::Debug for SettingValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(text) => f.debug_tuple("Text").field(text).finish(),
            Self::Pass(_) => f.write_str("Pass([REDACTED])"),
            Self::Users(users) => f.debug_tuple("Users").field(users).finish(),
            Self::UsersLp(users) => f.debug_tuple("UsersLp").field(users).finish(),
            // A custom field, or a key outside the template, may hold anything, secrets
            // included: show its shape only.
            Self::Other(value) => write!(f, "Other([REDACTED {}])", json_kind(value)),
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.values.iter()).finish()
    }
}

impl SettingValue {
    /// The kind of value, named like the field type it fits.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Text(_) => "text",
            Self::Pass(_) => "pass",
            Self::Users(_) => "users",
            Self::UsersLp(_) => "users_lp",
            Self::Other(_) => "other",
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        match self {
            Self::Text(text) => text.trim().is_empty(),
            Self::Pass(secret) => secret.expose_secret().is_empty(),
            Self::Users(users) => users.is_empty(),
            Self::UsersLp(users) => users.is_empty(),
            Self::Other(value) => value.is_null(),
        }
    }

    fn has_no_users(&self) -> bool {
        match self {
            Self::Users(users) => users.is_empty(),
            Self::UsersLp(users) => users.is_empty(),
            _ => false,
        }
    }

    pub(super) fn fits(&self, kind: &SettingsFieldType) -> bool {
        match kind {
            SettingsFieldType::Text | SettingsFieldType::Pass => {
                matches!(self, Self::Text(_) | Self::Pass(_))
            }
            SettingsFieldType::Users => matches!(self, Self::Users(_)),
            SettingsFieldType::UsersLp => matches!(self, Self::UsersLp(_)),
            SettingsFieldType::Custom | SettingsFieldType::Unknown(_) => true,
        }
    }

    /// The value as JSON, with `pass` values and `users_lp` passwords written as `mask`:
    /// for output a person reads. [`SettingValue::Other`] is written as it is.
    pub fn masked_json(&self, mask: &str) -> serde_json::Value {
        self.json(Some(mask))
    }

    /// The value as JSON; secrets as they are, or as `mask` when one is given.
    fn json(&self, mask: Option<&str>) -> serde_json::Value {
        use serde_json::Value;
        let secret = |secret: &SecretString| {
            Value::String(mask.unwrap_or(secret.expose_secret()).to_owned())
        };
        match self {
            Self::Text(text) => Value::String(text.clone()),
            Self::Pass(password) => secret(password),
            Self::Users(users) => Value::Object(
                users
                    .iter()
                    .map(|(id, ext)| (id.to_string(), Value::String(ext.clone())))
                    .collect(),
            ),
            Self::UsersLp(users) => Value::Object(
                users
                    .iter()
                    .map(|(id, c)| {
                        let pair = serde_json::json!({
                            "login": c.login,
                            "password": secret(&c.password),
                        });
                        (id.to_string(), pair)
                    })
                    .collect(),
            ),
            Self::Other(value) => value.clone(),
        }
    }

    /// The value as sent in an install body. A `custom` field takes any JSON value, so
    /// only a users map without users is refused (it says nothing; leave the key out).
    fn to_raw(&self, key: &str) -> Result<serde_json::Value, SettingsProblem> {
        if self.has_no_users() {
            return Err(SettingsProblem::NoUsers {
                key: key.to_owned(),
            });
        }
        Ok(self.json(None))
    }
}

impl Settings {
    /// No settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a `text` field.
    pub fn text(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.values
            .insert(key.into(), SettingValue::Text(value.into()));
        self
    }

    /// Sets a `pass` field; the value is kept secret.
    pub fn pass(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let secret = SecretString::from(value.into());
        self.values.insert(key.into(), SettingValue::Pass(secret));
        self
    }

    /// Sets a `users` field: amoCRM user ID to extension number.
    pub fn users<E: Into<String>>(
        mut self,
        key: impl Into<String>,
        users: impl IntoIterator<Item = (u64, E)>,
    ) -> Self {
        let users = users
            .into_iter()
            .map(|(id, ext)| (id, ext.into()))
            .collect();
        self.values.insert(key.into(), SettingValue::Users(users));
        self
    }

    /// Sets a `users_lp` field: amoCRM user ID to login and password.
    pub fn users_lp(
        mut self,
        key: impl Into<String>,
        users: impl IntoIterator<Item = (u64, Credentials)>,
    ) -> Self {
        let users = users.into_iter().collect();
        self.values.insert(key.into(), SettingValue::UsersLp(users));
        self
    }

    /// Sets any value.
    pub fn set(mut self, key: impl Into<String>, value: SettingValue) -> Self {
        self.values.insert(key.into(), value);
        self
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&SettingValue> {
        self.values.get(key)
    }

    /// The settings in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &SettingValue)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of settings.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are no settings.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The settings as a JSON object, **secrets included**: for a request body or a file
    /// the caller protects, never for logs.
    pub fn expose_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.values
                .iter()
                .map(|(key, value)| (key.clone(), value.json(None)))
                .collect(),
        )
    }

    /// The raw install body.
    pub(crate) fn to_raw(&self) -> Result<raw::InstallSettings, Invalid> {
        let mut out = HashMap::with_capacity(self.values.len());
        let mut problems = Vec::new();
        for (key, value) in &self.values {
            match value.to_raw(key) {
                Ok(raw) => {
                    out.insert(key.clone(), raw);
                }
                Err(problem) => problems.push(problem),
            }
        }
        if problems.is_empty() {
            Ok(raw::InstallSettings(out))
        } else {
            Err(Invalid::Settings(problems))
        }
    }
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}
