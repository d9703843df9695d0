//! Who calls an account's API: its `Authorization: Bearer` token checked against the tenant
//! (401 otherwise), and the origin the answer's links start with. A handler that takes a
//! [`Caller`] is authenticated before anything else is looked at.

use std::fmt;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri, header};

use crate::model::problem::Problem;
use crate::model::tenant::{Role, Tenant};

/// An authenticated call to one account's API.
#[derive(Debug)]
pub(crate) struct Caller {
    pub tenant: Arc<Tenant>,
    pub role: Role,
    /// `http://host[:port]` and the account's prefix.
    origin: String,
}

impl Caller {
    /// 403 unless the caller is the account's administrator (or the integration).
    pub fn require_admin(&self) -> Result<(), Problem> {
        match self.role {
            Role::Admin => Ok(()),
            Role::User => Err(Problem::forbidden(
                "This method is available to account administrators only",
            )),
        }
    }

    /// `http://host[:port]` and the account's prefix, for links.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// An absolute link into the account: the origin, then `path` (e.g.
    /// `/api/v4/leads/pipelines/7`).
    pub fn link(&self, path: impl fmt::Display) -> String {
        format!("{}{path}", self.origin)
    }
}

impl FromRequestParts<Arc<Tenant>> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, tenant: &Arc<Tenant>) -> Result<Self, Problem> {
        let role = tenant.role_of(bearer(&parts.headers)?)?;
        Ok(Caller {
            origin: origin(tenant, &parts.headers, &parts.uri),
            tenant: tenant.clone(),
            role,
        })
    }
}

/// The token of `Authorization: Bearer <token>` (the scheme in any case).
fn bearer(headers: &HeaderMap) -> Result<&str, Problem> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(Problem::unauthorized("The Authorization header is missing"));
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or_else(|| {
            Problem::unauthorized("The Authorization header must be `Bearer <access token>`")
        })
}

/// `http://host[:port]` and the account's prefix, from the request's `Host` header (else
/// the URI's authority, else the server's address).
fn origin(tenant: &Tenant, headers: &HeaderMap, uri: &Uri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.as_str().to_owned()))
        .unwrap_or_else(|| tenant.local_addr.to_string());
    format!("http://{host}{}", tenant.prefix)
}
