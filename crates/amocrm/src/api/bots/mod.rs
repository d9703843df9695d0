//! Salesbot and Marketingbot widget steps: the continue call
//! (`POST /api/v4/{salesbot|marketingbot}/{bot_id}/continue/{continue_id}`) with a
//! [`ContinueRequest`] checked against the API's limits before anything is sent.

mod handler;
pub(crate) mod kind;

use amocrm_raw::types as raw;

use crate::api::path_segment;
use crate::client::Client;
use crate::error::{Error, Invalid, Result};

pub use handler::{
    ContinueRequest, GotoTarget, Handler, MAX_BUTTONS, MAX_HANDLERS, MAX_SHOW_VALUE_CHARS, ShowKind,
};
pub use kind::BotKind;

impl Client {
    /// Salesbot and Marketingbot widget steps.
    pub fn bots(&self) -> BotCalls<'_> {
        BotCalls { client: self }
    }
}

/// The bot calls of a [`Client`].
#[derive(Clone, Copy, Debug)]
pub struct BotCalls<'c> {
    client: &'c Client,
}

impl<'c> BotCalls<'c> {
    /// Confirms the widget step `continue_id` of bot `bot_id` (`202`), once sent with
    /// `.send()`. The request is checked first and nothing is sent when it breaks a limit
    /// or the kind is [`BotKind::Unknown`]. Never retried once it may have reached the
    /// server, so the bot never continues twice.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::bots::{BotKind, ContinueRequest, Handler};
    ///
    /// let request = ContinueRequest::new()
    ///     .data("status", "success")
    ///     .handler(Handler::show_buttons("Нажми на кнопку", ["Да", "Нет"]));
    /// client
    ///     .bots()
    ///     .continue_bot(BotKind::Salesbot, 42, "a1b2c3", &request)
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn continue_bot<'a>(
        &self,
        kind: BotKind,
        bot_id: u64,
        continue_id: &'a str,
        request: &'a ContinueRequest,
    ) -> ContinueBot<'a>
    where
        'c: 'a,
    {
        ContinueBot::new(self.client, kind, bot_id, continue_id, request)
    }
}

/// The continue call, built with [`BotCalls::continue_bot`]; send it with `.send()`.
#[derive(Debug)]
#[must_use = "call .send()"]
pub struct ContinueBot<'a> {
    client: &'a Client,
    kind: BotKind,
    bot_id: u64,
    continue_id: &'a str,
    request: &'a ContinueRequest,
    /// Why the call is refused before it is sent (a widget_request's step continued
    /// through a client of another account).
    refused: Option<Error>,
}

impl<'a> ContinueBot<'a> {
    pub(crate) fn new(
        client: &'a Client,
        kind: BotKind,
        bot_id: u64,
        continue_id: &'a str,
        request: &'a ContinueRequest,
    ) -> Self {
        ContinueBot {
            client,
            kind,
            bot_id,
            continue_id,
            request,
            refused: None,
        }
    }

    /// The call, refused with `error` when sent: nothing is sent.
    pub(crate) fn refused(mut self, error: Error) -> Self {
        self.refused = Some(error);
        self
    }

    /// Checks everything, then sends the call.
    pub async fn send(self) -> Result<()> {
        if let Some(error) = self.refused {
            return Err(error);
        }
        let kind = match &self.kind {
            BotKind::Salesbot => raw::BotKind::Salesbot,
            BotKind::Marketingbot => raw::BotKind::Marketingbot,
            BotKind::Unknown(other) => {
                return Err(Invalid::UnknownBotKind {
                    kind: other.clone(),
                }
                .into());
            }
        };
        let bot_id = std::num::NonZeroU64::new(self.bot_id).ok_or(Invalid::BotId(self.bot_id))?;
        let continue_id: raw::ContinueBotContinueId =
            path_segment("continue_id", self.continue_id)?;
        let body = self.request.to_raw()?;
        let raw = self.client.raw();
        let call = raw.continue_bot(kind, bot_id, &continue_id, &body);
        self.client.call(call).await?;
        Ok(())
    }
}
