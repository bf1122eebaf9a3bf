//! One meeting: where and when, one-tap call and route, then held / client absent / cancelled
//! / rescheduled, and its visit report once written.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use shared::record::MeetingPlace;
use shared::visit::{Meeting, MeetingInput, MeetingStatus, MeetingStatusChange, Report};

use crate::client::{self, Method};
use crate::components::layout::Page;
use crate::components::{date_fr, time_fr, StageBadge};
use crate::endpoints;

/// Navigation links to a meeting's place.
fn route_link(m: &Meeting) -> Option<String> {
    match (m.lat, m.lon) {
        (Some(lat), Some(lon)) if m.place == MeetingPlace::Client => Some(format!(
            "https://www.google.com/maps/dir/?api=1&destination={lat:.6},{lon:.6}"
        )),
        _ if !m.address.is_empty() => Some(format!(
            "https://www.google.com/maps/dir/?api=1&destination={}",
            client::encode(&m.address)
        )),
        _ => None,
    }
}

#[component]
pub fn MeetingPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let (version, set_version) = signal(0u32);
    let data = LocalResource::new(move || {
        version.track();
        let id = id();
        async move {
            let key = uuid::Uuid::parse_str(&id).ok();
            let m = client::get::<Meeting>(&endpoints::meeting(&id)).await;
            let m = crate::replica::or_local(m, || key.and_then(crate::replica::meeting)).await?;
            let report = if m.has_report {
                let online = client::get::<Report>(&endpoints::meeting_report(&id)).await;
                crate::replica::or_local(online, || key.and_then(crate::replica::report_of))
                    .await
                    .ok()
            } else {
                None
            };
            Ok::<_, client::ApiFailure>((m, report))
        }
    });
    let saved = move || query.with(|q| q.get("saved").is_some());
    view! {
        <Page title="Rendez-vous">
            {move || saved().then(|| view! { <p class="notice" role="status">"Compte rendu enregistré."</p> })}
            <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((m, r)) => view! { <MeetingView m=m report=r on_changed=move || set_version.update(|v| *v += 1)/> }.into_any(),
                        Err(f) if f.status == 404 => view! { <p class="error" role="alert">"Ce rendez-vous n'existe pas ou ne vous est pas accessible."</p> }.into_any(),
                        Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}

#[component]
fn MeetingView(
    m: Meeting,
    report: Option<Report>,
    on_changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let (error, set_error) = signal(None::<String>);
    let (mode, set_mode) = signal("");
    let reason = RwSignal::new(String::new());
    let id = m.id;
    let navigate = use_navigate();
    let set_status = move |status: MeetingStatus, reason: Option<String>| {
        spawn_local(async move {
            let change = MeetingStatusChange { status, reason };
            let mutation = shared::sync::Mutation::SetMeetingStatus {
                id,
                change: change.clone(),
            };
            let saved = crate::replica::write(mutation, || async move {
                client::json::<Meeting>(Method::Post, &endpoints::meeting_status(id), Some(&change)).await
            })
            .await;
            match saved {
                Ok(crate::replica::Saved::Sent(m)) => {
                    set_mode.set("");
                    crate::components::feedback::notify(match m.status {
                        MeetingStatus::Planned => "Rendez-vous remis en « planifié »".to_string(),
                        s => format!(
                            "Rendez-vous : {} — « Remettre en planifié » pour revenir en arrière",
                            s.label().to_lowercase()
                        ),
                    });
                    on_changed();
                }
                Ok(crate::replica::Saved::Queued) => {
                    set_mode.set("");
                    crate::components::feedback::notify(crate::replica::QUEUED_NOTICE);
                    on_changed();
                }
                Err(f) => set_error.set(Some(f.message())),
            }
        });
    };
    let planned = m.status == MeetingStatus::Planned;
    let report_link = format!("/meetings/{id}/report");
    let go_report = {
        let link = report_link.clone();
        move |_| navigate(&link, Default::default())
    };
    let start_input = RwSignal::new(shared::visit::wall_clock::to_minutes(&m.local_start));
    let duration_input = RwSignal::new(m.duration_min.to_string());
    let reschedule = {
        let m = m.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(starts_at) = shared::visit::wall_clock::parse(&start_input.get_untracked()) else {
                set_error.set(Some("Date et heure invalides.".into()));
                return;
            };
            let Ok(duration_min) = duration_input.get_untracked().trim().parse::<u16>() else {
                set_error.set(Some("Durée en minutes invalide.".into()));
                return;
            };
            let input = MeetingInput {
                id: Some(m.id),
                contact_id: m.contact_id,
                starts_at,
                duration_min,
                place: m.place,
                address: m.address.clone(),
                subject: m.subject.clone(),
                notes: m.notes.clone(),
                owner_id: None,
                expected_seq: Some(m.seq),
            };
            let path = endpoints::meeting(m.id);
            let mutation = shared::sync::Mutation::MoveMeeting {
                id: m.id,
                input: input.clone(),
            };
            spawn_local(async move {
                let saved = crate::replica::write(mutation, || async move {
                    client::json::<Meeting>(Method::Put, &path, Some(&input)).await
                })
                .await;
                match saved {
                    Ok(crate::replica::Saved::Sent(_)) => {
                        set_mode.set("");
                        on_changed();
                    }
                    Ok(crate::replica::Saved::Queued) => {
                        set_mode.set("");
                        crate::components::feedback::notify(crate::replica::QUEUED_NOTICE);
                    }
                    Err(f) => set_error.set(Some(f.message())),
                }
            });
        }
    };
    view! {
        <section class="record-head">
            <p><a href=format!("/contacts/{}", m.contact_id)><strong>{m.contact_name.clone()}</strong></a></p>
            <p class="big">{format!("{} à {}", date_fr(m.local_start.date()), time_fr(m.local_start))}" · "{format!("{} min", m.duration_min)}</p>
            <p class="muted">{m.place.label()}{(!m.address.is_empty()).then(|| format!(" — {}", m.address))}</p>
            {(!m.subject.is_empty()).then(|| view! { <p>{m.subject.clone()}</p> })}
            <div class="badges"><span class="badge">{m.status.label()}</span>
                {m.status_reason.clone().map(|r| view! { <span class="badge">{r}</span> })}</div>
        </section>
        <div class="actions">
            {(!m.contact_phone.is_empty()).then(|| view! { <a class="action" href=format!("tel:{}", m.contact_phone)>"Appeler"</a> })}
            {route_link(&m).map(|href| view! { <a class="action" href=href target="_blank" rel="noopener">"Itinéraire"</a> })}
            {m.lat.zip(m.lon).map(|(lat, lon)| view! {
                <a class="action" href=crate::components::nearby_href(lat, lon, &format!("RDV {}", m.contact_name), m.contact_id)>"À proximité"</a>
            })}
        </div>
        {planned.then(|| view! {
            <button class="primary wide" on:click=go_report.clone()>"Tenu — saisir le compte rendu"</button>
            <div class="actions">
                <button class="secondary" on:click=move |_| set_mode.set("noshow")>"Client absent…"</button>
                <button class="secondary" on:click=move |_| set_mode.set("cancel")>"Annuler le RDV…"</button>
                <button class="secondary" on:click=move |_| set_mode.set("move")>"Déplacer…"</button>
            </div>
        })}
        {(m.status == MeetingStatus::Held && report.is_none()).then(|| view! {
            <a class="primary wide button" href=report_link.clone()>"Saisir le compte rendu"</a>
        })}
        <Show when=move || mode.get() == "noshow">
            <form class="card" on:submit=move |ev| { ev.prevent_default(); let r = reason.get_untracked(); set_status(MeetingStatus::NoShow, Some(r).filter(|r| !r.trim().is_empty())); }>
                <p>"Le client n'était pas là ? Le rendez-vous sera marqué « client absent »."</p>
                <div class="field">
                    <label for="noshow-reason">"Précision (facultatif)"</label>
                    <input id="noshow-reason" type="text" bind:value=reason/>
                </div>
                <div class="actions">
                    <button type="submit" class="primary">"Confirmer : client absent"</button>
                    <button type="button" class="secondary" on:click=move |_| set_mode.set("")>"Retour"</button>
                </div>
            </form>
        </Show>
        <Show when=move || mode.get() == "cancel">
            <form class="card" on:submit=move |ev| { ev.prevent_default(); let r = reason.get_untracked(); set_status(MeetingStatus::Cancelled, Some(r).filter(|r| !r.trim().is_empty())); }>
                <div class="field">
                    <label for="cancel-reason">"Raison de l'annulation"</label>
                    <input id="cancel-reason" type="text" bind:value=reason/>
                </div>
                <div class="actions">
                    <button type="submit" class="primary">"Confirmer l'annulation"</button>
                    <button type="button" class="secondary" on:click=move |_| set_mode.set("")>"Retour"</button>
                </div>
            </form>
        </Show>
        <Show when=move || mode.get() == "move">
            <form class="card" on:submit=reschedule.clone()>
                <div class="two">
                    <div class="field">
                        <label for="move-start">"Nouvelle date et heure"</label>
                        <input id="move-start" type="datetime-local" bind:value=start_input/>
                    </div>
                    <div class="field">
                        <label for="move-duration">"Durée (min)"</label>
                        <input id="move-duration" type="number" min="5" max="600" inputmode="numeric" bind:value=duration_input/>
                    </div>
                </div>
                <button type="submit" class="primary">"Déplacer le rendez-vous"</button>
            </form>
        </Show>
        {(m.status != MeetingStatus::Planned && report.is_none()).then(|| view! {
            <button class="link" on:click=move |_| set_status(MeetingStatus::Planned, None)>"Remettre en « planifié »"</button>
        })}
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        {report.map(|r| view! { <ReportView r=r/> })}
    }
}

#[component]
fn ReportView(r: Report) -> impl IntoView {
    view! {
        <section class="card report-view">
            <h2>{format!("Compte rendu : {}", r.outcome.label())}</h2>
            <p class="muted small">{format!("par {}", r.author_name)}</p>
            {(!r.summary.is_empty()).then(|| view! { <p class="prewrap">{r.summary.clone()}</p> })}
            {(!r.needs.is_empty()).then(|| view! { <p><strong>"Besoins : "</strong>{r.needs.clone()}</p> })}
            {(!r.interest_signs.is_empty()).then(|| view! { <p><strong>"Intérêt : "</strong>{r.interest_signs.clone()}</p> })}
            {r.satisfaction.map(|s| view! { <p><strong>"Satisfaction : "</strong>{format!("{s}/5")}</p> })}
            {r.stage_to.map(|s| view! { <p>"Étape : "{r.stage_from.label()}" → "<StageBadge stage=s/></p> })}
            {(!r.objections.is_empty()).then(|| view! {
                <h3>"Objections"</h3>
                <ul class="plain">
                    {r.objections.iter().map(|o| view! {
                        <li>{o.label.clone()}" — "{if o.overcome { "levée" } else { "non levée" }}
                            {(!o.answer.is_empty()).then(|| view! { <span class="muted small">" ("{o.answer.clone()}")"</span> })}</li>
                    }).collect_view()}
                </ul>
            })}
            <h3>"Recommandations"</h3>
            {if r.referred.is_empty() {
                view! { <p class="muted">{if r.referrals_asked { "Demandées, aucun nom." } else { "Non demandées." }}</p> }.into_any()
            } else {
                view! {
                    <ul class="plain" aria-label="Recommandés">
                        {r.referred.iter().map(|p| view! { <li><a href=format!("/contacts/{}", p.id)>{p.display_name.clone()}</a>" "<StageBadge stage=p.stage/></li> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(!r.next_step.is_empty()).then(|| view! {
                <p><strong>"Prochaine étape : "</strong>{r.next_step.clone()}{r.next_step_due.map(|d| format!(" (pour le {})", date_fr(d)))}</p>
            })}
            {r.checkin.map(|c| view! { <p class="muted small">{format!("Position pointée : {:.5}, {:.5}", c.lat, c.lon)}</p> })}
            <p><a href="/tasks">"Voir mes tâches"</a></p>
        </section>
    }
}
