//! The calendar shared by its page, its JSON list, its exports and its iCalendar feed: loading
//! the entries with every cycle's labels, filtering them, and presenting them in the reader's
//! language.

use std::collections::BTreeMap;

use barometer_analytics::export::{CalendarRow, CalendarTable};
use barometer_domain::calendar::ics::{self, When};
use barometer_domain::calendar::{CalendarEntry, CalendarFilter, EventKind, Source};
use barometer_domain::{ActivityStatus, Labels, Lang};
use barometer_store::{DbConn, StoreError};
use serde_json::{Value, json};

use crate::i18n::Ui;

/// Entries and the labels of every cycle (theme and region codes are stable across cycles; the
/// newest cycle's label wins).
pub struct Loaded {
    pub entries: Vec<CalendarEntry>,
    pub labels: Labeller,
}

#[derive(Default)]
pub struct Labeller {
    themes: BTreeMap<String, Labels>,
    regions: BTreeMap<String, Labels>,
    kinds: BTreeMap<String, Labels>,
}

impl Labeller {
    pub fn theme(&self, code: &str, lang: Lang) -> String {
        self.themes.get(code).map_or_else(|| code.to_owned(), |l| l.get(lang).to_owned())
    }

    pub fn region(&self, code: &str, lang: Lang) -> String {
        self.regions.get(code).map_or_else(|| code.to_owned(), |l| l.get(lang).to_owned())
    }

    pub fn kind(&self, code: &str, ui: &Ui) -> String {
        if EventKind::parse(code).is_ok() {
            return ui.t(&format!("event-kind-{code}"));
        }
        self.kinds.get(code).map_or_else(|| code.to_owned(), |l| l.get(ui.lang).to_owned())
    }

    /// Every kind the filter offers: the activity kinds of every cycle, then the event kinds.
    pub fn kind_choices(&self, ui: &Ui) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self.kinds.keys().map(|k| (k.clone(), self.kind(k, ui))).collect();
        out.extend(EventKind::ALL.iter().map(|k| (k.as_str().to_owned(), self.kind(k.as_str(), ui))));
        out
    }

    pub fn theme_choices(&self, lang: Lang) -> Vec<(String, String)> {
        self.themes.iter().map(|(c, l)| (c.clone(), l.get(lang).to_owned())).collect()
    }

    pub fn region_choices(&self, lang: Lang) -> Vec<(String, String)> {
        self.regions.iter().map(|(c, l)| (c.clone(), l.get(lang).to_owned())).collect()
    }
}

/// Reads every entry and every cycle's labels.
pub fn load(conn: &mut DbConn) -> Result<Loaded, StoreError> {
    let entries = barometer_store::calendar::entries(conn)?;
    let mut labels = Labeller::default();
    let mut cycles = barometer_store::cycles::list(conn)?;
    // Oldest first, so that newer labels overwrite older ones.
    cycles.sort_by_key(|c| c.opens_on);
    for summary in cycles {
        if let Some(stored) = barometer_store::cycles::find(conn, &summary.label)? {
            let q = stored.definition.questionnaire;
            for t in &q.themes {
                labels.themes.insert(t.code.to_string(), t.labels.clone());
            }
            for r in &q.regions {
                labels.regions.insert(r.code.to_string(), r.labels.clone());
            }
            for k in &q.activity_kinds {
                labels.kinds.insert(k.code.to_string(), k.labels.clone());
            }
        }
    }
    Ok(Loaded { entries, labels })
}

impl Loaded {
    pub fn filtered(&self, filter: &CalendarFilter) -> Vec<&CalendarEntry> {
        self.entries.iter().filter(|e| filter.matches(e)).collect()
    }
}

/// "Rome, Italy", "Italy", or "online" (in the reader's language).
pub fn place(entry: &CalendarEntry, ui: &Ui) -> String {
    let mut parts = Vec::new();
    if let Some(location) = &entry.location {
        if let Some(city) = &location.city {
            parts.push(city.clone());
        }
        let country = barometer_domain::countries::find(location.country.as_str())
            .map_or_else(|| location.country.to_string(), |c| c.name(ui.lang).to_owned());
        parts.push(country);
    }
    if entry.online {
        parts.push(ui.t("calendar-online"));
    }
    parts.join(", ")
}

/// An entry as the JSON list shows it.
pub fn entry_json(entry: &CalendarEntry, labels: &Labeller, ui: &Ui) -> Value {
    json!({
        "id": entry.id,
        "source": entry.source,
        "assembly": entry.assembly,
        "cycle": entry.cycle,
        "title": entry.title,
        "kind": entry.kind,
        "kind_label": labels.kind(&entry.kind, ui),
        "starts_on": entry.starts_on,
        "ends_on": entry.ends_on,
        "start_time": entry.start_time.map(|t| t.format("%H:%M").to_string()),
        "end_time": entry.end_time.map(|t| t.format("%H:%M").to_string()),
        "all_day": entry.start_time.is_none(),
        "location": entry.location.as_ref().map(|l| json!({"city": l.city, "country": l.country})),
        "online": entry.online,
        "place": place(entry, ui),
        "themes": entry.themes,
        "theme_labels": entry.themes.iter().map(|t| labels.theme(t.as_str(), ui.lang)).collect::<Vec<_>>(),
        "regions": entry.regions,
        "partners": entry.partners,
        "status": entry.status.as_str(),
        "uid": uid(entry),
        "updated_at": crate::routes::timestamp(entry.updated_at),
    })
}

/// The feed's UID of an entry: its id never changes, so an amended activity updates the entry in
/// calendar apps instead of adding a second one.
pub fn uid(entry: &CalendarEntry) -> String {
    format!("{}@barometer", entry.id)
}

fn who(entry: &CalendarEntry, ui: &Ui) -> String {
    match &entry.assembly {
        Some(a) => a.to_string(),
        None => ui.t("calendar-secretariat"),
    }
}

/// The entries as an iCalendar document, in the reader's language.
pub fn ics(entries: &[&CalendarEntry], labels: &Labeller, ui: &Ui) -> String {
    let events: Vec<ics::Event> = entries
        .iter()
        .map(|e| {
            let (start, end) = match e.start_time {
                None => (When::Day(e.starts_on), When::Day(e.ends_on)),
                Some(start) => {
                    let begin = e.starts_on.and_time(start);
                    let end = match e.end_time {
                        Some(end) => e.ends_on.and_time(end),
                        None => begin + chrono::Duration::hours(1),
                    };
                    (When::Utc(begin), When::Utc(end))
                }
            };
            let themes: Vec<String> = e.themes.iter().map(|t| labels.theme(t.as_str(), ui.lang)).collect();
            let mut description = vec![
                format!("{}: {}", ui.t("calendar-col-assembly"), who(e, ui)),
                format!("{}: {}", ui.t("calendar-col-kind"), labels.kind(&e.kind, ui)),
                format!("{}: {}", ui.t("calendar-col-status"), ui.t(&format!("activity-status-{}", e.status.as_str()))),
            ];
            if !themes.is_empty() {
                description.push(format!("{}: {}", ui.t("calendar-col-themes"), themes.join(", ")));
            }
            if !e.partners.is_empty() {
                description.push(format!("{}: {}", ui.t("calendar-col-partners"), e.partners.join(", ")));
            }
            let place = place(e, ui);
            ics::Event {
                uid: uid(e),
                summary: match e.source {
                    Source::Activity => format!("{} · {}", who(e, ui), e.title),
                    Source::Event => e.title.clone(),
                },
                description: description.join("\n"),
                location: (!place.is_empty()).then_some(place),
                categories: themes,
                start,
                end,
                status: match e.status {
                    ActivityStatus::Planned => ics::Status::Tentative,
                    ActivityStatus::Confirmed | ActivityStatus::Held => ics::Status::Confirmed,
                    ActivityStatus::Cancelled => ics::Status::Cancelled,
                },
                last_modified: e.updated_at,
            }
        })
        .collect();
    ics::calendar(&ui.t("calendar-feed-name"), &events, barometer_store::now())
}

/// The entries as the CSV/XLSX table, in the reader's language.
pub fn table(entries: &[&CalendarEntry], labels: &Labeller, ui: &Ui) -> CalendarTable {
    let time = |t: Option<chrono::NaiveTime>| t.map(|t| t.format("%H:%M").to_string()).unwrap_or_default();
    CalendarTable {
        rows: entries
            .iter()
            .map(|e| CalendarRow {
                id: e.id.clone(),
                source: match e.source {
                    Source::Activity => "activity".to_owned(),
                    Source::Event => "event".to_owned(),
                },
                assembly: e.assembly.as_ref().map(ToString::to_string).unwrap_or_default(),
                title: e.title.clone(),
                kind: e.kind.clone(),
                kind_label: labels.kind(&e.kind, ui),
                starts_on: e.starts_on.to_string(),
                ends_on: e.ends_on.to_string(),
                start_time: time(e.start_time),
                end_time: time(e.end_time),
                place: place(e, ui),
                themes: e.themes.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
                theme_labels: e.themes.iter().map(|t| labels.theme(t.as_str(), ui.lang)).collect::<Vec<_>>().join("; "),
                regions: e.regions.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
                partners: e.partners.join("; "),
                status: e.status.as_str().to_owned(),
            })
            .collect(),
    }
}

/// The private feed URL for a token, built from the configured base URL (never the Host header).
pub fn feed_url(config: &crate::config::WebConfig, token: &str, lang: Lang) -> String {
    config.url(&format!("/api/v1/calendar.ics?token={token}&lang={}", lang.code()))
}
