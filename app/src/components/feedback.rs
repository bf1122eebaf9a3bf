//! One feedback pattern for the whole app (*retour visuel*):
//! - **what happened** — a call logged, a stage changed, a task done — is said in a toast at
//!   the bottom of the screen, above the navigation, announced to screen readers
//!   (`aria-live`), gone after a few seconds ([`notify`]);
//! - **what went wrong** is said where it happened (`p.error`, `role="alert"`), and the page
//!   brings it into view: an error that appears below the fold or behind the sticky save bar
//!   is scrolled to the middle of the screen ([`reveal_errors`]), so a tap on *Enregistrer*
//!   never looks like nothing happened.

use std::sync::OnceLock;

use leptos::prelude::*;

/// An action that takes back what a toast announces.
type Undo = std::sync::Arc<dyn Fn() + Send + Sync>;

/// The toast shown now: a number (each notice its own), its text, and its undo if any.
#[derive(Clone)]
struct Shown {
    n: u64,
    text: String,
    undo: Option<Undo>,
}

fn current() -> ArcRwSignal<Option<Shown>> {
    static TOAST: OnceLock<ArcRwSignal<Option<Shown>>> = OnceLock::new();
    TOAST.get_or_init(|| ArcRwSignal::new(None)).clone()
}

/// How long a toast stays; one that can be undone stays longer.
#[cfg(feature = "hydrate")]
const SHOWN_MS: u64 = 4_000;
#[cfg(feature = "hydrate")]
const UNDO_MS: u64 = 7_000;

/// Says that something happened ("Étape : engagé", "Tâche terminée").
pub fn notify(text: impl Into<String>) {
    show(text.into(), None);
}

/// Says that something happened and offers to take it back for a few seconds ("Annuler").
pub fn notify_undo(text: impl Into<String>, undo: impl Fn() + Send + Sync + 'static) {
    show(text.into(), Some(std::sync::Arc::new(undo)));
}

fn show(text: String, undo: Option<Undo>) {
    let toast = current();
    let n = toast.with_untracked(|t| t.as_ref().map(|s| s.n + 1).unwrap_or(1));
    #[cfg(feature = "hydrate")]
    let ms = if undo.is_some() { UNDO_MS } else { SHOWN_MS };
    toast.set(Some(Shown { n, text, undo }));
    #[cfg(feature = "hydrate")]
    set_timeout(
        move || {
            if current().with_untracked(|t| t.as_ref().map(|s| s.n)) == Some(n) {
                current().set(None);
            }
        },
        std::time::Duration::from_millis(ms),
    );
}

/// The toast area, always in the page (so screen readers announce what appears in it).
#[component]
pub fn Toast() -> impl IntoView {
    let shown = RwSignal::new(None::<(String, bool)>);
    Effect::new(move |_| shown.set(current().get().map(|s| (s.text, s.undo.is_some()))));
    let undo = move |_| {
        let action = current().with_untracked(|t| t.as_ref().and_then(|s| s.undo.clone()));
        current().set(None);
        if let Some(action) = action {
            action();
        }
    };
    view! {
        <div class="toast-area" role="status" aria-live="polite">
            {move || shown.get().map(|(t, can_undo)| view! {
                <p class="toast">{t}{can_undo.then(|| view! { " " <button type="button" class="toast-undo" on:click=undo>"Annuler"</button> })}</p>
            })}
        </div>
    }
}

/// Brings every error that appears on the page into view (once per tab).
pub fn reveal_errors() {
    #[cfg(feature = "hydrate")]
    {
        use std::sync::atomic::{AtomicBool, Ordering};
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        static WATCHING: AtomicBool = AtomicBool::new(false);
        if WATCHING.swap(true, Ordering::Relaxed) {
            return;
        }
        let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) else {
            return;
        };
        let on_change = Closure::<dyn Fn(js_sys::Array)>::new(|records: js_sys::Array| {
            for record in records.iter() {
                let Ok(record) = record.dyn_into::<web_sys::MutationRecord>() else {
                    continue;
                };
                let added = record.added_nodes();
                for i in 0..added.length() {
                    let Some(el) = added.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) else {
                        continue;
                    };
                    let error = if el.class_list().contains("error") {
                        Some(el)
                    } else {
                        el.query_selector(".error").ok().flatten()
                    };
                    if let Some(error) = error {
                        bring_into_view(&error);
                        return;
                    }
                }
            }
        });
        if let Ok(observer) = web_sys::MutationObserver::new(on_change.as_ref().unchecked_ref()) {
            let options = web_sys::MutationObserverInit::new();
            options.set_child_list(true);
            options.set_subtree(true);
            let _ = observer.observe_with_options(&body, &options);
        }
        on_change.forget();
    }
}

/// Scrolls `el` to the middle of the screen unless it is already well in view (clear of the
/// top bar and of the sticky bars at the bottom).
#[cfg(feature = "hydrate")]
fn bring_into_view(el: &web_sys::Element) {
    let Some(window) = web_sys::window() else { return };
    let height = window.inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(740.0);
    let rect = el.get_bounding_client_rect();
    if rect.top() >= 60.0 && rect.bottom() <= height - 140.0 {
        return;
    }
    let options = web_sys::ScrollIntoViewOptions::new();
    options.set_block(web_sys::ScrollLogicalPosition::Center);
    el.scroll_into_view_with_scroll_into_view_options(&options);
}
