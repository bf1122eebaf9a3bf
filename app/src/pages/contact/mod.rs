//! The record (fiche): the contact, situation and relations parts, one-tap call / e-mail /
//! route, and the stage change with its reason.

mod activity;
mod offers;
mod privacy;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use shared::record::Contact;
use shared::stage::{Stage, StageChange};
use shared::values::{Euros, Phone};

use crate::client::{self, Method};
use crate::components::feedback::notify;
use crate::components::layout::Page;
use crate::components::{SegmentBadge, StageBadge};
use crate::endpoints;
use crate::replica;

fn euros(cents: Option<i64>) -> String {
    cents
        .and_then(|c| Euros::from_cents(c).ok())
        .map(|e| e.to_string())
        .unwrap_or_else(|| "—".into())
}

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(crate::components::date_fr).unwrap_or_else(|| "—".into())
}

/// Who gave a record's point, in words; nothing when the precision already says it.
fn source_fr(source: &str) -> Option<&'static str> {
    match source {
        "ban" => Some("Base Adresse Nationale"),
        "nominatim" => Some("OpenStreetMap"),
        "communes" => Some("centre de la commune"),
        "gps" | "saisie" | "manual" => None,
        _ => None,
    }
}

fn shown_phone(p: &str) -> String {
    Phone::parse(p).map(|p| p.to_string()).unwrap_or_else(|_| p.to_string())
}

/// A maps link: coordinates when known, the postal address otherwise.
pub fn maps_link(c: &Contact) -> String {
    match (c.lat, c.lon) {
        (Some(lat), Some(lon)) => format!("https://www.google.com/maps/dir/?api=1&destination={lat:.6},{lon:.6}"),
        _ => format!(
            "https://www.google.com/maps/dir/?api=1&destination={}",
            client::encode(&format!("{} {} {}", c.address_line, c.postcode, c.city))
        ),
    }
}

/// A definition row that hides itself when empty.
fn row(label: &'static str, value: String) -> impl IntoView {
    (!value.trim().is_empty() && value != "—")
        .then(|| view! { <div class="row"><dt>{label}</dt><dd>{value}</dd></div> })
}

/// The changes a record at `stage` can take, as (value, label).
fn stage_options(stage: Stage) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Stage::ALL
        .iter()
        .filter(|to| {
            shared::stage::apply(
                stage,
                &StageChange::Move {
                    to: **to,
                    reason: Some("x".into()),
                },
            )
            .is_ok()
        })
        .map(|to| (format!("move:{}", to.as_str()), format!("→ {}", to.label())))
        .collect();
    if matches!(stage, Stage::Contacted | Stage::Engaged) {
        v.push(("lost".into(), "Perdu : a signé chez un concurrent".into()));
    }
    if stage == Stage::Client {
        v.push(("left".into(), "Client parti".into()));
    }
    v
}

#[component]
pub fn ContactPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let (version, set_version) = signal(0u32);
    let contact = LocalResource::new(move || {
        version.track();
        let id = id();
        async move {
            let online = client::get::<Contact>(&endpoints::contact(&id)).await;
            let id = uuid::Uuid::parse_str(&id).ok();
            replica::or_local(online, || id.and_then(replica::contact)).await
        }
    });
    let title = Signal::derive(move || {
        contact
            .get()
            .and_then(|r| r.ok())
            .map(|c| c.display_name)
            .unwrap_or_else(|| "Fiche".into())
    });

    view! {
        <Page title=title>
            <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match contact.await {
                        Ok(c) => {
                            let changed = move || set_version.update(|v| *v += 1);
                            let contact_id = c.id;
                            view! {
                                <Record c=c.clone() on_changed=changed/>
                                <offers::Offers c=c.clone() on_changed=changed/>
                                <crate::pages::complaints::RecordComplaints contact_id=contact_id/>
                                <Team c=c.clone() on_changed=changed/>
                                <Waiting contact_id version/>
                                <privacy::Consents c=c.clone()/>
                                <privacy::Privacy c=c.clone()/>
                                <activity::Activity c=c on_changed=changed/>
                            }.into_any()
                        }
                        Err(f) if f.status == 0 => {
                            // Made on this phone and not sent yet: what was typed.
                            match uuid::Uuid::parse_str(&id()).ok().and_then(|i| replica::pending_contact(i).map(|c| (i, c))) {
                                Some((contact_id, c)) => view! {
                                    <section class="record-head">
                                        <h2>{shared::record::display_name(c.kind, &c.first_name, &c.last_name, &c.company_name)}</h2>
                                        <p class="muted">{format!("{} {} {}", c.address_line, c.postcode, c.city)}</p>
                                        {(!c.phone_mobile.is_empty()).then(|| view! { <p><a class="action" href=format!("tel:{}", c.phone_mobile)>{c.phone_mobile.clone()}</a></p> })}
                                    </section>
                                    <Waiting contact_id version/>
                                }.into_any(),
                                None => view! {
                                    <p class="error" role="alert">"Hors ligne : ce dossier n'est pas sur ce téléphone. Il s'ouvrira au retour du réseau."</p>
                                }.into_any(),
                            }
                        }
                        Err(f) if f.status == 404 => view! { <p class="error" role="alert">"Ce dossier n'existe pas ou ne vous est pas accessible."</p> }.into_any(),
                        Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}

/// The manager's hand on a record: hand it over to another advisor (their portfolio from now
/// on) and share it with colleagues (who then see it too).
#[component]
fn Team(c: Contact, on_changed: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    use shared::api::AgencyUser;
    let manager = RwSignal::new(false);
    Effect::new(move |_| crate::components::with_me(move |m| manager.set(m.role == shared::api::Role::Manager)));
    let id = c.id;
    let (version, set_version) = signal(0u32);
    let people = crate::components::agency_people(manager);
    let shares = LocalResource::new(move || {
        version.track();
        async move {
            if manager.get() {
                client::get::<Vec<AgencyUser>>(&endpoints::contact_shares(id))
                    .await
                    .unwrap_or_default()
            } else {
                Vec::new()
            }
        }
    });
    let owner = RwSignal::new(c.owner_id.to_string());
    let share_with = RwSignal::new(String::new());
    let (error, set_error) = signal(None::<String>);
    let record = StoredValue::new(c.clone());
    let reassign = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(to) = uuid::Uuid::parse_str(&owner.get_untracked()) else {
            return;
        };
        let c = record.get_value();
        if to == c.owner_id {
            return;
        }
        let name = people
            .get_untracked()
            .unwrap_or_default()
            .into_iter()
            .find(|u| u.id == to)
            .map(|u| u.display_name)
            .unwrap_or_default();
        let mut input = c.to_input();
        input.owner_id = Some(to);
        spawn_local(async move {
            match client::json::<Contact>(Method::Put, &endpoints::contact(id), Some(&input)).await {
                Ok(_) => {
                    notify(format!("Dossier confié à {name}"));
                    on_changed();
                }
                Err(f) => set_error.set(Some(f.message())),
            }
        });
    };
    let share = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(user_id) = uuid::Uuid::parse_str(&share_with.get_untracked()) else {
            return;
        };
        spawn_local(async move {
            let body = shared::api::ShareRequest { user_id };
            match client::empty(Method::Post, &endpoints::contact_shares(id), Some(&body)).await {
                Ok(()) => {
                    notify("Dossier partagé");
                    share_with.set(String::new());
                    set_version.update(|v| *v += 1);
                }
                Err(f) => set_error.set(Some(f.message())),
            }
        });
    };
    let unshare = move |user: uuid::Uuid| {
        spawn_local(async move {
            match client::empty(Method::Delete, &endpoints::contact_share(id, user), None::<&()>).await {
                Ok(()) => {
                    notify("Partage retiré");
                    set_version.update(|v| *v += 1);
                }
                Err(f) => set_error.set(Some(f.message())),
            }
        });
    };
    move || {
        manager.get().then(|| view! {
            <section class="card" aria-label="Conseiller et partages">
                <h3>"Conseiller et partages"</h3>
                <form on:submit=reassign class="row-form">
                    <div class="field">
                        <label for="reassign">"Confier le dossier à"</label>
                        <select id="reassign" on:change=move |ev| owner.set(event_target_value(&ev))>
                            {move || people.get().unwrap_or_default().into_iter().map(|u| {
                                let v = u.id.to_string();
                                let selected = v == owner.get_untracked();
                                view! { <option value=v selected=selected>{u.display_name}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <button type="submit" class="secondary">"Réattribuer"</button>
                </form>
                <p class="muted small">"Partagé avec : "
                    {move || {
                        let list = shares.get().unwrap_or_default();
                        if list.is_empty() {
                            view! { <span>"personne"</span> }.into_any()
                        } else {
                            list.into_iter().map(|u| {
                                let uid = u.id;
                                view! {
                                    <span class="badge">{u.display_name.clone()}" "
                                        <button type="button" class="link" aria-label=format!("Retirer le partage avec {}", u.display_name) on:click=move |_| unshare(uid)>"×"</button>
                                    </span>" "
                                }
                            }).collect_view().into_any()
                        }
                    }}
                </p>
                <form on:submit=share class="row-form">
                    <div class="field">
                        <label for="share-with">"Partager avec"</label>
                        <select id="share-with" on:change=move |ev| share_with.set(event_target_value(&ev)) prop:value=move || share_with.get()>
                            <option value="">"Choisir…"</option>
                            {move || {
                                let owner_id = record.get_value().owner_id;
                                people.get().unwrap_or_default().into_iter().filter(|u| u.id != owner_id).map(|u| view! {
                                    <option value=u.id.to_string()>{u.display_name}</option>
                                }).collect_view()
                            }}
                        </select>
                    </div>
                    <button type="submit" class="secondary">"Partager"</button>
                </form>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            </section>
        })
    }
}

/// The writes about this record still waiting on the phone.
#[component]
fn Waiting(contact_id: uuid::Uuid, version: ReadSignal<u32>) -> impl IntoView {
    let status = RwSignal::new(replica::SyncStatus::default());
    Effect::new(move |_| status.set(replica::status().get()));
    let waiting = Memo::new(move |_| {
        version.track();
        status.with(|s| s.revision);
        replica::pending_for_contact(contact_id)
    });
    view! {
        {move || (!waiting.with(|w| w.is_empty())).then(|| view! {
            <section class="card waiting" aria-label="En attente d'envoi">
                <h3>"En attente d'envoi"</h3>
                <ul>
                    {waiting.get().into_iter().map(|m| view! { <li>{replica::describe(&m.mutation)}</li> }).collect_view()}
                </ul>
            </section>
        })}
    }
}

#[component]
fn Record(c: Contact, on_changed: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let phone = if c.phone_mobile.is_empty() {
        c.phone_landline.clone()
    } else {
        c.phone_mobile.clone()
    };
    let maps = maps_link(&c);
    let has_address = !c.address_line.is_empty() || c.lat.is_some();
    let s = c.situation.clone();
    let is_client = matches!(c.stage, Stage::Client | Stage::FormerClient);
    view! {
        <section class="record-head">
            <div class="badges">
                <StageBadge stage=c.stage/>
                {is_client.then(|| view! { <SegmentBadge segment=c.segment/> })}
                <span class="badge">{format!("Potentiel {}", c.size_class.label().to_lowercase())}</span>
            </div>
            {(!c.company_name.is_empty() && c.kind == shared::record::ContactKind::Company).then(|| view! {
                <p class="muted">{format!("{} {} {}", c.contact_role, c.first_name, c.last_name)}</p>
            })}
            <p class="muted">{[c.address_line.clone(), format!("{} {}", c.postcode, c.city).trim().to_string()].into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" · ")}</p>
        </section>
        <div class="actions">
            {(!phone.is_empty()).then(|| {
                let id = c.id;
                view! { <a class="action" href=format!("tel:{phone}") on:click=move |_| activity::start_call(id)>"Appeler"</a> }
            })}
            {(!c.email.is_empty()).then(|| view! { <a class="action" href=format!("mailto:{}", c.email)>"E-mail"</a> })}
            {has_address.then(|| view! { <a class="action" href=maps target="_blank" rel="noopener">"Itinéraire"</a> })}
            {c.lat.zip(c.lon).map(|(lat, lon)| view! {
                <a class="action" href=crate::components::nearby_href(lat, lon, &c.display_name, c.id)>"À proximité"</a>
            })}
            <a class="action" href=format!("/contacts/{}/edit", c.id)>"Modifier"</a>
            <a class="action" href=format!("/api/v1/contacts/{}/vcard", c.id) download="contact.vcf">"Carte (vCard)"</a>
        </div>
        <StageChanger c=c.clone() on_changed=on_changed/>
        <Position c=c.clone() on_changed=on_changed/>
        <details class="part" open>
            <summary>"Contact"</summary>
            <dl>
                {row("Mobile", shown_phone(&c.phone_mobile))}
                {row("Fixe", shown_phone(&c.phone_landline))}
                {row("E-mail", c.email.clone())}
                {row("Préférences d'appel", c.call_preferences.clone())}
                {row("Lieu de RDV préféré", c.preferred_place.map(|p| p.label().to_string()).unwrap_or_default())}
                {row("Secteur", c.sector.clone())}
                {row("Conjoint", c.spouse_name.clone())}
                {row("Foyer", c.household_size.map(|n| format!("{n} personne(s)")).unwrap_or_default())}
                {row("Effectif", c.company_size.map(|n| format!("{n} salarié(s)")).unwrap_or_default())}
                {row("Site web", c.website.clone())}
            </dl>
        </details>
        <details class="part">
            <summary>{if s == shared::record::Situation::default() { "Situation — à compléter" } else { "Situation" }}</summary>
            <dl>
                {row("Profession", s.profession.clone())}
                {row("Famille", s.family.clone())}
                {row("Régime matrimonial", s.marital_regime.clone())}
                {row("Qui gère / qui décide", format!("{} {}", s.manager, s.decider))}
                {row("Profil investisseur", s.risk_appetite.map(|r| r.label().to_string()).unwrap_or_default())}
                {row("Revenus annuels", euros(s.income_cents))}
                {row("Patrimoine financier", euros(s.financial_assets_cents))}
                {row("Immobilier", euros(s.real_estate_cents))}
                {row("Passif", euros(s.liabilities_cents))}
                {row("Projets", s.projects.clone())}
                {row("Concurrents en place", s.competitors.clone())}
                {row("Points sensibles", s.sensitive_points.clone())}
                {row("Potentiel accessible", euros(Some(c.accessible_potential_cents)))}
            </dl>
            {(s == shared::record::Situation::default()).then(|| view! { <p class="muted small">"Rien de renseigné sur la situation."</p> })}
            <a class="secondary wide button" href=format!("/contacts/{}/edit#situation", c.id)>"Compléter la situation"</a>
        </details>
        <details class="part" open>
            <summary>"Relation"</summary>
            <dl>
                {row("Conseiller", c.owner_name.clone())}
                {row("Encours confié", euros(Some(c.assets_entrusted_cents)))}
                {row("Score", format!("{} / 100", c.score))}
                {row("Dernier RDV", date(c.last_meeting_on))}
                {row("Dernier appel", date(c.last_call_on))}
                {row("Dernier contact", date(c.last_contact_on))}
                {row("Prochain contact prévu", date(c.next_contact_on))}
                {row("Prochain RDV dû", date(c.next_meeting_due))}
                {row("Prochain appel dû", date(c.next_call_due))}
                {row("Perdu au profit de", c.lost_to.clone().unwrap_or_default())}
                {row("Filières", c.networks.join(", "))}
                {row("Campagne d'origine", c.campaign.clone())}
                {row("Notes", c.notes.clone())}
            </dl>
        </details>
    }
}

#[component]
fn StageChanger(c: Contact, on_changed: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let options = stage_options(c.stage);
    let id = c.id;
    let (open, set_open) = signal(false);
    let choice = RwSignal::new(options.first().map(|o| o.0.clone()).unwrap_or_default());
    let reason = RwSignal::new(String::new());
    let competitor = RwSignal::new(String::new());
    let (error, set_error) = signal(None::<String>);
    let (busy, set_busy) = signal(false);
    let current = c.stage;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let reason_text = reason.get_untracked();
        let opt_reason = (!reason_text.trim().is_empty()).then_some(reason_text.clone());
        let change = match choice.get_untracked().as_str() {
            "lost" => StageChange::LostToCompetitor {
                competitor: competitor.get_untracked(),
                reason: opt_reason,
            },
            "left" => StageChange::ClientLeft {
                reason: reason_text,
                competitor: Some(competitor.get_untracked()).filter(|c| !c.trim().is_empty()),
            },
            other => match other.strip_prefix("move:").and_then(Stage::parse) {
                Some(to) => StageChange::Move { to, reason: opt_reason },
                None => return,
            },
        };
        // Same rules as the server, checked here first for an immediate message.
        if let Err(e) = shared::stage::apply(current, &change) {
            set_error.set(Some(e.to_string()));
            return;
        }
        set_busy.set(true);
        spawn_local(async move {
            let mutation = shared::sync::Mutation::ChangeStage {
                id,
                change: change.clone(),
            };
            let saved = replica::write(mutation, || async move {
                client::json::<Contact>(Method::Post, &endpoints::contact_stage(id), Some(&change)).await
            })
            .await;
            match saved {
                Ok(replica::Saved::Sent(c)) => {
                    set_open.set(false);
                    notify(format!("Étape : {}", c.stage.label().to_lowercase()));
                    on_changed();
                }
                Ok(replica::Saved::Queued) => {
                    set_open.set(false);
                    notify(replica::QUEUED_NOTICE);
                    on_changed();
                }
                Err(f) => set_error.set(Some(f.message())),
            }
            set_busy.set(false);
        });
    };
    let needs_competitor = move || matches!(choice.get().as_str(), "lost" | "left");
    view! {
        <div class="stage-change">
            <button class="secondary wide" on:click=move |_| set_open.update(|o| *o = !*o) aria-expanded=move || open.get().to_string()>
                "Changer d'étape"
            </button>
            <Show when=move || open.get()>
                <form class="card" on:submit=submit>
                    <div class="field">
                        <label for="stage-choice">"Nouvelle étape"</label>
                        <select id="stage-choice" on:change=move |ev| { choice.set(event_target_value(&ev)); set_error.set(None); }>
                            {options.clone().into_iter().map(|(v, l)| {
                                let v2 = v.clone();
                                view! { <option value=v selected=move || choice.get() == v2>{l}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <Show when=needs_competitor>
                        <div class="field">
                            <label for="stage-competitor">"Concurrent"</label>
                            <input id="stage-competitor" type="text" bind:value=competitor/>
                        </div>
                    </Show>
                    <div class="field">
                        <label for="stage-reason">"Raison (obligatoire pour sauter une étape)"</label>
                        <input id="stage-reason" type="text" bind:value=reason/>
                    </div>
                    {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                    <button type="submit" class="primary" disabled=move || busy.get()>"Valider l'étape"</button>
                </form>
            </Show>
        </div>
    }
}

/// Where the record is on the map, how precisely, and "I'm at the client's".
#[component]
fn Position(c: Contact, on_changed: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let (message, set_message) = signal(None::<String>);
    let id = c.id;
    let precision = match c.geo_precision.as_deref() {
        Some("street") => "à l'adresse",
        Some("commune") => "centre de la commune",
        Some("gps") => "position du téléphone",
        Some("manual") => "saisie à la main",
        _ => "",
    };
    let status = match c.geo_status.as_str() {
        "pending" => Some("Position en cours de recherche…".to_string()),
        "ambiguous" | "not_found" => Some(c.geo_note.clone()),
        _ => None,
    };
    let flagged = matches!(c.geo_status.as_str(), "ambiguous" | "not_found");
    let here = move |_| {
        set_message.set(Some("Recherche de la position…".into()));
        crate::geo::current_position(move |r| match r {
            Ok((lat, lon, _)) => {
                leptos::task::spawn_local(async move {
                    let body = serde_json::json!({"lat": lat, "lon": lon, "source": "gps"});
                    match client::json::<Contact>(Method::Post, &endpoints::contact_position(id), Some(&body)).await {
                        Ok(_) => {
                            set_message.set(Some("Position du client enregistrée.".into()));
                            on_changed();
                        }
                        Err(f) => set_message.set(Some(f.message())),
                    }
                });
            }
            Err(m) => set_message.set(Some(m)),
        });
    };
    view! {
        <div class="position">
            {(!precision.is_empty()).then(|| view! { <p class="muted small">{format!("Position : {precision}{}", c.geo_source.as_deref().and_then(source_fr).map(|s| format!(" ({s})")).unwrap_or_default())}</p> })}
            {status.map(|s| view! { <p class=if flagged { "notice" } else { "muted small" }>{s}</p> })}
            <button class="secondary wide" on:click=here>"Je suis chez le client (enregistrer la position)"</button>
            {move || message.get().map(|m| view! { <p class="muted small" role="status">{m}</p> })}
        </div>
    }
}
