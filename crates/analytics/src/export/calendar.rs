//! The calendar of activities as a table, for its CSV and XLSX exports (the same writers as the
//! results tables: CSV with a BOM, XLSX right to left in Arabic, formula-like text neutralised).

use barometer_domain::Lang;
use serde::Serialize;

use super::Exportable;
use super::sheet::{Part, SheetColumn, Values};

/// The calendar's rows, already in the reader's language (the web layer knows each cycle's
/// labels); codes stay alongside so scripts can join on them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CalendarTable {
    pub rows: Vec<CalendarRow>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CalendarRow {
    pub id: String,
    pub source: String,
    pub assembly: String,
    pub title: String,
    pub kind: String,
    pub kind_label: String,
    pub starts_on: String,
    pub ends_on: String,
    pub start_time: String,
    pub end_time: String,
    /// City and country, or "online".
    pub place: String,
    pub themes: String,
    pub theme_labels: String,
    pub regions: String,
    pub partners: String,
    pub status: String,
}

fn header(key: &str, lang: Lang) -> String {
    let [en, fr, ar, ru] = match key {
        "id" => ["Id", "Identifiant", "المعرّف", "Идентификатор"],
        "source" => ["Source", "Source", "المصدر", "Источник"],
        "assembly" => ["Assembly", "Assemblée", "الجمعية", "Ассамблея"],
        "title" => ["Title", "Titre", "العنوان", "Название"],
        "kind" => ["Kind code", "Code du type", "رمز النوع", "Код вида"],
        "kind_label" => ["Kind", "Type", "النوع", "Вид"],
        "starts_on" => ["Starts on", "Début", "يبدأ في", "Начало"],
        "ends_on" => ["Ends on", "Fin", "ينتهي في", "Окончание"],
        "start_time" => ["Start time (UTC)", "Heure de début (UTC)", "وقت البدء (UTC)", "Время начала (UTC)"],
        "end_time" => ["End time (UTC)", "Heure de fin (UTC)", "وقت الانتهاء (UTC)", "Время окончания (UTC)"],
        "place" => ["Place", "Lieu", "المكان", "Место"],
        "themes" => ["Theme codes", "Codes des thèmes", "رموز المواضيع", "Коды тем"],
        "theme_labels" => ["Themes", "Thèmes", "المواضيع", "Темы"],
        "regions" => ["Region codes", "Codes des régions", "رموز المناطق", "Коды регионов"],
        "partners" => ["Partners", "Partenaires", "الشركاء", "Партнёры"],
        "status" => ["Status", "Statut", "الحالة", "Статус"],
        other => return other.to_owned(),
    };
    match lang {
        Lang::En => en,
        Lang::Fr => fr,
        Lang::Ar => ar,
        Lang::Ru => ru,
    }
    .to_owned()
}

impl Exportable for CalendarTable {
    fn name(&self) -> String {
        "calendar".to_owned()
    }

    fn parts(&self, lang: Lang) -> Vec<Part> {
        let column = |key: &'static str, f: fn(&CalendarRow) -> &String| SheetColumn {
            key,
            header: header(key, lang),
            values: Values::Text(self.rows.iter().map(|r| Some(f(r).clone()).filter(|s| !s.is_empty())).collect()),
        };
        let columns = vec![
            column("id", |r| &r.id),
            column("source", |r| &r.source),
            column("assembly", |r| &r.assembly),
            column("title", |r| &r.title),
            column("kind", |r| &r.kind),
            column("kind_label", |r| &r.kind_label),
            column("starts_on", |r| &r.starts_on),
            column("ends_on", |r| &r.ends_on),
            column("start_time", |r| &r.start_time),
            column("end_time", |r| &r.end_time),
            column("place", |r| &r.place),
            column("themes", |r| &r.themes),
            column("theme_labels", |r| &r.theme_labels),
            column("regions", |r| &r.regions),
            column("partners", |r| &r.partners),
            column("status", |r| &r.status),
        ];
        let title = match lang {
            Lang::En => "Calendar",
            Lang::Fr => "Calendrier",
            Lang::Ar => "التقويم",
            Lang::Ru => "Календарь",
        };
        vec![Part { key: "calendar", title: title.to_owned(), columns }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{Format, export};

    #[test]
    fn csv_has_a_bom_stable_headers_and_neutralised_formulas() {
        let table = CalendarTable {
            rows: vec![CalendarRow {
                id: "a".into(),
                title: "=HYPERLINK(\"x\")".into(),
                place: "Rome, ITA".into(),
                ..CalendarRow::default()
            }],
        };
        let csv = String::from_utf8(export(&table, Format::Csv, Lang::En).unwrap()).unwrap();
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.lines().next().unwrap().contains("id,source,assembly,title"));
        assert!(csv.contains("'=HYPERLINK"), "{csv}");
        let xlsx = export(&table, Format::Xlsx, Lang::Ar).unwrap();
        assert!(xlsx.starts_with(b"PK"));
    }
}
