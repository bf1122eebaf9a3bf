//! The agency's settings the manager sets for steering (issue 10): the rule of the global
//! prognosis, the phoning period, the weekly targets (default and per advisor), the KPI
//! targets and the product families offers are filed under; and (`records`) what shapes every
//! record: segments, sizes, cadence, sectors, the agency's address. Checked by the same validation as the
//! API (`AgencySettings::validate`) before sending; the server checks again.

mod records;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::dashboard::KpiTargets;
use shared::offer::{ProductFamily, PrognosisRule};
use shared::settings::AgencySettings;
use shared::targets::{AdvisorTargets, Measure, Targets};

use crate::client::{self, Method};
use crate::components::feedback::notify;
use crate::components::layout::Page;
use crate::endpoints;

/// The labels of the settings' parts, for messages.
fn part_label(field: &str) -> &'static str {
    match field {
        "product_families" => "Familles de produits",
        "prognosis_rule" => "Pronostic global",
        "follow_up_period_days" => "Période de relance",
        "targets" => "Objectifs hebdomadaires",
        "kpi_targets" => "Cibles des indicateurs",
        "objections" => "Objections",
        "cadence" => "Cadence",
        "segment_weights" => "Segments : poids",
        "segment_bands" => "Segments : seuils",
        "size_thresholds" => "Taille des prospects",
        "sectors" => "Secteurs",
        "base" => "Agence",
        _ => "Réglages",
    }
}

/// Sets an advisor's target for one measure: their own line starts from the default, and is
/// dropped when it comes back to it.
fn set_advisor_target(t: &mut Targets, user_id: uuid::Uuid, m: Measure, v: u32) {
    let mut figures = t.of(user_id);
    *figures.slot(m) = v;
    t.per_advisor.retain(|a| a.user_id != user_id);
    if figures != t.default {
        t.per_advisor.push(AdvisorTargets {
            user_id,
            targets: figures,
        });
    }
}

/// A number field of the KPI targets.
fn kpi_field(
    settings: RwSignal<Option<AgencySettings>>,
    id: &'static str,
    label: &'static str,
    get: fn(&KpiTargets) -> i64,
    set: fn(&mut KpiTargets, i64),
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id type="number" inputmode="numeric"
                prop:value=move || settings.with(|s| s.as_ref().map(|s| get(&s.kpi_targets).to_string()).unwrap_or_default())
                on:change=move |ev| {
                    let v = event_target_value(&ev).trim().parse::<i64>().unwrap_or(-1);
                    settings.update(|s| if let Some(s) = s { set(&mut s.kpi_targets, v) });
                }/>
        </div>
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let settings = RwSignal::new(None::<AgencySettings>);
    let (message, set_message) = signal(None::<String>);
    let (error, set_error) = signal(None::<String>);
    let new_family = RwSignal::new(String::new());
    let manager = RwSignal::new(false);
    Effect::new(move |_| crate::components::watch_manager(manager));
    let people = crate::components::agency_people(manager);
    // Loaded in the browser (an effect never runs while the server renders).
    Effect::new(move |_| {
        spawn_local(async move {
            match client::get::<AgencySettings>(endpoints::AGENCY_SETTINGS).await {
                Ok(s) => settings.set(Some(s)),
                Err(f) => set_error.set(Some(f.message())),
            }
        });
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        set_message.set(None);
        let Some(s) = settings.get_untracked() else { return };
        if let Err(fields) = s.validate() {
            set_error.set(Some(
                fields
                    .into_iter()
                    .map(|(f, m)| format!("{} : {m}", part_label(&f)))
                    .collect::<Vec<_>>()
                    .join(" ; "),
            ));
            return;
        }
        set_error.set(None);
        spawn_local(async move {
            match client::json::<AgencySettings>(Method::Put, endpoints::AGENCY_SETTINGS, Some(&s)).await {
                Ok(saved) => {
                    settings.set(Some(saved.clone()));
                    crate::storage::save(crate::replica::SETTINGS_KEY, &saved);
                    notify("Réglages enregistrés");
                    set_message.set(Some("Réglages enregistrés.".into()));
                }
                Err(f) => set_error.set(Some(
                    f.body
                        .fields
                        .iter()
                        .map(|(k, m)| format!("{} : {m}", part_label(k)))
                        .next()
                        .unwrap_or_else(|| f.message()),
                )),
            }
        });
    };
    let add = move |_| {
        let label = new_family.get_untracked().trim().to_string();
        if label.is_empty() {
            return;
        }
        settings.update(|s| {
            if let Some(s) = s {
                let taken: Vec<String> = s.product_families.iter().map(|f| f.code.clone()).collect();
                s.product_families.push(ProductFamily {
                    code: shared::text::code_for(&label, &taken, "famille"),
                    label,
                });
            }
        });
        new_family.set(String::new());
    };
    view! {
        <Page title="Réglages de l'agence">
            {move || (!manager.get()).then(|| view! { <p class="notice">"Seul le chef d'agence modifie ces réglages ; vous les voyez tels qu'ils s'appliquent."</p> })}
            <Show when=move || settings.with(Option::is_some) fallback=move || view! {
                {move || match error.get() {
                    Some(m) => view! { <p class="error" role="alert">{m}</p> }.into_any(),
                    None => view! { <p class="muted">"Chargement…"</p> }.into_any(),
                }}
            }>
            <form on:submit=save>
                <h2>"Pronostic global d'un dossier"</h2>
                <div class="field">
                    <label for="s-rule">"Règle"</label>
                    <select id="s-rule" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        settings.update(|s| if let (Some(s), Some(r)) = (s.as_mut(), PrognosisRule::parse(&v)) { s.prognosis_rule = r });
                    }>
                        {move || {
                            let current = settings.with(|s| s.as_ref().map(|s| s.prognosis_rule)).unwrap_or_default();
                            PrognosisRule::ALL.into_iter().map(|r| view! {
                                <option value=r.as_str() selected=r == current>{r.label()}</option>
                            }).collect_view()
                        }}
                    </select>
                </div>
                <h2>"Phoning"</h2>
                <div class="field">
                    <label for="s-period">"Période de relance (jours) : 3 relances au plus par personne"</label>
                    <input id="s-period" type="number" inputmode="numeric" min="1" max="365"
                        prop:value=move || settings.with(|s| s.as_ref().map(|s| s.follow_up_period_days.to_string()).unwrap_or_default())
                        on:change=move |ev| {
                            let v = event_target_value(&ev).trim().parse::<u32>().unwrap_or(0);
                            settings.update(|s| if let Some(s) = s { s.follow_up_period_days = v });
                        }/>
                </div>
                <h2>"Objectifs hebdomadaires"</h2>
                <p class="muted small">"Par défaut pour chaque conseiller ; une ligne par conseiller qui en a d'autres."</p>
                <div class="table-scroll" tabindex="0" role="region" aria-label="Objectifs hebdomadaires"><table class="stats targets">
                    <thead><tr><th>"Conseiller"</th>{Measure::ALL.iter().map(|m| view! { <th>{m.label()}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        <tr><td>"Par défaut"</td>{Measure::ALL.into_iter().map(|m| view! {
                            <td><input type="number" min="0" max="500" inputmode="numeric" aria-label=format!("{} par défaut", m.label())
                                prop:value=move || settings.with(|s| s.as_ref().map(|s| s.targets.default.get(m).to_string()).unwrap_or_default())
                                on:change=move |ev| {
                                    let v = event_target_value(&ev).trim().parse::<u32>().unwrap_or(0);
                                    settings.update(|s| if let Some(s) = s { *s.targets.default.slot(m) = v });
                                }/></td>
                        }).collect_view()}</tr>
                        {move || people.get().unwrap_or_default().into_iter().filter(|u| u.role == shared::api::Role::Advisor).map(|u| {
                            let uid = u.id;
                            let name = u.display_name.clone();
                            view! {
                                <tr><td>{u.display_name.clone()}</td>{Measure::ALL.into_iter().map(|m| {
                                    let name = name.clone();
                                    view! {
                                    <td><input type="number" min="0" max="500" inputmode="numeric" aria-label=format!("{} de {}", m.label(), name)
                                        prop:value=move || settings.with(|s| s.as_ref().map(|s| s.targets.of(uid).get(m).to_string()).unwrap_or_default())
                                        on:change=move |ev| {
                                            let v = event_target_value(&ev).trim().parse::<u32>().unwrap_or(0);
                                            settings.update(|s| if let Some(s) = s { set_advisor_target(&mut s.targets, uid, m, v) });
                                        }/></td>
                                }}).collect_view()}</tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table></div>
                <h2>"Cibles des indicateurs"</h2>
                <div class="two">
                    {kpi_field(settings, "k-conv", "Transformation RDV → clients (%)", |k| k.conversion as i64, |k, v| k.conversion = v.clamp(0, 1000) as u32)}
                    {kpi_field(settings, "k-ret", "Fidélisation annuelle (%)", |k| k.retention as i64, |k, v| k.retention = v.clamp(0, 1000) as u32)}
                    {kpi_field(settings, "k-nps", "NPS", |k| i64::from(k.nps), |k, v| k.nps = v.clamp(-1000, 1000) as i32)}
                    {kpi_field(settings, "k-resp", "Délai de réponse (h)", |k| k.response_hours as i64, |k, v| k.response_hours = v.clamp(0, 100_000) as u32)}
                    {kpi_field(settings, "k-time", "Clients vus à temps (%)", |k| k.on_time as i64, |k, v| k.on_time = v.clamp(0, 1000) as u32)}
                </div>
                <h2>"Familles de produits"</h2>
                <ul class="list" aria-label="Familles de produits">
                    {move || settings.with(|s| s.as_ref().map(|s| s.product_families.clone()).unwrap_or_default()).into_iter().enumerate().map(|(i, f)| view! {
                        <li class="inline-add">
                            <input type="text" aria-label=format!("Famille {}", i + 1) prop:value=f.label.clone()
                                on:change=move |ev| settings.update(|s| if let Some(x) = s.as_mut().and_then(|s| s.product_families.get_mut(i)) { x.label = event_target_value(&ev) })/>
                            <button type="button" class="secondary" aria-label=format!("Retirer {}", f.label)
                                on:click=move |_| settings.update(|s| if let Some(s) = s { if i < s.product_families.len() { s.product_families.remove(i); } })>"Retirer"</button>
                        </li>
                    }).collect_view()}
                </ul>
                <p class="muted small">"Une famille retirée reste lisible sur les offres qui la portent."</p>
                <div class="inline-add">
                    <input type="text" aria-label="Nouvelle famille de produits" placeholder="Nouvelle famille…" bind:value=new_family/>
                    <button type="button" class="secondary" on:click=add>"Ajouter"</button>
                </div>
                <records::RecordSettings settings/>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                {move || message.get().map(|m| view! { <p class="muted" role="status">{m}</p> })}
                <button type="submit" class="primary wide" disabled=move || !manager.get()>"Enregistrer les réglages"</button>
            </form>
            </Show>
        </Page>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_family_codes_are_simple_and_unique() {
        assert_eq!(
            shared::text::code_for("Épargne salariale", &[], "famille"),
            "epargne_salariale"
        );
        assert_eq!(shared::text::code_for("Santé", &["sante".into()], "famille"), "sante_2");
        assert!(shared::offer::validate_families(&[ProductFamily {
            code: shared::text::code_for("€€", &[], "famille"),
            label: "x".into()
        }])
        .is_ok());
    }
}
