//! **The error-carrying seam. Read this before touching it.**
//!
//! progenitor's `ClientHooks::exec` may fail only with a `reqwest::Error`, and reqwest
//! offers no public way to build one around an error of ours. Yet the ergonomic crate's
//! [`Exec`](crate::Exec) ends with typed outcomes (no token, a 401 the refresh could not
//! cure, a body too large, an error status classified) that its caller must get back
//! *as they were*, to match on them.
//!
//! So the outcome travels like this:
//!
//! 1. [`carry`] wraps it in [`Carried`] and makes an in-memory `reqwest::Response` whose
//!    body stream yields that one error; reading the body makes reqwest return a
//!    `reqwest::Error` (kind: body) whose `source()` is the `Carried`. No request is sent
//!    and no status is made up.
//! 2. The generated operation returns that `reqwest::Error` as
//!    [`Error::CommunicationError`](crate::Error::CommunicationError).
//! 3. The caller passes it to [`hook_error`], which walks the `source()` chain, finds the
//!    `Carried` and **takes** the outcome out of its `Mutex` (once: a second call gets
//!    `None`). A real transport failure has no `Carried` in its chain: `None` too.
//!
//! What this relies on, and what breaks it:
//!
//! * reqwest keeping a body stream's error as the `source()` of the error that
//!   `Response::bytes()` returns. A reqwest upgrade that stops doing so makes every hook
//!   outcome arrive as an anonymous transport error: the ergonomic crate's tests of typed
//!   outcomes (refresh failures, classified statuses) fail loudly when that happens.
//! * Nobody but [`hook_error`] taking the outcome: the `Display` text ([`Carried::shown`])
//!   stays for logs after it is taken.
//! * progenitor not reading the body itself for a `CommunicationError` (0.15 does not).

use std::fmt;
use std::sync::Mutex;

/// The outcome of an [`ExecError::Hook`](crate::ExecError::Hook), carried as the source
/// of a `reqwest::Error` (the only error progenitor's hook can return). Taken out once by
/// [`hook_error`].
struct Carried {
    shown: String,
    error: Mutex<Option<Box<dyn std::error::Error + Send + Sync>>>,
}

impl fmt::Debug for Carried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Carried").field(&self.shown).finish()
    }
}

impl fmt::Display for Carried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl std::error::Error for Carried {}

/// A `reqwest::Error` whose source is `error`: the body of an in-memory response that
/// fails with it, read. No request is sent and no status is made up.
pub(crate) async fn carry(
    error: Box<dyn std::error::Error + Send + Sync>,
) -> reqwest::Result<reqwest::Response> {
    let carried = Carried {
        shown: error.to_string(),
        error: Mutex::new(Some(error)),
    };
    let failing = futures::stream::iter([Err::<bytes::Bytes, Carried>(carried)]);
    let response =
        reqwest::Response::from(http::Response::new(reqwest::Body::wrap_stream(failing)));
    match response.bytes().await {
        Err(error) => Err(error),
        // Not reached: the body's one chunk is the error. Should reqwest ever read it as
        // empty, the outcome is lost but the call still fails (`error_for_status` on a
        // 500), never succeeds empty.
        Ok(_) => {
            let mut failed = http::Response::new(bytes::Bytes::new());
            *failed.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
            reqwest::Response::from(failed).error_for_status()
        }
    }
}

/// The [`ExecError::Hook`](crate::ExecError::Hook) outcome a generated call returned
/// inside `error` (the `reqwest::Error` of
/// [`Error::CommunicationError`](crate::Error::CommunicationError)), if there is one;
/// `None` for a real transport failure. It can be taken once.
pub fn hook_error(error: &reqwest::Error) -> Option<Box<dyn std::error::Error + Send + Sync>> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = current {
        if let Some(carried) = error.downcast_ref::<Carried>() {
            return carried
                .error
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
        }
        current = error.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Outcome(u32);

    impl fmt::Display for Outcome {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "outcome {}", self.0)
        }
    }

    impl std::error::Error for Outcome {}

    #[tokio::test]
    async fn a_carried_outcome_comes_back_out_once_as_it_was() {
        let error = carry(Box::new(Outcome(7))).await.expect_err("carry fails");
        assert!(error.to_string().contains("body"), "{error}");
        let taken = hook_error(&error).expect("the outcome is in the chain");
        assert_eq!(taken.downcast_ref::<Outcome>(), Some(&Outcome(7)));
        assert!(hook_error(&error).is_none(), "taken once");
        // The text stays for logs after the outcome is taken.
        let mut chain =
            std::iter::successors(Some(&error as &(dyn std::error::Error + 'static)), |e| {
                e.source()
            });
        assert!(chain.any(|e| e.to_string() == "outcome 7"));
    }

    #[tokio::test]
    async fn a_real_transport_error_carries_nothing() {
        let failed = reqwest::Response::from(
            http::Response::builder()
                .status(500)
                .body(bytes::Bytes::new())
                .unwrap(),
        )
        .error_for_status()
        .expect_err("a 500");
        assert!(hook_error(&failed).is_none());
    }
}
