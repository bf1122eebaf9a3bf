//! Create or edit a record.
//!
//! Creating needs only a name and one way to reach the person: the essentials come first and
//! the rest folds away. The form keeps a draft in local storage as the advisor types; a
//! likely duplicate is shown with a link to the existing record and a "create anyway".

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde::{Deserialize, Serialize};
use shared::api::{DuplicateMatch, ErrorBody};
use shared::record::{Contact, ContactInput, ContactKind, FieldErrors, MeetingPlace, RiskAppetite};
use shared::sync::Mutation;
use shared::values::Euros;

use crate::client::{self, ApiFailure, Method};
use crate::components::fields::{SelectField, TextArea, TextField};
use crate::components::layout::Page;
use crate::endpoints;
use crate::replica::{self, Saved, Submitted};
use crate::storage;

/// The form: the record input plus the amounts as typed ("250 000").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FormState {
    pub input: ContactInput,
    pub potential: String,
    pub assets: String,
    pub income: String,
    pub financial: String,
    pub real_estate: String,
    pub liabilities: String,
}

fn amount_text(cents: Option<i64>) -> String {
    cents
        .filter(|c| *c > 0)
        .and_then(|c| Euros::from_cents(c).ok())
        .map(|e| e.whole_euros().to_string())
        .unwrap_or_default()
}

impl FormState {
    fn from_contact(c: &Contact) -> Self {
        // Numbers as the advisor types them (06 12 34 56 78), not as they are kept (+33…);
        // the server compares them in the kept form, so this is no change.
        let national = |p: &str| {
            shared::values::Phone::parse(p)
                .map(|p| p.to_string())
                .unwrap_or_else(|_| p.to_string())
        };
        let mut input = c.to_input();
        input.phone_mobile = national(&input.phone_mobile);
        input.phone_landline = national(&input.phone_landline);
        FormState {
            input,
            potential: amount_text(Some(c.accessible_potential_cents)),
            assets: amount_text(Some(c.assets_entrusted_cents)),
            income: amount_text(c.situation.income_cents),
            financial: amount_text(c.situation.financial_assets_cents),
            real_estate: amount_text(c.situation.real_estate_cents),
            liabilities: amount_text(c.situation.liabilities_cents),
        }
    }

    /// Parses the amounts into the input; field errors for those that do not parse.
    fn to_input(&self) -> Result<ContactInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut parse = |name: &str, text: &str| -> Option<i64> {
            if text.trim().is_empty() {
                return None;
            }
            match Euros::parse(text) {
                Ok(e) => Some(e.cents()),
                Err(e) => {
                    errors.insert(name.to_string(), e.to_string());
                    None
                }
            }
        };
        let mut input = self.input.clone();
        input.accessible_potential_cents = parse("accessible_potential_cents", &self.potential);
        input.assets_entrusted_cents = parse("assets_entrusted_cents", &self.assets);
        input.situation.income_cents = parse("situation.income_cents", &self.income);
        input.situation.financial_assets_cents = parse("situation.financial_assets_cents", &self.financial);
        input.situation.real_estate_cents = parse("situation.real_estate_cents", &self.real_estate);
        input.situation.liabilities_cents = parse("situation.liabilities_cents", &self.liabilities);
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(errors)
        }
    }
}

#[component]
pub fn NewContactPage() -> impl IntoView {
    view! {
        <Page title="Nouveau contact">
            <ContactForm existing=None/>
        </Page>
    }
}

#[component]
pub fn EditContactPage() -> impl IntoView {
    let params = use_params_map();
    let contact = LocalResource::new(move || {
        let id = params.with(|p| p.get("id").unwrap_or_default());
        async move {
            let online = client::get::<Contact>(&endpoints::contact(&id)).await;
            let id = uuid::Uuid::parse_str(&id).ok();
            replica::or_local(online, || id.and_then(replica::contact)).await
        }
    });
    view! {
        <Page title="Modifier la fiche">
            <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match contact.await {
                        Ok(c) => view! { <ContactForm existing=Some(c)/> }.into_any(),
                        Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}

#[component]
fn ContactForm(existing: Option<Contact>) -> impl IntoView {
    let editing = existing.as_ref().map(|c| c.id);
    let draft_key = match editing {
        Some(id) => format!("tournee.draft.contact.{id}"),
        None => "tournee.draft.contact.new".to_string(),
    };
    let initial = existing.as_ref().map(FormState::from_contact).unwrap_or_default();
    let edited_seq = existing.as_ref().map(|c| c.edited_seq).unwrap_or(0);
    // The values the edit starts from: the server merges field by field against them.
    let base = existing.as_ref().map(Contact::to_input);
    let state = RwSignal::new(initial.clone());
    let errors = RwSignal::new(FieldErrors::new());
    let (message, set_message) = signal(None::<String>);
    // Opened from the record's "Compléter la situation" (`#situation`): that part unfolded and
    // in view.
    let situation_open = RwSignal::new(false);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if web_sys::window().and_then(|w| w.location().hash().ok()).as_deref() == Some("#situation") {
            situation_open.set(true);
            request_animation_frame(|| {
                if let Some(el) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("situation"))
                {
                    el.scroll_into_view();
                }
            });
        }
    });
    let (restored, set_restored) = signal(false);
    let (busy, set_busy) = signal(false);
    let duplicates = RwSignal::new(Vec::<DuplicateMatch>::new());
    let navigate = use_navigate();

    // Restore a draft left by a reload or a locked phone, then keep it up to date.
    {
        let key = draft_key.clone();
        let initial = initial.clone();
        Effect::new(move |first: Option<()>| {
            if first.is_none() {
                if let Some(draft) = storage::load::<FormState>(&key) {
                    // An edit draft applies unless someone edited the record since it was started
                    // (the system's own writes, like a point found, do not count).
                    if draft != initial && draft.input.expected_seq.unwrap_or(0) >= edited_seq {
                        state.set(draft);
                        set_restored.set(true);
                    }
                }
            }
        });
    }
    {
        let key = draft_key.clone();
        let initial = initial.clone();
        Effect::new(move |_| {
            let current = state.get();
            if current != initial {
                storage::save(&key, &current);
            }
        });
    }
    let discard = {
        let key = draft_key.clone();
        move |_| {
            storage::remove(&key);
            state.set(initial.clone());
            set_restored.set(false);
        }
    };

    let save = move |allow_duplicate: bool| {
        set_message.set(None);
        let mut input = match state.with_untracked(FormState::to_input) {
            Ok(i) => i,
            Err(e) => {
                errors.set(e);
                return;
            }
        };
        input.allow_duplicate = allow_duplicate;
        // Same validation as the server, for an immediate answer.
        if let Err(e) = input.clone().validate() {
            errors.set(e);
            set_message.set(Some("Vérifiez les champs signalés.".into()));
            return;
        }
        if editing.is_none() && input.id.is_none() {
            // The phone chooses the id, so a retried save cannot create the record twice.
            input.id = Some(shared::new_id());
            state.update(|s| s.input.id = input.id);
        }
        set_busy.set(true);
        let key = draft_key.clone();
        let navigate = navigate.clone();
        let base = base.clone();
        spawn_local(async move {
            let result = match (editing, base) {
                (Some(id), Some(base)) if replica::is_open() => {
                    let edit = Mutation::EditContact {
                        id,
                        input: input.clone(),
                        base: Some(Box::new(base)),
                    };
                    match replica::submit(edit).await {
                        Ok(Submitted::Applied | Submitted::Queued) => Ok(Saved::Sent(id)),
                        Ok(Submitted::Refused(r)) => Err(ApiFailure {
                            status: 422,
                            body: ErrorBody {
                                error: r.error,
                                detail: r.detail,
                                fields: r.fields,
                                duplicates: Vec::new(),
                            },
                        }),
                        Err(f) => Err(f),
                    }
                }
                (Some(id), _) => client::json::<Contact>(Method::Put, &endpoints::contact(id), Some(&input))
                    .await
                    .map(|c| Saved::Sent(c.id)),
                (None, _) => {
                    let create = Mutation::CreateContact(input.clone());
                    let body = input.clone();
                    replica::write(create, || async move {
                        client::json::<Contact>(Method::Post, endpoints::CONTACTS, Some(&body)).await
                    })
                    .await
                    .map(|saved| match saved {
                        Saved::Sent(c) => Saved::Sent(c.id),
                        Saved::Queued => Saved::Queued,
                    })
                }
            };
            set_busy.set(false);
            match result {
                Ok(Saved::Sent(id)) => {
                    storage::remove(&key);
                    crate::components::feedback::notify("Fiche enregistrée");
                    navigate(&format!("/contacts/{id}"), Default::default());
                }
                Ok(Saved::Queued) => {
                    // In the outbox for good: the draft is no longer needed.
                    storage::remove(&key);
                    if let Some(id) = input.id {
                        navigate(&format!("/contacts/{id}?queued=1"), Default::default());
                    }
                }
                Err(f) if f.body.error == "duplicate" => {
                    duplicates.set(f.body.duplicates.clone());
                    set_message.set(Some(f.message()));
                }
                Err(f) if f.body.error == "conflict" && f.body.detail.contains("identifiant") => {
                    // The first attempt reached the server before the network dropped.
                    if let Some(id) = input.id {
                        storage::remove(&key);
                        navigate(&format!("/contacts/{id}"), Default::default());
                    }
                }
                Err(f) => {
                    errors.set(f.body.fields.clone());
                    set_message.set(Some(f.message()));
                }
            }
        });
    };
    let save_again = save.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !busy.get_untracked() {
            save(false);
        }
    };
    let is_company = move || state.with(|s| s.input.kind == ContactKind::Company);

    view! {
        <form class="contact-form" on:submit=on_submit novalidate>
            <Show when=move || restored.get()>
                <p class="notice">"Brouillon restauré. " <button type="button" class="link" on:click=discard.clone()>"Effacer le brouillon"</button></p>
            </Show>
            <div class="segmented" role="radiogroup" aria-label="Type de contact">
                <button type="button" role="radio" aria-checked=move || (!is_company()).to_string() class:on=move || !is_company()
                    on:click=move |_| state.update(|s| s.input.kind = ContactKind::Individual)>"Particulier"</button>
                <button type="button" role="radio" aria-checked=move || is_company().to_string() class:on=is_company
                    on:click=move |_| state.update(|s| s.input.kind = ContactKind::Company)>"Entreprise"</button>
            </div>
            <Show when=is_company>
                <TextField state errors name="company_name" label="Raison sociale" autocomplete="organization"
                    get=|s: &FormState| s.input.company_name.clone() set=|s: &mut FormState, v| s.input.company_name = v/>
            </Show>
            <TextField state errors name="first_name" label="Prénom" autocomplete="given-name"
                get=|s: &FormState| s.input.first_name.clone() set=|s: &mut FormState, v| s.input.first_name = v/>
            <TextField state errors name="last_name" label="Nom" autocomplete="family-name"
                get=|s: &FormState| s.input.last_name.clone() set=|s: &mut FormState, v| s.input.last_name = v/>
            <TextField state errors name="phone_mobile" label="Mobile" kind="tel" autocomplete="tel" inputmode="tel" placeholder="06 12 34 56 78"
                get=|s: &FormState| s.input.phone_mobile.clone() set=|s: &mut FormState, v| s.input.phone_mobile = v/>
            <TextField state errors name="email" label="E-mail" kind="email" autocomplete="email" inputmode="email"
                get=|s: &FormState| s.input.email.clone() set=|s: &mut FormState, v| s.input.email = v/>
            <TextField state errors name="address_line" label="Adresse" autocomplete="street-address"
                get=|s: &FormState| s.input.address_line.clone() set=|s: &mut FormState, v| s.input.address_line = v/>
            <div class="two">
                <TextField state errors name="postcode" label="Code postal" autocomplete="postal-code" inputmode="numeric"
                    get=|s: &FormState| s.input.postcode.clone() set=|s: &mut FormState, v| s.input.postcode = v/>
                <TextField state errors name="city" label="Ville" autocomplete="address-level2"
                    get=|s: &FormState| s.input.city.clone() set=|s: &mut FormState, v| s.input.city = v/>
            </div>
            <details class="part">
                <summary>"Plus d'informations (contact)"</summary>
                <Show when=is_company>
                    <TextField state errors name="contact_role" label="Fonction de l'interlocuteur"
                        get=|s: &FormState| s.input.contact_role.clone() set=|s: &mut FormState, v| s.input.contact_role = v/>
                </Show>
                <TextField state errors name="phone_landline" label="Téléphone fixe" kind="tel" inputmode="tel"
                    get=|s: &FormState| s.input.phone_landline.clone() set=|s: &mut FormState, v| s.input.phone_landline = v/>
                <TextField state errors name="call_preferences" label="Préférences d'appel (jours, créneaux, précautions)"
                    get=|s: &FormState| s.input.call_preferences.clone() set=|s: &mut FormState, v| s.input.call_preferences = v/>
                <TextField state errors name="campaign" label="Campagne d'origine (salon, fichier, parrainage…)"
                    get=|s: &FormState| s.input.campaign.clone() set=|s: &mut FormState, v| s.input.campaign = v/>
                <SelectField state name="preferred_place" label="Lieu de rendez-vous préféré"
                    options=vec![("", "—"), ("agency", MeetingPlace::Agency.label()), ("client", MeetingPlace::Client.label()), ("town", MeetingPlace::Town.label())]
                    get=|s: &FormState| s.input.preferred_place.map(|p| match p { MeetingPlace::Agency => "agency", MeetingPlace::Client => "client", MeetingPlace::Town => "town" }).unwrap_or("").to_string()
                    set=|s: &mut FormState, v| s.input.preferred_place = match v.as_str() { "agency" => Some(MeetingPlace::Agency), "client" => Some(MeetingPlace::Client), "town" => Some(MeetingPlace::Town), _ => None }/>
                <TextField state errors name="sector" label="Secteur géographique"
                    get=|s: &FormState| s.input.sector.clone() set=|s: &mut FormState, v| s.input.sector = v/>
                <TextField state errors name="spouse_name" label="Conjoint"
                    get=|s: &FormState| s.input.spouse_name.clone() set=|s: &mut FormState, v| s.input.spouse_name = v/>
                <TextField state errors name="website" label="Site web" kind="url"
                    get=|s: &FormState| s.input.website.clone() set=|s: &mut FormState, v| s.input.website = v/>
            </details>
            <details class="part" id="situation" prop:open=move || situation_open.get()>
                <summary>"Situation"</summary>
                <TextField state errors name="situation.profession" label="Profession"
                    get=|s: &FormState| s.input.situation.profession.clone() set=|s: &mut FormState, v| s.input.situation.profession = v/>
                <TextField state errors name="situation.family" label="Famille"
                    get=|s: &FormState| s.input.situation.family.clone() set=|s: &mut FormState, v| s.input.situation.family = v/>
                <TextField state errors name="situation.marital_regime" label="Régime matrimonial"
                    get=|s: &FormState| s.input.situation.marital_regime.clone() set=|s: &mut FormState, v| s.input.situation.marital_regime = v/>
                <TextField state errors name="situation.decider" label="Qui décide"
                    get=|s: &FormState| s.input.situation.decider.clone() set=|s: &mut FormState, v| s.input.situation.decider = v/>
                <SelectField state name="situation.risk_appetite" label="Profil investisseur"
                    options=vec![("", "—"), ("prudent", RiskAppetite::Prudent.label()), ("balanced", RiskAppetite::Balanced.label()), ("dynamic", RiskAppetite::Dynamic.label()), ("offensive", RiskAppetite::Offensive.label())]
                    get=|s: &FormState| s.input.situation.risk_appetite.map(|r| match r { RiskAppetite::Prudent => "prudent", RiskAppetite::Balanced => "balanced", RiskAppetite::Dynamic => "dynamic", RiskAppetite::Offensive => "offensive" }).unwrap_or("").to_string()
                    set=|s: &mut FormState, v| s.input.situation.risk_appetite = match v.as_str() { "prudent" => Some(RiskAppetite::Prudent), "balanced" => Some(RiskAppetite::Balanced), "dynamic" => Some(RiskAppetite::Dynamic), "offensive" => Some(RiskAppetite::Offensive), _ => None }/>
                <TextField state errors name="situation.income_cents" label="Revenus annuels (€)" inputmode="decimal"
                    get=|s: &FormState| s.income.clone() set=|s: &mut FormState, v| s.income = v/>
                <TextField state errors name="situation.financial_assets_cents" label="Patrimoine financier (€)" inputmode="decimal"
                    get=|s: &FormState| s.financial.clone() set=|s: &mut FormState, v| s.financial = v/>
                <TextField state errors name="situation.real_estate_cents" label="Patrimoine immobilier (€)" inputmode="decimal"
                    get=|s: &FormState| s.real_estate.clone() set=|s: &mut FormState, v| s.real_estate = v/>
                <TextField state errors name="situation.liabilities_cents" label="Passif (€)" inputmode="decimal"
                    get=|s: &FormState| s.liabilities.clone() set=|s: &mut FormState, v| s.liabilities = v/>
                <TextField state errors name="situation.competitors" label="Concurrents en place"
                    get=|s: &FormState| s.input.situation.competitors.clone() set=|s: &mut FormState, v| s.input.situation.competitors = v/>
                <TextArea state name="situation.projects" label="Projets"
                    get=|s: &FormState| s.input.situation.projects.clone() set=|s: &mut FormState, v| s.input.situation.projects = v/>
                <TextArea state name="situation.sensitive_points" label="Points sensibles"
                    get=|s: &FormState| s.input.situation.sensitive_points.clone() set=|s: &mut FormState, v| s.input.situation.sensitive_points = v/>
            </details>
            <details class="part">
                <summary>"Relation et potentiel"</summary>
                <TextField state errors name="accessible_potential_cents" label="Potentiel accessible (€)" inputmode="decimal" placeholder="250 000"
                    get=|s: &FormState| s.potential.clone() set=|s: &mut FormState, v| s.potential = v/>
                <TextField state errors name="assets_entrusted_cents" label="Encours confié (€)" inputmode="decimal"
                    get=|s: &FormState| s.assets.clone() set=|s: &mut FormState, v| s.assets = v/>
                <SelectField state name="relationship_quality" label="Qualité de la relation"
                    options=vec![("", "—"), ("1", "1 — difficile"), ("2", "2"), ("3", "3 — correcte"), ("4", "4"), ("5", "5 — excellente")]
                    get=|s: &FormState| s.input.relationship_quality.map(|q| q.to_string()).unwrap_or_default()
                    set=|s: &mut FormState, v| s.input.relationship_quality = v.parse().ok()/>
                <TextField state errors name="networks" label="Filières (séparées par des virgules)"
                    get=|s: &FormState| s.input.networks.join(", ") set=|s: &mut FormState, v| s.input.networks = v.split(',').map(|x| x.trim_start().to_string()).collect()/>
                <TextArea state name="notes" label="Notes"
                    get=|s: &FormState| s.input.notes.clone() set=|s: &mut FormState, v| s.input.notes = v/>
            </details>
            {move || message.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <Show when=move || duplicates.with(|d| !d.is_empty())>
                <div class="card duplicates">
                    <p><strong>"Dossiers semblables :"</strong></p>
                    <ul>
                        {move || duplicates.get().into_iter().map(|d| {
                            let why = match d.matched_on.as_str() { "email" => "même e-mail", "phone" => "même téléphone", _ => "même nom et code postal" };
                            if d.visible {
                                view! { <li><a href=format!("/contacts/{}", d.id)>{d.display_name.clone()}</a>" ("{why}")"</li> }.into_any()
                            } else {
                                view! { <li>{d.display_name.clone()}" — suivi par "{d.owner_name.clone()}" ("{why}")"</li> }.into_any()
                            }
                        }).collect_view()}
                    </ul>
                    <button type="button" class="secondary" on:click={
                        let save_again = save_again.clone();
                        move |_| save_again(true)
                    }>"Créer quand même"</button>
                </div>
            </Show>
            <div class="sticky-actions">
                <button type="submit" class="primary wide" disabled=move || busy.get()>
                    {move || if busy.get() { "Enregistrement…" } else if editing.is_some() { "Enregistrer" } else { "Créer le contact" }}
                </button>
            </div>
        </form>
    }
}
