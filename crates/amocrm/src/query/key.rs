//! A raw filter key checked: PHP's bracket form after `filter`.

use crate::error::Invalid;

/// Checks `key`, what follows `filter` in a raw filter (`id[]`, `updated_at[from]`,
/// `statuses[0][pipeline_id]`): a root of letters, digits and `_`, then bracketed
/// segments of the same (or empty: `[]`), and nothing else. Returns the full key
/// (`filter[id][]`).
pub(crate) fn filter_key(key: &str) -> Result<String, Invalid> {
    let refuse = |reason| {
        Err(Invalid::FilterKey {
            key: key.to_owned(),
            reason,
        })
    };
    let word = |text: &str| text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let (root, mut rest) = key.find('[').map_or((key, ""), |at| key.split_at(at));
    if root.is_empty() {
        return refuse("it has no name before its brackets");
    }
    if !word(root) {
        return if root.contains(']') {
            refuse("its brackets are unbalanced")
        } else {
            refuse("a name is letters, digits and _")
        };
    }
    let mut full = format!("filter[{root}]");
    while !rest.is_empty() {
        let Some(inner) = rest.strip_prefix('[') else {
            return refuse("text follows a closing bracket");
        };
        let Some(end) = inner.find(']') else {
            return refuse("its brackets are unbalanced");
        };
        let segment = &inner[..end];
        if segment.contains('[') {
            return refuse("its brackets are unbalanced");
        }
        if !word(segment) {
            return refuse("a segment is letters, digits and _, or empty");
        }
        full.push('[');
        full.push_str(segment);
        full.push(']');
        rest = &inner[end + 1..];
    }
    Ok(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_keys_become_full_keys() {
        for (key, full) in [
            ("id", "filter[id]"),
            ("id[]", "filter[id][]"),
            ("updated_at[from]", "filter[updated_at][from]"),
            (
                "statuses[0][pipeline_id]",
                "filter[statuses][0][pipeline_id]",
            ),
            (
                "custom_fields_values[123][]",
                "filter[custom_fields_values][123][]",
            ),
        ] {
            assert_eq!(filter_key(key).unwrap(), full);
        }
    }

    #[test]
    fn malformed_keys_are_refused() {
        for key in [
            "", "[id]", "id[", "id]", "id[[x]]", "id[x", "id[x]y", "id[x]]", "i d", "id[a&b]",
            "id[x][", "a=b",
        ] {
            let error = filter_key(key).unwrap_err();
            assert!(
                matches!(error, Invalid::FilterKey { .. }),
                "{key}: {error:?}"
            );
        }
    }
}
