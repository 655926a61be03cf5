//! The analytics crate's tests, in one binary (one link of polars instead of one per file).

mod demo;
mod exports;
mod fixtures;
mod hand_worked;
mod import;
mod properties;
mod stability;
