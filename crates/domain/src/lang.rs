//! The four languages of the survey and labels that fall back to English.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Fr,
    Ar,
    Ru,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::En, Lang::Fr, Lang::Ar, Lang::Ru];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Ar => "ar",
            Lang::Ru => "ru",
        }
    }

    /// Accepts `fr`, `FR`, `fr-CH`, `fr_FR`: the primary subtag decides.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// Text direction, for `<html dir>` and for charts.
    pub fn dir(self) -> &'static str {
        if self.is_rtl() { "rtl" } else { "ltr" }
    }

    pub fn is_rtl(self) -> bool {
        self == Lang::Ar
    }

    /// The language's own name, for a language switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
            Lang::Ar => "العربية",
            Lang::Ru => "Русский",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A label in several languages. English is required (it is the fallback); the others are optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Labels(BTreeMap<Lang, String>);

impl Labels {
    pub fn new(en: impl Into<String>) -> Self {
        let mut map = BTreeMap::new();
        map.insert(Lang::En, en.into());
        Self(map)
    }

    pub fn with(mut self, lang: Lang, text: impl Into<String>) -> Self {
        self.0.insert(lang, text.into());
        self
    }

    /// The label in `lang`, or in English when that translation is missing.
    pub fn get(&self, lang: Lang) -> &str {
        self.0.get(&lang).or_else(|| self.0.get(&Lang::En)).map(String::as_str).unwrap_or_default()
    }

    /// Whether a translation exists (without falling back).
    pub fn has(&self, lang: Lang) -> bool {
        self.0.contains_key(&lang)
    }

    pub fn iter(&self) -> impl Iterator<Item = (Lang, &str)> {
        self.0.iter().map(|(l, s)| (*l, s.as_str()))
    }

    /// Checks the rules every label obeys: English present, each text one trimmed line of at
    /// most 200 characters.
    pub fn validate(&self) -> Result<(), crate::FieldErrors> {
        let mut errors = crate::FieldErrors::new();
        if !self.0.contains_key(&Lang::En) {
            errors.add("en", "an English label is required (it is shown when a translation is missing)");
        }
        for (lang, text) in &self.0 {
            if let Err(e) = crate::text::single_line(text, 200) {
                errors.add(lang.code(), e.to_string());
            }
        }
        errors.finish(|| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_translations_fall_back_to_english() {
        let labels = Labels::new("Sahel").with(Lang::Fr, "Sahel (fr)");
        assert_eq!(labels.get(Lang::Fr), "Sahel (fr)");
        assert_eq!(labels.get(Lang::Ar), "Sahel");
    }

    #[test]
    fn language_tags_are_parsed_by_primary_subtag() {
        assert_eq!(Lang::parse("fr-CH"), Some(Lang::Fr));
        assert_eq!(Lang::parse("AR"), Some(Lang::Ar));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::Ar.dir(), "rtl");
    }

    #[test]
    fn labels_without_english_are_invalid() {
        let labels: Labels = serde_json::from_str(r#"{"fr": "Jeunesse"}"#).unwrap();
        assert!(labels.validate().unwrap_err().get("en").is_some());
    }
}
