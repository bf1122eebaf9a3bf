//! The replica in IndexedDB: the browser's [`LocalStore`] for the shared sync engine.
//!
//! One database, `tournee`, with four object stores: `segments` (the rows the server sent —
//! records, meetings, tasks, history… — as a log, below), `outbox` (the mutations not yet
//! acknowledged, keyed by their number), `refusals` and `meta` (the sync metadata). Every
//! [`LocalWrite`] is one read-write transaction; one that adds to the outbox is `strict`: on the
//! phone's disk before the screen says "enregistré". A copy of everything is kept in memory
//! ([`MemoryStore`], the engine's reference store) for the screens to read without waiting.
//!
//! **Rows as a log of segments** (`shared::sync::log`, where the format and the rules to read
//! it back are tested natively): the rows of one write (a pulled page of up to 1 000 changes,
//! their removals, a reset) are one IndexedDB value, numbered in order; opening the replica
//! replays the segments into memory with the same rule as a live write. One value per page
//! instead of one per row: a first sync of 50 000 rows made 50 000 `put` calls, a quarter of
//! its time (`docs/benchmarks.md`). When small writes pile up, the log is rewritten as a
//! snapshot in one transaction that also drops the older segments. A tab reads the segments
//! other tabs wrote before each of its own writes (all under the replica's lock, see
//! `service.rs`), so its copy in memory is current when it writes or compacts.
//!
//! Written on web-sys's IndexedDB bindings with a small promise wrapper (see the README's
//! dependency table for why no wrapper crate).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Function, Promise};
use serde::de::DeserializeOwned;
use shared::sync::engine::{LocalStore, LocalWrite, MemoryStore, SyncMeta};
use shared::sync::log as segments_log;
use shared::sync::{PendingMutation, RefusedMutation};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbKeyRange, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction};

pub const DB_NAME: &str = "tournee";
/// 1: one value per row in `rows` (dropped on upgrade: the phone pulls its rows again).
/// 2: `segments`.
const DB_VERSION: u32 = 2;
const OLD_ROWS: &str = "rows";
const SEGMENTS: &str = "segments";
const OUTBOX: &str = "outbox";
const REFUSALS: &str = "refusals";
const META: &str = "meta";

#[wasm_bindgen]
extern "C" {
    /// An `IDBDatabase` seen through the one call web-sys keeps behind its unstable-API flag.
    type RawDatabase;

    /// `IDBDatabase.transaction(stores, mode, {durability})`.
    #[wasm_bindgen(method, catch, js_name = transaction)]
    fn transaction_with_options(
        this: &RawDatabase,
        stores: &JsValue,
        mode: &str,
        options: &JsValue,
    ) -> Result<IdbTransaction, JsValue>;
}

/// Why the phone's storage failed.
pub type Error = String;

fn js_error(what: &str, e: JsValue) -> Error {
    let text = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"));
    format!("{what} : {text}")
}

/// A promise settled by the request's success or error event.
async fn settled(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let r = request.clone();
        let ok = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &r.result().unwrap_or(JsValue::UNDEFINED));
        });
        let r = request.clone();
        let err = Closure::once_into_js(move || {
            let e = r
                .error()
                .ok()
                .flatten()
                .map(JsValue::from)
                .unwrap_or(JsValue::UNDEFINED);
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        request.set_onsuccess(Some(ok.unchecked_ref()));
        request.set_onerror(Some(err.unchecked_ref()));
    });
    JsFuture::from(promise).await
}

/// A promise settled when the transaction commits (or fails, or is aborted).
async fn committed(tx: &IdbTransaction) -> Result<(), JsValue> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let ok = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let t = tx.clone();
        let reject2 = reject.clone();
        let err = Closure::once_into_js(move || {
            let e = t
                .error()
                .map(JsValue::from)
                .unwrap_or(JsValue::from_str("transaction failed"));
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        let abort = Closure::once_into_js(move || {
            let _ = reject2.call1(&JsValue::NULL, &JsValue::from_str("transaction aborted"));
        });
        tx.set_oncomplete(Some(ok.unchecked_ref()));
        tx.set_onerror(Some(err.unchecked_ref()));
        tx.set_onabort(Some(abort.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(drop)
}

fn json<T: serde::Serialize>(value: &T) -> JsValue {
    JsValue::from_str(&serde_json::to_string(value).unwrap_or_default())
}

fn parse_all<T: DeserializeOwned>(values: JsValue) -> Vec<T> {
    Array::from(&values)
        .iter()
        .filter_map(|v| v.as_string())
        .filter_map(|s| serde_json::from_str(&s).ok())
        .collect()
}

/// The open database and its copy in memory.
pub struct IdbStore {
    db: IdbDatabase,
    pub mem: RefCell<MemoryStore>,
    /// Moves whenever the rows change (what a screen's cache of them keys on).
    pub rows_version: Cell<u64>,
    /// The outbox laid over the rows (`shared::sync::overlay`): what the screens show.
    pub layer: RefCell<shared::sync::overlay::Layer>,
    /// The number of the last segment in memory (0: none yet).
    last_segment: Cell<f64>,
    /// How many segments the log holds.
    segments: Cell<u32>,
}

/// Lets the browser run other tasks (a long snapshot does not freeze the screen).
async fn next_task() {
    let promise = Promise::new(&mut |resolve: Function, _reject: Function| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback(&resolve);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Upgrades a replica of `old` version: a version 1 kept one value per row; its rows are
/// dropped and its cursor set back to 0 in the upgrade's own transaction, so the phone pulls
/// them again as segments (the outbox, refusals and client id stay).
fn upgrade(request: &IdbOpenDbRequest, old: f64) {
    let Ok(db) = request.result().and_then(|d| d.dyn_into::<IdbDatabase>()) else {
        return;
    };
    for name in [SEGMENTS, OUTBOX, REFUSALS, META] {
        if !db.object_store_names().contains(name) {
            let _ = db.create_object_store(name);
        }
    }
    if db.object_store_names().contains(OLD_ROWS) {
        let _ = db.delete_object_store(OLD_ROWS);
    }
    if old < 1.0 {
        return;
    }
    let Some(meta) = request.transaction().and_then(|tx| tx.object_store(META).ok()) else {
        return;
    };
    let Ok(get) = meta.get(&JsValue::from_str(META)) else {
        return;
    };
    let read = get.clone();
    let rewind = Closure::once_into_js(move || {
        let found: Option<SyncMeta> = read
            .result()
            .ok()
            .and_then(|v| v.as_string())
            .and_then(|s| serde_json::from_str(&s).ok());
        if let Some(m) = found {
            let _ = meta.put_with_key(&json(&SyncMeta { cursor: 0, ..m }), &JsValue::from_str(META));
        }
    });
    get.set_onsuccess(Some(rewind.unchecked_ref()));
}

impl IdbStore {
    /// Opens (creating or upgrading on first use) the replica and reads it into memory.
    pub async fn open() -> Result<Rc<IdbStore>, Error> {
        let factory = web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .ok_or_else(|| "IndexedDB indisponible sur ce navigateur".to_string())?;
        let request: IdbOpenDbRequest = factory
            .open_with_u32(DB_NAME, DB_VERSION)
            .map_err(|e| js_error("ouverture", e))?;
        let on_upgrade = {
            let r = request.clone();
            Closure::once_into_js(move |event: JsValue| {
                let old = js_sys::Reflect::get(&event, &"oldVersion".into())
                    .ok()
                    .and_then(|v| v.as_f64())
                    .unwrap_or(0.0);
                upgrade(&r, old);
            })
        };
        request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
        let db: IdbDatabase = settled(&request)
            .await
            .map_err(|e| js_error("ouverture", e))?
            .dyn_into()
            .map_err(|e| js_error("ouverture", e))?;
        // Another tab upgrading the schema: let it, this tab reloads.
        let on_change = {
            let d = db.clone();
            Closure::<dyn Fn()>::new(move || d.close())
        };
        db.set_onversionchange(Some(on_change.as_ref().unchecked_ref()));
        on_change.forget();
        let store = Rc::new(IdbStore {
            db,
            mem: RefCell::new(MemoryStore::new(shared::new_id())),
            rows_version: Cell::new(0),
            layer: RefCell::new(Default::default()),
            last_segment: Cell::new(0.0),
            segments: Cell::new(0),
        });
        store.load(true).await?;
        Ok(store)
    }

    /// A transaction on `stores`; `strict`: on disk before it completes (the outbox), else
    /// the browser's default (rows the server can send again).
    fn transaction(&self, stores: &[&str], write: bool) -> Result<IdbTransaction, Error> {
        self.transaction_with(stores, write, true)
    }

    fn transaction_with(&self, stores: &[&str], write: bool, strict: bool) -> Result<IdbTransaction, Error> {
        let names: Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
        let options = js_sys::Object::new();
        let durability = if strict { "strict" } else { "relaxed" };
        let _ = js_sys::Reflect::set(&options, &"durability".into(), &durability.into());
        let mode = if write { "readwrite" } else { "readonly" };
        self.db
            .unchecked_ref::<RawDatabase>()
            .transaction_with_options(&names, mode, &options)
            .map_err(|e| js_error("transaction", e))
    }

    fn store(tx: &IdbTransaction, name: &str) -> Result<IdbObjectStore, Error> {
        tx.object_store(name).map_err(|e| js_error(name, e))
    }

    /// Reads the database into memory: everything (`all`), or what another tab may have
    /// changed since this one last read or wrote — the outbox, the metadata and the segments
    /// numbered after the last one in memory. Every write reads this first.
    pub async fn load(&self, all: bool) -> Result<(), Error> {
        let tx = self.transaction(&[SEGMENTS, OUTBOX, REFUSALS, META], false)?;
        let segments = Self::store(&tx, SEGMENTS)?;
        let since = if all {
            JsValue::UNDEFINED
        } else {
            IdbKeyRange::lower_bound_with_open(&JsValue::from_f64(self.last_segment.get()), true)
                .map_err(|e| js_error(SEGMENTS, e))?
                .into()
        };
        let values_request = segments.get_all_with_key(&since).map_err(|e| js_error(SEGMENTS, e))?;
        let keys_request = segments
            .get_all_keys_with_key(&since)
            .map_err(|e| js_error(SEGMENTS, e))?;
        let count_request = segments.count().map_err(|e| js_error(SEGMENTS, e))?;
        let all_of = |name: &str| -> Result<IdbRequest, Error> {
            Self::store(&tx, name)?.get_all().map_err(|e| js_error(name, e))
        };
        let outbox_request = all_of(OUTBOX)?;
        let refusals_request = all_of(REFUSALS)?;
        let meta_request = Self::store(&tx, META)?
            .get(&JsValue::from_str(META))
            .map_err(|e| js_error(META, e))?;
        let read = |e| js_error("lecture", e);
        let values = Array::from(&settled(&values_request).await.map_err(read)?);
        let keys = Array::from(&settled(&keys_request).await.map_err(read)?);
        let count = settled(&count_request).await.map_err(read)?.as_f64().unwrap_or(0.0);
        let mut outbox: Vec<PendingMutation> = parse_all(settled(&outbox_request).await.map_err(read)?);
        outbox.sort_by_key(|m| m.id);
        let mut refusals: Vec<RefusedMutation> = parse_all(settled(&refusals_request).await.map_err(read)?);
        refusals.sort_by_key(|r| r.id);
        let meta: Option<SyncMeta> = settled(&meta_request)
            .await
            .map_err(read)?
            .as_string()
            .and_then(|s| serde_json::from_str(&s).ok());
        let rows_changed = all || values.length() > 0;
        let mut unreadable = false;
        let first_start = {
            let mut mem = self.mem.borrow_mut();
            if all {
                mem.rows.clear();
            }
            for text in values.iter() {
                let read = text.as_string().map(|t| segments_log::replay(&mut mem, &t));
                if !matches!(read, Some(Ok(()))) {
                    unreadable = true;
                    break;
                }
            }
            if let Some(last) = keys.iter().next_back().and_then(|k| k.as_f64()) {
                self.last_segment.set(last);
            }
            self.segments.set(count as u32);
            mem.outbox = outbox;
            mem.refusals = refusals;
            match meta {
                Some(meta) => {
                    mem.meta = meta;
                    None
                }
                None => Some(mem.meta.clone()),
            }
        };
        if rows_changed {
            self.rows_version.set(self.rows_version.get() + 1);
        }
        if let Some(meta) = first_start {
            // First start: this installation's id is made here and saved at once.
            self.put_meta(&meta).await?;
        }
        if unreadable {
            // A segment this version cannot read (an older or damaged copy): the rows are
            // downloaded again; the outbox is untouched.
            leptos::logging::warn!("replica: unreadable segment, rows pulled again");
            let meta = self.mem.borrow().meta.clone();
            self.apply(LocalWrite {
                clear_rows: true,
                meta: Some(SyncMeta { cursor: 0, ..meta }),
                ..Default::default()
            })
            .await?;
        }
        self.relayer();
        Ok(())
    }

    async fn put_meta(&self, meta: &SyncMeta) -> Result<(), Error> {
        let tx = self.transaction(&[META], true)?;
        Self::store(&tx, META)?
            .put_with_key(&json(meta), &JsValue::from_str(META))
            .map_err(|e| js_error(META, e))?;
        committed(&tx).await.map_err(|e| js_error("écriture", e))
    }

    /// Drops the refusals the advisor has read.
    pub async fn forget_refusals(&self, ids: &[i64]) -> Result<(), Error> {
        let tx = self.transaction(&[REFUSALS], true)?;
        let store = Self::store(&tx, REFUSALS)?;
        for id in ids {
            store
                .delete(&JsValue::from_f64(*id as f64))
                .map_err(|e| js_error(REFUSALS, e))?;
        }
        committed(&tx).await.map_err(|e| js_error("écriture", e))?;
        self.mem.borrow_mut().refusals.retain(|r| !ids.contains(&r.id));
        Ok(())
    }

    pub fn close(&self) {
        self.db.close();
    }

    /// Writes `w` in one transaction, then into memory. A write that adds to the outbox is
    /// `strict` (the screen says "enregistré" after it); the others — pulled rows with their
    /// cursor, acknowledgements — are `relaxed`: lost in a crash, they are lost together and
    /// the next sync pulls or acknowledges them again. Its rows are one segment.
    async fn apply(&self, w: LocalWrite) -> Result<(), Error> {
        let strict = !w.enqueue.is_empty();
        let rows_changed = w.clear_rows || !w.put.is_empty() || !w.remove.is_empty();
        let tx = self.transaction_with(&[SEGMENTS, OUTBOX, REFUSALS, META], true, strict)?;
        let fail = |e| js_error("écriture", e);
        let key = self.last_segment.get() + 1.0;
        if rows_changed {
            let segments = Self::store(&tx, SEGMENTS)?;
            if w.clear_rows {
                segments.clear().map_err(fail)?;
            }
            // A pulled page is kept as the server sent it: not written out again.
            let segment = match &w.pulled {
                Some(raw) if !w.clear_rows => segments_log::pulled_segment(raw),
                _ => segments_log::write_segment(w.clear_rows, &w.remove, &w.put),
            };
            segments
                .put_with_key(&JsValue::from_str(&segment), &JsValue::from_f64(key))
                .map_err(fail)?;
        }
        let outbox = Self::store(&tx, OUTBOX)?;
        for m in &w.enqueue {
            outbox
                .put_with_key(&json(m), &JsValue::from_f64(m.id as f64))
                .map_err(fail)?;
        }
        if let Some(up_to) = w.ack_up_to {
            let range = IdbKeyRange::upper_bound(&JsValue::from_f64(up_to as f64)).map_err(fail)?;
            outbox.delete(&range).map_err(fail)?;
        }
        let refusals = Self::store(&tx, REFUSALS)?;
        for r in &w.refusals {
            refusals
                .put_with_key(&json(r), &JsValue::from_f64(r.id as f64))
                .map_err(fail)?;
        }
        if let Some(meta) = &w.meta {
            Self::store(&tx, META)?
                .put_with_key(&json(meta), &JsValue::from_str(META))
                .map_err(fail)?;
        }
        committed(&tx).await.map_err(fail)?;
        if rows_changed {
            self.last_segment.set(key);
            let before = if w.clear_rows { 0 } else { self.segments.get() };
            self.segments.set(before + 1);
        }
        let outbox_changed = !w.enqueue.is_empty() || w.ack_up_to.is_some();
        self.mem.borrow_mut().apply(w);
        if rows_changed || outbox_changed {
            self.relayer();
        }
        if rows_changed && self.log_too_long() {
            // The write is saved; a failed snapshot only leaves the log as long as it was.
            if let Err(e) = self.compact().await {
                leptos::logging::warn!("replica: snapshot failed: {e}");
            }
        }
        Ok(())
    }

    /// Whether small writes piled up in the log (`shared::sync::log::too_long`).
    fn log_too_long(&self) -> bool {
        segments_log::too_long(self.segments.get() as usize, self.mem.borrow().rows.len())
    }

    /// Rewrites the log as a snapshot of the rows in memory, which are current: this runs
    /// under the replica's lock, after this tab read every segment and wrote the last one.
    async fn compact(&self) -> Result<(), Error> {
        let mut chunks: Vec<String> = Vec::new();
        let mut after = None;
        loop {
            let (text, last) =
                segments_log::snapshot_chunk(&self.mem.borrow().rows, after, segments_log::SNAPSHOT_CHUNK);
            chunks.push(text);
            match last {
                Some(k) => after = Some(k),
                None => break,
            }
            next_task().await;
        }
        let tx = self.transaction_with(&[SEGMENTS], true, false)?;
        let segments = Self::store(&tx, SEGMENTS)?;
        let fail = |e| js_error("instantané", e);
        let last = self.last_segment.get();
        let older = IdbKeyRange::upper_bound(&JsValue::from_f64(last)).map_err(fail)?;
        segments.delete(&older).map_err(fail)?;
        for (i, text) in chunks.iter().enumerate() {
            segments
                .put_with_key(&JsValue::from_str(text), &JsValue::from_f64(last + 1.0 + i as f64))
                .map_err(fail)?;
        }
        committed(&tx).await.map_err(fail)?;
        self.last_segment.set(last + chunks.len() as f64);
        self.segments.set(chunks.len() as u32);
        Ok(())
    }

    /// Lays the outbox over the rows again (after a pull, a write or an acknowledgement).
    fn relayer(&self) {
        let layer = {
            let mem = self.mem.borrow();
            if mem.outbox.is_empty() {
                Default::default()
            } else {
                super::lay_over(&mem.rows, &mem.outbox)
            }
        };
        *self.layer.borrow_mut() = layer;
        self.rows_version.set(self.rows_version.get() + 1);
    }
}

/// The engine's handle on the store.
#[derive(Clone)]
pub struct Handle(pub Rc<IdbStore>);

impl LocalStore for Handle {
    type Error = Error;

    async fn sync_state(&self) -> Result<(SyncMeta, Vec<PendingMutation>), Error> {
        let mem = self.0.mem.borrow();
        Ok((mem.meta.clone(), mem.outbox.clone()))
    }

    async fn write(&mut self, write: LocalWrite) -> Result<(), Error> {
        self.0.apply(write).await
    }
}

/// Deletes the whole replica (logout, a revoked session, a disabled user).
pub async fn delete_database() -> Result<(), Error> {
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or_else(|| "IndexedDB indisponible".to_string())?;
    let request = factory
        .delete_database(DB_NAME)
        .map_err(|e| js_error("effacement", e))?;
    settled(&request).await.map(drop).map_err(|e| js_error("effacement", e))
}
