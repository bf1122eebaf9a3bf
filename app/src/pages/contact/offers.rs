//! The record's offers (*offres*) and prognosis: each offer with its amount, closing month and
//! status, its prognosis moved in one tap (0 to 100 %) with the history of every change; the
//! global prognosis by the agency's rule; a quasi-client offered the move to client. Works
//! offline: the writes are `save_offer` / `set_manual_prognosis` mutations, laid over the
//! phone's copy until the server has them.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::offer::{
    family_label, month_label, AmountKind, Offer, OfferInput, OfferStatus, ProductFamily, Prognosis, PrognosisChange,
    PrognosisRule, QuoteAnswer, RecordOffers,
};
use shared::record::{Contact, FieldErrors};
use shared::settings::AgencySettings;
use shared::stage::{Stage, StageChange};
use shared::sync::Mutation;
use shared::values::Euros;
use uuid::Uuid;

use crate::client::{self, ApiFailure, Method};
use crate::components::feedback::notify;
use crate::components::{date_fr, today};
use crate::endpoints;
use crate::replica::{self, Saved};
use crate::storage;

fn euros(cents: i64) -> String {
    Euros::from_cents(cents).map(|e| e.to_string()).unwrap_or_default()
}

/// The agency's settings, from the server or as last kept on the phone.
async fn settings() -> AgencySettings {
    let online = client::get::<AgencySettings>(endpoints::AGENCY_SETTINGS).await;
    if let Ok(s) = &online {
        storage::save(replica::SETTINGS_KEY, s);
    }
    replica::or_local(online, replica::settings).await.unwrap_or_default()
}

/// Saves an offer: sent at once with network, kept in the outbox without.
async fn save(input: OfferInput, existing: bool) -> Result<Saved<Offer>, ApiFailure> {
    let id = input.id.unwrap_or_else(shared::new_id);
    let input = OfferInput { id: Some(id), ..input };
    let body = input.clone();
    replica::write(Mutation::SaveOffer(input), || async move {
        if existing {
            client::json::<Offer>(Method::Put, &endpoints::offer(id), Some(&body)).await
        } else {
            client::json::<Offer>(Method::Post, endpoints::OFFERS, Some(&body)).await
        }
    })
    .await
}

#[component]
pub fn Offers(c: Contact, on_changed: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let id = c.id;
    let stage = c.stage;
    let contact = StoredValue::new(c);
    let (version, set_version) = signal(0u32);
    let data = LocalResource::new(move || {
        version.track();
        async move {
            let s = settings().await;
            let online = client::get::<RecordOffers>(&endpoints::contact_offers(id)).await;
            let rule = s.prognosis_rule;
            let offers = replica::or_local(online, || {
                Some(RecordOffers::of(
                    replica::offers_of(id),
                    &replica::contact(id).unwrap_or_else(|| contact.get_value()),
                    rule,
                ))
            })
            .await;
            offers.map(|o| (o, s))
        }
    });
    let refresh = move || {
        set_version.update(|v| *v += 1);
        on_changed();
    };
    let (adding, set_adding) = signal(false);
    view! {
        <section class="card offers" aria-label="Offres">
            <h3>"Offres et pronostic"</h3>
            <Suspense fallback=|| view! { <p class="muted small">"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((r, s)) => {
                            let families = s.product_families.clone();
                            view! {
                                <Global r=r.clone() contact_id=id stage=stage on_changed=refresh/>
                                {r.offers.is_empty().then(|| view! { <p class="muted small">"Aucune offre sur ce dossier."</p> })}
                                <ul class="offer-list">
                                    {r.offers.into_iter().map(|o| view! { <OfferItem o=o families=families.clone() on_changed=refresh/> }).collect_view()}
                                </ul>
                                <Show when=move || adding.get() fallback=move || view! {
                                    <button class="secondary wide" on:click=move |_| set_adding.set(true)>"Ajouter une offre"</button>
                                }>
                                    <OfferForm contact_id=id existing=None families=s.product_families.clone()
                                        on_done=move || { set_adding.set(false); refresh(); }
                                        on_cancel=move || set_adding.set(false)/>
                                </Show>
                            }.into_any()
                        }
                        Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The global prognosis, the quasi-client's move to client, and the value set by hand.
#[component]
fn Global(
    r: RecordOffers,
    contact_id: Uuid,
    stage: Stage,
    on_changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let (error, set_error) = signal(None::<String>);
    let to_client = move |_| {
        let change = StageChange::Move {
            to: Stage::Client,
            reason: Some("offre signée".into()),
        };
        if let Err(e) = shared::stage::apply(stage, &change) {
            set_error.set(Some(format!(
                "{e}. Changez d'étape pas à pas depuis « Changer d'étape »."
            )));
            return;
        }
        spawn_local(async move {
            let body = change.clone();
            let saved = replica::write(Mutation::ChangeStage { id: contact_id, change }, || async move {
                client::json::<Contact>(Method::Post, &endpoints::contact_stage(contact_id), Some(&body)).await
            })
            .await;
            match saved {
                Ok(Saved::Sent(_)) => {
                    notify("Étape : client");
                    on_changed();
                }
                Ok(Saved::Queued) => {
                    notify(replica::QUEUED_NOTICE);
                    on_changed();
                }
                Err(f) => set_error.set(Some(f.message())),
            }
        });
    };
    let set_manual = move |value: String| {
        let prognosis = value.parse::<u8>().ok().and_then(Prognosis::new);
        spawn_local(async move {
            let body = serde_json::json!({ "prognosis": prognosis });
            let saved = replica::write(Mutation::SetManualPrognosis { contact_id, prognosis }, || async move {
                client::json::<Contact>(Method::Put, &endpoints::contact_prognosis(contact_id), Some(&body)).await
            })
            .await;
            match saved {
                Ok(Saved::Sent(_)) => {
                    notify("Pronostic global enregistré");
                    on_changed();
                }
                Ok(Saved::Queued) => {
                    notify(replica::QUEUED_NOTICE);
                    on_changed();
                }
                Err(f) => set_error.set(Some(f.message())),
            }
        });
    };
    let manual = r.rule == PrognosisRule::Manual;
    let current = r.global_prognosis;
    view! {
        <p class="global-prognosis">
            "Pronostic global : "
            <strong>{current.map(|p| format!("{p} %")).unwrap_or_else(|| "—".into())}</strong>
            <span class="muted small">{format!(" ({})", r.rule.label().to_lowercase())}</span>
        </p>
        {manual.then(|| view! {
            <div class="field">
                <label for="manual-prognosis">"Pronostic global (saisi à la main)"</label>
                <select id="manual-prognosis" on:change=move |ev| set_manual(event_target_value(&ev))>
                    <option value="" selected=current.is_none()>"Non renseigné"</option>
                    {Prognosis::all().map(|p| {
                        let v = p.percent();
                        view! { <option value=v.to_string() selected=current == Some(v)>{format!("{v} %")}</option> }
                    }).collect_view()}
                </select>
            </div>
        })}
        {r.quasi_client.then(|| view! {
            <div class="notice">
                <p><strong>"Quasi-client"</strong>" : une offre est signée."</p>
                <button class="primary" on:click=to_client>"Passer le dossier en client"</button>
            </div>
        })}
        {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
    }
}

#[component]
fn OfferItem(
    o: Offer,
    families: Vec<ProductFamily>,
    on_changed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let offer = StoredValue::new(o.clone());
    let (editing, set_editing) = signal(false);
    let (error, set_error) = signal(None::<String>);
    let (history_open, set_history_open) = signal(false);
    let history = LocalResource::new(move || {
        let open = history_open.get();
        async move {
            if !open {
                return Ok(Vec::new());
            }
            client::get::<Vec<PrognosisChange>>(&endpoints::offer_history(offer.get_value().id)).await
        }
    });
    let set_prognosis = move |to: Prognosis| {
        let o = offer.get_value();
        if o.prognosis == to {
            return;
        }
        let mut input = o.to_input();
        input.prognosis = to;
        // A tap on a step reopens a closed offer at that step, or closes an open one at 0 / 100.
        input.status = match to.percent() {
            100 => OfferStatus::Signed,
            0 if o.status == OfferStatus::Lost => OfferStatus::Lost,
            0 => OfferStatus::Abandoned,
            _ => OfferStatus::Open,
        };
        let from = o.prognosis.percent();
        spawn_local(async move {
            match save(input, true).await {
                Ok(Saved::Sent(saved)) => {
                    notify(format!("Pronostic : {from} % → {} %", saved.prognosis.percent()));
                    on_changed();
                }
                Ok(Saved::Queued) => {
                    notify(replica::QUEUED_NOTICE);
                    on_changed();
                }
                Err(f) => set_error.set(Some(f.message())),
            }
        });
    };
    let fam = family_label(&families, &o.family).to_string();
    let status_class = match o.status {
        OfferStatus::Open => "badge",
        OfferStatus::Signed => "badge good",
        _ => "badge muted",
    };
    let heading = if o.label.is_empty() {
        fam.clone()
    } else {
        format!("{fam} — {}", o.label)
    };
    view! {
        <li class="offer">
            <div class="offer-head">
                <strong>{heading.clone()}</strong>
                <span class=status_class>{o.status.label()}</span>
            </div>
            <p class="muted small">
                {format!("{} ({}) · signature prévue {}", euros(o.amount_cents), o.amount_kind.label().to_lowercase(), month_label(&o.closing_month))}
                {o.quote_sent_on.map(|d| format!(" · devis du {} : {}", date_fr(d), o.quote_answer.label().to_lowercase()))}
            </p>
            <div class="prognosis" role="group" aria-label=format!("Pronostic de l'offre {heading}")>
                {Prognosis::all().map(|p| {
                    let pressed = p == o.prognosis;
                    view! {
                        <button type="button" class="step" class:on=pressed aria-pressed=pressed.to_string()
                            on:click=move |_| set_prognosis(p)>{format!("{} %", p.percent())}</button>
                    }
                }).collect_view()}
            </div>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <div class="row-actions">
                <button type="button" class="link" on:click=move |_| set_editing.update(|e| *e = !*e)>"Modifier l'offre"</button>
                <button type="button" class="link" aria-expanded=move || history_open.get().to_string()
                    on:click=move |_| set_history_open.update(|h| *h = !*h)>"Historique du pronostic"</button>
            </div>
            <Show when=move || history_open.get()>
                <Suspense fallback=|| view! { <p class="muted small">"Chargement…"</p> }>
                    {move || Suspend::new(async move {
                        match history.await {
                            Ok(list) => view! {
                                <ol class="history" aria-label="Historique du pronostic">
                                    {list.into_iter().map(|h| view! {
                                        <li>{format!("{} — {} : {}", date_fr(h.at.date_naive()), h.by_name,
                                            match h.from { Some(f) => format!("{} % → {} %", f.percent(), h.to.percent()), None => format!("créée à {} %", h.to.percent()) })}</li>
                                    }).collect_view()}
                                </ol>
                            }.into_any(),
                            Err(f) if f.status == 0 => view! { <p class="muted small">"L'historique s'affiche avec le réseau."</p> }.into_any(),
                            Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </Show>
            <Show when=move || editing.get()>
                <OfferForm contact_id=o.contact_id existing=Some(offer.get_value()) families=families.clone()
                    on_done=move || { set_editing.set(false); on_changed(); }
                    on_cancel=move || set_editing.set(false)/>
            </Show>
        </li>
    }
}

/// What the offer form holds, as typed.
#[derive(Debug, Clone, PartialEq)]
struct Draft {
    family: String,
    label: String,
    amount: String,
    amount_kind: String,
    closing_month: String,
    quote_sent_on: String,
    quote_answer: String,
    status: String,
    prognosis: String,
    notes: String,
}

impl Draft {
    fn of(o: Option<&Offer>, families: &[ProductFamily]) -> Draft {
        match o {
            Some(o) => Draft {
                family: o.family.clone(),
                label: o.label.clone(),
                amount: Euros::from_cents(o.amount_cents)
                    .map(|e| e.to_string())
                    .unwrap_or_default(),
                amount_kind: o.amount_kind.as_str().into(),
                closing_month: o.closing_month.clone(),
                quote_sent_on: o.quote_sent_on.map(|d| d.to_string()).unwrap_or_default(),
                quote_answer: o.quote_answer.as_str().into(),
                status: o.status.as_str().into(),
                prognosis: o.prognosis.percent().to_string(),
                notes: o.notes.clone(),
            },
            None => Draft {
                family: families.first().map(|f| f.code.clone()).unwrap_or_default(),
                label: String::new(),
                amount: String::new(),
                amount_kind: AmountKind::Premium.as_str().into(),
                closing_month: shared::offer::month_of(today() + chrono::Duration::days(60)),
                quote_sent_on: String::new(),
                quote_answer: QuoteAnswer::Awaited.as_str().into(),
                status: OfferStatus::Open.as_str().into(),
                prognosis: "20".into(),
                notes: String::new(),
            },
        }
    }

    /// The input, or the messages of the fields that do not read.
    fn input(&self, contact_id: Uuid, id: Option<Uuid>) -> Result<OfferInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let amount_cents = match Euros::parse(&self.amount) {
            Ok(e) => e.cents(),
            Err(_) => {
                errors.insert("amount_cents".into(), "montant en euros attendu (ex. 12 000)".into());
                0
            }
        };
        let quote_sent_on = match self.quote_sent_on.trim() {
            "" => None,
            s => match s.parse() {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.insert("quote_sent_on".into(), "date invalide".into());
                    None
                }
            },
        };
        let prognosis = self
            .prognosis
            .parse::<u8>()
            .ok()
            .and_then(Prognosis::new)
            .unwrap_or(Prognosis::LOST);
        let input = OfferInput {
            id,
            contact_id,
            family: self.family.clone(),
            label: self.label.clone(),
            amount_cents,
            amount_kind: AmountKind::parse(&self.amount_kind).unwrap_or_default(),
            closing_month: self.closing_month.clone(),
            quote_sent_on,
            quote_answer: QuoteAnswer::parse(&self.quote_answer).unwrap_or_default(),
            status: OfferStatus::parse(&self.status).unwrap_or_default(),
            prognosis,
            notes: self.notes.clone(),
        };
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(errors)
        }
    }
}

fn field_label(field: &str) -> &'static str {
    match field {
        "family" => "Famille de produits",
        "amount_cents" => "Montant",
        "closing_month" => "Mois de signature prévu",
        "quote_sent_on" => "Devis envoyé le",
        "quote_answer" => "Réponse au devis",
        "label" => "Intitulé",
        "notes" => "Notes",
        "contact_id" => "Dossier",
        _ => "Offre",
    }
}

#[component]
fn OfferForm(
    contact_id: Uuid,
    existing: Option<Offer>,
    families: Vec<ProductFamily>,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let draft = RwSignal::new(Draft::of(existing.as_ref(), &families));
    let errors = RwSignal::new(FieldErrors::new());
    let (busy, set_busy) = signal(false);
    let id = existing.as_ref().map(|o| o.id);
    let kept_family = existing.as_ref().map(|o| o.family.clone());
    let families_v = StoredValue::new(families.clone());
    let prefix = StoredValue::new(
        id.map(|i| i.to_string()[..8].to_string())
            .unwrap_or_else(|| "new".into()),
    );
    let fid = move |name: &str| format!("offer-{}-{name}", prefix.get_value());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = draft.get_untracked().input(contact_id, id).and_then(|i| {
            // The same rules as the server, for a message at once.
            i.validate(&families_v.get_value(), kept_family.as_deref())
        });
        let input = match checked {
            Ok(i) => i,
            Err(e) => {
                errors.set(e);
                crate::components::feedback::reveal_errors();
                return;
            }
        };
        set_busy.set(true);
        spawn_local(async move {
            match save(input, id.is_some()).await {
                Ok(Saved::Sent(_)) => {
                    notify(if id.is_some() {
                        "Offre modifiée"
                    } else {
                        "Offre ajoutée"
                    });
                    on_done();
                }
                Ok(Saved::Queued) => {
                    notify(replica::QUEUED_NOTICE);
                    on_done();
                }
                Err(f) => {
                    let mut e = f.body.fields.clone();
                    if e.is_empty() {
                        e.insert("offer".into(), f.message());
                    }
                    errors.set(e);
                }
            }
            set_busy.set(false);
        });
    };
    let text = move |name: &'static str,
                     label: &'static str,
                     kind: &'static str,
                     get: fn(&Draft) -> String,
                     set: fn(&mut Draft, String)| {
        let id = fid(name);
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input id=id type=kind prop:value=move || draft.with(get)
                    inputmode=if name == "amount" { "decimal" } else { "" }
                    on:input=move |ev| draft.update(|d| set(d, event_target_value(&ev)))/>
            </div>
        }
    };
    let select = move |name: &'static str,
                       label: &'static str,
                       options: Vec<(String, String)>,
                       get: fn(&Draft) -> String,
                       set: fn(&mut Draft, String)| {
        let id = fid(name);
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <select id=id on:change=move |ev| draft.update(|d| set(d, event_target_value(&ev)))>
                    {options.into_iter().map(|(v, l)| {
                        let selected = draft.with_untracked(get) == v;
                        view! { <option value=v selected=selected>{l}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
    };
    let mut family_options: Vec<(String, String)> =
        families.iter().map(|f| (f.code.clone(), f.label.clone())).collect();
    if let Some(k) = existing.as_ref().map(|o| o.family.clone()) {
        if !family_options.iter().any(|(c, _)| *c == k) {
            family_options.push((k.clone(), k));
        }
    }
    view! {
        <form class="offer-form" on:submit=submit novalidate>
            <h4>{if existing.is_some() { "Modifier l'offre" } else { "Nouvelle offre" }}</h4>
            {select("family", "Famille de produits", family_options, |d| d.family.clone(), |d, v| d.family = v)}
            {text("label", "Intitulé (ex. assurance-vie, versement initial)", "text", |d| d.label.clone(), |d, v| d.label = v)}
            {text("amount", "Montant (€)", "text", |d| d.amount.clone(), |d, v| d.amount = v)}
            {select("amount_kind", "Nature du montant", AmountKind::ALL.iter().map(|k| (k.as_str().to_string(), k.label().to_string())).collect(),
                |d| d.amount_kind.clone(), |d, v| d.amount_kind = v)}
            {text("closing_month", "Mois de signature prévu", "month", |d| d.closing_month.clone(), |d, v| d.closing_month = v)}
            {select("prognosis", "Pronostic", Prognosis::all().map(|p| (p.percent().to_string(), format!("{} %", p.percent()))).collect(),
                |d| d.prognosis.clone(), |d, v| d.prognosis = v)}
            {select("status", "Statut", OfferStatus::ALL.iter().map(|s| (s.as_str().to_string(), s.label().to_string())).collect(),
                |d| d.status.clone(), |d, v| d.status = v)}
            {text("quote_sent_on", "Devis envoyé le", "date", |d| d.quote_sent_on.clone(), |d, v| d.quote_sent_on = v)}
            {select("quote_answer", "Réponse au devis", QuoteAnswer::ALL.iter().map(|a| (a.as_str().to_string(), a.label().to_string())).collect(),
                |d| d.quote_answer.clone(), |d, v| d.quote_answer = v)}
            {text("notes", "Notes", "text", |d| d.notes.clone(), |d, v| d.notes = v)}
            {move || {
                let e = errors.get();
                (!e.is_empty()).then(|| view! {
                    <div class="error" role="alert">
                        <p>"L'offre n'est pas enregistrée :"</p>
                        <ul>{e.into_iter().map(|(f, m)| view! { <li>{format!("{} : {m}", field_label(&f))}</li> }).collect_view()}</ul>
                    </div>
                })
            }}
            <div class="row-actions">
                <button type="submit" class="primary" disabled=move || busy.get()>"Enregistrer l'offre"</button>
                <button type="button" class="secondary" on:click=move |_| on_cancel()>"Annuler"</button>
            </div>
        </form>
    }
}
