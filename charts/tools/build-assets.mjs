// Builds the committed chart assets of charts/ from the pinned npm packages
// listed in package.json / package-lock.json beside this file.
//
//   node build-assets.mjs <node_modules dir> <output dir>
//
// Normally run through regenerate-assets.sh, which installs the packages into a
// temporary directory and then copies the output into charts/.
//
// Output (relative to <output dir>):
//   fonts/DejaVuSans.ttf, fonts/DejaVuSans-Bold.ttf, fonts/LICENSE-DejaVu.txt
//   fonts/NotoSansArabic-Regular.ttf, fonts/NotoSansArabic-Bold.ttf,
//   fonts/LICENSE-Noto-OFL.txt
//   geo/countries.geojson, geo/LICENSE-world-atlas.txt
//   data/countries.csv, data/small-states.txt, data/LICENSE-CLDR.txt
//
// Everything here is deterministic: no clocks, no randomness, no dependence on
// object-key order other than the (fixed) order of the pinned input files.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const [modulesDir, outDir] = process.argv.slice(2);
if (!modulesDir || !outDir) {
  console.error("usage: node build-assets.mjs <node_modules dir> <output dir>");
  process.exit(2);
}
const M = (...p) => path.join(modulesDir, ...p);
const require = createRequire(path.join(path.resolve(modulesDir), "..", "noop.js"));
const topojson = require("topojson-client");
const readJson = (p) => JSON.parse(fs.readFileSync(p, "utf8"));

function fail(msg) {
  throw new Error(msg);
}
function check(cond, msg) {
  if (!cond) fail(msg);
}

// ---------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------

const DECIMALS = 3; // coordinate rounding of countries.geojson (source grid is ~0.0036° x 0.0017°)
const FALLBACK_DECIMALS = 4; // for rings that would degenerate at DECIMALS
const POINT_DECIMALS = 3; // representative points in countries.csv
const SMALL_STATE_MAX_AREA = 1.0; // square degrees (planar lon/lat), largest polygon
const POLE_EDGE_STEP = 45; // max longitude step along a closing edge at a pole

// Polygons of a Natural Earth admin-0 unit that ISO 3166-1 gives a code of its
// own. A polygon moves when its exterior ring's bounding box lies inside one
// of the boxes [minLon, minLat, maxLon, maxLat]. `count` is the number of
// polygons expected to move (checked, so a changed input fails loudly).
const SPLITS = [
  { from: "250", to: "GF", count: 1, boxes: [[-55, 2, -51, 6]] }, // French Guiana
  { from: "250", to: "GP", count: 3, boxes: [[-62, 15.8, -61, 16.6]] }, // Guadeloupe
  { from: "250", to: "MQ", count: 1, boxes: [[-61.4, 14.3, -60.7, 15]] }, // Martinique
  { from: "250", to: "RE", count: 1, boxes: [[55, -21.5, 56, -20.7]] }, // Réunion
  { from: "250", to: "YT", count: 1, boxes: [[44.9, -13.1, 45.4, -12.5]] }, // Mayotte
  { from: "578", to: "SJ", count: 10, boxes: [[-10, 70.5, -7, 71.5], [10, 74, 35, 81]] }, // Svalbard & Jan Mayen
  { from: "528", to: "BQ", count: 3, boxes: [[-69, 11.9, -62.8, 17.8]] }, // Caribbean Netherlands
  { from: "554", to: "TK", count: 2, boxes: [[-173, -10, -171, -8]] }, // Tokelau
  { from: "name:Indian Ocean Ter.", to: "CX", count: 1, boxes: [[105, -11, 106, -10]] }, // Christmas Island
  { from: "name:Indian Ocean Ter.", to: "CC", count: 2, boxes: [[96, -12.5, 97.5, -11.8]] }, // Cocos (Keeling)
];
// Natural Earth units without an ISO 3166-1 code. They are kept (iso3/m49 null)
// so the base map has no holes; anything else without an id is an error.
const KEEP_WITHOUT_CODE = ["Kosovo", "N. Cyprus", "Siachen Glacier", "Somaliland"];

// ---------------------------------------------------------------------------
// CLDR: the ISO 3166-1 list, names and M49 containment
// ---------------------------------------------------------------------------

const codeMappings = readJson(M("cldr-core/supplemental/codeMappings.json")).supplemental.codeMappings;
const territoryAlias = readJson(M("cldr-core/supplemental/aliases.json")).supplemental.metadata.alias.territoryAlias;
const containment = readJson(M("cldr-core/supplemental/territoryContainment.json")).supplemental.territoryContainment;

// Officially assigned ISO 3166-1 codes = CLDR regions with an alpha-2, alpha-3
// and numeric code that are neither deprecated (aliased), nor user-assigned
// (AA, QM-QZ, XA-XZ, ZZ), nor exceptionally reserved (EU has numeric 967 in CLDR).
const USER_ASSIGNED = /^(AA|Q[M-Z]|X[A-Z]|ZZ)$/;
const EXCEPTIONALLY_RESERVED = new Set(["AC", "CP", "DG", "EA", "EU", "EZ", "FX", "IC", "SU", "TA", "UK", "UN"]);
const countries = [];
for (const [a2, m] of Object.entries(codeMappings)) {
  if (!/^[A-Z]{2}$/.test(a2)) continue;
  if (!m._alpha3 || !m._numeric) continue;
  if (territoryAlias[a2] || USER_ASSIGNED.test(a2) || EXCEPTIONALLY_RESERVED.has(a2)) continue;
  check(/^[A-Z]{3}$/.test(m._alpha3) && /^\d{3}$/.test(m._numeric), `bad code mapping for ${a2}`);
  countries.push({ iso2: a2, iso3: m._alpha3, m49: m._numeric });
}
check(countries.length === 249, `expected 249 ISO 3166-1 countries, got ${countries.length}`);
check(new Set(countries.map((c) => c.iso3)).size === 249, "duplicate alpha-3");
check(new Set(countries.map((c) => c.m49)).size === 249, "duplicate numeric");
const byIso2 = new Map(countries.map((c) => [c.iso2, c]));
const byNumeric = new Map(countries.map((c) => [c.m49, c]));

const LOCALES = ["en", "fr", "ar", "ru"];
for (const loc of LOCALES) {
  const names = readJson(M(`cldr-localenames-full/main/${loc}/territories.json`)).main[loc].localeDisplayNames.territories;
  for (const c of countries) {
    const n = names[c.iso2];
    check(typeof n === "string" && n.length > 0, `no ${loc} name for ${c.iso2}`);
    c[`name_${loc}`] = n.normalize("NFC");
  }
}

// Parent of each region in the M49 tree (CLDR's non-grouping, non-deprecated containment).
const parent = new Map();
for (const [k, v] of Object.entries(containment)) {
  if (k.includes("-status-") || v._grouping === "true") continue;
  for (const child of v._contains) {
    check(!parent.has(child), `${child} has two parents`);
    parent.set(child, k);
  }
}
const CONTINENTS = new Set(containment["001"]._contains); // 002 019 142 150 009
for (const c of countries) {
  const sub = parent.get(c.iso2);
  const reg = sub && parent.get(sub);
  if (/^\d{3}$/.test(sub ?? "") && CONTINENTS.has(reg)) {
    c.subregion_m49 = sub;
    c.region_m49 = reg;
  } else {
    // Antarctica: CLDR puts it in QO "Outlying Oceania", which is not an M49
    // area; UN M49 gives it no region either.
    check(c.iso2 === "AQ", `no M49 region for ${c.iso2} (${sub}, ${reg})`);
    c.subregion_m49 = "";
    c.region_m49 = "";
  }
}

// ---------------------------------------------------------------------------
// Planar geometry helpers (lon/lat degrees treated as x/y)
// ---------------------------------------------------------------------------

function ringArea(r) {
  // signed shoelace area; positive = counter-clockwise
  let a = 0;
  for (let i = 0, n = r.length - 1; i < n; i++) a += r[i][0] * r[i + 1][1] - r[i + 1][0] * r[i][1];
  return a / 2;
}
function polygonArea(p) {
  return Math.abs(ringArea(p[0])) - p.slice(1).reduce((s, h) => s + Math.abs(ringArea(h)), 0);
}
function bbox(r) {
  let b = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of r) b = [Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x), Math.max(b[3], y)];
  return b;
}
function wrapDelta(dx) {
  while (dx > 180) dx -= 360;
  while (dx < -180) dx += 360;
  return dx;
}
// Longitudes made continuous (no step > 180°), starting from the ring's first point.
function unwrap(r) {
  const out = [[r[0][0], r[0][1]]];
  for (let i = 1; i < r.length; i++) out.push([out[i - 1][0] + wrapDelta(r[i][0] - r[i - 1][0]), r[i][1]]);
  return out;
}
// Sutherland–Hodgman clip of a closed ring against the half-plane keep(x).
function clipHalfPlane(ring, x0, keepLess) {
  const inside = (p) => (keepLess ? p[0] <= x0 : p[0] >= x0);
  const out = [];
  for (let i = 0; i < ring.length - 1; i++) {
    const a = ring[i];
    const b = ring[i + 1];
    const ia = inside(a);
    const ib = inside(b);
    if (ia) out.push(a);
    if (ia !== ib) {
      const t = (x0 - a[0]) / (b[0] - a[0]);
      out.push([x0, a[1] + t * (b[1] - a[1])]);
    }
  }
  if (out.length) out.push(out[0]);
  return out;
}
function clipWindow(ring, k) {
  const lo = -180 + 360 * k;
  const hi = 180 + 360 * k;
  let r = clipHalfPlane(ring, hi, true);
  if (r.length) r = clipHalfPlane(r, lo, false);
  return r.map(([x, y]) => [x - 360 * k, y]);
}
function isClosedRingUsable(r) {
  return r.length >= 4 && Math.abs(ringArea(r)) > 0;
}

// Turn one (topojson-client, spherical-convention) polygon into planar polygons
// none of whose rings crosses the antimeridian.
function planarPolygons(rings, label) {
  const unwrapped = rings.map(unwrap);
  const net = unwrapped.map((u) => u[u.length - 1][0] - u[0][0]);
  let exterior;
  let holes;
  if (net.some((d) => Math.abs(d) > 1e-6)) {
    // A ring that winds once around the globe: it surrounds a pole (Antarctica).
    // world-atlas encodes Antarctica's main polygon as a tiny cap ring just off
    // the pole (lat -89.999) plus the coast as a "hole". In the plane that is
    // one ring: the coast, then back along the pole line.
    const polar = unwrapped.filter((_, i) => Math.abs(net[i]) > 1e-6);
    const caps = polar.filter((u) => u.every(([, y]) => Math.abs(y) > 89.9));
    const coasts = polar.filter((u) => !caps.includes(u));
    check(
      coasts.length === 1 && caps.length === rings.length - 1,
      `${label}: unexpected polar polygon structure (${rings.length} rings, ${caps.length} caps)`,
    );
    const coast = coasts[0];
    const meanLat = coast.reduce((s, [, y]) => s + y, 0) / coast.length;
    const poleLat = meanLat < 0 ? -90 : 90;
    const x0 = coast[0][0];
    const x1 = coast[coast.length - 1][0];
    const closed = coast.slice(0, -1).concat([[x1, coast[coast.length - 1][1]]]);
    const steps = Math.ceil(Math.abs(x1 - x0) / POLE_EDGE_STEP);
    for (let s = 0; s <= steps; s++) closed.push([x1 + ((x0 - x1) * s) / steps, poleLat]);
    closed.push([x0, coast[0][1]]);
    exterior = closed;
    holes = [];
  } else {
    exterior = unwrapped[0];
    const eb = bbox(exterior);
    holes = unwrapped.slice(1).map((h) => {
      const hb = bbox(h);
      const shift = 360 * Math.round(((eb[0] + eb[2]) / 2 - (hb[0] + hb[2]) / 2) / 360);
      return h.map(([x, y]) => [x + shift, y]);
    });
  }
  const [minX, , maxX] = bbox(exterior);
  const out = [];
  for (let k = Math.floor((minX + 180) / 360); k <= Math.floor((maxX + 180) / 360); k++) {
    const ext = clipWindow(exterior, k);
    if (!isClosedRingUsable(ext)) continue;
    const hs = holes.map((h) => clipWindow(h, k)).filter(isClosedRingUsable);
    out.push([ext, ...hs]);
  }
  return out;
}

function roundRing(r, d) {
  const f = 10 ** d;
  const out = [];
  for (const [x, y] of r) {
    const p = [Math.round(x * f) / f + 0, Math.round(y * f) / f + 0];
    const q = out[out.length - 1];
    if (!q || q[0] !== p[0] || q[1] !== p[1]) out.push(p);
  }
  if (out.length > 1) {
    const a = out[0];
    const b = out[out.length - 1];
    if (a[0] !== b[0] || a[1] !== b[1]) out.push([a[0], a[1]]);
  }
  return out;
}
function orient(r, ccw) {
  return ringArea(r) > 0 === ccw ? r : r.slice().reverse();
}
let fallbackPolygons = 0;
function roundPolygon(p) {
  let d = DECIMALS;
  let ext = roundRing(p[0], d);
  if (!isClosedRingUsable(ext)) {
    fallbackPolygons++;
    d = FALLBACK_DECIMALS;
    ext = roundRing(p[0], d);
    if (!isClosedRingUsable(ext)) return null;
  }
  const holes = p
    .slice(1)
    .map((h) => roundRing(h, d))
    .filter(isClosedRingUsable);
  return [orient(ext, true), ...holes.map((h) => orient(h, false))];
}

// ---- pole of inaccessibility (after Mapbox's polylabel, ISC) ---------------
function pointInPolygon(x, y, poly) {
  let inside = false;
  for (const ring of poly) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}
function segDist2(px, py, a, b) {
  let [x, y] = a;
  let dx = b[0] - x;
  let dy = b[1] - y;
  if (dx !== 0 || dy !== 0) {
    const t = ((px - x) * dx + (py - y) * dy) / (dx * dx + dy * dy);
    if (t > 1) {
      x = b[0];
      y = b[1];
    } else if (t > 0) {
      x += dx * t;
      y += dy * t;
    }
  }
  dx = px - x;
  dy = py - y;
  return dx * dx + dy * dy;
}
function signedDist(x, y, poly) {
  let min = Infinity;
  for (const ring of poly) for (let i = 0; i < ring.length - 1; i++) min = Math.min(min, segDist2(x, y, ring[i], ring[i + 1]));
  return (pointInPolygon(x, y, poly) ? 1 : -1) * Math.sqrt(min);
}
function polylabel(poly, precision) {
  const [minX, minY, maxX, maxY] = bbox(poly[0]);
  const w = maxX - minX;
  const h = maxY - minY;
  const size = Math.min(w, h);
  const cell = (x, y, hh) => {
    const d = signedDist(x, y, poly);
    return { x, y, h: hh, d, max: d + hh * Math.SQRT2 };
  };
  // binary max-heap on `max`
  const heap = [];
  const push = (c) => {
    heap.push(c);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p].max >= heap[i].max) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
  };
  const pop = () => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l].max > heap[m].max) m = l;
        if (r < heap.length && heap[r].max > heap[m].max) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    }
    return top;
  };
  if (size === 0) return [minX, minY];
  const hh = size / 2;
  for (let x = minX; x < maxX; x += size) for (let y = minY; y < maxY; y += size) push(cell(x + hh, y + hh, hh));
  // start from the area centroid of the exterior, or the bbox centre
  const ext = poly[0];
  let cx = 0;
  let cy = 0;
  let a2 = 0;
  for (let i = 0; i < ext.length - 1; i++) {
    const f = ext[i][0] * ext[i + 1][1] - ext[i + 1][0] * ext[i][1];
    cx += (ext[i][0] + ext[i + 1][0]) * f;
    cy += (ext[i][1] + ext[i + 1][1]) * f;
    a2 += f * 3;
  }
  let best = a2 === 0 ? cell(ext[0][0], ext[0][1], 0) : cell(cx / a2, cy / a2, 0);
  const centre = cell(minX + w / 2, minY + h / 2, 0);
  if (centre.d > best.d) best = centre;
  while (heap.length) {
    const c = pop();
    if (c.d > best.d) best = c;
    if (c.max - best.d <= precision) continue;
    const q = c.h / 2;
    push(cell(c.x - q, c.y - q, q));
    push(cell(c.x + q, c.y - q, q));
    push(cell(c.x - q, c.y + q, q));
    push(cell(c.x + q, c.y + q, q));
  }
  return [best.x, best.y, best.d];
}

// ---------------------------------------------------------------------------
// Geometry: world-atlas countries-50m (Natural Earth admin-0, 1:50m)
// ---------------------------------------------------------------------------

const topo = readJson(M("world-atlas/countries-50m.json"));
const source = topojson.feature(topo, topo.objects.countries).features;
check(source.length === 241, `expected 241 world-atlas features, got ${source.length}`);

// key -> { country | null, name, polygons: [[ring, ...], ...] } (raw, spherical convention)
const units = new Map();
const notes = [];
for (const f of source) {
  const polys = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
  const name = f.properties.name;
  let key;
  let country = null;
  if (f.id === undefined) {
    key = `name:${name}`;
  } else {
    country = byNumeric.get(f.id);
    check(country, `world-atlas id ${f.id} (${name}) is not an ISO 3166-1 numeric code`);
    key = f.id;
  }
  if (units.has(key)) {
    notes.push(`merged "${name}" into ${key} (${units.get(key).name})`);
    units.get(key).polygons.push(...polys);
  } else {
    units.set(key, { country, name, polygons: polys.slice() });
  }
}
for (const s of SPLITS) {
  const src = units.get(s.from);
  check(src, `split source ${s.from} missing`);
  const to = byIso2.get(s.to);
  const inBox = (p) => {
    const b = bbox(p[0]);
    return s.boxes.some((x) => b[0] >= x[0] && b[1] >= x[1] && b[2] <= x[2] && b[3] <= x[3]);
  };
  const moved = src.polygons.filter(inBox);
  check(moved.length === s.count, `split ${s.from}->${s.to}: moved ${moved.length}, expected ${s.count}`);
  check(!units.has(to.m49), `split target ${s.to} already present`);
  src.polygons = src.polygons.filter((p) => !inBox(p));
  units.set(to.m49, { country: to, name: to.name_en, polygons: moved });
  notes.push(`split ${moved.length} polygon(s) of ${s.from} (${src.name}) into ${to.iso3}`);
}
for (const [key, u] of [...units]) {
  if (u.polygons.length === 0) {
    units.delete(key);
    notes.push(`dropped emptied unit ${key}`);
  } else if (!u.country) {
    check(KEEP_WITHOUT_CODE.includes(u.name), `unexpected unit without ISO code: ${u.name}`);
  }
}

const features = [];
for (const u of units.values()) {
  const polys = [];
  for (const p of u.polygons) {
    for (const pp of planarPolygons(p, u.name)) {
      const r = roundPolygon(pp);
      if (r) polys.push(r);
      else notes.push(`dropped a degenerate polygon of ${u.name}`);
    }
  }
  check(polys.length > 0, `${u.name}: no polygon left`);
  const areas = new Map(polys.map((p) => [p, polygonArea(p)]));
  polys.sort((a, b) => areas.get(b) - areas.get(a) || a[0][0][0] - b[0][0][0] || a[0][0][1] - b[0][0][1]);
  features.push({
    iso3: u.country ? u.country.iso3 : null,
    m49: u.country ? u.country.m49 : null,
    name: u.country ? u.country.name_en : u.name,
    country: u.country,
    polygons: polys,
    largestArea: areas.get(polys[0]),
  });
}
features.sort((a, b) => {
  if ((a.iso3 === null) !== (b.iso3 === null)) return a.iso3 === null ? 1 : -1;
  const ka = a.iso3 ?? a.name;
  const kb = b.iso3 ?? b.name;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
});

// Validate what the renderer relies on.
let ringCount = 0;
let pointCount = 0;
for (const f of features) {
  for (const p of f.polygons) {
    p.forEach((r, i) => {
      ringCount++;
      pointCount += r.length;
      check(r.length >= 4, `${f.name}: short ring`);
      check(r[0][0] === r[r.length - 1][0] && r[0][1] === r[r.length - 1][1], `${f.name}: open ring`);
      check(ringArea(r) > 0 === (i === 0), `${f.name}: wrong winding`);
      for (let j = 0; j < r.length; j++) {
        const [x, y] = r[j];
        check(x >= -180 && x <= 180 && y >= -90 && y <= 90, `${f.name}: coordinate out of range ${x},${y}`);
        if (j > 0) check(Math.abs(x - r[j - 1][0]) <= 180, `${f.name}: antimeridian jump at ${x},${y}`);
      }
    });
  }
}

// Representative points: pole of inaccessibility of the largest polygon of
// the committed (rounded) geometry, so the point is inside what gets drawn.
for (const f of features) {
  if (!f.country) continue;
  const poly = f.polygons[0];
  const [x, y] = polylabel(poly, 1e-4);
  const f3 = 10 ** POINT_DECIMALS;
  const lon = Math.round(x * f3) / f3 + 0;
  const lat = Math.round(y * f3) / f3 + 0;
  check(pointInPolygon(lon, lat, poly), `${f.iso3}: representative point ${lon},${lat} not inside`);
  f.country.lon = lon.toFixed(POINT_DECIMALS);
  f.country.lat = lat.toFixed(POINT_DECIMALS);
  f.country.largestArea = f.largestArea;
}

// ---------------------------------------------------------------------------
// Write
// ---------------------------------------------------------------------------

const write = (rel, data) => {
  const p = path.join(outDir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
};
const copy = (from, rel) => write(rel, fs.readFileSync(M(from)));

// fonts
copy("dejavu-fonts-ttf/ttf/DejaVuSans.ttf", "fonts/DejaVuSans.ttf");
copy("dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf", "fonts/DejaVuSans-Bold.ttf");
copy("dejavu-fonts-ttf/LICENSE", "fonts/LICENSE-DejaVu.txt");
copy("@expo-google-fonts/noto-sans-arabic/400Regular/NotoSansArabic_400Regular.ttf", "fonts/NotoSansArabic-Regular.ttf");
copy("@expo-google-fonts/noto-sans-arabic/700Bold/NotoSansArabic_700Bold.ttf", "fonts/NotoSansArabic-Bold.ttf");
copy("@expo-google-fonts/noto-sans-arabic/LICENSE_FONT", "fonts/LICENSE-Noto-OFL.txt");

// geo: a FeatureCollection with one feature per line (readable diffs)
const featureLines = features.map((f) =>
  JSON.stringify({
    type: "Feature",
    properties: { iso3: f.iso3, m49: f.m49, name: f.name },
    geometry: { type: "MultiPolygon", coordinates: f.polygons },
  }),
);
write("geo/countries.geojson", `{"type":"FeatureCollection","features":[\n${featureLines.join(",\n")}\n]}\n`);
copy("world-atlas/LICENSE", "geo/LICENSE-world-atlas.txt");

// data
const HEADER = ["iso3", "iso2", "m49", "name_en", "name_fr", "name_ar", "name_ru", "region_m49", "subregion_m49", "lon", "lat"];
const csvField = (v) => {
  const s = v === undefined || v === null ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const rows = countries.slice().sort((a, b) => (a.iso3 < b.iso3 ? -1 : a.iso3 > b.iso3 ? 1 : 0));
write("data/countries.csv", [HEADER, ...rows.map((c) => HEADER.map((h) => c[h]))].map((r) => r.map(csvField).join(",")).join("\n") + "\n");
const small = rows.filter((c) => c.largestArea !== undefined && c.largestArea < SMALL_STATE_MAX_AREA).map((c) => c.iso3);
write("data/small-states.txt", small.join("\n") + "\n");
copy("cldr-core/LICENSE", "data/LICENSE-CLDR.txt");

// summary (stderr, informational)
const present = new Set(features.filter((f) => f.iso3).map((f) => f.iso3));
const log = (s) => process.stderr.write(s + "\n");
log(`features: ${features.length} (${present.size} with iso3, ${features.length - present.size} without: ${features.filter((f) => !f.iso3).map((f) => f.name).join(", ")})`);
log(`rings: ${ringCount}, points: ${pointCount}, polygons kept at ${FALLBACK_DECIMALS} decimals: ${fallbackPolygons}`);
log(`countries.csv rows: ${rows.length}`);
log(`ISO countries absent from the geometry: ${rows.filter((c) => !present.has(c.iso3)).map((c) => c.iso3).join(" ")}`);
log(`small states (${small.length}): ${small.join(" ")}`);
for (const n of notes) log(`note: ${n}`);
