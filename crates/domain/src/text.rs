//! Rules for free text typed by people: trimmed, bounded, and free of characters that can
//! disguise what a reader sees (bidirectional overrides, invisible separators, control codes).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
    Empty,
    TooLong { max: usize },
    Control,
    Invisible,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::Empty => f.write_str("must not be empty"),
            TextError::TooLong { max } => write!(f, "must be at most {max} characters"),
            TextError::Control => f.write_str("must not contain control characters; remove them and try again"),
            TextError::Invisible => f.write_str(
                "must not contain bidirectional override or invisible characters (U+202A–U+202E, U+2066–U+2069, U+200B, U+FEFF); retype the text without them",
            ),
        }
    }
}

impl std::error::Error for TextError {}

/// Characters that reorder or hide text without being visible. Zero-width joiner and non-joiner
/// (U+200C, U+200D) are allowed: Arabic and Persian typing needs them.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{FEFF}' | '\u{2028}' | '\u{2029}')
}

/// A single-line field: trimmed, 1..=max characters, no line breaks or control characters.
pub fn single_line(raw: &str, max: usize) -> Result<String, TextError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    check_chars(text, false)?;
    if text.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(text.to_owned())
}

/// A multi-line field: may be empty; keeps line breaks and tabs; normalises CRLF to LF.
pub fn multi_line(raw: &str, max: usize) -> Result<String, TextError> {
    let text = raw.replace("\r\n", "\n");
    let text = text.trim();
    check_chars(text, true)?;
    if text.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(text.to_owned())
}

fn check_chars(text: &str, multi_line: bool) -> Result<(), TextError> {
    for c in text.chars() {
        if is_invisible(c) {
            return Err(TextError::Invisible);
        }
        let allowed_break = multi_line && (c == '\n' || c == '\t');
        if c.is_control() && !allowed_break {
            return Err(TextError::Control);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_trims_and_bounds() {
        assert_eq!(single_line("  Rome  ", 10).unwrap(), "Rome");
        assert_eq!(single_line("   ", 10), Err(TextError::Empty));
        assert_eq!(single_line("abcdefghijk", 10), Err(TextError::TooLong { max: 10 }));
        assert_eq!(single_line("a\nb", 10), Err(TextError::Control));
    }

    #[test]
    fn arabic_with_joiners_is_accepted_but_overrides_are_not() {
        assert!(single_line("مؤتمر\u{200C}الشباب", 50).is_ok());
        assert_eq!(single_line("abc\u{202E}def", 50), Err(TextError::Invisible));
        assert_eq!(single_line("a\u{200B}b", 50), Err(TextError::Invisible));
    }

    #[test]
    fn multi_line_keeps_breaks() {
        assert_eq!(multi_line("a\r\nb\tc", 10).unwrap(), "a\nb\tc");
        assert_eq!(multi_line("", 10).unwrap(), "");
        assert_eq!(multi_line("a\u{0007}", 10), Err(TextError::Control));
    }
}
