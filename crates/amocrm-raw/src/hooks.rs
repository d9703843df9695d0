//! The seam between the generated client and whoever sends its requests.
//!
//! Every generated operation goes through [`ClientHooks`]: `pre` sets [`ACCEPT`], and `exec`
//! hands the request to the [`Exec`] of the client's [`Hooks`] (the ergonomic crate puts
//! auth, pacing and retries there) or sends it with the bare `reqwest::Client`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use progenitor_client::{ClientHooks, OperationInfo};

use crate::Client;
use crate::carry::carry;

/// A future returned by [`Exec::exec`].
pub type ExecFuture<'a> =
    Pin<Box<dyn Future<Output = Result<reqwest::Response, ExecError>> + Send + 'a>>;

/// Sends one request of the generated client; implement it to add auth, rate limits or
/// retries around every operation.
pub trait Exec: Send + Sync + fmt::Debug + 'static {
    /// Sends `request` (built by the operation `info.operation_id`) with `client`.
    fn exec<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        info: &'a OperationInfo,
    ) -> ExecFuture<'a>;
}

/// Why an [`Exec`] gave no response.
#[derive(Debug)]
pub enum ExecError {
    /// Sending the request or reading the response failed.
    Http(reqwest::Error),
    /// The hook's own typed outcome (no token, a 401 the refresh could not cure, a body
    /// too large, an error status classified). The generated client returns it as
    /// [`Error::CommunicationError`](crate::Error::CommunicationError), inside a
    /// `reqwest::Error`; [`hook_error`](crate::hook_error) takes it back out, as it was
    /// (the `carry` module says how).
    Hook(Box<dyn std::error::Error + Send + Sync>),
}

impl From<reqwest::Error> for ExecError {
    fn from(error: reqwest::Error) -> Self {
        ExecError::Http(error)
    }
}

/// The generated client's inner value: the [`Exec`] requests go through, if any.
#[derive(Clone, Debug, Default)]
pub struct Hooks(Option<Arc<dyn Exec>>);

impl Hooks {
    /// Sends every request through `exec`.
    pub fn new(exec: Arc<dyn Exec>) -> Self {
        Self(Some(exec))
    }

    /// Sends requests with the bare `reqwest::Client`.
    pub fn none() -> Self {
        Self(None)
    }
}

/// The `Accept` every generated call sends: amoCRM's success and error media types, and
/// plain JSON as a fallback for servers that know only that.
pub const ACCEPT: &str = "application/hal+json, application/problem+json, application/json;q=0.9";

impl ClientHooks<Hooks> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        request.headers_mut().insert(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static(ACCEPT),
        );
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let Hooks(exec) = progenitor_client::ClientInfo::inner(self);
        match exec {
            Some(exec) => {
                match exec
                    .exec(progenitor_client::ClientInfo::client(self), request, info)
                    .await
                {
                    Ok(response) => Ok(response),
                    Err(ExecError::Http(error)) => Err(error),
                    Err(ExecError::Hook(outcome)) => carry(outcome).await,
                }
            }
            None => {
                progenitor_client::ClientInfo::client(self)
                    .execute(request)
                    .await
            }
        }
    }
}
