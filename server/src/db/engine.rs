//! One store type over both engines: [`SqlStore<E>`] for `E` = SQLite or PostgreSQL.
//!
//! Resources move here one by one from the macro-generated store (`sql::impl_store!` and the
//! others): each is a trait implemented once, generically, in its own file
//! (`impl<E: Engine> AccountStore for SqlStore<E> where …`), which rustfmt formats and an
//! editor navigates. The price is a `where` clause naming what sqlx must be able to encode and
//! decode on the engine — see `docs/architecture.md`, "Storage", for the measurement and the
//! choice.

use shared::settings::AgencySettings;
use sqlx::{Database, Pool};
use uuid::Uuid;

use tournee_store_macros::engine_bounds;

use super::{Actor, StoreError, StoreResult};

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
}

impl Engine for sqlx::Sqlite {
    const NAME: &'static str = "sqlite";
    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
}

impl Engine for sqlx::Postgres {
    const NAME: &'static str = "postgres";
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

/// The steps every writing transaction shares, for the resources implemented generically.
#[engine_bounds]
impl<E> SqlStore<E> {
    /// The agency's next change number for a write by `actor`, marking the actor's phone
    /// mutation applied in the same transaction (see `sql::impl_store!`'s `next_seq_as`).
    pub(crate) async fn next_seq_for(conn: &mut E::Connection, actor: &Actor, count: i64) -> StoreResult<i64> {
        let (seq,): (i64,) = sqlx::query_as::<E, (i64,)>(
            "UPDATE agencies SET change_seq = change_seq + $2 WHERE id = $1 RETURNING change_seq",
        )
        .bind(actor.agency_id)
        .bind(count)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        if let Some(m) = actor.mutation {
            let done = sqlx::query::<E>(super::sync::MARK_APPLIED)
                .bind(m.client_id)
                .bind(actor.user_id)
                .bind(m.mutation_id)
                .bind(m.attempt)
                .execute(&mut *conn)
                .await?;
            if E::rows_affected(&done) == 0 {
                return Err(StoreError::AlreadyApplied);
            }
        }
        Ok(seq)
    }

    pub(crate) async fn settings_in(conn: &mut E::Connection, agency_id: Uuid) -> StoreResult<AgencySettings> {
        let (json,): (String,) = sqlx::query_as::<E, (String,)>("SELECT settings FROM agencies WHERE id = $1")
            .bind(agency_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("settings: {e}")))
    }

    /// Whether the actor sees the record (live records only): `NotFound` otherwise.
    pub(crate) async fn check_visible(conn: &mut E::Connection, actor: &Actor, contact_id: Uuid) -> StoreResult<()> {
        let sql = format!("SELECT c.seq FROM contacts c WHERE c.id = $4 AND {VISIBLE}");
        sqlx::query_as::<E, (i64,)>(&sql)
            .bind(actor.agency_id)
            .bind(actor.sees_whole_agency())
            .bind(actor.user_id)
            .bind(contact_id)
            .fetch_optional(&mut *conn)
            .await?
            .map(drop)
            .ok_or(StoreError::NotFound)
    }

    /// A user's display name (the author of a history line).
    pub(crate) async fn user_name(conn: &mut E::Connection, user_id: Uuid) -> StoreResult<String> {
        let (name,): (String,) = sqlx::query_as::<E, (String,)>("SELECT display_name FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?;
        Ok(name)
    }
}
