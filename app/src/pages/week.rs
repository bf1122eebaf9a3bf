//! "Ma semaine": the coming working days planned on the server, due clients spread around
//! each day's meetings with the least driving over the week, the most overdue first when not
//! all fit (`shared::plan::week`). A manager opens on the team's week (*planning de l'équipe*):
//! the agency's due clients spread over every advisor's days at once, one part per advisor.

use leptos::prelude::*;
use shared::plan::itinerary::hhmm;
use shared::plan::week::team::TeamPlan;
use shared::plan::week::{WeekDay, WeekPlan};

use crate::client::{self, ApiFailure};
use crate::components::day_fr;
use crate::components::layout::Page;
use crate::endpoints;

/// What the page shows: the signed-in user's week, or the team's.
#[derive(Clone)]
enum Shown {
    Mine(WeekPlan),
    Team(TeamPlan),
}

#[component]
pub fn WeekPage() -> impl IntoView {
    let manager = RwSignal::new(false);
    // After hydration: the server rendered the page without knowing who is signed in.
    Effect::new(move |_| crate::components::watch_manager(manager));
    let people = crate::components::agency_people(manager);
    // A manager's choice: their own week rather than the team's.
    let mine = RwSignal::new(false);
    let week = LocalResource::new(move || {
        let mine = mine.get();
        async move {
            if !mine && crate::components::is_manager_now().await {
                client::get::<TeamPlan>(endpoints::PLAN_TEAM).await.map(Shown::Team)
            } else {
                client::get::<WeekPlan>(endpoints::PLAN_WEEK).await.map(Shown::Mine)
            }
        }
    });
    let name_of = move |id: uuid::Uuid| {
        people
            .get()
            .unwrap_or_default()
            .into_iter()
            .find(|u| u.id == id)
            .map_or_else(|| "Conseiller".to_string(), |u| u.display_name)
    };
    let title = Signal::derive(move || {
        if manager.get() && !mine.get() {
            "Semaine de l'équipe"
        } else {
            "Ma semaine"
        }
        .to_string()
    });
    view! {
        <Page title=title>
            {move || manager.get().then(|| view! {
                <div class="segmented" role="group" aria-label="Semaine de">
                    <button class:on=move || !mine.get() aria-pressed=move || (!mine.get()).to_string() on:click=move |_| mine.set(false)>"L'équipe"</button>
                    <button class:on=move || mine.get() aria-pressed=move || mine.get().to_string() on:click=move |_| mine.set(true)>"Moi"</button>
                </div>
            })}
            <Suspense fallback=|| view! { <p class="muted">"Calcul de la semaine…"</p> }>
                {move || Suspend::new(async move {
                    match week.await {
                        Ok(Shown::Mine(w)) => view! {
                            {days(w.days, false)}
                            {unplanned(w.unplanned.len())}
                        }.into_any(),
                        Ok(Shown::Team(t)) => view! {
                            <p class="muted small">"Proposition : les clients en retard de l'agence répartis sur les journées de chaque conseiller, autour de ses rendez-vous, avec le moins de route."</p>
                            {t.advisors.into_iter().map(|a| {
                                let visits: usize = a.days.iter().map(|d| d.stops.iter().filter(|s| !s.fixed).count()).sum();
                                let meetings: usize = a.days.iter().map(|d| d.stops.iter().filter(|s| s.fixed).count()).sum();
                                let travel: i64 = a.days.iter().map(|d| d.travel).sum();
                                let name = name_of(a.advisor);
                                view! {
                                    <details class="part advisor-week">
                                        <summary>{name}</summary>
                                        <p class="muted small">{format!("{visits} visite(s) proposée(s) · {meetings} rendez-vous · {} de route", hhmm(travel))}</p>
                                        {days(a.days, true)}
                                    </details>
                                }
                            }).collect_view()}
                            {unplanned(t.unplanned.len())}
                        }.into_any(),
                        Err(f) => view! { <p class="error" role="alert">{say(&f)}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}

/// The week needs the server (it plans over every day's meetings at once).
fn say(f: &ApiFailure) -> String {
    if f.status == 0 {
        "Hors ligne : la semaine se calcule sur le serveur. Réessayez avec du réseau ; « Ma journée » se planifie aussi sur le téléphone.".into()
    } else {
        f.message()
    }
}

fn unplanned(count: usize) -> Option<impl IntoView> {
    (count > 0)
        .then(|| view! { <p class="muted">{format!("{count} client(s) en retard sans place cette semaine.")}</p> })
}

/// Each day with its stops in order; `nested` days (inside an advisor's part) get a lower
/// heading.
fn days(days: Vec<WeekDay>, nested: bool) -> impl IntoView {
    days.into_iter()
        .map(|d| {
            let title = day_fr(d.date);
            let heading = if nested {
                view! { <h3>{title.clone()}</h3> }.into_any()
            } else {
                view! { <h2>{title.clone()}</h2> }.into_any()
            };
            if d.stops.is_empty() {
                return view! { {heading} <p class="muted small">"Rien de prévu : ni rendez-vous, ni client en retard à proposer."</p> }.into_any();
            }
            view! {
                {heading}
                <p class="muted small">{format!("{} · {} de route · retour {}{}", if d.areas.is_empty() { "rendez-vous seulement".to_string() } else { d.areas.join(", ") }, hhmm(d.travel), hhmm(d.end), if d.feasible { "" } else { " · rendez-vous fixes incompatibles" })}</p>
                <ol class="list" aria-label=format!("Journée du {title}")>
                    {d.stops.into_iter().map(|s| view! {
                        <li class=if s.fixed { "card stop fixed" } else { "card stop" }>
                            <span class="time">{hhmm(s.start)}</span>
                            {match s.contact_id {
                                Some(id) => view! { <a class="name" href=format!("/contacts/{id}")>{s.label.clone()}</a> }.into_any(),
                                None => view! { <span class="name">{s.label.clone()}</span> }.into_any(),
                            }}
                            {s.fixed.then_some(view! { <span class="muted small">"RDV fixe"</span> })}
                        </li>
                    }).collect_view()}
                </ol>
            }
            .into_any()
        })
        .collect_view()
}
