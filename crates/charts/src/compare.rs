//! `compare`: a slope chart of each theme's rank in two cycles. Risers are blue with ▲, fallers
//! vermillion with ▼, unchanged themes thin grey; new and dropped themes have a hollow marker
//! and a word saying so.

use barometer_domain::Lang;
use barometer_domain::results::{Comparison, ComparisonRow, Movement};

use crate::ChartError;
use crate::i18n::{fill, strings};
use crate::page::{self, BLUE, GREY, LABEL_SIZE, LINE, SMALL_SIZE, Swatch, VERMILLION};
use crate::svg::{Anchor, Doc, INK, MARGIN, MUTED, RULE, Rgb, TextStyle, WIDTH, attr};

const LEFT_AXIS: f64 = 450.0;
const RIGHT_AXIS: f64 = 720.0;
const CHANGE_COLUMN: f64 = 56.0;
/// A rank change of at least this many places is drawn in full.
const BIG_MOVE: u32 = 3;

fn tint(c: Rgb) -> Rgb {
    let mix = |v: u8| (f64::from(v) * 0.55 + 255.0 * 0.45).round() as u8;
    Rgb(mix(c.0), mix(c.1), mix(c.2))
}

fn colour(movement: Movement) -> Rgb {
    match movement {
        Movement::Up => BLUE,
        Movement::Down => VERMILLION,
        Movement::Same | Movement::New | Movement::Dropped => GREY,
    }
}

pub(crate) fn render(comparison: &Comparison, respondents: Option<(u32, u32)>, lang: Lang) -> Result<String, ChartError> {
    let s = strings(lang);
    let (from, to) = (comparison.from.as_str(), comparison.to.as_str());
    let title = fill(s.compare_title, &[("from", from), ("to", to)]);
    let mut doc = Doc::new(lang, &title);
    let subtitle = match respondents {
        Some((n, m)) => fill(s.compare_subtitle_counts, &[("from", from), ("to", to), ("n", &n.to_string()), ("m", &m.to_string())]),
        None => fill(s.compare_subtitle, &[("from", from), ("to", to)]),
    };
    let mut subtitles = vec![subtitle];
    if !comparison.summary.trim().is_empty() {
        subtitles.push(comparison.summary.clone());
    }
    let mut y = page::header(&mut doc, &title, &subtitles);
    let legend = [
        (Swatch::Line(BLUE, 4), s.rose.to_owned()),
        (Swatch::Line(VERMILLION, 4), s.fell.to_owned()),
        (Swatch::Line(GREY, 2), s.unchanged.to_owned()),
        (Swatch::Ring(INK, 5.0), format!("{} / {}", s.new, s.dropped)),
    ];
    y = page::legend(&mut doc, y, &legend)? + 14.0;
    if comparison.rows.is_empty() {
        y = page::no_data(&mut doc, y);
    } else {
        y = slopes(&mut doc, y, comparison)?;
    }
    let height = page::footer(&mut doc, y, to)?;
    Ok(doc.finish(height))
}

/// Rows of one side, by rank there (ties keep the comparison's order), as (row index, rank).
fn side(rows: &[ComparisonRow], later: bool) -> Vec<(usize, u32)> {
    let mut out: Vec<(usize, u32)> =
        rows.iter().enumerate().filter_map(|(i, r)| if later { r.to } else { r.from }.map(|rs| (i, rs.rank))).collect();
    out.sort_by_key(|&(i, rank)| (rank, i));
    out
}

fn slopes(doc: &mut Doc, y: f64, comparison: &Comparison) -> Result<f64, ChartError> {
    let s = strings(doc.lang);
    let rows = &comparison.rows;
    let label_style = TextStyle::new(LABEL_SIZE);
    let line_height = LABEL_SIZE * LINE;
    let left_width = LEFT_AXIS - 48.0 - MARGIN;
    let right_width = WIDTH - MARGIN - CHANGE_COLUMN - (RIGHT_AXIS + 44.0);
    let left = side(rows, false);
    let right = side(rows, true);
    let wrap_left: Vec<Vec<String>> = rows.iter().map(|r| doc.wrap(&r.label, left_width, &label_style)).collect();
    let wrap_right: Vec<Vec<String>> = rows.iter().map(|r| doc.wrap(&r.label, right_width, &label_style)).collect();
    let most_lines =
        left.iter().map(|(i, _)| wrap_left[*i].len()).chain(right.iter().map(|(i, _)| wrap_right[*i].len())).max().unwrap_or(1);
    let pitch = (most_lines as f64 * line_height + 12.0).max(32.0);

    let header_style = TextStyle::new(17.0).bold().anchor(Anchor::Middle);
    doc.open("class=\"columns\"");
    doc.text(LEFT_AXIS, y + 16.0, comparison.from.as_str(), &header_style);
    doc.text(RIGHT_AXIS, y + 16.0, comparison.to.as_str(), &header_style);
    doc.close();
    let top = y + 34.0;
    let slots = left.len().max(right.len());
    let bottom = top + pitch * slots as f64;
    let slot_y = |slot: usize| top + pitch * (slot as f64 + 0.5);
    let y_left = |i: usize| left.iter().position(|(j, _)| *j == i).map(slot_y);
    let y_right = |i: usize| right.iter().position(|(j, _)| *j == i).map(slot_y);

    doc.shapes(|sh| {
        sh.line(LEFT_AXIS, top, LEFT_AXIS, bottom, RULE, 2);
        sh.line(RIGHT_AXIS, top, RIGHT_AXIS, bottom, RULE, 2);
    })?;
    // Unchanged and small moves underneath, then big fallers, then big risers on top.
    let layer = |row: &ComparisonRow| {
        let big = row.rank_change.is_some_and(|n| n.unsigned_abs() >= BIG_MOVE);
        match (row.movement, big) {
            (Movement::Down, true) => 2,
            (Movement::Up, true) => 3,
            (Movement::Same, _) => 0,
            _ => 1,
        }
    };
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| layer(&rows[i]));
    doc.open("class=\"slopes\"");
    doc.shapes(|sh| {
        for &i in &order {
            let row = &rows[i];
            let c = colour(row.movement);
            match (y_left(i), y_right(i)) {
                (Some(a), Some(b)) => {
                    // Big moves in full colour and thick; small ones thinner and paler.
                    let big = row.rank_change.is_some_and(|n| n.unsigned_abs() >= BIG_MOVE);
                    let (c, width) = if big { (c, 4) } else { (tint(c), 2) };
                    sh.line(LEFT_AXIS, a, RIGHT_AXIS, b, c, width);
                    sh.circle(LEFT_AXIS, a, 5.0, c, true, 0);
                    sh.circle(RIGHT_AXIS, b, 5.0, c, true, 0);
                }
                (Some(a), None) => {
                    sh.circle(LEFT_AXIS, a, 5.0, Rgb(0xff, 0xff, 0xff), true, 0);
                    sh.circle(LEFT_AXIS, a, 5.0, INK, false, 2);
                }
                (None, Some(b)) => {
                    sh.circle(RIGHT_AXIS, b, 5.0, Rgb(0xff, 0xff, 0xff), true, 0);
                    sh.circle(RIGHT_AXIS, b, 5.0, INK, false, 2);
                }
                (None, None) => {}
            }
        }
    })?;
    doc.close();

    let rank_style = TextStyle::new(LABEL_SIZE).bold().fill(MUTED);
    let badge = TextStyle::new(SMALL_SIZE).bold().fill(INK);
    for (slot, &(i, rank)) in left.iter().enumerate() {
        let row = &rows[i];
        let centre = slot_y(slot);
        let lines = &wrap_left[i];
        let first = centre - (lines.len() as f64 - 1.0) * line_height / 2.0 + LABEL_SIZE * 0.36;
        doc.open(&format!("class=\"label\" data-side=\"from\" data-key=\"{}\"", attr(row.theme.as_str())));
        let style = if row.to.is_none() { label_style.fill(MUTED) } else { label_style };
        doc.lines(LEFT_AXIS - 48.0, first, lines, line_height, &style.anchor(Anchor::End));
        doc.close();
        doc.text(LEFT_AXIS - 14.0, centre + 5.0, &rank.to_string(), &rank_style.anchor(Anchor::End));
        if row.movement == Movement::Dropped {
            doc.text(LEFT_AXIS + 14.0, centre + 5.0, s.dropped, &badge.anchor(Anchor::Start));
        }
    }
    for (slot, &(i, rank)) in right.iter().enumerate() {
        let row = &rows[i];
        let centre = slot_y(slot);
        let lines = &wrap_right[i];
        let first = centre - (lines.len() as f64 - 1.0) * line_height / 2.0 + LABEL_SIZE * 0.36;
        doc.open(&format!("class=\"label\" data-side=\"to\" data-key=\"{}\"", attr(row.theme.as_str())));
        doc.lines(RIGHT_AXIS + 44.0, first, lines, line_height, &label_style);
        doc.close();
        doc.text(RIGHT_AXIS + 14.0, centre + 5.0, &rank.to_string(), &rank_style);
        if row.movement == Movement::New {
            doc.text(RIGHT_AXIS - 14.0, centre + 5.0, s.new, &badge.anchor(Anchor::End));
        }
        let change = match (row.movement, row.rank_change) {
            (Movement::Up, Some(n)) => Some(format!("▲ {}", n.unsigned_abs())),
            (Movement::Down, Some(n)) => Some(format!("▼ {}", n.unsigned_abs())),
            (Movement::Same, _) => Some("=".to_owned()),
            _ => None,
        };
        if let Some(change) = change {
            let style = TextStyle::new(14.0).bold().fill(colour(row.movement)).anchor(Anchor::End);
            doc.open(&format!("class=\"change\" data-key=\"{}\"", attr(row.theme.as_str())));
            doc.text(WIDTH - MARGIN, centre + 5.0, &change, &style);
            doc.close();
        }
    }
    Ok(bottom + 8.0)
}
