//! barometer's charts: SVG and PNG renderings of the analytics results (ranked priorities, the
//! coverage map, year-over-year and stability charts), with embedded fonts and geometry from
//! `charts/` at the repository root.
//!
//! Not for: computing results (the analytics crate does) or serving them (the web crate does).
//!
//! Status: a shell until the charts issue lands; the foundation only fixes its place.
