//! "My account": who I am, my open sessions (revoke a lost phone), sign out.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{Me, SessionInfo};

use crate::client::{self, Method};
use crate::components::layout::Page;
use crate::endpoints;

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Timelike;
    let local = t.with_timezone(&chrono::Local);
    format!(
        "{} {:02}:{:02}",
        crate::components::date_fr(local.date_naive()),
        local.hour(),
        local.minute()
    )
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    let (version, set_version) = signal(0u32);
    let me = LocalResource::new(|| client::get::<Me>(endpoints::ME));
    let sessions = LocalResource::new(move || {
        version.track();
        client::get::<Vec<SessionInfo>>(endpoints::SESSIONS)
    });
    let (error, set_error) = signal(None::<String>);
    let logout = move |_| {
        // Unsent work is erased with the replica: say how much, and ask first.
        let waiting = crate::replica::status().with_untracked(|s| s.pending);
        #[cfg(feature = "hydrate")]
        if waiting > 0 {
            let question = format!(
                "{waiting} modification(s) n'ont pas encore été envoyées et seront perdues. Se déconnecter quand même ?"
            );
            let sure = web_sys::window()
                .and_then(|w| w.confirm_with_message(&question).ok())
                .unwrap_or(false);
            if !sure {
                return;
            }
        }
        let _ = waiting;
        spawn_local(async move {
            let _ = client::empty(Method::Post, endpoints::LOGOUT, None::<&()>).await;
            // Nothing of the agency's stays on the phone.
            crate::replica::wipe().await;
            #[cfg(feature = "hydrate")]
            if let Some(w) = web_sys::window() {
                let _ = w.location().set_href("/login");
            }
        });
    };
    let revoke = move |id: uuid::Uuid| {
        spawn_local(async move {
            match client::empty(Method::Delete, &endpoints::session(id), None::<&()>).await {
                Ok(()) => set_version.update(|v| *v += 1),
                Err(f) => set_error.set(Some(f.message())),
            }
        });
    };
    view! {
        <Page title="Mon compte">
            <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    me.await
                        .ok()
                        .map(|m| {
                            view! {
                                <section class="card">
                                    <p><strong>{m.display_name}</strong></p>
                                    <p class="muted">{m.email}" · "{m.agency_name}</p>
                                    <p class="muted">{match m.role { shared::api::Role::Manager => "Chef d'agence", shared::api::Role::Advisor => "Conseiller" }}</p>
                                </section>
                            }
                        })
                })}
            </Suspense>
            <p><a href="/reports">"Activité : objections et recommandations"</a></p>
            <p><a href="/steering">"Pilotage : pipeline et pronostics"</a></p>
            <p><a href="/complaints">"Réclamations"</a></p>
            <p><a href="/settings">"Réglages de l'agence"</a></p>
            <p><a href="/imports">"Importer des fiches (CSV)"</a></p>
            <p><a href="/team">"Équipe : invitations, rôles, portefeuilles"</a></p>
            <p><a href="/privacy">"Conservation des données (RGPD)"</a></p>
            <CalendarFeedBlock/>
            <button class="danger wide" on:click=logout>"Se déconnecter"</button>
            <h2>"Appareils connectés"</h2>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => {
                            view! {
                                <ul class="list">
                                    {list
                                        .into_iter()
                                        .map(|s| {
                                            let id = s.id;
                                            view! {
                                                <li class="card session">
                                                    <p><strong>{if s.current { "Cet appareil" } else { "Autre appareil" }}</strong></p>
                                                    <p class="muted small">{s.user_agent}</p>
                                                    <p class="muted small">"Vu le "{when(s.last_seen_at)}" · IP "{s.ip}</p>
                                                    {(!s.current).then(|| view! {
                                                        <button class="secondary" on:click=move |_| revoke(id)>"Révoquer"</button>
                                                    })}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}

/// The calendar subscription: a secret URL for the phone's calendar, shown once, revocable.
#[component]
fn CalendarFeedBlock() -> impl IntoView {
    let (version, set_version) = signal(0u32);
    let status = LocalResource::new(move || {
        version.track();
        client::get::<shared::api::CalendarFeed>(endpoints::CALENDAR_FEED)
    });
    let (url, set_url) = signal(None::<String>);
    let (error, set_error) = signal(None::<String>);
    let create = move |_| {
        spawn_local(async move {
            match client::json::<shared::api::CalendarFeed>(Method::Post, endpoints::CALENDAR_FEED, None::<&()>).await {
                Ok(f) => {
                    let origin = origin();
                    set_url.set(f.url.map(|u| format!("{origin}{u}")));
                    set_version.update(|v| *v += 1);
                }
                Err(f) => set_error.set(Some(f.message())),
            }
        });
    };
    let revoke = move |_| {
        spawn_local(async move {
            match client::empty(Method::Delete, endpoints::CALENDAR_FEED, None::<&()>).await {
                Ok(()) => {
                    set_url.set(None);
                    set_version.update(|v| *v += 1);
                }
                Err(f) => set_error.set(Some(f.message())),
            }
        });
    };
    view! {
        <h2>"Agenda du téléphone"</h2>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let active = status.await.map(|s| s.active).unwrap_or(false);
                view! {
                    <p class="muted small">{if active { "Un lien d'abonnement est actif." } else { "Abonnez l'agenda de votre téléphone à vos rendez-vous." }}</p>
                    <button class="secondary wide" on:click=create>{if active { "Créer un nouveau lien (l'ancien cesse de marcher)" } else { "Créer le lien d'abonnement" }}</button>
                    {active.then(|| view! { <button class="secondary wide" on:click=revoke>"Révoquer le lien"</button> })}
                }
            })}
        </Suspense>
        {move || url.get().map(|u| view! {
            <p class="notice">"Copiez ce lien dans votre agenda (il ne sera plus affiché) : "<code class="wrap">{u}</code></p>
        })}
        {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
    }
}

fn origin() -> String {
    #[cfg(feature = "hydrate")]
    if let Some(o) = web_sys::window().and_then(|w| w.location().origin().ok()) {
        return o;
    }
    String::new()
}
