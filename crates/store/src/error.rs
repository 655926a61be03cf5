use barometer_domain::FieldErrors;

/// Everything that can go wrong in storage, in terms a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The configuration names something this crate cannot use (an unknown URL scheme).
    #[error("{0}")]
    Config(String),
    /// The database cannot be reached or opened.
    #[error("{0}")]
    Connect(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("{0} not found")]
    NotFound(String),
    /// The write conflicts with what is stored (a duplicate code, a stale version).
    #[error("{0}")]
    Conflict(String),
    /// The writer's version is not the stored one: someone else saved in between.
    #[error(
        "the response was changed by someone else (you had version {expected}, the stored one is {current}); reload it, reapply your changes and save again"
    )]
    VersionConflict { expected: i32, current: i32 },
    /// The input breaks a rule that needs the database to check (an unknown activity id).
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// A stored value cannot be read back: a bug or a hand-edited database.
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
    /// A write was not committed (its batch failed to commit, or the writer stopped): nothing of
    /// it is stored, so it is safe to retry.
    #[error("the write was not saved: {0}")]
    Unsaved(String),
    #[error("database error: {0}")]
    Query(diesel::result::Error),
    /// A read shared by several requests failed ([`crate::batch::Batcher`]): each of them gets
    /// this, with what went wrong.
    #[error("the read failed: {0}")]
    Shared(String),
}

impl StoreError {
    /// The same error for another caller of a shared read: the database being unavailable stays
    /// so (it is worth retrying); anything else is reported as it was.
    pub fn share(&self) -> StoreError {
        match self {
            StoreError::Connect(message) => StoreError::Connect(message.clone()),
            other => StoreError::Shared(other.to_string()),
        }
    }
}

impl From<diesel::result::Error> for StoreError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => StoreError::NotFound("record".into()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StoreError::Conflict(format!("already exists: {}", info.message()))
            }
            other => StoreError::Query(other),
        }
    }
}

impl From<diesel::r2d2::Error> for StoreError {
    fn from(error: diesel::r2d2::Error) -> Self {
        StoreError::Connect(format!("database pool: {error}"))
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        StoreError::Connect(format!("no database connection available: {error}"))
    }
}

pub(crate) fn corrupt(what: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {error}"))
}
