//! Activity reports: objections heard and how often each is overcome, referral requests per
//! advisor, between two dates.

use chrono::Duration;
use leptos::prelude::*;
use shared::api::{ObjectionReport, ReferralReport};

use crate::client;
use crate::components::layout::Page;
use crate::components::today;
use crate::endpoints;

fn percent(part: i64, whole: i64) -> String {
    if whole == 0 {
        "—".into()
    } else {
        format!("{} %", (part * 100 + whole / 2) / whole)
    }
}

#[component]
pub fn StatsPage() -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    Effect::new(move |_| {
        if to.get_untracked().is_empty() {
            to.set(today().to_string());
            from.set((today() - Duration::days(90)).to_string());
        }
    });
    let manager = LocalResource::new(|| async {
        client::get::<shared::api::Me>(endpoints::ME)
            .await
            .map(|m| m.role == shared::api::Role::Manager)
            .unwrap_or(false)
    });
    let data = LocalResource::new(move || {
        let q = format!("from={}&to={}", client::encode(&from.get()), client::encode(&to.get()));
        async move {
            let o = client::get::<ObjectionReport>(&endpoints::objection_statistics(&q)).await?;
            let r = client::get::<ReferralReport>(&endpoints::referral_statistics(&q)).await?;
            Ok::<_, client::ApiFailure>((o, r))
        }
    });
    view! {
        <Page title="Activité">
            <div class="two">
                <div class="field"><label for="p-from">"Du"</label><input id="p-from" type="date" bind:value=from/></div>
                <div class="field"><label for="p-to">"Au"</label><input id="p-to" type="date" bind:value=to/></div>
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((o, r)) => view! {
                            <h2>"Objections"</h2>
                            {if o.overall.is_empty() {
                                view! { <p class="muted">"Aucune objection notée sur la période."</p> }.into_any()
                            } else {
                                view! {
                                    <div class="table-scroll" tabindex="0" role="region" aria-label="Objections"><table class="stats">
                                        <thead><tr><th>"Objection"</th><th>"Fois"</th><th>"Levée"</th></tr></thead>
                                        <tbody>{o.overall.into_iter().map(|s| view! {
                                            <tr><td>{s.label}</td><td>{s.count}</td><td>{percent(s.overcome, s.count)}</td></tr>
                                        }).collect_view()}</tbody>
                                    </table></div>
                                    <h3>"Par conseiller"</h3>
                                    <div class="table-scroll" tabindex="0" role="region" aria-label="Objections par conseiller"><table class="stats">
                                        <thead><tr><th>"Conseiller"</th><th>"Objection"</th><th>"Fois"</th><th>"Levée"</th></tr></thead>
                                        <tbody>{o.by_advisor.into_iter().map(|s| view! {
                                            <tr><td>{s.advisor_name.unwrap_or_default()}</td><td>{s.label}</td><td>{s.count}</td><td>{percent(s.overcome, s.count)}</td></tr>
                                        }).collect_view()}</tbody>
                                    </table></div>
                                }.into_any()
                            }}
                            <h2>"Recommandations"</h2>
                            <div class="table-scroll" tabindex="0" role="region" aria-label="Recommandations"><table class="stats">
                                <thead><tr><th>"Conseiller"</th><th>"CR"</th><th>"Demandées"</th><th>"Noms"</th><th>"Clients"</th></tr></thead>
                                <tbody>{r.advisors.into_iter().map(|a| view! {
                                    <tr><td>{a.advisor_name}</td><td>{a.reports}</td><td>{a.asked}</td><td>{a.obtained}</td><td>{a.converted}</td></tr>
                                }).collect_view()}</tbody>
                            </table></div>
                        }.into_any(),
                        Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move { manager.await.then(|| view! { <ObjectionListEditor/> }) })}
            </Suspense>
        </Page>
    }
}

/// The agency's standard objection list, edited by the manager.
#[component]
pub fn ObjectionListEditor() -> impl IntoView {
    let settings = RwSignal::new(None::<shared::settings::AgencySettings>);
    let (message, set_message) = signal(None::<String>);
    let new_label = RwSignal::new(String::new());
    leptos::task::spawn_local(async move {
        match client::get::<shared::settings::AgencySettings>(endpoints::AGENCY_SETTINGS).await {
            Ok(s) => settings.set(Some(s)),
            Err(f) => set_message.set(Some(f.message())),
        }
    });
    let save = move |_| {
        let Some(s) = settings.get_untracked() else { return };
        if let Err(fields) = s.validate() {
            set_message.set(Some(fields.into_values().collect::<Vec<_>>().join(" ; ")));
            return;
        }
        leptos::task::spawn_local(async move {
            match client::json::<shared::settings::AgencySettings>(
                client::Method::Put,
                endpoints::AGENCY_SETTINGS,
                Some(&s),
            )
            .await
            {
                Ok(saved) => {
                    settings.set(Some(saved));
                    set_message.set(Some("Liste enregistrée.".into()));
                }
                Err(f) => set_message.set(Some(
                    f.body.fields.values().next().cloned().unwrap_or_else(|| f.message()),
                )),
            }
        });
    };
    let add = move |_| {
        let label = new_label.get_untracked().trim().to_string();
        if label.is_empty() {
            return;
        }
        settings.update(|s| {
            if let Some(s) = s {
                let taken: Vec<String> = s.objections.iter().map(|o| o.code.clone()).collect();
                s.objections.push(shared::visit::ObjectionType {
                    code: shared::text::code_for(&label, &taken, "objection"),
                    label,
                });
            }
        });
        new_label.set(String::new());
    };
    view! {
        <h2>"Liste des objections de l'agence"</h2>
        <ul class="list" aria-label="Liste des objections">
            {move || settings.with(|s| s.as_ref().map(|s| s.objections.clone()).unwrap_or_default()).into_iter().enumerate().map(|(i, o)| view! {
                <li class="inline-add">
                    <input type="text" aria-label=format!("Libellé {}", i + 1) prop:value=o.label.clone()
                        on:change=move |ev| settings.update(|s| if let Some(x) = s.as_mut().and_then(|s| s.objections.get_mut(i)) { x.label = event_target_value(&ev) })/>
                    <button type="button" class="secondary" aria-label=format!("Retirer {}", o.label)
                        on:click=move |_| settings.update(|s| if let Some(s) = s { if i < s.objections.len() { s.objections.remove(i); } })>"Retirer"</button>
                </li>
            }).collect_view()}
        </ul>
        <div class="inline-add">
            <input type="text" aria-label="Nouvelle objection" placeholder="Nouvelle objection…" bind:value=new_label/>
            <button type="button" class="secondary" on:click=add>"Ajouter"</button>
        </div>
        <button type="button" class="primary wide" on:click=save>"Enregistrer la liste"</button>
        {move || message.get().map(|m| view! { <p class="muted" role="status">{m}</p> })}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn new_objection_codes_are_simple_and_unique() {
        assert_eq!(
            shared::text::code_for("Délai trop long !", &[], "objection"),
            "delai_trop_long"
        );
        assert_eq!(shared::text::code_for("Prix", &["prix".into()], "objection"), "prix_2");
        assert!(shared::visit::validate_objections(&[shared::visit::ObjectionType {
            code: shared::text::code_for("Éé", &[], "objection"),
            label: "x".into()
        }])
        .is_ok());
    }
}
