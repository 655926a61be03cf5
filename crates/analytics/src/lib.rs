//! barometer's analytics: the polars pipelines that turn a cycle's submitted responses into the
//! outcome document's tables (Table 1, Table 2, the year-over-year comparison), plus rank
//! stability, headline figures, exports (CSV, XLSX, Parquet, JSON) and the import of past cycles
//! from spreadsheets.
//!
//! Not for: storage or rendering. The store crate hands this crate a cycle's data as a
//! [`CycleData`] (plain index columns, no polars); the charts crate draws what this crate
//! computes. polars stays inside this crate, so nothing else pays for compiling it, and no
//! polars type appears in the public API.
//!
//! Every function here is blocking and CPU-bound: call it from `web::block`/`spawn_blocking`,
//! never on an async worker thread.

mod compare;
mod error;
pub mod export;
mod frames;
mod headline;
pub mod import;
mod labels;
mod priorities;
mod regions;
mod rng;
mod stability;
pub mod synthetic;

pub use barometer_domain::cycle_data::CycleData;
pub use compare::compare;
pub use error::AnalyticsError;
pub use export::{Exportable, Format, export};
pub use headline::headline;
pub use priorities::priorities;
pub use regions::regions;
pub use stability::{DEFAULT_RESAMPLES, stability};
