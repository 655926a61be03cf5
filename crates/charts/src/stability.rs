//! `stability`: each theme's 90% rank interval over the bootstrap resamples, its median and its
//! observed rank, with the probability of a top-2 rank in a column of its own.

use barometer_domain::Lang;
use barometer_domain::results::Stability;

use crate::ChartError;
use crate::i18n::{fill, integer, percent_fine, strings};
use crate::page::{self, BLUE, LABEL_SIZE, LINE, Look, PRIMARY, SECONDARY, SMALL_SIZE, Swatch};
use crate::svg::{Anchor, Doc, INK, MARGIN, MUTED, RULE, TextStyle, WIDTH, attr};

const LABEL_COLUMN: f64 = 400.0;
const PLOT_X0: f64 = MARGIN + LABEL_COLUMN + 30.0;
const PLOT_X1: f64 = 880.0;
const P_X0: f64 = 930.0;
const P_BAR: f64 = 150.0;

pub(crate) fn render(stability: &Stability, lang: Lang) -> Result<String, ChartError> {
    let s = strings(lang);
    let mut doc = Doc::new(lang, s.stability_title);
    let subtitle = fill(
        s.stability_subtitle,
        &[
            ("cycle", stability.cycle.as_str()),
            ("n", &stability.respondents.to_string()),
            ("r", &integer(u64::from(stability.resamples), lang)),
        ],
    );
    let mut y = page::header(&mut doc, s.stability_title, &[subtitle]);
    let legend = [
        (Swatch::Dot(PRIMARY, 6.0), s.observed.to_owned()),
        (Swatch::Bar(Look::Solid(SECONDARY)), s.interval.to_owned()),
        (Swatch::Tick(INK), s.median.to_owned()),
    ];
    y = page::legend(&mut doc, y, &legend)? + 14.0;
    if stability.rows.is_empty() || stability.respondents == 0 {
        y = page::no_data(&mut doc, y);
    } else {
        y = intervals(&mut doc, y, stability)?;
    }
    let height = page::footer(&mut doc, y, stability.cycle.as_str())?;
    Ok(doc.finish(height))
}

fn intervals(doc: &mut Doc, y: f64, stability: &Stability) -> Result<f64, ChartError> {
    let s = strings(doc.lang);
    let rows = &stability.rows;
    let max_rank = rows.iter().map(|r| r.rank.max(r.rank_high)).max().unwrap_or(1).max(2);
    let x_of = |rank: f64| PLOT_X0 + (PLOT_X1 - PLOT_X0) * (rank - 1.0) / f64::from(max_rank - 1);
    let label_style = TextStyle::new(LABEL_SIZE);
    let line_height = LABEL_SIZE * LINE;
    let text_x0 = MARGIN + 36.0;

    // The probability column's heading, wrapped to its width.
    let heading_style = TextStyle::new(SMALL_SIZE).bold();
    let heading = doc.wrap(s.p_top2, WIDTH - MARGIN - P_X0, &heading_style);
    doc.open("class=\"column-heading\"");
    doc.lines(P_X0, y + SMALL_SIZE, &heading, SMALL_SIZE * LINE, &heading_style);
    doc.close();
    let top = y + heading.len() as f64 * SMALL_SIZE * LINE + 10.0;

    let mut layout = Vec::with_capacity(rows.len());
    let mut cursor = top;
    for row in rows {
        let lines = doc.wrap(&row.label, PLOT_X0 - 30.0 - text_x0, &label_style);
        let height = (lines.len() as f64 * line_height).max(22.0) + 14.0;
        layout.push((lines, cursor + height / 2.0));
        cursor += height;
    }
    let bottom = cursor;

    doc.open("class=\"grid\"");
    doc.shapes(|sh| {
        for rank in 1..=max_rank {
            let x = x_of(f64::from(rank));
            sh.line(x, top, x, bottom, RULE, 1);
        }
        sh.line(P_X0, top, P_X0, bottom, INK, 1);
    })?;
    doc.close();

    doc.open("class=\"intervals\"");
    for (row, (_, centre)) in rows.iter().zip(&layout) {
        let (lo, hi) = (f64::from(row.rank_low.min(row.rank_high)), f64::from(row.rank_high.max(row.rank_low)));
        let centre = *centre;
        page::paint_bar(doc, x_of(lo) - 5.0, centre - 6.0, x_of(hi) + 5.0, centre + 6.0, Look::Solid(SECONDARY))?;
        doc.shapes(|sh| {
            let m = x_of(row.rank_median);
            sh.line(m, centre - 10.0, m, centre + 10.0, INK, 2);
            sh.circle(x_of(f64::from(row.rank)), centre, 6.0, PRIMARY, true, 0);
            sh.rect(P_X0, centre - 8.0, P_X0 + P_BAR * row.p_top2.clamp(0.0, 1.0), centre + 8.0, BLUE);
        })?;
    }
    doc.close();

    let rank_style = TextStyle::new(LABEL_SIZE).bold().fill(MUTED).anchor(Anchor::End);
    let value_style = TextStyle::new(14.0);
    for (row, (lines, centre)) in rows.iter().zip(&layout) {
        let first = centre - (lines.len() as f64 - 1.0) * line_height / 2.0 + LABEL_SIZE * 0.36;
        doc.open(&format!("class=\"label\" data-key=\"{}\"", attr(row.theme.as_str())));
        doc.lines(text_x0, first, lines, line_height, &label_style);
        doc.close();
        doc.text(MARGIN + 26.0, first, &row.rank.to_string(), &rank_style);
        doc.open(&format!("class=\"value\" data-key=\"{}\"", attr(row.theme.as_str())));
        let x = P_X0 + P_BAR * row.p_top2.clamp(0.0, 1.0) + 8.0;
        doc.text(x, centre + 5.0, &percent_fine(row.p_top2, doc.lang), &value_style);
        doc.close();
    }

    let tick_style = TextStyle::new(SMALL_SIZE).fill(MUTED).anchor(Anchor::Middle);
    doc.open("class=\"axis\"");
    for rank in 1..=max_rank {
        doc.text(x_of(f64::from(rank)), bottom + 18.0, &rank.to_string(), &tick_style);
    }
    let title_style = TextStyle::new(SMALL_SIZE).anchor(Anchor::Middle);
    doc.text((PLOT_X0 + PLOT_X1) / 2.0, bottom + 40.0, s.rank_axis, &title_style);
    doc.close();
    Ok(bottom + 46.0)
}
