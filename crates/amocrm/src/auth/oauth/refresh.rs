//! The refresh protocol: how an [`OAuth`](super::OAuth) renews its pair through the
//! [`TokenStore`](crate::store::TokenStore) shared by every holder of the account, so that
//! one holder of the fleet calls the token endpoint and the others adopt what it saved
//! (the steps are in the crate's docs: `docs/fleet.md`).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::OwnedMutexGuard;

use super::grant::Grant;
use super::{Inner, Job, State, Unsaved};
use crate::error::{AuthError, Result};
use crate::store::{TokenLock, TokenPair};

impl Inner {
    /// Runs a grant on a task of its own, holding the lock, so that a caller that gives up
    /// (a timeout, a dropped future) cannot stop it between the grant and the store: the
    /// new pair is saved and used even then. Returns the access token to use.
    pub(super) async fn run_in_task(
        self: &Arc<Self>,
        mut state: OwnedMutexGuard<State>,
        job: Job,
    ) -> Result<SecretString> {
        let inner = Arc::clone(self);
        let task = tokio::spawn(async move {
            let result = match job {
                Job::Refresh { stale, force } => {
                    inner.refresh_locked(&mut state, stale, force).await
                }
                Job::Exchange(code) => inner.exchange_locked(&mut state, &code).await,
            };
            state.last_failed = result.is_err();
            // Counted once finished, still under the lock: whoever waited for the lock
            // meanwhile sees the change and shares this outcome.
            inner.attempts.fetch_add(1, Ordering::SeqCst);
            result
        });
        match task.await {
            Ok(result) => result,
            Err(_) => Err(AuthError::Interrupted.into()),
        }
    }

    /// Whether `pair` is used as it is: not expiring within the refresh margin.
    pub(super) fn fresh(&self, pair: &TokenPair) -> bool {
        !pair.expires_within(pair.refresh_margin(self.skew))
    }

    /// Whether `pair`, found in the store, is one to adopt instead of refreshing: not the
    /// one found stale or rejected, and valid for [`ADOPT_MARGIN`] more. Not held to the
    /// refresh margin: a stored pair's lifetime is unknown, so a short-lived one would
    /// never look fresh and every holder would refresh in turn.
    fn adoptable(&self, pair: &TokenPair, stale: Option<&SecretString>) -> bool {
        !pair.expires_within(ADOPT_MARGIN)
            && stale.is_none_or(|stale| stale.expose_secret() != pair.access_token.expose_secret())
    }

    /// Renews the pair by the store's protocol (one holder in the fleet calls the token
    /// endpoint): a pending unsaved pair is saved first; a fresh stored pair is adopted;
    /// else, under the store's lock, a fresh pair saved meanwhile is adopted, and only
    /// else the stored (or, with none stored, our own) refresh token is spent and the new
    /// pair saved before it is used.
    async fn refresh_locked(
        &self,
        state: &mut State,
        stale: Option<SecretString>,
        force: bool,
    ) -> Result<SecretString> {
        if let Some(pending) = state.unsaved.clone() {
            // The endpoint already spent the old refresh token for this pair: save it
            // instead of asking again, unless the store holds another pair by now.
            let lock = self.lock().await?;
            if lock.deleted() {
                state.unsaved = None;
                return self.deleted(state, lock).await;
            }
            let current = lock.current().map(|pair| &pair.refresh_token);
            if same_token(current, Some(&pending.pair.refresh_token)) {
                // The failed save had written it after all.
                tracing::debug!("the OAuth tokens a previous save reported lost were saved");
                state.unsaved = None;
                release(lock).await;
                return Ok(self.adopt(state, pending.pair));
            }
            if same_token(current, pending.replaces.as_ref()) {
                tracing::debug!("saving the OAuth tokens a previous refresh could not save");
                return self.save_and_use(state, lock, pending.pair).await;
            }
            // Another holder saved a pair since (maybe from this pending one, whose
            // refresh token it then spent): the pending pair is outdated.
            tracing::warn!(
                "dropping OAuth tokens a previous refresh could not save: \
                 the store holds a newer pair"
            );
            state.unsaved = None;
            return self.refresh_under(state, lock, stale, force).await;
        }
        if !force
            && let Some(stored) = self.load().await?
            && self.adoptable(&stored, stale.as_ref())
        {
            tracing::debug!("adopting the OAuth tokens another holder saved");
            return Ok(self.adopt(state, stored));
        }
        let lock = self.lock().await?;
        self.refresh_under(state, lock, stale, force).await
    }

    /// The part of [`Inner::refresh_locked`] under the store's lock: a fresh pair saved
    /// meanwhile is adopted, else the stored (or our own) refresh token is spent.
    async fn refresh_under(
        &self,
        state: &mut State,
        lock: Box<dyn TokenLock>,
        stale: Option<SecretString>,
        force: bool,
    ) -> Result<SecretString> {
        if lock.deleted() {
            return self.deleted(state, lock).await;
        }
        if !force
            && let Some(current) = lock.current()
            && self.adoptable(current, stale.as_ref())
        {
            tracing::debug!("adopting the OAuth tokens saved while waiting for the lock");
            let current = current.clone();
            release(lock).await;
            return Ok(self.adopt(state, current));
        }
        let refresh = match lock.current().or(state.tokens.as_ref()) {
            Some(tokens) => tokens.refresh_token.clone(),
            None => {
                release(lock).await;
                return Err(AuthError::NoTokens.into());
            }
        };
        let pair = match self.request_tokens(Grant::Refresh(&refresh)).await {
            Ok(pair) => pair,
            Err(error) => {
                release(lock).await;
                return Err(error.into());
            }
        };
        self.save_and_use(state, lock, pair).await
    }

    /// The store deleted the account's pair (an uninstall, maybe by another instance)
    /// since this holder read it: its own copy is dropped, never renewed and saved back.
    async fn deleted(&self, state: &mut State, lock: Box<dyn TokenLock>) -> Result<SecretString> {
        release(lock).await;
        tracing::info!("the account's OAuth tokens were deleted from the store; not renewed");
        state.tokens = None;
        Err(AuthError::Deleted.into())
    }

    /// Exchanges `code` under the store's lock and saves the new chain (always the
    /// newest).
    async fn exchange_locked(&self, state: &mut State, code: &str) -> Result<SecretString> {
        let lock = self.lock().await?;
        match self.request_tokens(Grant::Code(code)).await {
            Ok(pair) => self.save_and_use(state, lock, pair).await,
            Err(error) => {
                release(lock).await;
                Err(error.into())
            }
        }
    }

    async fn load(&self) -> Result<Option<TokenPair>> {
        self.store
            .load(&self.base_url)
            .await
            .map_err(|error| AuthError::Store(error).into())
    }

    async fn lock(&self) -> Result<Box<dyn TokenLock>> {
        self.store
            .lock(&self.base_url)
            .await
            .map_err(|error| AuthError::Store(error).into())
    }

    /// Makes `pair` (saved by someone) the pair in use. A pair from a store has no known
    /// lifetime: what it has left counts as its lifetime, so a short-lived pair is renewed
    /// halfway through what is left rather than at once.
    fn adopt(&self, state: &mut State, mut pair: TokenPair) -> SecretString {
        if pair.lifetime.is_none() {
            let left = pair
                .expires_at
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO);
            pair.lifetime = Some(left);
        }
        let access = pair.access_token.clone();
        state.tokens = Some(pair);
        access
    }

    /// Saves `pair` under `lock`, and only then makes it the pair in use; releases the
    /// lock.
    async fn save_and_use(
        &self,
        state: &mut State,
        mut lock: Box<dyn TokenLock>,
        pair: TokenPair,
    ) -> Result<SecretString> {
        // Kept as unsaved until the store says it saved it, so a store that panics (or a
        // runtime shutting down mid-save) cannot lose a pair whose refresh token was spent.
        state.unsaved = Some(Unsaved {
            pair: pair.clone(),
            replaces: lock.current().map(|pair| pair.refresh_token.clone()),
        });
        let saved = lock.save(&pair).await;
        release(lock).await;
        match saved {
            Ok(()) => {
                state.unsaved = None;
                tracing::debug!("new OAuth tokens saved and in use");
                Ok(self.adopt(state, pair))
            }
            Err(error) => {
                tracing::warn!("saving new OAuth tokens failed; they are not used");
                Err(AuthError::Store(error).into())
            }
        }
    }
}

/// How long a pair another holder saved must still be valid to be adopted.
const ADOPT_MARGIN: Duration = Duration::from_secs(1);

/// Whether two refresh tokens (or their absence) are the same.
fn same_token(one: Option<&SecretString>, other: Option<&SecretString>) -> bool {
    match (one, other) {
        (Some(one), Some(other)) => one.expose_secret() == other.expose_secret(),
        (None, None) => true,
        _ => false,
    }
}

/// Releases a store lock; an error is logged (the pair is saved or the refresh failed
/// already; a lock that could not be released is released by its engine when it drops).
async fn release(lock: Box<dyn TokenLock>) {
    if let Err(error) = lock.release().await {
        tracing::warn!(error = %error, "releasing the token store's lock failed");
    }
}
