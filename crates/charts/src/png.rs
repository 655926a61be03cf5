//! SVG to PNG with resvg, using the embedded fonts only.

use std::borrow::Cow;

use resvg::tiny_skia::{PixmapMut, Transform};
use resvg::usvg::{self, FontResolver, ImageHrefResolver};

use crate::ChartError;
use crate::fonts::{self, ARABIC_FAMILY, LATIN_FAMILY, Weight};

/// The PNG width when none is asked for.
pub const DEFAULT_PNG_WIDTH: u32 = 1600;
/// The narrowest PNG; below it labels are unreadable.
pub const MIN_PNG_WIDTH: u32 = 200;
/// The widest PNG: a full page at 300 dpi and then some.
pub const MAX_PNG_WIDTH: u32 = 6000;
/// A cap on pixels, so a tall chart at a large width cannot exhaust memory.
const MAX_PIXELS: u64 = 6000 * 9000;

/// Rasterises `svg` to a PNG `width` pixels wide; the height keeps the aspect ratio.
pub fn svg_to_png(svg: &str, width: u32) -> Result<Vec<u8>, ChartError> {
    if !(MIN_PNG_WIDTH..=MAX_PNG_WIDTH).contains(&width) {
        return Err(ChartError::Width { width, min: MIN_PNG_WIDTH, max: MAX_PNG_WIDTH });
    }
    let svg = rtl_for_usvg(svg);
    let tree = usvg::Tree::from_str(&svg, &options()).map_err(|e| ChartError::Svg(e.to_string()))?;
    let size = tree.size();
    let scale = width as f32 / size.width();
    let height = (size.height() * scale).round().max(1.0) as u32;
    if height > 100_000 || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ChartError::TooLarge { width, height });
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rgb = rasterise(&tree, scale, width, height, cores.min(4));
    encode(&rgb, width, height)
}

/// Renders the tree onto white and returns RGB bytes. Tall images are cut into horizontal
/// bands rendered on separate threads (one per core, at most four): text-heavy charts spend
/// most of their time filling glyph outlines. Each band is drawn with a few rows of overlap and
/// keeps only its own rows, because tiny-skia's anti-aliasing differs slightly next to the edge
/// of a pixmap: with the overlap the result equals a single pass.
fn rasterise(tree: &usvg::Tree, scale: f32, width: u32, height: u32, threads: usize) -> Vec<u8> {
    const OVERLAP: usize = 8;
    let bands = threads.clamp(1, 4).min((height / 128).max(1) as usize);
    let band_rows = (height as usize).div_ceil(bands);
    let rgb_row = width as usize * 3;
    let mut rgb = vec![0u8; rgb_row * height as usize];
    let render_band = |index: usize, out: &mut [u8]| {
        let first = index * band_rows;
        let rows = out.len() / rgb_row;
        let top = first.saturating_sub(OVERLAP);
        let bottom = (first + rows + OVERLAP).min(height as usize);
        let mut rgba = vec![255u8; width as usize * 4 * (bottom - top)];
        if let Some(mut pixmap) = PixmapMut::from_bytes(&mut rgba, width, (bottom - top) as u32) {
            let transform = Transform::from_scale(scale, scale).post_translate(0.0, -(top as f32));
            resvg::render(tree, transform, &mut pixmap);
        }
        // Opaque white underneath: premultiplied RGBA is plain RGBA, and alpha can go.
        let own = &rgba[(first - top) * width as usize * 4..][..rows * width as usize * 4];
        for (px, dst) in own.chunks_exact(4).zip(out.chunks_exact_mut(3)) {
            dst.copy_from_slice(&px[..3]);
        }
    };
    if bands == 1 {
        render_band(0, &mut rgb);
    } else {
        std::thread::scope(|scope| {
            for (index, out) in rgb.chunks_mut(band_rows * rgb_row).enumerate() {
                scope.spawn(move || render_band(index, out));
            }
        });
    }
    rgb
}

fn options() -> usvg::Options<'static> {
    usvg::Options {
        fontdb: fonts::fontdb(),
        font_family: LATIN_FAMILY.to_owned(),
        font_resolver: FontResolver { select_font: FontResolver::default_font_selector(), select_fallback: Box::new(fallback) },
        // Never read files named by the SVG: a chart embeds everything it shows.
        image_href_resolver: ImageHrefResolver {
            resolve_data: ImageHrefResolver::default_data_resolver(),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    }
}

/// For a character the chosen face lacks: the other script's face of the same weight (resvg's
/// default takes the first face with the glyph, whatever its weight).
fn fallback(c: char, used: &[usvg::fontdb::ID], db: &mut std::sync::Arc<usvg::fontdb::Database>) -> Option<usvg::fontdb::ID> {
    let weight = used.first().and_then(|id| db.face(*id)).map(|f| f.weight.0).unwrap_or(400);
    let wanted = if weight >= 600 { Weight::Bold } else { Weight::Regular };
    let ours = &fonts::fonts().faces;
    let mut candidates: Vec<_> = db
        .faces()
        .filter(|face| !used.contains(&face.id))
        .filter_map(|face| {
            let family = face.families.first().map(|f| f.0.as_str()).unwrap_or_default();
            let arabic = family == ARABIC_FAMILY;
            let w = if face.weight.0 >= 600 { Weight::Bold } else { Weight::Regular };
            let ours = ours.iter().find(|o| o.arabic == arabic && o.weight == w)?;
            ours.has_char(c).then_some((w != wanted, face.id))
        })
        .collect();
    candidates.sort_by_key(|(other_weight, _)| *other_weight);
    candidates.first().map(|(_, id)| *id)
}

/// usvg ignores `direction`: it lays every text out as a left-to-right paragraph and reads
/// `text-anchor` that way. For each `<text direction="rtl" …>` (as [`crate::svg::Doc`] writes
/// them, `direction` right before `text-anchor`) this swaps `start` and `end` and wraps the
/// content in RIGHT-TO-LEFT EMBEDDING … POP DIRECTIONAL FORMATTING, which gives the layout
/// a browser gives the same SVG.
fn rtl_for_usvg(svg: &str) -> Cow<'_, str> {
    const MARK: &str = " direction=\"rtl\" text-anchor=\"";
    if !svg.contains(MARK) {
        return Cow::Borrowed(svg);
    }
    let mut out = String::with_capacity(svg.len() + svg.len() / 8);
    let mut rest = svg;
    while let Some(at) = rest.find("<text ") {
        let (before, tag_on) = rest.split_at(at);
        out.push_str(before);
        let Some(tag_end) = tag_on.find('>') else { break };
        let tag = &tag_on[..=tag_end];
        let Some(mark) = tag.find(MARK) else {
            out.push_str(tag);
            rest = &tag_on[tag_end + 1..];
            continue;
        };
        let anchor_at = mark + MARK.len();
        let anchor_len = tag[anchor_at..].find('"').unwrap_or(0);
        let swapped = match &tag[anchor_at..anchor_at + anchor_len] {
            "start" => "end",
            "end" => "start",
            other => other,
        };
        out.push_str(&tag[..anchor_at]);
        out.push_str(swapped);
        out.push_str(&tag[anchor_at + anchor_len..]);
        let body = &tag_on[tag_end + 1..];
        let close = body.find("</text>").unwrap_or(body.len());
        out.push('\u{202B}');
        out.push_str(&body[..close]);
        out.push('\u{202C}');
        rest = &body[close..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// PNG with fdeflate's fast setting: a fraction of the time of the default compression, for
/// files about twice as large.
fn encode(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::with_capacity(rgb.len() / 6);
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(|e| ChartError::Encode(e.to_string()))?;
    writer.write_image_data(rgb).map_err(|e| ChartError::Encode(e.to_string()))?;
    writer.finish().map_err(|e| ChartError::Encode(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtl_text_gets_the_anchor_and_embedding_usvg_understands() {
        let svg = "<svg><text x=\"1\" direction=\"rtl\" text-anchor=\"start\">نص</text>\
                   <text x=\"2\" text-anchor=\"start\">ltr</text>\
                   <text direction=\"rtl\" text-anchor=\"middle\">و</text></svg>";
        let out = rtl_for_usvg(svg);
        assert!(out.contains("direction=\"rtl\" text-anchor=\"end\">\u{202B}نص\u{202C}</text>"), "{out}");
        assert!(out.contains("text-anchor=\"start\">ltr</text>"), "{out}");
        assert!(out.contains("text-anchor=\"middle\">\u{202B}و\u{202C}</text>"), "{out}");
    }

    #[test]
    fn left_to_right_svg_is_passed_through() {
        assert!(matches!(rtl_for_usvg("<svg><text>a</text></svg>"), Cow::Borrowed(_)));
    }

    #[test]
    fn bands_render_exactly_what_one_pass_renders() {
        let svg = crate::render_svg(
            &crate::ChartInput::Stability(&serde_json::from_str(include_str!("../tests/fixtures/stability-2025.ar.json")).unwrap()),
            barometer_domain::Lang::Ar,
        )
        .unwrap();
        let tree = usvg::Tree::from_str(&rtl_for_usvg(&svg), &options()).unwrap();
        let (w, h) = (700, (tree.size().height() * 700.0 / tree.size().width()).round() as u32);
        let one = rasterise(&tree, 700.0 / tree.size().width(), w, h, 1);
        let three = rasterise(&tree, 700.0 / tree.size().width(), w, h, 3);
        assert_eq!(one.len(), three.len());
        assert!(one == three, "banded rendering differs from one pass");
        assert!(one.iter().any(|&b| b < 128), "something was drawn");
    }

    #[test]
    fn widths_out_of_range_are_refused() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>";
        assert!(matches!(svg_to_png(svg, 10), Err(ChartError::Width { .. })));
        assert!(matches!(svg_to_png(svg, 7000), Err(ChartError::Width { .. })));
        assert!(svg_to_png(svg, 300).is_ok());
    }
}
