//! The replica in IndexedDB: the browser's [`LocalStore`] for the shared sync engine.
//!
//! One database, `tournee`, with four object stores: `rows` (the records, meetings, tasks and
//! conflicts the server sent, keyed `kind/id`), `outbox` (the mutations not yet acknowledged,
//! keyed by their number), `refusals` and `meta` (the sync metadata). Values are the JSON the
//! API speaks, so the phone stores exactly what it was sent. Every [`LocalWrite`] is one
//! read-write transaction with `durability: "strict"`: the write is on the phone's disk before
//! the screen says "enregistré". A copy of everything is kept in memory ([`MemoryStore`],
//! the engine's reference store) for the screens to read without waiting.
//!
//! Written on web-sys's IndexedDB bindings with a small promise wrapper (see the README's
//! dependency table for why no wrapper crate).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Promise};
use serde::de::DeserializeOwned;
use shared::sync::engine::{row_key, LocalStore, LocalWrite, MemoryStore, RowKind, SyncMeta};
use shared::sync::{Change, PendingMutation, RefusedMutation};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbKeyRange, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction};

pub const DB_NAME: &str = "tournee";
const DB_VERSION: u32 = 1;
const ROWS: &str = "rows";
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

fn row_id(kind: RowKind, id: uuid::Uuid) -> String {
    let kind = match kind {
        RowKind::Contact => "contact",
        RowKind::Meeting => "meeting",
        RowKind::Task => "task",
        RowKind::Conflict => "conflict",
        RowKind::Offer => "offer",
        RowKind::Complaint => "complaint",
        RowKind::Event => "event",
        RowKind::Report => "report",
        RowKind::Interaction => "interaction",
        RowKind::Settings => "settings",
    };
    format!("{kind}/{id}")
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
    pub rows_version: std::cell::Cell<u64>,
    /// The outbox laid over the rows (`shared::sync::overlay`): what the screens show.
    pub layer: RefCell<shared::sync::overlay::Layer>,
}

impl IdbStore {
    /// Opens (creating on first use) the replica and reads it into memory.
    pub async fn open() -> Result<Rc<IdbStore>, Error> {
        let factory = web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .ok_or_else(|| "IndexedDB indisponible sur ce navigateur".to_string())?;
        let request: IdbOpenDbRequest = factory
            .open_with_u32(DB_NAME, DB_VERSION)
            .map_err(|e| js_error("ouverture", e))?;
        let upgrade = {
            let r = request.clone();
            Closure::once_into_js(move || {
                if let Ok(db) = r.result().and_then(|d| d.dyn_into::<IdbDatabase>()) {
                    for name in [ROWS, OUTBOX, REFUSALS, META] {
                        if !db.object_store_names().contains(name) {
                            let _ = db.create_object_store(name);
                        }
                    }
                }
            })
        };
        request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
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
            rows_version: std::cell::Cell::new(0),
            layer: RefCell::new(Default::default()),
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

    /// Reads the database into memory: everything, or (`rows == false`) the outbox and the
    /// metadata only — what another tab may have changed before this one writes.
    pub async fn load(&self, rows: bool) -> Result<(), Error> {
        let stores: &[&str] = if rows {
            &[ROWS, OUTBOX, REFUSALS, META]
        } else {
            &[OUTBOX, REFUSALS, META]
        };
        let tx = self.transaction(stores, false)?;
        let all = |name: &str| -> Result<IdbRequest, Error> {
            Self::store(&tx, name)?.get_all().map_err(|e| js_error(name, e))
        };
        let rows_request = if rows { Some(all(ROWS)?) } else { None };
        let outbox_request = all(OUTBOX)?;
        let refusals_request = all(REFUSALS)?;
        let meta_request = Self::store(&tx, META)?
            .get(&JsValue::from_str(META))
            .map_err(|e| js_error(META, e))?;
        let read = |e| js_error("lecture", e);
        let rows_value = match rows_request {
            Some(r) => Some(settled(&r).await.map_err(read)?),
            None => None,
        };
        let mut outbox: Vec<PendingMutation> = parse_all(settled(&outbox_request).await.map_err(read)?);
        outbox.sort_by_key(|m| m.id);
        let mut refusals: Vec<RefusedMutation> = parse_all(settled(&refusals_request).await.map_err(read)?);
        refusals.sort_by_key(|r| r.id);
        let meta: Option<SyncMeta> = settled(&meta_request)
            .await
            .map_err(read)?
            .as_string()
            .and_then(|s| serde_json::from_str(&s).ok());
        if rows_value.is_some() {
            self.rows_version.set(self.rows_version.get() + 1);
        }
        let first_start = {
            let mut mem = self.mem.borrow_mut();
            if let Some(values) = rows_value {
                mem.rows = parse_all::<Change>(values)
                    .into_iter()
                    .filter_map(|c| row_key(&c).map(|k| (k, c)))
                    .collect();
            }
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
        if let Some(meta) = first_start {
            // First start: this installation's id is made here and saved at once.
            self.put_meta(&meta).await?;
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
    /// the next sync pulls or acknowledges them again.
    async fn apply(&self, w: LocalWrite) -> Result<(), Error> {
        let strict = !w.enqueue.is_empty();
        let tx = self.transaction_with(&[ROWS, OUTBOX, REFUSALS, META], true, strict)?;
        let rows = Self::store(&tx, ROWS)?;
        let fail = |e| js_error("écriture", e);
        if w.clear_rows {
            rows.clear().map_err(fail)?;
        }
        {
            let mem = self.mem.borrow();
            for (kind, id) in &w.remove {
                rows.delete(&JsValue::from_str(&row_id(*kind, *id))).map_err(fail)?;
                if *kind == RowKind::Contact {
                    // What hangs on the record goes with it, as in memory (an erased person
                    // leaves nothing on the phone).
                    for (key, row) in mem.rows.iter() {
                        let hangs = row.contact_id() == Some(*id);
                        if hangs {
                            rows.delete(&JsValue::from_str(&row_id(key.0, key.1))).map_err(fail)?;
                        }
                    }
                }
            }
        }
        for change in &w.put {
            if let Some((kind, id)) = row_key(change) {
                rows.put_with_key(&json(change), &JsValue::from_str(&row_id(kind, id)))
                    .map_err(fail)?;
            }
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
        let rows_changed = w.clear_rows || !w.put.is_empty() || !w.remove.is_empty();
        let outbox_changed = !w.enqueue.is_empty() || w.ack_up_to.is_some();
        self.mem.borrow_mut().apply(w);
        if rows_changed || outbox_changed {
            self.relayer();
        }
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
