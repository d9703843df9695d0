//! The writable note types and their `params`, typed ([`NoteParams`], [`Call`]), with an
//! escape for a type amoCRM adds later ([`NoteParams::Other`]). Each is checked before it
//! is sent: the texts amoCRM needs are not blank, coordinates are on the globe.

use serde_json::{Map, Value, json};

use crate::error::Invalid;

/// A note's type and its `params`: one of the types amoCRM documents as writable, or
/// [`NoteParams::Other`] for any other (its params as a JSON object, sent as they are).
///
/// ```
/// use amocrm::write::{Call, CallStatus, NoteParams};
///
/// let text = NoteParams::common("The client asked for a discount");
/// let call = NoteParams::CallIn(
///     Call::new("8f52d38a-5fb3-406d-93a3", 60, "onlinePBX", "+79999999999")
///         .link("https://example.com/records/1.mp3")
///         .status(CallStatus::Talked),
/// );
/// let sms = NoteParams::SmsOut { text: "Your order is ready".into(), phone: "+79999999999".into() };
/// # let _ = (text, call, sms);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum NoteParams {
    /// `common`: a text note.
    Common {
        /// The note's text.
        text: String,
    },
    /// `call_in`: an incoming call.
    CallIn(Call),
    /// `call_out`: an outgoing call.
    CallOut(Call),
    /// `service_message`: a message of an integration.
    ServiceMessage {
        /// The integration's name, shown as the sender.
        service: String,
        /// The message.
        text: String,
    },
    /// `extended_service_message`: a longer message of an integration, collapsible.
    ExtendedServiceMessage {
        /// The integration's name.
        service: String,
        /// The message.
        text: String,
    },
    /// `message_cashier`: a cashier's message.
    MessageCashier {
        /// Its state.
        status: CashierStatus,
        /// The message.
        text: String,
    },
    /// `geolocation`: a place.
    Geolocation {
        /// The note's text.
        text: String,
        /// The address.
        address: String,
        /// Degrees east, −180 to 180 (sent as a string, as amoCRM takes it).
        longitude: f64,
        /// Degrees north, −90 to 90 (sent as a string).
        latitude: f64,
    },
    /// `sms_in`: an incoming SMS.
    SmsIn {
        /// The message.
        text: String,
        /// The sender's phone.
        phone: String,
    },
    /// `sms_out`: an outgoing SMS.
    SmsOut {
        /// The message.
        text: String,
        /// The recipient's phone.
        phone: String,
    },
    /// `attachment`: a file already uploaded to amoCRM's file storage.
    Attachment {
        /// The file's UUID.
        file_uuid: String,
        /// The version's UUID (default: the latest).
        version_uuid: Option<String>,
        /// The name shown in the note.
        file_name: String,
    },
    /// Any other type, its `params` sent as they are.
    Other {
        /// The type's name (`note_type`), not blank.
        note_type: String,
        /// Its `params`.
        params: Map<String, Value>,
    },
}

/// A call of a `call_in` or `call_out` note.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    uniq: String,
    duration: u32,
    source: String,
    phone: String,
    link: Option<String>,
    responsible: Option<Value>,
    status: Option<CallStatus>,
    result: Option<String>,
}

/// How a call ended (`call_status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallStatus {
    /// 1: a voice message was left.
    LeftMessage,
    /// 2: call back later.
    CallBackLater,
    /// 3: not available.
    NotAvailable,
    /// 4: they talked.
    Talked,
    /// 5: a wrong number.
    WrongNumber,
    /// 6: no answer.
    NoAnswer,
    /// 7: busy.
    Busy,
    /// 8: undefined.
    Undefined,
    /// A status amoCRM added later, by its number (above 0).
    Other(i64),
}

/// The state of a cashier's message (`message_cashier`'s `status`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CashierStatus {
    /// `created`.
    Created,
    /// `shown`.
    Shown,
    /// `canceled`.
    Canceled,
    /// A state amoCRM added later, by its name (not blank).
    Unknown(String),
}

impl Call {
    /// A call: its ID in the telephony service (`uniq`), its length in seconds, the
    /// service's name (`source`) and the other party's phone; none of the texts blank.
    pub fn new(
        uniq: impl Into<String>,
        duration: u32,
        source: impl Into<String>,
        phone: impl Into<String>,
    ) -> Self {
        Call {
            uniq: uniq.into(),
            duration,
            source: source.into(),
            phone: phone.into(),
            link: None,
            responsible: None,
            status: None,
            result: None,
        }
    }

    /// The recording's URL.
    pub fn link(mut self, url: impl Into<String>) -> Self {
        self.link = Some(url.into());
        self
    }

    /// Who took or made the call, by user ID (`call_responsible`).
    pub fn responsible_user(mut self, user_id: i64) -> Self {
        self.responsible = Some(user_id.into());
        self
    }

    /// Who took or made the call, by a name (`call_responsible`).
    pub fn responsible_name(mut self, name: impl Into<String>) -> Self {
        self.responsible = Some(Value::String(name.into()));
        self
    }

    /// How the call ended.
    pub fn status(mut self, status: CallStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// The call's result, a text.
    pub fn result(mut self, text: impl Into<String>) -> Self {
        self.result = Some(text.into());
        self
    }

    fn params(self) -> Result<Value, Invalid> {
        let mut params = Map::new();
        for (key, text) in [
            ("uniq", self.uniq),
            ("source", self.source),
            ("phone", self.phone),
        ] {
            params.insert(key.into(), not_blank(key, text)?);
        }
        params.insert("duration".into(), self.duration.into());
        if let Some(link) = self.link {
            params.insert("link".into(), not_blank("link", link)?);
        }
        match self.responsible {
            Some(Value::Number(id)) if id.as_i64().is_none_or(|id| id <= 0) => {
                return Err(field("call_responsible", "a user ID is above 0"));
            }
            Some(Value::String(name)) if name.trim().is_empty() => {
                return Err(field("call_responsible", "a name is not blank"));
            }
            Some(responsible) => _ = params.insert("call_responsible".into(), responsible),
            None => {}
        }
        if let Some(status) = self.status {
            params.insert("call_status".into(), status.number()?.into());
        }
        if let Some(result) = self.result {
            params.insert("call_result".into(), result.into());
        }
        Ok(Value::Object(params))
    }
}

impl CallStatus {
    fn number(self) -> Result<i64, Invalid> {
        Ok(match self {
            CallStatus::LeftMessage => 1,
            CallStatus::CallBackLater => 2,
            CallStatus::NotAvailable => 3,
            CallStatus::Talked => 4,
            CallStatus::WrongNumber => 5,
            CallStatus::NoAnswer => 6,
            CallStatus::Busy => 7,
            CallStatus::Undefined => 8,
            CallStatus::Other(n) if n > 0 => n,
            CallStatus::Other(_) => {
                return Err(field("call_status", "a call status is a number above 0"));
            }
        })
    }
}

impl NoteParams {
    /// A text note (`common`).
    pub fn common(text: impl Into<String>) -> Self {
        NoteParams::Common { text: text.into() }
    }

    /// A note of another type, its params sent as they are.
    pub fn other(note_type: impl Into<String>, params: Map<String, Value>) -> Self {
        NoteParams::Other {
            note_type: note_type.into(),
            params,
        }
    }

    /// `note_type` and `params`, checked.
    pub(super) fn into_parts(self) -> Result<(String, Value), Invalid> {
        use NoteParams as P;
        let texts = |pairs: &[(&'static str, String)]| -> Result<Value, Invalid> {
            let mut params = Map::new();
            for (key, text) in pairs {
                params.insert((*key).into(), not_blank(key, text.clone())?);
            }
            Ok(Value::Object(params))
        };
        let (kind, params) = match self {
            P::Common { text } => ("common", texts(&[("text", text)])?),
            P::CallIn(call) => ("call_in", call.params()?),
            P::CallOut(call) => ("call_out", call.params()?),
            P::ServiceMessage { service, text } => (
                "service_message",
                texts(&[("service", service), ("text", text)])?,
            ),
            P::ExtendedServiceMessage { service, text } => (
                "extended_service_message",
                texts(&[("service", service), ("text", text)])?,
            ),
            P::MessageCashier { status, text } => {
                let status = match status {
                    CashierStatus::Created => "created".to_owned(),
                    CashierStatus::Shown => "shown".to_owned(),
                    CashierStatus::Canceled => "canceled".to_owned(),
                    CashierStatus::Unknown(name) => name,
                };
                let params = texts(&[("status", status), ("text", text)])?;
                ("message_cashier", params)
            }
            P::Geolocation {
                text,
                address,
                longitude,
                latitude,
            } => {
                let mut params = texts(&[("text", text), ("address", address)])?;
                params["longitude"] = degrees("longitude", longitude, 180.0)?;
                params["latitude"] = degrees("latitude", latitude, 90.0)?;
                ("geolocation", params)
            }
            P::SmsIn { text, phone } => ("sms_in", texts(&[("text", text), ("phone", phone)])?),
            P::SmsOut { text, phone } => ("sms_out", texts(&[("text", text), ("phone", phone)])?),
            P::Attachment {
                file_uuid,
                version_uuid,
                file_name,
            } => {
                let mut params = texts(&[("file_uuid", file_uuid), ("file_name", file_name)])?;
                if let Some(version) = version_uuid {
                    params["version_uuid"] = not_blank("version_uuid", version)?;
                }
                ("attachment", params)
            }
            P::Other { note_type, params } => {
                if note_type.trim().is_empty() {
                    return Err(Invalid::Field {
                        field: "note_type".into(),
                        reason: "a note type is not blank",
                    });
                }
                // A typed type goes through its variant, whose params are checked; the
                // system's own types are not written through the API.
                let refused = if TYPED.contains(&note_type.as_str()) {
                    Some("a type this crate writes typed: use its NoteParams variant")
                } else if READ_ONLY.contains(&note_type.as_str()) {
                    Some("a note type amoCRM writes itself, not through the API")
                } else {
                    None
                };
                if let Some(reason) = refused {
                    return Err(Invalid::Field {
                        field: "note_type".into(),
                        reason,
                    });
                }
                return Ok((note_type, Value::Object(params)));
            }
        };
        Ok((kind.to_owned(), params))
    }
}

/// The writable note types this module types.
const TYPED: [&str; 10] = [
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

/// Note types amoCRM shows but writes itself (mail, chats, visits, payments, …).
const READ_ONLY: [&str; 13] = [
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
    "key_action_completed",
];

fn field(key: &str, reason: &'static str) -> Invalid {
    Invalid::Field {
        field: format!("params.{key}"),
        reason,
    }
}

fn not_blank(key: &str, text: String) -> Result<Value, Invalid> {
    if text.trim().is_empty() {
        return Err(field(key, "amoCRM needs this text of the note, not blank"));
    }
    Ok(Value::String(text))
}

fn degrees(key: &str, value: f64, max: f64) -> Result<Value, Invalid> {
    if !value.is_finite() || value.abs() > max {
        return Err(field(
            key,
            "a coordinate is a finite number of degrees in range",
        ));
    }
    Ok(json!(value.to_string()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parts(params: NoteParams) -> Result<(String, Value), String> {
        params.into_parts().map_err(|e| match e {
            Invalid::Field { field, .. } => field,
            other => other.to_string(),
        })
    }

    #[test]
    fn typed_params_are_sent_in_amocrms_shape() {
        let call = Call::new("u1", 60, "pbx", "+7999")
            .link("https://example.com/1.mp3")
            .responsible_user(5)
            .status(CallStatus::NoAnswer)
            .result("later");
        assert_eq!(
            parts(NoteParams::CallOut(call)),
            Ok((
                "call_out".into(),
                json!({"uniq": "u1", "duration": 60, "source": "pbx",
                "phone": "+7999", "link": "https://example.com/1.mp3", "call_responsible": 5,
                "call_status": 6, "call_result": "later"})
            ))
        );
        let place = NoteParams::Geolocation {
            text: "Here".into(),
            address: "Tverskaya 1".into(),
            longitude: 37.5,
            latitude: -55.25,
        };
        assert_eq!(
            parts(place),
            Ok((
                "geolocation".into(),
                json!({"text": "Here", "address": "Tverskaya 1",
                "longitude": "37.5", "latitude": "-55.25"})
            ))
        );
        let cashier = NoteParams::MessageCashier {
            status: CashierStatus::Shown,
            text: "t".into(),
        };
        assert_eq!(
            parts(cashier),
            Ok((
                "message_cashier".into(),
                json!({"status": "shown", "text": "t"})
            ))
        );
        let file = NoteParams::Attachment {
            file_uuid: "f".into(),
            version_uuid: None,
            file_name: "a.pdf".into(),
        };
        assert_eq!(
            parts(file),
            Ok((
                "attachment".into(),
                json!({"file_uuid": "f", "file_name": "a.pdf"})
            ))
        );
        let other = NoteParams::other("voice_memo", Map::from_iter([("x".into(), json!(1))]));
        assert_eq!(parts(other), Ok(("voice_memo".into(), json!({"x": 1}))));
    }

    #[test]
    fn params_amocrm_would_refuse_are_not_sent() {
        assert_eq!(parts(NoteParams::common("  ")), Err("params.text".into()));
        let call = Call::new("u", 1, "", "+7");
        assert_eq!(parts(NoteParams::CallIn(call)), Err("params.source".into()));
        let call = Call::new("u", 1, "s", "+7").status(CallStatus::Other(0));
        assert_eq!(
            parts(NoteParams::CallIn(call)),
            Err("params.call_status".into())
        );
        let call = Call::new("u", 1, "s", "+7").responsible_user(-2);
        assert_eq!(
            parts(NoteParams::CallIn(call)),
            Err("params.call_responsible".into())
        );
        let far = NoteParams::Geolocation {
            text: "t".into(),
            address: "a".into(),
            longitude: 181.0,
            latitude: 0.0,
        };
        assert_eq!(parts(far), Err("params.longitude".into()));
        let nan = NoteParams::Geolocation {
            text: "t".into(),
            address: "a".into(),
            longitude: 0.0,
            latitude: f64::NAN,
        };
        assert_eq!(parts(nan), Err("params.latitude".into()));
        let sms = NoteParams::SmsIn {
            text: "t".into(),
            phone: "".into(),
        };
        assert_eq!(parts(sms), Err("params.phone".into()));
        assert_eq!(
            parts(NoteParams::other(" ", Map::new())),
            Err("note_type".into())
        );
    }

    #[test]
    fn other_is_for_types_this_crate_does_not_type_and_amocrm_lets_an_api_write() {
        let other = |t: &str| NoteParams::other(t, Map::new()).into_parts();
        for typed in TYPED {
            assert!(other(typed).is_err(), "{typed}");
        }
        for system in ["amomail_message", "chat", "invoice_paid"] {
            assert!(other(system).is_err(), "{system}");
        }
        assert!(other("voice_memo").is_ok());
    }
}
