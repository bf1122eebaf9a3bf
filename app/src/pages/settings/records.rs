//! The agency settings that shape every record (issue 11, part 3): the weights and bands of the
//! client segments, the prospect size thresholds, the cadence per segment, the sectors by
//! postcode, and the agency's address (where tours start). Part of the settings form
//! (`super`), checked by the same `AgencySettings::validate` before sending.

use leptos::prelude::*;
use shared::cadence::Cadence;
use shared::settings::{AgencySettings, BasePlace, Sector};

type Settings = RwSignal<Option<AgencySettings>>;

/// A whole-number field bound to one value of the settings.
fn number(
    settings: Settings,
    id: String,
    label: String,
    get: impl Fn(&AgencySettings) -> i64 + Send + Sync + 'static,
    set: impl Fn(&mut AgencySettings, i64) + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id type="number" inputmode="numeric"
                prop:value=move || settings.with(|s| s.as_ref().map(|s| get(s).to_string()).unwrap_or_default())
                on:change=move |ev| {
                    let v = event_target_value(&ev).trim().parse::<i64>().unwrap_or(-1);
                    settings.update(|s| if let Some(s) = s { set(s, v) });
                }/>
        </div>
    }
}

fn clamp_u8(v: i64) -> u8 {
    v.clamp(0, 255) as u8
}

fn clamp_u16(v: i64) -> u16 {
    v.clamp(0, 65_535) as u16
}

/// The segment's cadence in the table.
fn cadence_of(s: &mut AgencySettings, segment: usize) -> &mut Cadence {
    match segment {
        0 => &mut s.cadence.vip,
        1 => &mut s.cadence.gold,
        2 => &mut s.cadence.silver,
        _ => &mut s.cadence.bronze,
    }
}

#[component]
pub fn RecordSettings(settings: Settings) -> impl IntoView {
    let new_sector = RwSignal::new(String::new());
    let add_sector = move |_| {
        let name = new_sector.get_untracked().trim().to_string();
        if name.is_empty() {
            return;
        }
        settings.update(|s| {
            if let Some(s) = s {
                s.sectors.push(Sector {
                    name,
                    postcodes: Vec::new(),
                })
            }
        });
        new_sector.set(String::new());
    };
    view! {
        <h2>"Segments des clients"</h2>
        <p class="muted small">"Poids des critères du score (total 100) et seuils des segments VIP, Gold, Silver (Bronze en dessous)."</p>
        <div class="two">
            {number(settings, "w-assets".into(), "Encours confiés".into(), |s| s.segment_weights.assets.into(), |s, v| s.segment_weights.assets = clamp_u8(v))}
            {number(settings, "w-potential".into(), "Potentiel".into(), |s| s.segment_weights.potential.into(), |s, v| s.segment_weights.potential = clamp_u8(v))}
            {number(settings, "w-relation".into(), "Qualité de la relation".into(), |s| s.segment_weights.relationship.into(), |s, v| s.segment_weights.relationship = clamp_u8(v))}
            {number(settings, "w-referrals".into(), "Recommandations".into(), |s| s.segment_weights.referrals.into(), |s, v| s.segment_weights.referrals = clamp_u8(v))}
            {number(settings, "b-vip".into(), "VIP à partir de".into(), |s| s.segment_bands.vip.into(), |s, v| s.segment_bands.vip = clamp_u8(v))}
            {number(settings, "b-gold".into(), "Gold à partir de".into(), |s| s.segment_bands.gold.into(), |s, v| s.segment_bands.gold = clamp_u8(v))}
            {number(settings, "b-silver".into(), "Silver à partir de".into(), |s| s.segment_bands.silver.into(), |s, v| s.segment_bands.silver = clamp_u8(v))}
        </div>
        <h2>"Taille des prospects"</h2>
        <div class="two">
            {number(settings, "t-medium".into(), "Moyen à partir de (€)".into(), |s| s.size_thresholds.medium_from_euros, |s, v| s.size_thresholds.medium_from_euros = v)}
            {number(settings, "t-big".into(), "Gros à partir de (€)".into(), |s| s.size_thresholds.big_from_euros, |s, v| s.size_thresholds.big_from_euros = v)}
        </div>
        <h2>"Cadence par segment"</h2>
        <div class="table-scroll" tabindex="0" role="region" aria-label="Cadence par segment"><table class="stats targets">
            <thead><tr><th>"Segment"</th><th>"RDV par an"</th><th>"Appel tous les (j)"</th><th>"Reporting tous les (j)"</th></tr></thead>
            <tbody>
                {["VIP", "Gold", "Silver", "Bronze"].into_iter().enumerate().map(|(i, name)| view! {
                    <tr>
                        <td>{name}</td>
                        <td><input type="number" min="1" inputmode="numeric" aria-label=format!("RDV par an, {name}")
                            prop:value=move || settings.with(|s| s.as_ref().map(|s| { let mut c = s.clone(); cadence_of(&mut c, i).meetings_per_year.to_string() }).unwrap_or_default())
                            on:change=move |ev| { let v = event_target_value(&ev).trim().parse::<i64>().unwrap_or(0); settings.update(|s| if let Some(s) = s { cadence_of(s, i).meetings_per_year = clamp_u8(v) }); }/></td>
                        <td><input type="number" min="1" inputmode="numeric" aria-label=format!("Appel tous les, {name}")
                            prop:value=move || settings.with(|s| s.as_ref().map(|s| { let mut c = s.clone(); cadence_of(&mut c, i).call_every_days.to_string() }).unwrap_or_default())
                            on:change=move |ev| { let v = event_target_value(&ev).trim().parse::<i64>().unwrap_or(0); settings.update(|s| if let Some(s) = s { cadence_of(s, i).call_every_days = clamp_u16(v) }); }/></td>
                        <td><input type="number" min="1" inputmode="numeric" aria-label=format!("Reporting tous les, {name}")
                            prop:value=move || settings.with(|s| s.as_ref().map(|s| { let mut c = s.clone(); cadence_of(&mut c, i).report_every_days.to_string() }).unwrap_or_default())
                            on:change=move |ev| { let v = event_target_value(&ev).trim().parse::<i64>().unwrap_or(0); settings.update(|s| if let Some(s) = s { cadence_of(s, i).report_every_days = clamp_u16(v) }); }/></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table></div>
        <h2>"Secteurs"</h2>
        <p class="muted small">"Un secteur regroupe des codes postaux (ou leurs premiers chiffres : 6913 pour tous les 6913x), séparés par des virgules."</p>
        <ul class="list" aria-label="Secteurs">
            {move || settings.with(|s| s.as_ref().map(|s| s.sectors.clone()).unwrap_or_default()).into_iter().enumerate().map(|(i, sector)| view! {
                <li class="sector">
                    <div class="field">
                        <label for=format!("sector-{i}")>{format!("Codes postaux de « {} »", sector.name)}</label>
                        <input id=format!("sector-{i}") type="text" inputmode="numeric" prop:value=sector.postcodes.join(", ")
                            on:change=move |ev| {
                                let codes: Vec<String> = event_target_value(&ev).split([',', ';', ' ']).map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect();
                                settings.update(|s| if let Some(x) = s.as_mut().and_then(|s| s.sectors.get_mut(i)) { x.postcodes = codes });
                            }/>
                    </div>
                    <button type="button" class="secondary" aria-label=format!("Retirer le secteur {}", sector.name)
                        on:click=move |_| settings.update(|s| if let Some(s) = s { if i < s.sectors.len() { s.sectors.remove(i); } })>"Retirer"</button>
                </li>
            }).collect_view()}
        </ul>
        <div class="inline-add">
            <input type="text" aria-label="Nouveau secteur" placeholder="Nouveau secteur…" bind:value=new_sector/>
            <button type="button" class="secondary" on:click=add_sector>"Ajouter"</button>
        </div>
        <h2>"Agence (départ des tournées)"</h2>
        <div class="field">
            <label for="base-label">"Nom du lieu"</label>
            <input id="base-label" type="text" maxlength="120"
                prop:value=move || settings.with(|s| s.as_ref().and_then(|s| s.base.as_ref()).map(|b| b.label.clone()).unwrap_or_default())
                on:change=move |ev| { let v = event_target_value(&ev); settings.update(|s| if let Some(s) = s { s.base.get_or_insert(BasePlace { label: String::new(), lat: 0.0, lon: 0.0 }).label = v }); }/>
        </div>
        <div class="two">
            <div class="field">
                <label for="base-lat">"Latitude"</label>
                <input id="base-lat" type="text" inputmode="decimal"
                    prop:value=move || settings.with(|s| s.as_ref().and_then(|s| s.base.as_ref()).map(|b| b.lat.to_string()).unwrap_or_default())
                    on:change=move |ev| { let v = event_target_value(&ev).trim().replace(',', ".").parse::<f64>().unwrap_or(f64::NAN); settings.update(|s| if let Some(s) = s { s.base.get_or_insert(BasePlace { label: String::new(), lat: 0.0, lon: 0.0 }).lat = if v.is_finite() { v } else { 999.0 } }); }/>
            </div>
            <div class="field">
                <label for="base-lon">"Longitude"</label>
                <input id="base-lon" type="text" inputmode="decimal"
                    prop:value=move || settings.with(|s| s.as_ref().and_then(|s| s.base.as_ref()).map(|b| b.lon.to_string()).unwrap_or_default())
                    on:change=move |ev| { let v = event_target_value(&ev).trim().replace(',', ".").parse::<f64>().unwrap_or(f64::NAN); settings.update(|s| if let Some(s) = s { s.base.get_or_insert(BasePlace { label: String::new(), lat: 0.0, lon: 0.0 }).lon = if v.is_finite() { v } else { 999.0 } }); }/>
            </div>
        </div>
    }
}
