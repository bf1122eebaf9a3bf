//! Labelled form fields bound to one piece of a form's state.
//!
//! Every field writes to the form signal on each keystroke, so nothing typed is lost when the
//! user taps elsewhere, and the form's draft is saved as it changes.

use leptos::prelude::*;
use shared::record::FieldErrors;

/// A labelled text input. `get` / `set` read and write the value in the form state `S`.
#[component]
pub fn TextField<S: Send + Sync + 'static>(
    state: RwSignal<S>,
    errors: RwSignal<FieldErrors>,
    name: &'static str,
    label: &'static str,
    get: fn(&S) -> String,
    set: fn(&mut S, String),
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "")] autocomplete: &'static str,
    #[prop(default = "")] inputmode: &'static str,
    #[prop(default = "")] placeholder: &'static str,
) -> impl IntoView {
    let id = format!("f-{}", name.replace('.', "-"));
    let error = move || errors.with(|e| e.get(name).cloned());
    view! {
        <div class="field" class:invalid=move || error().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                placeholder=placeholder
                prop:value=move || state.with(get)
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    state.update(|s| set(s, v));
                    errors.update(|e| { e.remove(name); });
                }
            />
            {move || error().map(|m| view! { <p class="field-error">{m}</p> })}
        </div>
    }
}

/// A labelled multi-line text input.
#[component]
pub fn TextArea<S: Send + Sync + 'static>(
    state: RwSignal<S>,
    name: &'static str,
    label: &'static str,
    get: fn(&S) -> String,
    set: fn(&mut S, String),
) -> impl IntoView {
    let id = format!("f-{}", name.replace('.', "-"));
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <textarea
                id=id
                name=name
                rows="3"
                prop:value=move || state.with(get)
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    state.update(|s| set(s, v));
                }
            ></textarea>
        </div>
    }
}

/// A labelled select over `(value, label)` options.
#[component]
pub fn SelectField<S: Send + Sync + 'static>(
    state: RwSignal<S>,
    name: &'static str,
    label: &'static str,
    options: Vec<(&'static str, &'static str)>,
    get: fn(&S) -> String,
    set: fn(&mut S, String),
) -> impl IntoView {
    let id = format!("f-{}", name.replace('.', "-"));
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select
                id=id
                name=name
                prop:value=move || state.with(get)
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    state.update(|s| set(s, v));
                }
            >
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        view! {
                            <option value=value selected=move || state.with(get) == value>
                                {text}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}
