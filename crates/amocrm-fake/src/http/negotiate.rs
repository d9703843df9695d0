//! Content negotiation: whether a request's `Accept` admits what amoCRM answers with.

use axum::http::{HeaderMap, header};

/// Whether the request's `Accept` admits both media types amoCRM answers with
/// (`application/hal+json` for success, `application/problem+json` for errors), as a
/// strict server checks it. No `Accept` admits anything; `q=0` excludes a range.
pub(crate) fn accepts_amocrm_media_types(headers: &HeaderMap) -> bool {
    let ranges: Vec<(String, bool)> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|range| {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let excluded = parts.any(|param| {
                let param = param.trim().to_ascii_lowercase();
                param
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (media, !excluded)
        })
        .collect();
    if ranges.is_empty() {
        return true;
    }
    let admits = |target: &str| {
        ranges.iter().any(|(media, allowed)| {
            *allowed && (media == target || media == "*/*" || media == "application/*")
        })
    };
    admits("application/hal+json") && admits("application/problem+json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(values: &[&str]) -> bool {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        }
        accepts_amocrm_media_types(&headers)
    }

    #[test]
    fn strict_accept() {
        assert!(accept(&[]));
        assert!(accept(&["*/*"]));
        assert!(accept(&["application/*"]));
        assert!(accept(&["application/hal+json, application/problem+json"]));
        assert!(accept(&[
            "application/hal+json",
            "application/problem+json;q=0.5"
        ]));
        assert!(!accept(&["application/json"]));
        assert!(!accept(&["application/hal+json"]));
        assert!(!accept(&["application/problem+json"]));
        assert!(!accept(&[
            "application/hal+json, application/problem+json;q=0"
        ]));
        assert!(!accept(&["text/html, application/json;q=0.9"]));
    }
}
