//! The charts crate's integration tests, in one binary (one link, and the fonts and world
//! geometry are parsed once for all of them).
//!
//! `gallery` compares every chart in every language with the reference renders committed under
//! `charts/gallery/`; regenerate those on purpose with
//! `UPDATE_GALLERY=1 cargo test -p barometer-charts --test charts gallery`.

mod content;
mod fixtures;
mod gallery;
mod map;
mod png;
