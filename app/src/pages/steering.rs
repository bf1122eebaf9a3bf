//! The agency's steering (*pilotage*, issue 10): the weighted pipeline by closing month and by
//! advisor, drawn and in tables, each table exportable to CSV. An advisor sees their own
//! portfolio; the manager the agency, or one advisor.

use leptos::prelude::*;
use shared::offer::{month_label, Pipeline};
use shared::values::Euros;

use crate::api;
use crate::components::chart::{BarChart, Group, Series};
use crate::components::layout::Page;
use crate::components::today;
use crate::endpoints;

fn euros(cents: i64) -> String {
    Euros::from_cents(cents.max(0))
        .map(|e| e.to_string())
        .unwrap_or_default()
}

/// "12 k€", "1,2 M€": a scale label.
pub fn short_euros(cents: i64) -> String {
    let e = cents / 100;
    if e >= 1_000_000 {
        format!("{},{} M€", e / 1_000_000, (e % 1_000_000) / 100_000)
    } else if e >= 1_000 {
        format!("{} k€", e / 1_000)
    } else {
        format!("{e} €")
    }
}

/// "mars 27".
fn short_month(month: &str) -> String {
    let long = month_label(month);
    match long.rsplit_once(' ') {
        Some((m, y)) if y.len() == 4 => format!("{} {}", m.chars().take(4).collect::<String>(), &y[2..]),
        _ => long,
    }
}

#[component]
pub fn SteeringPage() -> impl IntoView {
    let manager = RwSignal::new(false);
    Effect::new(move |_| manager.set(crate::components::is_manager()));
    let people = crate::components::agency_people(manager);
    let owner = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    Effect::new(move |_| {
        if from.get_untracked().is_empty() {
            from.set(shared::offer::month_of(today()));
        }
    });
    let query = move || {
        let mut q = Vec::new();
        if !owner.get().is_empty() {
            q.push(format!("owner_id={}", api::encode(&owner.get())));
        }
        if !from.get().is_empty() {
            q.push(format!("from={}", api::encode(&from.get())));
        }
        if !to.get().is_empty() {
            q.push(format!("to={}", api::encode(&to.get())));
        }
        q.join("&")
    };
    let pipeline = LocalResource::new(move || {
        let q = query();
        async move { api::get::<Pipeline>(&endpoints::pipeline(&q)).await }
    });
    view! {
        <Page title="Pilotage">
            <h2>"Pipeline pondéré"</h2>
            <p class="muted small">"Offres en cours : montant × pronostic, par mois de signature prévu ; et ce qui est signé."</p>
            <div class="two">
                <div class="field"><label for="pl-from">"Du mois"</label><input id="pl-from" type="month" bind:value=from/></div>
                <div class="field"><label for="pl-to">"Au mois"</label><input id="pl-to" type="month" bind:value=to/></div>
            </div>
            <Show when=move || manager.get()>
                <div class="field">
                    <label for="pl-owner">"Conseiller"</label>
                    <select id="pl-owner" on:change=move |ev| owner.set(event_target_value(&ev))>
                        <option value="">"Toute l'agence"</option>
                        {move || people.get().unwrap_or_default().into_iter().map(|u| view! {
                            <option value=u.id.to_string()>{u.display_name}</option>
                        }).collect_view()}
                    </select>
                </div>
            </Show>
            <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match pipeline.await {
                        Ok(p) if p.months.is_empty() => view! { <p class="muted">"Aucune offre en cours ni signée sur la période."</p> }.into_any(),
                        Ok(p) => {
                            let total = p.total();
                            let groups: Vec<Group> = p.months.iter().map(|m| Group {
                                label: short_month(&m.month),
                                values: vec![m.open_cents, m.weighted_cents, m.signed_cents],
                            }).collect();
                            let series = vec![
                                Series { class: "bar-open", name: "En cours" },
                                Series { class: "bar-weighted", name: "Pondéré" },
                                Series { class: "bar-signed", name: "Signé" },
                            ];
                            view! {
                                <p class="kpi">"Pipeline pondéré : "<strong>{euros(total.weighted_cents)}</strong>
                                    {format!(" sur {} en cours ({} offres) · signé : {}", euros(total.open_cents), total.open_count, euros(total.signed_cents))}</p>
                                <BarChart title="Pipeline par mois de signature".to_string() groups series format=short_euros/>
                                <div class="table-scroll" tabindex="0" role="region" aria-label="Pipeline par mois"><table class="stats">
                                    <thead><tr><th>"Mois"</th><th>"En cours"</th><th>"Pondéré"</th><th>"Signé"</th></tr></thead>
                                    <tbody>{p.months.iter().map(|m| view! {
                                        <tr><td>{month_label(&m.month)}</td><td>{format!("{} ({})", euros(m.open_cents), m.open_count)}</td>
                                            <td>{euros(m.weighted_cents)}</td><td>{format!("{} ({})", euros(m.signed_cents), m.signed_count)}</td></tr>
                                    }).collect_view()}</tbody>
                                </table></div>
                                <p><a href=format!("/api/v1/statistics/pipeline.csv?{}", query()) download="pipeline.csv">"Exporter en CSV"</a></p>
                                {(p.advisors.len() > 1 || manager.get_untracked()).then(|| view! {
                                    <h3>"Par conseiller"</h3>
                                    <div class="table-scroll" tabindex="0" role="region" aria-label="Pipeline par conseiller"><table class="stats">
                                        <thead><tr><th>"Conseiller"</th><th>"En cours"</th><th>"Pondéré"</th><th>"Signé"</th></tr></thead>
                                        <tbody>{p.advisors.iter().map(|a| view! {
                                            <tr><td>{a.owner_name.clone()}</td><td>{format!("{} ({})", euros(a.open_cents), a.open_count)}</td>
                                                <td>{euros(a.weighted_cents)}</td><td>{format!("{} ({})", euros(a.signed_cents), a.signed_count)}</td></tr>
                                        }).collect_view()}</tbody>
                                    </table></div>
                                })}
                            }.into_any()
                        }
                        Err(f) if f.status == 0 => view! { <p class="notice">"Le pilotage s'affiche avec le réseau."</p> }.into_any(),
                        Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_labels_are_short() {
        assert_eq!(short_euros(1_234_500), "12 k€");
        assert_eq!(short_euros(125_000_000), "1,2 M€");
        assert_eq!(short_euros(9_900), "99 €");
        assert_eq!(short_month("2027-03"), "mars 27");
        assert_eq!(short_month("2027-09"), "sept 27");
    }
}
