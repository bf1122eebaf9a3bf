//! The record's activity: its coming meetings and a form to plan one, a quick log of a call or
//! a message, the referral chain, and the timeline of everything that happened.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::TimelinePage;
use shared::record::{Contact, MeetingPlace};
use shared::visit::{CallOutcome, InteractionInput, InteractionKind, Meeting, MeetingInput, Referrals, TimelineEntry};
use uuid::Uuid;

use crate::client::{self, Method};
use crate::components::lists::MeetingRow;
use crate::components::{date_fr, time_fr, today, StageBadge};
use crate::endpoints;
use crate::replica::{self, Saved};

#[component]
pub fn Activity(c: Contact, on_changed: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let id = c.id;
    let (version, set_version) = signal(0u32);
    let changed = move || {
        set_version.update(|v| *v += 1);
        on_changed();
    };
    let meetings = LocalResource::new(move || {
        version.track();
        async move {
            let from = today();
            let to = from + chrono::Duration::days(62);
            let online = client::get::<Vec<Meeting>>(&endpoints::meetings_of_contact(id, from, to)).await;
            replica::or_local(online, || {
                Some(
                    replica::meetings()
                        .into_iter()
                        .filter(|m| m.contact_id == id && m.local_start.date() >= from && m.local_start.date() <= to)
                        .collect(),
                )
            })
            .await
        }
    });
    let referrals =
        LocalResource::new(move || async move { client::get::<Referrals>(&endpoints::contact_referrals(id)).await });
    view! {
        <h2>"Rendez-vous à venir"</h2>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match meetings.await {
                    Ok(list) if list.is_empty() => view! { <p class="muted small">"Aucun rendez-vous prévu."</p> }.into_any(),
                    Ok(list) => view! { <ol class="list" aria-label="Rendez-vous à venir">{list.into_iter().map(|m| view! { <MeetingRow m=m/> }).collect_view()}</ol> }.into_any(),
                    Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <PlanMeeting c=c.clone() on_done=changed/>
        <LogInteraction contact_id=id on_done=changed/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                referrals.await.ok().filter(|r| r.referred_by.is_some() || !r.referred.is_empty()).map(|r| view! {
                    <h2>"Recommandations"</h2>
                    {r.referred_by.map(|p| view! { <p>"Recommandé par "<a href=format!("/contacts/{}", p.id)>{p.display_name}</a></p> })}
                    {(!r.referred.is_empty()).then(|| view! {
                        <p>"A recommandé :"</p>
                        <ul class="plain" aria-label="A recommandé">
                            {r.referred.into_iter().map(|p| view! { <li><a href=format!("/contacts/{}", p.id)>{p.display_name}</a>" "<StageBadge stage=p.stage/></li> }).collect_view()}
                        </ul>
                    })}
                })
            })}
        </Suspense>
        <h2>"Historique"</h2>
        {move || { version.track(); view! { <Timeline contact_id=id/> } }}
    }
}

#[component]
fn PlanMeeting(c: Contact, on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let (open, set_open) = signal(false);
    // Come from a phoning session's "RDV pris": the form is open, in view.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if web_sys::window().and_then(|w| w.location().hash().ok()).as_deref() == Some("#plan") {
            set_open.set(true);
            set_timeout(
                || {
                    if let Some(e) = document().get_element_by_id("plan") {
                        e.scroll_into_view();
                    }
                },
                std::time::Duration::from_millis(100),
            );
        }
    });
    let start = RwSignal::new(String::new());
    let duration = RwSignal::new("60".to_string());
    let place = RwSignal::new(c.preferred_place.unwrap_or(MeetingPlace::Client));
    let subject = RwSignal::new(String::new());
    let (error, set_error) = signal(None::<String>);
    let contact_id = c.id;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(starts_at) = shared::visit::wall_clock::parse(&start.get_untracked()) else {
            set_error.set(Some("Choisissez la date et l'heure.".into()));
            return;
        };
        let Ok(duration_min) = duration.get_untracked().trim().parse::<u16>() else {
            set_error.set(Some("Durée en minutes invalide.".into()));
            return;
        };
        let input = MeetingInput {
            id: Some(shared::new_id()),
            contact_id,
            starts_at,
            duration_min,
            place: place.get_untracked(),
            address: String::new(),
            subject: subject.get_untracked(),
            notes: String::new(),
            owner_id: None,
            expected_seq: None,
        };
        if let Err(e) = input.clone().validate() {
            set_error.set(e.into_values().next());
            return;
        }
        spawn_local(async move {
            let mutation = shared::sync::Mutation::PlanMeeting(input.clone());
            let saved = replica::write(mutation, || async move {
                client::json::<Meeting>(Method::Post, endpoints::MEETINGS, Some(&input)).await
            })
            .await;
            match saved {
                Ok(_) => {
                    set_open.set(false);
                    set_error.set(None);
                    on_done();
                }
                Err(f) => set_error.set(Some(
                    f.body.fields.values().next().cloned().unwrap_or_else(|| f.message()),
                )),
            }
        });
    };
    view! {
        <button id="plan" class="secondary wide" on:click=move |_| set_open.update(|o| *o = !*o) aria-expanded=move || open.get().to_string()>"Planifier un RDV"</button>
        <Show when=move || open.get()>
            <form class="card" on:submit=submit>
                <div class="two">
                    <div class="field">
                        <label for="m-start">"Date et heure"</label>
                        <input id="m-start" type="datetime-local" bind:value=start/>
                    </div>
                    <div class="field">
                        <label for="m-duration">"Durée (min)"</label>
                        <input id="m-duration" type="number" inputmode="numeric" min="5" max="600" bind:value=duration/>
                    </div>
                </div>
                <div class="field">
                    <label for="m-place">"Lieu"</label>
                    <select id="m-place" on:change=move |ev| place.set(match event_target_value(&ev).as_str() {
                        "agency" => MeetingPlace::Agency,
                        "town" => MeetingPlace::Town,
                        _ => MeetingPlace::Client,
                    })>
                        {[MeetingPlace::Client, MeetingPlace::Agency, MeetingPlace::Town].into_iter().map(|p| {
                            let value = match p { MeetingPlace::Agency => "agency", MeetingPlace::Town => "town", MeetingPlace::Client => "client" };
                            view! { <option value=value selected=move || place.get() == p>{p.label()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="m-subject">"Objet"</label>
                    <input id="m-subject" type="text" bind:value=subject placeholder="Bilan patrimonial…"/>
                </div>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <button type="submit" class="primary">"Planifier"</button>
            </form>
        </Show>
    }
}

fn describe_interaction(kind: InteractionKind, outcome: Option<CallOutcome>) -> String {
    match outcome {
        Some(o) => format!("{} — {}", kind.label(), o.label()),
        None => kind.label().to_string(),
    }
}

/// The record whose "Appeler" was just tapped: its call form opens on the outcomes, so that
/// back from the call, one tap logs it (two taps in all).
fn call_started() -> ArcRwSignal<Option<Uuid>> {
    static STARTED: std::sync::OnceLock<ArcRwSignal<Option<Uuid>>> = std::sync::OnceLock::new();
    STARTED.get_or_init(|| ArcRwSignal::new(None)).clone()
}

/// Called by the record's "Appeler": the dialler opens, and the outcome form waits for the
/// advisor's return.
pub fn start_call(contact_id: Uuid) {
    call_started().set(Some(contact_id));
}

#[component]
fn LogInteraction(contact_id: Uuid, on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let (open, set_open) = signal(false);
    let kind = RwSignal::new(InteractionKind::Call);
    let started = call_started();
    Effect::new(move |_| {
        if started.get() == Some(contact_id) {
            started.set(None);
            kind.set(InteractionKind::Call);
            set_open.set(true);
            #[cfg(feature = "hydrate")]
            request_animation_frame(|| {
                if let Some(el) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("log-interaction"))
                {
                    el.scroll_into_view();
                }
            });
        }
    });
    let note = RwSignal::new(String::new());
    let (error, set_error) = signal(None::<String>);
    let (done_msg, set_done_msg) = signal(None::<String>);
    let send = move |outcome: Option<CallOutcome>| {
        let input = InteractionInput {
            id: Some(shared::new_id()),
            kind: kind.get_untracked(),
            outcome,
            at: None,
            note: note.get_untracked(),
            call_back_on: None,
            session_id: None,
            objection: None,
        };
        // Kept with its time: sent later, it is still dated when it happened.
        let queued = InteractionInput {
            at: Some(chrono::Utc::now()),
            ..input.clone()
        };
        let mutation = shared::sync::Mutation::LogInteraction {
            contact_id,
            input: queued,
        };
        spawn_local(async move {
            let saved = replica::write(mutation, || async move {
                client::json::<TimelineEntry>(Method::Post, &endpoints::contact_interactions(contact_id), Some(&input))
                    .await
            })
            .await;
            match saved {
                Ok(saved) => {
                    note.set(String::new());
                    set_error.set(None);
                    let call_back = if outcome == Some(shared::visit::CallOutcome::CallBack) {
                        " — tâche « Rappeler » ajoutée pour demain"
                    } else {
                        ""
                    };
                    let said = match saved {
                        Saved::Sent(e) => format!("Noté : {}{call_back}", e.title),
                        Saved::Queued => format!(
                            "Noté sur ce téléphone (envoi au retour du réseau) : {}{call_back}",
                            describe_interaction(kind.get_untracked(), outcome)
                        ),
                    };
                    crate::components::feedback::notify(said.clone());
                    set_done_msg.set(Some(said));
                    set_open.set(false);
                    on_done();
                }
                Err(f) => set_error.set(Some(f.message())),
            }
        });
    };
    view! {
        <button class="secondary wide" on:click=move |_| set_open.update(|o| *o = !*o) aria-expanded=move || open.get().to_string()>"Noter un appel ou un message"</button>
        {move || done_msg.get().map(|m| view! { <p class="muted small" role="status">{m}</p> })}
        <Show when=move || open.get()>
            <div class="card" id="log-interaction">
                <div class="segmented four">
                    {InteractionKind::ALL.into_iter().map(|k| view! {
                        <button type="button" class:on=move || kind.get() == k on:click=move |_| kind.set(k)>{k.label()}</button>
                    }).collect_view()}
                </div>
                <div class="field">
                    <label for="i-note">"Note"</label>
                    <input id="i-note" type="text" bind:value=note/>
                </div>
                {move || if kind.get() == InteractionKind::Call {
                    view! {
                        <fieldset class="chips">
                            <legend>"Issue de l'appel"</legend>
                            {CallOutcome::ALL.into_iter().map(|o| view! { <button type="button" class="chip" on:click=move |_| send(Some(o))>{o.label()}</button> }).collect_view()}
                        </fieldset>
                    }.into_any()
                } else {
                    view! { <button type="button" class="primary" on:click=move |_| send(None)>"Enregistrer"</button> }.into_any()
                }}
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            </div>
        </Show>
    }
}

/// The record's timeline, newest first, thirty lines at a time.
#[component]
pub fn Timeline(contact_id: Uuid) -> impl IntoView {
    let items = RwSignal::new(Vec::<TimelineEntry>::new());
    let next = RwSignal::new(None::<String>);
    let (error, set_error) = signal(None::<String>);
    let (loaded, set_loaded) = signal(false);
    // Offline: the history as the last sync brought it, and when that was.
    let (offline, set_offline) = signal(None::<Option<chrono::DateTime<chrono::Utc>>>);
    let load = move |before: Option<String>| {
        spawn_local(async move {
            let first = before.is_none();
            let path = endpoints::contact_timeline(contact_id, before.as_deref());
            match client::get::<TimelinePage>(&path).await {
                Ok(p) => {
                    items.update(|v| v.extend(p.items));
                    next.set(p.next);
                    set_loaded.set(true);
                }
                Err(f) if f.status == 0 && first => {
                    let local =
                        replica::or_local(Err(f), || replica::is_open().then(|| replica::timeline_of(contact_id)))
                            .await;
                    let synced = replica::status().with_untracked(|s| s.last_sync_at);
                    set_offline.set(Some(synced));
                    if let Ok(lines) = local {
                        items.set(lines);
                        set_loaded.set(true);
                    }
                }
                Err(f) if f.status == 0 => set_offline.set(Some(replica::status().with_untracked(|s| s.last_sync_at))),
                Err(f) => set_error.set(Some(f.message())),
            }
        });
    };
    Effect::new(move |first: Option<()>| {
        if first.is_none() {
            load(None);
        }
    });
    view! {
        <ol class="timeline" aria-label="Historique">
            <For each=move || items.get() key=|e| e.id let:e>
                <li class=format!("ev-{}", e.kind.as_str())>
                    <span class="muted small">{format!("{} {}", date_fr(e.at.with_timezone(&chrono::Local).date_naive()), time_fr(e.at.with_timezone(&chrono::Local).naive_local()))}{(!e.author_name.is_empty()).then(|| format!(" · {}", e.author_name))}</span>
                    <span>{e.title.clone()}</span>
                    {(!e.detail.is_empty()).then(|| view! { <span class="muted small">{e.detail.clone()}</span> })}
                </li>
            </For>
        </ol>
        {move || (loaded.get() && items.with(|v| v.is_empty())).then(|| view! { <p class="muted small">"Rien pour l'instant."</p> })}
        {move || offline.get().map(|kept| {
            let text = match kept {
                Some(at) => {
                    let local = at.with_timezone(&chrono::Local);
                    format!(
                        "Hors ligne : l'historique tel qu'à la dernière synchronisation, le {} à {} ; ce qui attend d'être envoyé est listé plus haut.",
                        date_fr(local.date_naive()),
                        time_fr(local.naive_local())
                    )
                }
                None => "Hors ligne : l'historique s'affichera au retour du réseau ; ce qui attend d'être envoyé est listé plus haut.".to_string(),
            };
            view! { <p class="muted small" role="status">{text}</p> }
        })}
        {move || (offline.get().is_none()).then(|| next.get().map(|c| view! { <button class="secondary wide" on:click=move |_| load(Some(c.clone()))>"Voir plus"</button> }))}
        {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
    }
}
