//! "Autour de moi": who is close to the phone — or to a record or a meeting, when opened from
//! one (`/nearby?lat=…&lon=…&autour=<label>&sauf=<record id>`) — computed on the phone from the
//! last list of placed records (works without network once loaded), and the portfolio's areas.

use leptos::prelude::*;
use shared::plan::areas::{nearby_by, Located};

use crate::client;
use crate::components::layout::Page;
use crate::endpoints;
use crate::storage;

const CACHE_KEY: &str = "tournee.located";
/// How the list is ordered: nearest first (default) or most worth visiting first.
const ORDER_KEY: &str = "tournee.nearby.order";

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

/// A place to look around, given in the address by the record or meeting that links here.
struct Around {
    point: (f64, f64),
    label: String,
    exclude: Option<uuid::Uuid>,
}

fn around_of(q: &leptos_router::params::ParamsMap) -> Option<Around> {
    // serde_json's number parser is in the bundle already; `str::parse::<f64>` would add 20 KB.
    let number = |key: &str| serde_json::from_str::<f64>(q.get(key)?.trim()).ok();
    let lat = number("lat").filter(|v| (-90.0..=90.0).contains(v))?;
    let lon = number("lon").filter(|v| (-180.0..=180.0).contains(v))?;
    Some(Around {
        point: (lat, lon),
        label: q
            .get("autour")
            .filter(|l| !l.trim().is_empty())
            .unwrap_or_else(|| format!("{lat:.4}, {lon:.4}")),
        exclude: q.get("sauf").and_then(|v| uuid::Uuid::parse_str(&v).ok()),
    })
}

#[component]
pub fn NearbyPage() -> impl IntoView {
    let points = RwSignal::new(Vec::<Located>::new());
    let around = leptos_router::hooks::use_query_map().with_untracked(around_of);
    // Where the list is centred, what is there (None: the phone), and the record left out.
    let center = RwSignal::new(around.as_ref().map(|a| a.point));
    let label = RwSignal::new(around.as_ref().map(|a| a.label.clone()));
    let exclude = RwSignal::new(around.and_then(|a| a.exclude));
    let radius = RwSignal::new(5.0f64);
    let by_distance = RwSignal::new(true);
    let (message, set_message) = signal(None::<String>);
    Effect::new(move |_| storage::save(ORDER_KEY, &by_distance.get()));
    Effect::new(move |first: Option<()>| {
        if first.is_some() {
            return;
        }
        if let Some(saved) = storage::load::<Vec<Located>>(CACHE_KEY) {
            points.set(saved);
        }
        leptos::task::spawn_local(async move {
            match client::get::<Vec<Located>>(endpoints::LOCATED).await {
                Ok(list) => {
                    storage::save(CACHE_KEY, &list);
                    points.set(list);
                }
                Err(f) if f.status == 0 => set_message.set(Some("Hors ligne : dernière liste connue.".into())),
                Err(f) => set_message.set(Some(f.message())),
            }
        });
    });
    let areas = LocalResource::new(|| client::get::<AreasView>(endpoints::AREAS));
    let locate = move || {
        set_message.set(Some("Recherche de la position…".into()));
        crate::geo::current_position(move |r| match r {
            Ok((lat, lon, _)) => {
                crate::geo::remember_position(lat, lon);
                center.set(Some((lat, lon)));
                label.set(None);
                exclude.set(None);
                set_message.set(None);
            }
            Err(m) => set_message.set(Some(if center.get_untracked().is_some() {
                format!("{m} — liste autour de la dernière position connue.")
            } else {
                m
            })),
        });
    };
    // Opened on its own (not from a record): the last known position at once, then the
    // current one without a tap.
    Effect::new(move |first: Option<()>| {
        if first.is_some() {
            return;
        }
        if let Some(order) = storage::load::<bool>(ORDER_KEY) {
            by_distance.set(order);
        }
        if label.get_untracked().is_none() {
            // The list shows at once around the last known position, whatever its age (said
            // on screen while the new one is being found).
            if let Some((lat, lon)) = crate::geo::last_position(chrono::Duration::days(3650)) {
                center.set(Some((lat, lon)));
            }
            locate();
        }
    });
    let hits = Memo::new(move |_| {
        let skip = exclude.get();
        center.get().map(|c| {
            points.with(|p| {
                let mut list = nearby_by(p, c, radius.get(), 51, by_distance.get());
                list.retain(|(l, _)| Some(l.id) != skip);
                list.truncate(50);
                list
            })
        })
    });
    view! {
        <Page title="Autour de moi">
            {move || label.get().map(|l| view! { <p class="big" data-testid="around">{format!("Autour de : {l}")}</p> })}
            <button class=move || if label.with(Option::is_some) { "secondary wide" } else { "primary wide" } on:click=move |_| locate()>"Utiliser ma position"</button>
            <div class="segmented" role="group" aria-label="Ordre de la liste">
                <button aria-pressed=move || by_distance.get().to_string() class:on=move || by_distance.get() on:click=move |_| by_distance.set(true)>"Plus proches d'abord"</button>
                <button aria-pressed=move || (!by_distance.get()).to_string() class:on=move || !by_distance.get() on:click=move |_| by_distance.set(false)>"À voir d'abord"</button>
            </div>
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
