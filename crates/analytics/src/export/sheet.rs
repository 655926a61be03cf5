//! Each results table as parts made of typed columns, the common ground of CSV, XLSX and Parquet.

use barometer_domain::Lang;
use barometer_domain::results::{Comparison, Headline, PrioritiesTable, RegionsTable, Stability};

use super::Exportable;
use crate::labels::{header, sheet_title};

/// One part of a table: a sheet in a workbook, a CSV or Parquet file on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// Stable key, e.g. `countries`.
    pub key: &'static str,
    /// The sheet's name in the chosen language.
    pub title: String,
    pub columns: Vec<SheetColumn>,
}

impl Part {
    fn new(key: &'static str, lang: Lang, columns: Vec<SheetColumn>) -> Part {
        Part { key, title: sheet_title(key, lang), columns }
    }

    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SheetColumn {
    /// Stable key (CSV and Parquet header), e.g. `mean_rank`.
    pub key: &'static str,
    /// Header in the chosen language (XLSX).
    pub header: String,
    pub values: Values,
}

/// A column's typed values; `None` is an empty cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Text(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::Text(v) => v.len(),
            Values::Int(v) => v.len(),
            Values::Float(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Builds columns row by row from a slice.
struct Columns<'a, R> {
    rows: &'a [R],
    lang: Lang,
    out: Vec<SheetColumn>,
}

impl<'a, R> Columns<'a, R> {
    fn of(rows: &'a [R], lang: Lang) -> Self {
        Columns { rows, lang, out: Vec::new() }
    }

    fn push(mut self, key: &'static str, values: Values) -> Self {
        self.out.push(SheetColumn { key, header: header(key, self.lang), values });
        self
    }

    fn text(self, key: &'static str, f: impl Fn(&R) -> Option<String>) -> Self {
        let values = Values::Text(self.rows.iter().map(f).collect());
        self.push(key, values)
    }

    fn int(self, key: &'static str, f: impl Fn(&R) -> Option<i64>) -> Self {
        let values = Values::Int(self.rows.iter().map(f).collect());
        self.push(key, values)
    }

    fn float(self, key: &'static str, f: impl Fn(&R) -> Option<f64>) -> Self {
        let values = Values::Float(self.rows.iter().map(f).collect());
        self.push(key, values)
    }

    fn done(self) -> Vec<SheetColumn> {
        self.out
    }
}

fn about(cycle: &str, respondents: u32, members: Option<u32>, lang: Lang) -> Part {
    let one = [()];
    let mut columns = Columns::of(&one, lang).text("cycle", |_| Some(cycle.to_owned())).int("respondents", |_| Some(respondents.into()));
    if let Some(members) = members {
        columns = columns.int("members", |_| Some(members.into()));
    }
    Part::new("about", lang, columns.done())
}

impl Exportable for PrioritiesTable {
    fn name(&self) -> String {
        format!("priorities-{}", self.cycle)
    }

    fn parts(&self, lang: Lang) -> Vec<Part> {
        let rows = Columns::of(&self.rows, lang)
            .int("rank", |r| Some(r.rank.into()))
            .text("theme", |r| Some(r.theme.to_string()))
            .text("label", |r| Some(r.label.clone()))
            .int("assemblies", |r| Some(r.assemblies.into()))
            .float("share", |r| Some(r.share))
            .int("points", |r| Some(r.points.into()))
            .float("mean_rank", |r| r.mean_rank)
            .text("tier", |r| Some(r.tier.as_str().to_owned()))
            .done();
        vec![Part::new("priorities", lang, rows), about(self.cycle.as_str(), self.respondents, Some(self.members), lang)]
    }
}

impl Exportable for RegionsTable {
    fn name(&self) -> String {
        format!("regions-{}", self.cycle)
    }

    fn parts(&self, lang: Lang) -> Vec<Part> {
        let rows = Columns::of(&self.rows, lang)
            .text("region", |r| Some(r.region.to_string()))
            .text("label", |r| Some(r.label.clone()))
            .text("parent", |r| r.parent.as_ref().map(ToString::to_string))
            .int("assemblies", |r| Some(r.assemblies.into()))
            .float("share", |r| Some(r.share))
            .int("activities", |r| Some(r.activities.into()))
            .done();
        let countries = Columns::of(&self.countries, lang)
            .text("iso3", |c| Some(c.iso3.to_string()))
            .int("assemblies", |c| Some(c.assemblies.into()))
            .done();
        vec![
            Part::new("regions", lang, rows),
            Part::new("countries", lang, countries),
            about(self.cycle.as_str(), self.respondents, Some(self.members), lang),
        ]
    }
}

impl Exportable for Comparison {
    fn name(&self) -> String {
        format!("compare-{}-{}", self.from, self.to)
    }

    fn parts(&self, lang: Lang) -> Vec<Part> {
        let rows = Columns::of(&self.rows, lang)
            .text("theme", |r| Some(r.theme.to_string()))
            .text("label", |r| Some(r.label.clone()))
            .int("from_rank", |r| r.from.map(|s| s.rank.into()))
            .float("from_share", |r| r.from.map(|s| s.share))
            .int("to_rank", |r| r.to.map(|s| s.rank.into()))
            .float("to_share", |r| r.to.map(|s| s.share))
            .int("rank_change", |r| r.rank_change.map(i64::from))
            .float("share_change", |r| r.share_change)
            .text("movement", |r| Some(r.movement.as_str().to_owned()))
            .done();
        let one = [()];
        let summary = Columns::of(&one, lang)
            .text("from", |_| Some(self.from.to_string()))
            .text("to", |_| Some(self.to.to_string()))
            .text("summary", |_| Some(self.summary.clone()))
            .done();
        vec![Part::new("comparison", lang, rows), Part::new("summary", lang, summary)]
    }
}

impl Exportable for Stability {
    fn name(&self) -> String {
        format!("stability-{}", self.cycle)
    }

    fn parts(&self, lang: Lang) -> Vec<Part> {
        let rows = Columns::of(&self.rows, lang)
            .int("rank", |r| Some(r.rank.into()))
            .text("theme", |r| Some(r.theme.to_string()))
            .text("label", |r| Some(r.label.clone()))
            .float("p_top2", |r| Some(r.p_top2))
            .float("p_top5", |r| Some(r.p_top5))
            .int("rank_low", |r| Some(r.rank_low.into()))
            .int("rank_high", |r| Some(r.rank_high.into()))
            .float("rank_median", |r| Some(r.rank_median))
            .done();
        let one = [()];
        let about = Columns::of(&one, lang)
            .text("cycle", |_| Some(self.cycle.to_string()))
            .int("respondents", |_| Some(self.respondents.into()))
            .int("resamples", |_| Some(self.resamples.into()))
            .text("seed", |_| Some(self.seed.to_string()))
            .done();
        vec![Part::new("stability", lang, rows), Part::new("about", lang, about)]
    }
}

impl Exportable for Headline {
    fn name(&self) -> String {
        format!("headline-{}", self.cycle)
    }

    fn parts(&self, lang: Lang) -> Vec<Part> {
        let one = [self];
        let columns = Columns::of(&one, lang)
            .text("cycle", |h| Some(h.cycle.to_string()))
            .int("members", |h| Some(h.members.into()))
            .int("respondents", |h| Some(h.respondents.into()))
            .float("response_rate", |h| Some(h.response_rate))
            .int("themes_ranked", |h| Some(h.themes_ranked.into()))
            .int("regions_named", |h| Some(h.regions_named.into()))
            .int("activities_planned", |h| Some(h.activities_planned.into()))
            .int("countries_covered", |h| Some(h.countries_covered.into()))
            .done();
        vec![Part::new("headline", lang, columns)]
    }
}
