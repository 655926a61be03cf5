//! The interface in four languages with Fluent (`locales/{en,fr,ar,ru}/*.ftl`, compiled in).
//! The language comes from the switcher (`/lang/{code}`, which sets a cookie), then that
//! cookie, then the browser's Accept-Language, then English.

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use barometer_domain::Lang;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{Loader, static_loader};
use unic_langid::{LanguageIdentifier, langid};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Arguments are plain text inside already-directed pages; isolation marks would show
        // up in exports and tests as stray characters.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

pub const LANG_COOKIE: &str = "barometer_lang";

fn langid(lang: Lang) -> LanguageIdentifier {
    match lang {
        Lang::En => langid!("en"),
        Lang::Fr => langid!("fr"),
        Lang::Ar => langid!("ar"),
        Lang::Ru => langid!("ru"),
    }
}

/// The caller's interface language, with the lookups templates use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ui {
    pub lang: Lang,
}

impl Ui {
    pub fn new(lang: Lang) -> Self {
        Ui { lang }
    }

    /// The message `key`; a missing key shows as the key itself (and a test keeps every key in
    /// every language).
    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(&langid(self.lang), key)
    }

    /// The message `key` with one argument.
    pub fn t1(&self, key: &str, name: &str, value: impl ToString) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue<'_>> = HashMap::new();
        args.insert(Cow::Owned(name.to_owned()), FluentValue::from(value.to_string()));
        LOCALES.lookup_with_args(&langid(self.lang), key, &args)
    }

    /// The message `key` with two arguments.
    pub fn t2(&self, key: &str, a: (&str, String), b: (&str, String)) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue<'_>> = HashMap::new();
        args.insert(Cow::Owned(a.0.to_owned()), FluentValue::from(a.1));
        args.insert(Cow::Owned(b.0.to_owned()), FluentValue::from(b.1));
        LOCALES.lookup_with_args(&langid(self.lang), key, &args)
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn dir(&self) -> &'static str {
        self.lang.dir()
    }

    /// Every language, for the switcher.
    pub fn languages(&self) -> Vec<(&'static str, &'static str, bool)> {
        Lang::ALL.iter().map(|l| (l.code(), l.native_name(), *l == self.lang)).collect()
    }

    /// Whether a message exists in this language without falling back.
    pub fn has(&self, key: &str) -> bool {
        LOCALES.try_lookup(&langid(self.lang), key).is_some()
    }
}

/// Wraps left-to-right data (dates, codes, numbers with hyphens) in a Unicode isolate, so it
/// keeps its order inside right-to-left sentences.
pub fn ltr(text: impl std::fmt::Display) -> String {
    format!("\u{2066}{text}\u{2069}")
}

/// Picks the language: cookie first (the switcher sets it), then Accept-Language.
pub fn negotiate(req: &HttpRequest) -> Lang {
    if let Some(lang) = req.cookie(LANG_COOKIE).and_then(|c| Lang::parse(c.value())) {
        return lang;
    }
    let header = req.headers().get(actix_web::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    accept_language(header).unwrap_or(Lang::En)
}

/// The supported language the browser prefers most (`fr-CH;q=0.9, ar;q=0.8` → fr).
pub fn accept_language(header: &str) -> Option<Lang> {
    let mut choices: Vec<(f32, usize, Lang)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let lang = Lang::parse(pieces.next()?.trim())?;
            let q = pieces.find_map(|p| p.trim().strip_prefix("q=")?.parse::<f32>().ok()).unwrap_or(1.0);
            (q > 0.0).then_some((q, i, lang))
        })
        .collect();
    choices.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    choices.first().map(|c| c.2)
}

impl FromRequest for Ui {
    type Error = actix_web::Error;
    type Future = Ready<Result<Ui, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Ui::new(negotiate(req))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_honours_quality_and_order() {
        assert_eq!(accept_language("de-DE, fr-CH;q=0.9, ar;q=0.8"), Some(Lang::Fr));
        assert_eq!(accept_language("ar;q=0.5, ru;q=0.7"), Some(Lang::Ru));
        assert_eq!(accept_language("de, it"), None);
        assert_eq!(accept_language("fr;q=0, ru"), Some(Lang::Ru));
    }

    fn keys(lang: Lang) -> std::collections::BTreeSet<String> {
        let path = format!("{}/locales/{}/main.ftl", env!("CARGO_MANIFEST_DIR"), lang.code());
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with(['#', ' ', '.']) && l.contains(" ="))
            .map(|l| l.split(" =").next().unwrap().trim().to_owned())
            .collect()
    }

    #[test]
    fn every_message_exists_in_every_language() {
        let english = keys(Lang::En);
        assert!(english.len() > 20, "found only {} keys", english.len());
        for lang in [Lang::Fr, Lang::Ar, Lang::Ru] {
            let other = keys(lang);
            let missing: Vec<_> = english.difference(&other).collect();
            let extra: Vec<_> = other.difference(&english).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{lang} lacks {missing:?} and has unknown {extra:?}");
            assert!(Ui::new(lang).has("landing-title"), "{lang} messages are compiled in");
        }
    }

    #[test]
    fn arguments_are_filled_in() {
        assert_eq!(Ui::new(Lang::Fr).t1("your-assembly", "name", "PAM"), "Votre assemblée : PAM");
    }
}
