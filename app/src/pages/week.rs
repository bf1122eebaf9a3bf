//! "Ma semaine": the coming working days planned on the server, due clients spread around
//! each day's meetings with the least driving over the week, the most overdue first when not
//! all fit (`shared::plan::week`).

use leptos::prelude::*;
use shared::plan::itinerary::hhmm;
use shared::plan::week::WeekPlan;

use crate::client;
use crate::components::day_fr;
use crate::components::layout::Page;
use crate::endpoints;

#[component]
pub fn WeekPage() -> impl IntoView {
    let week = LocalResource::new(|| client::get::<WeekPlan>(endpoints::PLAN_WEEK));
    view! {
        <Page title="Ma semaine">
            <Suspense fallback=|| view! { <p class="muted">"Calcul de la semaine…"</p> }>
                {move || Suspend::new(async move {
                    match week.await {
                        Ok(w) => view! {
                            {w.days.into_iter().map(|d| view! {
                                <h2>{day_fr(d.date)}</h2>
                                <p class="muted small">{format!("{} · {} de route · retour {}{}", if d.areas.is_empty() { "rendez-vous seulement".to_string() } else { d.areas.join(", ") }, hhmm(d.travel), hhmm(d.end), if d.feasible { "" } else { " · rendez-vous fixes incompatibles" })}</p>
                                <ol class="list" aria-label=format!("Journée du {}", day_fr(d.date))>
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
                            }).collect_view()}
                            {(!w.unplanned.is_empty()).then(|| view! { <p class="muted">{format!("{} client(s) en retard sans place cette semaine.", w.unplanned.len())}</p> })}
                        }.into_any(),
                        Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}
