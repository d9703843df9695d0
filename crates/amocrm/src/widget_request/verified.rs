//! [`VerifiedWidgetRequest`]: a widget_request whose token and `return_url` were
//! verified, and the continue call bound to the account of the client that makes it.

use serde_json::{Map, Value};

use super::claims::WidgetRequestClaims;
use super::continue_url::ContinueUrl;
use crate::api::bots::{ContinueBot, ContinueRequest};
use crate::client::{Client, Domain};
use crate::error::WidgetRequestError;

/// A widget_request whose token and `return_url` were verified: the account's claims, the
/// widget's data, and the bot step to continue.
///
/// ```no_run
/// use amocrm::Client;
/// use amocrm::bots::{ContinueRequest, Handler};
/// use amocrm::widget_request::{WidgetRequest, WidgetRequestVerifier};
///
/// # async fn handle(client: Client, body: &[u8]) -> Result<(), amocrm::Error> {
/// let verifier = WidgetRequestVerifier::new("integration-secret");
/// let verified = WidgetRequest::from_slice(body)?.verify(&verifier)?;
/// assert_eq!(verified.claims().subdomain, "example");
///
/// let reply = ContinueRequest::new()
///     .data("status", "success")
///     .handler(Handler::show_text("Готово"));
/// verified.continue_bot(&client, &reply).send().await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedWidgetRequest {
    claims: WidgetRequestClaims,
    data: Map<String, Value>,
    url: ContinueUrl,
}

impl VerifiedWidgetRequest {
    pub(super) fn new(
        claims: WidgetRequestClaims,
        data: Map<String, Value>,
        url: ContinueUrl,
    ) -> Self {
        VerifiedWidgetRequest { claims, data, url }
    }

    /// The token's claims.
    pub fn claims(&self) -> &WidgetRequestClaims {
        &self.claims
    }

    /// The widget's data. It is *not* covered by the token's signature.
    pub fn data(&self) -> &Map<String, Value> {
        &self.data
    }

    /// The bot step to continue.
    pub fn continue_url(&self) -> &ContinueUrl {
        &self.url
    }

    /// The continue call of this bot step with `request`, through `client`, sent by
    /// `.send()` once `client` is checked to be for the same account: the `return_url`'s
    /// scheme, host and port must be those of the client's base URL (and, for an amoCRM
    /// host, its subdomain the token's). Otherwise nothing is sent and the error is
    /// [`Error::WidgetRequest`](crate::Error::WidgetRequest).
    pub fn continue_bot<'a>(
        &'a self,
        client: &'a Client,
        request: &'a ContinueRequest,
    ) -> ContinueBot<'a> {
        let call = ContinueBot::new(
            client,
            self.url.kind.clone(),
            self.url.bot_id,
            &self.url.continue_id,
            request,
        );
        match self.check_client(client) {
            Ok(()) => call,
            Err(refused) => call.refused(refused.into()),
        }
    }

    fn check_client(&self, client: &Client) -> Result<(), WidgetRequestError> {
        let base =
            url::Url::parse(client.base_url()).map_err(|_| WidgetRequestError::ForeignHost {
                host: self.url.host_and_port(),
                expected: client.base_url().to_owned(),
            })?;
        let base_host = match base.port() {
            Some(port) => format!("{}:{port}", base.host_str().unwrap_or_default()),
            None => base.host_str().unwrap_or_default().to_owned(),
        };
        let foreign = || WidgetRequestError::ForeignHost {
            host: self.url.host_and_port(),
            expected: format!("{base_host}, the client's host"),
        };
        let same_account = match base.host_str().and_then(Domain::of_host) {
            Some((sub, _)) => sub.eq_ignore_ascii_case(&self.claims.subdomain),
            None => true,
        };
        if base.host_str() != self.url.url.host_str() || !same_account {
            return Err(foreign());
        }
        if base.scheme() != self.url.url.scheme() {
            return Err(WidgetRequestError::InsecureReturnUrl {
                url: self.url.as_str().to_owned(),
            });
        }
        if base.port_or_known_default() != self.url.url.port_or_known_default() {
            return Err(foreign());
        }
        Ok(())
    }
}
