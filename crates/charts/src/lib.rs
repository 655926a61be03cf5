//! barometer's charts: the figures of the outcome document, drawn from the analytics results as
//! SVG strings and PNG bytes, in English, French, Arabic and Russian.
//!
//! What it is for: turning the result shapes of [`barometer_domain::results`] into finished
//! charts — `priorities` (Table 1 as bars by tier), `regions` (Table 2 as bars, sub-regions under
//! their parent), `regions-map` (per-country coverage on an Equal Earth world map), `compare`
//! (a slope chart of ranks in two cycles) and `stability` (bootstrap rank intervals). Fonts
//! (DejaVu Sans, Noto Sans Arabic) and world geometry (Natural Earth) are compiled in from
//! `charts/` at the repository root: rendering needs no files, no network and no system fonts,
//! and the same input always gives the same bytes.
//!
//! What it is not for: computing results (the analytics crate does), caching or serving charts
//! (the web crate does; rendering is CPU-bound, so call it from `web::block`/`spawn_blocking`).
//!
//! ```no_run
//! # fn demo(table: &barometer_domain::results::PrioritiesTable) -> Result<(), barometer_charts::ChartError> {
//! use barometer_charts::{ChartInput, render_svg, svg_to_png, DEFAULT_PNG_WIDTH};
//! use barometer_domain::Lang;
//! let svg = render_svg(&ChartInput::Priorities(table), Lang::Ar)?;
//! let png = svg_to_png(&svg, DEFAULT_PNG_WIDTH)?;
//! # Ok(()) }
//! ```
//!
//! How it works: charts lay out in a 1200-unit-wide logical page (mirrored for Arabic), shapes
//! are drawn with plotters' `SVGBackend`, text and map paths are written by hand (plotters
//! cannot mark text right to left), and labels are measured with the same shaping engine
//! (harfrust) and fonts that resvg uses for the PNG, so wrapped text always fits.

mod bars;
mod compare;
mod fonts;
mod geo;
mod i18n;
mod map;
mod page;
mod png;
mod priorities;
mod regions;
mod stability;
mod svg;

use std::fmt;
use std::str::FromStr;

use barometer_domain::Lang;
use barometer_domain::questionnaire::RegionDef;
use barometer_domain::results::{Comparison, PrioritiesTable, RegionsTable, Stability};

pub use crate::geo::project;
pub use crate::png::{DEFAULT_PNG_WIDTH, MAX_PNG_WIDTH, MIN_PNG_WIDTH, svg_to_png};

/// The charts, by the names the API and the report use (`priorities`, `regions`,
/// `regions-map`, `compare`, `stability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChartName {
    Priorities,
    Regions,
    RegionsMap,
    Compare,
    Stability,
}

impl ChartName {
    pub const ALL: [ChartName; 5] =
        [ChartName::Priorities, ChartName::Regions, ChartName::RegionsMap, ChartName::Compare, ChartName::Stability];

    /// The name in URLs and file names.
    pub fn slug(self) -> &'static str {
        match self {
            ChartName::Priorities => "priorities",
            ChartName::Regions => "regions",
            ChartName::RegionsMap => "regions-map",
            ChartName::Compare => "compare",
            ChartName::Stability => "stability",
        }
    }

    pub fn parse(slug: &str) -> Option<ChartName> {
        ChartName::ALL.into_iter().find(|c| c.slug() == slug)
    }
}

impl fmt::Display for ChartName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

impl FromStr for ChartName {
    type Err = UnknownChart;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ChartName::parse(s).ok_or_else(|| UnknownChart(s.chars().take(40).collect()))
    }
}

/// A chart name that is not one of [`ChartName::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a chart: use priorities, regions, regions-map, compare or stability")]
pub struct UnknownChart(String);

/// What to draw: a chart and the results it draws. Labels in the results are drawn as given,
/// so fetch the results in the chart's language.
#[derive(Debug, Clone, Copy)]
pub enum ChartInput<'a> {
    /// Table 1.
    Priorities(&'a PrioritiesTable),
    /// Table 2.
    Regions(&'a RegionsTable),
    /// Table 2's per-country coverage on a world map. `regions` are the cycle's region
    /// definitions (`Questionnaire::regions`): the named regions are labelled where their
    /// countries lie. Pass `&[]` to draw the map without region labels.
    RegionsMap { table: &'a RegionsTable, regions: &'a [RegionDef] },
    /// The year-over-year comparison. `respondents` are the two cycles' respondents (from their
    /// Table 1, earlier cycle first), shown in the subtitle when given.
    Compare { comparison: &'a Comparison, respondents: Option<(u32, u32)> },
    /// Rank stability from the bootstrap.
    Stability(&'a Stability),
}

impl ChartInput<'_> {
    pub fn name(&self) -> ChartName {
        match self {
            ChartInput::Priorities(_) => ChartName::Priorities,
            ChartInput::Regions(_) => ChartName::Regions,
            ChartInput::RegionsMap { .. } => ChartName::RegionsMap,
            ChartInput::Compare { .. } => ChartName::Compare,
            ChartInput::Stability(_) => ChartName::Stability,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("a PNG width of {width} pixels is out of range: use {min} to {max}")]
    Width { width: u32, min: u32, max: u32 },
    #[error("the image would be {width}×{height} pixels, too large to render: ask for a smaller width")]
    TooLarge { width: u32, height: u32 },
    #[error("the SVG could not be read: {0}")]
    Svg(String),
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    #[error("encoding the PNG failed: {0}")]
    Encode(String),
}

impl ChartError {
    /// A stable snake_case code for API errors. `invalid_width` and `image_too_large` are the
    /// caller's to fix (422); the others are internal faults (500).
    pub fn code(&self) -> &'static str {
        match self {
            ChartError::Width { .. } => "invalid_width",
            ChartError::TooLarge { .. } => "image_too_large",
            ChartError::Svg(_) => "chart_svg_invalid",
            ChartError::Draw(_) => "chart_draw_failed",
            ChartError::Encode(_) => "chart_encode_failed",
        }
    }

    /// Whether the request, not the service, is at fault.
    pub fn is_client_error(&self) -> bool {
        matches!(self, ChartError::Width { .. } | ChartError::TooLarge { .. })
    }
}

/// Draws a chart as a standalone SVG document (UTF-8), in `lang`.
pub fn render_svg(input: &ChartInput<'_>, lang: Lang) -> Result<String, ChartError> {
    let started = std::time::Instant::now();
    let svg = match *input {
        ChartInput::Priorities(table) => priorities::render(table, lang),
        ChartInput::Regions(table) => regions::render(table, lang),
        ChartInput::RegionsMap { table, regions } => map::render(table, regions, lang),
        ChartInput::Compare { comparison, respondents } => compare::render(comparison, respondents, lang),
        ChartInput::Stability(stability) => stability::render(stability, lang),
    }?;
    tracing::debug!(
        chart = input.name().slug(),
        lang = lang.code(),
        bytes = svg.len(),
        micros = started.elapsed().as_micros() as u64,
        "chart drawn"
    );
    Ok(svg)
}

/// [`render_svg`] then [`svg_to_png`] at `width` pixels ([`DEFAULT_PNG_WIDTH`] for slides,
/// about 2500 for an A4 page at 300 dpi, at most [`MAX_PNG_WIDTH`]).
pub fn render_png(input: &ChartInput<'_>, lang: Lang, width: u32) -> Result<Vec<u8>, ChartError> {
    svg_to_png(&render_svg(input, lang)?, width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_names_round_trip() {
        for name in ChartName::ALL {
            assert_eq!(name.slug().parse::<ChartName>().unwrap(), name);
        }
        assert_eq!(ChartName::parse("regions-map"), Some(ChartName::RegionsMap));
        assert!("map".parse::<ChartName>().is_err());
    }
}
