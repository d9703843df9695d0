//! The receiver as an axum extractor (feature `axum`): [`WebhookDelivery`] takes the
//! secret from the route's `{secret}` path parameter (or the `token` query parameter),
//! checks it before reading the body, and rejects with the status amoCRM should see.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::extract::{FromRef, FromRequest, RawPathParams, RawQuery, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{Received, WebhookReceiver};
use crate::error::WebhookError;

/// A delivery the receiver in the state (`Arc<WebhookReceiver>: FromRef<S>`) accepted:
/// [`Received::New`] to work on, [`Received::Duplicate`] to answer 200 and leave.
///
/// ```
/// use std::sync::Arc;
/// use amocrm::webhook::{Received, WebhookReceiver, axum::WebhookDelivery};
/// use axum::{Router, routing::post};
///
/// async fn hook(WebhookDelivery(received): WebhookDelivery) -> &'static str {
///     if let Received::New(delivery) = received {
///         tokio::spawn(async move { let _ = delivery; /* the work, after answering */ });
///     }
///     "ok"
/// }
///
/// let receiver = Arc::new(WebhookReceiver::new("k3iM2bT9xQ0fLw7Z").unwrap());
/// let app: Router = Router::new().route("/hooks/{secret}", post(hook)).with_state(receiver);
/// ```
#[derive(Debug)]
pub struct WebhookDelivery(pub Received);

/// Why [`WebhookDelivery`] refused a request, as a response: a wrong secret or another
/// account 404 (nothing to find there), a body too large (or too many fields or keys) 413, a replay guard that could not
/// answer 503 (amoCRM delivers again later; a full one lets the delivery through instead,
/// [`WebhookReceiver::receive`]).
#[derive(Debug)]
pub struct WebhookRejection(pub WebhookError);

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let status = match self.0 {
            WebhookError::TooLarge { .. }
            | WebhookError::TooManyFields { .. }
            | WebhookError::TooComplex { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            WebhookError::ReplayGuard(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::NOT_FOUND,
        };
        status.into_response()
    }
}

impl<S> FromRequest<S> for WebhookDelivery
where
    Arc<WebhookReceiver>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, WebhookRejection> {
        let receiver = Arc::<WebhookReceiver>::from_ref(state);
        let (mut parts, body) = request.into_parts();
        let from_path = RawPathParams::from_request_parts(&mut parts, state)
            .await
            .ok()
            .and_then(|params| {
                params
                    .iter()
                    .find(|(name, _)| *name == "secret")
                    .map(|(_, value)| value.to_owned())
            });
        let secret = match from_path {
            Some(secret) => secret,
            None => {
                let RawQuery(query) = RawQuery::from_request_parts(&mut parts, state)
                    .await
                    .unwrap_or(RawQuery(None));
                url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                    .find(|(k, _)| k == "token")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            }
        };
        receiver.verify(&secret).map_err(WebhookRejection)?;
        let limit = receiver.max_body_bytes();
        let body = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| WebhookRejection(WebhookError::TooLarge { limit }))?;
        let received = receiver
            .receive(&secret, &body)
            .await
            .map_err(WebhookRejection)?;
        Ok(WebhookDelivery(received))
    }
}
