//! `POST /widget_request`: a bot's widget step, from verification to the bot continued.

use amocrm::bots::{ContinueRequest, Handler};
use amocrm::error::WidgetRequestError;
use amocrm::leads::With;
use amocrm::widget_request::WidgetRequest;
use amocrm::{Client, Error};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::note::add_lead_note;
use crate::{App, refuse};

/// A bot's widget step (amoCRM's JSON body `{token, data, return_url}`), whose `data`
/// names the lead (`"lead_id": 123` or `"123"`, as the bot's step passes `{{lead.id}}`):
/// verified once across the fleet (the replay guard in Redis: a second delivery is 409),
/// the lead read with its main contact, a note added to the lead, then the bot continued
/// with the contact's name and whether the note was added (`added`, `failed` or
/// `unknown`). amoCRM waits for the answer only briefly: a backend doing
/// more than these few calls would answer first and continue from a task.
pub(crate) async fn widget_request(State(app): State<App>, body: axum::body::Bytes) -> Response {
    let request = match WidgetRequest::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return refuse(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    // Read before the token is spent: a step without a lead fails the same way each time.
    let Some(lead_id) = lead_id(request.data().get("lead_id")) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "data.lead_id must be a lead id (a positive integer)",
        );
    };
    let verified = match app.verifier.verify_once(&request).await {
        Ok(verified) => verified,
        Err(WidgetRequestError::Replayed) => {
            return refuse(StatusCode::CONFLICT, "this widget_request was seen already");
        }
        Err(error @ WidgetRequestError::ReplayGuard(_)) => {
            return refuse(StatusCode::SERVICE_UNAVAILABLE, &error.to_string());
        }
        Err(error) => return refuse(StatusCode::UNAUTHORIZED, &error.to_string()),
    };
    let client = match app.integration.client_for(&verified) {
        Ok(client) => client,
        Err(error) => return refuse(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    let (contact_id, contact_name) = match main_contact(&client, lead_id).await {
        Ok(found) => found,
        Err(error) => return failed(&app, "reading the lead", &error),
    };
    let text = match &contact_name {
        Some(name) => format!("The bot's widget step ran for {name} ({})", app.instance),
        None => format!(
            "The bot's widget step ran; the lead has no main contact ({})",
            app.instance
        ),
    };
    // The person in the chat waits for the bot: a note not known to be added is said (to
    // the bot and in the answer) rather than leaving the step to time out: "failed" when
    // it is not on the lead, "unknown" when it may be (an add is never sent twice).
    let (note_id, note) = match add_lead_note(&client, lead_id, &text).await {
        Ok(id) => (Some(id), "added"),
        Err(error) => {
            tracing::warn!(instance = %app.instance, "the note on lead {lead_id}: {error}");
            (None, error.said())
        }
    };
    let reply = ContinueRequest::new()
        .data("status", "success")
        .data("instance", &*app.instance)
        .data("contact", contact_name.as_deref().unwrap_or(""))
        .data("note", note)
        .handler(Handler::show_text("Done"));
    match verified.continue_bot(&client, &reply).send().await {
        Ok(()) => axum::Json(json!({
            "continued": true,
            "account": client.base_url(),
            "instance": &*app.instance,
            "lead_id": lead_id,
            "contact_id": contact_id,
            "note": note,
            "note_id": note_id,
        }))
        .into_response(),
        Err(error) => failed(&app, "continuing the bot", &error),
    }
}

/// A lead id as the bot's data carries it: a positive integer, or one written as a string.
fn lead_id(value: Option<&Value>) -> Option<i64> {
    let id = match value? {
        Value::Number(number) => number.as_i64()?,
        Value::String(text) => text.trim().parse().ok()?,
        _ => return None,
    };
    (id > 0).then_some(id)
}

/// The lead's main contact (the one marked `is_main`, else none): its id and name.
async fn main_contact(
    client: &Client,
    lead_id: i64,
) -> Result<(Option<i64>, Option<String>), Error> {
    let lead = client
        .leads()
        .get(lead_id)
        .with(With::Contacts)
        .send()
        .await?;
    let main = lead
        .embedded
        .and_then(|embedded| embedded.into_option())
        .and_then(|embedded| {
            embedded
                .contacts
                .into_iter()
                .find(|contact| contact.is_main == Some(true))
        });
    let Some(main) = main else {
        return Ok((None, None));
    };
    let contact = client.contacts().get(main.id).send().await?;
    Ok((
        Some(contact.id),
        contact.name.filter(|name| !name.trim().is_empty()),
    ))
}

/// A call to amoCRM failed: 410 when the account is not installed (no pair, or its pair
/// deleted by the uninstall hook: `Error::is_not_installed`), 404 when the lead is not
/// there, 502 otherwise (the bot is not continued; amoCRM's step times out and takes its
/// error branch).
fn failed(app: &App, doing: &str, error: &Error) -> Response {
    if error.is_not_installed() {
        tracing::info!(instance = %app.instance, "{doing}: the account is not installed: {error}");
        return refuse(
            StatusCode::GONE,
            &format!("the account is not installed (uninstalled, or never installed): {error}"),
        );
    }
    tracing::warn!(instance = %app.instance, "{doing} failed: {error}");
    let status = match error {
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_GATEWAY,
    };
    refuse(status, &format!("{doing} failed: {error}"))
}
