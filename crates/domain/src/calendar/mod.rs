//! The calendar of activities: every planned activity of a submitted response and every event
//! the Secretariat enters (Mechanism meetings, UNOCT events), as one list of [`CalendarEntry`].
//!
//! - [`CalendarFilter`] is the one filter of the page, the JSON list, the exports and the feed.
//! - [`ics`] writes entries as iCalendar (RFC 5545) for calendar apps.
//! - [`joint`] is the joint-initiative rule: activities of different assemblies that share a
//!   theme and meet in time or in region.

pub mod ics;
pub mod joint;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::{ActivityStatus, AssemblyCode, CycleLabel, FieldErrors, Iso3, Location, RegionCode, ThemeCode, text};

/// Where an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A planned activity of an assembly's submitted response.
    Activity,
    /// An event the Secretariat entered.
    Event,
}

/// The kinds of event the Secretariat enters (activities take their kinds from the cycle).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    MechanismMeeting,
    UnoctEvent,
    OtherEvent,
}

impl EventKind {
    pub const ALL: [EventKind; 3] = [EventKind::MechanismMeeting, EventKind::UnoctEvent, EventKind::OtherEvent];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::MechanismMeeting => "mechanism-meeting",
            EventKind::UnoctEvent => "unoct-event",
            EventKind::OtherEvent => "other-event",
        }
    }

    pub fn parse(value: &str) -> Result<Self, String> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == value)
            .ok_or_else(|| format!("unknown event kind {value:?}: use mechanism-meeting, unoct-event or other-event"))
    }
}

/// One entry of the calendar.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalendarEntry {
    /// The activity's or event's id: stable across amendments, and the feed's UID.
    pub id: String,
    pub source: Source,
    /// The assembly whose activity this is; `None` for a Secretariat event.
    pub assembly: Option<AssemblyCode>,
    /// The cycle whose response planned it; `None` for a Secretariat event.
    pub cycle: Option<CycleLabel>,
    pub title: String,
    /// An activity kind of the cycle (`conference`, …) or an [`EventKind`].
    pub kind: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// UTC start and end times; without them the entry is all-day.
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    pub location: Option<Location>,
    pub online: bool,
    pub themes: Vec<ThemeCode>,
    pub regions: Vec<RegionCode>,
    pub partners: Vec<String>,
    pub status: ActivityStatus,
    pub updated_at: NaiveDateTime,
}

/// The filters of the calendar; each one left out matches everything. The period keeps every
/// entry that overlaps it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CalendarFilter {
    pub assembly: Option<AssemblyCode>,
    pub theme: Option<ThemeCode>,
    pub region: Option<RegionCode>,
    pub kind: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl CalendarFilter {
    pub fn matches(&self, e: &CalendarEntry) -> bool {
        self.assembly.as_ref().is_none_or(|a| e.assembly.as_ref() == Some(a))
            && self.theme.as_ref().is_none_or(|t| e.themes.contains(t))
            && self.region.as_ref().is_none_or(|r| e.regions.contains(r))
            && self.kind.as_deref().is_none_or(|k| e.kind == k)
            && self.from.is_none_or(|from| e.ends_on >= from)
            && self.to.is_none_or(|to| e.starts_on <= to)
    }

    /// Parses the filters as a query string carries them, naming each bad one.
    pub fn parse(raw: &RawFilter) -> Result<CalendarFilter, FieldErrors> {
        let mut errors = FieldErrors::new();
        let present = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let date = |errors: &mut FieldErrors, name: &str, s: &Option<String>| {
            present(s).and_then(|v| errors.check(name, v.parse::<NaiveDate>().map_err(|_| "give a date as YYYY-MM-DD")))
        };
        let filter = CalendarFilter {
            assembly: present(&raw.assembly).and_then(|v| errors.check("assembly", AssemblyCode::parse(&v))),
            theme: present(&raw.theme).and_then(|v| errors.check("theme", ThemeCode::parse(&v))),
            region: present(&raw.region).and_then(|v| errors.check("region", RegionCode::parse(&v))),
            kind: present(&raw.kind),
            from: date(&mut errors, "from", &raw.from),
            to: date(&mut errors, "to", &raw.to),
        };
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && to < from
        {
            errors.add("to", "the end of the period comes before its start; swap from and to");
        }
        errors.finish(|| filter)
    }
}

/// The filters as a query string or form carries them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawFilter {
    pub assembly: Option<String>,
    pub theme: Option<String>,
    pub region: Option<String>,
    pub kind: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// An event the Secretariat enters, as a form or JSON body carries it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: Option<String>,
    /// UTC, `HH:MM`.
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
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

/// A validated Secretariat event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub title: String,
    pub kind: EventKind,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub start_time: Option<NaiveTime>,
    pub end_time: Option<NaiveTime>,
    pub location: Option<Location>,
    pub online: bool,
    pub themes: Vec<ThemeCode>,
    pub regions: Vec<RegionCode>,
    pub partners: Vec<String>,
    pub status: ActivityStatus,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl EventInput {
    /// Every problem at once, each under its field's name.
    pub fn validate(&self) -> Result<Event, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = errors.check("title", text::single_line(&self.title, crate::response::MAX_TITLE));
        if title.as_deref().is_some_and(str::is_empty) {
            errors.add("title", "give the event a title");
        }
        let kind = errors.check("kind", EventKind::parse(self.kind.trim()));
        let starts_on =
            errors.check("starts_on", self.starts_on.trim().parse::<NaiveDate>().map_err(|_| "give the first day as YYYY-MM-DD"));
        let ends_on = match non_empty(&self.ends_on) {
            None => starts_on,
            Some(v) => errors
                .check("ends_on", v.parse::<NaiveDate>().map_err(|_| "give the last day as YYYY-MM-DD, or leave it empty for one day")),
        };
        if let (Some(s), Some(e)) = (starts_on, ends_on)
            && e < s
        {
            errors.add("ends_on", "the last day comes before the first day");
        }
        let time = |errors: &mut FieldErrors, name: &str, v: &Option<String>| {
            non_empty(v).and_then(|v| {
                errors.check(
                    name,
                    NaiveTime::parse_from_str(v, "%H:%M").map_err(|_| "give a UTC time as HH:MM, or leave it empty for an all-day event"),
                )
            })
        };
        let start_time = time(&mut errors, "start_time", &self.start_time);
        let end_time = time(&mut errors, "end_time", &self.end_time);
        if end_time.is_some() && start_time.is_none() && non_empty(&self.start_time).is_none() {
            errors.add("start_time", "give the start time too, or leave both times empty");
        }
        if let (Some(s), Some(e), Some(sd), Some(ed)) = (start_time, end_time, starts_on, ends_on)
            && ed.and_time(e) <= sd.and_time(s)
        {
            errors.add("end_time", "the event ends before it starts");
        }
        let city = match non_empty(&self.city) {
            None => None,
            Some(c) => errors.check("city", text::single_line(c, 100)),
        };
        let location = match non_empty(&self.country) {
            None => None,
            Some(c) => errors.check("country", Iso3::parse(&c.to_ascii_uppercase())).map(|country| Location { city, country }),
        };
        if !self.online && location.is_none() && errors.get("country").is_none() {
            errors.add("country", "give the country, or mark the event as online");
        }
        let themes: Vec<ThemeCode> =
            self.themes.iter().enumerate().filter_map(|(i, t)| errors.check(format!("themes[{i}]"), ThemeCode::parse(t.trim()))).collect();
        let regions: Vec<RegionCode> = self
            .regions
            .iter()
            .enumerate()
            .filter_map(|(i, r)| errors.check(format!("regions[{i}]"), RegionCode::parse(r.trim())))
            .collect();
        let partners: Vec<String> = self
            .partners
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.trim().is_empty())
            .filter_map(|(i, p)| errors.check(format!("partners[{i}]"), text::single_line(p, 100)))
            .collect();
        let status = match non_empty(&self.status) {
            None => ActivityStatus::Planned,
            Some(s) => errors.check("status", ActivityStatus::parse(s)).unwrap_or_default(),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Event {
            title: title.unwrap_or_default(),
            kind: kind.expect("checked above"),
            starts_on: starts_on.expect("checked above"),
            ends_on: ends_on.expect("checked above"),
            start_time,
            end_time,
            location,
            online: self.online,
            themes,
            regions,
            partners,
            status,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> EventInput {
        EventInput {
            title: "Seventh Meeting of the Coordination Mechanism".into(),
            kind: "mechanism-meeting".into(),
            starts_on: "2026-06-12".into(),
            country: Some("AUT".into()),
            city: Some("Vienna".into()),
            ..EventInput::default()
        }
    }

    #[test]
    fn a_one_day_event_without_times_is_all_day() {
        let e = event().validate().unwrap();
        assert_eq!(e.ends_on, e.starts_on);
        assert_eq!((e.start_time, e.end_time), (None, None));
        assert_eq!(e.location.unwrap().country.as_str(), "AUT");
    }

    #[test]
    fn every_bad_field_is_named() {
        let input = EventInput {
            kind: "party".into(),
            starts_on: "12/06/2026".into(),
            start_time: Some("25:00".into()),
            themes: vec!["Bad Code".into()],
            ..EventInput::default()
        };
        let errors = input.validate().unwrap_err();
        for field in ["title", "kind", "starts_on", "start_time", "country", "themes[0]"] {
            assert!(errors.get(field).is_some(), "{field} not reported: {errors}");
        }
    }

    #[test]
    fn an_end_before_the_start_is_refused() {
        let mut input = event();
        input.ends_on = Some("2026-06-11".into());
        assert!(input.validate().unwrap_err().get("ends_on").is_some());
        let mut input = event();
        input.start_time = Some("10:00".into());
        input.end_time = Some("09:00".into());
        assert!(input.validate().unwrap_err().get("end_time").is_some());
    }

    #[test]
    fn the_filter_keeps_entries_overlapping_the_period() {
        let raw = RawFilter {
            from: Some("2026-03-01".into()),
            to: Some("2026-03-31".into()),
            theme: Some("youth-pve".into()),
            ..RawFilter::default()
        };
        let filter = CalendarFilter::parse(&raw).unwrap();
        let entry = |start: &str, end: &str, theme: &str| CalendarEntry {
            id: "x".into(),
            source: Source::Event,
            assembly: None,
            cycle: None,
            title: "t".into(),
            kind: "other-event".into(),
            starts_on: start.parse().unwrap(),
            ends_on: end.parse().unwrap(),
            start_time: None,
            end_time: None,
            location: None,
            online: true,
            themes: vec![ThemeCode::parse(theme).unwrap()],
            regions: vec![],
            partners: vec![],
            status: ActivityStatus::Planned,
            updated_at: NaiveDateTime::default(),
        };
        assert!(filter.matches(&entry("2026-02-27", "2026-03-01", "youth-pve")));
        assert!(filter.matches(&entry("2026-03-31", "2026-04-02", "youth-pve")));
        assert!(!filter.matches(&entry("2026-04-01", "2026-04-02", "youth-pve")));
        assert!(!filter.matches(&entry("2026-03-10", "2026-03-10", "victims")));
        let bad = RawFilter {
            from: Some("2026-04-01".into()),
            to: Some("2026-03-01".into()),
            region: Some("MENA!".into()),
            ..RawFilter::default()
        };
        let errors = CalendarFilter::parse(&bad).unwrap_err();
        assert!(errors.get("to").is_some() && errors.get("region").is_some());
    }
}
