//! Tasks to write: [`NewTask`] (its text and deadline taken by its constructor, since
//! amoCRM refuses a task without them) and [`TaskPatch`]; the calls
//! `client.tasks().add(…)`, `.update(…)`, `.update_one(…)` and `.complete(id, result)`.

use futures::stream::{Stream, StreamExt};
use serde_json::{Map, Value, json};

use crate::api::tasks::TaskCalls;
use crate::error::Invalid;
use crate::query::EntityKind;
use crate::write::entities::{Item, sealed};
use crate::write::json_input::{self, Keys};
use crate::write::op::{self, Op};
use crate::write::outcome::Updated;
use crate::write::parts::Parts;
use crate::write::writer::Writer;

/// The setters a new task and a task's changes share.
macro_rules! task_setters {
    () => {
        /// Attaches the task to an entity (`entity_type` and `entity_id`); a task may
        /// also stand alone.
        pub fn entity(mut self, kind: EntityKind, entity_id: i64) -> Self {
            self.parts.id("entity_id", entity_id);
            self.parts.set("entity_type", Value::String(kind.to_string()));
            self
        }

        /// The task type: 1 a call, 2 a meeting, or one of the account's own types
        /// (`GET /api/v4/account?with=task_types`).
        pub fn task_type_id(mut self, task_type_id: i64) -> Self {
            self.parts.id("task_type_id", task_type_id);
            self
        }

        /// The responsible user (by default the user of the token).
        pub fn responsible_user_id(mut self, user_id: i64) -> Self {
            self.parts.id("responsible_user_id", user_id);
            self
        }

        /// How long the task takes, in seconds from `complete_till`.
        pub fn duration(mut self, seconds: u32) -> Self {
            self.parts.set("duration", seconds.into());
            self
        }

        /// Whether the task is done (`is_completed`).
        pub fn completed(mut self, completed: bool) -> Self {
            self.parts.set("is_completed", completed.into());
            self
        }

        /// The task's result (`result.text`), written with its completion; not blank.
        pub fn result(mut self, text: impl Into<String>) -> Self {
            let text = text.into();
            if text.trim().is_empty() {
                self.parts.refuse("result.text", "a result is a text, not blank");
            }
            self.parts.set("result", json!({ "text": text }));
            self
        }

        /// Who changed it last (0: the integration).
        pub fn updated_by(mut self, user_id: i64) -> Self {
            self.parts.user("updated_by", user_id);
            self
        }

        /// When created, Unix seconds.
        pub fn created_at(mut self, at: i64) -> Self {
            self.parts.time("created_at", at);
            self
        }

        /// When changed, Unix seconds.
        pub fn updated_at(mut self, at: i64) -> Self {
            self.parts.time("updated_at", at);
            self
        }
    };
}

/// A task to add: its text and deadline (Unix seconds) are required by amoCRM, so the
/// constructor takes them; everything else is sent only when set.
///
/// ```
/// use amocrm::query::EntityKind;
/// use amocrm::write::NewTask;
///
/// let call_back = NewTask::new("Call the client back", 1_767_225_600)
///     .entity(EntityKind::Leads, 19619)
///     .task_type_id(1)
///     .responsible_user_id(504141)
///     .duration(1800);
/// # let _ = call_back;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct NewTask {
    parts: Parts,
}

/// A task's keys as the setters check them: what `from_json` checks.
const TASK_KEYS: Keys = &[
    ("id", "id"),
    ("text", "text"),
    ("complete_till", "time"),
    ("entity_id", "id"),
    ("entity_type", "text"),
    ("task_type_id", "id"),
    ("responsible_user_id", "id"),
    ("duration", "seconds"),
    ("is_completed", "bool"),
    ("result", "object"),
    ("created_by", "user"),
    ("updated_by", "user"),
    ("created_at", "time"),
    ("updated_at", "time"),
];

impl NewTask {
    /// A task with its text (not blank) and the time it is due (`complete_till`, Unix
    /// seconds).
    pub fn new(text: impl Into<String>, complete_till: i64) -> Self {
        let mut parts = Parts::default();
        text_of(&mut parts, text.into());
        parts.time("complete_till", complete_till);
        NewTask { parts }
    }

    /// A task as a JSON object in amoCRM's field names, sent as it is (the CLI's input);
    /// a body without a `text` or a `complete_till` is refused before sending all the
    /// same.
    pub fn from_json(body: Map<String, Value>) -> Self {
        let missing = json_input::missing(&body, &["text", "complete_till"]);
        let mut parts = Parts::from_json(body, TASK_KEYS, false);
        if let Some(Invalid::Field { field, reason }) = missing {
            parts.refuse(&field, reason);
        }
        NewTask { parts }
    }

    task_setters!();

    /// Who created it (0: the integration). A new task's only: amoCRM's edit does not
    /// take it.
    pub fn created_by(mut self, user_id: i64) -> Self {
        self.parts.user("created_by", user_id);
        self
    }
}

/// Changes to one task: `TaskPatch::new(id)` and the fields to change, nothing else.
/// [`TaskCalls::complete`] is the patch that completes a task with its result.
///
/// ```
/// use amocrm::write::TaskPatch;
///
/// let later = TaskPatch::new(4745251).complete_till(1_767_312_000).text("Call on Friday");
/// # let _ = later;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TaskPatch {
    parts: Parts,
}

impl TaskPatch {
    /// The task of this ID.
    pub fn new(id: i64) -> Self {
        let mut parts = Parts::default();
        parts.id("id", id);
        TaskPatch { parts }
    }

    /// The changes as a JSON object in amoCRM's field names, with the task's `id`, sent
    /// as it is (the CLI's input); one with `created_by` is refused before sending.
    pub fn from_json(body: Map<String, Value>) -> Self {
        TaskPatch {
            parts: Parts::from_json(body, TASK_KEYS, true),
        }
    }

    /// The task's text (not blank).
    pub fn text(mut self, text: impl Into<String>) -> Self {
        text_of(&mut self.parts, text.into());
        self
    }

    /// When the task is due, Unix seconds.
    pub fn complete_till(mut self, at: i64) -> Self {
        self.parts.time("complete_till", at);
        self
    }

    task_setters!();
}

fn text_of(parts: &mut Parts, text: String) {
    if text.trim().is_empty() {
        parts.refuse("text", "a task's text is not blank");
    }
    parts.text("text", text);
}

impl sealed::Sealed for NewTask {}

impl Item for NewTask {
    fn into_body(self) -> Result<Map<String, Value>, Invalid> {
        let body = self.parts.into_body()?;
        required(&body)?;
        Ok(body)
    }
}

impl sealed::Sealed for TaskPatch {}

impl Item for TaskPatch {
    fn into_body(self) -> Result<Map<String, Value>, Invalid> {
        let body = self.parts.into_body()?;
        if body.contains_key("created_by") {
            return Err(Invalid::Field {
                field: "created_by".into(),
                reason: "amoCRM's edit of a task does not take it",
            });
        }
        if body
            .get("id")
            .and_then(Value::as_i64)
            .is_none_or(|id| id <= 0)
        {
            return Err(Invalid::Field {
                field: "id".into(),
                reason: "an update names its task by an ID above 0",
            });
        }
        Ok(body)
    }
}

/// What amoCRM requires of a new task: a text that is not blank and a deadline (also
/// checked for a body given as JSON).
fn required(body: &Map<String, Value>) -> Result<(), Invalid> {
    let text = body.get("text").and_then(Value::as_str);
    if text.is_none_or(|t| t.trim().is_empty()) {
        return Err(Invalid::Field {
            field: "text".into(),
            reason: "a task has a text, not blank",
        });
    }
    if body
        .get("complete_till")
        .and_then(Value::as_i64)
        .is_none_or(|at| at < 0)
    {
        return Err(Invalid::Field {
            field: "complete_till".into(),
            reason: "a task has a deadline, Unix seconds",
        });
    }
    Ok(())
}

impl TaskCalls<'_> {
    /// `POST /api/v4/tasks`, in batches: new tasks (see [`Writer`]).
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::query::EntityKind;
    /// use amocrm::write::NewTask;
    /// use futures::StreamExt;
    ///
    /// let tasks = [19619, 19620].map(|lead| {
    ///     NewTask::new("Send the offer", 1_767_225_600).entity(EntityKind::Leads, lead)
    /// });
    /// let mut results = client.tasks().add(tasks).stream();
    /// while let Some(result) = results.next().await {
    ///     match result {
    ///         Ok(written) => println!("{} → task {}", written.index, written.id),
    ///         Err(error) => eprintln!("{error}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn add<I>(&self, items: I) -> Writer<NewTask>
    where
        I: IntoIterator<Item = NewTask>,
        I::IntoIter: Send + 'static,
    {
        self.add_stream(futures::stream::iter(items))
    }

    /// [`Self::add`] from a stream of tasks.
    pub fn add_stream(
        &self,
        items: impl Stream<Item = NewTask> + Send + 'static,
    ) -> Writer<NewTask> {
        Writer::new(self.client(), Op::AddTasks, items.boxed())
    }

    /// `PATCH /api/v4/tasks`, in batches: changes to tasks.
    pub fn update<I>(&self, patches: I) -> Writer<TaskPatch>
    where
        I: IntoIterator<Item = TaskPatch>,
        I::IntoIter: Send + 'static,
    {
        self.update_stream(futures::stream::iter(patches))
    }

    /// [`Self::update`] from a stream of patches.
    pub fn update_stream(
        &self,
        patches: impl Stream<Item = TaskPatch> + Send + 'static,
    ) -> Writer<TaskPatch> {
        Writer::new(self.client(), Op::UpdateTasks, patches.boxed())
    }

    /// `PATCH /api/v4/tasks/{id}`: one task's changes, at once (retried like a `GET`).
    pub async fn update_one(&self, patch: TaskPatch) -> crate::Result<Updated> {
        let body = patch.into_body()?;
        op::update_one(self.client(), Op::UpdateTasks, body).await
    }

    /// Completes a task with its result: `PATCH /api/v4/tasks/{id}` with
    /// `is_completed: true` and `result.text` (not blank), nothing else.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// let done = client.tasks().complete(4745251, "Called, the client agreed").await?;
    /// println!("task {} completed at {:?}", done.id, done.updated_at);
    /// # Ok(()) }
    /// ```
    pub async fn complete(&self, id: i64, result: impl Into<String>) -> crate::Result<Updated> {
        self.update_one(TaskPatch::new(id).completed(true).result(result))
            .await
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
    fn a_task_sends_what_was_set_and_its_required_fields() {
        let task = NewTask::new("Call", 1_700_000_000)
            .entity(EntityKind::Contacts, 7)
            .duration(0)
            .completed(false);
        assert_eq!(
            body(task),
            Ok(json!({"text": "Call", "complete_till": 1_700_000_000,
                "entity_id": 7, "entity_type": "contacts", "duration": 0, "is_completed": false}))
        );
        let done = TaskPatch::new(5).completed(true).result("Done");
        assert_eq!(
            body(done),
            Ok(json!({"id": 5, "is_completed": true, "result": {"text": "Done"}}))
        );
    }

    #[test]
    fn a_task_amocrm_would_refuse_is_not_sent() {
        assert_eq!(body(NewTask::new(" ", 1)), Err("text".into()));
        assert_eq!(body(NewTask::new("t", -1)), Err("complete_till".into()));
        let no_deadline = Map::from_iter([("text".to_owned(), json!("t"))]);
        assert_eq!(
            body(NewTask::from_json(no_deadline)),
            Err("complete_till".into())
        );
        let no_text = Map::from_iter([("complete_till".to_owned(), json!(5))]);
        assert_eq!(body(NewTask::from_json(no_text)), Err("text".into()));
        let task = NewTask::new("t", 1).entity(EntityKind::Leads, 0);
        assert_eq!(body(task), Err("entity_id".into()));
        assert_eq!(
            body(NewTask::new("t", 1).task_type_id(0)),
            Err("task_type_id".into())
        );
        assert_eq!(body(TaskPatch::new(0)), Err("id".into()));
        assert_eq!(
            body(TaskPatch::new(1).result("")),
            Err("result.text".into())
        );
        assert_eq!(body(TaskPatch::new(1).text("")), Err("text".into()));
        assert_eq!(body(TaskPatch::from_json(Map::new())), Err("id".into()));
        // amoCRM's edit takes no author.
        let authored = Map::from_iter([("id".into(), json!(1)), ("created_by".into(), json!(0))]);
        assert_eq!(
            body(TaskPatch::from_json(authored)),
            Err("created_by".into())
        );
    }
}
