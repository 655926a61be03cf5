//! `regions-map`: per-country coverage on an Equal Earth world map, a stepped viridis scale,
//! neutral grey for countries nobody named, small states as dots, named regions labelled.

use std::collections::HashMap;
use std::fmt::Write as _;

use barometer_domain::questionnaire::RegionDef;
use barometer_domain::results::RegionsTable;
use barometer_domain::{Lang, countries};

use crate::ChartError;
use crate::geo::{self, MAP_WIDTH};
use crate::i18n::strings;
use crate::page::{self, Swatch};
use crate::svg::{Anchor, Doc, INK, MARGIN, MUTED, Rgb, TextStyle, WIDTH, attr, num};

/// Land that no assembly named: light enough to read as "no data" next to the lightest class,
/// in colour and in greyscale.
pub(crate) const NEUTRAL: Rgb = Rgb(0xe6, 0xe8, 0xeb);
const SEA: &str = "#f4f7fa";
const SMALL_STATE_RADIUS: f64 = 4.5;

/// viridis (matplotlib), nine stops from 0 (dark purple) to 1 (yellow).
const VIRIDIS: [(u8, u8, u8); 9] = [
    (0x44, 0x01, 0x54),
    (0x47, 0x2d, 0x7b),
    (0x3b, 0x52, 0x8b),
    (0x2c, 0x72, 0x8e),
    (0x21, 0x91, 0x8c),
    (0x28, 0xae, 0x80),
    (0x5e, 0xc9, 0x62),
    (0xad, 0xdc, 0x30),
    (0xfd, 0xe7, 0x25),
];

fn viridis(t: f64) -> Rgb {
    let t = t.clamp(0.0, 1.0) * 8.0;
    let i = (t.floor() as usize).min(7);
    let f = t - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * f).round() as u8;
    Rgb(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The colour classes: one per count while there are few, else seven equal bins. The lightest
/// class stops short of viridis' yellow so that it stays apart from the neutral grey.
pub(crate) struct Classes {
    /// Inclusive ranges of assembly counts.
    bounds: Vec<(u32, u32)>,
}

impl Classes {
    pub(crate) fn new(max: u32) -> Classes {
        let max = max.max(1);
        let bounds = if max <= 9 {
            (1..=max).map(|n| (n, n)).collect()
        } else {
            let step = max.div_ceil(7);
            (0..7).map(|i| (i * step + 1, ((i + 1) * step).min(max))).filter(|(lo, hi)| lo <= hi).collect()
        };
        Classes { bounds }
    }

    pub(crate) fn colour_of(&self, index: usize) -> Rgb {
        let k = self.bounds.len();
        let t = if k == 1 { 0.45 } else { 0.80 - 0.74 * index as f64 / (k - 1) as f64 };
        viridis(t)
    }

    pub(crate) fn colour(&self, count: u32) -> Rgb {
        let index = self.bounds.iter().position(|(lo, hi)| (*lo..=*hi).contains(&count)).unwrap_or(self.bounds.len() - 1);
        self.colour_of(index)
    }

    fn label(&self, index: usize) -> String {
        match self.bounds[index] {
            (lo, hi) if lo == hi => lo.to_string(),
            (lo, hi) => format!("{lo}–{hi}"),
        }
    }
}

pub(crate) fn render(table: &RegionsTable, regions: &[RegionDef], lang: Lang) -> Result<String, ChartError> {
    let s = strings(lang);
    let mut doc = Doc::new(lang, s.map_title);
    let subtitle = page::cycle_line(lang, table.cycle.as_str(), table.respondents, table.members);
    let top = page::header(&mut doc, s.map_title, &[subtitle]);

    let coverage: HashMap<&str, u32> =
        table.countries.iter().filter(|c| c.assemblies > 0).map(|c| (c.iso3.as_str(), c.assemblies)).collect();
    let classes = Classes::new(coverage.values().copied().max().unwrap_or(1));
    let world = geo::world();
    let height = geo::map_height();

    let mut map = String::with_capacity(200_000);
    writeln!(map, "<g id=\"map\" transform=\"translate({MARGIN} {})\">", num(top)).ok();
    writeln!(map, "<path class=\"sea\" fill=\"{SEA}\" d=\"{}\"/>", world.outline).ok();
    // Bevel joins: round ones cost a tenth of the map's rendering time, and at half a unit
    // wide nobody can tell them apart (miter joins would spike at sharp coastline turns).
    map.push_str("<g class=\"countries\" stroke=\"#ffffff\" stroke-width=\"0.5\" stroke-linejoin=\"bevel\">\n");
    for shape in &world.shapes {
        let iso3 = shape.iso3.as_deref().unwrap_or_default();
        match coverage.get(iso3) {
            Some(&n) => {
                let name = countries::find(iso3).map_or(iso3, |c| c.name(lang));
                writeln!(
                    map,
                    "<path data-iso3=\"{iso3}\" data-assemblies=\"{n}\" fill=\"{}\" d=\"{}\"><title>{}: {n}</title></path>",
                    classes.colour(n).hex(),
                    shape.path,
                    attr(name)
                )
                .ok();
            }
            None => {
                writeln!(map, "<path data-iso3=\"{iso3}\" fill=\"{}\" d=\"{}\"/>", NEUTRAL.hex(), shape.path).ok();
            }
        }
    }
    map.push_str("</g>\n<g class=\"small-states\" stroke=\"#ffffff\" stroke-width=\"1.2\">\n");
    let mut small: Vec<(&str, u32)> = coverage.iter().filter(|(iso, _)| world.is_small(iso)).map(|(i, n)| (*i, *n)).collect();
    small.sort();
    for (iso3, n) in small {
        if let Some((lon, lat)) = countries::find(iso3).and_then(|c| c.point) {
            let (x, y) = geo::project(lon, lat);
            writeln!(
                map,
                "<circle data-iso3=\"{iso3}\" cx=\"{}\" cy=\"{}\" r=\"{SMALL_STATE_RADIUS}\" fill=\"{}\"/>",
                num(x),
                num(y),
                classes.colour(n).hex()
            )
            .ok();
        }
    }
    map.push_str("</g>\n</g>\n");
    doc.raw(&map);
    region_labels(&mut doc, table, regions, top, height);

    let y = map_legend(&mut doc, top + height + 18.0, &classes)?;
    let total = page::footer(&mut doc, y, table.cycle.as_str())?;
    Ok(doc.finish(total))
}

/// Labels each named region ("Sahel (8)") at the median point of its countries, nudged apart so
/// that no two labels overlap, with a leader line when a label had to move.
fn region_labels(doc: &mut Doc, table: &RegionsTable, regions: &[RegionDef], top: f64, height: f64) {
    let style = TextStyle::new(13.0).bold().fill(INK).anchor(Anchor::Middle).halo();
    let mut wanted: Vec<(u32, String, f64, f64)> = Vec::new();
    for row in &table.rows {
        let Some(def) = regions.iter().find(|r| r.code == row.region) else { continue };
        let points: Vec<(f64, f64)> = def.countries.iter().filter_map(|iso| countries::find(iso.as_str()).and_then(|c| c.point)).collect();
        if row.assemblies == 0 || points.is_empty() {
            continue;
        }
        let (x, y) = geo::project(median(points.iter().map(|p| p.0)), median(points.iter().map(|p| p.1)));
        wanted.push((row.assemblies, format!("{} ({})", row.label, row.assemblies), MARGIN + x, top + y));
    }
    // Most-named regions first: they get the best places.
    wanted.sort_by_key(|w| std::cmp::Reverse(w.0));
    let mut placed: Vec<[f64; 4]> = Vec::new();
    let mut leaders = Vec::new();
    let mut texts = Vec::new();
    let offsets = candidate_offsets();
    for (_, text, ax, ay) in wanted {
        let w = doc.measure(&text, &style) + 8.0;
        let h = 18.0;
        let spot = offsets.iter().find_map(|&(dx, dy)| {
            let (cx, cy) = (ax + dx, ay + dy);
            let rect = [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0];
            let inside = rect[0] >= MARGIN && rect[2] <= MARGIN + MAP_WIDTH && rect[1] >= top && rect[3] <= top + height;
            (inside && !placed.iter().any(|p| overlaps(p, &rect))).then_some((cx, cy, rect))
        });
        let Some((cx, cy, rect)) = spot else { continue };
        placed.push(rect);
        if (cx - ax).abs() > 1.0 || (cy - ay).abs() > 1.0 {
            let ey = if cy > ay { rect[1] } else { rect[3] };
            leaders.push((ax, ay, cx.clamp(rect[0], rect[2]), ey));
        }
        texts.push((cx, cy + 4.5, text));
    }
    let mut markup = String::from("<g class=\"region-leaders\" stroke=\"#1f2933\" stroke-width=\"1\" fill=\"#1f2933\">\n");
    for (ax, ay, ex, ey) in &leaders {
        writeln!(
            markup,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><circle cx=\"{}\" cy=\"{}\" r=\"2\"/>",
            num(*ax),
            num(*ay),
            num(*ex),
            num(*ey),
            num(*ax),
            num(*ay)
        )
        .ok();
    }
    markup.push_str("</g>\n");
    doc.raw(&markup);
    doc.open("class=\"region-labels\"");
    for (x, y, text) in texts {
        // Map positions are physical; `Doc::text` takes logical x.
        let logical = doc.x(x);
        doc.text(logical, y, &text, &style);
    }
    doc.close();
}

fn candidate_offsets() -> Vec<(f64, f64)> {
    let mut out = vec![(0.0, 0.0)];
    for step in 1..=8 {
        let d = 20.0 * f64::from(step);
        out.extend([(0.0, -d), (0.0, d), (d * 2.0, 0.0), (-d * 2.0, 0.0), (d * 1.5, -d), (-d * 1.5, -d), (d * 1.5, d), (-d * 1.5, d)]);
    }
    out
}

fn overlaps(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 { v[mid] } else { (v[mid - 1] + v[mid]) / 2.0 }
}

/// The scale (title, one swatch per class with its count), then "not named" and the dot.
fn map_legend(doc: &mut Doc, y: f64, classes: &Classes) -> Result<f64, ChartError> {
    let s = strings(doc.lang);
    let title_style = TextStyle::new(14.0).bold();
    let label_style = TextStyle::new(13.0).fill(MUTED).anchor(Anchor::Middle);
    doc.open("class=\"legend\"");
    doc.text(MARGIN, y + 14.0, s.map_legend, &title_style);
    let swatch_y = y + 26.0;
    let mut x = MARGIN;
    let width = 42.0;
    for i in 0..classes.bounds.len() {
        let colour = classes.colour_of(i);
        doc.shapes(|sh| sh.rect(x, swatch_y, x + width, swatch_y + 16.0, colour))?;
        doc.text(x + width / 2.0, swatch_y + 34.0, &classes.label(i), &label_style);
        x += width + 2.0;
    }
    let item_style = TextStyle::new(13.0);
    x += 30.0;
    doc.shapes(|sh| sh.rect(x, swatch_y, x + width, swatch_y + 16.0, NEUTRAL))?;
    doc.text(x + width + 8.0, swatch_y + 13.0, s.map_none, &item_style);
    x += width + 8.0 + doc.measure(s.map_none, &item_style) + 30.0;
    let dot = classes.colour_of(classes.bounds.len() / 2);
    if x + 200.0 > WIDTH - MARGIN {
        x = MARGIN;
    }
    page::draw_swatch(doc, Swatch::Dot(dot, SMALL_STATE_RADIUS), x, swatch_y, 16.0, 16.0)?;
    doc.text(x + 24.0, swatch_y + 13.0, s.map_small, &item_style);
    doc.close();
    Ok(swatch_y + 44.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_one_per_count_or_seven_bins_and_darken_with_coverage() {
        let few = Classes::new(5);
        assert_eq!(few.bounds.len(), 5);
        let many = Classes::new(30);
        assert_eq!(many.bounds.first(), Some(&(1, 5)));
        assert_eq!(many.bounds.last().map(|b| b.1), Some(30));
        let lightness = |c: Rgb| 0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2);
        for pair in few.bounds.windows(2) {
            assert!(lightness(few.colour(pair[0].0)) > lightness(few.colour(pair[1].0)));
        }
        assert!(lightness(NEUTRAL) - lightness(few.colour(1)) > 30.0, "neutral and the lightest class differ in grey");
    }
}
