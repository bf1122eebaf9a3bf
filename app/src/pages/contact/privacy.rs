//! The person's rights on their record (issue 11, domain §8): everything held on them as one
//! file (access), and erasure for real — on the server and, at their next sync, on every phone.
//! The manager erases; the manager and the advisor in charge hand over the file.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::record::Contact;

use crate::api::{self, Method};
use crate::components::feedback::notify;
use crate::endpoints;

#[component]
pub fn Privacy(c: Contact) -> impl IntoView {
    let manager = RwSignal::new(false);
    let me = RwSignal::new(None::<uuid::Uuid>);
    Effect::new(move |_| {
        manager.set(crate::components::is_manager());
        me.set(crate::components::me().map(|m| m.user_id));
    });
    let id = c.id;
    let owner = c.owner_id;
    let name = c.display_name.clone();
    let reason = RwSignal::new("request".to_string());
    let confirming = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let erase = move |_| {
        let body = serde_json::json!({ "reason": reason.get_untracked() });
        spawn_local(async move {
            match api::empty(Method::Post, &endpoints::contact_erase(id), Some(&body)).await {
                Ok(()) => {
                    notify("Données de la personne effacées");
                    // The record is gone: back to the list.
                    #[cfg(feature = "hydrate")]
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().set_href("/contacts");
                    }
                }
                Err(f) => error.set(Some(f.message())),
            }
        });
    };
    move || {
        let may_export = manager.get() || me.get() == Some(owner);
        may_export.then(|| {
            let name = name.clone();
            view! {
                <section class="card" aria-label="Données personnelles">
                    <h3>"Données personnelles (RGPD)"</h3>
                    <p><a class="action" href=format!("/api/v1{}", endpoints::contact_subject_access(id)) download="">"Tout ce que nous détenons (JSON)"</a></p>
                    {manager.get().then(|| {
                        let name = name.clone();
                        view! {
                            <div class="field">
                                <label for="erase-reason">"Motif d'effacement"</label>
                                <select id="erase-reason" on:change=move |ev| reason.set(event_target_value(&ev))>
                                    <option value="request">"Demande de la personne"</option>
                                    <option value="retention">"Durée de conservation dépassée"</option>
                                    <option value="no_basis">"Donnée sans fondement"</option>
                                </select>
                            </div>
                            {move || if confirming.get() {
                                view! {
                                    <p class="notice" role="alert">{format!("Les données de {name} seront effacées définitivement : fiche, rendez-vous, comptes rendus, appels, offres, réclamations, et sur les téléphones à leur prochaine synchronisation. Seuls des comptages anonymes restent.")}</p>
                                    <div class="row-form">
                                        <button type="button" class="danger" on:click=erase>"Effacer définitivement"</button>
                                        <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Garder"</button>
                                    </div>
                                }.into_any()
                            } else {
                                view! { <button type="button" class="danger wide" on:click=move |_| confirming.set(true)>"Effacer cette personne…"</button> }.into_any()
                            }}
                        }
                    })}
                    {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                </section>
            }
        })
    }
}
