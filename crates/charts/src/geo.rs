//! World geometry: Natural Earth countries (compiled in from `charts/geo/`) in the Equal Earth
//! projection, simplified once for the map's fixed size and kept as ready-made SVG path data.
//!
//! The GeoJSON's rings never cross ±180° (see `charts/README.md`), so projecting each point is
//! all a projection centred on 0° needs. Antarctica is left out: no region covers it, and it
//! would take a fifth of the map.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::Deserialize;

const GEOJSON: &str = include_str!("../../../charts/geo/countries.geojson");
const SMALL_STATES: &str = include_str!("../../../charts/data/small-states.txt");

/// The map's width in SVG user units (the page's width less its margins).
pub(crate) const MAP_WIDTH: f64 = 1120.0;
/// The latitudes the map spans: Greenland's north coast to Tierra del Fuego.
const NORTH: f64 = 84.0;
const SOUTH: f64 = -57.0;
/// Points closer than this to the simplified line are dropped (user units; a PNG at the
/// default width draws 1.33 pixels per unit).
const TOLERANCE: f64 = 0.2;

/// Equal Earth (Šavrič, Patterson, Jenny 2018) on the unit sphere: x east, y north, in radians.
fn equal_earth(lon: f64, lat: f64) -> (f64, f64) {
    const A1: f64 = 1.340264;
    const A2: f64 = -0.081106;
    const A3: f64 = 0.000893;
    const A4: f64 = 0.003796;
    let m = 3f64.sqrt() / 2.0;
    let theta = (m * lat.to_radians().sin()).asin();
    let t2 = theta * theta;
    let t6 = t2 * t2 * t2;
    let x = lon.to_radians() * theta.cos() / (m * (A1 + 3.0 * A2 * t2 + t6 * (7.0 * A3 + 9.0 * A4 * t2)));
    let y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2));
    (x, y)
}

fn frame() -> (f64, f64, f64) {
    let x_max = equal_earth(180.0, 0.0).0;
    let y_top = equal_earth(0.0, NORTH).1;
    let scale = MAP_WIDTH / (2.0 * x_max);
    (x_max, y_top, scale)
}

/// Where a longitude/latitude falls on the map, in user units from the map's top-left corner
/// (the `<g id="map">` group of a `regions-map` SVG, whose `transform` places it on the page).
pub fn project(lon: f64, lat: f64) -> (f64, f64) {
    let (x_max, y_top, scale) = frame();
    let (x, y) = equal_earth(lon, lat);
    ((x + x_max) * scale, (y_top - y) * scale)
}

/// The map's height in user units.
pub(crate) fn map_height() -> f64 {
    let (_, y_top, scale) = frame();
    (y_top - equal_earth(0.0, SOUTH).1) * scale
}

/// One country (or a land area without an ISO code) as SVG path data in map units.
pub(crate) struct Shape {
    pub iso3: Option<String>,
    pub path: String,
}

pub(crate) struct World {
    pub shapes: Vec<Shape>,
    /// The Equal Earth outline between the map's latitudes: the sea.
    pub outline: String,
    /// Countries drawn as a dot: too small to see as a shape.
    dotted: HashSet<String>,
}

impl World {
    pub(crate) fn is_small(&self, iso3: &str) -> bool {
        self.dotted.contains(iso3)
    }
}

/// `charts/data/small-states.txt` lists countries under 1 square degree; of those, the ones whose
/// main island or territory is still over this many units across (Qatar, Lebanon, Cyprus,
/// Jamaica: 3 to 8 pixels at the default width) show as shapes. A dot there would sit on its
/// neighbours' dots (Qatar's would hide Bahrain's).
const DOT_BELOW: f64 = 4.0;

pub(crate) fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(build)
}

#[derive(Deserialize)]
struct Collection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    properties: Properties,
    geometry: Geometry,
}

#[derive(Deserialize)]
struct Properties {
    iso3: Option<String>,
}

#[derive(Deserialize)]
struct Geometry {
    coordinates: Vec<Vec<Vec<[f64; 2]>>>,
}

fn build() -> World {
    let collection: Collection = serde_json::from_str(GEOJSON).expect("the embedded GeoJSON is valid");
    let small_states: HashSet<&str> = SMALL_STATES.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let mut dotted = HashSet::new();
    let shapes = collection
        .features
        .into_iter()
        .filter(|f| f.properties.iso3.as_deref() != Some("ATA"))
        .filter_map(|f| {
            // Polygons come largest first (see charts/README.md).
            if let (Some(iso3), Some(main)) = (&f.properties.iso3, f.geometry.coordinates.first().and_then(|p| p.first())) {
                let points: Vec<(f64, f64)> = main.iter().map(|[lon, lat]| project(*lon, *lat)).collect();
                let extent = |axis: fn(&(f64, f64)) -> f64| {
                    let (lo, hi) = points.iter().map(axis).fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
                    hi - lo
                };
                if small_states.contains(iso3.as_str()) && extent(|p| p.0).max(extent(|p| p.1)) < DOT_BELOW {
                    dotted.insert(iso3.clone());
                }
            }
            let mut path = String::new();
            for polygon in &f.geometry.coordinates {
                for ring in polygon {
                    let projected: Vec<(f64, f64)> = ring.iter().map(|[lon, lat]| project(*lon, *lat)).collect();
                    push_ring(&mut path, &simplify(&projected, TOLERANCE));
                }
            }
            (!path.is_empty()).then_some(Shape { iso3: f.properties.iso3, path })
        })
        .collect();
    let mut outline: Vec<(f64, f64)> = Vec::new();
    for i in 0..=60 {
        outline.push(project(-180.0, NORTH - (NORTH - SOUTH) * f64::from(i) / 60.0));
    }
    for i in 0..=60 {
        outline.push(project(180.0, SOUTH + (NORTH - SOUTH) * f64::from(i) / 60.0));
    }
    outline.push(outline[0]);
    let mut outline_path = String::new();
    push_ring(&mut outline_path, &outline);
    World { shapes, outline: outline_path, dotted }
}

/// Douglas–Peucker: keeps the points that lie farther than `tolerance` from the simplified line.
fn simplify(points: &[(f64, f64)], tolerance: f64) -> Vec<(f64, f64)> {
    if points.len() < 4 {
        return points.to_vec();
    }
    let mut keep = vec![false; points.len()];
    keep[0] = true;
    keep[points.len() - 1] = true;
    // A closed ring starts and ends at the same point: split it at its farthest point first.
    let far = (1..points.len() - 1).max_by(|&a, &b| dist2(points[0], points[a]).total_cmp(&dist2(points[0], points[b]))).unwrap_or(1);
    keep[far] = true;
    let mut stack = vec![(0, far), (far, points.len() - 1)];
    while let Some((first, last)) = stack.pop() {
        let mut worst = (0.0, 0);
        for i in first + 1..last {
            let d = segment_distance(points[i], points[first], points[last]);
            if d > worst.0 {
                worst = (d, i);
            }
        }
        if worst.0 > tolerance {
            keep[worst.1] = true;
            stack.push((first, worst.1));
            stack.push((worst.1, last));
        }
    }
    points.iter().zip(keep).filter_map(|(p, k)| k.then_some(*p)).collect()
}

fn dist2(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)
}

fn segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let len2 = dist2(a, b);
    if len2 == 0.0 {
        return dist2(p, a).sqrt();
    }
    let t = (((p.0 - a.0) * (b.0 - a.0) + (p.1 - a.1) * (b.1 - a.1)) / len2).clamp(0.0, 1.0);
    dist2(p, (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))).sqrt()
}

/// Appends a closed ring as `M x y l dx dy … z`, in tenths of a unit (relative moves keep the
/// path short). Rings under half a unit across are dropped: they would not show.
fn push_ring(out: &mut String, points: &[(f64, f64)]) {
    let mut quantised: Vec<(i64, i64)> = Vec::with_capacity(points.len());
    for &(x, y) in points {
        let q = ((x * 10.0).round() as i64, (y * 10.0).round() as i64);
        if quantised.last() != Some(&q) {
            quantised.push(q);
        }
    }
    if quantised.len() > 1 && quantised.first() == quantised.last() {
        quantised.pop();
    }
    if quantised.len() < 3 {
        return;
    }
    let (min_x, max_x) = quantised.iter().fold((i64::MAX, i64::MIN), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
    let (min_y, max_y) = quantised.iter().fold((i64::MAX, i64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    if (max_x - min_x).max(max_y - min_y) < 5 {
        return;
    }
    out.push('M');
    push_pair(out, quantised[0]);
    out.push('l');
    for pair in quantised.windows(2) {
        push_pair(out, (pair[1].0 - pair[0].0, pair[1].1 - pair[0].1));
    }
    out.push('z');
}

fn push_pair(out: &mut String, (x, y): (i64, i64)) {
    if !out.ends_with(['M', 'l']) {
        out.push(' ');
    }
    push_tenths(out, x);
    if y >= 0 {
        out.push(' ');
    }
    push_tenths(out, y);
}

fn push_tenths(out: &mut String, value: i64) {
    use std::fmt::Write as _;
    if value < 0 {
        out.push('-');
    }
    let abs = value.unsigned_abs();
    let (whole, tenth) = (abs / 10, abs % 10);
    match (whole, tenth) {
        (w, 0) => write!(out, "{w}").ok(),
        (0, t) => write!(out, ".{t}").ok(),
        (w, t) => write!(out, "{w}.{t}").ok(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_earth_is_symmetric_and_fits_the_frame() {
        let (left, mid_y) = project(-180.0, 0.0);
        let (right, _) = project(180.0, 0.0);
        assert!(left.abs() < 1e-9 && (right - MAP_WIDTH).abs() < 1e-9);
        let (centre, _) = project(0.0, 0.0);
        assert!((centre - MAP_WIDTH / 2.0).abs() < 1e-9);
        assert!(project(0.0, NORTH).1.abs() < 1e-9);
        assert!((project(0.0, SOUTH).1 - map_height()).abs() < 1e-9);
        assert!(mid_y > 0.0 && mid_y < map_height());
        // Equal Earth's published ratio of width to height is about 2.05:1 for the whole globe.
        let full = project(0.0, -90.0).1 - project(0.0, 90.0).1;
        assert!((MAP_WIDTH / full - 2.0550).abs() < 0.01, "{}", MAP_WIDTH / full);
    }

    #[test]
    fn the_world_has_every_country_with_land_and_no_antarctica() {
        let world = world();
        let iso: HashSet<&str> = world.shapes.iter().filter_map(|s| s.iso3.as_deref()).collect();
        for code in ["MLI", "EGY", "RUS", "FJI", "USA", "FRA", "BRA"] {
            assert!(iso.contains(code), "{code} missing");
        }
        assert!(!iso.contains("ATA"));
        for dot in ["BHR", "MLT", "SGP", "LUX", "MDV"] {
            assert!(world.is_small(dot), "{dot} is a dot");
        }
        for shape in ["MLI", "QAT", "CYP", "JAM"] {
            assert!(!world.is_small(shape), "{shape} is drawn as a shape");
        }
    }

    #[test]
    fn no_edge_jumps_across_the_map() {
        // A ring crossing the antimeridian would draw a streak nearly the map's width long.
        for shape in &world().shapes {
            for segment in shape.path.split('M').filter(|s| !s.is_empty()) {
                let body = segment.trim_end_matches('z');
                let (_, moves) = body.split_once('l').unwrap_or((body, ""));
                for dx in parse_numbers(moves).iter().step_by(2) {
                    assert!(dx.abs() < MAP_WIDTH / 3.0, "{:?}: a jump of {dx}", shape.iso3);
                }
            }
        }
    }

    fn parse_numbers(text: &str) -> Vec<f64> {
        let mut out = Vec::new();
        let mut current = String::new();
        for c in text.chars() {
            if c == ' ' || (c == '-' && !current.is_empty()) {
                if !current.is_empty() {
                    out.push(current.parse().unwrap());
                }
                current.clear();
            }
            if c != ' ' {
                current.push(c);
            }
        }
        if !current.is_empty() {
            out.push(current.parse().unwrap());
        }
        out
    }

    #[test]
    fn simplification_keeps_corners_and_drops_collinear_points() {
        let square = [(0.0, 0.0), (5.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)];
        let kept = simplify(&square, 0.2);
        assert_eq!(kept, vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)]);
    }

    #[test]
    fn rings_are_written_with_relative_tenths() {
        let mut out = String::new();
        push_ring(&mut out, &[(1.0, 2.0), (3.5, 2.0), (3.5, 0.5), (1.0, 2.0)]);
        assert_eq!(out, "M1 2l2.5 0 0-1.5z");
    }
}
