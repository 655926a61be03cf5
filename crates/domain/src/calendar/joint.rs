//! Joint-initiative suggestions. The outcome document notes growing joint initiatives among the
//! assemblies; this rule finds pairs of activities of different assemblies that share a theme
//! and meet in time (at most `window_days` apart) or in region, and says why.
//!
//! A suggestion is a pair, keyed by its two activity ids in order: the key does not change when
//! either activity is amended (ids are kept across amendments) or when other activities come
//! and go, so a mark the Secretariat set ("dismissed") stays with it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{CalendarEntry, Source};
use crate::{ActivityStatus, AssemblyCode, RegionCode, ThemeCode};

/// The window when none is configured.
pub const DEFAULT_WINDOW_DAYS: u32 = 30;
/// The widest window accepted (a year).
pub const MAX_WINDOW_DAYS: u32 = 366;

/// The Secretariat's mark on a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    Proposed,
    Agreed,
    Dismissed,
}

impl Mark {
    pub const ALL: [Mark; 3] = [Mark::Proposed, Mark::Agreed, Mark::Dismissed];

    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Proposed => "proposed",
            Mark::Agreed => "agreed",
            Mark::Dismissed => "dismissed",
        }
    }

    pub fn parse(value: &str) -> Result<Mark, String> {
        Mark::ALL
            .into_iter()
            .find(|m| m.as_str() == value)
            .ok_or_else(|| format!("unknown mark {value:?}: use proposed, agreed or dismissed"))
    }
}

/// One suggested pair and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// `ID1+ID2`, the ids in order.
    pub key: String,
    /// The two activities' ids, in the key's order.
    pub activities: [String; 2],
    pub assemblies: [AssemblyCode; 2],
    /// Every theme both activities carry.
    pub themes: Vec<ThemeCode>,
    /// Days between the end of the first and the start of the second (0 when they overlap).
    pub days_apart: i64,
    /// Whether `days_apart` is within the window (one of the two reasons).
    pub within_window: bool,
    /// Every region both activities name (the other reason).
    pub shared_regions: Vec<RegionCode>,
}

/// The key of the pair `a`, `b`, whichever order they come in.
pub fn key(a: &str, b: &str) -> String {
    if a <= b { format!("{a}+{b}") } else { format!("{b}+{a}") }
}

/// Every suggested pair among `entries`: activities (not Secretariat events, not cancelled) of
/// different assemblies sharing a theme, at most `window_days` apart or naming a common region.
/// Ordered by the earlier start date, then by key.
pub fn suggest(entries: &[CalendarEntry], window_days: u32) -> Vec<Suggestion> {
    let candidates: Vec<&CalendarEntry> =
        entries.iter().filter(|e| e.source == Source::Activity && e.status != ActivityStatus::Cancelled && e.assembly.is_some()).collect();
    let mut found: BTreeMap<String, (chrono::NaiveDate, Suggestion)> = BTreeMap::new();
    for (i, a) in candidates.iter().enumerate() {
        for b in &candidates[i + 1..] {
            let (Some(aa), Some(ba)) = (&a.assembly, &b.assembly) else { continue };
            if aa == ba || a.id == b.id {
                continue;
            }
            let themes: Vec<ThemeCode> = a.themes.iter().filter(|t| b.themes.contains(t)).cloned().collect();
            if themes.is_empty() {
                continue;
            }
            let days_apart = gap_days(a, b);
            let within_window = days_apart <= i64::from(window_days);
            let shared_regions: Vec<RegionCode> = a.regions.iter().filter(|r| b.regions.contains(r)).cloned().collect();
            if !within_window && shared_regions.is_empty() {
                continue;
            }
            let (first, second) = if a.id <= b.id { (a, b) } else { (b, a) };
            let key = key(&first.id, &second.id);
            let suggestion = Suggestion {
                key: key.clone(),
                activities: [first.id.clone(), second.id.clone()],
                assemblies: [first.assembly.clone().expect("filtered"), second.assembly.clone().expect("filtered")],
                themes,
                days_apart,
                within_window,
                shared_regions,
            };
            found.insert(key, (a.starts_on.min(b.starts_on), suggestion));
        }
    }
    let mut out: Vec<(chrono::NaiveDate, Suggestion)> = found.into_values().collect();
    out.sort_by(|x, y| x.0.cmp(&y.0).then_with(|| x.1.key.cmp(&y.1.key)));
    out.into_iter().map(|(_, s)| s).collect()
}

/// Whole days between two date ranges; 0 when they overlap.
fn gap_days(a: &CalendarEntry, b: &CalendarEntry) -> i64 {
    if a.ends_on < b.starts_on {
        (b.starts_on - a.ends_on).num_days()
    } else if b.ends_on < a.starts_on {
        (a.starts_on - b.ends_on).num_days()
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDateTime;

    use super::*;

    fn activity(id: &str, assembly: &str, start: &str, themes: &[&str], regions: &[&str]) -> CalendarEntry {
        CalendarEntry {
            id: id.into(),
            source: Source::Activity,
            assembly: Some(AssemblyCode::parse(assembly).unwrap()),
            cycle: None,
            title: id.into(),
            kind: "conference".into(),
            starts_on: start.parse().unwrap(),
            ends_on: start.parse().unwrap(),
            start_time: None,
            end_time: None,
            location: None,
            online: true,
            themes: themes.iter().map(|t| ThemeCode::parse(t).unwrap()).collect(),
            regions: regions.iter().map(|r| RegionCode::parse(r).unwrap()).collect(),
            partners: vec![],
            status: ActivityStatus::Planned,
            updated_at: NaiveDateTime::default(),
        }
    }

    #[test]
    fn two_assemblies_on_youth_pve_ten_days_apart_are_suggested() {
        let entries = [
            activity("b", "PAM", "2026-03-20", &["youth-pve"], &["sahel"]),
            activity("a", "PACE", "2026-03-10", &["youth-pve", "victims"], &["europe"]),
        ];
        let found = suggest(&entries, DEFAULT_WINDOW_DAYS);
        assert_eq!(found.len(), 1);
        let s = &found[0];
        assert_eq!(s.key, "a+b");
        assert_eq!(s.activities, ["a".to_owned(), "b".to_owned()]);
        assert_eq!(s.themes, vec![ThemeCode::parse("youth-pve").unwrap()]);
        assert_eq!(s.days_apart, 10);
        assert!(s.within_window);
        assert!(s.shared_regions.is_empty());
    }

    #[test]
    fn ninety_days_apart_or_different_themes_are_not() {
        let far = [
            activity("a", "PACE", "2026-01-10", &["youth-pve"], &["europe"]),
            activity("b", "PAM", "2026-04-10", &["youth-pve"], &["sahel"]),
        ];
        assert!(suggest(&far, DEFAULT_WINDOW_DAYS).is_empty());
        // The window is configurable: 100 days catches them.
        assert_eq!(suggest(&far, 100).len(), 1);
        let other_theme =
            [activity("a", "PACE", "2026-03-10", &["youth-pve"], &["mena"]), activity("b", "PAM", "2026-03-20", &["victims"], &["mena"])];
        assert!(suggest(&other_theme, DEFAULT_WINDOW_DAYS).is_empty());
    }

    #[test]
    fn a_shared_region_is_a_reason_on_its_own() {
        let entries = [
            activity("a", "PACE", "2026-01-10", &["youth-pve"], &["mena"]),
            activity("b", "PAM", "2026-09-10", &["youth-pve"], &["mena", "sahel"]),
        ];
        let found = suggest(&entries, DEFAULT_WINDOW_DAYS);
        assert_eq!(found.len(), 1);
        assert!(!found[0].within_window);
        assert_eq!(found[0].shared_regions, vec![RegionCode::parse("mena").unwrap()]);
    }

    #[test]
    fn one_assembly_events_and_cancelled_activities_are_left_out() {
        let mut cancelled = activity("c", "PACE", "2026-03-12", &["youth-pve"], &[]);
        cancelled.status = ActivityStatus::Cancelled;
        let mut event = activity("e", "PACE", "2026-03-12", &["youth-pve"], &[]);
        event.source = Source::Event;
        event.assembly = None;
        let entries = [
            activity("a", "PAM", "2026-03-10", &["youth-pve"], &[]),
            activity("b", "PAM", "2026-03-11", &["youth-pve"], &[]),
            cancelled,
            event,
        ];
        assert!(suggest(&entries, DEFAULT_WINDOW_DAYS).is_empty());
    }

    #[test]
    fn overlapping_dates_are_zero_days_apart_and_keys_ignore_order() {
        let mut a = activity("z", "PAM", "2026-03-10", &["youth-pve"], &[]);
        a.ends_on = "2026-03-15".parse().unwrap();
        let b = activity("y", "PACE", "2026-03-12", &["youth-pve"], &[]);
        let found = suggest(&[a, b], 0);
        assert_eq!(found[0].days_apart, 0);
        assert_eq!(found[0].key, key("z", "y"));
        assert_eq!(key("z", "y"), "y+z");
    }
}
