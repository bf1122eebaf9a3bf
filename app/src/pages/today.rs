//! Today (*aujourd'hui*), the home screen: the day's meetings in order, the reports still to
//! write, the tasks due, and the clients most overdue by their segment's cadence.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::visit::{Meeting, MeetingStatus, Task, Today};

use crate::api::{self, Method};
use crate::components::layout::Page;
use crate::components::{date_fr, time_fr, SegmentBadge};
use crate::replica::{self, Saved};
use crate::storage;

/// The last Today the server sent, for the parts the phone cannot work out alone.
const TODAY_KEY: &str = "tournee.cache.today";

#[component]
pub fn TodayPage() -> impl IntoView {
    let (version, set_version) = signal(0u32);
    let today = LocalResource::new(move || {
        version.track();
        async move {
            let online = api::get::<Today>("/today").await;
            if let Ok(t) = &online {
                storage::save(TODAY_KEY, t);
            }
            replica::or_local(online, || Some(replica::today(storage::load(TODAY_KEY)))).await
        }
    });
    let refresh = move || set_version.update(|v| *v += 1);
    view! {
        <Page title="Aujourd'hui">
            <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match today.await {
                        Ok(t) => view! { <TodayView t=t on_changed=refresh/> }.into_any(),
                        Err(f) => view! { <p class="error">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}

#[component]
fn TodayView(t: Today, on_changed: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let next = t.meetings.iter().position(|m| m.status == MeetingStatus::Planned);
    view! {
        <p class="muted">{date_fr(t.date)}</p>
        <a class="primary wide button" href="/plan">"Planifier ma journée"</a>
        <a class="secondary wide button" href="/nearby">"Autour de moi"</a>
        <h2>"Rendez-vous du jour"</h2>
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
        <TaskList tasks=t.tasks on_changed=on_changed/>
        <h2>"Clients en retard"</h2>
        {if t.overdue.is_empty() {
            view! { <p class="muted">"Personne n'est en retard sur sa cadence."</p> }.into_any()
        } else {
            view! {
                <ul class="list" aria-label="Clients en retard">
                    {t.overdue.into_iter().map(|d| {
                        let what = match d.kind {
                            shared::api::DueKind::Call => "Appel",
                            _ => "RDV",
                        };
                        view! {
                            <li class="card">
                                <a class="contact-row" href=format!("/contacts/{}", d.contact.id)>
                                    <span class="name">{d.contact.display_name.clone()}</span>
                                    <span class="badges">
                                        <SegmentBadge segment=d.contact.segment/>
                                        <span class="badge late">{format!("{what} en retard de {} j", d.days_late)}</span>
                                    </span>
                                    <span class="muted small">{d.contact.city.clone()}</span>
                                </a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <a href="/contacts" class="muted">"Toute la liste"</a>
            }.into_any()
        }}
    }
}

/// One meeting of a list: time, who, where, status.
#[component]
pub fn MeetingRow(m: Meeting, #[prop(optional)] next: bool) -> impl IntoView {
    let status = (m.status != MeetingStatus::Planned).then(|| m.status.label());
    let class = if next { "card meeting next" } else { "card meeting" };
    view! {
        <li class=class>
            <a class="contact-row" href=format!("/meetings/{}", m.id)>
                <span class="time">{time_fr(m.local_start)}" · "{format!("{} min", m.duration_min)}</span>
                <span class="name">{m.contact_name.clone()}</span>
                <span class="muted small">{m.place.label()}{(!m.address.is_empty()).then(|| format!(" — {}", m.address))}</span>
                {(!m.subject.is_empty()).then(|| view! { <span class="small">{m.subject.clone()}</span> })}
                {status.map(|s| view! { <span class="badges"><span class="badge">{s}</span>{m.has_report.then(|| view! { <span class="badge">"CR saisi"</span> })}</span> })}
            </a>
        </li>
    }
}

/// Tasks with a one-tap "done" toggle.
#[component]
pub fn TaskList(tasks: Vec<Task>, on_changed: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    if tasks.is_empty() {
        return view! { <p class="muted">"Rien à faire pour l'instant."</p> }.into_any();
    }
    let today = crate::components::today();
    view! {
        <ul class="list" aria-label="Tâches">
            {tasks.into_iter().map(|t| {
                let (error, set_error) = signal(None::<String>);
                let (done_now, set_done_now) = signal(t.done_at.is_some());
                let id = t.id;
                let toggle = move |_| {
                    let done = !done_now.get_untracked();
                    spawn_local(async move {
                        let mutation = shared::sync::Mutation::SetTaskDone { id, done };
                        let saved = replica::write(mutation, || async move {
                            api::json::<Task>(Method::Post, &format!("/tasks/{id}/done"), Some(&shared::visit::TaskDone { done })).await
                        })
                        .await;
                        match saved {
                            Ok(Saved::Sent(_)) => on_changed(),
                            Ok(Saved::Queued) => {
                                // Shown as done at once; the list catches up after the sync.
                                set_done_now.set(done);
                                set_error.set(Some("En attente d'envoi.".into()));
                            }
                            Err(f) => set_error.set(Some(f.message())),
                        }
                    });
                };
                let done = t.done_at.is_some();
                let late = !done && t.due_on < today;
                view! {
                    <li class="card task">
                        <button class="check" aria-pressed=move || done_now.get().to_string() aria-label=format!("Fait : {}", t.title) on:click=toggle>
                            {move || if done_now.get() { "✓" } else { "" }}
                        </button>
                        <div>
                            <span class=if done { "name done" } else { "name" }>{t.title.clone()}</span>
                            <span class="badges">
                                <span class=if late { "badge late" } else { "badge" }>{date_fr(t.due_on)}</span>
                                {(t.priority == shared::visit::Priority::High).then(|| view! { <span class="badge late">"Prioritaire"</span> })}
                                {t.contact_id.zip(t.contact_name.clone()).map(|(cid, name)| view! { <a class="badge" href=format!("/contacts/{cid}")>{name}</a> })}
                            </span>
                            {(!t.notes.is_empty()).then(|| view! { <span class="muted small">{t.notes.clone()}</span> })}
                            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                        </div>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
