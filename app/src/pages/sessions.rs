//! "My account": who I am, my open sessions (revoke a lost phone), sign out.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{Me, SessionInfo};

use crate::api::{self, Method};
use crate::components::layout::Page;

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
    let me = LocalResource::new(|| api::get::<Me>("/auth/me"));
    let sessions = LocalResource::new(move || {
        version.track();
        api::get::<Vec<SessionInfo>>("/auth/sessions")
    });
    let (error, set_error) = signal(None::<String>);
    let logout = move |_| {
        spawn_local(async move {
            let _ = api::empty(Method::Post, "/auth/logout", None::<&()>).await;
            #[cfg(feature = "hydrate")]
            if let Some(w) = web_sys::window() {
                let _ = w.location().set_href("/login");
            }
        });
    };
    let revoke = move |id: uuid::Uuid| {
        spawn_local(async move {
            match api::empty(Method::Delete, &format!("/auth/sessions/{id}"), None::<&()>).await {
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
            <button class="danger wide" on:click=logout>"Se déconnecter"</button>
            <h2>"Appareils connectés"</h2>
            {move || error.get().map(|m| view! { <p class="error">{m}</p> })}
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
                        Err(f) => view! { <p class="error">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}
