//! The fault spec grammar (documented on [`Fault`]): the parser behind `Fault: FromStr`
//! (the binary's `--fault SPEC`) and the `Display` that writes a fault back as a spec.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::faults::fault::{Action, Fault, Operation, Target, route_target};

/// Error of a fault spec that does not follow the grammar of [`Fault`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFaultError {
    spec: String,
    reason: String,
}

impl fmt::Display for ParseFaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid fault {:?}: {} (expected TARGET=ACTION[:OPTION...][@N], e.g. \
             list=429:retry-after=2:html or *=latency:200ms)",
            self.spec, self.reason
        )
    }
}

impl std::error::Error for ParseFaultError {}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("bad duration {s:?} (e.g. 200ms or 2s)");
    if let Some(ms) = s.strip_suffix("ms") {
        ms.parse().map(Duration::from_millis).map_err(|_| bad())
    } else if let Some(secs) = s.strip_suffix('s') {
        secs.parse().map(Duration::from_secs).map_err(|_| bad())
    } else {
        Err(bad())
    }
}

fn parse_number(name: &str, value: &str) -> Result<u64, String> {
    value
        .parse()
        .map_err(|_| format!("{name} wants a whole number, not {value:?}"))
}

fn parse_target(s: &str) -> Result<Target, String> {
    let s = s.trim();
    if s == "*" {
        return Ok(Target::Any);
    }
    if let Some(op) = Operation::ALL.iter().find(|op| op.as_str() == s) {
        return Ok(Target::Operation(*op));
    }
    let (method, path) = match s.split_once(' ') {
        Some((method, path)) => (Some(method), path.trim()),
        None => (None, s),
    };
    if !path.starts_with('/') {
        return Err(format!(
            "target {s:?} is neither *, an operation ({}) nor [METHOD ]/PATH",
            Operation::ALL.map(Operation::as_str).join(", ")
        ));
    }
    if let Some(method) = method
        && (method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()))
        && method != "*"
    {
        return Err(format!("bad method {method:?}"));
    }
    Ok(route_target(method.unwrap_or("*"), path))
}

impl FromStr for Fault {
    type Err = ParseFaultError;

    fn from_str(spec: &str) -> Result<Fault, ParseFaultError> {
        parse(spec).map_err(|reason| ParseFaultError {
            spec: spec.to_owned(),
            reason,
        })
    }
}

fn parse(spec: &str) -> Result<Fault, String> {
    let (target, rest) = spec
        .split_once('=')
        .ok_or_else(|| "no '=' between target and action".to_owned())?;
    let target = parse_target(target)?;
    let (rest, nth) = match rest.rsplit_once('@') {
        Some((rest, n)) => (rest, Some(parse_number("@", n)?)),
        None => (rest, None),
    };
    let mut tokens = rest.split(':');
    let first = tokens.next().unwrap_or_default();
    let status = |raw: &str| -> Result<Action, String> {
        match raw.parse::<u16>() {
            Ok(code) if (100..=999).contains(&code) && raw.len() == 3 => {
                Ok(Action::Status { code, html: false })
            }
            _ => Err(format!("bad status code {raw:?} (100-999)")),
        }
    };
    let action = match first {
        "status" => status(tokens.next().unwrap_or_default())?,
        "latency" => {
            let range = tokens.next().unwrap_or_default();
            match range.split_once("..") {
                Some((min, max)) => {
                    let (min, max) = (parse_duration(min)?, parse_duration(max)?);
                    if min > max {
                        return Err(format!("latency range {range:?} goes backwards"));
                    }
                    Action::Latency { min, max }
                }
                None => {
                    let d = parse_duration(range)?;
                    Action::Latency { min: d, max: d }
                }
            }
        }
        "reset" => Action::Reset,
        "truncate" => Action::Truncate,
        "cut" => Action::Cut,
        code if code.bytes().all(|b| b.is_ascii_digit()) && !code.is_empty() => status(code)?,
        other => {
            return Err(format!(
                "unknown action {other:?} (CODE, status:CODE, latency:DUR, reset, truncate, cut)"
            ));
        }
    };
    let mut fault = Fault::new(action);
    fault.target = target;
    fault.nth = nth;
    for option in tokens {
        let (name, value) = match option.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (option, None),
        };
        let is_status = matches!(fault.action, Action::Status { .. });
        match (name, value) {
            ("html", None) if is_status => {
                if let Action::Status { html, .. } = &mut fault.action {
                    *html = true;
                }
            }
            ("retry-after", Some(v)) if is_status => {
                fault.retry_after = Some(parse_number(name, v)?);
            }
            ("retry-after-body", Some(v)) if is_status => {
                fault.retry_after_body = Some(parse_number(name, v)?);
            }
            ("once", None) => fault.times = Some(1),
            ("times", Some(v)) => fault.times = Some(parse_number(name, v)?),
            ("nth", Some(v)) => fault.nth = Some(parse_number(name, v)?),
            ("seed", Some(v)) => fault.seed = parse_number(name, v)?,
            ("p", Some(v)) => match v.parse::<f64>() {
                Ok(p) if (0.0..=1.0).contains(&p) => fault.probability = Some(p),
                _ => return Err(format!("p wants a probability from 0 to 1, not {v:?}")),
            },
            ("html" | "retry-after" | "retry-after-body", _) if !is_status => {
                return Err(format!("option {name:?} only goes with a status action"));
            }
            _ => return Err(format!("unknown option {option:?}")),
        }
    }
    if fault.nth == Some(0) {
        return Err("nth counts from 1 (@0 would never fire)".to_owned());
    }
    if fault.times == Some(0) {
        return Err("times=0 would never fire".to_owned());
    }
    if let Action::Status { html: true, .. } = fault.action
        && fault.retry_after_body.is_some()
    {
        return Err("retry-after-body needs a problem+json body, not html".to_owned());
    }
    Ok(fault)
}

fn write_duration(f: &mut fmt::Formatter<'_>, d: Duration) -> fmt::Result {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) && ms > 0 {
        write!(f, "{}s", ms / 1000)
    } else {
        write!(f, "{ms}ms")
    }
}

impl fmt::Display for Fault {
    /// The fault as a spec that parses back to it (latencies in whole milliseconds).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Target::Any => f.write_str("*")?,
            Target::Operation(op) => f.write_str(op.as_str())?,
            Target::Route {
                method: Some(m),
                path,
            } => write!(f, "{m} {path}")?,
            Target::Route { method: None, path } => f.write_str(path)?,
        }
        f.write_str("=")?;
        match self.action {
            Action::Status { code, html } => {
                write!(f, "{code}")?;
                if html {
                    f.write_str(":html")?;
                }
            }
            Action::Latency { min, max } => {
                f.write_str("latency:")?;
                write_duration(f, min)?;
                if max != min {
                    f.write_str("..")?;
                    write_duration(f, max)?;
                }
            }
            Action::Reset => f.write_str("reset")?,
            Action::Truncate => f.write_str("truncate")?,
            Action::Cut => f.write_str("cut")?,
        }
        if let Some(secs) = self.retry_after {
            write!(f, ":retry-after={secs}")?;
        }
        if let Some(secs) = self.retry_after_body {
            write!(f, ":retry-after-body={secs}")?;
        }
        match self.times {
            Some(1) => f.write_str(":once")?,
            Some(n) => write!(f, ":times={n}")?,
            None => {}
        }
        if let Some(p) = self.probability {
            write!(f, ":p={p}")?;
        }
        if self.seed != 0 {
            write!(f, ":seed={}", self.seed)?;
        }
        if let Some(n) = self.nth {
            write!(f, "@{n}")?;
        }
        Ok(())
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
    fn grammar_examples() {
        assert_eq!(
            parse_ok("GET /api/v4/widgets=status:500"),
            Fault::status(500).route("GET", "/api/v4/widgets")
        );
        assert_eq!(
            parse_ok("*=latency:200ms"),
            Fault::latency(Duration::from_millis(200))
        );
        assert_eq!(parse_ok("*=503@3"), Fault::status(503).nth(3));
        assert_eq!(
            parse_ok("list=429:retry-after=2:html"),
            Fault::html(429).operation(Operation::List).retry_after(2)
        );
        assert_eq!(
            parse_ok("install=429:retry-after-body=3"),
            Fault::status(429)
                .operation(Operation::Install)
                .retry_after_in_body(3)
        );
        assert_eq!(
            parse_ok("get=reset:once"),
            Fault::reset().operation(Operation::Get).once()
        );
        assert_eq!(
            parse_ok("/api/v4/widgets/{code}=truncate:times=2"),
            Fault::truncate()
                .route("*", "/api/v4/widgets/{code}")
                .times(2)
        );
        assert_eq!(
            parse_ok("*=latency:10ms..2s:p=0.5:seed=9"),
            Fault::latency_between(Duration::from_millis(10), Duration::from_secs(2))
                .probability(0.5)
                .seed(9)
        );
        assert_eq!(
            parse_ok("delete /api/v4/widgets/*=404:nth=2"),
            Fault::status(404)
                .route("DELETE", "/api/v4/widgets/*")
                .nth(2)
        );
        for op in Operation::ALL {
            assert_eq!(
                parse_ok(&format!("{op}=reset")),
                Fault::reset().operation(op)
            );
        }
    }

    #[test]
    fn display_round_trips() {
        for spec in [
            "*=500",
            "*=503@3",
            "list=429:html:retry-after=2",
            "install=429:retry-after=1:retry-after-body=3:times=4",
            "GET /api/v4/widgets/*=reset:once",
            "/oauth2/access_token=truncate:p=0.25:seed=42",
            "*=latency:10ms..2s:seed=1",
            "continue=latency:1500ms",
        ] {
            let fault = parse_ok(spec);
            let shown = fault.to_string();
            assert_eq!(parse_ok(&shown), fault, "{spec} -> {shown}");
        }
        assert_eq!(
            parse_ok("list=429:retry-after=2:html").to_string(),
            "list=429:html:retry-after=2"
        );
    }

    #[test]
    fn bad_specs_are_refused_with_a_reason() {
        for (spec, needle) in [
            ("", "no '='"),
            ("list", "no '='"),
            ("lists=500", "neither"),
            ("G3T /x=500", "bad method"),
            ("*=", "unknown action"),
            ("*=explode", "unknown action"),
            ("*=99", "bad status"),
            ("*=1000", "bad status"),
            ("*=0500", "bad status"),
            ("*=status:abc", "bad status"),
            ("*=latency:fast", "bad duration"),
            ("*=latency:5", "bad duration"),
            ("*=latency:2s..1s", "backwards"),
            ("*=500@x", "whole number"),
            ("*=500:p=2", "probability"),
            ("*=500:times=-1", "whole number"),
            ("*=reset:html", "status action"),
            ("*=latency:1ms:retry-after=2", "status action"),
            ("*=500:bogus", "unknown option"),
            ("*=429:html:retry-after-body=2", "not html"),
            ("*=500@0", "counts from 1"),
            ("*=500:nth=0", "counts from 1"),
            ("*=500:times=0", "never fire"),
        ] {
            let error = spec.parse::<Fault>().expect_err(spec).to_string();
            assert!(error.contains(needle), "{spec:?}: {error}");
            assert!(error.contains("TARGET=ACTION"), "{error}");
        }
    }
}
