//! Tasks (*échéancier*): due today and late, all open, done; a quick form to add one.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::visit::{Priority, Task, TaskInput};

use crate::client::{self, Method};
use crate::components::layout::Page;
use crate::components::lists::TaskList;
use crate::endpoints;
use crate::replica;

#[component]
pub fn TasksPage() -> impl IntoView {
    let scope = RwSignal::new("due");
    let (version, set_version) = signal(0u32);
    let tasks = LocalResource::new(move || {
        version.track();
        let s = scope.get();
        async move {
            let online = client::get::<Vec<Task>>(&endpoints::tasks_in(s, 200)).await;
            replica::or_local(online, || Some(replica::tasks_in_scope(s))).await
        }
    });
    let refresh = move || set_version.update(|v| *v += 1);
    let title = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let high = RwSignal::new(false);
    let (error, set_error) = signal(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let due_on = match due.get_untracked().parse() {
            Ok(d) => d,
            Err(_) if due.get_untracked().is_empty() => crate::components::today(),
            Err(_) => {
                set_error.set(Some("Date invalide.".into()));
                return;
            }
        };
        let input = TaskInput {
            id: Some(shared::new_id()),
            title: title.get_untracked(),
            due_on,
            priority: if high.get_untracked() {
                Priority::High
            } else {
                Priority::Normal
            },
            contact_id: None,
            owner_id: None,
            notes: String::new(),
        };
        if let Err(e) = input.clone().validate() {
            set_error.set(e.into_values().next());
            return;
        }
        spawn_local(async move {
            let mutation = shared::sync::Mutation::CreateTask(input.clone());
            let saved = replica::write(mutation, || async move {
                client::json::<Task>(Method::Post, endpoints::TASKS, Some(&input)).await
            })
            .await;
            match saved {
                Ok(_) => {
                    title.set(String::new());
                    set_error.set(None);
                    refresh();
                }
                Err(f) => set_error.set(Some(f.message())),
            }
        });
    };
    let tab = move |value: &'static str, label: &'static str| {
        view! { <button class:on=move || scope.get() == value on:click=move |_| scope.set(value)>{label}</button> }
    };
    view! {
        <Page title="Tâches">
            <div class="segmented four">
                {tab("due", "À faire")}
                {tab("overdue", "En retard")}
                {tab("open", "Ouvertes")}
                {tab("done", "Faites")}
            </div>
            <form class="card" on:submit=add>
                <div class="field">
                    <label for="task-title">"Nouvelle tâche"</label>
                    <input id="task-title" type="text" bind:value=title placeholder="Envoyer le devis…"/>
                </div>
                <div class="two">
                    <div class="field">
                        <label for="task-due">"Pour le"</label>
                        <input id="task-due" type="date" bind:value=due/>
                    </div>
                    <label class="toggle"><input type="checkbox" bind:checked=high/>" Prioritaire"</label>
                </div>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <button type="submit" class="primary">"Ajouter"</button>
            </form>
            <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match tasks.await {
                        Ok(list) => view! { <TaskList tasks=list on_changed=refresh/> }.into_any(),
                        Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}
