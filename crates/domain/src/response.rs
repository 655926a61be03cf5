//! An assembly's answer to a cycle: ranked themes, priority regions, planned activities.
//!
//! [`ResponseInput`] is what a form or a JSON body carries (plain strings, so that every problem
//! can be reported at once, next to its field); [`ResponseInput::validate`] is the only way to a
//! [`ResponseContent`], whose values are known to be valid for the cycle.

use std::collections::BTreeSet;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{CycleDefinition, FieldErrors, Iso3, KindCode, RegionCode, ThemeCode, text};

pub const MAX_ACTIVITIES: usize = 100;
pub const MAX_PARTNERS: usize = 20;
pub const MAX_TITLE: usize = 200;
pub const MAX_COMMENT: usize = 5000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResponseStatus {
    Draft,
    Submitted,
}

impl ResponseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseStatus::Draft => "draft",
            ResponseStatus::Submitted => "submitted",
        }
    }

    pub fn parse(value: &str) -> Result<Self, String> {
        match value {
            "draft" => Ok(Self::Draft),
            "submitted" => Ok(Self::Submitted),
            other => Err(format!("unknown response status {other:?}: use draft or submitted")),
        }
    }
}

/// Where an activity stands; set by its assembly or by the Secretariat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActivityStatus {
    #[default]
    Planned,
    Confirmed,
    Held,
    Cancelled,
}

impl ActivityStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityStatus::Planned => "planned",
            ActivityStatus::Confirmed => "confirmed",
            ActivityStatus::Held => "held",
            ActivityStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(value: &str) -> Result<Self, String> {
        match value {
            "planned" => Ok(Self::Planned),
            "confirmed" => Ok(Self::Confirmed),
            "held" => Ok(Self::Held),
            "cancelled" => Ok(Self::Cancelled),
            other => Err(format!("unknown activity status {other:?}: use planned, confirmed, held or cancelled")),
        }
    }
}

/// A response body as sent by a client (`PUT …/responses/{assembly}`) or built from a form.
/// The read-only members of a fetched response (`assembly`, `version`, …) are accepted and
/// ignored, so a client can send back what it fetched; anything else unknown is an error, so a
/// misspelt member is never silently dropped.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseInput {
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub activities: Vec<ActivityInput>,
    #[serde(default)]
    pub comment: String,
    #[serde(default, skip_serializing)]
    assembly: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    cycle: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    status: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    version: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    updated_at: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    submitted_at: Option<serde_json::Value>,
    #[serde(default, skip_serializing)]
    receipt: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityInput {
    /// The id of an existing activity, to keep its identity (and its calendar UID) across edits.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: Option<String>,
    #[serde(default)]
    pub location: Option<LocationInput>,
    #[serde(default)]
    pub online: bool,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub partners: Vec<String>,
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocationInput {
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub country: String,
}

/// A validated response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseContent {
    pub themes: Vec<ThemeCode>,
    pub regions: Vec<RegionCode>,
    pub activities: Vec<Activity>,
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    pub id: Option<String>,
    pub title: String,
    pub kind: KindCode,
    #[serde(serialize_with = "iso_date")]
    pub starts_on: NaiveDate,
    #[serde(serialize_with = "iso_date")]
    pub ends_on: NaiveDate,
    pub location: Option<Location>,
    pub online: bool,
    pub themes: Vec<ThemeCode>,
    pub regions: Vec<RegionCode>,
    pub partners: Vec<String>,
    pub status: ActivityStatus,
    /// Whether the sender stated the status. A save without one leaves a stored activity's
    /// status alone (it may have been set by the Secretariat); a stored activity has one.
    #[serde(skip)]
    pub status_given: bool,
}

/// A date that serializes as chrono's own `Serialize` writes it (`2026-03-10`), for views that
/// serialize an activity's dates themselves (see [`iso_date`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsoDate(pub NaiveDate);

impl Serialize for IsoDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        iso_date(&self.0, serializer)
    }
}

/// Writes a date as chrono's own `Serialize` does (`2026-03-10`), without its way through
/// `Debug`, which writes one character at a time: that was a third of the instructions of
/// serializing a response with two activities (callgrind: 243 million instructions for 20,000
/// responses before, 186 million after), and each submission serializes its content three times
/// (the audit entry's two documents and the receipt) besides the answer. Years outside 0–9999,
/// which no validated activity has, go through chrono.
fn iso_date<S: serde::Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
    use chrono::Datelike;
    let Ok(year @ 0..=9999) = u32::try_from(date.year()) else { return date.serialize(serializer) };
    let digit = |n: u32| b'0' + (n % 10) as u8;
    let (month, day) = (date.month(), date.day());
    let text = [
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        digit(month / 10),
        digit(month),
        b'-',
        digit(day / 10),
        digit(day),
    ];
    serializer.serialize_str(std::str::from_utf8(&text).expect("ASCII digits and dashes"))
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Location {
    pub city: Option<String>,
    pub country: Iso3,
}

/// What the rules are checked for: saving a draft allows an incomplete answer, submitting does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Draft,
    Submit,
}

impl ResponseInput {
    pub fn new(themes: Vec<String>, regions: Vec<String>, activities: Vec<ActivityInput>, comment: String) -> Self {
        ResponseInput { themes, regions, activities, comment, ..Default::default() }
    }

    /// Reads a JSON body straight into a `ResponseInput` when it is exactly one: valid JSON, an
    /// object, no unknown member, no member given twice (serde's derive refuses a repeated
    /// member of these structs, at every depth), and none of the read-only members a fetched
    /// response carries (they are read as JSON values, in which a repeated member would go
    /// unseen). `None` for anything else: read it as a value then, which tells what is wrong and
    /// where (`cycle::object_with_path`). Building that value first took as long as the rest of
    /// a submission's parsing and validation; a body that passes here gives what that way gives.
    pub fn from_exact_json(body: &[u8]) -> Option<ResponseInput> {
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return None;
        }
        let input: ResponseInput = serde_json::from_slice(body).ok()?;
        let echoed = [&input.assembly, &input.cycle, &input.status, &input.version, &input.updated_at, &input.submitted_at, &input.receipt];
        echoed.iter().all(|member| member.is_none()).then_some(input)
    }

    /// Parses a JSON body, naming the path of a malformed member.
    pub fn from_json(text: &str) -> Result<ResponseInput, FieldErrors> {
        crate::cycle::require_object(text)?;
        let de = &mut serde_json::Deserializer::from_str(text);
        crate::cycle::deserialize_with_path(de)
    }

    /// Checks every rule against the cycle and returns the typed response, or every problem.
    pub fn validate(&self, cycle: &CycleDefinition, purpose: Purpose) -> Result<ResponseContent, FieldErrors> {
        let mut errors = FieldErrors::new();
        let q = &cycle.questionnaire;
        let max = usize::from(cycle.max_ranked_themes);

        let themes = codes(&mut errors, "themes", &self.themes, |c| q.theme(c).map(|t| t.code.clone()), "theme");
        if self.themes.len() > max {
            errors.add("themes", format!("rank at most {max} themes; you ranked {}", self.themes.len()));
        }
        if purpose == Purpose::Submit && self.themes.is_empty() {
            errors.add("themes", "rank at least one theme before submitting");
        }
        let regions = codes(&mut errors, "regions", &self.regions, |c| q.region(c).map(|r| r.code.clone()), "region");

        if self.activities.len() > MAX_ACTIVITIES {
            errors.add("activities", format!("at most {MAX_ACTIVITIES} activities per response"));
        }
        let earliest = cycle.opens_on.checked_sub_months(Months::new(12)).unwrap_or(cycle.opens_on);
        let latest = cycle.closes_on.checked_add_months(Months::new(36)).unwrap_or(cycle.closes_on);
        let mut activities = Vec::new();
        let mut ids = BTreeSet::new();
        for (i, input) in self.activities.iter().enumerate().take(MAX_ACTIVITIES) {
            match input.validate(cycle, earliest, latest) {
                Ok(activity) => {
                    if let Some(id) = &activity.id
                        && !ids.insert(id.clone())
                    {
                        errors.add(format!("activities[{i}].id"), "two activities carry the same id");
                    }
                    activities.push(activity);
                }
                Err(e) => errors.merge_prefixed(&format!("activities[{i}]"), e),
            }
        }
        let comment = errors.check("comment", text::multi_line(&self.comment, MAX_COMMENT));
        errors.finish(|| ResponseContent { themes, regions, activities, comment: comment.unwrap_or_default() })
    }
}

impl ActivityInput {
    fn validate(&self, cycle: &CycleDefinition, earliest: NaiveDate, latest: NaiveDate) -> Result<Activity, FieldErrors> {
        let mut errors = FieldErrors::new();
        let q = &cycle.questionnaire;
        let id = match &self.id {
            Some(id) if !is_uuid(id) => {
                errors.add("id", "not an activity id; omit it to add a new activity");
                None
            }
            other => other.clone(),
        };
        let title = errors.check("title", text::single_line(&self.title, MAX_TITLE));
        let kind = match q.kind(self.kind.trim()) {
            Some(k) => Some(k.code.clone()),
            None if self.kind.trim().is_empty() => {
                errors.add("kind", "choose the kind of activity");
                None
            }
            None => {
                errors.add("kind", format!("{:?} is not an activity kind of this cycle", short(&self.kind)));
                None
            }
        };
        let starts_on = date(&mut errors, "starts_on", &self.starts_on, earliest, latest);
        let ends_on = match &self.ends_on {
            Some(raw) if !raw.trim().is_empty() => date(&mut errors, "ends_on", raw, earliest, latest),
            _ => starts_on,
        };
        if let (Some(start), Some(end)) = (starts_on, ends_on)
            && end < start
        {
            errors.add("ends_on", "must be on or after the start date");
        }
        let location = match &self.location {
            Some(loc) if !(loc.city.trim().is_empty() && loc.country.trim().is_empty()) => {
                let city = if loc.city.trim().is_empty() { None } else { errors.check("location.city", text::single_line(&loc.city, 100)) };
                let country = if loc.country.trim().is_empty() {
                    errors.add("location.country", "choose the country where the activity takes place");
                    None
                } else {
                    errors.check("location.country", Iso3::parse(loc.country.trim()))
                };
                country.map(|country| Location { city, country })
            }
            _ => None,
        };
        if !self.online && self.location.as_ref().is_none_or(|l| l.country.trim().is_empty()) && errors.get("location.country").is_none() {
            errors.add("location.country", "give the country, or mark the activity as online");
        }
        let themes = codes(&mut errors, "themes", &self.themes, |c| q.theme(c).map(|t| t.code.clone()), "theme");
        let regions = codes(&mut errors, "regions", &self.regions, |c| q.region(c).map(|r| r.code.clone()), "region");
        if self.partners.len() > MAX_PARTNERS {
            errors.add("partners", format!("at most {MAX_PARTNERS} partners"));
        }
        let mut partners = Vec::new();
        for (i, p) in self.partners.iter().enumerate().take(MAX_PARTNERS) {
            if let Some(p) = errors.check(format!("partners[{i}]"), text::single_line(p, 100)) {
                partners.push(p);
            }
        }
        let status = match &self.status {
            None => ActivityStatus::Planned,
            Some(s) => errors.check("status", ActivityStatus::parse(s)).unwrap_or_default(),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Activity {
            id,
            title: title.unwrap_or_default(),
            kind: kind.expect("checked above"),
            starts_on: starts_on.expect("checked above"),
            ends_on: ends_on.expect("checked above"),
            location,
            online: self.online,
            themes,
            regions,
            partners,
            status,
            status_given: self.status.is_some(),
        })
    }
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36 && s.char_indices().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() })
}

/// Resolves codes against the questionnaire, reporting unknown ones and repeats by index.
fn codes<T: Clone + PartialEq>(
    errors: &mut FieldErrors,
    path: &str,
    raw: &[String],
    lookup: impl Fn(&str) -> Option<T>,
    what: &str,
) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for (i, code) in raw.iter().enumerate() {
        match lookup(code.trim()) {
            Some(value) if out.contains(&value) => {
                errors.add(format!("{path}[{i}]"), format!("{} is chosen more than once", short(code)));
            }
            Some(value) => out.push(value),
            None => errors.add(format!("{path}[{i}]"), format!("{:?} is not a {what} of this cycle's questionnaire", short(code))),
        }
    }
    out
}

fn date(errors: &mut FieldErrors, path: &str, raw: &str, earliest: NaiveDate, latest: NaiveDate) -> Option<NaiveDate> {
    let raw = raw.trim();
    if raw.is_empty() {
        errors.add(path, "enter a date (YYYY-MM-DD)");
        return None;
    }
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Err(_) => {
            errors.add(path, format!("{:?} is not a date; use YYYY-MM-DD, e.g. 2025-03-10", short(raw)));
            None
        }
        Ok(d) if d < earliest || d > latest => {
            errors.add(path, format!("must be between {earliest} and {latest} for this cycle"));
            None
        }
        Ok(d) => Some(d),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small cycle for tests: three themes, Africa with the Sahel under it, at most two ranked.
    pub(crate) fn cycle() -> CycleDefinition {
        CycleDefinition::from_json(
            r#"{"label": "2025", "opens_on": "2025-01-15", "closes_on": "2025-03-31", "max_ranked_themes": 2,
                "themes": [{"code": "youth-pve", "labels": {"en": "Youth"}}, {"code": "victims", "labels": {"en": "Victims"}},
                           {"code": "cyber", "labels": {"en": "Cyber"}}],
                "regions": [{"code": "africa", "labels": {"en": "Africa"}}, {"code": "sahel", "labels": {"en": "Sahel"}, "parent": "africa"}]}"#,
        )
        .unwrap()
    }

    fn activity() -> ActivityInput {
        ActivityInput {
            title: "Regional conference".into(),
            kind: "conference".into(),
            starts_on: "2025-03-10".into(),
            ends_on: Some("2025-03-11".into()),
            location: Some(LocationInput { city: "Rome".into(), country: "ITA".into() }),
            themes: vec!["youth-pve".into()],
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_response_becomes_typed() {
        let input = ResponseInput::new(vec!["victims".into(), "youth-pve".into()], vec!["sahel".into()], vec![activity()], " ok ".into());
        let content = input.validate(&cycle(), Purpose::Submit).unwrap();
        assert_eq!(content.themes[0].as_str(), "victims");
        assert_eq!(content.activities[0].ends_on.to_string(), "2025-03-11");
        assert_eq!(content.comment, "ok");
    }

    #[test]
    fn each_rule_names_its_field() {
        let mut bad = activity();
        bad.title = "  ".into();
        bad.ends_on = Some("2025-03-01".into());
        bad.location = Some(LocationInput { city: "X".into(), country: "XYZ".into() });
        let mut far = activity();
        far.starts_on = "1900-01-01".into();
        let input = ResponseInput::new(
            vec!["youth-pve".into(), "youth-pve".into(), "nope".into()],
            vec!["mars".into()],
            vec![bad, far],
            String::new(),
        );
        let errors = input.validate(&cycle(), Purpose::Draft).unwrap_err();
        for path in [
            "themes",
            "themes[1]",
            "themes[2]",
            "regions[0]",
            "activities[0].title",
            "activities[0].ends_on",
            "activities[0].location.country",
            "activities[1].starts_on",
        ] {
            assert!(errors.get(path).is_some(), "no error at {path}: {errors}");
        }
    }

    #[test]
    fn submitting_needs_a_theme_but_a_draft_does_not() {
        let empty = ResponseInput::default();
        assert!(empty.validate(&cycle(), Purpose::Draft).is_ok());
        assert!(empty.validate(&cycle(), Purpose::Submit).unwrap_err().get("themes").is_some());
    }

    #[test]
    fn read_only_members_are_ignored_but_typos_are_not() {
        assert!(ResponseInput::from_json(r#"{"themes": ["cyber"], "version": 3, "assembly": "PAM"}"#).is_ok());
        let errors = ResponseInput::from_json(r#"{"theme": ["cyber"]}"#).unwrap_err();
        assert!(errors.to_string().contains("theme"), "{errors}");
    }

    #[test]
    fn online_activities_need_no_place_but_others_do() {
        let mut online = activity();
        online.location = None;
        online.online = true;
        let mut nowhere = activity();
        nowhere.location = None;
        let input = ResponseInput::new(vec![], vec![], vec![online, nowhere], String::new());
        let errors = input.validate(&cycle(), Purpose::Draft).unwrap_err();
        assert!(errors.get("activities[0].location.country").is_none());
        assert!(errors.get("activities[1].location.country").is_some());
    }

    #[test]
    fn dates_serialize_exactly_as_chrono_writes_them() {
        let ours = |d: NaiveDate| serde_json::to_string(&IsoDate(d)).unwrap();
        let chrono = |d: NaiveDate| serde_json::to_string(&d).unwrap();
        use chrono::Datelike;
        // Every day of the years a cycle can name, and the edges of the fast path and beyond.
        let mut day = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
        while day.year() < 2110 {
            assert_eq!(ours(day), chrono(day));
            day = day.succ_opt().unwrap();
        }
        for (y, m, d) in
            [(0, 1, 1), (9, 9, 9), (999, 12, 31), (1000, 1, 1), (9999, 12, 31), (10000, 1, 1), (-1, 12, 31), (-44, 3, 15), (262_000, 6, 30)]
        {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(ours(date), chrono(date), "{y}-{m}-{d}");
        }
        assert_eq!(ours(NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()), r#""2026-03-10""#);
    }
}
