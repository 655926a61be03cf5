//! `priorities`: Table 1 as horizontal bars, highest first, coloured by tier.

use barometer_domain::Lang;
use barometer_domain::results::{PrioritiesTable, Tier};

use crate::ChartError;
use crate::bars::{self, Bar};
use crate::i18n::{percent, strings};
use crate::page::{self, Look, OTHER, OTHER_EDGE, PRIMARY, SECONDARY, Swatch};
use crate::svg::Doc;

pub(crate) fn look(tier: Tier) -> Look {
    match tier {
        Tier::Primary => Look::Solid(PRIMARY),
        Tier::Secondary => Look::Hatched(SECONDARY),
        Tier::Other => Look::Outlined(OTHER, OTHER_EDGE),
    }
}

pub(crate) fn render(table: &PrioritiesTable, lang: Lang) -> Result<String, ChartError> {
    let s = strings(lang);
    let mut doc = Doc::new(lang, s.priorities_title);
    let subtitle = page::cycle_line(lang, table.cycle.as_str(), table.respondents, table.members);
    let mut y = page::header(&mut doc, s.priorities_title, &[subtitle, s.priorities_note.to_owned()]);
    let legend = [
        (Swatch::Bar(look(Tier::Primary)), s.tier_primary.to_owned()),
        (Swatch::Bar(look(Tier::Secondary)), s.tier_secondary.to_owned()),
        (Swatch::Bar(look(Tier::Other)), s.tier_other.to_owned()),
    ];
    y = page::legend(&mut doc, y, &legend)? + 18.0;
    if table.rows.is_empty() || table.respondents == 0 {
        y = page::no_data(&mut doc, y);
    } else {
        // Rows arrive in Table 1's order (points, then assemblies, then code): highest first.
        let rows: Vec<Bar> = table
            .rows
            .iter()
            .map(|row| Bar {
                key: row.theme.to_string(),
                label: row.label.clone(),
                level: 0,
                rank: Some(row.rank.to_string()),
                share: row.share,
                value: format!("{} ({})", percent(row.share, lang), row.assemblies),
                look: look(row.tier),
            })
            .collect();
        y = bars::draw(&mut doc, y, &rows, s.share_axis)?;
    }
    let height = page::footer(&mut doc, y, table.cycle.as_str())?;
    Ok(doc.finish(height))
}
