//! Lists shown on several screens: meetings (Today, the agenda, a record) and tasks (Today,
//! the task screen).

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::visit::{Meeting, MeetingStatus, Task};

use crate::client::{self, Method};
use crate::components::{date_fr, time_fr};
use crate::endpoints;
use crate::replica::{self, Saved};

/// One meeting of a list: time, who, where, status.
#[component]
pub fn MeetingRow(
    m: Meeting,
    #[prop(optional)] next: bool,
    /// Say whose meeting it is (the manager's team view).
    #[prop(optional)]
    owner: bool,
) -> impl IntoView {
    let status = (m.status != MeetingStatus::Planned).then(|| m.status.label());
    let class = if next { "card meeting next" } else { "card meeting" };
    view! {
        <li class=class>
            <a class="contact-row" href=format!("/meetings/{}", m.id)>
                <span class="name"><span class="time">{time_fr(m.local_start)}</span>" "{m.contact_name.clone()}</span>
                <span class="muted small">{format!("{} min · ", m.duration_min)}{m.place.label()}{(!m.address.is_empty()).then(|| format!(" — {}", m.address))}</span>
                {(!m.subject.is_empty()).then(|| view! { <span class="small">{m.subject.clone()}</span> })}
                {owner.then(|| view! { <span class="small owner">{format!("Conseiller : {}", m.owner_name)}</span> })}
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
                            client::json::<Task>(Method::Post, &endpoints::task_done(id), Some(&shared::api::TaskDone { done })).await
                        })
                        .await;
                        match saved {
                            Ok(Saved::Sent(_)) => {
                                // Ticked by mistake: "Annuler" sets it back, for a few seconds.
                                let undo = move || {
                                    spawn_local(async move {
                                        let back = shared::sync::Mutation::SetTaskDone { id, done: !done };
                                        let _ = replica::write(back, || async move {
                                            client::json::<Task>(Method::Post, &endpoints::task_done(id), Some(&shared::api::TaskDone { done: !done })).await
                                        })
                                        .await;
                                        on_changed();
                                    });
                                };
                                crate::components::feedback::notify_undo(if done { "Tâche terminée" } else { "Tâche rouverte" }, undo);
                                on_changed()
                            }
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
