//! `POST /webhooks/{secret}`: amoCRM's webhooks, answered at once and worked on after.

use amocrm::Domain;
use amocrm::webhook::axum::WebhookDelivery;
use amocrm::webhook::{Action, Delivery, Event, Received};
use axum::extract::State;
use axum::http::StatusCode;

use crate::App;
use crate::note::add_lead_note;

/// amoCRM waits 2 s for a 2xx and delivers again otherwise (and switches a destination off
/// after too many failures), so the extractor does only what must come first: the secret
/// from the path compared in constant time (a wrong one is 404 before the body is read,
/// and nothing else happens), the body read within its limit, and the delivery remembered
/// in Redis by its body (a delivery any instance saw already is answered 200 and left
/// alone: amoCRM's retry is the same body; a note per stage change is the same note for
/// two identical changes within a second, so `Dedupe::Body` suits it). The work
/// runs on a task after the answer.
///
/// The backend's own note is a change amoCRM reports too (`note_lead`); only stage changes
/// are worked on, so a subscription to notes cannot loop.
pub(crate) async fn receive(
    State(app): State<App>,
    WebhookDelivery(received): WebhookDelivery,
) -> StatusCode {
    if let Received::New(delivery) = received {
        tokio::spawn(work(app, delivery));
    }
    StatusCode::OK
}

/// For each lead whose stage changed, a note on that lead saying from which stage to which.
async fn work(app: App, delivery: Delivery) {
    let Some(subdomain) = delivery.account.subdomain.as_deref() else {
        tracing::warn!(instance = %app.instance, "a webhook without account[subdomain]");
        return;
    };
    // The account's own URL says its domain (amocrm.ru when it says none).
    let domain = delivery
        .account
        .url
        .as_deref()
        .and_then(|url| url::Url::parse(url).ok())
        .and_then(|url| url.host_str().and_then(Domain::of_host).map(|(_, d)| d))
        .unwrap_or(Domain::AmocrmRu);
    let client = match app.integration.client(subdomain, domain) {
        Ok(client) => client,
        Err(error) => {
            tracing::warn!(instance = %app.instance, "webhook for {subdomain}: {error}");
            return;
        }
    };
    for event in &delivery.events {
        match event {
            Ok(Event::Lead {
                action: Action::Status,
                lead,
            }) => {
                let stage =
                    |id: Option<i64>| id.map_or_else(|| "?".to_owned(), |id| id.to_string());
                let text = format!(
                    "Stage changed: {} → {} (noted by {})",
                    stage(lead.old_status_id),
                    stage(lead.status_id),
                    app.instance
                );
                // Not retried either way: amoCRM delivers the change again only when the
                // answer was not a 2xx, and a note maybe added must not be added twice.
                if let Err(error) = add_lead_note(&client, lead.id, &text).await {
                    tracing::warn!(instance = %app.instance, "the note on lead {}: {error}", lead.id);
                }
            }
            Ok(_) => {}
            // One unreadable event costs itself only; the others are worked on.
            Err(malformed) => tracing::warn!(instance = %app.instance, "{malformed}"),
        }
    }
}
