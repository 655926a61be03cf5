//! Joining the Mechanism under the Terms of Reference as amended at the Sixth Meeting (Rome,
//! 6 December 2024): an assembly's written expression of interest, the meetings that consider
//! it, the decision taken there, and the Presidency that is notified.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::{AssemblyCode, FieldErrors};

/// What an assembly submits. Every field is kept as typed until it validates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestInput {
    #[serde(default)]
    pub assembly_name: String,
    /// The member parliaments or countries, as free text.
    #[serde(default)]
    pub members: String,
    /// Its relevance to counter-terrorism and to preventing and countering violent extremism.
    #[serde(default)]
    pub relevance: String,
    #[serde(default)]
    pub contact_email: String,
}

/// A request that passed [`RequestInput::validate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRequest {
    pub assembly_name: String,
    pub normalized_name: String,
    pub members: String,
    pub relevance: String,
    pub contact_email: String,
}

impl RequestInput {
    pub fn validate(&self) -> Result<ValidRequest, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("assembly_name", crate::text::single_line(&self.assembly_name, 200));
        let members = errors.check("members", non_empty(crate::text::multi_line(&self.members, 4000)));
        let relevance = errors.check("relevance", non_empty(crate::text::multi_line(&self.relevance, 8000)));
        let email = errors.check("contact_email", email(&self.contact_email));
        match (name, members, relevance, email) {
            (Some(assembly_name), Some(members), Some(relevance), Some(contact_email)) if errors.is_empty() => {
                Ok(ValidRequest { normalized_name: normalize_name(&assembly_name), assembly_name, members, relevance, contact_email })
            }
            _ => Err(errors),
        }
    }
}

fn non_empty(text: Result<String, crate::text::TextError>) -> Result<String, crate::text::TextError> {
    text.and_then(|t| if t.is_empty() { Err(crate::text::TextError::Empty) } else { Ok(t) })
}

/// An email address as people type it: trimmed, one `@`, a dotted domain, no spaces.
pub fn email(raw: &str) -> Result<String, &'static str> {
    let text = raw.trim();
    let Some((local, domain)) = text.split_once('@') else {
        return Err("enter an email address such as secretariat@assembly.example");
    };
    let plausible = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && text.len() <= 254
        && !text.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"'));
    if plausible { Ok(text.to_owned()) } else { Err("enter an email address such as secretariat@assembly.example") }
}

/// A name as compared for duplicates: case, spacing, punctuation and diacritics do not count
/// ("Assemblée  parlementaire" = "assemblee parlementaire").
pub fn normalize_name(name: &str) -> String {
    let folded: String = name
        .nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Admitted,
    Declined,
    Deferred,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Admitted => "admitted",
            RequestStatus::Declined => "declined",
            RequestStatus::Deferred => "deferred",
        }
    }

    pub fn parse(s: &str) -> Option<RequestStatus> {
        [RequestStatus::Pending, RequestStatus::Admitted, RequestStatus::Declined, RequestStatus::Deferred]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    /// Still waiting for a final decision: it belongs on the next regular meeting's agenda.
    pub fn is_open(self) -> bool {
        matches!(self, RequestStatus::Pending | RequestStatus::Deferred)
    }
}

/// What a meeting decided on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Admitted,
    Declined,
    Deferred,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "admitted" => Some(Decision::Admitted),
            "declined" => Some(Decision::Declined),
            "deferred" => Some(Decision::Deferred),
            _ => None,
        }
    }

    pub fn status(self) -> RequestStatus {
        match self {
            Decision::Admitted => RequestStatus::Admitted,
            Decision::Declined => RequestStatus::Declined,
            Decision::Deferred => RequestStatus::Deferred,
        }
    }
}

/// A meeting of the Mechanism.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    pub number: u32,
    pub date: NaiveDate,
    pub venue: String,
    #[serde(default)]
    pub online: bool,
    /// Regular meetings consider requests to join; extraordinary ones do not.
    #[serde(default = "yes")]
    pub regular: bool,
}

fn yes() -> bool {
    true
}

impl Meeting {
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.number == 0 || self.number > 10_000 {
            errors.add("number", "must be the meeting's number, from 1 (the Seventh Meeting is 7)");
        }
        if let Err(e) = crate::text::single_line(&self.venue, 200) {
            errors.add("venue", format!("{e} (e.g. Rome, or Online)"));
        }
        errors.finish(|| ())
    }
}

/// A term of the Presidency: from `starts_on` to `ends_on` (inclusive; open while `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presidency {
    pub assembly: AssemblyCode,
    pub starts_on: NaiveDate,
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
}

impl Presidency {
    pub fn validate(&self) -> Result<(), FieldErrors> {
        match self.ends_on {
            Some(end) if end < self.starts_on => Err(FieldErrors::single("ends_on", "must not be before starts_on")),
            _ => Ok(()),
        }
    }

    pub fn holds_on(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && self.ends_on.is_none_or(|end| end >= day)
    }
}

/// The Presidency on `day`: of the terms that cover it, the one that began last.
pub fn presidency_on(terms: &[Presidency], day: NaiveDate) -> Option<&Presidency> {
    terms.iter().filter(|t| t.holds_on(day)).max_by_key(|t| t.starts_on)
}

/// Why an attached letter is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LetterError {
    #[error(
        "the letter is larger than the {limit_kib} KiB allowed; attach a smaller PDF (scan at a lower resolution) or send it to the Secretariat"
    )]
    TooLarge { limit_kib: usize },
    #[error("the letter must be a PDF file; this file is not one. Save or export the letter as PDF and attach it again")]
    NotPdf,
}

/// Accepts a PDF only: by its content (`%PDF-` at the start), with a PDF or generic content
/// type, never by its name alone.
pub fn check_letter(bytes: &[u8], content_type: Option<&str>, limit: usize) -> Result<(), LetterError> {
    if bytes.len() > limit {
        return Err(LetterError::TooLarge { limit_kib: limit / 1024 });
    }
    let type_ok = content_type.is_none_or(|t| {
        let t = t.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        t == "application/pdf" || t == "application/octet-stream" || t == "application/x-pdf" || t.is_empty()
    });
    if !type_ok || !bytes.starts_with(b"%PDF-") {
        return Err(LetterError::NotPdf);
    }
    Ok(())
}

/// A file name safe to store and to put in a `Content-Disposition` header: the base name only,
/// letters, digits, `-`, `_` and `.`, at most 100 characters, ending in `.pdf`.
pub fn safe_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .nfkd()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
        .map(|c| if c == ' ' { '_' } else { c })
        .collect();
    let cleaned = cleaned.trim_matches('.').chars().take(96).collect::<String>();
    let stem = cleaned.strip_suffix(".pdf").or_else(|| cleaned.strip_suffix(".PDF")).unwrap_or(&cleaned);
    let stem = if stem.is_empty() { "letter" } else { stem };
    format!("{stem}.pdf")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_without_case_space_or_diacritics() {
        assert_eq!(normalize_name("  Assemblée   Parlementaire de la FRANCOPHONIE "), "assemblee parlementaire de la francophonie");
        assert_eq!(
            normalize_name("Assemblee parlementaire de la Francophonie"),
            normalize_name("ASSEMBLÉE PARLEMENTAIRE DE LA FRANCOPHONIE")
        );
        assert_ne!(normalize_name("PAM"), normalize_name("PACE"));
    }

    #[test]
    fn a_request_names_each_bad_field() {
        let errors =
            RequestInput { assembly_name: " ".into(), members: String::new(), relevance: "x".into(), contact_email: "nobody".into() }
                .validate()
                .unwrap_err();
        assert!(errors.get("assembly_name").is_some() && errors.get("members").is_some() && errors.get("contact_email").is_some());
        assert!(errors.get("relevance").is_none());
        let ok = RequestInput {
            assembly_name: "Inter-Parliamentary Union".into(),
            members: "180 parliaments".into(),
            relevance: "Counter-terrorism programme".into(),
            contact_email: " ct@ipu.example ".into(),
        }
        .validate()
        .unwrap();
        assert_eq!(ok.contact_email, "ct@ipu.example");
        assert_eq!(ok.normalized_name, "inter parliamentary union");
    }

    #[test]
    fn only_pdf_content_is_accepted() {
        assert_eq!(check_letter(b"%PDF-1.7\n...", Some("application/pdf"), 1024), Ok(()));
        assert_eq!(check_letter(b"GIF89a", Some("application/pdf"), 1024), Err(LetterError::NotPdf));
        assert_eq!(check_letter(b"%PDF-1.7", Some("text/html"), 1024), Err(LetterError::NotPdf));
        assert_eq!(check_letter(&[b'%'; 2048], Some("application/pdf"), 1024), Err(LetterError::TooLarge { limit_kib: 1 }));
    }

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd.pdf");
        assert_eq!(safe_file_name("C:\\Users\\x\\Lettre d'intérêt.pdf"), "Lettre_dinteret.pdf");
        assert_eq!(safe_file_name("\"; evil=1.pdf"), "_evil1.pdf");
        assert_eq!(safe_file_name(""), "letter.pdf");
    }

    #[test]
    fn the_presidency_is_the_latest_term_covering_the_day() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let terms = vec![
            Presidency { assembly: AssemblyCode::parse("OSCE-PA").unwrap(), starts_on: d("2023-01-01"), ends_on: Some(d("2024-12-05")) },
            Presidency { assembly: AssemblyCode::parse("PAM").unwrap(), starts_on: d("2024-12-06"), ends_on: None },
        ];
        assert_eq!(presidency_on(&terms, d("2024-12-05")).unwrap().assembly.as_str(), "OSCE-PA");
        assert_eq!(presidency_on(&terms, d("2024-12-06")).unwrap().assembly.as_str(), "PAM");
        assert!(presidency_on(&terms, d("2022-01-01")).is_none());
    }
}
