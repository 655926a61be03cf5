//! Survey cycles: their definition (the body of `POST /api/v1/cycles`), status and window.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::questionnaire::{KindDef, Questionnaire, RegionDef, ThemeDef, default_activity_kinds};
use crate::{CycleLabel, FieldErrors};

/// Where a cycle is in its life: `draft → open → closed → published`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CycleStatus {
    Draft,
    Open,
    Closed,
    Published,
}

impl CycleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CycleStatus::Draft => "draft",
            CycleStatus::Open => "open",
            CycleStatus::Closed => "closed",
            CycleStatus::Published => "published",
        }
    }

    pub fn parse(value: &str) -> Result<CycleStatus, String> {
        match value {
            "draft" => Ok(CycleStatus::Draft),
            "open" => Ok(CycleStatus::Open),
            "closed" => Ok(CycleStatus::Closed),
            "published" => Ok(CycleStatus::Published),
            other => Err(format!("unknown cycle status {other:?}: use draft, open, closed or published")),
        }
    }

    /// The allowed moves: forward one step, or reopening a closed cycle (a deadline extension).
    pub fn can_become(self, next: CycleStatus) -> bool {
        use CycleStatus::*;
        matches!((self, next), (Draft, Open) | (Open, Closed) | (Closed, Published) | (Closed, Open))
    }
}

/// Share thresholds for Table 1's tiers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tiers {
    pub primary: f64,
    pub secondary: f64,
}

impl Default for Tiers {
    fn default() -> Self {
        Tiers { primary: 0.5, secondary: 0.25 }
    }
}

/// Whether a focal point can answer today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    NotYetOpen { opens_on: NaiveDate },
    Open { closes_on: NaiveDate },
    Closed,
}

/// A cycle with its questionnaire, as the Secretariat writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleDefinition {
    pub label: CycleLabel,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub max_ranked_themes: u8,
    pub tiers: Tiers,
    pub questionnaire: Questionnaire,
}

pub const DEFAULT_MAX_RANKED_THEMES: u8 = 5;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    label: CycleLabel,
    opens_on: NaiveDate,
    closes_on: NaiveDate,
    #[serde(default = "default_max")]
    max_ranked_themes: u8,
    #[serde(default)]
    tiers: Tiers,
    themes: Vec<ThemeDef>,
    regions: Vec<RegionDef>,
    #[serde(default = "default_activity_kinds")]
    activity_kinds: Vec<KindDef>,
}

fn default_max() -> u8 {
    DEFAULT_MAX_RANKED_THEMES
}

impl Serialize for CycleDefinition {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Wire {
            label: self.label.clone(),
            opens_on: self.opens_on,
            closes_on: self.closes_on,
            max_ranked_themes: self.max_ranked_themes,
            tiers: self.tiers,
            themes: self.questionnaire.themes.clone(),
            regions: self.questionnaire.regions.clone(),
            activity_kinds: self.questionnaire.activity_kinds.clone(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for CycleDefinition {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut w = Wire::deserialize(deserializer)?;
        // A region's countries are a set: keep them in one canonical order, so a definition
        // reads back from storage exactly as it was written.
        for region in &mut w.regions {
            region.countries.sort();
        }
        Ok(CycleDefinition {
            label: w.label,
            opens_on: w.opens_on,
            closes_on: w.closes_on,
            max_ranked_themes: w.max_ranked_themes,
            tiers: w.tiers,
            questionnaire: Questionnaire { themes: w.themes, regions: w.regions, activity_kinds: w.activity_kinds },
        })
    }
}

impl CycleDefinition {
    /// Parses a definition from JSON. Format errors name the JSON path; rule violations are
    /// all reported together.
    pub fn from_json(text: &str) -> Result<CycleDefinition, FieldErrors> {
        require_object(text)?;
        let de = &mut serde_json::Deserializer::from_str(text);
        let def: CycleDefinition = deserialize_with_path(de)?;
        def.validate()?;
        Ok(def)
    }

    /// Parses a definition from TOML (dates may be written bare, `opens_on = 2025-01-15`).
    /// Errors name the same paths as for JSON.
    pub fn from_toml(text: &str) -> Result<CycleDefinition, FieldErrors> {
        let value: toml::Value = toml::from_str(text).map_err(|e| FieldErrors::single("", format!("not valid TOML: {}", e.message())))?;
        let def: CycleDefinition = deserialize_with_path(toml_to_json(value))?;
        def.validate()?;
        Ok(def)
    }

    /// Parses JSON or TOML, telling them apart by the first character.
    pub fn from_text(text: &str) -> Result<CycleDefinition, FieldErrors> {
        if text.trim_start().starts_with('{') { Self::from_json(text) } else { Self::from_toml(text) }
    }

    /// The definition as TOML, for editing a copy.
    pub fn to_toml(&self) -> String {
        let json = serde_json::to_value(self).expect("definitions serialize");
        toml::to_string_pretty(&json_without_nulls(json)).expect("definitions serialize as TOML")
    }

    /// Every rule a definition obeys, beyond its format.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.closes_on < self.opens_on {
            errors.add("closes_on", "must be on or after opens_on");
        }
        let themes = self.questionnaire.themes.len();
        if self.max_ranked_themes == 0 || self.max_ranked_themes > 20 {
            errors.add("max_ranked_themes", "must be between 1 and 20");
        } else if themes > 0 && usize::from(self.max_ranked_themes) > themes {
            errors.add("max_ranked_themes", format!("must not exceed the number of themes ({themes})"));
        }
        let Tiers { primary, secondary } = self.tiers;
        if !(0.0..=1.0).contains(&primary) || !(0.0..=1.0).contains(&secondary) || secondary > primary {
            errors.add("tiers", "thresholds are shares between 0 and 1, with secondary at most primary (e.g. 0.5 and 0.25)");
        }
        if let Err(e) = self.questionnaire.validate() {
            errors.merge_prefixed("", e);
        }
        errors.finish(|| ())
    }

    /// Whether answers are accepted on `today`, given the cycle's status.
    pub fn window(&self, status: CycleStatus, today: NaiveDate) -> Window {
        match status {
            CycleStatus::Draft => Window::NotYetOpen { opens_on: self.opens_on },
            CycleStatus::Open if today < self.opens_on => Window::NotYetOpen { opens_on: self.opens_on },
            CycleStatus::Open if today <= self.closes_on => Window::Open { closes_on: self.closes_on },
            _ => Window::Closed,
        }
    }
}

fn toml_to_json(value: toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(s) => serde_json::Value::String(s),
        toml::Value::Integer(i) => serde_json::Value::from(i),
        toml::Value::Float(f) => serde_json::Value::from(f),
        toml::Value::Boolean(b) => serde_json::Value::Bool(b),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => serde_json::Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect()),
    }
}

/// TOML has no null: absent members stand for it.
fn json_without_nulls(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            serde_json::Value::Object(map.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, json_without_nulls(v))).collect())
        }
        serde_json::Value::Array(items) => serde_json::Value::Array(items.into_iter().map(json_without_nulls).collect()),
        other => other,
    }
}

/// Deserializes with the failing field's path in the error (`themes[2].code`).
pub fn deserialize_with_path<'de, D, T>(de: D) -> Result<T, FieldErrors>
where
    D: serde::Deserializer<'de>,
    D::Error: std::fmt::Display,
    T: Deserialize<'de>,
{
    serde_path_to_error::deserialize(de).map_err(|e| {
        // `.` is the document itself; `?` a place the parser could not name (a broken key):
        // neither is a path a person can look up.
        let path = e.path().to_string();
        let path = path.split('.').filter(|s| !s.is_empty() && *s != "?").collect::<Vec<_>>().join(".");
        FieldErrors::single(path, e.into_inner().to_string())
    })
}

/// A JSON document that must be an object: serde would also read a struct from an array of its
/// fields in order, which no client means and whose errors name positions, not fields.
pub fn object_with_path<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, FieldErrors> {
    if !value.is_object() {
        return Err(not_an_object());
    }
    deserialize_with_path(value)
}

fn not_an_object() -> FieldErrors {
    FieldErrors::single("", "the document must be a JSON object: {\"member\": value, …}")
}

/// Refuses JSON text whose document is not an object, before parsing it.
pub(crate) fn require_object(text: &str) -> Result<(), FieldErrors> {
    if text.trim_start().starts_with('{') { Ok(()) } else { Err(not_an_object()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RegionCode;

    const MINIMAL: &str = r#"{
        "label": "2025", "opens_on": "2024-10-01", "closes_on": "2024-11-30",
        "themes": [
            {"code": "youth-pve", "labels": {"en": "Youth and PVE", "fr": "Jeunesse et PEV"}},
            {"code": "ai-tech", "labels": {"en": "AI and new technologies"}, "replaces": ["new-tech"]}
        ],
        "regions": [
            {"code": "africa", "labels": {"en": "Africa"}, "countries": ["MLI", "NER"]},
            {"code": "sahel", "labels": {"en": "Sahel"}, "parent": "africa", "countries": ["MLI", "NER"]}
        ],
        "max_ranked_themes": 2
    }"#;

    #[test]
    fn the_contract_example_parses_with_defaults() {
        let def = CycleDefinition::from_json(MINIMAL).unwrap();
        assert_eq!(def.tiers, Tiers::default());
        assert_eq!(def.questionnaire.activity_kinds.len(), 8);
        let sahel = RegionCode::parse("sahel").unwrap();
        let chain = def.questionnaire.region_and_ancestors(&sahel);
        assert_eq!(chain.iter().map(|c| c.as_str()).collect::<Vec<_>>(), ["sahel", "africa"]);
    }

    #[test]
    fn format_errors_name_the_path() {
        let bad = MINIMAL.replace("\"youth-pve\"", "\"Youth PVE\"");
        let errors = CycleDefinition::from_json(&bad).unwrap_err();
        assert!(errors.get("themes[0].code").is_some(), "{errors}");
        let unknown = MINIMAL.replace("\"max_ranked_themes\"", "\"max_ranked\"");
        assert!(CycleDefinition::from_json(&unknown).unwrap_err().to_string().contains("max_ranked"));
    }

    #[test]
    fn rule_errors_are_collected() {
        let bad = MINIMAL
            .replace("\"closes_on\": \"2024-11-30\"", "\"closes_on\": \"2024-09-30\"")
            .replace("\"parent\": \"africa\"", "\"parent\": \"asia\"")
            .replace("\"max_ranked_themes\": 2", "\"max_ranked_themes\": 3");
        let errors = CycleDefinition::from_json(&bad).unwrap_err();
        assert!(errors.get("closes_on").is_some(), "{errors}");
        assert!(errors.get("regions[1].parent").is_some(), "{errors}");
        assert!(errors.get("max_ranked_themes").is_some(), "{errors}");
    }

    #[test]
    fn status_moves_forward_or_reopens() {
        assert!(CycleStatus::Draft.can_become(CycleStatus::Open));
        assert!(CycleStatus::Closed.can_become(CycleStatus::Open));
        assert!(!CycleStatus::Published.can_become(CycleStatus::Draft));
        assert!(!CycleStatus::Draft.can_become(CycleStatus::Published));
    }

    #[test]
    fn the_window_follows_status_and_dates() {
        let def = CycleDefinition::from_json(MINIMAL).unwrap();
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(matches!(def.window(CycleStatus::Open, day("2024-09-01")), Window::NotYetOpen { .. }));
        assert!(matches!(def.window(CycleStatus::Open, day("2024-11-30")), Window::Open { .. }));
        assert_eq!(def.window(CycleStatus::Open, day("2024-12-01")), Window::Closed);
        assert_eq!(def.window(CycleStatus::Closed, day("2024-11-01")), Window::Closed);
    }
}
