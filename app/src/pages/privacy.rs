//! Retention (issue 11, domain §8), for the manager: the prospects with no contact for three
//! years (CNIL's guidance for prospecting), to erase — each, or all at once after a
//! confirmation — or to open and contact again.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use uuid::Uuid;

use crate::client::{self, Method};
use crate::components::feedback::notify;
use crate::components::layout::Page;
use crate::endpoints;

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Due {
    id: Uuid,
    display_name: String,
    owner_name: String,
    last_contact_on: chrono::NaiveDate,
}

#[component]
pub fn PrivacyPage() -> impl IntoView {
    let manager = RwSignal::new(false);
    Effect::new(move |_| crate::components::with_me(move |m| manager.set(m.role == shared::api::Role::Manager)));
    let due = RwSignal::new(None::<Vec<Due>>);
    let error = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let load = move || {
        spawn_local(async move {
            match client::get::<Vec<Due>>(endpoints::RETENTION).await {
                Ok(list) => due.set(Some(list)),
                Err(f) => error.set(Some(f.message())),
            }
        })
    };
    Effect::new(move |_| {
        if manager.get() {
            load();
        }
    });
    let erase = move |ids: Vec<Uuid>| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let body = serde_json::json!({ "reason": "retention" });
            let mut done = 0;
            for id in ids {
                match client::empty(Method::Post, &endpoints::contact_erase(id), Some(&body)).await {
                    Ok(()) => done += 1,
                    Err(f) => {
                        error.set(Some(f.message()));
                        break;
                    }
                }
            }
            notify(format!("{done} personne(s) effacée(s)"));
            confirming.set(false);
            busy.set(false);
            load();
        });
    };
    view! {
        <Page title="Conservation des données">
            {move || (!manager.get()).then(|| view! { <p class="notice">"Réservé au chef d'agence."</p> })}
            <p class="muted small">"Les prospects sans contact depuis trois ans (recommandation de la CNIL) : à effacer, ou à recontacter. Un effacement retire la personne du serveur et des téléphones ; seuls des comptages anonymes restent."</p>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            {move || match due.get() {
                None => view! { <p class="muted">"Chargement…"</p> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="muted empty">"Aucun prospect à effacer."</p> }.into_any(),
                Some(list) => {
                    let all: Vec<Uuid> = list.iter().map(|d| d.id).collect();
                    let n = all.len();
                    view! {
                        <p role="status"><strong>{format!("{n} prospect(s) sans contact depuis trois ans")}</strong></p>
                        <ul class="list">
                            {list.into_iter().map(|d| {
                                let id = d.id;
                                view! {
                                    <li class="row-form">
                                        <span>
                                            <a href=format!("/contacts/{id}")>{d.display_name.clone()}</a>
                                            <br/><span class="muted small">{format!("{} · dernier contact le {}", d.owner_name, crate::components::date_fr(d.last_contact_on))}</span>
                                        </span>
                                        <button type="button" class="secondary" disabled=move || busy.get()
                                            aria-label=format!("Effacer {}", d.display_name) on:click=move |_| erase(vec![id])>"Effacer"</button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {move || if confirming.get() {
                            let all = all.clone();
                            view! {
                                <p class="notice" role="alert">{format!("Les données de ces {n} personnes seront effacées définitivement, sur le serveur et sur les téléphones.")}</p>
                                <div class="row-form">
                                    <button type="button" class="danger" disabled=move || busy.get() on:click=move |_| erase(all.clone())>"Tout effacer définitivement"</button>
                                    <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Garder"</button>
                                </div>
                            }.into_any()
                        } else {
                            view! { <button type="button" class="danger wide" on:click=move |_| confirming.set(true)>{format!("Tout effacer ({n})…")}</button> }.into_any()
                        }}
                    }.into_any()
                }
            }}
        </Page>
    }
}
