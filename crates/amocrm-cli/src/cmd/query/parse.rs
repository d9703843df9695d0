//! The text of `--filter`, `--order` and `--with`, read before anything is sent: a
//! malformed one is an input error (exit 2) naming the flag and what is wrong.

/// `KEY=VALUE` of `--filter`, split at the first `=` outside brackets: `KEY` is the part of
/// amoCRM's bracket key after `filter` (`id[]`, `updated_at[from]`,
/// `custom_fields_values[123][]`), `VALUE` everything after that `=` (it may hold `=` and
/// brackets of its own).
pub fn filter(arg: &str) -> Result<(&str, &str), String> {
    let problem = |what: &str| format!("--filter '{arg}': {what}");
    let mut depth = 0usize;
    let mut split = None;
    for (at, c) in arg.char_indices() {
        match c {
            '[' if depth > 0 => return Err(problem("a '[' inside brackets")),
            '[' => depth = 1,
            ']' if depth == 0 => return Err(problem("a ']' without its '['")),
            ']' => depth = 0,
            '=' if depth == 0 => {
                split = Some(at);
                break;
            }
            _ => {}
        }
    }
    let Some(at) = split else {
        return Err(if depth > 0 {
            problem("a '[' is not closed before '='")
        } else {
            problem("expected KEY=VALUE (e.g. 'id[]=5'), but there is no '='")
        });
    };
    let (key, value) = (&arg[..at], &arg[at + 1..]);
    check_key(key).map_err(|what| problem(&what))?;
    if value.is_empty() {
        return Err(problem("the value after '=' is empty"));
    }
    Ok((key, value))
}

/// A filter key: a name, then `[…]` segments only (`id[]`, `statuses[0][pipeline_id]`);
/// no spaces or control characters, which amoCRM's keys never have.
fn check_key(key: &str) -> Result<(), String> {
    let root = key.split('[').next().unwrap_or_default();
    if root.is_empty() {
        return Err("the field name before '[' or '=' is empty".to_owned());
    }
    if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the key has a space or a control character".to_owned());
    }
    // After the root, only whole `[…]` segments: `id[]x` and `id[]]` are not keys.
    let mut rest = &key[root.len()..];
    while let Some(segment) = rest.strip_prefix('[') {
        match segment.find(']') {
            Some(end) => rest = &segment[end + 1..],
            None => return Err("a '[' is not closed".to_owned()),
        }
    }
    if !rest.is_empty() {
        return Err("text after a ']' that does not start a '[' segment".to_owned());
    }
    Ok(())
}

/// `FIELD=asc|desc` of `--order`: the field and the direction as given (the direction is
/// read by the library: `asc` or `desc`).
pub fn order(arg: &str) -> Result<(&str, &str), String> {
    let problem = |what: &str| format!("--order '{arg}': {what}");
    let Some((field, direction)) = arg.split_once('=') else {
        return Err(problem(
            "expected FIELD=asc or FIELD=desc (e.g. updated_at=desc), but there is no '='",
        ));
    };
    if field.is_empty() {
        return Err(problem("the field before '=' is empty"));
    }
    if field
        .chars()
        .any(|c| matches!(c, '[' | ']') || c.is_whitespace() || c.is_control())
    {
        return Err(problem("a field is a plain name such as updated_at"));
    }
    if !matches!(direction, "asc" | "desc") {
        return Err(problem("the direction is asc or desc"));
    }
    Ok((field, direction))
}

/// The names of `--with` (given comma-separated, the flag repeatable), trimmed; an empty
/// one (`a,,b`, a trailing comma) is an error.
pub fn with(values: &[String]) -> Result<Vec<&str>, String> {
    values
        .iter()
        .map(|value| {
            let name = value.trim();
            if name.is_empty() {
                Err("--with: an empty name (between commas, or a trailing comma)".to_owned())
            } else if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
                Err(format!("--with '{name}': a name has no spaces"))
            } else {
                Ok(name)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_splits_at_the_first_equals_sign_outside_brackets() {
        assert_eq!(filter("id[]=5"), Ok(("id[]", "5")));
        assert_eq!(
            filter("updated_at[from]=1700000000"),
            Ok(("updated_at[from]", "1700000000"))
        );
        assert_eq!(
            filter("statuses[0][pipeline_id]=3177727"),
            Ok(("statuses[0][pipeline_id]", "3177727"))
        );
        assert_eq!(filter("name=a=b"), Ok(("name", "a=b")));
        assert_eq!(filter("name=[x]"), Ok(("name", "[x]")));
        assert_eq!(filter("query=Иван Петров"), Ok(("query", "Иван Петров")));
        // An `=` inside brackets is part of the key; amoCRM's keys have none, but the
        // split is where the flag's help says it is.
        assert_eq!(filter("a[b=c]=d"), Ok(("a[b=c]", "d")));
    }

    #[test]
    fn a_malformed_filter_says_what_is_wrong() {
        let cases = [
            ("id", "there is no '='"),
            ("id[]", "there is no '='"),
            ("id[=5", "is not closed"),
            ("id]=5", "without its '['"),
            ("id[[x]]=5", "inside brackets"),
            ("=5", "field name before '[' or '=' is empty"),
            ("[id]=5", "field name before '[' or '=' is empty"),
            ("id[]x=5", "text after a ']'"),
            ("id=", "value after '=' is empty"),
            ("my id=5", "a space"),
            ("", "there is no '='"),
        ];
        for (arg, expected) in cases {
            let message = filter(arg).expect_err(arg);
            assert!(message.contains(expected), "{arg}: {message}");
            assert!(
                message.starts_with(&format!("--filter '{arg}'")),
                "{message}"
            );
        }
    }

    #[test]
    fn an_order_is_a_field_and_asc_or_desc() {
        assert_eq!(order("updated_at=desc"), Ok(("updated_at", "desc")));
        assert_eq!(order("id=asc"), Ok(("id", "asc")));
        for (arg, expected) in [
            ("updated_at", "no '='"),
            ("=desc", "field before '=' is empty"),
            ("updated_at=down", "asc or desc"),
            ("updated_at=DESC", "asc or desc"),
            ("updated_at[x]=desc", "plain name"),
        ] {
            let message = order(arg).expect_err(arg);
            assert!(message.contains(expected), "{arg}: {message}");
        }
    }

    #[test]
    fn with_names_are_trimmed_and_none_is_empty() {
        let given = ["contacts".to_owned(), " loss_reason".to_owned()];
        assert_eq!(with(&given), Ok(vec!["contacts", "loss_reason"]));
        assert!(with(&["".to_owned()]).is_err());
        assert!(with(&["a b".to_owned()]).is_err());
        assert_eq!(with(&[]), Ok(vec![]));
    }
}
