//! Activity reports: objections heard and how often each is overcome, referral requests per
//! advisor, between two dates.

use chrono::Duration;
use leptos::prelude::*;
use shared::visit::{ObjectionReport, ReferralReport};

use crate::api;
use crate::components::layout::Page;
use crate::components::today;

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
    let data = LocalResource::new(move || {
        let q = format!("from={}&to={}", api::encode(&from.get()), api::encode(&to.get()));
        async move {
            let o = api::get::<ObjectionReport>(&format!("/reports/objections?{q}")).await?;
            let r = api::get::<ReferralReport>(&format!("/reports/referrals?{q}")).await?;
            Ok::<_, api::ApiFailure>((o, r))
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
                                    <table class="stats" aria-label="Objections">
                                        <thead><tr><th>"Objection"</th><th>"Fois"</th><th>"Levée"</th></tr></thead>
                                        <tbody>{o.overall.into_iter().map(|s| view! {
                                            <tr><td>{s.label}</td><td>{s.count}</td><td>{percent(s.overcome, s.count)}</td></tr>
                                        }).collect_view()}</tbody>
                                    </table>
                                    <h3>"Par conseiller"</h3>
                                    <table class="stats" aria-label="Objections par conseiller">
                                        <thead><tr><th>"Conseiller"</th><th>"Objection"</th><th>"Fois"</th><th>"Levée"</th></tr></thead>
                                        <tbody>{o.by_advisor.into_iter().map(|s| view! {
                                            <tr><td>{s.advisor_name.unwrap_or_default()}</td><td>{s.label}</td><td>{s.count}</td><td>{percent(s.overcome, s.count)}</td></tr>
                                        }).collect_view()}</tbody>
                                    </table>
                                }.into_any()
                            }}
                            <h2>"Recommandations"</h2>
                            <table class="stats" aria-label="Recommandations">
                                <thead><tr><th>"Conseiller"</th><th>"CR"</th><th>"Demandées"</th><th>"Noms"</th><th>"Clients"</th></tr></thead>
                                <tbody>{r.advisors.into_iter().map(|a| view! {
                                    <tr><td>{a.advisor_name}</td><td>{a.reports}</td><td>{a.asked}</td><td>{a.obtained}</td><td>{a.converted}</td></tr>
                                }).collect_view()}</tbody>
                            </table>
                        }.into_any(),
                        Err(f) => view! { <p class="error">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}
