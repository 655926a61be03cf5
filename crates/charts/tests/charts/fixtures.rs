//! The demo data's results (see `tests/fixtures/make_fixtures.py`) and helpers to read what the
//! charts drew.

use std::path::PathBuf;

use barometer_charts::{ChartInput, ChartName, render_svg};
use barometer_domain::Lang;
use barometer_domain::questionnaire::RegionDef;
use barometer_domain::results::{Comparison, PrioritiesTable, RegionsTable, Stability};
use serde::de::DeserializeOwned;

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture<T: DeserializeOwned>(name: &str) -> T {
    let path = crate_dir().join("tests/fixtures").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Everything the five charts of the demo's 2025 cycle need, in one language.
pub struct Demo {
    pub priorities: PrioritiesTable,
    pub regions: RegionsTable,
    pub comparison: Comparison,
    pub respondents: (u32, u32),
    pub stability: Stability,
    pub region_defs: Vec<RegionDef>,
}

impl Demo {
    pub fn load(lang: Lang) -> Demo {
        let code = lang.code();
        let earlier: PrioritiesTable = fixture(&format!("priorities-2023-24.{code}.json"));
        let priorities: PrioritiesTable = fixture(&format!("priorities-2025.{code}.json"));
        Demo {
            respondents: (earlier.respondents, priorities.respondents),
            priorities,
            regions: fixture(&format!("regions-2025.{code}.json")),
            comparison: fixture(&format!("compare-2023-24-2025.{code}.json")),
            stability: fixture(&format!("stability-2025.{code}.json")),
            region_defs: fixture("region-defs-2025.json"),
        }
    }

    pub fn input(&self, chart: ChartName) -> ChartInput<'_> {
        match chart {
            ChartName::Priorities => ChartInput::Priorities(&self.priorities),
            ChartName::Regions => ChartInput::Regions(&self.regions),
            ChartName::RegionsMap => ChartInput::RegionsMap { table: &self.regions, regions: &self.region_defs },
            ChartName::Compare => ChartInput::Compare { comparison: &self.comparison, respondents: Some(self.respondents) },
            ChartName::Stability => ChartInput::Stability(&self.stability),
        }
    }

    pub fn svg(&self, chart: ChartName, lang: Lang) -> String {
        render_svg(&self.input(chart), lang).unwrap_or_else(|e| panic!("{chart} in {lang}: {e}"))
    }
}

/// The text of an element: its text nodes joined by spaces (a wrapped label's lines), with
/// runs of whitespace collapsed.
pub fn text_of(node: roxmltree::Node<'_, '_>) -> String {
    let parts: Vec<&str> = node.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect();
    parts.join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `<g class="…">` groups of a class, in document order.
pub fn groups<'a, 'i>(doc: &'a roxmltree::Document<'i>, class: &str) -> Vec<roxmltree::Node<'a, 'i>> {
    doc.descendants().filter(|n| n.has_tag_name("g") && n.attribute("class") == Some(class)).collect()
}

/// Decoded RGB(A) pixels: (width, height, bytes per pixel, data).
pub fn decode_png(bytes: &[u8]) -> (u32, u32, usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut data = vec![0; reader.output_buffer_size().expect("a sane size")];
    let info = reader.next_frame(&mut data).expect("PNG data");
    data.truncate(info.buffer_size());
    (info.width, info.height, info.color_type.samples(), data)
}

pub fn pixel(image: &(u32, u32, usize, Vec<u8>), x: f64, y: f64) -> [u8; 3] {
    let (w, _, channels, data) = image;
    let i = ((y.round() as usize) * (*w as usize) + x.round() as usize) * channels;
    [data[i], data[i + 1], data[i + 2]]
}

pub fn hex(rgb: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2])
}
