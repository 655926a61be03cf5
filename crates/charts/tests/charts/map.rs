//! The map really shades the named countries: pixels sampled at known countries' points.

use barometer_charts::{ChartInput, project, render_svg, svg_to_png};
use barometer_domain::{Lang, countries};

use crate::fixtures::{Demo, decode_png, groups, hex, pixel, text_of};

const NEUTRAL: &str = "#e6e8eb";
const WIDTH: u32 = 1200;

/// The map group's offset on the page.
fn map_origin(doc: &roxmltree::Document<'_>) -> (f64, f64) {
    let map = doc.descendants().find(|n| n.attribute("id") == Some("map")).expect("a map group");
    let transform = map.attribute("transform").unwrap();
    let inner = transform.trim_start_matches("translate(").trim_end_matches(')');
    let mut parts = inner.split([' ', ',']).filter(|p| !p.is_empty()).map(|p| p.parse::<f64>().unwrap());
    (parts.next().unwrap(), parts.next().unwrap())
}

struct Rendered {
    svg: String,
    image: (u32, u32, usize, Vec<u8>),
}

impl Rendered {
    fn new(demo: &Demo, with_labels: bool, lang: Lang) -> Rendered {
        let regions = if with_labels { demo.region_defs.as_slice() } else { &[] };
        let svg = render_svg(&ChartInput::RegionsMap { table: &demo.regions, regions }, lang).unwrap();
        let image = decode_png(&svg_to_png(&svg, WIDTH).unwrap());
        Rendered { svg, image }
    }

    /// The pixel colour at a country's representative point.
    fn colour_at(&self, iso3: &str) -> String {
        let doc = roxmltree::Document::parse(&self.svg).unwrap();
        let (ox, oy) = map_origin(&doc);
        let (lon, lat) = countries::find(iso3).and_then(|c| c.point).expect("a point");
        let (x, y) = project(lon, lat);
        let scale = f64::from(WIDTH) / 1200.0;
        hex(pixel(&self.image, (ox + x) * scale, (oy + y) * scale))
    }

    /// The fill the SVG gives a country's shape or dot.
    fn fill_of(&self, iso3: &str, tag: &str) -> Option<String> {
        let doc = roxmltree::Document::parse(&self.svg).unwrap();
        doc.descendants()
            .find(|n| n.has_tag_name(tag) && n.attribute("data-iso3") == Some(iso3))
            .and_then(|n| n.attribute("fill").map(str::to_owned))
    }
}

#[test]
fn named_countries_are_shaded_by_coverage_and_the_others_stay_neutral() {
    let demo = Demo::load(Lang::En);
    let map = Rendered::new(&demo, false, Lang::En);
    let coverage = |iso: &str| demo.regions.countries.iter().find(|c| c.iso3.as_str() == iso).map(|c| c.assemblies);
    for iso3 in ["MLI", "EGY", "NGA", "KAZ", "IDN"] {
        assert!(coverage(iso3).is_some(), "{iso3} is covered in the demo");
        let fill = map.fill_of(iso3, "path").unwrap();
        assert_ne!(fill, NEUTRAL, "{iso3}");
        assert_eq!(map.colour_at(iso3), fill, "{iso3} is drawn in its class colour");
    }
    // Mali (8 assemblies) and Egypt (9) are in different classes: the scale tells them apart.
    assert_ne!(map.fill_of("MLI", "path"), map.fill_of("EGY", "path"));
    for iso3 in ["BRA", "USA", "CHN", "AUS"] {
        assert!(coverage(iso3).is_none(), "{iso3} is not covered in the demo");
        assert_eq!(map.colour_at(iso3), NEUTRAL, "{iso3} stays neutral");
    }
}

#[test]
fn small_covered_states_are_visible_as_dots() {
    let demo = Demo::load(Lang::En);
    let map = Rendered::new(&demo, false, Lang::En);
    for iso3 in ["BHR", "MLT", "SGP"] {
        let fill = map.fill_of(iso3, "circle").unwrap_or_else(|| panic!("{iso3} has a dot"));
        assert_ne!(fill, NEUTRAL);
        assert_eq!(map.colour_at(iso3), fill, "{iso3}'s dot is drawn");
    }
    // An uncovered small state gets no dot.
    assert!(map.fill_of("BRB", "circle").is_none());
}

#[test]
fn the_map_is_the_same_in_every_language_and_not_mirrored_in_arabic() {
    let en = Rendered::new(&Demo::load(Lang::En), false, Lang::En);
    let ar = Rendered::new(&Demo::load(Lang::Ar), false, Lang::Ar);
    for iso3 in ["MLI", "BRA", "SGP"] {
        assert_eq!(en.colour_at(iso3), ar.colour_at(iso3), "{iso3}");
    }
}

#[test]
fn named_regions_are_labelled_with_their_assemblies() {
    let demo = Demo::load(Lang::En);
    let svg = render_svg(&ChartInput::RegionsMap { table: &demo.regions, regions: &demo.region_defs }, Lang::En).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let labels = text_of(groups(&doc, "region-labels")[0]);
    for expected in ["Sahel (8)", "Middle East and North Africa (9)", "Europe (4)", "South-East Asia (2)"] {
        assert!(labels.contains(expected), "{expected} in {labels}");
    }
    assert!(!labels.contains("Latin America"), "a region nobody named is not labelled: {labels}");
    let legend = text_of(groups(&doc, "legend")[0]);
    assert!(legend.contains("Not named") && legend.contains("Small state"), "{legend}");
}
