//! The background sync in the browser: when it runs, the way to the server, and one writer at
//! a time across the phone's tabs.
//!
//! A sync (push the outbox, then pull) runs at start, after each write, when the network comes
//! back (`online`), when the app comes back to the foreground, and every minute; after a
//! failure it waits 5 s, then 10, 20… up to 5 minutes. Every operation on the replica holds
//! the Web Lock `tournee-replica` (and an in-tab lock where Web Locks are missing), and reads
//! the outbox and metadata again from IndexedDB first: two tabs never give two mutations the
//! same number nor send the outbox twice.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use chrono::Utc;
use gloo_net::http::Request;
use js_sys::{Function, Promise};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use shared::api::ErrorBody;
use shared::sync::engine::{Engine, SyncError, SyncReport, Transport, TransportError};
use shared::sync::{Mutation, PullResponse, PushRequest, PushResponse};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::idb::{self, Handle, IdbStore};
use super::{status, SyncStatus};

thread_local! {
    static STORE: RefCell<Option<Rc<IdbStore>>> = const { RefCell::new(None) };
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
    static FAILURES: Cell<u32> = const { Cell::new(0) };
    static STARTED: Cell<bool> = const { Cell::new(false) };
    static IN_TAB: Rc<futures::lock::Mutex<()>> = Rc::new(futures::lock::Mutex::new(()));
}

/// How long a request may take before the network counts as gone.
const PATIENCE_MS: i32 = 20_000;
const LOCK_NAME: &str = "tournee-replica";

pub fn store() -> Option<Rc<IdbStore>> {
    STORE.with(|s| s.borrow().clone())
}

fn navigator_online() -> bool {
    web_sys::window().map(|w| w.navigator().on_line()).unwrap_or(true)
}

/// Refreshes the status line from the replica in memory.
pub fn refresh_status(update: impl FnOnce(&mut SyncStatus)) {
    let counts = store().map(|s| {
        let mem = s.mem.borrow();
        // The conflicts' rows alone (rows are ordered by kind first).
        let kind = shared::sync::engine::RowKind::Conflict;
        let conflicts = mem
            .rows
            .range((kind, uuid::Uuid::nil())..=(kind, uuid::Uuid::max()))
            .filter(|(_, r)| matches!(r, shared::sync::Change::Conflict(c) if c.resolved_at.is_none()))
            .count();
        (mem.outbox.len(), mem.refusals.len(), conflicts, mem.meta.last_sync_at)
    });
    status().update(|st| {
        if let Some((pending, refusals, conflicts, last)) = counts {
            st.ready = true;
            st.pending = pending;
            st.refusals = refusals;
            st.conflicts = conflicts;
            st.last_sync_at = last;
        }
        update(st);
        st.revision += 1;
    });
}

/// What the rest of the app asks of the sync code. That code (the engine, IndexedDB, the
/// JSON of every record and mutation) is loaded on demand, in a piece of the bundle of its
/// own, through [`sync_op`]: the first screen does not wait for it.
pub enum Op {
    Start,
    Kick,
    WaitOpen,
    Enqueue(Mutation),
    Submit(Mutation),
    ForgetRefusals(Vec<i64>),
    Wipe,
}

/// What an [`Op`] gave.
pub enum Done {
    Nothing,
    Enqueued(Result<i64, String>),
    Submitted(Result<Result<Option<shared::sync::Refusal>, ()>, String>),
    Forgotten(Result<(), String>),
}

/// The one door into the sync code: a split point of the bundle (`#[lazy]`).
#[leptos::prelude::lazy]
pub async fn sync_op(op: Op) -> Done {
    match op {
        Op::Start => {
            start_now();
            Done::Nothing
        }
        Op::Kick => {
            kick_now();
            Done::Nothing
        }
        Op::WaitOpen => {
            wait_open_now().await;
            Done::Nothing
        }
        Op::Enqueue(m) => Done::Enqueued(enqueue_now(m).await),
        Op::Submit(m) => Done::Submitted(submit_now(m).await),
        Op::ForgetRefusals(ids) => Done::Forgotten(forget_refusals_now(ids).await),
        Op::Wipe => {
            forget();
            if let Err(e) = idb::delete_database().await {
                leptos::logging::warn!("replica not erased: {e}");
            }
            Done::Nothing
        }
    }
}

/// Opens the replica and starts syncing (once per page load; not on the login page).
pub fn start() {
    if STARTED.with(|s| s.get()) {
        return;
    }
    leptos::task::spawn_local(async {
        if signed_in_by_form().await {
            return;
        }
        sync_op(Op::Start).await;
    });
}

/// The login form sent before the page's code had loaded is answered by the server
/// (`POST /login`), which lands on `/?connexion`: the page's code has not seen who signed in.
/// Before any sync, it does what the login page does ([`super::adopt`]: another user's replica
/// and outbox erased, who is signed in kept), then opens Today again so that every screen reads
/// the right user. True when the page is being replaced.
async fn signed_in_by_form() -> bool {
    let Some(w) = web_sys::window() else { return false };
    if !w.location().search().is_ok_and(|s| s.contains("connexion")) {
        return false;
    }
    let Ok(me) = crate::client::get::<shared::api::Me>(crate::endpoints::ME).await else {
        return false;
    };
    super::adopt(&me).await;
    w.location().replace("/").is_ok()
}

/// Asks for a sync soon.
pub fn kick() {
    leptos::task::spawn_local(async {
        sync_op(Op::Kick).await;
    });
}

pub async fn wait_open() {
    sync_op(Op::WaitOpen).await;
}

pub async fn enqueue(mutation: Mutation) -> Result<i64, String> {
    match sync_op(Op::Enqueue(mutation)).await {
        Done::Enqueued(r) => r,
        _ => Err("réponse inattendue".into()),
    }
}

pub async fn submit(mutation: Mutation) -> Result<Result<Option<shared::sync::Refusal>, ()>, String> {
    match sync_op(Op::Submit(mutation)).await {
        Done::Submitted(r) => r,
        _ => Err("réponse inattendue".into()),
    }
}

pub async fn forget_refusals(ids: Vec<i64>) -> Result<(), String> {
    match sync_op(Op::ForgetRefusals(ids)).await {
        Done::Forgotten(r) => r,
        _ => Err("réponse inattendue".into()),
    }
}

pub async fn wipe() {
    sync_op(Op::Wipe).await;
}

async fn forget_refusals_now(ids: Vec<i64>) -> Result<(), String> {
    let Some(store) = store() else { return Ok(()) };
    locked(async move { store.forget_refusals(&ids).await }).await?;
    refresh_status(|s| s.just_refused = 0);
    Ok(())
}

fn start_now() {
    if STARTED.with(|s| s.replace(true)) {
        return;
    }
    status().update(|s| s.online = navigator_online());
    super::kept::forget_old_timelines();
    leptos::task::spawn_local(async {
        match IdbStore::open().await {
            Ok(s) => {
                STORE.with(|slot| *slot.borrow_mut() = Some(s));
                refresh_status(|_| {});
                kick_now();
                // Each page load builds its own search index: in the first idle moment.
                set_timeout(super::warm_search_index, std::time::Duration::from_millis(300));
            }
            Err(e) => {
                leptos::logging::warn!("replica: {e}");
                status().update(|s| s.problem = Some(format!("copie locale indisponible ({e})")));
            }
        }
    });
    let Some(window) = web_sys::window() else { return };
    let on_online = Closure::<dyn Fn()>::new(|| {
        FAILURES.with(|f| f.set(0));
        refresh_status(|s| s.online = true);
        kick_now();
    });
    let on_offline = Closure::<dyn Fn()>::new(|| refresh_status(|s| s.online = false));
    let on_visible = Closure::<dyn Fn()>::new(|| {
        let visible = web_sys::window()
            .and_then(|w| w.document())
            .map(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
            .unwrap_or(false);
        if visible {
            leptos::task::spawn_local(async {
                // Another tab may have synced meanwhile: read what it wrote.
                if let Some(s) = store() {
                    let _ = locked(async move { s.load(true).await }).await;
                    refresh_status(|_| {});
                }
                kick_now();
            });
        }
    });
    let _ = window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
    let _ = window.add_event_listener_with_callback("offline", on_offline.as_ref().unchecked_ref());
    if let Some(document) = window.document() {
        let _ = document.add_event_listener_with_callback("visibilitychange", on_visible.as_ref().unchecked_ref());
    }
    on_online.forget();
    on_offline.forget();
    on_visible.forget();
    let tick = Closure::<dyn Fn()>::new(kick_now);
    let _ = window.set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 60_000);
    tick.forget();
}

/// Waits (at most 3 s) for the replica to be open: a screen loading offline right after the
/// page starts asks before the store has been read.
async fn wait_open_now() {
    start_now();
    for _ in 0..150 {
        if store().is_some() || status().with_untracked(|s| s.problem.is_some()) {
            return;
        }
        sleep(20).await;
    }
}

async fn sleep(ms: i32) {
    crate::components::sleep_ms(ms).await;
}

/// Asks for a sync soon; one runs at a time, and a request during a run makes it go again.
fn kick_now() {
    if store().is_none() {
        return;
    }
    if RUNNING.with(|r| r.replace(true)) {
        AGAIN.with(|a| a.set(true));
        return;
    }
    leptos::task::spawn_local(async {
        loop {
            AGAIN.with(|a| a.set(false));
            refresh_status(|s| s.syncing = true);
            let result = run_once().await;
            settle(result).await;
            if !AGAIN.with(|a| a.get()) {
                break;
            }
        }
        RUNNING.with(|r| r.set(false));
    });
}

async fn run_once() -> Result<SyncReport, SyncError<idb::Error>> {
    let Some(store) = store() else {
        return Ok(SyncReport::default());
    };
    locked(async move {
        store.load(false).await.map_err(SyncError::Local)?;
        let mut engine = Engine::new(Handle(store));
        engine.sync(&mut Fetch, Utc::now()).await
    })
    .await
}

async fn settle(result: Result<SyncReport, SyncError<idb::Error>>) {
    match result {
        Ok(report) => {
            FAILURES.with(|f| f.set(0));
            let refused = report.refused.len();
            refresh_status(|s| {
                s.syncing = false;
                s.online = true;
                s.problem = None;
                s.just_refused += refused;
            });
            super::after_sync().await;
            // The search index of a large replica takes seconds to build (100 000 records):
            // built while the phone is idle, not at the first keystroke.
            set_timeout(super::warm_search_index, std::time::Duration::from_millis(500));
        }
        Err(SyncError::Transport(TransportError::Unauthorized { erase })) => {
            // Revoked from another device, user disabled: nothing stays on the phone. Expired:
            // the replica and its outbox wait for the same user's next login.
            let to = if erase {
                super::wipe().await;
                "/login?fin=revoquee"
            } else {
                forget();
                "/login?fin=expiree"
            };
            if let Some(w) = web_sys::window() {
                let _ = w.location().set_href(to);
            }
        }
        Err(e) => {
            let offline = matches!(e, SyncError::Transport(TransportError::Unreachable(_)));
            let failures = FAILURES.with(|f| {
                f.set(f.get() + 1);
                f.get()
            });
            refresh_status(|s| {
                s.syncing = false;
                s.online = !offline && navigator_online();
                s.problem = (!offline).then(|| e.to_string());
            });
            // 5 s, 10 s, 20 s… at most 5 minutes; the `online` event does not wait.
            let wait = (5_000u64 << failures.min(6).saturating_sub(1)).min(300_000);
            set_timeout(kick_now, std::time::Duration::from_millis(wait));
        }
    }
}

/// Records a write in the outbox (one IndexedDB transaction) and asks for a sync.
async fn enqueue_now(mutation: Mutation) -> Result<i64, String> {
    let Some(store) = store() else {
        return Err("copie locale indisponible sur ce téléphone".into());
    };
    let id = locked(async move {
        store.load(false).await?;
        let mut engine = Engine::new(Handle(store));
        engine.record(mutation, Utc::now()).await.map_err(|e| e.to_string())
    })
    .await?;
    refresh_status(|_| {});
    kick_now();
    Ok(id)
}

/// Records a write and sends it at once, waiting for the server's word on it: applied
/// (`Ok(None)`), refused (`Ok(Some(refusal))`), or still waiting (`Err(())` after a failed
/// sync — it stays in the outbox and goes later).
async fn submit_now(mutation: Mutation) -> Result<Result<Option<shared::sync::Refusal>, ()>, String> {
    let Some(store) = store() else {
        return Err("copie locale indisponible sur ce téléphone".into());
    };
    let id = {
        let store = store.clone();
        locked(async move {
            store.load(false).await?;
            let mut engine = Engine::new(Handle(store));
            engine.record(mutation, Utc::now()).await.map_err(|e| e.to_string())
        })
        .await?
    };
    refresh_status(|_| {});
    let result = run_once().await;
    let went = result.is_ok();
    settle(result).await;
    let mem = store.mem.borrow();
    if let Some(r) = mem.refusals.iter().find(|r| r.id == id) {
        return Ok(Ok(Some(r.refusal.clone())));
    }
    if went && mem.meta.acked >= id {
        return Ok(Ok(None));
    }
    Ok(Err(()))
}

pub fn forget() {
    if let Some(s) = STORE.with(|s| s.borrow_mut().take()) {
        s.close();
    }
}

/// Runs `f` holding this tab's lock and the phone's Web Lock.
pub async fn locked<T>(f: impl Future<Output = T>) -> T {
    let in_tab = IN_TAB.with(|l| l.clone());
    let _guard = in_tab.lock().await;
    let locks = web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| js_sys::Reflect::get(&n, &"locks".into()).ok())
        .filter(|l| !l.is_undefined() && !l.is_null());
    let Some(locks) = locks else {
        return f.await;
    };
    let request = js_sys::Reflect::get(&locks, &"request".into())
        .ok()
        .and_then(|r| r.dyn_into::<Function>().ok());
    let Some(request) = request else {
        return f.await;
    };
    // The lock is held until the promise the callback returns settles.
    let (release, release_with) = deferred();
    let (granted, grant) = deferred();
    let callback = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
        let _ = grant.call0(&JsValue::NULL);
        release.into()
    });
    if request.call2(&locks, &LOCK_NAME.into(), &callback).is_err() {
        let _ = release_with.call0(&JsValue::NULL);
        return f.await;
    }
    let _ = JsFuture::from(granted).await;
    let out = f.await;
    let _ = release_with.call0(&JsValue::NULL);
    out
}

/// A promise and the function that resolves it.
fn deferred() -> (Promise, Function) {
    let mut resolve = None;
    let promise = Promise::new(&mut |r: Function, _| resolve = Some(r));
    (promise, resolve.expect("the executor runs at once"))
}

/// The server over `fetch`.
struct Fetch;

fn abort_after(ms: i32) -> Option<web_sys::AbortSignal> {
    let controller = web_sys::AbortController::new().ok()?;
    let signal = controller.signal();
    let abort = Closure::once_into_js(move || controller.abort());
    web_sys::window()?
        .set_timeout_with_callback_and_timeout_and_arguments_0(abort.unchecked_ref(), ms)
        .ok()?;
    Some(signal)
}

async fn answer<T: DeserializeOwned>(
    request: Result<gloo_net::http::Response, gloo_net::Error>,
) -> Result<T, TransportError> {
    answer_with(request, |bytes| serde_json::from_slice(bytes)).await
}

/// A pull's answer: its changes' text is kept for the replica to store as it came.
async fn pulled(
    request: Result<gloo_net::http::Response, gloo_net::Error>,
) -> Result<shared::sync::engine::PulledPage, TransportError> {
    answer_with(request, shared::sync::engine::PulledPage::read).await
}

async fn answer_with<T>(
    request: Result<gloo_net::http::Response, gloo_net::Error>,
    read: impl FnOnce(&[u8]) -> serde_json::Result<T>,
) -> Result<T, TransportError> {
    let response = request.map_err(|e| TransportError::Unreachable(e.to_string()))?;
    let status = response.status();
    // The body's bytes, parsed as they are: a page of a pull is a megabyte, and reading it as
    // text would decode it into a JavaScript string and encode it back into the wasm memory.
    let bytes = response
        .binary()
        .await
        .map_err(|e| TransportError::Unreachable(e.to_string()))?;
    let text = bytes.as_slice();
    match status {
        200..=299 => read(text).map_err(|e| TransportError::Server {
            status,
            error: "unexpected".into(),
            detail: format!("réponse illisible ({e})"),
        }),
        401 => {
            let code = serde_json::from_slice::<ErrorBody>(text)
                .map(|b| b.error)
                .unwrap_or_default();
            Err(TransportError::Unauthorized {
                erase: matches!(code.as_str(), "session_revoked" | "user_disabled"),
            })
        }
        // A proxy or captive portal answering for the server: nothing known, try later.
        502..=504 if serde_json::from_slice::<ErrorBody>(text).is_err() => {
            Err(TransportError::Unreachable(format!("passerelle ({status})")))
        }
        _ => {
            let body = serde_json::from_slice::<ErrorBody>(text).unwrap_or(ErrorBody {
                error: "unexpected".into(),
                detail: format!("réponse inattendue du serveur ({status})"),
                fields: Default::default(),
                duplicates: Vec::new(),
            });
            Err(TransportError::Server {
                status,
                error: body.error,
                detail: body.detail,
            })
        }
    }
}

impl Transport for Fetch {
    async fn push(&mut self, request: &PushRequest) -> Result<PushResponse, TransportError> {
        let body = serde_json::to_string(request).map_err(|e| TransportError::Unreachable(e.to_string()))?;
        let signal = abort_after(PATIENCE_MS);
        let sent = Request::post(&format!("/api/v1{}", crate::endpoints::SYNC_PUSH))
            .header("content-type", "application/json")
            .abort_signal(signal.as_ref())
            .body(body)
            .map_err(|e| TransportError::Unreachable(e.to_string()))?
            .send()
            .await;
        answer(sent).await
    }

    async fn pull(&mut self, cursor: i64, limit: u32, client_id: uuid::Uuid) -> Result<PullResponse, TransportError> {
        Ok(self.pull_head(cursor, limit, client_id).await?.body.await?.page)
    }

    async fn pull_head(
        &mut self,
        cursor: i64,
        limit: u32,
        client_id: uuid::Uuid,
    ) -> Result<shared::sync::engine::PullHead, TransportError> {
        let signal = abort_after(PATIENCE_MS);
        let sent = Request::get(&format!(
            "/api/v1{}",
            crate::endpoints::sync_pull(cursor, limit, client_id)
        ))
        .abort_signal(signal.as_ref())
        .send()
        .await;
        // Where the page ends, from the headers, before its body is read.
        let end = sent.as_ref().ok().filter(|r| r.ok()).and_then(|r| {
            let headers = r.headers();
            Some(shared::sync::engine::PageEnd {
                cursor: headers.get(shared::sync::CURSOR_HEADER)?.parse().ok()?,
                has_more: headers.get(shared::sync::HAS_MORE_HEADER)?.parse().ok()?,
            })
        });
        Ok(shared::sync::engine::PullHead {
            end,
            body: Box::pin(pulled(sent)),
        })
    }
}
