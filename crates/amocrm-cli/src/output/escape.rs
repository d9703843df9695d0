//! Text from the server made safe to show on a terminal.

/// `text` with control characters (newlines, escape sequences), bidirectional overrides,
/// line separators and invisible spaces replaced by their escaped form, so a value from
/// the server cannot break a table, drive the terminal, reorder what follows it on the
/// line (U+202E) or hide a character in a key.
pub fn clean(text: &str) -> String {
    if !text.chars().any(unsafe_to_show) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if unsafe_to_show(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Control characters, the bidirectional formatting characters, U+2028/U+2029 and the
/// zero-width space, word joiner and BOM. The zero-width (non-)joiners stay: emoji
/// sequences and several scripts need them.
fn unsafe_to_show(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(clean("plain"), "plain");
        assert_eq!(clean("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(clean("a\u{9b}2J"), "a\\u{9b}2J");
    }

    #[test]
    fn bidi_overrides_separators_and_invisible_spaces_are_escaped() {
        assert_eq!(clean("evil\u{202e}gnp.exe"), "evil\\u{202e}gnp.exe");
        assert_eq!(clean("a\u{2066}b\u{2069}"), "a\\u{2066}b\\u{2069}");
        assert_eq!(clean("1.0\u{2028}x"), "1.0\\u{2028}x");
        assert_eq!(clean("k\u{200b}z\u{feff}"), "k\\u{200b}z\\u{feff}");
        // What text needs stays: joiners of emoji sequences, combining marks, scripts.
        for text in [
            "👨\u{200d}👩\u{200d}👧",
            "e\u{301}",
            "Логин",
            "密码",
            "می\u{200c}خواهم",
        ] {
            assert_eq!(clean(text), text);
        }
    }
}
