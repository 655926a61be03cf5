//! The horizontal bar chart behind `priorities` and `regions`: a label column (wrapped, never
//! cut), bars on a share axis, the value at the end of each bar.

use crate::ChartError;
use crate::fonts::Weight;
use crate::page::{LABEL_SIZE, LINE, Look, axis_max, paint_bar, share_axis, ticks};
use crate::svg::{Anchor, Doc, INK, MARGIN, MUTED, RULE, TextStyle, WIDTH, attr};

/// One bar.
pub(crate) struct Bar {
    /// The theme or region code, kept on the label's group (`data-key`).
    pub key: String,
    pub label: String,
    /// 0 for a top-level row, 1 for a row indented under the one above.
    pub level: u8,
    pub rank: Option<String>,
    pub share: f64,
    pub value: String,
    pub look: Look,
}

const LABEL_COLUMN: f64 = 420.0;
const VALUE_COLUMN: f64 = 110.0;
const BAR_HEIGHT: f64 = 22.0;
const INDENT: f64 = 26.0;

/// Draws the bars from `y` down; returns the y below the axis.
pub(crate) fn draw(doc: &mut Doc, y: f64, bars: &[Bar], axis_title: &str) -> Result<f64, ChartError> {
    let has_rank = bars.iter().any(|b| b.rank.is_some());
    let text_x0 = MARGIN + if has_rank { 36.0 } else { 0.0 };
    let bar_x0 = MARGIN + LABEL_COLUMN + 20.0;
    let bar_x1 = WIDTH - MARGIN - VALUE_COLUMN;
    let max = axis_max(bars.iter().map(|b| b.share).fold(0.0, f64::max));
    let scale = |share: f64| bar_x0 + (bar_x1 - bar_x0) * (share / max).clamp(0.0, 1.0);
    let line_height = LABEL_SIZE * LINE;

    // Lay out first: each row is as tall as its wrapped label.
    let mut rows = Vec::with_capacity(bars.len());
    let mut cursor = y;
    for bar in bars {
        let indent = f64::from(bar.level) * INDENT;
        let style = label_style(bar.level);
        let lines = doc.wrap(&bar.label, bar_x0 - 20.0 - text_x0 - indent, &style);
        let height = (lines.len() as f64 * line_height).max(BAR_HEIGHT) + 14.0;
        rows.push((lines, cursor + height / 2.0));
        cursor += height;
    }
    let bottom = cursor;

    doc.open("class=\"grid\"");
    doc.shapes(|s| {
        for tick in ticks(max) {
            let x = scale(tick);
            s.line(x, y, x, bottom, RULE, 1);
        }
    })?;
    doc.close();

    doc.open("class=\"bars\"");
    for (bar, (_, centre)) in bars.iter().zip(&rows) {
        let end = scale(bar.share);
        if end - bar_x0 >= 0.5 {
            paint_bar(doc, bar_x0, centre - BAR_HEIGHT / 2.0, end, centre + BAR_HEIGHT / 2.0, bar.look)?;
        }
    }
    doc.shapes(|s| s.line(bar_x0, y, bar_x0, bottom, INK, 1))?;
    doc.close();

    // Sub-rows hang from their parent with a small bracket.
    let mut parent_centre = None;
    let mut connectors = Vec::new();
    for (bar, (lines, centre)) in bars.iter().zip(&rows) {
        if bar.level == 0 {
            parent_centre = Some(centre + (lines.len() as f64 - 1.0) * line_height / 2.0 + 8.0);
        } else if let Some(top) = parent_centre {
            connectors.push((top, *centre));
        }
    }
    if !connectors.is_empty() {
        doc.shapes(|s| {
            let x = text_x0 + 8.0;
            for (top, centre) in &connectors {
                s.line(x, *top, x, *centre, MUTED, 1);
                s.line(x, *centre, x + 12.0, *centre, MUTED, 1);
            }
        })?;
    }

    let value_style = TextStyle::new(14.0).fill(INK);
    let rank_style = TextStyle::new(LABEL_SIZE).bold().fill(MUTED).anchor(Anchor::End);
    for (bar, (lines, centre)) in bars.iter().zip(&rows) {
        let first = centre - (lines.len() as f64 - 1.0) * line_height / 2.0 + LABEL_SIZE * 0.36;
        let indent = f64::from(bar.level) * INDENT;
        doc.open(&format!("class=\"label\" data-key=\"{}\"", attr(&bar.key)));
        doc.lines(text_x0 + indent, first, lines, line_height, &label_style(bar.level));
        doc.close();
        if let Some(rank) = &bar.rank {
            doc.text(MARGIN + 26.0, first, rank, &rank_style);
        }
        doc.open(&format!("class=\"value\" data-key=\"{}\"", attr(&bar.key)));
        doc.text(scale(bar.share) + 8.0, centre + 5.0, &bar.value, &value_style);
        doc.close();
    }

    Ok(share_axis(doc, bar_x0, bar_x1, bottom, max, axis_title))
}

fn label_style(level: u8) -> TextStyle {
    let style = TextStyle::new(LABEL_SIZE);
    if level == 0 { style } else { TextStyle { weight: Weight::Regular, ..style.fill(MUTED) } }
}
