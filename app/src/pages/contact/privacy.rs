//! The person's rights on their record (issue 11, domain §8): everything held on them as one
//! file (access), and erasure for real — on the server and, at their next sync, on every phone.
//! The manager erases; the manager and the advisor in charge hand over the file.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::record::Contact;

use shared::consent::{current, Channel, Consent, ConsentInput, Purpose};

use crate::client::{self, Method};
use crate::components::feedback::notify;
use crate::endpoints;

#[component]
pub fn Privacy(c: Contact) -> impl IntoView {
    let manager = RwSignal::new(false);
    let me = RwSignal::new(None::<uuid::Uuid>);
    Effect::new(move |_| {
        crate::components::with_me(move |m| {
            manager.set(m.role == shared::api::Role::Manager);
            me.set(Some(m.user_id));
        })
    });
    let id = c.id;
    let owner = c.owner_id;
    let name = c.display_name.clone();
    let reason = RwSignal::new("request".to_string());
    let confirming = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let erase = move |_| {
        let body = serde_json::json!({ "reason": reason.get_untracked() });
        spawn_local(async move {
            match client::empty(Method::Post, &endpoints::contact_erase(id), Some(&body)).await {
                Ok(()) => {
                    notify("Données de la personne effacées");
                    // The record is gone: back to the list.
                    #[cfg(feature = "hydrate")]
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().set_href("/contacts");
                    }
                }
                Err(f) => error.set(Some(f.message())),
            }
        });
    };
    move || {
        let may_export = manager.get() || me.get() == Some(owner);
        may_export.then(|| {
            let name = name.clone();
            view! {
                <section class="card" aria-label="Données personnelles">
                    <h3>"Données personnelles (RGPD)"</h3>
                    <p><a class="action" href=format!("/api/v1{}", endpoints::contact_subject_access(id)) download="">"Tout ce que nous détenons (JSON)"</a></p>
                    {manager.get().then(|| {
                        let name = name.clone();
                        view! {
                            <div class="field">
                                <label for="erase-reason">"Motif d'effacement"</label>
                                <select id="erase-reason" on:change=move |ev| reason.set(event_target_value(&ev))>
                                    <option value="request">"Demande de la personne"</option>
                                    <option value="retention">"Durée de conservation dépassée"</option>
                                    <option value="no_basis">"Donnée sans fondement"</option>
                                </select>
                            </div>
                            {move || if confirming.get() {
                                view! {
                                    <p class="notice" role="alert">{format!("Les données de {name} seront effacées définitivement : fiche, rendez-vous, comptes rendus, appels, offres, réclamations, et sur les téléphones à leur prochaine synchronisation. Seuls des comptages anonymes restent.")}</p>
                                    <div class="row-form">
                                        <button type="button" class="danger" on:click=erase>"Effacer définitivement"</button>
                                        <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Garder"</button>
                                    </div>
                                }.into_any()
                            } else {
                                view! { <button type="button" class="danger wide" on:click=move |_| confirming.set(true)>"Effacer cette personne…"</button> }.into_any()
                            }}
                        }
                    })}
                    {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                </section>
            }
        })
    }
}

/// The person's consents per purpose, as they stand, and a form to record a new word (given or
/// refused, how, with what proof). Anyone who sees the record may record one.
#[component]
pub fn Consents(c: Contact) -> impl IntoView {
    let id = c.id;
    let version = RwSignal::new(0u32);
    // Loaded beside the record, not under its Suspense: the record shows at once, the consents
    // when they come (a resource read here would hold the whole record back).
    let history = RwSignal::new(None::<Option<Vec<Consent>>>);
    Effect::new(move |_| {
        version.track();
        spawn_local(async move {
            // Without network, as the last sync brought them (with this phone's own, unsent).
            let online = client::get::<Vec<Consent>>(&endpoints::contact_consents(id)).await;
            history.set(Some(
                crate::replica::or_local(online, || crate::replica::consents_of(id))
                    .await
                    .ok(),
            ));
        });
    });
    let purpose = RwSignal::new(Purpose::Phone);
    let granted = RwSignal::new(true);
    let channel = RwSignal::new(Channel::Meeting);
    let proof = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let send = move |input: ConsentInput| {
        let input = match input.validate() {
            Ok(i) => i,
            Err(fields) => {
                error.set(fields.into_values().next());
                return;
            }
        };
        error.set(None);
        // Made here with its id and time: recorded offline, it goes later, once, still dated
        // when the person said it.
        let input = ConsentInput {
            id: Some(shared::new_id()),
            at: Some(chrono::Utc::now()),
            ..input
        };
        let mutation = shared::sync::Mutation::RecordConsent {
            contact_id: id,
            input: input.clone(),
        };
        spawn_local(async move {
            let saved = crate::replica::write(mutation, || async move {
                client::json::<Consent>(Method::Post, &endpoints::contact_consents(id), Some(&input)).await
            })
            .await;
            match saved {
                Ok(saved) => {
                    notify(match saved {
                        crate::replica::Saved::Sent(_) => "Consentement enregistré",
                        crate::replica::Saved::Queued => {
                            "Consentement noté sur ce téléphone (envoi au retour du réseau)"
                        }
                    });
                    proof.set(String::new());
                    version.update(|v| *v += 1);
                }
                Err(f) => error.set(Some(
                    f.body.fields.values().next().cloned().unwrap_or_else(|| f.message()),
                )),
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send(ConsentInput {
            id: None,
            at: None,
            purpose: purpose.get_untracked(),
            granted: granted.get_untracked(),
            channel: channel.get_untracked(),
            proof: proof.get_untracked(),
        });
    };
    let bloctel = move |_| {
        send(ConsentInput {
            id: None,
            at: None,
            purpose: Purpose::Phone,
            granted: false,
            channel: Channel::Bloctel,
            proof: String::new(),
        })
    };
    view! {
        <section class="card" aria-label="Consentements">
            <h3>"Consentements"</h3>
            {move || match history.get() {
                None => view! { <p class="muted small">"Lecture des consentements…"</p> }.into_any(),
                Some(None) => view! { <p class="muted small">"Indisponible sans réseau."</p> }.into_any(),
                Some(Some(list)) => view! {
                    <ul class="list consents">
                        {current(&list).into_iter().map(|(p, c)| {
                            let state = match c {
                                None => "non renseigné".to_string(),
                                Some(c) => format!(
                                    "{} {} le {} ({}){}",
                                    if c.granted { "accepté" } else { "refusé" },
                                    c.channel.label(),
                                    crate::components::date_fr(c.at.date_naive()),
                                    c.recorded_by_name,
                                    if c.proof.is_empty() { String::new() } else { format!(" — preuve : {}", c.proof) },
                                ),
                            };
                            view! { <li><strong>{p.label()}</strong><br/><span class="small">{state}</span></li> }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <form on:submit=save>
                <div class="two">
                    <div class="field">
                        <label for="consent-purpose">"Pour"</label>
                        <select id="consent-purpose" on:change=move |ev| if let Some(p) = Purpose::parse(&event_target_value(&ev)) { purpose.set(p) }>
                            {Purpose::ALL.into_iter().map(|p| view! { <option value=p.as_str()>{p.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="consent-word">"Réponse"</label>
                        <select id="consent-word" on:change=move |ev| granted.set(event_target_value(&ev) == "yes")>
                            <option value="yes">"Accepté"</option>
                            <option value="no">"Refusé"</option>
                        </select>
                    </div>
                </div>
                <div class="two">
                    <div class="field">
                        <label for="consent-channel">"Recueilli"</label>
                        <select id="consent-channel" on:change=move |ev| if let Some(c) = Channel::parse(&event_target_value(&ev)) { channel.set(c) }>
                            {Channel::ALL.into_iter().filter(|c| *c != Channel::Bloctel).map(|c| view! { <option value=c.as_str()>{c.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="consent-proof">"Preuve"</label>
                        <input id="consent-proof" type="text" maxlength="500" placeholder="réf. du formulaire…" bind:value=proof/>
                    </div>
                </div>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <div class="row-form">
                    <button type="submit" class="secondary">"Enregistrer la réponse"</button>
                    <button type="button" class="secondary" on:click=bloctel>"Inscrit sur Bloctel"</button>
                </div>
            </form>
        </section>
    }
}
