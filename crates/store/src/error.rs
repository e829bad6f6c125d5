//! The one error type of the store crate.

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store cannot be reached, or the connection broke: nothing new is
    /// known to be written, and asking again later may succeed.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// The connection broke while the store committed a batch: it may or
    /// may not be written. Writing it again is safe (a put replaces by id).
    #[error("the store went away while committing: the write may or may not have been made ({0})")]
    OutcomeUnknown(String),
    /// The store's address or credentials are not usable as given.
    #[error("store configuration: {0}")]
    Config(String),
    /// The store holds a schema this hoshin does not know.
    #[error("the store's schema is version {found}; this hoshin knows versions up to {known}: upgrade hoshin")]
    SchemaTooNew {
        /// The version the store holds.
        found: i32,
        /// The newest version this hoshin knows.
        known: i32,
    },
    /// A stored batch does not read back as a batch.
    #[error("the store's batch at position {position} cannot be read: {reason}")]
    Unreadable {
        /// Where it is.
        position: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// The batch this node applied last at `position` is not the store's
    /// there any more (the store failed over to a copy that lacked it, or
    /// was restored from an older backup): the node must rebuild from the store.
    #[error("the store's batch at position {position} is not the one this node applied")]
    Diverged {
        /// The position whose batch differs.
        position: u64,
    },
    /// PostgreSQL refused a statement for a reason other than the connection.
    #[error("the store refused: {0}")]
    Refused(String),
}

/// The store crate's result.
pub type Result<T> = std::result::Result<T, StoreError>;

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> Self {
        // A statement PostgreSQL answered with an error has a SQLSTATE; anything
        // else (refused, reset, closed, timed out) is the connection's.
        match error.as_db_error() {
            // Connection failures, a server out of connections or memory,
            // shutting down or recovering, and a server that only reads (a
            // standby, before or without promotion): the store as a whole is
            // not there to write to now.
            Some(db) if matches!(&db.code().code()[..2], "08" | "53" | "57") || db.code().code() == "25006" => {
                StoreError::Unavailable(format!("{} ({})", db.message(), db.code().code()))
            }
            Some(db) => StoreError::Refused(format!("{} ({})", db.message(), db.code().code())),
            None => StoreError::Unavailable(error.to_string()),
        }
    }
}
