//! Today (*aujourd'hui*), the home screen: the day's meetings in order, the reports still to
//! write, the tasks due, and the clients most overdue by their segment's cadence.

use leptos::prelude::*;
use shared::api::Today;
use shared::visit::{MeetingStatus, Task, TaskSource};

use crate::client;
use crate::components::layout::Page;
use crate::components::lists::{MeetingRow, TaskList};
use crate::components::{date_fr, day_fr, time_fr, SegmentBadge};
use crate::endpoints;
use crate::replica;
use crate::storage;

/// The last Today the server sent, for the parts the phone cannot work out alone.
const TODAY_KEY: &str = "tournee.cache.today";

/// Today fits two screens of a phone: this many tasks, then a link to the full list.
const TASKS_SHOWN: usize = 2;
/// The most overdue clients shown; the rest are one line with a link.
const OVERDUE_SHOWN: usize = 3;

#[component]
pub fn TodayPage() -> impl IntoView {
    let (version, set_version) = signal(0u32);
    let today = LocalResource::new(move || {
        version.track();
        async move {
            let online = client::get::<Today>(endpoints::TODAY).await;
            if let Ok(t) = &online {
                storage::save(TODAY_KEY, t);
            }
            replica::or_local_later(online, || replica::today(storage::load(TODAY_KEY))).await
        }
    });
    let refresh = move || set_version.update(|v| *v += 1);
    view! {
        <Page title="Aujourd'hui">
            <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match today.await {
                        Ok(t) => view! { <TodayView t=t on_changed=refresh/> }.into_any(),
                        Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}

/// This week against the weekly targets, in one line (the detail is on the steering screen).
#[component]
fn MyWeek() -> impl IntoView {
    use shared::targets::{Measure, WeekLine};
    let week = LocalResource::new(move || async move {
        if crate::components::is_manager_now().await {
            return None;
        }
        client::get::<Vec<WeekLine>>(&endpoints::targets(""))
            .await
            .ok()
            .and_then(|l| l.into_iter().next())
    });
    move || {
        week.get().flatten().map(|l| {
            let shown = [
                Measure::MeetingsBooked,
                Measure::MeetingsHeld,
                Measure::Sales,
                Measure::Calls,
            ];
            view! {
                <a class="week-line" href="/steering">
                    <span class="muted small">"Ma semaine : "</span>
                    {shown.iter().map(|m| {
                        let (a, t) = (l.actual.get(*m), l.target.get(*m));
                        let met = t > 0 && a >= t;
                        view! { <span class:met=met>{format!("{} {a}/{t}", m.label())}</span> }
                    }).collect_view()}
                </a>
            }
        })
    }
}

/// The manager's view of the agency's day: every advisor's meetings today, counted per
/// advisor (the list is one tap away, in the agenda).
#[component]
fn TeamDay() -> impl IntoView {
    let team = LocalResource::new(move || async move {
        if !crate::components::is_manager_now().await {
            return None;
        }
        let day = crate::components::today();
        client::get::<Vec<shared::visit::Meeting>>(&endpoints::meetings_of(day, day, "team"))
            .await
            .ok()
    });
    move || {
        team.get().flatten().map(|meetings| {
            let mut per: Vec<(String, usize, usize)> = Vec::new();
            for m in meetings.iter().filter(|m| m.status != MeetingStatus::Cancelled) {
                let held = usize::from(m.status == MeetingStatus::Held);
                match per.iter_mut().find(|(n, _, _)| *n == m.owner_name) {
                    Some(p) => {
                        p.1 += 1;
                        p.2 += held;
                    }
                    None => per.push((m.owner_name.clone(), 1, held)),
                }
            }
            per.sort();
            view! {
                <h2>"L'agence aujourd'hui"</h2>
                {if per.is_empty() {
                    view! { <p class="muted">"Aucun rendez-vous dans l'agence aujourd'hui."</p> }.into_any()
                } else {
                    view! {
                        <ul class="list" aria-label="L'agence aujourd'hui">
                            {per.into_iter().map(|(name, n, held)| view! {
                                <li class="card compact">
                                    <span class="name">{name}</span>" "
                                    <span class="muted small">{format!("{n} rendez-vous, {held} tenu(s)")}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                        <a href="/agenda" class="muted">"Voir les rendez-vous de l'agence"</a>
                    }.into_any()
                }}
            }
        })
    }
}

#[component]
fn TodayView(t: Today, on_changed: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let next = t.meetings.iter().position(|m| m.status == MeetingStatus::Planned);
    // The cadence's follow-ups are the overdue clients below: listed once, there.
    let (cadence, mut tasks): (Vec<Task>, Vec<Task>) =
        t.tasks.into_iter().partition(|t| t.source == TaskSource::Cadence);
    let more_tasks = tasks.len().saturating_sub(TASKS_SHOWN);
    tasks.truncate(TASKS_SHOWN);
    let mut overdue = t.overdue;
    // Everyone due by the cadence: the clients in the overdue list and the cadence tasks.
    let to_see = overdue.len().max(cadence.len());
    overdue.truncate(OVERDUE_SHOWN);
    view! {
        <div class="actions today-actions">
            <a class="primary button" href="/plan">"Planifier ma journée"</a>
            <a class="secondary button" href="/nearby">"Autour de moi"</a>
            <a class="secondary button" href="/phoning">"Séance de phoning"</a>
        </div>
        <TeamDay/>
        <MyWeek/>
        <h2>"Rendez-vous du jour "<span class="muted small">{day_fr(t.date)}</span></h2>
        {if t.meetings.is_empty() {
            view! { <p class="muted">"Aucun rendez-vous aujourd'hui. "<a href="/agenda">"Voir l'agenda"</a></p> }.into_any()
        } else {
            view! {
                <ol class="list" aria-label="Rendez-vous du jour">
                    {t.meetings.into_iter().enumerate().map(|(i, m)| view! { <MeetingRow m=m next=Some(i) == next/> }).collect_view()}
                </ol>
            }.into_any()
        }}
        {(!t.reports_missing.is_empty()).then(|| view! {
            <h2>"Comptes rendus à saisir"</h2>
            <ul class="list">
                {t.reports_missing.into_iter().map(|m| view! {
                    <li class="card">
                        <a class="contact-row" href=format!("/meetings/{}/report", m.id)>
                            <span class="name">{m.contact_name.clone()}</span>
                            <span class="muted small">{format!("RDV du {} à {}", date_fr(m.local_start.date()), time_fr(m.local_start))}</span>
                        </a>
                    </li>
                }).collect_view()}
            </ul>
        })}
        <h2>"Tâches"</h2>
        <TaskList tasks=tasks on_changed=on_changed/>
        {(more_tasks > 0).then(|| view! {
            <a href="/tasks" class="muted">{format!("{more_tasks} autre(s) tâche(s) à faire")}</a>
        })}
        <h2>"Clients en retard"</h2>
        {if overdue.is_empty() {
            view! { <p class="muted">"Personne n'est en retard sur sa cadence."</p> }.into_any()
        } else {
            view! {
                <ul class="list" aria-label="Clients en retard">
                    {overdue.into_iter().map(|d| {
                        let what = match d.kind {
                            shared::api::DueKind::Call => "Appel",
                            _ => "RDV",
                        };
                        view! {
                            <li class="card compact">
                                <a class="contact-row" href=format!("/contacts/{}", d.contact.id)>
                                    <span class="name">{d.contact.display_name.clone()}" "<span class="muted small">{d.contact.city.clone()}</span></span>
                                    <span class="badges">
                                        <SegmentBadge segment=d.contact.segment/>
                                        <span class="badge late">{format!("{what} en retard de {} j", d.days_late)}</span>
                                    </span>
                                </a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <a href="/contacts?due=any" class="muted">{if to_see > OVERDUE_SHOWN {
                    format!("{to_see} clients à revoir selon la cadence : voir la liste")
                } else {
                    "Toute la liste".to_string()
                }}</a>
            }.into_any()
        }}
    }
}
