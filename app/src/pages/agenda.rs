//! The advisor's agenda for a day or a week, with the day's `.ics` export.

use chrono::{Datelike, Duration, NaiveDate};
use leptos::prelude::*;
use shared::visit::Meeting;

use crate::api;
use crate::components::layout::Page;
use crate::components::lists::MeetingRow;
use crate::components::{day_fr, today};
use crate::endpoints;

/// The Monday of `d`'s week.
fn monday(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().num_days_from_monday() as i64)
}

#[component]
pub fn AgendaPage() -> impl IntoView {
    let week = RwSignal::new(false);
    let day = RwSignal::new(None::<NaiveDate>);
    // The phone's today, once in the browser (the server renders without it).
    Effect::new(move |_| {
        if day.get_untracked().is_none() {
            day.set(Some(today()));
        }
    });
    let range = move || {
        let d = day.get()?;
        Some(if week.get() {
            (monday(d), monday(d) + Duration::days(6))
        } else {
            (d, d)
        })
    };
    let meetings = LocalResource::new(move || {
        let r = range();
        async move {
            match r {
                Some((from, to)) => {
                    let online = api::get::<Vec<Meeting>>(&endpoints::meetings_between(from, to)).await;
                    let local = || {
                        let days = |m: &Meeting| m.local_start.date() >= from && m.local_start.date() <= to;
                        Some(crate::replica::meetings().into_iter().filter(days).collect())
                    };
                    crate::replica::or_local(online, local).await.map(|m| (from, to, m))
                }
                None => Err(api::ApiFailure::offline()),
            }
        }
    });
    let step =
        move |n: i64| day.update(|d| *d = d.map(|d| d + Duration::days(if week.get_untracked() { 7 * n } else { n })));
    view! {
        <Page title="Agenda">
            <a class="secondary wide button" href="/week">"Planifier ma semaine"</a>
            <div class="segmented">
                <button class:on=move || !week.get() on:click=move |_| week.set(false)>"Jour"</button>
                <button class:on=move || week.get() on:click=move |_| week.set(true)>"Semaine"</button>
            </div>
            <div class="row-between pager">
                <button class="secondary" aria-label="Précédent" on:click=move |_| step(-1)>"‹"</button>
                <strong>{move || range().map(|(f, t)| if f == t { day_fr(f) } else { format!("{} – {}", day_fr(f), day_fr(t)) }).unwrap_or_default()}</strong>
                <button class="secondary" aria-label="Suivant" on:click=move |_| step(1)>"›"</button>
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match meetings.await {
                        Ok((from, to, list)) => {
                            let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
                            view! {
                                {days.into_iter().map(|d| {
                                    let of_day: Vec<Meeting> = list.iter().filter(|m| m.local_start.date() == d).cloned().collect();
                                    let several = from != to;
                                    view! {
                                        {several.then(|| view! { <h2>{day_fr(d)}</h2> })}
                                        {if of_day.is_empty() {
                                            view! { <p class="muted small">"Aucun rendez-vous."</p> }.into_any()
                                        } else {
                                            view! { <ol class="list" aria-label=format!("Rendez-vous du {}", day_fr(d))>{of_day.into_iter().map(|m| view! { <MeetingRow m=m/> }).collect_view()}</ol> }.into_any()
                                        }}
                                    }
                                }).collect_view()}
                                <a class="secondary wide button" href=format!("/api/v1/meetings.ics?from={from}&to={to}") download="tournee.ics">"Exporter vers mon agenda (.ics)"</a>
                            }.into_any()
                        }
                        Err(f) if f.status == 0 => view! { <p class="muted">"Chargement…"</p> }.into_any(),
                        Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}
