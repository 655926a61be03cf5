//! What every chart shares: the title block, the legend row, the source line, the palette.

use barometer_domain::Lang;

use crate::ChartError;
use crate::i18n::{fill, strings};
use crate::svg::{Anchor, Doc, INK, MARGIN, MUTED, RULE, Rgb, TextStyle, WIDTH, num};

/// Okabe–Ito colours (safe for the common colour-vision deficiencies).
pub(crate) const BLUE: Rgb = Rgb(0x00, 0x72, 0xb2);
pub(crate) const VERMILLION: Rgb = Rgb(0xd5, 0x5e, 0x00);
pub(crate) const GREY: Rgb = Rgb(0x9a, 0xa5, 0xb1);

/// Table 1's tiers: one blue hue, three clearly different lightnesses (≈35, 68, 88 L*), and a
/// hatch on the middle one, so that they stay apart in greyscale print.
pub(crate) const PRIMARY: Rgb = Rgb(0x08, 0x51, 0x9c);
pub(crate) const SECONDARY: Rgb = Rgb(0x6b, 0xae, 0xd6);
pub(crate) const OTHER: Rgb = Rgb(0xdc, 0xe3, 0xea);
pub(crate) const OTHER_EDGE: Rgb = Rgb(0x8c, 0x99, 0xa6);

pub(crate) const REGION: Rgb = Rgb(0x00, 0x79, 0x5a);
pub(crate) const SUBREGION: Rgb = Rgb(0x7f, 0xc9, 0xae);

pub(crate) const TITLE_SIZE: f64 = 26.0;
pub(crate) const SUBTITLE_SIZE: f64 = 16.0;
pub(crate) const LABEL_SIZE: f64 = 15.0;
pub(crate) const SMALL_SIZE: f64 = 13.0;
pub(crate) const LINE: f64 = 1.3;

/// How a bar or a legend swatch is painted.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Look {
    Solid(Rgb),
    /// Solid with white diagonal stripes.
    Hatched(Rgb),
    /// A light fill with a darker edge.
    Outlined(Rgb, Rgb),
}

/// A legend entry's symbol.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    Bar(Look),
    Line(Rgb, u32),
    Dot(Rgb, f64),
    Ring(Rgb, f64),
    /// A short vertical stroke (a median).
    Tick(Rgb),
}

/// Draws the title and subtitle lines; returns the y below them.
pub(crate) fn header(doc: &mut Doc, title: &str, subtitles: &[String]) -> f64 {
    let max = WIDTH - 2.0 * MARGIN;
    let title_style = TextStyle::new(TITLE_SIZE).bold();
    let mut y = MARGIN + TITLE_SIZE * 0.75;
    let lines = doc.wrap(title, max, &title_style);
    doc.open("class=\"title\"");
    doc.lines(MARGIN, y, &lines, TITLE_SIZE * 1.2, &title_style);
    doc.close();
    y += (lines.len() as f64 - 1.0) * TITLE_SIZE * 1.2;
    let sub_style = TextStyle::new(SUBTITLE_SIZE).fill(MUTED);
    doc.open("class=\"subtitle\"");
    for subtitle in subtitles {
        let lines = doc.wrap(subtitle, max, &sub_style);
        y += SUBTITLE_SIZE * 1.75;
        doc.lines(MARGIN, y, &lines, SUBTITLE_SIZE * LINE, &sub_style);
        y += (lines.len() as f64 - 1.0) * SUBTITLE_SIZE * LINE;
    }
    doc.close();
    y + 20.0
}

/// Draws the rule and source line below `y`; returns the document's height.
pub(crate) fn footer(doc: &mut Doc, y: f64, cycle: &str) -> Result<f64, ChartError> {
    let y = y + 18.0;
    doc.shapes(|s| s.line(MARGIN, y, WIDTH - MARGIN, y, RULE, 1))?;
    let style = TextStyle::new(SMALL_SIZE).fill(MUTED);
    let source = fill(strings(doc.lang).source, &[("cycle", cycle)]);
    let lines = doc.wrap(&source, WIDTH - 2.0 * MARGIN, &style);
    doc.open("class=\"source\"");
    doc.lines(MARGIN, y + 24.0, &lines, SMALL_SIZE * LINE, &style);
    doc.close();
    Ok(y + 24.0 + (lines.len() as f64 - 1.0) * SMALL_SIZE * LINE + MARGIN * 0.75)
}

/// Draws a row of legend entries from the start margin, wrapping when full; returns the y below.
pub(crate) fn legend(doc: &mut Doc, y: f64, entries: &[(Swatch, String)]) -> Result<f64, ChartError> {
    let style = TextStyle::new(14.0);
    let mut x = MARGIN;
    let mut row_y = y + 10.0;
    doc.open("class=\"legend\"");
    for (swatch, label) in entries {
        let width = 22.0 + 8.0 + doc.measure(label, &style);
        if x > MARGIN && x + width > WIDTH - MARGIN {
            x = MARGIN;
            row_y += 26.0;
        }
        draw_swatch(doc, *swatch, x, row_y - 7.0, 22.0, 14.0)?;
        doc.text(x + 30.0, row_y + 5.0, label, &style);
        x += width + 26.0;
    }
    doc.close();
    Ok(row_y + 18.0)
}

/// A swatch in the box (logical x, y, w, h).
pub(crate) fn draw_swatch(doc: &mut Doc, swatch: Swatch, x: f64, y: f64, w: f64, h: f64) -> Result<(), ChartError> {
    match swatch {
        Swatch::Bar(look) => paint_bar(doc, x, y, x + w, y + h, look),
        Swatch::Line(color, width) => doc.shapes(|s| s.line(x, y + h / 2.0, x + w, y + h / 2.0, color, width)),
        Swatch::Dot(color, r) => doc.shapes(|s| {
            s.circle(x + w / 2.0, y + h / 2.0, r + 1.0, Rgb(0xff, 0xff, 0xff), true, 0);
            s.circle(x + w / 2.0, y + h / 2.0, r, color, true, 0);
        }),
        Swatch::Tick(color) => doc.shapes(|s| s.line(x + w / 2.0, y - 2.0, x + w / 2.0, y + h + 2.0, color, 2)),
        Swatch::Ring(color, r) => doc.shapes(|s| {
            s.circle(x + w / 2.0, y + h / 2.0, r, Rgb(0xff, 0xff, 0xff), true, 0);
            s.circle(x + w / 2.0, y + h / 2.0, r, color, false, 2);
        }),
    }
}

/// A bar between logical x0..x1 and y0..y1, painted with `look`.
pub(crate) fn paint_bar(doc: &mut Doc, x0: f64, y0: f64, x1: f64, y1: f64, look: Look) -> Result<(), ChartError> {
    match look {
        Look::Solid(c) => doc.shapes(|s| s.rect(x0, y0, x1, y1, c)),
        Look::Hatched(c) => {
            doc.shapes(|s| s.rect(x0, y0, x1, y1, c))?;
            hatch(doc, x0, y0, x1, y1);
            Ok(())
        }
        Look::Outlined(fill, edge) => doc.shapes(|s| {
            s.rect(x0, y0, x1, y1, fill);
            s.outline(x0, y0, x1, y1, edge, 1);
        }),
    }
}

/// White diagonal stripes over a rectangle, as plain polygons: an SVG `<pattern>` would be
/// shorter, but resvg fills patterns pixel by pixel through a shader, which cost as much as all
/// the bars together. Plotters rounds coordinates to whole units, too coarse for 2.5-unit
/// stripes, so these are written by hand.
fn hatch(doc: &mut Doc, x0: f64, y0: f64, x1: f64, y1: f64) {
    const PERIOD: f64 = 7.0;
    const STRIPE: f64 = 2.5;
    let (a, b) = (doc.x(x0), doc.x(x1));
    let rect = [(a.min(b), y0.min(y1)), (a.max(b), y0.min(y1)), (a.max(b), y0.max(y1)), (a.min(b), y0.max(y1))];
    // Stripes run along x + y = const, at a fixed phase on the page so neighbouring bars line up.
    let diagonal = |p: &(f64, f64)| (p.0 + p.1) / std::f64::consts::SQRT_2;
    let lo = rect.iter().map(diagonal).fold(f64::MAX, f64::min);
    let hi = rect.iter().map(diagonal).fold(f64::MIN, f64::max);
    let mut d = String::new();
    let mut k = (lo / PERIOD).floor();
    while k * PERIOD < hi {
        let (from, to) = (k * PERIOD, k * PERIOD + STRIPE);
        let strip = clip(&clip(&rect, |p| diagonal(p) - from), |p| to - diagonal(p));
        if strip.len() >= 3 {
            for (i, (x, y)) in strip.iter().enumerate() {
                d.push(if i == 0 { 'M' } else { 'L' });
                d.push_str(&format!("{} {}", num(*x), num(*y)));
            }
            d.push('Z');
        }
        k += 1.0;
    }
    if !d.is_empty() {
        doc.raw(&format!("<path class=\"hatch\" fill=\"#ffffff\" fill-opacity=\"0.55\" d=\"{d}\"/>\n"));
    }
}

/// Sutherland–Hodgman: the part of a convex polygon where `side` is not negative.
fn clip(polygon: &[(f64, f64)], side: impl Fn(&(f64, f64)) -> f64) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(polygon.len() + 2);
    for (i, p) in polygon.iter().enumerate() {
        let q = &polygon[(i + 1) % polygon.len()];
        let (sp, sq) = (side(p), side(q));
        if sp >= 0.0 {
            out.push(*p);
        }
        if (sp >= 0.0) != (sq >= 0.0) {
            let t = sp / (sp - sq);
            out.push((p.0 + (q.0 - p.0) * t, p.1 + (q.1 - p.1) * t));
        }
    }
    out
}

/// A message in place of the plot when there is nothing to draw; returns the y below.
pub(crate) fn no_data(doc: &mut Doc, y: f64) -> f64 {
    let style = TextStyle::new(18.0).fill(MUTED).anchor(Anchor::Middle);
    let message = strings(doc.lang).no_data;
    doc.text(WIDTH / 2.0, y + 60.0, message, &style);
    y + 100.0
}

/// The subtitle line "Cycle C · n of m member assemblies responded".
pub(crate) fn cycle_line(lang: Lang, cycle: &str, respondents: u32, members: u32) -> String {
    fill(strings(lang).cycle_respondents, &[("cycle", cycle), ("n", &respondents.to_string()), ("m", &members.to_string())])
}

/// A value axis from 0 to `max` share along logical x0..x1 below `y`: tick labels and a title.
/// Returns the y below.
pub(crate) fn share_axis(doc: &mut Doc, x0: f64, x1: f64, y: f64, max: f64, title: &str) -> f64 {
    let style = TextStyle::new(SMALL_SIZE).fill(MUTED).anchor(Anchor::Middle);
    doc.open("class=\"axis\"");
    for tick in ticks(max) {
        let x = x0 + (x1 - x0) * tick / max;
        doc.text(x, y + 18.0, &crate::i18n::percent(tick, doc.lang), &style);
    }
    let title_style = TextStyle::new(SMALL_SIZE).fill(INK).anchor(Anchor::Middle);
    doc.text((x0 + x1) / 2.0, y + 40.0, title, &title_style);
    doc.close();
    y + 46.0
}

/// The top of a share axis: the next quarter at or above the largest share.
pub(crate) fn axis_max(max_share: f64) -> f64 {
    ((max_share * 4.0).ceil() / 4.0).clamp(0.25, 1.0)
}

pub(crate) fn ticks(max: f64) -> Vec<f64> {
    let step = if max <= 0.5 { 0.1 } else { 0.25 };
    let mut out = Vec::new();
    let mut t = 0.0;
    while t <= max + 1e-9 {
        out.push(t);
        t += step;
    }
    out
}
