//! "Autour de moi": who is close to the phone, computed on the phone from the last list of
//! placed records (works without network once loaded), and the portfolio's areas.

use leptos::prelude::*;
use shared::plan::areas::{nearby, Located};

use crate::api;
use crate::components::layout::Page;
use crate::storage;

const CACHE_KEY: &str = "tournee.located";

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct AreaView {
    label: String,
    count: usize,
    due: usize,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct SectorView {
    name: String,
    count: usize,
    due: usize,
}

#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
struct AreasView {
    areas: Vec<AreaView>,
    sectors: Vec<SectorView>,
}

#[component]
pub fn NearbyPage() -> impl IntoView {
    let points = RwSignal::new(Vec::<Located>::new());
    let center = RwSignal::new(None::<(f64, f64)>);
    let radius = RwSignal::new(5.0f64);
    let (message, set_message) = signal(None::<String>);
    Effect::new(move |first: Option<()>| {
        if first.is_some() {
            return;
        }
        if let Some(saved) = storage::load::<Vec<Located>>(CACHE_KEY) {
            points.set(saved);
        }
        leptos::task::spawn_local(async move {
            match api::get::<Vec<Located>>("/located").await {
                Ok(list) => {
                    storage::save(CACHE_KEY, &list);
                    points.set(list);
                }
                Err(f) if f.status == 0 => set_message.set(Some("Hors ligne : dernière liste connue.".into())),
                Err(f) => set_message.set(Some(f.message())),
            }
        });
    });
    let areas = LocalResource::new(|| api::get::<AreasView>("/areas"));
    let locate = move |_| {
        set_message.set(Some("Recherche de la position…".into()));
        crate::geo::current_position(move |r| match r {
            Ok((lat, lon, _)) => {
                center.set(Some((lat, lon)));
                set_message.set(None);
            }
            Err(m) => set_message.set(Some(m)),
        });
    };
    let hits = Memo::new(move |_| center.get().map(|c| points.with(|p| nearby(p, c, radius.get(), 50))));
    view! {
        <Page title="Autour de moi">
            <button class="primary wide" on:click=locate>"Utiliser ma position"</button>
            <div class="segmented four">
                {[2.0, 5.0, 10.0, 20.0].into_iter().map(|km| view! {
                    <button class:on=move || radius.get() == km on:click=move |_| radius.set(km)>{format!("{km} km")}</button>
                }).collect_view()}
            </div>
            {move || message.get().map(|m| view! { <p class="muted small" role="status">{m}</p> })}
            {move || hits.get().map(|list| if list.is_empty() {
                view! { <p class="muted">"Personne dans ce rayon."</p> }.into_any()
            } else {
                view! {
                    <ul class="list" aria-label="À proximité">
                        {list.into_iter().map(|(p, km)| view! {
                            <li class="card">
                                <a class="contact-row" href=format!("/contacts/{}", p.id)>
                                    <span class="name">{p.label.clone()}</span>
                                    <span class="muted small">{format!("{:.1} km · {}{}", km, p.city, if p.note.is_empty() { String::new() } else { format!(" · {}", p.note) })}</span>
                                </a>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
            <h2>"Secteurs"</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    areas.await.ok().map(|a| view! {
                        <table class="stats" aria-label="Zones">
                            <thead><tr><th>"Zone"</th><th>"Clients"</th><th>"À voir"</th></tr></thead>
                            <tbody>
                                {a.areas.into_iter().map(|z| view! { <tr><td>{z.label}</td><td>{z.count}</td><td>{z.due}</td></tr> }).collect_view()}
                                {a.sectors.into_iter().map(|s| view! { <tr><td>{format!("Secteur : {}", s.name)}</td><td>{s.count}</td><td>{s.due}</td></tr> }).collect_view()}
                            </tbody>
                        </table>
                    })
                })}
            </Suspense>
        </Page>
    }
}
