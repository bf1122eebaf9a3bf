//! The phone's sync engine (*moteur de synchronisation*): the outbox, push, pull and the
//! replica's upkeep, written against two small traits so that the same code runs in the
//! browser (IndexedDB, `fetch`) and in native tests (memory, an HTTP client with faults).
//!
//! Rules it keeps:
//! - a write is one local transaction: the mutation goes to the outbox with the next id and
//!   the id counter moves with it ([`Engine::record`]);
//! - push sends the outbox in order, in batches; an answer acknowledges every mutation up to
//!   its `last_mutation_id` — only then are they dropped, with their refusals kept;
//! - pull applies the server's rows after the cursor, page by page, the cursor moving with
//!   each page in the same local transaction; a `reset` drops the replica and starts again;
//! - pending mutations are not written into the replica: screens show the replica with the
//!   outbox laid over it, so a pull never loses a local change and a refusal needs no undo.

use std::collections::BTreeMap;
use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    Change, Mutation, PendingMutation, PullResponse, PushRequest, PushResponse, RefusedMutation, MAX_MUTATIONS_PER_PUSH,
};

/// What the phone keeps about sync besides the rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncMeta {
    /// This installation's id (UUIDv7, made once).
    pub client_id: Uuid,
    /// Where the next pull starts.
    pub cursor: i64,
    /// The id the next mutation takes.
    pub next_mutation_id: i64,
    /// The last mutation the server acknowledged.
    pub acked: i64,
    /// When a sync last went through, both ways.
    pub last_sync_at: Option<DateTime<Utc>>,
}

impl SyncMeta {
    pub fn new(client_id: Uuid) -> SyncMeta {
        SyncMeta {
            client_id,
            cursor: 0,
            next_mutation_id: 1,
            acked: 0,
            last_sync_at: None,
        }
    }
}

/// A row of the replica: its kind and id.
pub type RowKey = (RowKind, Uuid);

/// The kinds of rows a replica holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    Contact,
    Meeting,
    Task,
    Conflict,
    Offer,
    Complaint,
    Event,
    Report,
    Interaction,
    /// The agency's settings: one row, id nil.
    Settings,
    /// The agency's members: one row, id nil.
    Team,
    Consent,
}

/// One local transaction: everything in it is written together or not at all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LocalWrite {
    /// Drop every row first (a reset).
    pub clear_rows: bool,
    /// Rows to write, as the server sent them.
    pub put: Vec<Change>,
    /// Rows to drop. Dropping a contact also drops what hangs on it ([`Change::contact_id`]).
    pub remove: Vec<RowKey>,
    /// Mutations to add to the outbox.
    pub enqueue: Vec<PendingMutation>,
    /// Drop the outbox's mutations up to this id (acknowledged by the server).
    pub ack_up_to: Option<i64>,
    /// Refusals to keep for the advisor to see.
    pub refusals: Vec<RefusedMutation>,
    pub meta: Option<SyncMeta>,
    /// A pulled page's changes as the server sent them (JSON), when `put` and `remove` are
    /// exactly [`split_pulled`] of them: a store may keep this text as it is
    /// ([`super::log::pulled_segment`]) instead of writing the rows out again.
    pub pulled: Option<String>,
}

/// The phone's storage: IndexedDB in the browser, memory in tests.
pub trait LocalStore {
    type Error: std::fmt::Display;
    /// The sync metadata and the outbox, oldest first.
    fn sync_state(&self) -> impl Future<Output = Result<(SyncMeta, Vec<PendingMutation>), Self::Error>>;
    /// Applies `write` in one transaction (durably, before answering).
    fn write(&mut self, write: LocalWrite) -> impl Future<Output = Result<(), Self::Error>>;
}

/// Why a transport call did not give an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// No network, a timeout, a lost answer: try again later, nothing is known.
    Unreachable(String),
    /// The session is gone: ask to log in. `erase` when it was ended on purpose (revoked from
    /// another device, the user disabled): then nothing of the agency's stays on the phone,
    /// unsent changes included; an expired session keeps the replica for the same user.
    Unauthorized { erase: bool },
    /// The server answered with an error (`{error, detail}`), e.g. 503 while it cannot write.
    Server { status: u16, error: String, detail: String },
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Unreachable(e) => write!(f, "pas de réseau ({e})"),
            TransportError::Unauthorized { .. } => write!(f, "session terminée : reconnectez-vous"),
            TransportError::Server { status, detail, .. } => write!(f, "serveur ({status}) : {detail}"),
        }
    }
}

/// The way to the server.
pub trait Transport {
    fn push(&mut self, request: &PushRequest) -> impl Future<Output = Result<PushResponse, TransportError>>;
    fn pull(
        &mut self,
        cursor: i64,
        limit: u32,
        client_id: Uuid,
    ) -> impl Future<Output = Result<PullResponse, TransportError>>;

    /// A pull in two steps: the answer's head as soon as it is in — where the page ends, when
    /// the server says so in its headers — then its body. The engine asks for the next page
    /// as soon as it knows where this one ends, so the server builds it while the phone reads
    /// and writes this one. By default the whole page is read first.
    fn pull_head(
        &mut self,
        cursor: i64,
        limit: u32,
        client_id: Uuid,
    ) -> impl Future<Output = Result<PullHead, TransportError>> {
        async move {
            let page = self.pull(cursor, limit, client_id).await?;
            Ok(PullHead {
                end: (!page.reset).then_some(PageEnd {
                    cursor: page.cursor,
                    has_more: page.has_more,
                }),
                body: Box::pin(std::future::ready(Ok(page.into()))),
            })
        }
    }
}

/// Where a page of a pull ends (the `Sync-Cursor` and `Sync-Has-More` headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageEnd {
    pub cursor: i64,
    pub has_more: bool,
}

/// A pull whose head is in: where its page ends if the server said so, and its body to read.
pub struct PullHead {
    pub end: Option<PageEnd>,
    pub body: std::pin::Pin<Box<dyn Future<Output = Result<PulledPage, TransportError>>>>,
}

/// A page of a pull as read, with its changes' JSON as received when the transport kept it.
#[derive(Debug, Clone, PartialEq)]
pub struct PulledPage {
    pub page: PullResponse,
    pub raw_changes: Option<String>,
}

impl From<PullResponse> for PulledPage {
    fn from(page: PullResponse) -> PulledPage {
        PulledPage {
            page,
            raw_changes: None,
        }
    }
}

impl PulledPage {
    /// Reads a pull's answer (JSON bytes), keeping the text of its changes: the phone stores
    /// that text as it came instead of writing 1 000 rows out again (on a first sync of 10 000
    /// records that writing took ~0.4 s of the phone's main thread). The server writes
    /// `changes` first; an answer laid out otherwise is read whole, its text not kept.
    pub fn read(bytes: &[u8]) -> serde_json::Result<PulledPage> {
        /// The answer's other fields.
        #[derive(Deserialize)]
        struct Rest {
            cursor: i64,
            has_more: bool,
            reset: bool,
            last_mutation_id: Option<i64>,
            refusals: Vec<RefusedMutation>,
        }
        if let Some(rest) = bytes.strip_prefix(b"{\"changes\":") {
            let mut stream = serde_json::Deserializer::from_slice(rest).into_iter::<Vec<Change>>();
            if let Some(changes) = stream.next() {
                let changes = changes?;
                let end = stream.byte_offset();
                if let (Ok(raw), Some(tail)) = (std::str::from_utf8(&rest[..end]), rest[end..].strip_prefix(b",")) {
                    // The object without its first field.
                    let mut others = Vec::with_capacity(tail.len() + 1);
                    others.push(b'{');
                    others.extend_from_slice(tail);
                    let r: Rest = serde_json::from_slice(&others)?;
                    return Ok(PulledPage {
                        page: PullResponse {
                            changes,
                            cursor: r.cursor,
                            has_more: r.has_more,
                            reset: r.reset,
                            last_mutation_id: r.last_mutation_id,
                            refusals: r.refusals,
                        },
                        raw_changes: Some(raw.to_owned()),
                    });
                }
            }
        }
        Ok(serde_json::from_slice::<PullResponse>(bytes)?.into())
    }
}

/// A pulled page's changes as the replica takes them: the rows to write, and the rows to drop
/// (a deleted record, a record this user no longer sees, a deleted task). One rule for a live
/// pull and for a page read back from the log.
pub fn split_pulled(changes: Vec<Change>) -> (Vec<Change>, Vec<RowKey>) {
    let mut put = Vec::with_capacity(changes.len());
    let mut remove = Vec::new();
    for change in changes {
        match change {
            Change::Contact(c) if c.deleted => remove.push((RowKind::Contact, c.id)),
            Change::ContactRemoved { id, .. } => remove.push((RowKind::Contact, id)),
            Change::TaskRemoved { id, .. } => remove.push((RowKind::Task, id)),
            other => put.push(other),
        }
    }
    (put, remove)
}

/// Why a sync stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncError<E> {
    Local(E),
    Transport(TransportError),
}

impl<E: std::fmt::Display> std::fmt::Display for SyncError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SyncError::Local(e) => write!(f, "stockage du téléphone : {e}"),
            SyncError::Transport(e) => e.fmt(f),
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncReport {
    pub pushed: usize,
    pub refused: Vec<RefusedMutation>,
    pub pulled: usize,
    pub reset: bool,
}

/// Rows per pull page: the most the server gives (fewer round trips on a first sync).
pub const PULL_PAGE: u32 = super::MAX_PULL_LIMIT;

/// The engine over a local store.
pub struct Engine<S> {
    pub store: S,
}

impl<S: LocalStore> Engine<S> {
    pub fn new(store: S) -> Self {
        Engine { store }
    }

    /// Records a write made on the phone: appended to the outbox with the next id, in one
    /// local transaction. Returns the id.
    pub async fn record(&mut self, mutation: Mutation, at: DateTime<Utc>) -> Result<i64, SyncError<S::Error>> {
        let (mut meta, _) = self.store.sync_state().await.map_err(SyncError::Local)?;
        let id = meta.next_mutation_id;
        meta.next_mutation_id += 1;
        self.store
            .write(LocalWrite {
                enqueue: vec![PendingMutation { id, mutation, at }],
                meta: Some(meta),
                ..Default::default()
            })
            .await
            .map_err(SyncError::Local)?;
        Ok(id)
    }

    /// Pushes the outbox, then pulls until nothing more follows.
    pub async fn sync(
        &mut self,
        transport: &mut impl Transport,
        now: DateTime<Utc>,
    ) -> Result<SyncReport, SyncError<S::Error>> {
        let mut report = SyncReport::default();
        self.push(transport, &mut report).await?;
        self.pull(transport, &mut report).await?;
        let (mut meta, _) = self.store.sync_state().await.map_err(SyncError::Local)?;
        meta.last_sync_at = Some(now);
        self.store
            .write(LocalWrite {
                meta: Some(meta),
                ..Default::default()
            })
            .await
            .map_err(SyncError::Local)?;
        Ok(report)
    }

    async fn push(
        &mut self,
        transport: &mut impl Transport,
        report: &mut SyncReport,
    ) -> Result<(), SyncError<S::Error>> {
        loop {
            let (meta, outbox) = self.store.sync_state().await.map_err(SyncError::Local)?;
            let batch: Vec<PendingMutation> = outbox
                .into_iter()
                .filter(|m| m.id > meta.acked)
                .take(MAX_MUTATIONS_PER_PUSH)
                .collect();
            if batch.is_empty() {
                return Ok(());
            }
            let request = PushRequest {
                client_id: meta.client_id,
                mutations: batch,
            };
            let answer = transport.push(&request).await.map_err(SyncError::Transport)?;
            let refusals: Vec<RefusedMutation> = answer
                .outcomes
                .iter()
                .filter_map(|o| match o {
                    super::MutationOutcome::Refused { id, refusal } => Some(RefusedMutation {
                        id: *id,
                        refusal: refusal.clone(),
                    }),
                    _ => None,
                })
                .collect();
            let acked = answer.last_mutation_id.max(meta.acked);
            report.pushed += request.mutations.iter().filter(|m| m.id <= acked).count();
            report.refused.extend(refusals.iter().cloned());
            self.store
                .write(LocalWrite {
                    ack_up_to: Some(acked),
                    refusals,
                    meta: Some(SyncMeta { acked, ..meta }),
                    ..Default::default()
                })
                .await
                .map_err(SyncError::Local)?;
            if acked < request.mutations.last().map(|m| m.id).unwrap_or(0) {
                // The server stopped short (it never does on purpose): try later.
                return Ok(());
            }
        }
    }

    async fn pull(
        &mut self,
        transport: &mut impl Transport,
        report: &mut SyncReport,
    ) -> Result<(), SyncError<S::Error>> {
        let (meta, _) = self.store.sync_state().await.map_err(SyncError::Local)?;
        let mut head = transport
            .pull_head(meta.cursor, PULL_PAGE, meta.client_id)
            .await
            .map_err(SyncError::Transport)?;
        loop {
            let PullHead { end, body } = head;
            // The next page is asked for as soon as this one's end is known, and built by the
            // server while this one is read and written: on a long first sync the server's
            // time and the phone's overlap.
            let ahead = end.filter(|e| e.has_more).map(|e| e.cursor);
            let client_id = meta.client_id;
            let next = async {
                match ahead {
                    Some(cursor) => Some(transport.pull_head(cursor, PULL_PAGE, client_id).await),
                    None => None,
                }
            };
            let (page, next) = both(self.take_page(body, report), next).await;
            let next_cursor = page?;
            let Some(next_cursor) = next_cursor else {
                return Ok(());
            };
            head = match next {
                // Asked where the page really ended (the body is the authority).
                Some(next) if ahead == Some(next_cursor) => next.map_err(SyncError::Transport)?,
                _ => transport
                    .pull_head(next_cursor, PULL_PAGE, client_id)
                    .await
                    .map_err(SyncError::Transport)?,
            };
        }
    }

    /// Reads one page of a pull and writes it to the replica; the cursor to pull from next, or
    /// `None` when the phone is up to date.
    async fn take_page(
        &mut self,
        body: std::pin::Pin<Box<dyn Future<Output = Result<PulledPage, TransportError>>>>,
        report: &mut SyncReport,
    ) -> Result<Option<i64>, SyncError<S::Error>> {
        let PulledPage { page, raw_changes } = body.await.map_err(SyncError::Transport)?;
        let (meta, _) = self.store.sync_state().await.map_err(SyncError::Local)?;
        if page.reset {
            report.reset = true;
            self.store
                .write(LocalWrite {
                    clear_rows: true,
                    meta: Some(SyncMeta { cursor: 0, ..meta }),
                    ..Default::default()
                })
                .await
                .map_err(SyncError::Local)?;
            return Ok(Some(0));
        }
        report.pulled += page.changes.len();
        let mut write = LocalWrite {
            meta: Some(SyncMeta {
                cursor: page.cursor,
                acked: meta.acked.max(page.last_mutation_id.unwrap_or(0)),
                ..meta
            }),
            ..Default::default()
        };
        if let Some(last) = page.last_mutation_id.filter(|&l| l > meta.acked) {
            // A push whose answer was lost went through: those are acknowledged too.
            write.ack_up_to = Some(last);
        }
        (write.put, write.remove) = split_pulled(page.changes);
        write.pulled = raw_changes;
        self.store.write(write).await.map_err(SyncError::Local)?;
        Ok(page.has_more.then_some(page.cursor))
    }
}

/// Runs two futures at once on the current task (no executor needed: the browser has one
/// thread) and gives both results.
async fn both<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    use std::task::Poll;
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        match (ra.take(), rb.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                ra = x;
                rb = y;
                Poll::Pending
            }
        }
    })
    .await
}

/// The key of a row the server sent.
pub fn row_key(change: &Change) -> Option<RowKey> {
    match change {
        Change::Contact(c) => Some((RowKind::Contact, c.id)),
        Change::Meeting(m) => Some((RowKind::Meeting, m.id)),
        Change::Task(t) => Some((RowKind::Task, t.id)),
        Change::Conflict(c) => Some((RowKind::Conflict, c.id)),
        Change::Offer(o) => Some((RowKind::Offer, o.id)),
        Change::Complaint(c) => Some((RowKind::Complaint, c.id)),
        Change::Event(e) => Some((RowKind::Event, e.entry.id)),
        Change::Report(r) => Some((RowKind::Report, r.id)),
        Change::Interaction(i) => Some((RowKind::Interaction, i.id)),
        Change::Consent(c) => Some((RowKind::Consent, c.id)),
        Change::Settings { .. } => Some((RowKind::Settings, Uuid::nil())),
        Change::Team { .. } => Some((RowKind::Team, Uuid::nil())),
        Change::ContactRemoved { .. } | Change::TaskRemoved { .. } => None,
    }
}

/// A local store in memory: the reference for tests, and the model the browser's IndexedDB
/// store follows.
#[derive(Debug, Clone)]
pub struct MemoryStore {
    pub meta: SyncMeta,
    pub outbox: Vec<PendingMutation>,
    pub rows: BTreeMap<RowKey, Change>,
    pub refusals: Vec<RefusedMutation>,
}

impl MemoryStore {
    pub fn new(client_id: Uuid) -> MemoryStore {
        MemoryStore {
            meta: SyncMeta::new(client_id),
            outbox: Vec::new(),
            rows: BTreeMap::new(),
            refusals: Vec::new(),
        }
    }

    /// Applies a write (what [`LocalStore::write`] does, synchronously).
    pub fn apply(&mut self, w: LocalWrite) {
        if w.clear_rows {
            self.rows.clear();
        }
        for key in w.remove {
            self.rows.remove(&key);
            if key.0 == RowKind::Contact {
                // What hangs on a record goes with it.
                self.rows.retain(|_, row| row.contact_id() != Some(key.1));
            }
        }
        for change in w.put {
            if let Some(key) = row_key(&change) {
                self.rows.insert(key, change);
            }
        }
        self.outbox.extend(w.enqueue);
        if let Some(up_to) = w.ack_up_to {
            self.outbox.retain(|m| m.id > up_to);
        }
        for r in w.refusals {
            if !self.refusals.iter().any(|x| x.id == r.id) {
                self.refusals.push(r);
            }
        }
        if let Some(meta) = w.meta {
            self.meta = meta;
        }
    }
}

impl LocalStore for MemoryStore {
    type Error = std::convert::Infallible;

    async fn sync_state(&self) -> Result<(SyncMeta, Vec<PendingMutation>), Self::Error> {
        Ok((self.meta.clone(), self.outbox.clone()))
    }

    async fn write(&mut self, write: LocalWrite) -> Result<(), Self::Error> {
        self.apply(write);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{MutationOutcome, PullResponse};

    /// A server that acknowledges everything and sends nothing back.
    struct Echo {
        pushes: Vec<Vec<i64>>,
        lose_reply: bool,
    }

    impl Transport for Echo {
        async fn push(&mut self, request: &PushRequest) -> Result<PushResponse, TransportError> {
            self.pushes.push(request.mutations.iter().map(|m| m.id).collect());
            if self.lose_reply {
                return Err(TransportError::Unreachable("réponse perdue".into()));
            }
            Ok(PushResponse {
                last_mutation_id: request.mutations.last().map(|m| m.id).unwrap_or(0),
                outcomes: request
                    .mutations
                    .iter()
                    .map(|m| MutationOutcome::Applied { id: m.id })
                    .collect(),
            })
        }

        async fn pull(&mut self, cursor: i64, _limit: u32, _client: Uuid) -> Result<PullResponse, TransportError> {
            Ok(PullResponse {
                changes: Vec::new(),
                cursor,
                has_more: false,
                reset: false,
                last_mutation_id: self.pushes.last().and_then(|p| p.last().copied()),
                refusals: Vec::new(),
            })
        }
    }

    fn done(id: u128) -> Mutation {
        Mutation::SetTaskDone {
            id: Uuid::from_u128(id),
            done: true,
        }
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        // The memory store and the test transports never wait: one poll finishes them.
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("a test future waited"),
        }
    }

    /// A server of `pages` pages (page `i` ends at cursor `10 * (i + 1)`) whose answers' heads
    /// come before their bodies, which take one more poll to read; `lie` makes the head of the
    /// first page name a wrong end. Logs what the phone asked and read, in order.
    struct Paged {
        pages: i64,
        lie: bool,
        log: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
    }

    impl Paged {
        fn page(&self, cursor: i64) -> PullResponse {
            let end = cursor + 10;
            PullResponse {
                changes: vec![Change::TaskRemoved {
                    id: Uuid::from_u128(end as u128),
                    seq: end,
                }],
                cursor: end,
                has_more: end < self.pages * 10,
                reset: false,
                last_mutation_id: None,
                refusals: Vec::new(),
            }
        }
    }

    impl Transport for Paged {
        async fn push(&mut self, _request: &PushRequest) -> Result<PushResponse, TransportError> {
            unreachable!("nothing to push")
        }

        async fn pull(&mut self, cursor: i64, _limit: u32, _client: Uuid) -> Result<PullResponse, TransportError> {
            Ok(self.page(cursor))
        }

        async fn pull_head(&mut self, cursor: i64, _limit: u32, _client: Uuid) -> Result<PullHead, TransportError> {
            self.log.borrow_mut().push(format!("ask {cursor}"));
            let page = self.page(cursor);
            let end = PageEnd {
                cursor: if self.lie && cursor == 0 { 15 } else { page.cursor },
                has_more: page.has_more,
            };
            let log = self.log.clone();
            let mut polled = false;
            let body = std::future::poll_fn(move |cx| {
                if !polled {
                    polled = true;
                    cx.waker().wake_by_ref();
                    return std::task::Poll::Pending;
                }
                log.borrow_mut().push(format!("read {cursor}"));
                std::task::Poll::Ready(Ok(page.clone().into()))
            });
            Ok(PullHead {
                end: Some(end),
                body: Box::pin(body),
            })
        }
    }

    fn run<F: Future>(f: F) -> F::Output {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut f = std::pin::pin!(f);
        for _ in 0..1000 {
            if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
        panic!("the future never finished");
    }

    /// A new phone pulls a [`Paged`] server: what it asked and read, in order; its cursor
    /// after; the rows pulled.
    fn pull_paged(pages: i64, lie: bool) -> (Vec<String>, i64, usize) {
        let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let mut t = Paged {
            pages,
            lie,
            log: log.clone(),
        };
        let mut e = Engine::new(MemoryStore::new(Uuid::nil()));
        let mut report = SyncReport::default();
        run(e.pull(&mut t, &mut report)).unwrap();
        let asked = log.borrow().clone();
        (asked, e.store.meta.cursor, report.pulled)
    }

    #[test]
    fn the_next_page_is_asked_for_before_this_one_is_read() {
        let (log, cursor, pulled) = pull_paged(3, false);
        assert_eq!(log, ["ask 0", "ask 10", "read 0", "ask 20", "read 10", "read 20"]);
        assert_eq!((cursor, pulled), (30, 3));
    }

    #[test]
    fn a_pulled_page_is_read_as_the_server_wrote_it_and_its_changes_text_kept() {
        let page = Paged {
            pages: 2,
            lie: false,
            log: Default::default(),
        }
        .page(0);
        let mut page = PullResponse {
            last_mutation_id: Some(4),
            ..page
        };
        page.changes.push(Change::ContactRemoved {
            id: Uuid::from_u128(9),
            seq: 3,
        });
        page.changes.push(Change::Settings {
            seq: 4,
            settings: Box::new(crate::settings::AgencySettings::default()),
        });
        let bytes = serde_json::to_vec(&page).unwrap();
        let read = PulledPage::read(&bytes).unwrap();
        assert_eq!(read.page, page);
        let raw = read.raw_changes.unwrap();
        assert_eq!(serde_json::from_str::<Vec<Change>>(&raw).unwrap(), page.changes);
        // The raw text replays as the parsed page applies.
        let (put, remove) = split_pulled(page.changes.clone());
        assert_eq!(
            remove,
            vec![
                (RowKind::Task, Uuid::from_u128(10)),
                (RowKind::Contact, Uuid::from_u128(9))
            ]
        );
        assert_eq!(put.len(), 1);
        let mut live = MemoryStore::new(Uuid::nil());
        live.apply(LocalWrite {
            put,
            remove,
            ..Default::default()
        });
        let mut read_back = MemoryStore::new(Uuid::nil());
        super::super::log::replay(&mut read_back, &super::super::log::pulled_segment(&raw)).unwrap();
        assert_eq!(read_back.rows, live.rows);
        assert!(PulledPage::read(b"{\"changes\":[{\"kind\":\"hologram\"}],\"cursor\":1}").is_err());
        // Laid out otherwise (spaces, another order): read whole, the text not kept.
        let spaced = serde_json::to_string_pretty(&page).unwrap();
        assert_eq!(
            PulledPage::read(spaced.as_bytes()).unwrap(),
            PulledPage::from(page.clone())
        );
        let reordered = format!(
            "{{\"cursor\":{},\"has_more\":{},\"reset\":false,\"last_mutation_id\":4,\"refusals\":[],\"changes\":{}}}",
            page.cursor,
            page.has_more,
            serde_json::to_string(&page.changes).unwrap()
        );
        assert_eq!(
            PulledPage::read(reordered.as_bytes()).unwrap(),
            PulledPage::from(page.clone())
        );
        // Nothing after the changes: not an answer.
        assert!(PulledPage::read(b"{\"changes\":[]}").is_err());
    }

    #[test]
    fn a_head_that_names_another_end_than_its_body_is_not_trusted() {
        let (log, cursor, pulled) = pull_paged(2, true);
        // The page asked from the head's end is dropped; the next one is asked where the body
        // says the first page ended.
        assert_eq!(log, ["ask 0", "ask 15", "read 0", "ask 10", "read 10"]);
        assert_eq!((cursor, pulled), (20, 2));
    }

    #[test]
    fn writes_take_increasing_ids_and_wait_in_the_outbox() {
        let mut e = Engine::new(MemoryStore::new(Uuid::nil()));
        let now = DateTime::from_timestamp(0, 0).unwrap();
        assert_eq!(block_on(e.record(done(1), now)).unwrap(), 1);
        assert_eq!(block_on(e.record(done(2), now)).unwrap(), 2);
        assert_eq!(e.store.outbox.iter().map(|m| m.id).collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn acknowledged_mutations_leave_the_outbox_and_unacknowledged_ones_are_sent_again() {
        let mut e = Engine::new(MemoryStore::new(Uuid::nil()));
        let now = DateTime::from_timestamp(0, 0).unwrap();
        for i in 0..3 {
            block_on(e.record(done(i), now)).unwrap();
        }
        let mut t = Echo {
            pushes: Vec::new(),
            lose_reply: true,
        };
        assert!(block_on(e.sync(&mut t, now)).is_err());
        assert_eq!(e.store.outbox.len(), 3, "a lost answer acknowledges nothing");
        t.lose_reply = false;
        let report = block_on(e.sync(&mut t, now)).unwrap();
        assert_eq!(report.pushed, 3);
        assert!(e.store.outbox.is_empty());
        assert_eq!(t.pushes, vec![vec![1, 2, 3], vec![1, 2, 3]]);
        assert_eq!(e.store.meta.acked, 3);
        assert_eq!(e.store.meta.last_sync_at, Some(now));
    }

    #[test]
    fn a_pull_that_says_a_lost_push_went_through_acknowledges_it() {
        let mut e = Engine::new(MemoryStore::new(Uuid::nil()));
        let now = DateTime::from_timestamp(0, 0).unwrap();
        block_on(e.record(done(1), now)).unwrap();
        let mut t = Echo {
            pushes: vec![vec![1]],
            lose_reply: false,
        };
        let mut report = SyncReport::default();
        block_on(e.pull(&mut t, &mut report)).unwrap();
        assert!(e.store.outbox.is_empty());
        assert_eq!(e.store.meta.acked, 1);
    }

    #[test]
    fn a_removed_record_takes_what_hangs_on_it() {
        let mut s = MemoryStore::new(Uuid::nil());
        let contact = Uuid::from_u128(7);
        let conflict = crate::sync::Conflict {
            id: Uuid::from_u128(8),
            contact_id: contact,
            contact_name: String::new(),
            field: "notes".into(),
            base: serde_json::Value::Null,
            mine: serde_json::Value::Null,
            mine_by: Uuid::nil(),
            mine_by_name: String::new(),
            mine_at: DateTime::from_timestamp(0, 0).unwrap(),
            theirs: serde_json::Value::Null,
            theirs_by: Uuid::nil(),
            theirs_by_name: String::new(),
            theirs_at: DateTime::from_timestamp(0, 0).unwrap(),
            resolved_at: None,
            resolved_by: None,
            resolution: None,
            seq: 1,
        };
        s.apply(LocalWrite {
            put: vec![Change::Conflict(Box::new(conflict))],
            ..Default::default()
        });
        assert_eq!(s.rows.len(), 1);
        s.apply(LocalWrite {
            remove: vec![(RowKind::Contact, contact)],
            ..Default::default()
        });
        assert!(s.rows.is_empty());
    }
}
