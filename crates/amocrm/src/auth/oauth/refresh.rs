//! The refresh protocol: how an [`OAuth`](super::OAuth) renews its pair through the
//! [`TokenStore`](crate::store::TokenStore) shared by every holder of the account, so that
//! one holder of the fleet calls the token endpoint and the others adopt what it saved
//! (the steps are in the crate's docs: `docs/fleet.md`).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::OwnedMutexGuard;
use tracing::Instrument;

use super::grant::Grant;
use super::{Inner, Job, State, Unsaved};
use crate::error::{AuthError, Error, Result, StoreError};
use crate::observe;
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
                    let span = observe::refresh_span(&observe::account_label(&inner.base_url));
                    state.granted = false;
                    let result = inner
                        .refresh_locked(&mut state, stale, force)
                        .instrument(span.clone())
                        .await;
                    let outcome = refresh_outcome(&result, state.granted);
                    span.record("amocrm.refresh.outcome", outcome);
                    observe::token_refresh(outcome);
                    result
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
    /// pair saved. Every wait in it ends by the refresh deadline.
    async fn refresh_locked(
        self: &Arc<Self>,
        state: &mut State,
        stale: Option<SecretString>,
        force: bool,
    ) -> Result<SecretString> {
        let deadline = Instant::now() + self.deadline;
        if let Some(pending) = state.unsaved.clone() {
            // The endpoint already spent the old refresh token for this pair: save it
            // instead of asking again, unless the store holds another pair by now.
            let mut lock = self.lock(deadline).await?;
            if lock.deleted() {
                state.unsaved = None;
                return self.deleted(state, lock).await;
            }
            match self.settle_pending(&pending, &mut lock, deadline).await {
                Ok(Settled::Saved(pair)) => {
                    state.unsaved = None;
                    release(lock).await;
                    return Ok(self.adopt(state, pair));
                }
                Ok(Settled::Outdated) => {
                    state.unsaved = None;
                    return self
                        .refresh_under(state, lock, stale, force, deadline)
                        .await;
                }
                Err(error) => {
                    release(lock).await;
                    return Err(AuthError::Store(error).into());
                }
            }
        }
        if !force
            && let Some(stored) = self.load_by(deadline).await?
            && self.adoptable(&stored, stale.as_ref())
        {
            tracing::debug!("adopting the OAuth tokens another holder saved");
            return Ok(self.adopt(state, stored));
        }
        let lock = self.lock(deadline).await?;
        self.refresh_under(state, lock, stale, force, deadline)
            .await
    }

    /// Makes the `pending` pair durable under `lock` if the store still holds the pair it
    /// replaces (or says whether the store holds it already, or a newer one). Takes no
    /// part of the `OAuth`'s state: the background save runs it without blocking callers.
    pub(super) async fn settle_pending(
        &self,
        pending: &Unsaved,
        lock: &mut Box<dyn TokenLock>,
        deadline: Instant,
    ) -> std::result::Result<Settled, StoreError> {
        let current = lock.current().map(|pair| &pair.refresh_token);
        if same_token(current, Some(&pending.pair.refresh_token)) {
            // A save reported as failed had written it after all.
            tracing::debug!("the OAuth tokens a previous save reported lost are saved");
            return Ok(Settled::Saved(pending.pair.clone()));
        }
        if same_token(current, pending.replaces.as_ref()) {
            tracing::debug!("saving the OAuth tokens a previous refresh could not save");
            self.save_retrying(lock, &pending.pair, deadline).await?;
            return Ok(Settled::Saved(pending.pair.clone()));
        }
        // Another holder saved a pair since (maybe from this pending one, whose refresh
        // token it then spent): the pending pair is outdated.
        tracing::warn!(
            "dropping OAuth tokens a previous refresh could not save: \
             the store holds a newer pair"
        );
        Ok(Settled::Outdated)
    }

    /// The part of [`Inner::refresh_locked`] under the store's lock: a fresh pair saved
    /// meanwhile is adopted, else the stored (or our own) refresh token is spent, once the
    /// lock is verified still ours.
    async fn refresh_under(
        self: &Arc<Self>,
        state: &mut State,
        mut lock: Box<dyn TokenLock>,
        stale: Option<SecretString>,
        force: bool,
        deadline: Instant,
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
        let from_store = lock.current().is_some();
        let refresh = match lock.current().or(state.tokens.as_ref()) {
            Some(tokens) => tokens.refresh_token.clone(),
            None => {
                release(lock).await;
                return Err(AuthError::NoTokens.into());
            }
        };
        // The token request is one of the account's requests: it waits for its slot (before
        // the lock is verified, so that the grant follows the check closely).
        let slot = match self.paced(deadline).await {
            Ok(slot) => slot,
            Err(error) => {
                release(lock).await;
                return Err(error);
            }
        };
        // The lock may have been lost while held (a session that ended frees it): then
        // another holder may be spending this same token; this one must not.
        if let Err(error) = self.verified(&mut lock, deadline).await {
            tracing::warn!(error = %error, "the token store's lock was lost: not refreshing");
            drop(lock);
            return Err(AuthError::Store(error).into());
        }
        // Counted only now that it is sure to leave (nothing sent, nothing counted).
        self.leaving(slot, deadline).await;
        match self.request_tokens(Grant::Refresh(&refresh)).await {
            Ok(pair) => self.save_and_use(state, lock, pair, deadline).await,
            Err(error) if from_store && error.is_revoked() => {
                release(lock).await;
                self.await_spender(state, &refresh, error, deadline).await
            }
            Err(error) => {
                release(lock).await;
                Err(error.into())
            }
        }
    }

    /// [`TokenLock::verify`], bounded by the deadline.
    async fn verified(
        &self,
        lock: &mut Box<dyn TokenLock>,
        deadline: Instant,
    ) -> std::result::Result<(), StoreError> {
        match tokio::time::timeout_at(deadline.into(), lock.verify()).await {
            Ok(verified) => verified,
            Err(_) => Err(StoreError::timed_out(
                "checking the token store's lock took past the refresh deadline",
            )),
        }
    }

    /// The refresh token read under the lock was answered "revoked": another holder spent
    /// it (its lock was lost while it was at the token endpoint, or its save has not landed
    /// yet) and may still save the pair it got. Re-reads the store until the deadline and
    /// adopts a pair with another refresh token; only then is the chain called lost.
    async fn await_spender(
        &self,
        state: &mut State,
        spent: &SecretString,
        revoked: AuthError,
        deadline: Instant,
    ) -> Result<SecretString> {
        tracing::warn!(
            "the stored refresh token was revoked: waiting for the holder that spent it to save"
        );
        let mut pause = REREAD_FIRST;
        loop {
            match self.load_by(deadline).await {
                Ok(Some(stored)) if !same_token(Some(&stored.refresh_token), Some(spent)) => {
                    tracing::info!(
                        "adopting the OAuth tokens the spender of a revoked token saved"
                    );
                    return Ok(self.adopt(state, stored));
                }
                Ok(_) => {}
                Err(error) => tracing::debug!(error = %error, "re-reading the token store failed"),
            }
            if Instant::now() + pause >= deadline {
                return Err(revoked.into());
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(REREAD_CAP);
        }
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
    async fn exchange_locked(
        self: &Arc<Self>,
        state: &mut State,
        code: &str,
    ) -> Result<SecretString> {
        let deadline = Instant::now() + self.deadline;
        let lock = self.lock(deadline).await?;
        let slot = match self.paced(deadline).await {
            Ok(slot) => slot,
            Err(error) => {
                release(lock).await;
                return Err(error);
            }
        };
        self.leaving(slot, deadline).await;
        match self.request_tokens(Grant::Code(code)).await {
            Ok(pair) => self.save_and_use(state, lock, pair, deadline).await,
            Err(error) => {
                release(lock).await;
                Err(error.into())
            }
        }
    }

    /// The stored pair, read by `deadline` at most.
    async fn load_by(&self, deadline: Instant) -> Result<Option<TokenPair>> {
        match tokio::time::timeout_at(deadline.into(), self.store.load(&self.base_url)).await {
            Ok(loaded) => loaded.map_err(|error| AuthError::Store(error).into()),
            Err(_) => Err(AuthError::Store(StoreError::timed_out(
                "the token store did not answer by the refresh deadline",
            ))
            .into()),
        }
    }

    /// The store's lock, waited for until `deadline` at most: a holder behind a network
    /// partition must not hang every other holder's refresh.
    pub(super) async fn lock(&self, deadline: Instant) -> Result<Box<dyn TokenLock>> {
        let span = observe::lock_span(&observe::account_label(&self.base_url));
        let asked = Instant::now();
        let locked = tokio::time::timeout_at(deadline.into(), self.store.lock(&self.base_url))
            .instrument(span.clone())
            .await;
        let waited = asked.elapsed();
        span.record("amocrm.lock_wait_ms", observe::duration_ms(waited));
        observe::store_lock_wait(waited);
        match locked {
            Ok(lock) => lock.map_err(|error| AuthError::Store(error).into()),
            Err(_) => Err(AuthError::Store(StoreError::timed_out(
                "the token store's lock was not free by the refresh deadline",
            ))
            .into()),
        }
    }

    /// Makes `pair` (saved by someone) the pair in use. A pair from a store has no known
    /// lifetime: what it has left counts as its lifetime, so a short-lived pair is renewed
    /// halfway through what is left rather than at once.
    pub(super) fn adopt(&self, state: &mut State, mut pair: TokenPair) -> SecretString {
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

    /// Saves `pair` under `lock` (a failed save tried again under it, with backoff), then
    /// releases the lock and makes the pair the one in use. A pair the store would not
    /// take stays pending: it is used from memory and saved again in the background.
    async fn save_and_use(
        self: &Arc<Self>,
        state: &mut State,
        mut lock: Box<dyn TokenLock>,
        pair: TokenPair,
        deadline: Instant,
    ) -> Result<SecretString> {
        // Kept as unsaved until the store says it saved it, so a store that panics (or a
        // runtime shutting down mid-save) cannot lose a pair whose refresh token was spent.
        state.unsaved = Some(Unsaved {
            pair: pair.clone(),
            replaces: lock.current().map(|pair| pair.refresh_token.clone()),
        });
        let saved = self.save_retrying(&mut lock, &pair, deadline).await;
        release(lock).await;
        let access = self.adopt(state, pair);
        state.granted = true;
        match saved {
            Ok(()) => {
                state.unsaved = None;
                tracing::debug!("new OAuth tokens saved and in use");
            }
            Err(error) => {
                tracing::warn!(
                    error = %error,
                    "saving new OAuth tokens failed; they are used from memory and saved \
                     again in the background"
                );
                self.save_in_background();
            }
        }
        Ok(access)
    }

    /// `lock.save(pair)`, tried again with backoff while the lock is still held (checked
    /// before each try), until `deadline`: while the lock is held no other holder reads
    /// the spent refresh token, so a store failing now and then costs a retry, never a
    /// second grant of the same token. A conflict (a newer pair saved meanwhile) is not
    /// tried again.
    async fn save_retrying(
        &self,
        lock: &mut Box<dyn TokenLock>,
        pair: &TokenPair,
        deadline: Instant,
    ) -> std::result::Result<(), StoreError> {
        let mut pause = SAVE_RETRY_FIRST;
        loop {
            let error = match tokio::time::timeout_at(deadline.into(), lock.save(pair)).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(error)) => error,
                Err(_) => {
                    return Err(StoreError::timed_out(
                        "saving the new pair took past the refresh deadline",
                    ));
                }
            };
            if error.is_conflict() || Instant::now() + pause >= deadline {
                return Err(error);
            }
            tracing::debug!(error = %error, "saving new OAuth tokens failed: trying again");
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(SAVE_RETRY_CAP);
            // A lock lost meanwhile makes every further save under it vain.
            self.verified(lock, deadline).await?;
        }
    }
}

/// How long a pair another holder saved must still be valid to be adopted.
const ADOPT_MARGIN: Duration = Duration::from_secs(1);

/// The first and the longest pause between two saves under the lock.
const SAVE_RETRY_FIRST: Duration = Duration::from_millis(20);
const SAVE_RETRY_CAP: Duration = Duration::from_millis(500);
/// The first and the longest pause between two re-reads after a revoked answer.
const REREAD_FIRST: Duration = Duration::from_millis(50);
const REREAD_CAP: Duration = Duration::from_secs(1);

/// What became of a pending unsaved pair.
pub(super) enum Settled {
    /// The store holds it now: it is the pair in use.
    Saved(TokenPair),
    /// The store holds a newer pair: the pending one is dropped.
    Outdated,
}

/// A refresh's outcome, as its span and metric name it: the token endpoint gave a pair
/// (`granted`), a pair another holder saved was taken (`adopted`), the endpoint refused
/// (`refused`), or anything else went wrong (`failed`).
fn refresh_outcome(result: &Result<SecretString>, granted: bool) -> &'static str {
    match result {
        Ok(_) if granted => "granted",
        Ok(_) => "adopted",
        Err(Error::Auth(AuthError::Refused { .. })) => "refused",
        Err(_) => "failed",
    }
}

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
pub(super) async fn release(lock: Box<dyn TokenLock>) {
    if let Err(error) = lock.release().await {
        tracing::warn!(error = %error, "releasing the token store's lock failed");
    }
}
