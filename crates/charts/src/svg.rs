//! The SVG document every chart is drawn into.
//!
//! Shapes (bars, lines, markers) go through plotters' `SVGBackend`; text and what plotters
//! cannot express (sub-unit stripes, map paths, right-to-left text) are written by hand. Each batch of
//! plotters shapes is rendered into its own buffer and spliced in, so layers keep the order the
//! chart draws them in.
//!
//! Charts lay out in *logical* coordinates, reading direction left to right. For Arabic the
//! document mirrors every x (`W − x`) and marks text `direction="rtl"`: `text-anchor="start"`
//! then means the right-hand end, as the reading direction wants, so anchors stay logical too.

use std::fmt::Write as _;

use barometer_domain::Lang;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::ChartError;
use crate::fonts::{self, Weight};

/// The logical width of every chart, in SVG user units. PNGs scale from it.
pub(crate) const WIDTH: f64 = 1200.0;
/// The outer margin.
pub(crate) const MARGIN: f64 = 40.0;

pub(crate) const INK: Rgb = Rgb(0x1f, 0x29, 0x33);
pub(crate) const MUTED: Rgb = Rgb(0x5b, 0x67, 0x70);
pub(crate) const RULE: Rgb = Rgb(0xd5, 0xdb, 0xe0);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub(crate) fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    fn plotters(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }
}

/// Where a text's x lies along it, in reading order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    Start,
    Middle,
    End,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct TextStyle {
    pub size: f64,
    pub weight: Weight,
    pub fill: Rgb,
    pub anchor: Anchor,
    /// A white outline under the glyphs, for text over a map.
    pub halo: bool,
}

impl TextStyle {
    pub(crate) fn new(size: f64) -> Self {
        TextStyle { size, weight: Weight::Regular, fill: INK, anchor: Anchor::Start, halo: false }
    }
    pub(crate) fn bold(mut self) -> Self {
        self.weight = Weight::Bold;
        self
    }
    pub(crate) fn fill(mut self, fill: Rgb) -> Self {
        self.fill = fill;
        self
    }
    pub(crate) fn anchor(mut self, anchor: Anchor) -> Self {
        self.anchor = anchor;
        self
    }
    pub(crate) fn halo(mut self) -> Self {
        self.halo = true;
        self
    }
}

pub(crate) struct Doc {
    pub lang: Lang,
    title: String,
    body: String,
}

impl Doc {
    pub(crate) fn new(lang: Lang, title: &str) -> Doc {
        Doc { lang, title: title.to_owned(), body: String::new() }
    }

    pub(crate) fn rtl(&self) -> bool {
        self.lang.is_rtl()
    }

    /// The physical x of a logical x.
    pub(crate) fn x(&self, x: f64) -> f64 {
        if self.rtl() { WIDTH - x } else { x }
    }

    /// The width of `text` as it will be drawn.
    pub(crate) fn measure(&self, text: &str, style: &TextStyle) -> f64 {
        fonts::fonts().width(&crate::i18n::mark_numbers_ltr(text), style.size, style.weight, self.lang)
    }

    /// `text` broken into lines that fit `max_width`.
    pub(crate) fn wrap(&self, text: &str, max_width: f64, style: &TextStyle) -> Vec<String> {
        fonts::fonts().wrap(text, max_width, style.size, style.weight, self.lang)
    }

    /// One line of text with its baseline at `y`.
    pub(crate) fn text(&mut self, x: f64, y: f64, text: &str, style: &TextStyle) {
        let anchor = match style.anchor {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        };
        let x = self.x(x);
        let b = &mut self.body;
        write!(b, "<text x=\"{}\" y=\"{}\" font-size=\"{}\"", num(x), num(y), num(style.size)).ok();
        if style.weight == Weight::Bold {
            b.push_str(" font-weight=\"bold\"");
        }
        write!(b, " fill=\"{}\"", style.fill.hex()).ok();
        if style.halo {
            b.push_str(" stroke=\"#ffffff\" stroke-width=\"3.5\" stroke-linejoin=\"round\" paint-order=\"stroke\"");
        }
        // `direction` right before `text-anchor`: crate::png relies on this order.
        if self.lang.is_rtl() {
            b.push_str(" direction=\"rtl\"");
        }
        write!(b, " text-anchor=\"{anchor}\">").ok();
        if self.lang.is_rtl() {
            escape_into(b, &crate::i18n::mark_numbers_ltr(text));
        } else {
            escape_into(b, text);
        }
        b.push_str("</text>\n");
    }

    /// Several lines, the first baseline at `y`.
    pub(crate) fn lines(&mut self, x: f64, y: f64, lines: &[String], line_height: f64, style: &TextStyle) {
        for (i, line) in lines.iter().enumerate() {
            self.text(x, y + i as f64 * line_height, line, style);
        }
    }

    /// Opens a group; `attrs` is written as is (escape any data in it with [`attr`]).
    pub(crate) fn open(&mut self, attrs: &str) {
        if attrs.is_empty() {
            self.body.push_str("<g>\n");
        } else {
            writeln!(self.body, "<g {attrs}>").ok();
        }
    }

    pub(crate) fn close(&mut self) {
        self.body.push_str("</g>\n");
    }

    /// Hand-written markup in physical coordinates.
    pub(crate) fn raw(&mut self, markup: &str) {
        self.body.push_str(markup);
    }

    /// Draws a batch of shapes with plotters, in logical coordinates.
    pub(crate) fn shapes(&mut self, draw: impl FnOnce(&mut Shapes<'_>)) -> Result<(), ChartError> {
        let mut buffer = String::new();
        {
            let area = SVGBackend::with_string(&mut buffer, (WIDTH as u32, 10_000)).into_drawing_area();
            let mut shapes = Shapes { area, rtl: self.rtl(), error: None };
            draw(&mut shapes);
            if let Some(e) = shapes.error {
                return Err(ChartError::Draw(e));
            }
            shapes.area.present().map_err(|e| ChartError::Draw(e.to_string()))?;
        }
        // plotters writes a whole document: keep what lies inside its <svg> element.
        let start = buffer.find('>').map_or(0, |i| i + 1);
        let end = buffer.rfind("</svg>").unwrap_or(buffer.len());
        self.body.push_str(buffer[start..end].trim_start_matches('\n'));
        Ok(())
    }

    /// The finished document, `height` user units tall.
    pub(crate) fn finish(self, height: f64) -> String {
        let height = height.ceil();
        let mut out = String::with_capacity(self.body.len() + 1024);
        writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
             xml:lang=\"{lang}\" direction=\"{dir}\" font-family=\"{family}\" role=\"img\">",
            w = WIDTH,
            h = height,
            lang = self.lang.code(),
            dir = self.lang.dir(),
            family = fonts::family_list(self.lang),
        )
        .ok();
        out.push_str("<title>");
        escape_into(&mut out, &self.title);
        out.push_str("</title>\n");
        writeln!(out, "<rect width=\"{WIDTH}\" height=\"{height}\" fill=\"#ffffff\"/>").ok();
        out.push_str(&self.body);
        out.push_str("</svg>\n");
        out
    }
}

/// plotters drawing in logical coordinates, mirrored for right-to-left documents.
pub(crate) struct Shapes<'a> {
    area: DrawingArea<SVGBackend<'a>, Shift>,
    rtl: bool,
    error: Option<String>,
}

impl Shapes<'_> {
    fn px(&self, x: f64) -> i32 {
        let x = if self.rtl { WIDTH - x } else { x };
        x.round() as i32
    }

    fn keep<E: std::fmt::Display>(&mut self, result: Result<(), E>) {
        if let Err(e) = result
            && self.error.is_none()
        {
            self.error = Some(e.to_string());
        }
    }

    pub(crate) fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: Rgb) {
        let (a, b) = (self.px(x0), self.px(x1));
        // A zero-width bar (a share of 0) draws nothing; an empty <rect> is invalid SVG to resvg.
        if a == b || y0.round() == y1.round() {
            return;
        }
        let rect = Rectangle::new([(a.min(b), y0.round() as i32), (a.max(b), y1.round() as i32)], color.plotters().filled());
        let result = self.area.draw(&rect);
        self.keep(result);
    }

    pub(crate) fn outline(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: Rgb, width: u32) {
        let (a, b) = (self.px(x0), self.px(x1));
        if a == b || y0.round() == y1.round() {
            return;
        }
        let style = ShapeStyle { color: color.plotters().to_rgba(), filled: false, stroke_width: width };
        let rect = Rectangle::new([(a.min(b), y0.round() as i32), (a.max(b), y1.round() as i32)], style);
        let result = self.area.draw(&rect);
        self.keep(result);
    }

    pub(crate) fn line(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, color: Rgb, width: u32) {
        let points = vec![(self.px(x0), y0.round() as i32), (self.px(x1), y1.round() as i32)];
        let result = self.area.draw(&PathElement::new(points, color.plotters().stroke_width(width)));
        self.keep(result);
    }

    pub(crate) fn circle(&mut self, cx: f64, cy: f64, r: f64, color: Rgb, filled: bool, stroke: u32) {
        let style = ShapeStyle { color: color.plotters().to_rgba(), filled, stroke_width: stroke };
        let circle = Circle::new((self.px(cx), cy.round() as i32), r.round().max(1.0) as u32, style);
        let result = self.area.draw(&circle);
        self.keep(result);
    }
}

/// A number as SVG wants it: at most two decimals, no trailing zeros.
pub(crate) fn num(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    let mut s = format!("{rounded:.2}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    if s == "-0" { "0".to_owned() } else { s }
}

pub(crate) fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

/// `text` escaped for an attribute value.
pub(crate) fn attr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.345), "12.35");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(0.5), "0.5");
    }

    #[test]
    fn plotters_shapes_are_spliced_and_mirrored_for_arabic() {
        let mut doc = Doc::new(Lang::Ar, "t");
        doc.shapes(|s| s.rect(100.0, 10.0, 200.0, 20.0, INK)).unwrap();
        let svg = doc.finish(100.0);
        assert_eq!(svg.matches("<svg").count(), 1, "{svg}");
        assert!(svg.contains("x=\"1000\""), "mirrored rect starts at 1200-200: {svg}");
        assert!(roxmltree::Document::parse(&svg).is_ok());
    }
}
