//! The agency's steering (*pilotage*, issue 10): the KPIs against their targets, this week
//! against the weekly targets (and the last 12 weeks), the photo (the funnel today and at any
//! date), the film (conversions between two dates, per advisor or campaign) and the weighted
//! pipeline — drawn and in tables, each table exportable to CSV. An advisor sees their own
//! portfolio; the manager the agency, or one advisor.

use leptos::prelude::*;
use shared::dashboard::{Conversion, Film, Kpis, Photo, Step};
use shared::offer::{month_label, Pipeline};
use shared::targets::{Measure, WeekLine};
use shared::values::Euros;

use crate::client;
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
    Effect::new(move |_| crate::components::watch_manager(manager));
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
            q.push(format!("owner_id={}", client::encode(&owner.get())));
        }
        if !from.get().is_empty() {
            q.push(format!("from={}", client::encode(&from.get())));
        }
        if !to.get().is_empty() {
            q.push(format!("to={}", client::encode(&to.get())));
        }
        q.join("&")
    };
    let pipeline = LocalResource::new(move || {
        let q = query();
        async move { client::get::<Pipeline>(&endpoints::pipeline(&q)).await }
    });
    let owner_q = move || {
        let o = owner.get();
        if o.is_empty() {
            String::new()
        } else {
            format!("owner_id={}", client::encode(&o))
        }
    };
    view! {
        <Page title="Pilotage">
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
            <KpiSection owner_q/>
            <TargetSection owner_q/>
            <PhotoSection owner_q/>
            <FilmSection owner_q/>
            <h2>"Pipeline pondéré"</h2>
            <p class="muted small">"Offres en cours : montant × pronostic, par mois de signature prévu ; et ce qui est signé."</p>
            <div class="two">
                <div class="field"><label for="pl-from">"Du mois"</label><input id="pl-from" type="month" bind:value=from/></div>
                <div class="field"><label for="pl-to">"Au mois"</label><input id="pl-to" type="month" bind:value=to/></div>
            </div>
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

fn offline_or(f: client::ApiFailure) -> AnyView {
    if f.status == 0 {
        view! { <p class="notice">"Le pilotage s'affiche avec le réseau."</p> }.into_any()
    } else {
        view! { <p class="error" role="alert">{f.message()}</p> }.into_any()
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}&{b}"),
    }
}

/// The KPIs of the last 90 days against the agency's targets.
#[component]
fn KpiSection(owner_q: impl Fn() -> String + Copy + Send + Sync + 'static) -> impl IntoView {
    let data = LocalResource::new(move || {
        let q = owner_q();
        async move { client::get::<Kpis>(&endpoints::statistics("kpis", &q)).await }
    });
    view! {
        <h2>"Indicateurs (90 derniers jours)"</h2>
        <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(k) => view! {
                        <ul class="kpis" aria-label="Indicateurs">
                            {k.kpis.into_iter().map(|i| {
                                let class = match i.met { Some(true) => "kpi-card good", Some(false) => "kpi-card late", None => "kpi-card" };
                                let value = i.value.map(|v| format!("{}{}{}", if i.code == "nps" && v > 0.0 { "+" } else { "" }, trim(v), if i.unit.is_empty() { String::new() } else { format!(" {}", i.unit) })).unwrap_or_else(|| "—".into());
                                let target = format!("cible {} {}{}", if i.code == "response" { "≤" } else { "≥" }, trim(i.target), if i.unit.is_empty() { String::new() } else { format!(" {}", i.unit) });
                                view! {
                                    <li class=class>
                                        <span class="kpi-label">{i.label}</span>
                                        <strong class="kpi-value">{value}</strong>
                                        <span class="muted small">{target}</span>
                                        <span class="muted small">{i.basis}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <p><a href=format!("/api/v1{}", endpoints::statistics("kpis.csv", &owner_q())) download="indicateurs.csv">"Exporter en CSV"</a></p>
                    }.into_any(),
                    Err(f) => offline_or(f),
                }
            })}
        </Suspense>
    }
}

fn trim(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}").replace('.', ",")
    }
}

/// This week against the weekly targets (every advisor for the manager) and the last 12 weeks.
#[component]
fn TargetSection(owner_q: impl Fn() -> String + Copy + Send + Sync + 'static) -> impl IntoView {
    let data = LocalResource::new(move || {
        let q = join(&owner_q(), "weeks=12");
        async move { client::get::<Vec<WeekLine>>(&endpoints::targets(&q)).await }
    });
    let measure = RwSignal::new(Measure::MeetingsHeld);
    view! {
        <h2>"Objectifs de la semaine"</h2>
        <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(lines) => {
                        let this_week = lines.iter().map(|l| l.week).max();
                        let current: Vec<WeekLine> = lines.iter().filter(|l| Some(l.week) == this_week).cloned().collect();
                        let lines = StoredValue::new(lines);
                        view! {
                            <div class="table-scroll" tabindex="0" role="region" aria-label="Objectifs de la semaine"><table class="stats">
                                <thead><tr><th>"Conseiller"</th>{Measure::ALL.iter().map(|m| view! { <th>{m.label()}</th> }).collect_view()}</tr></thead>
                                <tbody>{current.into_iter().map(|l| view! {
                                    <tr><td>{l.user_name.clone()}</td>
                                        {Measure::ALL.iter().map(|m| {
                                            let (a, t) = (l.actual.get(*m), l.target.get(*m));
                                            let class = if t > 0 && a >= t { "good" } else { "" };
                                            view! { <td class=class>{format!("{a}/{t}")}</td> }
                                        }).collect_view()}
                                    </tr>
                                }).collect_view()}</tbody>
                            </table></div>
                            <div class="field">
                                <label for="t-measure">"Sur 12 semaines"</label>
                                <select id="t-measure" on:change=move |ev| {
                                    let v = event_target_value(&ev);
                                    if let Some(m) = Measure::ALL.into_iter().find(|m| m.as_str() == v) { measure.set(m) }
                                }>
                                    {Measure::ALL.into_iter().map(|m| view! { <option value=m.as_str() selected=m == Measure::MeetingsHeld>{m.label()}</option> }).collect_view()}
                                </select>
                            </div>
                            {move || {
                                let m = measure.get();
                                let all = lines.get_value();
                                let mut weeks: Vec<chrono::NaiveDate> = all.iter().map(|l| l.week).collect();
                                weeks.sort();
                                weeks.dedup();
                                let groups: Vec<Group> = weeks.iter().map(|w| Group {
                                    label: format!("{:02}/{:02}", chrono::Datelike::day(w), chrono::Datelike::month(w)),
                                    values: vec![all.iter().filter(|l| l.week == *w).map(|l| i64::from(l.actual.get(m))).sum()],
                                }).collect();
                                let target: i64 = all.iter().filter(|l| Some(l.week) == weeks.last().copied()).map(|l| i64::from(l.target.get(m))).sum();
                                view! {
                                    <BarChart title=format!("{} par semaine, objectif en pointillés", m.label()) groups
                                        series=vec![Series { class: "bar-weighted", name: m.label() }] format=|v| v.to_string() target=target/>
                                }
                            }}
                        }.into_any()
                    }
                    Err(f) => offline_or(f),
                }
            })}
        </Suspense>
    }
}

/// The funnel today, and the photo at any date: records per stage and size class.
#[component]
fn PhotoSection(owner_q: impl Fn() -> String + Copy + Send + Sync + 'static) -> impl IntoView {
    let on = RwSignal::new(String::new());
    let data = LocalResource::new(move || {
        let day = on.get();
        let q = if day.is_empty() {
            owner_q()
        } else {
            join(&owner_q(), &format!("on={}", client::encode(&day)))
        };
        async move { client::get::<Photo>(&endpoints::statistics("photo", &q)).await }
    });
    view! {
        <h2>"Photo du portefeuille"</h2>
        <div class="field"><label for="ph-on">"À la date du (aujourd'hui si vide)"</label><input id="ph-on" type="date" bind:value=on/></div>
        <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(p) => {
                        let groups: Vec<Group> = Step::ALL.iter().map(|s| Group { label: s.label().to_string(), values: vec![p.at_step(*s)] }).collect();
                        let sizes = shared::scoring::SizeClass::ALL;
                        view! {
                            <BarChart title="Entonnoir : dossiers par étape".to_string() groups
                                series=vec![Series { class: "bar-weighted", name: "Dossiers" }] format=|v| v.to_string()/>
                            <div class="table-scroll" tabindex="0" role="region" aria-label="Photo par étape et taille"><table class="stats">
                                <thead><tr><th>"Étape"</th>{sizes.iter().map(|z| view! { <th>{z.label()}</th> }).collect_view()}<th>"Potentiel"</th></tr></thead>
                                <tbody>{shared::stage::Stage::ALL.iter().map(|st| {
                                    let row: Vec<_> = p.cells.iter().filter(|c| c.stage == *st).cloned().collect();
                                    let potential: i64 = row.iter().map(|c| c.potential_cents).sum();
                                    view! { <tr><td>{st.label()}</td>
                                        {sizes.iter().map(|z| view! { <td>{row.iter().find(|c| c.size_class == *z).map(|c| c.count).unwrap_or(0)}</td> }).collect_view()}
                                        <td>{short_euros(potential)}</td></tr> }
                                }).collect_view()}</tbody>
                            </table></div>
                            <p><a href=format!("/api/v1{}", endpoints::statistics("photo.csv", &owner_q())) download="photo.csv">"Exporter en CSV"</a></p>
                        }.into_any()
                    }
                    Err(f) => offline_or(f),
                }
            })}
        </Suspense>
    }
}

fn rate(c: Conversion) -> String {
    match c.rate() {
        Some(r) => format!("{r} % ({}/{})", c.converted, c.cohort),
        None => "—".into(),
    }
}

/// The film: conversions between two dates, per advisor and per campaign (two tables, each
/// its own reading, so that nothing on screen depends on a choice made before it loaded).
#[component]
fn FilmSection(owner_q: impl Fn() -> String + Copy + Send + Sync + 'static) -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    Effect::new(move |_| {
        if from.get_untracked().is_empty() {
            from.set((today() - chrono::Duration::days(90)).to_string());
            to.set(today().to_string());
        }
    });
    let period = move || {
        let mut q = Vec::new();
        if !from.get().is_empty() {
            q.push(format!("from={}", client::encode(&from.get())));
        }
        if !to.get().is_empty() {
            q.push(format!("to={}", client::encode(&to.get())));
        }
        join(&owner_q(), &q.join("&"))
    };
    view! {
        <h2>"Film : transformation entre deux dates"</h2>
        <div class="two">
            <div class="field"><label for="f-from">"Du"</label><input id="f-from" type="date" bind:value=from/></div>
            <div class="field"><label for="f-to">"Au"</label><input id="f-to" type="date" bind:value=to/></div>
        </div>
        <FilmTable period by="advisor" title="Taux de transformation par conseiller" first="Conseiller"/>
        <FilmTable period by="campaign" title="Taux de transformation par campagne" first="Campagne"/>
    }
}

#[component]
fn FilmTable(
    period: impl Fn() -> String + Copy + Send + Sync + 'static,
    by: &'static str,
    title: &'static str,
    first: &'static str,
) -> impl IntoView {
    let query = move || join(&period(), &format!("by={by}"));
    let data = LocalResource::new(move || {
        let q = query();
        async move { client::get::<Film>(&endpoints::statistics("film", &q)).await }
    });
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(f) => {
                        let csv = format!("/api/v1{}", endpoints::statistics("film.csv", &query()));
                        view! {
                            <h3>{title}</h3>
                            <div class="table-scroll" tabindex="0" role="region" aria-label=title><table class="stats">
                                <thead><tr><th>{first}</th><th>"Identifiés → contactés"</th><th>"Contactés → engagés"</th><th>"Engagés → clients"</th></tr></thead>
                                <tbody>{f.lines.iter().enumerate().map(|(i, l)| view! {
                                    <tr><td>{match (i, l.group.is_empty()) {
                                        (0, _) => "Ensemble".to_string(),
                                        (_, true) => "Sans campagne".to_string(),
                                        _ => l.group.clone(),
                                    }}</td>
                                        <td>{rate(l.identified_to_contacted)}</td><td>{rate(l.contacted_to_engaged)}</td><td>{rate(l.engaged_to_client)}</td></tr>
                                }).collect_view()}</tbody>
                            </table></div>
                            {(by == "advisor").then(|| view! {
                                <p class="muted small">{format!("Clients : {} au début, {} à la fin · engagés : {} → {}",
                                    f.start.at_step(Step::Client), f.end.at_step(Step::Client), f.start.at_step(Step::Engaged), f.end.at_step(Step::Engaged))}</p>
                            })}
                            <p><a href=csv download="film.csv">"Exporter en CSV"</a></p>
                        }.into_any()
                    }
                    Err(f) => offline_or(f),
                }
            })}
        </Suspense>
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
