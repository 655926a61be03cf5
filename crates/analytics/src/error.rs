/// What can go wrong while computing or exporting a table.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// The query engine failed: a bug, or memory ran out. The message is for the log.
    #[error("analytics engine: {0}")]
    Engine(String),
    /// The caller asked for something that cannot be computed (zero resamples, …).
    #[error("{0}")]
    Invalid(String),
    /// Writing an export failed.
    #[error("export: {0}")]
    Export(String),
}

impl From<polars::error::PolarsError> for AnalyticsError {
    fn from(error: polars::error::PolarsError) -> Self {
        AnalyticsError::Engine(error.to_string())
    }
}
