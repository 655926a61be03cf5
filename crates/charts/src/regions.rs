//! `regions`: Table 2 as horizontal bars, each sub-region indented under its parent.

use barometer_domain::Lang;
use barometer_domain::results::{RegionRow, RegionsTable};

use crate::ChartError;
use crate::bars::{self, Bar};
use crate::i18n::{percent, strings};
use crate::page::{self, Look, REGION, SUBREGION, Swatch};
use crate::svg::Doc;

pub(crate) fn render(table: &RegionsTable, lang: Lang) -> Result<String, ChartError> {
    let s = strings(lang);
    let mut doc = Doc::new(lang, s.regions_title);
    let subtitle = page::cycle_line(lang, table.cycle.as_str(), table.respondents, table.members);
    let mut y = page::header(&mut doc, s.regions_title, &[subtitle]);
    let legend =
        [(Swatch::Bar(Look::Solid(REGION)), s.region_top.to_owned()), (Swatch::Bar(Look::Hatched(SUBREGION)), s.region_sub.to_owned())];
    y = page::legend(&mut doc, y, &legend)? + 18.0;
    if table.rows.is_empty() || table.respondents == 0 {
        y = page::no_data(&mut doc, y);
    } else {
        let rows: Vec<Bar> = ordered(&table.rows)
            .into_iter()
            .map(|(level, row)| Bar {
                key: row.region.to_string(),
                label: row.label.clone(),
                level,
                rank: None,
                share: row.share,
                value: format!("{} ({})", percent(row.share, lang), row.assemblies),
                look: if level == 0 { Look::Solid(REGION) } else { Look::Hatched(SUBREGION) },
            })
            .collect();
        y = bars::draw(&mut doc, y, &rows, s.region_axis)?;
    }
    let height = page::footer(&mut doc, y, table.cycle.as_str())?;
    Ok(doc.finish(height))
}

/// Top-level regions by assemblies (most first, ties in questionnaire order), each followed by
/// its sub-regions in the same order, recursively. A row whose parent is missing stands on its
/// own, so no row is ever left out.
pub(crate) fn ordered(rows: &[RegionRow]) -> Vec<(u8, &RegionRow)> {
    let known = |code: &str| rows.iter().any(|r| r.region.as_str() == code);
    let mut out = Vec::with_capacity(rows.len());
    let top: Vec<&RegionRow> = rows.iter().filter(|r| r.parent.as_ref().is_none_or(|p| !known(p.as_str()))).collect();
    visit(rows, top, 0, &mut out);
    out
}

fn visit<'a>(rows: &'a [RegionRow], mut level_rows: Vec<&'a RegionRow>, level: u8, out: &mut Vec<(u8, &'a RegionRow)>) {
    level_rows.sort_by_key(|r| std::cmp::Reverse(r.assemblies));
    for row in level_rows {
        if out.iter().any(|(_, r)| std::ptr::eq(*r, row)) {
            continue; // a parent loop; validation rejects these, but never recurse forever
        }
        out.push((level.min(1), row));
        let children = rows.iter().filter(|r| r.parent.as_ref() == Some(&row.region)).collect();
        visit(rows, children, level.saturating_add(1), out);
    }
}
