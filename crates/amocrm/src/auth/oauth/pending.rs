//! A pair the token endpoint gave but the store would not take: used from memory, saved
//! again in the background with bounded retries, and never dropped without a word.
//!
//! amoCRM spent the old refresh token when it answered this pair, so the pair is the
//! account's only live chain until the store holds it: losing it means a reinstall.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Inner, OAuth};
use crate::error::{AuthError, Result};
use crate::store::TokenPair;
use secrecy::ExposeSecret;

/// Background attempts to save a pending pair before giving up (the pair then stays
/// pending: the next refresh, [`OAuth::flush`] or the caller's own copy from
/// [`OAuth::unsaved_pair`] can still save it).
pub const BACKGROUND_SAVE_ATTEMPTS: u32 = 10;
/// The first pause before a background save; doubled after each failure up to
/// [`BACKGROUND_SAVE_MAX_PAUSE`] (0.2 s, 0.4 s, … 30 s: about two and a half minutes in all).
const BACKGROUND_FIRST_PAUSE: Duration = Duration::from_millis(200);
/// The longest pause between two background saves.
pub const BACKGROUND_SAVE_MAX_PAUSE: Duration = Duration::from_secs(30);

impl Inner {
    /// Starts saving the pending pair in the background (one task at a time per `OAuth`).
    /// The task holds the `OAuth` alive until the pair is saved, outdated or given up on.
    pub(super) fn save_in_background(self: &Arc<Self>) {
        if self.saving.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.saving
                .store(false, std::sync::atomic::Ordering::SeqCst);
            return;
        };
        let inner = Arc::clone(self);
        runtime.spawn(async move {
            let mut pause = BACKGROUND_FIRST_PAUSE;
            for attempt in 1..=BACKGROUND_SAVE_ATTEMPTS {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(BACKGROUND_SAVE_MAX_PAUSE);
                match inner.settle_now().await {
                    Ok(()) => {
                        inner
                            .saving
                            .store(false, std::sync::atomic::Ordering::SeqCst);
                        return;
                    }
                    Err(error) => tracing::warn!(
                        attempt,
                        error = %error,
                        "saving pending OAuth tokens in the background failed"
                    ),
                }
            }
            inner
                .saving
                .store(false, std::sync::atomic::Ordering::SeqCst);
            tracing::error!(
                "OAuth tokens the store would not take are still only in memory after \
                 {BACKGROUND_SAVE_ATTEMPTS} background attempts: the next refresh tries \
                 again; OAuth::unsaved_pair gives them to keep elsewhere"
            );
        });
    }

    /// One attempt to make the pending pair durable (nothing pending: done). The `OAuth`'s
    /// state is not held while the store is (callers go on with the pair in memory); the
    /// store's lock serializes this with a refresh that settles the same pair.
    async fn settle_now(&self) -> Result<()> {
        let Some(pending) = self.state.lock().await.unsaved.clone() else {
            return Ok(());
        };
        let deadline = Instant::now() + self.deadline;
        let mut lock = self.lock(deadline).await?;
        let settled = self.settle_pending(&pending, &mut lock, deadline).await;
        super::refresh::release(lock).await;
        settled.map_err(AuthError::Store)?;
        let mut state = self.state.lock().await;
        let same = state.unsaved.as_ref().is_some_and(|unsaved| {
            unsaved.pair.refresh_token.expose_secret() == pending.pair.refresh_token.expose_secret()
        });
        if same {
            state.unsaved = None;
        }
        Ok(())
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Ok(state) = self.state.try_lock()
            && state.unsaved.is_some()
        {
            tracing::error!(
                base_url = %self.base_url,
                "an OAuth pair the token store never took is dropped with its OAuth: the \
                 account's token chain is lost unless it was kept (OAuth::unsaved_pair)"
            );
        }
    }
}

impl OAuth {
    /// The pair the token endpoint gave that the store has not taken yet (its save failed
    /// and is being tried again in the background), `None` when everything is saved. It is
    /// the account's only live refresh token: a program about to end with one keeps it
    /// somewhere (the CLI writes it to a private file `auth import` takes back).
    pub async fn unsaved_pair(&self) -> Option<TokenPair> {
        let state = self.inner.state.lock().await;
        state.unsaved.as_ref().map(|unsaved| unsaved.pair.clone())
    }

    /// Saves a pending pair now (see [`OAuth::unsaved_pair`]), waiting at most the refresh
    /// deadline: `Ok` when nothing is left pending (saved, or outdated by a newer stored
    /// pair), the store's error otherwise. Call it before a program ends.
    pub async fn flush(&self) -> Result<()> {
        self.inner.settle_now().await
    }
}
