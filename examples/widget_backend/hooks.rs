//! `POST /webhooks/{secret}`: amoCRM's webhooks, answered at once and worked on after, by
//! a bounded number of tasks.

use amocrm::webhook::axum::WebhookDelivery;
use amocrm::webhook::{Action, Delivery, Event, Received};
use axum::extract::{FromRequest as _, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::App;
use crate::note::add_lead_note;

/// How long a delivery's body may take to arrive.
const BODY_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

/// How long one delivery's work may hold its worker.
const WORK_WITHIN: std::time::Duration = std::time::Duration::from_secs(60);

/// amoCRM waits 2 s for a 2xx and delivers again otherwise (and switches a destination off
/// after too many failures), so the extractor does only what must come first: the secret
/// from the path compared in constant time (a wrong one is 404 before the body is read,
/// and nothing else happens), the body read within its limit, and the delivery remembered
/// in Redis by its body (a delivery any instance saw already is answered 200 and left
/// alone: amoCRM's retry is the same body; a note per stage change is the same note for
/// two identical changes within a second, so `Dedupe::Body` suits it). The work
/// runs on a task after the answer.
///
/// The tasks are bounded (`--webhook-workers`, a semaphore): a delivery arriving while
/// every worker is busy is answered 503 with `Retry-After`, before its body is read or
/// remembered, so amoCRM's own retry brings it again later (a queue would hold work the
/// process may lose, and grow with a burst). A burst long enough to exhaust amoCRM's
/// retries loses deliveries either way; raise the bound, or scale out. A body must arrive
/// within 2 s (408 otherwise) and a delivery's work ends after 60 s (the rest dropped,
/// with a warning), so no sender can hold the workers.
///
/// The backend's own note is a change amoCRM reports too (`note_lead`); only stage changes
/// are worked on, so a subscription to notes cannot loop.
pub(crate) async fn receive(
    State(app): State<App>,
    Path(secret): Path<String>,
    request: Request,
) -> Response {
    let Ok(worker) = app.webhook_workers.clone().try_acquire_owned() else {
        // A wrong secret is 404 whether or not a worker is free.
        if app.webhooks.verify(&secret).is_err() {
            return StatusCode::NOT_FOUND.into_response();
        }
        tracing::warn!(instance = %app.instance, "every webhook worker is busy: 503, amoCRM delivers again");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "5")],
        )
            .into_response();
    };
    // amoCRM sends a delivery at once and waits 2 s for the answer: a body slower than
    // that holds a worker for nothing.
    let read = tokio::time::timeout(BODY_WITHIN, WebhookDelivery::from_request(request, &app));
    let received = match read.await {
        Ok(Ok(WebhookDelivery(received))) => received,
        Ok(Err(rejection)) => return rejection.into_response(),
        Err(_) => return StatusCode::REQUEST_TIMEOUT.into_response(),
    };
    if let Received::New(delivery) = received {
        tokio::spawn(async move {
            // One delivery holds its worker for WORK_WITHIN at most (a huge one must not
            // starve every account's deliveries).
            if tokio::time::timeout(WORK_WITHIN, work(&app, delivery))
                .await
                .is_err()
            {
                tracing::warn!(
                    instance = %app.instance,
                    "a webhook's work took longer than {} s: the rest of it is dropped",
                    WORK_WITHIN.as_secs()
                );
            }
            drop(worker);
        });
    }
    StatusCode::OK.into_response()
}

/// For each lead whose stage changed, a note on that lead saying from which stage to which.
async fn work(app: &App, delivery: Delivery) {
    // Nothing in a delivery is signed and one secret serves every account: the account it
    // names is worked on only when its account[id] is the one its install recorded.
    let client = match app.integration.client_for_delivery(&delivery).await {
        Ok(client) => client,
        Err(error) => {
            tracing::warn!(
                instance = %app.instance,
                account_id = delivery.account.id,
                "a webhook refused, no work done: {error}"
            );
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
