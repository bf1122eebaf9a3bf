//! One store type over both engines: [`SqlStore<E>`] for `E` = SQLite or PostgreSQL.
//!
//! Each resource is a trait implemented once, generically, in its own file
//! (`#[engine_bounds] impl<E> AccountStore for SqlStore<E>`), which rustfmt formats and an
//! editor navigates. What sqlx must be able to encode and decode on the engine is listed once,
//! by the `#[engine_bounds]` attribute (`server/macros`) — see `docs/architecture.md`,
//! "Storage", for the measurement and the choice.

use sqlx::{Database, Pool};

mod sealed {
    pub trait Sealed {}
    impl Sealed for sqlx::Sqlite {}
    impl Sealed for sqlx::Postgres {}
}

/// The engines Tournée stores on.
pub trait Engine: Database + sealed::Sealed {
    /// `sqlite` or `postgres`.
    const NAME: &'static str;
    /// Rows a statement changed (sqlx has no common trait for it).
    fn rows_affected(result: &Self::QueryResult) -> u64;
    /// Whether a built statement numbers its placeholders (`$1`) or writes them in order
    /// (`?`). SQLite looks a numbered parameter up by name on every bind, a linear scan: a
    /// multi-row insert of 2 000 values spent half of an import's time there.
    const NUMBERED_PLACEHOLDERS: bool;
}

impl Engine for sqlx::Sqlite {
    const NAME: &'static str = "sqlite";
    const NUMBERED_PLACEHOLDERS: bool = false;
    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
}

impl Engine for sqlx::Postgres {
    const NAME: &'static str = "postgres";
    const NUMBERED_PLACEHOLDERS: bool = true;
    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
}

/// A transaction on the store's engine.
pub(crate) type Tx<'a, E> = sqlx::Transaction<'a, E>;

/// The store: a connection pool on one engine.
pub struct SqlStore<E: Engine> {
    pub(crate) pool: Pool<E>,
}

/// A unique-key violation as the conflict it means (`what` says which, in French).
pub(crate) fn map_unique(e: sqlx::Error, what: &str) -> super::StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => super::StoreError::Conflict(what.to_string()),
        _ => super::StoreError::Db(e),
    }
}

/// Who may see a record (`c`): the whole agency for a manager, else the owner and those it is
/// shared with. `$1` is the agency, `$2` whether the actor sees the whole agency, `$3` the
/// actor; live records only.
pub(crate) const VISIBLE: &str = "c.agency_id = $1 AND c.deleted_at IS NULL AND ($2 OR c.owner_id = $3 OR EXISTS \
     (SELECT 1 FROM contact_shares s WHERE s.contact_id = c.id AND s.user_id = $3))";
