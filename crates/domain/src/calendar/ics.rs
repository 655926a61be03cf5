//! iCalendar (RFC 5545) for calendar apps (Outlook, Google Calendar, Thunderbird), written by
//! hand: CRLF line ends, lines folded at 75 octets without ever splitting a UTF-8 character,
//! TEXT values escaped, all-day events as `VALUE=DATE` with an exclusive end.

use std::fmt::Write as _;

use chrono::{Duration, NaiveDate, NaiveDateTime};

/// When an event starts or ends: a whole day, or a UTC instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Day(NaiveDate),
    Utc(NaiveDateTime),
}

/// `STATUS` of a `VEVENT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Tentative,
    Confirmed,
    Cancelled,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Tentative => "TENTATIVE",
            Status::Confirmed => "CONFIRMED",
            Status::Cancelled => "CANCELLED",
        }
    }
}

/// One `VEVENT`, already in the reader's language.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Globally unique and stable: an amended activity keeps it, so apps update the entry.
    pub uid: String,
    pub summary: String,
    pub description: String,
    pub location: Option<String>,
    pub categories: Vec<String>,
    pub start: When,
    /// For an all-day event, the last day (inclusive); it is written exclusive (+1 day).
    pub end: When,
    pub status: Status,
    pub last_modified: NaiveDateTime,
}

/// A whole `VCALENDAR`. `now` is the `DTSTAMP` of every event.
pub fn calendar(name: &str, events: &[Event], now: NaiveDateTime) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//barometer//Calendar of activities//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", escape(&e.uid)));
        line(&mut out, &format!("DTSTAMP:{}", utc(now)));
        line(&mut out, &format!("LAST-MODIFIED:{}", utc(e.last_modified)));
        match (e.start, e.end) {
            (When::Day(start), When::Day(end)) => {
                line(&mut out, &format!("DTSTART;VALUE=DATE:{}", start.format("%Y%m%d")));
                line(&mut out, &format!("DTEND;VALUE=DATE:{}", (end + Duration::days(1)).format("%Y%m%d")));
            }
            (start, end) => {
                line(&mut out, &format!("DTSTART:{}", instant(start)));
                line(&mut out, &format!("DTEND:{}", instant(end)));
            }
        }
        line(&mut out, &format!("SUMMARY:{}", escape(&e.summary)));
        if !e.description.is_empty() {
            line(&mut out, &format!("DESCRIPTION:{}", escape(&e.description)));
        }
        if let Some(location) = &e.location {
            line(&mut out, &format!("LOCATION:{}", escape(location)));
        }
        if !e.categories.is_empty() {
            let joined: Vec<String> = e.categories.iter().map(|c| escape(c)).collect();
            line(&mut out, &format!("CATEGORIES:{}", joined.join(",")));
        }
        line(&mut out, &format!("STATUS:{}", e.status.as_str()));
        line(&mut out, "TRANSP:TRANSPARENT");
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

fn utc(at: NaiveDateTime) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

fn instant(when: When) -> String {
    match when {
        When::Utc(at) => utc(at),
        When::Day(day) => utc(day.and_hms_opt(0, 0, 0).expect("midnight exists")),
    }
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newline.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded (RFC 5545 §3.1): no line longer than 75 octets before its
/// CRLF, each continuation starting with one space, and a UTF-8 character never split.
fn line(out: &mut String, content: &str) {
    out.push_str(&fold(content));
}

/// The folded form of one content line, CRLF included.
pub fn fold(content: &str) -> String {
    const LIMIT: usize = 75;
    let mut out = String::with_capacity(content.len() + content.len() / 70 * 3 + 2);
    let mut used = 0;
    for c in content.chars() {
        let width = c.len_utf8();
        if used + width > LIMIT {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += width;
    }
    let _ = write!(out, "\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_backslash_semicolon_comma_and_newlines() {
        assert_eq!(escape(r"a\b;c,d"), r"a\\b\;c\,d");
        assert_eq!(escape("one\ntwo\r\nthree"), r"one\ntwo\nthree");
        assert_eq!(escape("tab\tgone"), "tabgone");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let title = format!("SUMMARY:{}", "مؤتمر إقليمي حول الشباب ومنع التطرف العنيف، ".repeat(4));
        let folded = fold(&title);
        assert!(folded.ends_with("\r\n"));
        let lines: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(lines.len() > 3, "{lines:?}");
        for (i, l) in lines.iter().enumerate() {
            assert!(l.len() <= 75, "line {i} has {} octets", l.len());
            if i > 0 {
                assert!(l.starts_with(' '));
            }
        }
        // Unfolding (remove CRLF + one space) gives the line back.
        assert_eq!(folded.trim_end_matches("\r\n").replace("\r\n ", ""), title);
        // A short line is left alone.
        assert_eq!(fold("VERSION:2.0"), "VERSION:2.0\r\n");
        // Exactly 75 octets stay on one line; 76 fold.
        assert_eq!(fold(&"x".repeat(75)).matches("\r\n").count(), 1);
        assert_eq!(fold(&"x".repeat(76)), format!("{}\r\n x\r\n", "x".repeat(75)));
    }

    #[test]
    fn all_day_events_end_the_day_after_and_timed_ones_are_utc() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        let at = day("2026-01-02").and_hms_opt(3, 4, 5).unwrap();
        let events = [
            Event {
                uid: "a@barometer".into(),
                summary: "Conference, Rome; day one".into(),
                description: String::new(),
                location: Some("Rome, Italy".into()),
                categories: vec!["Youth, PVE".into(), "AI".into()],
                start: When::Day(day("2026-03-10")),
                end: When::Day(day("2026-03-11")),
                status: Status::Cancelled,
                last_modified: at,
            },
            Event {
                uid: "b@barometer".into(),
                summary: "Call".into(),
                description: "line\nnext".into(),
                location: None,
                categories: vec![],
                start: When::Utc(day("2026-03-10").and_hms_opt(9, 0, 0).unwrap()),
                end: When::Utc(day("2026-03-10").and_hms_opt(10, 30, 0).unwrap()),
                status: Status::Tentative,
                last_modified: at,
            },
        ];
        let text = calendar("Calendar", &events, at);
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'), "every line ends with CRLF");
        for expected in [
            "DTSTART;VALUE=DATE:20260310\r\n",
            "DTEND;VALUE=DATE:20260312\r\n",
            "SUMMARY:Conference\\, Rome\\; day one\r\n",
            "CATEGORIES:Youth\\, PVE,AI\r\n",
            "STATUS:CANCELLED\r\n",
            "DTSTART:20260310T090000Z\r\n",
            "DTEND:20260310T103000Z\r\n",
            "DESCRIPTION:line\\nnext\r\n",
            "STATUS:TENTATIVE\r\n",
            "DTSTAMP:20260102T030405Z\r\n",
            "UID:a@barometer\r\n",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
    }
}
