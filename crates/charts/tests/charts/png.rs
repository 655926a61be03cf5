//! Every chart rasterises to a PNG of the requested width.

use barometer_charts::{ChartError, ChartName, DEFAULT_PNG_WIDTH, MAX_PNG_WIDTH, svg_to_png};
use barometer_domain::Lang;

use crate::fixtures::{Demo, decode_png};

fn svg_height(svg: &str) -> f64 {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.root_element().attribute("height").unwrap().parse().unwrap()
}

#[test]
fn every_chart_decodes_at_the_default_width_with_its_aspect_ratio() {
    for lang in [Lang::En, Lang::Ar] {
        let demo = Demo::load(lang);
        for chart in ChartName::ALL {
            let svg = demo.svg(chart, lang);
            let (w, h, _, _) = decode_png(&svg_to_png(&svg, DEFAULT_PNG_WIDTH).unwrap());
            assert_eq!(w, DEFAULT_PNG_WIDTH, "{chart} in {lang}");
            let expected = (svg_height(&svg) * f64::from(DEFAULT_PNG_WIDTH) / 1200.0).round() as u32;
            assert_eq!(h, expected, "{chart} in {lang}");
        }
    }
}

#[test]
fn the_width_parameter_scales_the_image_for_print() {
    let demo = Demo::load(Lang::En);
    let svg = demo.svg(ChartName::Priorities, Lang::En);
    let (w, h, _, _) = decode_png(&svg_to_png(&svg, 3000).unwrap());
    assert_eq!(w, 3000);
    assert_eq!(h, (svg_height(&svg) * 2.5).round() as u32);
    assert!(matches!(svg_to_png(&svg, MAX_PNG_WIDTH + 1), Err(ChartError::Width { .. })));
    assert_eq!(svg_to_png(&svg, 50).unwrap_err().code(), "invalid_width");
}

#[test]
fn rendering_is_deterministic() {
    let demo = Demo::load(Lang::Ar);
    let svg = demo.svg(ChartName::Stability, Lang::Ar);
    assert_eq!(svg, demo.svg(ChartName::Stability, Lang::Ar));
    assert_eq!(svg_to_png(&svg, 800).unwrap(), svg_to_png(&svg, 800).unwrap());
}

/// Pixels of the primary tier's blue in the left and right halves of the priorities chart.
fn primary_pixels_by_half(lang: Lang) -> (usize, usize) {
    let demo = Demo::load(lang);
    let (w, h, channels, data) = decode_png(&svg_to_png(&demo.svg(ChartName::Priorities, lang), 600).unwrap());
    let mut halves = (0, 0);
    for y in 0..h as usize {
        for x in 0..w as usize {
            let i = (y * w as usize + x) * channels;
            if data[i..i + 3] == [0x08, 0x51, 0x9c] {
                if x < w as usize / 2 { halves.0 += 1 } else { halves.1 += 1 }
            }
        }
    }
    halves
}

#[test]
fn the_arabic_png_is_laid_out_as_a_mirror_image() {
    let (en_left, en_right) = primary_pixels_by_half(Lang::En);
    let (ar_left, ar_right) = primary_pixels_by_half(Lang::Ar);
    assert!(en_right > en_left, "English bars grow to the right: {en_left} {en_right}");
    assert!(ar_left > ar_right, "Arabic bars grow to the left: {ar_left} {ar_right}");
}

#[test]
fn text_is_drawn_with_the_embedded_fonts() {
    // A chart whose only dark pixels would come from text: if no font were found, resvg would
    // silently draw nothing.
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"50\">\
               <text x=\"10\" y=\"35\" font-size=\"30\" font-family=\"DejaVu Sans\">Жд</text>\
               <text x=\"190\" y=\"35\" font-size=\"30\" font-family=\"Noto Sans Arabic\" direction=\"rtl\" text-anchor=\"start\">مرحبا</text></svg>";
    let (w, h, channels, data) = decode_png(&svg_to_png(svg, 400).unwrap());
    let dark = |x0: usize, x1: usize| {
        (0..h as usize).flat_map(|y| (x0..x1).map(move |x| (y, x))).filter(|(y, x)| data[(y * w as usize + x) * channels] < 100).count()
    };
    assert!(dark(0, 200) > 200, "Cyrillic drawn on the left");
    assert!(dark(200, 400) > 200, "Arabic drawn on the right (anchored at its start, the right end)");
}
