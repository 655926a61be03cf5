//! A cycle's questionnaire: the themes to rank, the regions to name, the kinds of activity.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::{FieldErrors, Iso3, KindCode, Labels, Lang, RegionCode, ThemeCode};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeDef {
    pub code: ThemeCode,
    pub labels: Labels,
    /// Codes of an earlier cycle that this theme continues (a rename or a merge).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaces: Vec<ThemeCode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionDef {
    pub code: RegionCode,
    pub labels: Labels,
    #[serde(default)]
    pub parent: Option<RegionCode>,
    /// Member countries. Empty for regions such as "Global" that are not a set of countries.
    #[serde(default)]
    pub countries: Vec<Iso3>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindDef {
    pub code: KindCode,
    pub labels: Labels,
}

/// The questionnaire's lists, in the order the form shows them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Questionnaire {
    pub themes: Vec<ThemeDef>,
    pub regions: Vec<RegionDef>,
    pub activity_kinds: Vec<KindDef>,
}

impl Questionnaire {
    pub fn theme(&self, code: &str) -> Option<&ThemeDef> {
        self.themes.iter().find(|t| t.code.as_str() == code)
    }

    pub fn region(&self, code: &str) -> Option<&RegionDef> {
        self.regions.iter().find(|r| r.code.as_str() == code)
    }

    pub fn kind(&self, code: &str) -> Option<&KindDef> {
        self.activity_kinds.iter().find(|k| k.code.as_str() == code)
    }

    /// The region and every region above it, nearest first.
    pub fn region_and_ancestors<'a>(&'a self, code: &'a RegionCode) -> Vec<&'a RegionCode> {
        let mut chain = vec![code];
        let mut current = code;
        while let Some(parent) = self.region(current.as_str()).and_then(|r| r.parent.as_ref()) {
            if chain.contains(&parent) {
                break; // a loop; validation rejects these, but never spin on bad data
            }
            chain.push(parent);
            current = parent;
        }
        chain
    }

    /// Top-level regions, each followed by its descendants: the order the form groups them in.
    pub fn regions_grouped(&self) -> Vec<(usize, &RegionDef)> {
        let mut out = Vec::new();
        fn visit<'a>(q: &'a Questionnaire, parent: Option<&RegionCode>, depth: usize, out: &mut Vec<(usize, &'a RegionDef)>) {
            for region in q.regions.iter().filter(|r| r.parent.as_ref() == parent) {
                out.push((depth, region));
                if depth < 8 {
                    visit(q, Some(&region.code), depth + 1, out);
                }
            }
        }
        visit(self, None, 0, &mut out);
        out
    }

    pub fn theme_label(&self, code: &str, lang: Lang) -> String {
        self.theme(code).map(|t| t.labels.get(lang).to_owned()).unwrap_or_else(|| code.to_owned())
    }

    /// Every rule a questionnaire obeys; paths are relative to the questionnaire's JSON.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.themes.is_empty() {
            errors.add("themes", "add at least one theme");
        }
        if self.regions.is_empty() {
            errors.add("regions", "add at least one region");
        }
        if self.activity_kinds.is_empty() {
            errors.add("activity_kinds", "add at least one activity kind");
        }
        check_unique(&mut errors, "themes", self.themes.iter().map(|t| t.code.as_str()));
        check_unique(&mut errors, "regions", self.regions.iter().map(|r| r.code.as_str()));
        check_unique(&mut errors, "activity_kinds", self.activity_kinds.iter().map(|k| k.code.as_str()));

        for (i, theme) in self.themes.iter().enumerate() {
            if let Err(e) = theme.labels.validate() {
                errors.merge_prefixed(&format!("themes[{i}].labels"), e);
            }
            if theme.replaces.contains(&theme.code) {
                errors.add(format!("themes[{i}].replaces"), "a theme cannot replace itself");
            }
            let current: BTreeSet<&str> = self.themes.iter().map(|t| t.code.as_str()).collect();
            for (j, old) in theme.replaces.iter().enumerate() {
                if old != &theme.code && current.contains(old.as_str()) {
                    errors.add(
                        format!("themes[{i}].replaces[{j}]"),
                        format!("{old} is still a theme of this questionnaire; a theme can only replace codes of earlier cycles"),
                    );
                }
            }
        }
        let parents: HashMap<&str, Option<&str>> =
            self.regions.iter().map(|r| (r.code.as_str(), r.parent.as_ref().map(RegionCode::as_str))).collect();
        for (i, region) in self.regions.iter().enumerate() {
            if let Err(e) = region.labels.validate() {
                errors.merge_prefixed(&format!("regions[{i}].labels"), e);
            }
            if let Some(parent) = &region.parent {
                if !parents.contains_key(parent.as_str()) {
                    errors.add(format!("regions[{i}].parent"), format!("{parent} is not a region of this questionnaire"));
                } else if has_parent_loop(&parents, region.code.as_str()) {
                    errors.add(format!("regions[{i}].parent"), "regions must not be their own ancestors");
                }
            }
            check_unique(&mut errors, &format!("regions[{i}].countries"), region.countries.iter().map(Iso3::as_str));
        }
        for (i, kind) in self.activity_kinds.iter().enumerate() {
            if let Err(e) = kind.labels.validate() {
                errors.merge_prefixed(&format!("activity_kinds[{i}].labels"), e);
            }
        }
        errors.finish(|| ())
    }
}

fn has_parent_loop(parents: &HashMap<&str, Option<&str>>, start: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut current = Some(start);
    while let Some(code) = current {
        if !seen.insert(code) {
            return true;
        }
        current = parents.get(code).copied().flatten();
    }
    false
}

fn check_unique<'a>(errors: &mut FieldErrors, path: &str, codes: impl Iterator<Item = &'a str>) {
    let mut seen = BTreeSet::new();
    for (i, code) in codes.enumerate() {
        if !seen.insert(code) {
            errors.add(format!("{path}[{i}]"), format!("{code} appears more than once"));
        }
    }
}

/// The activity kinds a cycle gets when its definition names none.
pub fn default_activity_kinds() -> Vec<KindDef> {
    let kind = |code: &str, en: &str, fr: &str, ar: &str, ru: &str| KindDef {
        code: KindCode::parse(code).expect("built-in kind codes are valid"),
        labels: Labels::new(en).with(Lang::Fr, fr).with(Lang::Ar, ar).with(Lang::Ru, ru),
    };
    vec![
        kind("conference", "Conference", "Conférence", "مؤتمر", "Конференция"),
        kind("workshop", "Workshop", "Atelier", "ورشة عمل", "Семинар"),
        kind("training", "Training", "Formation", "تدريب", "Обучение"),
        kind("field-visit", "Field visit", "Visite de terrain", "زيارة ميدانية", "Выездной визит"),
        kind("hearing", "Parliamentary hearing", "Audition parlementaire", "جلسة استماع برلمانية", "Парламентские слушания"),
        kind("publication", "Publication", "Publication", "منشور", "Публикация"),
        kind("meeting", "Meeting", "Réunion", "اجتماع", "Заседание"),
        kind("other", "Other", "Autre", "أخرى", "Другое"),
    ]
}
