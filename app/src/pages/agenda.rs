//! The advisor's agenda for a day or a week, with the day's `.ics` export.

use chrono::{Datelike, Duration, NaiveDate};
use leptos::prelude::*;
use shared::visit::Meeting;

use crate::client;
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
    // Whose agenda: "" mine, "team" the agency's, or an advisor's id (managers choose).
    let who = RwSignal::new(String::new());
    let manager = RwSignal::new(false);
    // The phone's today, once in the browser (the server renders without it); a manager
    // starts on the agency's day.
    Effect::new(move |_| {
        if day.get_untracked().is_none() {
            crate::components::with_me(move |m| {
                if m.role == shared::api::Role::Manager && !manager.get_untracked() {
                    manager.set(true);
                    who.set("team".into());
                }
            });
            day.set(Some(today()));
        }
    });
    let people = crate::components::agency_people(manager);
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
        let whose = who.get();
        async move {
            match r {
                Some((from, to)) => {
                    let online = client::get::<Vec<Meeting>>(&endpoints::meetings_of(from, to, &whose)).await;
                    let me = crate::components::me().map(|m| m.user_id);
                    let local = || {
                        let days = |m: &Meeting| m.local_start.date() >= from && m.local_start.date() <= to;
                        let whose_ok = |m: &Meeting| match whose.as_str() {
                            "team" => true,
                            "" => Some(m.owner_id) == me,
                            id => m.owner_id.to_string() == id,
                        };
                        Some(
                            crate::replica::meetings()
                                .into_iter()
                                .filter(days)
                                .filter(whose_ok)
                                .collect(),
                        )
                    };
                    crate::replica::or_local(online, local).await.map(|m| (from, to, m))
                }
                None => Err(client::ApiFailure::offline()),
            }
        }
    });
    let step =
        move |n: i64| day.update(|d| *d = d.map(|d| d + Duration::days(if week.get_untracked() { 7 * n } else { n })));
    view! {
        <Page title="Agenda">
            <a class="secondary wide button" href="/week">"Planifier ma semaine"</a>
            {move || manager.get().then(|| view! {
                <div class="field">
                    <label for="agenda-who">"Agenda de"</label>
                    <select id="agenda-who" on:change=move |ev| who.set(event_target_value(&ev)) prop:value=move || who.get()>
                        <option value="team">"Toute l'agence"</option>
                        <option value="">"Moi"</option>
                        {move || people.get().unwrap_or_default().into_iter().map(|u| view! {
                            <option value=u.id.to_string()>{u.display_name}</option>
                        }).collect_view()}
                    </select>
                </div>
            })}
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
                                            let owner = who.get_untracked() == "team";
                                            view! { <ol class="list" aria-label=format!("Rendez-vous du {}", day_fr(d))>{of_day.into_iter().map(|m| view! { <MeetingRow m=m owner=owner/> }).collect_view()}</ol> }.into_any()
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
