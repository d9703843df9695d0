//! The HTTP side every section shares: each account's router and the middleware in front of
//! it (recording, `Accept`, the rate limit), 404/405, the caller's token, problem+json and
//! HAL answers, request bodies, paging. The sections (`crate::api`) build on it; it reads
//! the model (`crate::model`) and never a section.

pub(crate) mod body;
pub(crate) mod caller;
pub(crate) mod hal;
pub(crate) mod listing;
pub(crate) mod middleware;
pub(crate) mod negotiate;
pub(crate) mod paging;
pub(crate) mod path;
pub(crate) mod problem;
pub(crate) mod router;
