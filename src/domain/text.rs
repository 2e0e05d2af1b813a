//! User-supplied text as it may appear in a message (spec section 8): a name
//! with `\e]52;…` cannot drive the terminal, and no message can carry a
//! token, a truncated token or a token with extra characters.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Runs of this many ASCII letters and digits or more are shortened.
pub(crate) const LONG_RUN: usize = 20;

/// Characters that are invisible or move the cursor: control characters,
/// Unicode format characters (zero-width, bidi overrides) and the line and
/// paragraph separators.
pub(crate) fn is_hidden(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

/// The text with hidden characters escaped (`\u{202e}`, `\n`, `\u{1b}`)
/// and every run of 20 or more ASCII letters and digits shortened to its
/// first and last three (`Abc…xyz`). Hidden characters inside a run do not
/// break it: a token with a zero-width space in it is still shortened.
pub(crate) fn shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // The current run: letters and digits, and hidden characters among them.
    let mut run: Vec<char> = Vec::new();
    let flush = |run: &mut Vec<char>, out: &mut String| {
        let letters: Vec<char> = run
            .iter()
            .copied()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        if letters.len() >= LONG_RUN {
            out.extend(&letters[..3]);
            out.push('…');
            out.extend(&letters[letters.len() - 3..]);
        } else {
            for &c in run.iter() {
                if is_hidden(c) {
                    out.extend(c.escape_debug());
                } else {
                    out.push(c);
                }
            }
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || is_hidden(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// A name as messages quote it: in double quotes, with quotes and
/// backslashes inside escaped (`"a,\"b\""`), and [`shown`].
pub(crate) fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in shown(text).chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn long_runs_are_shortened() {
        assert_eq!(shown("abcdefghijklmnopqrs"), "abcdefghijklmnopqrs");
        assert_eq!(shown("abcdefghijklmnopqrst"), "abc…rst");
        assert_eq!(
            shown("x tkc1AbCdEfGh0123456789012345678901234567890123456Z y"),
            "x tkc…56Z y"
        );
    }

    #[test]
    fn hidden_characters_are_escaped() {
        assert_eq!(
            shown("a\u{1b}]52;c;eA==\u{7}b"),
            "a\\u{1b}]52;c;eA==\\u{7}b"
        );
        assert_eq!(shown("ci-bot\u{200b}"), "ci-bot\\u{200b}");
        assert_eq!(shown("x\u{202e}y\u{2028}z\n"), "x\\u{202e}y\\u{2028}z\\n");
        assert_eq!(shown("Ünïcødé ok"), "Ünïcødé ok");
        assert_eq!(
            shown("tkc1AbCdEfGh\u{200b}0123456789012345678901234567890123456Z"),
            "tkc…56Z"
        );
    }

    #[test]
    fn quotes_nest() {
        assert_eq!(quoted("a,\"b\""), r#""a,\"b\"""#);
        assert_eq!(quoted("plain"), "\"plain\"");
    }

    proptest! {
        #[test]
        fn nothing_shown_holds_a_long_run_or_a_hidden_character(s in "\\PC{0,60}|[\\x00-\\x7f]{0,60}|[a-z0-9\\u{200b}\\u{1b}]{0,80}") {
            let out = shown(&s);
            prop_assert!(!out.chars().any(is_hidden));
            let mut run = 0;
            for c in out.chars() {
                run = if c.is_ascii_alphanumeric() { run + 1 } else { 0 };
                prop_assert!(run < LONG_RUN, "{out:?}");
            }
        }
    }
}
