//! barometer's analytics: the polars pipelines that turn a cycle's submitted responses into the
//! outcome document's tables (Table 1, Table 2, the year-over-year comparison) and their exports.
//!
//! Not for: storage or rendering. The store crate hands this crate a cycle's data; the charts
//! crate draws what this crate computes. polars stays inside this crate, so nothing else pays
//! for compiling it.
//!
//! Status: a shell until the analytics issue lands; the foundation only fixes its place.
