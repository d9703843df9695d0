//! A fault as a value: what it targets (every route, an operation, a method and a path
//! pattern), what it does, and when it fires. Its spec grammar is in `spec.rs`.

use std::fmt;
use std::time::Duration;

use axum::http::Method;

/// An operation of the fake's API, to aim a [`Fault`] at by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `GET /api/v4/widgets`: `list`.
    List,
    /// `GET /api/v4/widgets/{code}`: `get`.
    Get,
    /// `POST /api/v4/widgets/{code}`: `install`.
    Install,
    /// `DELETE /api/v4/widgets/{code}`: `uninstall`.
    Uninstall,
    /// `POST /api/v4/{salesbot|marketingbot}/{bot_id}/continue/{continue_id}`: `continue`.
    Continue,
    /// `POST /oauth2/access_token`: `token`.
    Token,
    /// `GET /api/v4/account`: `account`.
    Account,
}

impl Operation {
    pub(super) const ALL: [Operation; 7] = [
        Operation::List,
        Operation::Get,
        Operation::Install,
        Operation::Uninstall,
        Operation::Continue,
        Operation::Token,
        Operation::Account,
    ];

    /// The name used in fault specs, e.g. `"list"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::List => "list",
            Operation::Get => "get",
            Operation::Install => "install",
            Operation::Uninstall => "uninstall",
            Operation::Continue => "continue",
            Operation::Token => "token",
            Operation::Account => "account",
        }
    }

    /// The operation a request is, by method and raw path; `None` for other routes.
    pub(super) fn of(method: &Method, path: &str) -> Option<Operation> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (method.as_str(), segments.as_slice()) {
            ("GET", ["api", "v4", "widgets"]) => Some(Operation::List),
            ("GET", ["api", "v4", "widgets", _]) => Some(Operation::Get),
            ("POST", ["api", "v4", "widgets", _]) => Some(Operation::Install),
            ("DELETE", ["api", "v4", "widgets", _]) => Some(Operation::Uninstall),
            ("POST", ["api", "v4", _, _, "continue", _]) => Some(Operation::Continue),
            ("POST", ["oauth2", "access_token"]) => Some(Operation::Token),
            ("GET", ["api", "v4", "account"]) => Some(Operation::Account),
            _ => None,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which requests a fault applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    Any,
    Operation(Operation),
    /// Upper-case method (`None`: any) and the path pattern's segments.
    Route {
        method: Option<String>,
        path: String,
    },
}

impl Target {
    pub(super) fn matches(&self, method: &Method, path: &str) -> bool {
        match self {
            Target::Any => true,
            Target::Operation(op) => Operation::of(method, path) == Some(*op),
            Target::Route {
                method: want,
                path: pattern,
            } => {
                want.as_deref().is_none_or(|m| m == method.as_str()) && path_matches(pattern, path)
            }
        }
    }
}

/// Whether a raw request path matches a pattern whose `*` or `{name}` segments match any
/// one segment. A trailing `/` is not significant.
fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_end_matches('/').split('/');
    let path = path.trim_end_matches('/').split('/');
    pattern.clone().count() == path.clone().count()
        && pattern.zip(path).all(|(want, got)| {
            want == got || want == "*" || (want.starts_with('{') && want.ends_with('}'))
        })
}

pub(super) fn route_target(method: &str, path: &str) -> Target {
    let method = method.trim();
    Target::Route {
        method: (method != "*" && !method.is_empty()).then(|| method.to_ascii_uppercase()),
        path: path.trim().to_owned(),
    }
}

/// What a fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    Status { code: u16, html: bool },
    Latency { min: Duration, max: Duration },
    Reset,
    Truncate,
    Cut,
}

/// One fault to inject: build it with [`Fault::status`], [`Fault::html`],
/// [`Fault::latency`], [`Fault::latency_between`], [`Fault::reset`],
/// [`Fault::truncate`] or [`Fault::cut`], narrow it with [`Fault::operation`] or [`Fault::route`] and say
/// when it fires ([`Fault::once`], [`Fault::times`], [`Fault::nth`],
/// [`Fault::probability`]); or parse it from a spec. Give it to [`FakeBuilder::fault`]
/// or, while the server runs, to [`Faults::add`].
///
/// [`FakeBuilder::fault`]: crate::FakeBuilder::fault
/// [`Faults::add`]: crate::Faults::add
/// [`FromStr`]: std::str::FromStr
/// [`FaultReport::matched`]: crate::FaultReport::matched
/// [`FaultReport::fired`]: crate::FaultReport::fired
///
#[doc = include_str!("../docs/fault_spec.md")]
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use amocrm_fake::{Fault, Operation};
///
/// // The 3rd request of any kind answers 503.
/// let a = Fault::status(503).nth(3);
/// assert_eq!(a.to_string(), "*=503@3");
/// // List pages answer an HTML 429 with a Retry-After header, always.
/// let b: Fault = "list=429:retry-after=2:html".parse().unwrap();
/// assert_eq!(b, Fault::html(429).operation(Operation::List).retry_after(2));
/// // GET of a single widget is slow, between 10 and 50 ms, the same sequence every run.
/// let c = Fault::latency_between(Duration::from_millis(10), Duration::from_millis(50))
///     .route("GET", "/api/v4/widgets/*")
///     .seed(7);
/// assert_eq!(c.to_string().parse::<Fault>().unwrap(), c);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub(super) target: Target,
    pub(super) action: Action,
    pub(super) retry_after: Option<u64>,
    pub(super) retry_after_body: Option<u64>,
    pub(super) times: Option<u64>,
    pub(super) nth: Option<u64>,
    pub(super) probability: Option<f64>,
    pub(super) seed: u64,
}

impl Fault {
    pub(super) fn new(action: Action) -> Fault {
        Fault {
            target: Target::Any,
            action,
            retry_after: None,
            retry_after_body: None,
            times: None,
            nth: None,
            probability: None,
            seed: 0,
        }
    }

    /// Answers `code` with an amoCRM problem+json body (a code outside 100-999 is
    /// answered as 500).
    pub fn status(code: u16) -> Fault {
        Fault::new(Action::Status { code, html: false })
    }

    /// Answers `code` with an HTML page, as a proxy or amoCRM's nginx front does.
    pub fn html(code: u16) -> Fault {
        Fault::new(Action::Status { code, html: true })
    }

    /// Waits `delay` before the request goes on.
    pub fn latency(delay: Duration) -> Fault {
        Fault::latency_between(delay, delay)
    }

    /// Waits a random time between `min` and `max` (inclusive; drawn from the fault's
    /// seeded generator, see [`Fault::seed`]) before the request goes on.
    pub fn latency_between(min: Duration, max: Duration) -> Fault {
        Fault::new(Action::Latency {
            min: min.min(max),
            max: max.max(min),
        })
    }

    /// Closes the connection without sending anything: the client sees a transport
    /// error, not a status.
    pub fn reset() -> Fault {
        Fault::new(Action::Reset)
    }

    /// Lets the route answer, then sends the head with the whole body's
    /// `Content-Length` and only the first half of the body, and closes the connection.
    /// A response without a body (204) becomes a 200 promising 2 bytes that never come.
    pub fn truncate() -> Fault {
        Fault::new(Action::Truncate)
    }

    /// Lets the route handle the request (a write is applied), then closes the
    /// connection without its answer: the client has sent the whole body and cannot
    /// know what happened to it (what a connection lost after the request leaves).
    pub fn cut() -> Fault {
        Fault::new(Action::Cut)
    }

    /// Applies only to `operation` (default: every route).
    pub fn operation(mut self, operation: Operation) -> Fault {
        self.target = Target::Operation(operation);
        self
    }

    /// Applies only to requests with `method` (`"*"`: any) whose raw path matches
    /// `path`, where a `*` or `{name}` segment matches any one segment, e.g.
    /// `route("POST", "/api/v4/widgets/{code}")`.
    pub fn route(mut self, method: &str, path: &str) -> Fault {
        self.target = route_target(method, path);
        self
    }

    /// Adds a `Retry-After: secs` header to a status answer.
    pub fn retry_after(mut self, secs: u64) -> Fault {
        self.retry_after = Some(secs);
        self
    }

    /// Adds `"retry_after": secs` to a problem+json answer's body (ignored with an HTML
    /// page).
    pub fn retry_after_in_body(mut self, secs: u64) -> Fault {
        self.retry_after_body = Some(secs);
        self
    }

    /// Fires at most once.
    pub fn once(self) -> Fault {
        self.times(1)
    }

    /// Fires at most `n` times (default: no limit).
    pub fn times(mut self, n: u64) -> Fault {
        self.times = Some(n);
        self
    }

    /// Fires on the `n`th matching request only (counting from 1).
    pub fn nth(mut self, n: u64) -> Fault {
        self.nth = Some(n);
        self
    }

    /// Fires with probability `p` (clamped to 0-1) on each matching request, drawn from
    /// the fault's seeded generator.
    pub fn probability(mut self, p: f64) -> Fault {
        self.probability = Some(if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) });
        self
    }

    /// Seed of the fault's generator (default 0): the same seed gives the same sequence
    /// of draws for [`Fault::probability`] and [`Fault::latency_between`].
    pub fn seed(mut self, seed: u64) -> Fault {
        self.seed = seed;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(spec: &str) -> Fault {
        spec.parse()
            .unwrap_or_else(|e| panic!("{spec:?} should parse: {e}"))
    }

    #[test]
    fn operations_and_paths_match() {
        let get = Method::GET;
        let post = Method::POST;
        assert_eq!(
            Operation::of(&get, "/api/v4/widgets"),
            Some(Operation::List)
        );
        assert_eq!(
            Operation::of(&get, "/api/v4/widgets/a%2Fb"),
            Some(Operation::Get)
        );
        assert_eq!(
            Operation::of(&post, "/api/v4/widgets/x"),
            Some(Operation::Install)
        );
        assert_eq!(
            Operation::of(&Method::DELETE, "/api/v4/widgets/x"),
            Some(Operation::Uninstall)
        );
        assert_eq!(
            Operation::of(&post, "/api/v4/salesbot/1/continue/c"),
            Some(Operation::Continue)
        );
        assert_eq!(
            Operation::of(&post, "/oauth2/access_token"),
            Some(Operation::Token)
        );
        assert_eq!(
            Operation::of(&get, "/api/v4/account"),
            Some(Operation::Account)
        );
        assert_eq!(Operation::of(&post, "/api/v4/widgets"), None);
        assert!(path_matches("/api/v4/widgets/*", "/api/v4/widgets/x"));
        assert!(path_matches("/api/v4/widgets/{code}", "/api/v4/widgets/x/"));
        assert!(!path_matches("/api/v4/widgets/*", "/api/v4/widgets"));
        assert!(!path_matches("/api/v4/widgets/*", "/api/v4/widgets/x/y"));
        // Only a whole `{name}` segment is a wildcard.
        assert!(!path_matches("/api/v4/widgets/{code", "/api/v4/widgets/x"));
        assert!(!path_matches("/api/v4/widgets/code}", "/api/v4/widgets/x"));
        let route = Fault::reset().route("get", "/api/v4/widgets").target;
        assert!(route.matches(&get, "/api/v4/widgets"));
        assert!(!route.matches(&post, "/api/v4/widgets"));
        // "*", an empty method and none at all match any method.
        for any in [
            Fault::reset().route("*", "/x").target,
            Fault::reset().route("", "/x").target,
            parse_ok("/x=reset").target,
        ] {
            assert!(
                any.matches(&get, "/x") && any.matches(&post, "/x"),
                "{any:?}"
            );
        }
    }
}
