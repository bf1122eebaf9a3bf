//! What the user typed before the page came alive.
//!
//! The server sends a page that shows everything, and the code that makes it work arrives
//! after it; on a car-park network an advisor may start typing in between. Hydration then sets
//! each bound field's value from its signal, which would wipe that text. So the fields that
//! differ from what the server rendered are noted just before hydrating, and put back once the
//! page is hydrated, with `input` and `change` events replayed so that the signals — and the
//! drafts saved from them — get the text too.

use wasm_bindgen::JsCast;
use web_sys::{Event, EventInit, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};

/// A field the user changed, and what it held.
pub(crate) enum Typed {
    Text(HtmlInputElement, String),
    Checked(HtmlInputElement, bool),
    Area(HtmlTextAreaElement, String),
    Select(HtmlSelectElement, String),
}

impl Typed {
    /// A field as it holds now, if it is one the user types in.
    fn of(target: &web_sys::EventTarget) -> Option<Typed> {
        if let Some(input) = target.dyn_ref::<HtmlInputElement>() {
            match input.type_().as_str() {
                "hidden" | "file" | "submit" | "button" | "reset" | "image" => None,
                "checkbox" | "radio" => Some(Typed::Checked(input.clone(), input.checked())),
                _ => Some(Typed::Text(input.clone(), input.value())),
            }
        } else if let Some(area) = target.dyn_ref::<HtmlTextAreaElement>() {
            Some(Typed::Area(area.clone(), area.value()))
        } else {
            target
                .dyn_ref::<HtmlSelectElement>()
                .map(|select| Typed::Select(select.clone(), select.value()))
        }
    }

    fn node(&self) -> &web_sys::Node {
        match self {
            Typed::Text(e, _) | Typed::Checked(e, _) => e,
            Typed::Area(e, _) => e,
            Typed::Select(e, _) => e,
        }
    }
}

/// What the user types while the page hydrates: the first screen of a group loaded on demand
/// (the login page, a record opened from a link) hydrates only once its piece of the bundle has
/// arrived, after [`snapshot`] — text typed in between would be wiped too. Listens to every
/// `input` and `change` on the page until [`Watch::stop`].
pub(crate) struct Watch {
    typed: std::rc::Rc<std::cell::RefCell<Vec<Typed>>>,
    listener: wasm_bindgen::closure::Closure<dyn FnMut(Event)>,
}

/// Starts noting what is typed, on top of what [`snapshot`] found.
pub(crate) fn watch(found: Vec<Typed>) -> Watch {
    let typed = std::rc::Rc::new(std::cell::RefCell::new(found));
    let noted = typed.clone();
    let listener = wasm_bindgen::closure::Closure::<dyn FnMut(Event)>::new(move |ev: Event| {
        let Some(field) = ev.target().and_then(|t| Typed::of(&t)) else {
            return;
        };
        let mut noted = noted.borrow_mut();
        match noted.iter_mut().find(|f| f.node().is_same_node(Some(field.node()))) {
            Some(f) => *f = field,
            None => noted.push(field),
        }
    });
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        for kind in ["input", "change"] {
            let _ = document.add_event_listener_with_callback_and_bool(kind, listener.as_ref().unchecked_ref(), true);
        }
    }
    Watch { typed, listener }
}

impl Watch {
    /// Stops listening; what was typed since the page was shown.
    pub(crate) fn stop(self) -> Vec<Typed> {
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            for kind in ["input", "change"] {
                let _ = document.remove_event_listener_with_callback_and_bool(
                    kind,
                    self.listener.as_ref().unchecked_ref(),
                    true,
                );
            }
        }
        self.typed.take()
    }
}

/// The fields whose value is no longer the one the server rendered.
pub(crate) fn snapshot() -> Vec<Typed> {
    let mut typed = Vec::new();
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return typed;
    };
    let Ok(fields) = document.query_selector_all("input, textarea, select") else {
        return typed;
    };
    for i in 0..fields.length() {
        let Some(node) = fields.item(i) else { continue };
        if let Some(input) = node.dyn_ref::<HtmlInputElement>() {
            match input.type_().as_str() {
                "hidden" | "file" | "submit" | "button" | "reset" | "image" => {}
                "checkbox" | "radio" => {
                    if input.checked() != input.default_checked() {
                        typed.push(Typed::Checked(input.clone(), input.checked()));
                    }
                }
                _ => {
                    if input.value() != input.default_value() {
                        typed.push(Typed::Text(input.clone(), input.value()));
                    }
                }
            }
        } else if let Some(area) = node.dyn_ref::<HtmlTextAreaElement>() {
            if area.default_value().is_ok_and(|d| d != area.value()) {
                typed.push(Typed::Area(area.clone(), area.value()));
            }
        } else if let Some(select) = node.dyn_ref::<HtmlSelectElement>() {
            let options = select.options();
            let changed = (0..options.length()).any(|j| {
                options
                    .item(j)
                    .and_then(|o| o.dyn_into::<web_sys::HtmlOptionElement>().ok())
                    .is_some_and(|o| o.selected() != o.default_selected())
            });
            if changed {
                typed.push(Typed::Select(select.clone(), select.value()));
            }
        }
    }
    typed
}

/// Puts the noted values back and replays `input` and `change` on each field, so that the
/// handlers hydration attached hand the text to their signals: the values that hydration then
/// writes from those signals are the typed ones. With `only_lost`, touches only the fields
/// that no longer hold their text (a later pass, for content hydrated a moment after). Returns
/// how many fields it touched.
pub(crate) fn restore(typed: &[Typed], only_lost: bool) -> usize {
    let mut touched = 0;
    for field in typed {
        let (target, lost): (web_sys::HtmlElement, bool) = match field {
            Typed::Text(input, value) => (
                input.clone().into(),
                put_back(input.value(), value, |v| input.set_value(v)),
            ),
            Typed::Area(area, value) => (
                area.clone().into(),
                put_back(area.value(), value, |v| area.set_value(v)),
            ),
            Typed::Select(select, value) => (
                select.clone().into(),
                put_back(select.value(), value, |v| select.set_value(v)),
            ),
            Typed::Checked(input, checked) => {
                let lost = input.checked() != *checked;
                if lost {
                    input.set_checked(*checked);
                }
                (input.clone().into(), lost)
            }
        };
        if only_lost && !lost {
            continue;
        }
        for kind in ["input", "change"] {
            let init = EventInit::new();
            init.set_bubbles(true);
            if let Ok(event) = Event::new_with_event_init_dict(kind, &init) {
                let _ = target.dispatch_event(&event);
            }
        }
        touched += 1;
    }
    touched
}

/// Sets `value` back when the field no longer holds it; says whether it had to.
fn put_back(current: String, value: &str, set: impl FnOnce(&str)) -> bool {
    let lost = current != value;
    if lost {
        set(value);
    }
    lost
}
