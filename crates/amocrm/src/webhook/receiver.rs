//! [`WebhookReceiver`]: a delivery checked (the secret, its size, the account) and
//! remembered, so that amoCRM's second delivery of one body is recognised.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use super::Delivery;
use crate::error::{Invalid, WebhookError};
use crate::widget_request::{MemoryReplayGuard, ReplayGuard, ReplayGuardFull};

/// What [`WebhookReceiver::receive`] made of a delivery.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Received {
    /// Not seen before: do its work.
    New(Delivery),
    /// Seen before (amoCRM delivered it again): answer 2xx and do nothing.
    Duplicate {
        /// The delivery's key ([`WebhookReceiver::key`]).
        key: String,
    },
}

/// How a [`WebhookReceiver`] recognises a delivery it saw before.
///
/// amoCRM signs nothing and numbers nothing: a delivery has no id, and a retry of a failed
/// one is the same body again. Two genuine changes make the same body only when the same
/// entities changed the same way within one second (their `last_modified` is in seconds),
/// e.g. a lead moved from A to B, back to A and to B again; [`Dedupe::Body`] takes the
/// second for a retry. A handler that counts changes, or a destination amoCRM never
/// retries (a digital pipeline's "send webhook" step), takes [`Dedupe::Off`] and makes its
/// work idempotent itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dedupe {
    /// A body seen within [`WebhookReceiver::remember_for`] is a duplicate (the default).
    #[default]
    Body,
    /// Nothing is remembered: every delivery is [`Received::New`].
    Off,
}

/// Accepts amoCRM's webhook deliveries for one destination: the secret of its URL compared
/// in constant time, a body of bounded size, optionally one account only, and each body
/// once within [`remember_for`](Self::remember_for).
#[derive(Clone)]
pub struct WebhookReceiver {
    /// SHA-256 of the secret: what is compared (never the secret itself).
    secret: [u8; 32],
    guard: Arc<dyn ReplayGuard>,
    remember_for: Duration,
    max_body: usize,
    account_id: Option<i64>,
    dedupe: Dedupe,
}

impl fmt::Debug for WebhookReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookReceiver")
            .field("secret", &"[REDACTED]")
            .field("remember_for", &self.remember_for)
            .field("max_body", &self.max_body)
            .field("account_id", &self.account_id)
            .field("dedupe", &self.dedupe)
            .finish_non_exhaustive()
    }
}

/// The smallest secret taken: 16 bytes (a guess must not be cheap).
pub const MIN_SECRET_BYTES: usize = 16;

impl WebhookReceiver {
    /// A receiver for `secret` (at least 16 bytes of `A–Z a–z 0–9 - _ .`, so that it is one
    /// path segment as it is), with an in-process replay guard, deliveries remembered for
    /// 2 hours (amoCRM's last retry comes some 95 minutes after the first delivery) and
    /// bodies up to 4 MiB.
    pub fn new(secret: &str) -> Result<Self, Invalid> {
        let usable = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
        if secret.len() < MIN_SECRET_BYTES || !secret.bytes().all(usable) {
            return Err(Invalid::Param {
                param: "webhook secret",
                reason: format!("at least {MIN_SECRET_BYTES} of A-Z a-z 0-9 - _ ."),
            });
        }
        Ok(WebhookReceiver {
            secret: Sha256::digest(secret.as_bytes()).into(),
            guard: Arc::new(MemoryReplayGuard::new()),
            remember_for: Duration::from_secs(2 * 3600),
            max_body: 4 * 1024 * 1024,
            account_id: None,
            dedupe: Dedupe::Body,
        })
    }

    /// Remembers deliveries in `guard` (e.g. `amocrm_redis::RedisReplayGuard`, shared by
    /// every instance) instead of this process's memory.
    pub fn replay_guard(mut self, guard: Arc<dyn ReplayGuard>) -> Self {
        self.guard = guard;
        self
    }

    /// How deliveries seen before are recognised ([`Dedupe`]; by default the body).
    pub fn dedupe(mut self, dedupe: Dedupe) -> Self {
        self.dedupe = dedupe;
        self
    }

    /// How long a delivery is remembered (default 2 hours).
    pub fn remember_for(mut self, window: Duration) -> Self {
        self.remember_for = window;
        self
    }

    /// The largest body read (default 4 MiB).
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The largest body read.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body
    }

    /// Accepts only deliveries whose `account[id]` is `id`.
    pub fn account(mut self, id: i64) -> Self {
        self.account_id = Some(id);
        self
    }

    /// Whether `presented` is the secret, compared in constant time (both hashed first, so
    /// neither the length nor a prefix shows in the time taken).
    pub fn verify(&self, presented: &str) -> Result<(), WebhookError> {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let differ = presented
            .iter()
            .zip(self.secret.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if differ == 0 {
            Ok(())
        } else {
            Err(WebhookError::WrongSecret)
        }
    }

    /// The key a delivery is remembered by: `amocrm-webhook:` and the SHA-256 of its body
    /// in hex (amoCRM delivers the same body again; see [`Dedupe`] for when two changes
    /// share one).
    pub fn key(body: &[u8]) -> String {
        let digest = Sha256::digest(body);
        let mut key = String::with_capacity(15 + 64);
        key.push_str("amocrm-webhook:");
        for byte in digest {
            key.push_str(&format!("{byte:02x}"));
        }
        key
    }

    /// Checks the secret (first: a wrong one costs nothing more), the size, the account;
    /// then remembers the body and reads it ([`Received::New`]) or recognises it
    /// ([`Received::Duplicate`]). A guard that is full ([`ReplayGuardFull`], the default
    /// in-memory guard holding 100 000 unexpired deliveries) lets the delivery through as
    /// new with a warning: dedupe is best effort, and an answer amoCRM takes for a failure
    /// would get the destination switched off. Any other guard failure is
    /// [`WebhookError::ReplayGuard`] (answer 5xx: amoCRM delivers again).
    pub async fn receive(&self, presented: &str, body: &[u8]) -> Result<Received, WebhookError> {
        self.verify(presented)?;
        if body.len() > self.max_body {
            return Err(WebhookError::TooLarge {
                limit: self.max_body,
            });
        }
        let delivery = Delivery::parse(body)?;
        if let Some(id) = self.account_id
            && delivery.account.id != Some(id)
        {
            return Err(WebhookError::OtherAccount);
        }
        let key = Self::key(body);
        if self.dedupe == Dedupe::Off {
            return Ok(Received::New(delivery));
        }
        let until = SystemTime::now() + self.remember_for;
        let new = match self.guard.check_and_remember(&key, until).await {
            Ok(new) => new,
            // Dedupe is best effort: a guard with no room lets the delivery through, as
            // new, rather than answer 5xx (amoCRM switches a failing destination off).
            Err(error) if ReplayGuardFull::is(&error) => {
                tracing::warn!(
                    error = %error,
                    "the webhook replay guard is full: the delivery is taken as new, unremembered"
                );
                true
            }
            Err(error) => return Err(WebhookError::ReplayGuard(error.to_string())),
        };
        Ok(if new {
            Received::New(delivery)
        } else {
            Received::Duplicate { key }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_checked_and_never_printed() {
        assert!(WebhookReceiver::new("short").is_err());
        assert!(WebhookReceiver::new("has/a/slash/in/it/x").is_err());
        let receiver = WebhookReceiver::new("k3iM2bT9xQ0fLw7Z").unwrap();
        assert!(receiver.verify("k3iM2bT9xQ0fLw7Z").is_ok());
        assert_eq!(
            receiver.verify("k3iM2bT9xQ0fLw7"),
            Err(WebhookError::WrongSecret)
        );
        assert_eq!(receiver.verify(""), Err(WebhookError::WrongSecret));
        assert!(!format!("{receiver:?}").contains("k3iM"));
    }

    #[tokio::test]
    async fn identical_deliveries_are_one_by_default_and_each_new_without_dedupe() {
        // A lead moved A→B, back and to B again within a second: the same body twice.
        let body = b"leads[status][0][id]=7&leads[status][0][status_id]=2\
            &leads[status][0][old_status_id]=1&leads[status][0][last_modified]=1700000000";
        let secret = "k3iM2bT9xQ0fLw7Z";
        let by_body = WebhookReceiver::new(secret).unwrap();
        assert!(matches!(
            by_body.receive(secret, body).await,
            Ok(Received::New(_))
        ));
        assert!(matches!(
            by_body.receive(secret, body).await,
            Ok(Received::Duplicate { .. })
        ));
        let every = WebhookReceiver::new(secret).unwrap().dedupe(Dedupe::Off);
        for _ in 0..2 {
            assert!(matches!(
                every.receive(secret, body).await,
                Ok(Received::New(_))
            ));
        }
    }

    #[tokio::test]
    async fn a_full_guard_lets_deliveries_through() {
        let secret = "k3iM2bT9xQ0fLw7Z";
        let receiver = WebhookReceiver::new(secret)
            .unwrap()
            .replay_guard(Arc::new(MemoryReplayGuard::with_capacity(1)));
        let first = b"leads[delete][0][id]=1";
        assert!(matches!(
            receiver.receive(secret, first).await,
            Ok(Received::New(_))
        ));
        // Full: another delivery is new all the same (not refused, not a duplicate).
        for _ in 0..2 {
            assert!(matches!(
                receiver.receive(secret, b"leads[delete][0][id]=2").await,
                Ok(Received::New(_))
            ));
        }
        // What it remembers is still told apart.
        assert!(matches!(
            receiver.receive(secret, first).await,
            Ok(Received::Duplicate { .. })
        ));
    }

    #[test]
    fn the_key_is_the_bodys_digest() {
        let key = WebhookReceiver::key(b"a=1");
        assert_eq!(key.len(), 15 + 64);
        assert_eq!(key, WebhookReceiver::key(b"a=1"));
        assert_ne!(key, WebhookReceiver::key(b"a=2"));
    }
}
