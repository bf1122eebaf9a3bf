//! One store type over both engines: [`SqlStore<E>`] for `E` = SQLite or PostgreSQL.
//!
//! Each resource is a trait implemented once, generically, in its own file
//! (`#[engine_bounds] impl<E> AccountStore for SqlStore<E>`), which rustfmt formats and an
//! editor navigates. What sqlx must be able to encode and decode on the engine is listed once,
//! by the `#[engine_bounds]` attribute (`server/macros`) — see `docs/architecture.md`,
//! "Storage", for the measurement and the choice.

use sqlx::pool::PoolConnection;
use sqlx::{Database, Executor, Pool};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use tokio::sync::{Mutex, MutexGuard};
use uuid::Uuid;

use super::{StoreError, StoreResult};

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
    /// How a transaction that will write begins. SQLite: `BEGIN IMMEDIATE`, the write lock
    /// first. A deferred transaction that reads before its first write holds a snapshot, and
    /// if another connection commits in between, that write fails at once with
    /// `SQLITE_BUSY_SNAPSHOT` whatever the busy timeout — a push answered 503 for nothing (seen
    /// when the geocoder saved a new record's position while a push recorded a refusal).
    /// Taking the lock first makes the other writer wait its turn instead.
    const BEGIN_WRITE: &'static str;
}

impl Engine for sqlx::Sqlite {
    const NAME: &'static str = "sqlite";
    const NUMBERED_PLACEHOLDERS: bool = false;
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
}

impl Engine for sqlx::Postgres {
    const NAME: &'static str = "postgres";
    const NUMBERED_PLACEHOLDERS: bool = true;
    const BEGIN_WRITE: &'static str = "BEGIN";
    fn rows_affected(result: &Self::QueryResult) -> u64 {
        result.rows_affected()
    }
}

/// A transaction on the store's engine.
pub(crate) type Tx<'a, E> = sqlx::Transaction<'a, E>;

/// The store: a connection pool on one engine — or, for a phone's push, one transaction that
/// every call runs in ([`SqlStore::new_batch`]).
pub struct SqlStore<E: Engine> {
    pub(crate) pool: Pool<E>,
    batch: Option<Arc<Batch<E>>>,
}

/// A batch: its transaction, and the block of change numbers it has taken.
struct Batch<E: Engine> {
    tx: Mutex<Option<Tx<'static, E>>>,
    numbers: std::sync::Mutex<NumberBlock>,
    /// The phone's mutations marked applied in the batch (see [`MarkBlock`]).
    marks: std::sync::Mutex<MarkBlock>,
    /// Advisors found active in the batch's transaction (a write naming one as owner need not
    /// ask again: a push cannot disable anyone).
    owners: std::sync::Mutex<Vec<(Uuid, Uuid, String)>>,
}

/// The mutations a batch has marked applied for its phone. The first mark runs the
/// conditional `UPDATE` of `sync::MARK_APPLIED`, which finds the mutation not taken by another
/// try and holds the phone's row (PostgreSQL's row lock, SQLite's write lock) until the batch
/// commits; the mutations after it, in order, are counted in memory, and the row is set to the
/// last one just before the commit — like [`NumberBlock`] for the change numbers. One statement
/// per batch instead of one per mutation.
#[derive(Debug, Default)]
struct MarkBlock {
    /// The phone whose row the batch holds, once marked in its transaction.
    client_id: Option<Uuid>,
    /// `last_mutation_id` as the batch's transaction last wrote it.
    stored: i64,
    /// The last mutation marked applied, and the try that marked it.
    last: i64,
    attempt: Option<Uuid>,
    /// `last` when the current savepoint opened (undoing it goes back there).
    at_step: i64,
    /// Whether the row was first marked in the current savepoint (undoing it undoes the mark).
    taken_in_step: bool,
}

/// What [`SqlStore::mark_in_batch`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BatchMark {
    /// This try marked the mutation already (an earlier write of the same mutation).
    Already,
    /// Marked now, in memory: it follows the last one the batch marked.
    Counted,
    /// Not in a batch, or the batch holds no row for this phone yet: mark it in the database.
    Database,
}

/// The change numbers a batch hands out. The agency's counter is bumped (and its row locked
/// until commit) once, by the batch's first write; later writes count on from there in memory,
/// and the counter is set to the last number given just before the commit. One update of the
/// agency's row per batch instead of one per mutation: on PostgreSQL, with other phones'
/// batches queued on that row, a hundred updates per batch made each batch ten times slower.
#[derive(Debug, Default)]
struct NumberBlock {
    agency_id: Option<Uuid>,
    /// The counter as the batch's transaction last wrote it.
    stored: i64,
    /// The last number handed out.
    last: i64,
    /// Whether the counter was first bumped in the current savepoint (undoing it undoes the
    /// bump, and the block starts again).
    taken_in_step: bool,
}

impl<E: Engine> SqlStore<E> {
    pub(crate) fn new(pool: Pool<E>) -> Self {
        SqlStore { pool, batch: None }
    }

    /// A store on the same pool whose every call runs in one new transaction, until
    /// [`Self::commit_batch_tx`]: a phone's mutations are applied in few commits (one fsync each
    /// on SQLite) instead of one per mutation. Each mutation runs in a savepoint
    /// ([`Self::batch_savepoint`]), so one the rules refuse is rolled back alone. Dropped without
    /// commit, the batch rolls back.
    pub async fn new_batch(&self) -> StoreResult<Self> {
        let tx = self.pool.begin_with(E::BEGIN_WRITE).await?;
        Ok(SqlStore {
            pool: self.pool.clone(),
            batch: Some(Arc::new(Batch {
                tx: Mutex::new(Some(tx)),
                numbers: Default::default(),
                marks: Default::default(),
                owners: Default::default(),
            })),
        })
    }

    /// Commits the batch (durably: the answer to the phone follows).
    pub async fn commit_batch_tx(&self) -> StoreResult<()> {
        let Some(batch) = &self.batch else {
            return Ok(());
        };
        let tx = batch
            .tx
            .lock()
            .await
            .take()
            .ok_or(StoreError::Corrupt("batch already committed".into()))?;
        tx.commit().await?;
        Ok(())
    }

    /// Within a batch, moves from one mutation's savepoint to the next (see [`BatchStep`]);
    /// outside a batch, nothing to do. Each step is one round trip to the database.
    pub async fn batch_savepoint(&self, step: BatchStep) -> StoreResult<()>
    where
        for<'c> &'c mut E::Connection: Executor<'c, Database = E>,
    {
        let Some(batch) = &self.batch else {
            return Ok(());
        };
        {
            let mut numbers = batch.numbers.lock().unwrap_or_else(|p| p.into_inner());
            if step == BatchStep::Undo && numbers.taken_in_step {
                *numbers = NumberBlock::default();
            }
            numbers.taken_in_step = false;
            let mut marks = batch.marks.lock().unwrap_or_else(|p| p.into_inner());
            if step == BatchStep::Undo {
                if marks.taken_in_step {
                    *marks = MarkBlock::default();
                } else {
                    marks.last = marks.at_step;
                    marks.attempt = None;
                }
            }
            marks.at_step = marks.last;
            marks.taken_in_step = false;
        }
        let sql = match step {
            BatchStep::Begin => "SAVEPOINT mutation",
            BatchStep::Next => "RELEASE SAVEPOINT mutation; SAVEPOINT mutation",
            BatchStep::Undo => "ROLLBACK TO SAVEPOINT mutation; RELEASE SAVEPOINT mutation",
            BatchStep::Keep => "RELEASE SAVEPOINT mutation",
        };
        let mut conn = self.conn().await?;
        (&mut *conn).execute(sql).await?;
        Ok(())
    }

    /// Within a batch: whether the mutation `m` is marked applied already, or can be counted
    /// as applied in memory (see [`MarkBlock`]); if so, it now is.
    pub(crate) fn mark_in_batch(&self, m: &super::MutationAttempt) -> BatchMark {
        let Some(batch) = &self.batch else {
            return BatchMark::Database;
        };
        let mut marks = batch.marks.lock().unwrap_or_else(|p| p.into_inner());
        if marks.client_id != Some(m.client_id) {
            return BatchMark::Database;
        }
        if marks.last == m.mutation_id && marks.attempt == Some(m.attempt) {
            return BatchMark::Already;
        }
        if m.mutation_id == marks.last + 1 {
            marks.last = m.mutation_id;
            marks.attempt = Some(m.attempt);
            return BatchMark::Counted;
        }
        BatchMark::Database
    }

    /// Within a batch: the mutation `m` was just marked applied by a statement of the batch's
    /// transaction, which now holds its phone's row.
    pub(crate) fn marked_in_database(&self, m: &super::MutationAttempt) {
        if let Some(batch) = &self.batch {
            let mut marks = batch.marks.lock().unwrap_or_else(|p| p.into_inner());
            if marks.client_id.is_none() {
                marks.taken_in_step = true;
            }
            marks.client_id = Some(m.client_id);
            marks.stored = m.mutation_id;
            marks.last = m.mutation_id;
            marks.attempt = Some(m.attempt);
        }
    }

    /// Within a batch: the phone, the last mutation and its try, when the phone's row has not
    /// been set to it yet.
    pub(crate) fn marks_to_store(&self) -> Option<(Uuid, i64, Option<Uuid>)> {
        let marks = self.batch.as_ref()?.marks.lock().unwrap_or_else(|p| p.into_inner());
        match marks.client_id {
            Some(client) if marks.last > marks.stored => Some((client, marks.last, marks.attempt)),
            _ => None,
        }
    }

    /// Within a batch: the name of the advisor, if found active in its transaction already.
    pub(crate) fn owner_in_batch(&self, agency_id: Uuid, owner_id: Uuid) -> Option<String> {
        let owners = self.batch.as_ref()?.owners.lock().unwrap_or_else(|p| p.into_inner());
        owners
            .iter()
            .find(|(a, o, _)| *a == agency_id && *o == owner_id)
            .map(|(_, _, name)| name.clone())
    }

    /// Within a batch: the advisor was found active in its transaction.
    pub(crate) fn owner_found(&self, agency_id: Uuid, owner_id: Uuid, name: &str) {
        if let Some(batch) = &self.batch {
            let mut owners = batch.owners.lock().unwrap_or_else(|p| p.into_inner());
            owners.push((agency_id, owner_id, name.to_owned()));
        }
    }

    /// A transaction for a write: a new one from the pool, or the batch's.
    pub(crate) async fn begin(&self) -> StoreResult<Begun<'_, E>> {
        match &self.batch {
            None => Ok(Begun::Own(self.pool.begin_with(E::BEGIN_WRITE).await?)),
            Some(batch) => Ok(Begun::Batch(Self::batch_guard(&batch.tx).await?)),
        }
    }

    /// A connection for a read: from the pool, or the batch's (which sees its own writes).
    pub(crate) async fn conn(&self) -> StoreResult<Conn<'_, E>> {
        match &self.batch {
            None => Ok(Conn::Pool(self.pool.acquire().await?)),
            Some(batch) => Ok(Conn::Batch(Self::batch_guard(&batch.tx).await?)),
        }
    }

    /// Within a batch that holds the agency's counter: the next `count` numbers, counted in
    /// memory (the last one returned).
    pub(crate) fn take_numbers(&self, agency_id: Uuid, count: i64) -> Option<i64> {
        let mut numbers = self.batch.as_ref()?.numbers.lock().unwrap_or_else(|p| p.into_inner());
        if numbers.agency_id != Some(agency_id) {
            return None;
        }
        numbers.last += count;
        Some(numbers.last)
    }

    /// Within a batch: the agency's counter was just bumped to `seq` in the batch's transaction.
    pub(crate) fn took_numbers(&self, agency_id: Uuid, seq: i64) {
        if let Some(batch) = &self.batch {
            let mut numbers = batch.numbers.lock().unwrap_or_else(|p| p.into_inner());
            if numbers.agency_id.is_none() {
                *numbers = NumberBlock {
                    agency_id: Some(agency_id),
                    stored: seq,
                    last: seq,
                    taken_in_step: true,
                };
            }
        }
    }

    /// Within a batch: the agency and the last number handed out, when the counter has not been
    /// set to it yet.
    pub(crate) fn numbers_to_store(&self) -> Option<(Uuid, i64)> {
        let numbers = self.batch.as_ref()?.numbers.lock().unwrap_or_else(|p| p.into_inner());
        match numbers.agency_id {
            Some(agency) if numbers.last > numbers.stored => Some((agency, numbers.last)),
            _ => None,
        }
    }

    async fn batch_guard<'a>(
        batch: &'a Mutex<Option<Tx<'static, E>>>,
    ) -> StoreResult<MutexGuard<'a, Option<Tx<'static, E>>>> {
        let guard = batch.lock().await;
        match *guard {
            Some(_) => Ok(guard),
            None => Err(StoreError::Corrupt("batch already committed".into())),
        }
    }
}

/// A step between a batch's mutations (see [`SqlStore::batch_savepoint`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchStep {
    /// Opens the first mutation's savepoint.
    Begin,
    /// Keeps what the mutation wrote and opens the next one's savepoint.
    Next,
    /// Undoes what the mutation wrote (its savepoint closed).
    Undo,
    /// Keeps what the last mutation wrote.
    Keep,
}

/// A write's transaction: its own (committed by [`Begun::commit`], rolled back if dropped), or
/// the batch's (committed with the batch).
pub(crate) enum Begun<'a, E: Engine> {
    Own(Tx<'static, E>),
    Batch(MutexGuard<'a, Option<Tx<'static, E>>>),
}

impl<E: Engine> Begun<'_, E> {
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Begun::Own(tx) => tx.commit().await,
            Begun::Batch(_) => Ok(()),
        }
    }
}

impl<E: Engine> Deref for Begun<'_, E> {
    type Target = E::Connection;
    fn deref(&self) -> &E::Connection {
        match self {
            Begun::Own(tx) => tx,
            Begun::Batch(guard) => guard.as_ref().expect("checked when taken"),
        }
    }
}

impl<E: Engine> DerefMut for Begun<'_, E> {
    fn deref_mut(&mut self) -> &mut E::Connection {
        match self {
            Begun::Own(tx) => tx,
            Begun::Batch(guard) => guard.as_mut().expect("checked when taken"),
        }
    }
}

/// A read's connection: from the pool, or the batch's.
pub(crate) enum Conn<'a, E: Engine> {
    Pool(PoolConnection<E>),
    Batch(MutexGuard<'a, Option<Tx<'static, E>>>),
}

impl<E: Engine> Deref for Conn<'_, E> {
    type Target = E::Connection;
    fn deref(&self) -> &E::Connection {
        match self {
            Conn::Pool(c) => c,
            Conn::Batch(guard) => guard.as_ref().expect("checked when taken"),
        }
    }
}

impl<E: Engine> DerefMut for Conn<'_, E> {
    fn deref_mut(&mut self) -> &mut E::Connection {
        match self {
            Conn::Pool(c) => c,
            Conn::Batch(guard) => guard.as_mut().expect("checked when taken"),
        }
    }
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
