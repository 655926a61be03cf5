//! Snapshot tests: every chart in every language against `charts/gallery/{chart}-{lang}.svg`
//! (byte for byte) and `.png` (same size, and pixels equal but for anti-aliasing noise).
//! `UPDATE_GALLERY=1` rewrites the files instead; review the diff before committing it.

use std::path::PathBuf;

use barometer_charts::{ChartName, DEFAULT_PNG_WIDTH, svg_to_png};
use barometer_domain::Lang;

use crate::fixtures::{Demo, crate_dir, decode_png};

const HOW_TO_UPDATE: &str = "if the change is intended, run `UPDATE_GALLERY=1 cargo test -p barometer-charts --test charts gallery`, \
     look at the new PNGs, and commit charts/gallery/ with the change";

fn gallery_dir() -> PathBuf {
    crate_dir().join("../../charts/gallery")
}

fn check(chart: ChartName) {
    let update = std::env::var("UPDATE_GALLERY").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for lang in Lang::ALL {
        let demo = Demo::load(lang);
        let svg = demo.svg(chart, lang);
        let png = svg_to_png(&svg, DEFAULT_PNG_WIDTH).unwrap();
        let stem = format!("{}-{}", chart.slug(), lang.code());
        let (svg_path, png_path) = (gallery_dir().join(format!("{stem}.svg")), gallery_dir().join(format!("{stem}.png")));
        if update {
            std::fs::write(&svg_path, &svg).unwrap();
            std::fs::write(&png_path, recompress(&png)).unwrap();
            continue;
        }
        match std::fs::read_to_string(&svg_path) {
            Ok(committed) if committed == svg => {}
            Ok(committed) => failures.push(format!(
                "{stem}.svg differs from the committed render ({} bytes now, {} committed)",
                svg.len(),
                committed.len()
            )),
            Err(e) => failures.push(format!("{stem}.svg cannot be read: {e}")),
        }
        match std::fs::read(&png_path) {
            Ok(committed) => {
                if let Some(problem) = png_difference(&committed, &png) {
                    failures.push(format!("{stem}.png: {problem}"));
                }
            }
            Err(e) => failures.push(format!("{stem}.png cannot be read: {e}")),
        }
    }
    assert!(failures.is_empty(), "the {chart} chart no longer renders as committed:\n  {}\n{HOW_TO_UPDATE}", failures.join("\n  "));
}

/// The same pixels, compressed harder than the service bothers to (it favours speed): the
/// committed files stay small.
fn recompress(png: &[u8]) -> Vec<u8> {
    let (width, height, channels, data) = decode_png(png);
    assert_eq!(channels, 3, "charts are RGB");
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&data).unwrap();
    writer.finish().unwrap();
    out
}

/// None when the two PNGs show the same picture: same size, and at most 0.1% of pixels off by
/// more than a little (resvg is deterministic, but leave room for floating-point differences
/// between machines).
fn png_difference(committed: &[u8], now: &[u8]) -> Option<String> {
    let (a, b) = (decode_png(committed), decode_png(now));
    if (a.0, a.1) != (b.0, b.1) {
        return Some(format!("size changed from {}×{} to {}×{}", a.0, a.1, b.0, b.1));
    }
    let pixels = (a.0 * a.1) as usize;
    let differing = (0..pixels).filter(|i| (0..3).any(|c| a.3[i * a.2 + c].abs_diff(b.3[i * b.2 + c]) > 24)).count();
    (differing * 1000 > pixels).then(|| format!("{differing} of {pixels} pixels changed"))
}

#[test]
fn gallery_priorities() {
    check(ChartName::Priorities);
}

#[test]
fn gallery_regions() {
    check(ChartName::Regions);
}

#[test]
fn gallery_regions_map() {
    check(ChartName::RegionsMap);
}

#[test]
fn gallery_compare() {
    check(ChartName::Compare);
}

#[test]
fn gallery_stability() {
    check(ChartName::Stability);
}
