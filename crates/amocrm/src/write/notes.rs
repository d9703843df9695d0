//! Notes to write: [`NewNote`] and [`NotePatch`], each with its typed [`NoteParams`];
//! the calls `client.notes(kind).add(…)`/`.update(…)` (notes of an entity type, each
//! naming its entity) and `client.notes(kind).of(id).add(…)`/`.update(…)`/`.update_one(…)`
//! (notes of one entity).

use futures::stream::{Stream, StreamExt};
use serde_json::{Map, Value};

use crate::api::notes::{EntityNoteCalls, NoteCalls};
use crate::error::Invalid;
use crate::write::entities::{Item, sealed};
use crate::write::json_input::Keys;
use crate::write::note_params::NoteParams;
use crate::write::op::{self, Op};
use crate::write::outcome::Updated;
use crate::write::parts::Parts;
use crate::write::writer::Writer;

/// Which entity a note's path names, set by the call that writes it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum Target {
    /// Not known yet (a note not handed to a call).
    #[default]
    Unset,
    /// `/api/v4/{type}/notes`: the note names its entity itself.
    Type,
    /// `/api/v4/{type}/{id}/notes`: the path names it.
    Entity(i64),
}

/// What a new note and a note's changes share: the fields set, the first problem of its
/// params, and its target.
#[derive(Clone, Debug, Default, PartialEq)]
struct NoteParts {
    parts: Parts,
    problem: Option<Invalid>,
    target: Target,
}

impl NoteParts {
    fn with_params(mut self, params: NoteParams) -> Self {
        match params.into_parts() {
            Ok((note_type, params)) => {
                self.parts.text("note_type", note_type);
                self.parts.set("params", params);
            }
            Err(problem) => _ = self.problem.get_or_insert(problem),
        }
        self
    }

    fn into_body(self) -> Result<Map<String, Value>, Invalid> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
        let mut body = self.parts.into_body()?;
        let refuse = |field: &str, reason| Invalid::Field {
            field: field.into(),
            reason,
        };
        // amoCRM's edit takes a note's type and params whole, as an add does.
        let note_type = body.get("note_type").and_then(Value::as_str);
        if note_type.is_none_or(|t| t.trim().is_empty()) {
            return Err(refuse("note_type", "a note has a type, not blank"));
        }
        match body.get("params") {
            Some(Value::Object(_)) => {}
            Some(_) => return Err(refuse("params", "a note's params are a JSON object")),
            None => return Err(refuse("params", "a note is written with its params")),
        }
        let entity = body.get("entity_id").map(|id| id.as_i64());
        match (self.target, entity) {
            (_, Some(None)) => return Err(refuse("entity_id", "an entity's ID is a number")),
            // amoCRM's edit of an entity type's notes takes the note's entity too.
            (Target::Type, None) => {
                return Err(refuse(
                    "entity_id",
                    "a note written to an entity type's path names its entity",
                ));
            }
            (Target::Entity(path), Some(Some(id))) if id != path => {
                return Err(refuse("entity_id", "differs from the entity of the path"));
            }
            // The path names the entity: the body need not.
            (Target::Entity(_), Some(_)) => _ = body.remove("entity_id"),
            _ => {}
        }
        Ok(body)
    }
}

/// The setters a new note and a note's changes share.
macro_rules! note_setters {
    () => {
        /// The entity the note belongs to (needed by the notes of an entity type; the
        /// notes of one entity take it from their path).
        pub fn entity_id(mut self, entity_id: i64) -> Self {
            self.0.parts.id("entity_id", entity_id);
            self
        }

        /// The responsible user.
        pub fn responsible_user_id(mut self, user_id: i64) -> Self {
            self.0.parts.id("responsible_user_id", user_id);
            self
        }
    };
}

/// A note to add: its type and params; everything else is sent only when set.
///
/// ```
/// use amocrm::write::{NewNote, NoteParams};
///
/// let note = NewNote::new(NoteParams::common("The client asked for a discount"))
///     .entity_id(19619)
///     .trigger_digital_pipeline(false);
/// # let _ = note;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct NewNote(NoteParts);

/// A note's keys as the setters check them: what `from_json` checks.
const NOTE_KEYS: Keys = &[
    ("id", "id"),
    ("entity_id", "id"),
    ("note_type", "text"),
    ("params", "object"),
    ("created_by", "user"),
    ("responsible_user_id", "id"),
    ("is_need_to_trigger_digital_pipeline", "bool"),
];

impl NewNote {
    /// A note of this type and params.
    pub fn new(params: NoteParams) -> Self {
        NewNote(NoteParts::default().with_params(params))
    }

    /// A note as a JSON object in amoCRM's field names (`note_type`, `params`, …), sent
    /// as it is (the CLI's input); one without a `note_type` is refused before sending.
    pub fn from_json(body: Map<String, Value>) -> Self {
        NewNote(NoteParts {
            parts: Parts::from_json(body, NOTE_KEYS, false),
            ..NoteParts::default()
        })
    }

    note_setters!();

    /// Who wrote it (0: the integration). A call note shows in amoCRM's analytics
    /// only when this is its responsible user too. A new note's only: amoCRM's edit
    /// does not take it (and refuses a deactivated user's ID, so one read back from
    /// the note would fail the edit).
    pub fn created_by(mut self, user_id: i64) -> Self {
        self.0.parts.user("created_by", user_id);
        self
    }

    /// Whether the note fires the digital pipeline's triggers ("call made", "invoice
    /// paid", …; amoCRM's default is yes).
    pub fn trigger_digital_pipeline(mut self, trigger: bool) -> Self {
        self.0
            .parts
            .set("is_need_to_trigger_digital_pipeline", trigger.into());
        self
    }

    fn at(mut self, target: Target) -> Self {
        self.0.target = target;
        self
    }
}

/// Changes to one note: `NotePatch::new(id, params)`, its type and params sent whole.
///
/// ```
/// use amocrm::write::{NoteParams, NotePatch};
///
/// let fixed = NotePatch::new(42709842, NoteParams::common("The client asked for 5%"));
/// # let _ = fixed;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct NotePatch(NoteParts);

impl NotePatch {
    /// The note of this ID, with its new params.
    pub fn new(id: i64, params: NoteParams) -> Self {
        let mut parts = NoteParts::default();
        parts.parts.id("id", id);
        NotePatch(parts.with_params(params))
    }

    /// The changes as a JSON object in amoCRM's field names, with the note's `id`,
    /// `note_type` and `params` (amoCRM's edit takes them whole), sent as it is (the
    /// CLI's input); one without any of them, or with `created_by`, is refused before
    /// sending.
    pub fn from_json(body: Map<String, Value>) -> Self {
        NotePatch(NoteParts {
            parts: Parts::from_json(body, NOTE_KEYS, true),
            ..NoteParts::default()
        })
    }

    note_setters!();

    fn at(mut self, target: Target) -> Self {
        self.0.target = target;
        self
    }
}

impl sealed::Sealed for NewNote {}

impl Item for NewNote {
    fn into_body(self) -> Result<Map<String, Value>, Invalid> {
        self.0.into_body()
    }
}

impl sealed::Sealed for NotePatch {}

impl Item for NotePatch {
    fn into_body(self) -> Result<Map<String, Value>, Invalid> {
        let body = self.0.into_body()?;
        if body.contains_key("created_by") {
            return Err(Invalid::Field {
                field: "created_by".into(),
                reason: "amoCRM's edit of a note does not take it",
            });
        }
        if body
            .get("id")
            .and_then(Value::as_i64)
            .is_none_or(|id| id <= 0)
        {
            return Err(Invalid::Field {
                field: "id".into(),
                reason: "an update names its note by an ID above 0",
            });
        }
        Ok(body)
    }
}

impl NoteCalls<'_> {
    /// `POST /api/v4/{type}/notes`, in batches: new notes of entities of the type, each
    /// naming its entity ([`NewNote::entity_id`]; one without is refused before sending).
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::query::EntityKind;
    /// use amocrm::write::{NewNote, NoteParams};
    /// use futures::StreamExt;
    ///
    /// let notes = [19619, 19620].map(|lead| {
    ///     NewNote::new(NoteParams::common("Price list sent")).entity_id(lead)
    /// });
    /// let mut results = client.notes(EntityKind::Leads).add(notes).stream();
    /// while let Some(result) = results.next().await {
    ///     println!("{:?}", result.map(|written| written.id));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn add<I>(&self, items: I) -> Writer<NewNote>
    where
        I: IntoIterator<Item = NewNote>,
        I::IntoIter: Send + 'static,
    {
        self.add_stream(futures::stream::iter(items))
    }

    /// [`Self::add`] from a stream of notes.
    pub fn add_stream(
        &self,
        items: impl Stream<Item = NewNote> + Send + 'static,
    ) -> Writer<NewNote> {
        let (client, kind) = self.parts();
        let items = items.map(|n| n.at(Target::Type)).boxed();
        Writer::new(client, Op::AddNotes(kind, None), items)
    }

    /// `PATCH /api/v4/{type}/notes`, in batches: changes to notes of entities of the type.
    pub fn update<I>(&self, patches: I) -> Writer<NotePatch>
    where
        I: IntoIterator<Item = NotePatch>,
        I::IntoIter: Send + 'static,
    {
        self.update_stream(futures::stream::iter(patches))
    }

    /// [`Self::update`] from a stream of patches.
    pub fn update_stream(
        &self,
        patches: impl Stream<Item = NotePatch> + Send + 'static,
    ) -> Writer<NotePatch> {
        let (client, kind) = self.parts();
        let patches = patches.map(|n| n.at(Target::Type)).boxed();
        Writer::new(client, Op::UpdateNotes(kind, None), patches)
    }
}

impl EntityNoteCalls<'_> {
    /// `POST /api/v4/{type}/{id}/notes`, in batches: new notes of this entity (a note
    /// naming another entity is refused before sending).
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::query::EntityKind;
    /// use amocrm::write::{Call, NewNote, NoteParams};
    /// use futures::StreamExt;
    ///
    /// let call = Call::new("8f52d38a", 95, "onlinePBX", "+79999999999").responsible_user(504141);
    /// let note = NewNote::new(NoteParams::CallIn(call)).created_by(504141).responsible_user_id(504141);
    /// let mut results = client.notes(EntityKind::Contacts).of(10971465).add([note]).stream();
    /// if let Some(Ok(written)) = results.next().await {
    ///     println!("note {}", written.id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn add<I>(&self, items: I) -> Writer<NewNote>
    where
        I: IntoIterator<Item = NewNote>,
        I::IntoIter: Send + 'static,
    {
        self.add_stream(futures::stream::iter(items))
    }

    /// [`Self::add`] from a stream of notes.
    pub fn add_stream(
        &self,
        items: impl Stream<Item = NewNote> + Send + 'static,
    ) -> Writer<NewNote> {
        let (client, kind, entity) = self.parts();
        let items = items.map(move |n| n.at(Target::Entity(entity))).boxed();
        Writer::new(client, Op::AddNotes(kind, Some(entity)), items)
    }

    /// `PATCH /api/v4/{type}/{id}/notes`, in batches: changes to notes of this entity.
    pub fn update<I>(&self, patches: I) -> Writer<NotePatch>
    where
        I: IntoIterator<Item = NotePatch>,
        I::IntoIter: Send + 'static,
    {
        self.update_stream(futures::stream::iter(patches))
    }

    /// [`Self::update`] from a stream of patches.
    pub fn update_stream(
        &self,
        patches: impl Stream<Item = NotePatch> + Send + 'static,
    ) -> Writer<NotePatch> {
        let (client, kind, entity) = self.parts();
        let patches = patches.map(move |n| n.at(Target::Entity(entity))).boxed();
        Writer::new(client, Op::UpdateNotes(kind, Some(entity)), patches)
    }

    /// `PATCH /api/v4/{type}/{entity_id}/notes/{id}`: one note's changes, at once
    /// (retried like a `GET`).
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::query::EntityKind;
    /// use amocrm::write::{NoteParams, NotePatch};
    ///
    /// let patch = NotePatch::new(42709842, NoteParams::common("The client asked for 5%"));
    /// let updated = client.notes(EntityKind::Leads).of(19619).update_one(patch).await?;
    /// # let _ = updated;
    /// # Ok(()) }
    /// ```
    pub async fn update_one(&self, patch: NotePatch) -> crate::Result<Updated> {
        let (client, kind, entity) = self.parts();
        let body = patch.at(Target::Entity(entity)).into_body()?;
        op::update_one(client, Op::UpdateNotes(kind, Some(entity)), body).await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(item: impl Item) -> Result<Value, String> {
        item.into_body().map(Value::Object).map_err(|e| match e {
            Invalid::Field { field, .. } => field,
            other => other.to_string(),
        })
    }

    #[test]
    fn a_note_sends_its_type_params_and_what_was_set() {
        let note = NewNote::new(NoteParams::common("hi"))
            .entity_id(3)
            .trigger_digital_pipeline(false)
            .at(Target::Type);
        assert_eq!(
            body(note),
            Ok(
                json!({"note_type": "common", "params": {"text": "hi"}, "entity_id": 3,
                "is_need_to_trigger_digital_pipeline": false})
            )
        );
        // The path names the entity: the body's own (the same) is left out.
        let note = NewNote::new(NoteParams::common("hi"))
            .entity_id(3)
            .at(Target::Entity(3));
        assert_eq!(
            body(note),
            Ok(json!({"note_type": "common", "params": {"text": "hi"}}))
        );
        let patch = NotePatch::new(9, NoteParams::common("x"))
            .entity_id(3)
            .at(Target::Type);
        assert_eq!(
            body(patch),
            Ok(json!({"id": 9, "note_type": "common", "params": {"text": "x"}, "entity_id": 3}))
        );
    }

    #[test]
    fn a_note_amocrm_would_refuse_is_not_sent() {
        let orphan = NewNote::new(NoteParams::common("hi")).at(Target::Type);
        assert_eq!(body(orphan), Err("entity_id".into()));
        let elsewhere = NewNote::new(NoteParams::common("hi"))
            .entity_id(4)
            .at(Target::Entity(3));
        assert_eq!(body(elsewhere), Err("entity_id".into()));
        let blank = NewNote::new(NoteParams::common("")).at(Target::Entity(3));
        assert_eq!(body(blank), Err("params.text".into()));
        let untyped = NewNote::from_json(Map::from_iter([("params".into(), json!({}))]));
        assert_eq!(body(untyped.at(Target::Entity(1))), Err("note_type".into()));
        let odd = Map::from_iter([
            ("note_type".into(), json!("common")),
            ("params".into(), json!(1)),
        ]);
        assert_eq!(
            body(NewNote::from_json(odd).at(Target::Entity(1))),
            Err("params".into())
        );
        let patch = NotePatch::new(0, NoteParams::common("x"));
        assert_eq!(body(patch), Err("id".into()));
        let no_id = NotePatch::from_json(Map::from_iter([
            ("note_type".into(), json!("common")),
            ("params".into(), json!({"text": "x"})),
        ]));
        assert_eq!(body(no_id), Err("id".into()));
    }

    /// A patch as amoCRM's edit takes it: id, type and params whole, its entity on the
    /// type-wide path, no author.
    #[test]
    fn a_note_patch_amocrm_would_refuse_is_not_sent() {
        let json = |value: Value| match value {
            Value::Object(map) => NotePatch::from_json(map),
            _ => unreachable!("an object"),
        };
        let untyped = json(json!({"id": 9, "params": {"text": "x"}}));
        assert_eq!(body(untyped.at(Target::Entity(1))), Err("note_type".into()));
        let no_params = json(json!({"id": 9, "note_type": "common"}));
        assert_eq!(body(no_params.at(Target::Entity(1))), Err("params".into()));
        let authored = json(
            json!({"id": 9, "note_type": "common", "params": {"text": "x"},
            "created_by": 5}),
        );
        assert_eq!(
            body(authored.at(Target::Entity(1))),
            Err("created_by".into())
        );
        let whole = json(json!({"id": 9, "note_type": "common", "params": {"text": "x"}}));
        assert_eq!(
            body(whole.clone().at(Target::Type)),
            Err("entity_id".into()),
            "the type-wide edit names each note's entity"
        );
        assert!(body(whole.at(Target::Entity(1))).is_ok());
        let orphan = NotePatch::new(9, NoteParams::common("x")).at(Target::Type);
        assert_eq!(body(orphan), Err("entity_id".into()));
    }
}
