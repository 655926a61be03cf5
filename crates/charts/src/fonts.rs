//! The embedded fonts, and text measurement with the same shaping the PNG rasteriser uses, so
//! that wrapped labels fit exactly what resvg draws.
//!
//! DejaVu Sans covers Latin, Greek and Cyrillic; Noto Sans Arabic covers Arabic. Every character
//! is set in the first face of the language's preference order that has a glyph for it, which is
//! also what [`crate::png`]'s fallback selector does.

use std::sync::{Arc, OnceLock};

use barometer_domain::Lang;
use harfrust::{ShapeOptions, ShaperData, UnicodeBuffer};
use skrifa::MetadataProvider;
use skrifa::charmap::Charmap;

/// The family names as the SVG names them (and as the font files declare them).
pub(crate) const LATIN_FAMILY: &str = "DejaVu Sans";
pub(crate) const ARABIC_FAMILY: &str = "Noto Sans Arabic";

const DEJAVU_REGULAR: &[u8] = include_bytes!("../../../charts/fonts/DejaVuSans.ttf");
const DEJAVU_BOLD: &[u8] = include_bytes!("../../../charts/fonts/DejaVuSans-Bold.ttf");
const NOTO_ARABIC_REGULAR: &[u8] = include_bytes!("../../../charts/fonts/NotoSansArabic-Regular.ttf");
const NOTO_ARABIC_BOLD: &[u8] = include_bytes!("../../../charts/fonts/NotoSansArabic-Bold.ttf");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// The `font-family` list for a language: its script's face first.
pub(crate) fn family_list(lang: Lang) -> &'static str {
    if lang == Lang::Ar { "Noto Sans Arabic, DejaVu Sans, sans-serif" } else { "DejaVu Sans, Noto Sans Arabic, sans-serif" }
}

pub(crate) struct Face {
    pub(crate) data: &'static [u8],
    pub(crate) weight: Weight,
    pub(crate) arabic: bool,
    font: harfrust::FontRef<'static>,
    charmap: Charmap<'static>,
    shaper: ShaperData,
    units_per_em: f64,
}

impl Face {
    fn load(data: &'static [u8], weight: Weight, arabic: bool) -> Face {
        let font = harfrust::FontRef::new(data).expect("embedded fonts are valid TrueType");
        let shaper = ShaperData::new(&font);
        let units_per_em = f64::from(shaper.shaper(&font).build().units_per_em());
        Face { data, weight, arabic, charmap: font.charmap(), font, shaper, units_per_em }
    }

    pub(crate) fn has_char(&self, c: char) -> bool {
        self.charmap.map(c).is_some_and(|g| g.to_u32() != 0)
    }

    /// The advance width of `text` set in this face, in em.
    fn advance_em(&self, text: &str) -> f64 {
        let shaper = self.shaper.shaper(&self.font).build();
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let glyphs = shaper.shape(buffer, ShapeOptions::new());
        let units: i64 = glyphs.glyph_positions().iter().map(|p| i64::from(p.x_advance)).sum();
        units as f64 / self.units_per_em
    }
}

pub(crate) struct Fonts {
    /// DejaVu regular, DejaVu bold, Noto Arabic regular, Noto Arabic bold: the order fontdb
    /// loads them in too.
    pub(crate) faces: [Face; 4],
}

pub(crate) fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts {
        faces: [
            Face::load(DEJAVU_REGULAR, Weight::Regular, false),
            Face::load(DEJAVU_BOLD, Weight::Bold, false),
            Face::load(NOTO_ARABIC_REGULAR, Weight::Regular, true),
            Face::load(NOTO_ARABIC_BOLD, Weight::Bold, true),
        ],
    })
}

/// The font database resvg renders with: the embedded faces only, never system fonts.
pub(crate) fn fontdb() -> Arc<resvg::usvg::fontdb::Database> {
    static DB: OnceLock<Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        for face in &fonts().faces {
            db.load_font_source(resvg::usvg::fontdb::Source::Binary(Arc::new(face.data)));
        }
        db.set_sans_serif_family(LATIN_FAMILY);
        Arc::new(db)
    })
    .clone()
}

impl Fonts {
    /// Faces in the order a language prefers them, for one weight.
    fn order(&self, lang: Lang, weight: Weight) -> [&Face; 2] {
        let pick = |arabic: bool| self.faces.iter().find(|f| f.arabic == arabic && f.weight == weight).expect("four faces");
        if lang == Lang::Ar { [pick(true), pick(false)] } else { [pick(false), pick(true)] }
    }

    /// The width of one line of text in px at `size` px, shaped as resvg shapes it.
    pub(crate) fn width(&self, text: &str, size: f64, weight: Weight, lang: Lang) -> f64 {
        let order = self.order(lang, weight);
        let face_of = |c: char| if order[0].has_char(c) || !order[1].has_char(c) { 0 } else { 1 };
        let mut total = 0.0;
        let mut start = 0;
        let mut current: Option<usize> = None;
        for (i, c) in text.char_indices() {
            let face = face_of(c);
            match current {
                Some(f) if f != face => {
                    total += order[f].advance_em(&text[start..i]);
                    start = i;
                    current = Some(face);
                }
                None => current = Some(face),
                _ => {}
            }
        }
        if let Some(f) = current {
            total += order[f].advance_em(&text[start..]);
        }
        total * size
    }

    /// Breaks `text` into lines no wider than `max_width` px, at spaces; a word longer than a
    /// line is broken between characters. Never drops text.
    pub(crate) fn wrap(&self, text: &str, max_width: f64, size: f64, weight: Weight, lang: Lang) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if self.width(&candidate, size, weight, lang) <= max_width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if self.width(word, size, weight, lang) <= max_width {
                line = word.to_owned();
            } else {
                // A single word wider than the column: break it between characters.
                for c in word.chars() {
                    let mut next = line.clone();
                    next.push(c);
                    if !line.is_empty() && self.width(&next, size, weight, lang) > max_width {
                        lines.push(std::mem::replace(&mut line, c.to_string()));
                    } else {
                        line = next;
                    }
                }
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_of_the_four_languages_has_a_face() {
        let f = fonts();
        for c in ['A', 'é', 'Ж', '%', '0'] {
            assert!(f.faces[0].has_char(c), "DejaVu Sans lacks {c}");
        }
        for c in ['ا', 'ل', 'ش', '،'] {
            assert!(f.faces[2].has_char(c), "Noto Sans Arabic lacks {c}");
        }
    }

    #[test]
    fn wider_text_measures_wider_and_bold_is_wider_than_regular() {
        let f = fonts();
        let narrow = f.width("Sahel", 16.0, Weight::Regular, Lang::En);
        let wide = f.width("Sahel and West Africa", 16.0, Weight::Regular, Lang::En);
        assert!(narrow > 20.0 && wide > 2.0 * narrow, "{narrow} {wide}");
        assert!(f.width("Sahel", 16.0, Weight::Bold, Lang::En) > narrow);
        assert!(f.width("الشباب ومنع التطرف العنيف", 16.0, Weight::Regular, Lang::Ar) > 80.0);
    }

    #[test]
    fn wrapped_lines_fit_and_keep_every_word() {
        let f = fonts();
        let text = "Artificial intelligence and new technologies in countering terrorism and violent extremism";
        let lines = f.wrap(text, 220.0, 15.0, Weight::Regular, Lang::En);
        assert!(lines.len() >= 3, "{lines:?}");
        for line in &lines {
            assert!(f.width(line, 15.0, Weight::Regular, Lang::En) <= 220.0, "{line}");
        }
        assert_eq!(lines.join(" "), text);
        let long = f.wrap("Противодействиетерроризму", 60.0, 15.0, Weight::Regular, Lang::Ru);
        assert!(long.len() > 1);
        assert_eq!(long.concat(), "Противодействиетерроризму");
    }
}
