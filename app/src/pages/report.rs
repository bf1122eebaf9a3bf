//! The visit report (*compte rendu de visite*), written in the car park: one screen, big
//! targets, the usual objections one tap away, a referral in two fields. Every keystroke is
//! kept in the phone's storage until the server has the report.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde::{Deserialize, Serialize};
use shared::record::Contact;
use shared::settings::AgencySettings;
use shared::stage::Stage;
use shared::visit::{
    suggest_stage, CheckIn, Meeting, ObjectionInput, ObjectionType, Outcome, ReferralInput, Report, ReportInput,
};

use crate::client::{self, Method};
use crate::components::layout::Page;
use crate::components::{date_fr, time_fr};
use crate::endpoints;
use crate::replica::{self, Saved};
use crate::storage;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
struct ObjectionDraft {
    code: Option<String>,
    label: String,
    answer: String,
    overcome: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
struct ReferralDraft {
    /// "Prénom Nom" in one field.
    name: String,
    /// A phone number or an e-mail address.
    reach: String,
}

impl ReferralDraft {
    fn to_input(&self) -> ReferralInput {
        let name = self.name.trim();
        let (first, last) = match name.split_once(' ') {
            Some((f, l)) => (f.trim().to_string(), l.trim().to_string()),
            None => (String::new(), name.to_string()),
        };
        let reach = self.reach.trim().to_string();
        let (phone, email) = if reach.contains('@') {
            (String::new(), reach)
        } else {
            (reach, String::new())
        };
        ReferralInput {
            first_name: first,
            last_name: last,
            phone,
            email,
            ..Default::default()
        }
    }
}

/// Everything typed, as saved in the phone between keystrokes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Draft {
    outcome: Option<Outcome>,
    summary: String,
    needs: String,
    interest_signs: String,
    satisfaction: Option<u8>,
    recommend_score: Option<u8>,
    objections: Vec<ObjectionDraft>,
    other_objection: String,
    referrals_asked: bool,
    referrals: Vec<ReferralDraft>,
    apply_stage: bool,
    next_step: String,
    next_step_due: String,
    checkin: Option<CheckIn>,
}

impl Default for Draft {
    fn default() -> Self {
        Draft {
            outcome: None,
            summary: String::new(),
            needs: String::new(),
            interest_signs: String::new(),
            satisfaction: None,
            recommend_score: None,
            objections: Vec::new(),
            other_objection: String::new(),
            referrals_asked: false,
            referrals: Vec::new(),
            apply_stage: true,
            next_step: String::new(),
            next_step_due: String::new(),
            checkin: None,
        }
    }
}

impl Draft {
    fn to_input(&self, suggested: Option<Stage>) -> Result<ReportInput, String> {
        let outcome = self.outcome.ok_or("Choisissez l'issue de l'entretien.")?;
        let next_step_due = match self.next_step_due.trim() {
            "" => None,
            d => Some(d.parse().map_err(|_| "Date de la prochaine étape invalide.")?),
        };
        Ok(ReportInput {
            outcome,
            summary: self.summary.clone(),
            needs: self.needs.clone(),
            interest_signs: self.interest_signs.clone(),
            satisfaction: self.satisfaction,
            recommend_score: self.recommend_score,
            stage_to: if self.apply_stage { suggested } else { None },
            next_step: self.next_step.clone(),
            next_step_due,
            objections: self
                .objections
                .iter()
                .map(|o| ObjectionInput {
                    code: o.code.clone(),
                    text: if o.code.is_none() {
                        o.label.clone()
                    } else {
                        String::new()
                    },
                    answer: o.answer.clone(),
                    overcome: o.overcome,
                })
                .collect(),
            referrals_asked: self.referrals_asked || !self.referrals.is_empty(),
            referrals: self
                .referrals
                .iter()
                .filter(|r| !(r.name.trim().is_empty() && r.reach.trim().is_empty()))
                .map(ReferralDraft::to_input)
                .collect(),
            checkin: self.checkin,
        })
    }
}

/// French wording of a report field key (`referrals.0.phone` → "Recommandé 1 : téléphone").
fn field_label(key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    match parts.as_slice() {
        ["objections", i, _] => format!("Objection {}", i.parse::<usize>().unwrap_or(0) + 1),
        ["referrals", i, f] => {
            let what = match *f {
                "phone" | "email" => "téléphone ou e-mail",
                _ => "nom",
            };
            format!("Recommandé {} : {what}", i.parse::<usize>().unwrap_or(0) + 1)
        }
        ["summary"] => "Résumé".into(),
        ["satisfaction"] => "Satisfaction".into(),
        ["stage_to"] => "Étape".into(),
        ["next_step"] => "Prochaine étape".into(),
        _ => key.to_string(),
    }
}

/// A report for this meeting waits in the outbox.
fn report_waiting(meeting: uuid::Uuid) -> bool {
    replica::pending()
        .iter()
        .any(|p| matches!(&p.mutation, shared::sync::Mutation::SaveReport { meeting_id, .. } if *meeting_id == meeting))
}

#[component]
pub fn ReportPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let data = LocalResource::new(move || {
        let id = id();
        async move {
            let key = uuid::Uuid::parse_str(&id).ok();
            let meeting = client::get::<Meeting>(&endpoints::meeting(&id)).await;
            let meeting = replica::or_local(meeting, || key.and_then(replica::meeting)).await?;
            let contact = client::get::<Contact>(&endpoints::contact(meeting.contact_id)).await;
            let contact = replica::or_local(contact, || replica::contact(meeting.contact_id)).await?;
            let settings = client::get::<AgencySettings>(endpoints::AGENCY_SETTINGS).await;
            if let Ok(s) = &settings {
                storage::save(replica::SETTINGS_KEY, s);
            }
            let settings = replica::or_local(settings, replica::settings).await?;
            Ok::<_, client::ApiFailure>((meeting, contact, settings))
        }
    });
    view! {
        <Page title="Compte rendu">
            <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((m, c, s)) if m.has_report => {
                            let _ = (c, s);
                            view! { <p class="notice">"Le compte rendu de ce rendez-vous est déjà saisi. "<a href=format!("/meetings/{}", m.id)>"Le voir"</a></p> }.into_any()
                        }
                        Ok((m, c, _)) if report_waiting(m.id) => view! {
                            <p class="notice">"Le compte rendu de ce rendez-vous est enregistré sur ce téléphone et part au retour du réseau. "
                                <a href=format!("/contacts/{}", c.id)>"Voir la fiche"</a></p>
                        }.into_any(),
                        Ok((m, c, s)) => view! { <ReportForm m=m c=c objections=s.objections/> }.into_any(),
                        Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}

#[component]
fn ReportForm(m: Meeting, c: Contact, objections: Vec<ObjectionType>) -> impl IntoView {
    let key = format!("tournee.report.{}", m.id);
    let draft = RwSignal::new(Draft::default());
    let (restored, set_restored) = signal(false);
    {
        let key = key.clone();
        // Restore once in the browser, then save on every change.
        Effect::new(move |first: Option<()>| {
            if first.is_none() {
                if let Some(saved) = storage::load::<Draft>(&key) {
                    if saved != Draft::default() {
                        draft.set(saved);
                        set_restored.set(true);
                    }
                }
            }
        });
    }
    {
        let key = key.clone();
        Effect::new(move |prev: Option<()>| {
            let d = draft.get();
            if prev.is_some() && d != Draft::default() {
                storage::save(&key, &d);
            }
        });
    }
    let (errors, set_errors) = signal(Vec::<String>::new());
    let (busy, set_busy) = signal(false);
    let (geo_msg, set_geo_msg) = signal(None::<String>);
    let stage = c.stage;
    let suggested = Memo::new(move |_| draft.with(|d| d.outcome).and_then(|o| suggest_stage(stage, o)));
    let meeting_id = m.id;
    let contact_id = c.id;
    let codes: Vec<String> = objections.iter().map(|o| o.code.clone()).collect();
    let navigate = use_navigate();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = match draft.with_untracked(|d| d.to_input(suggested.get_untracked())) {
            Ok(i) => i,
            Err(m) => {
                set_errors.set(vec![m]);
                return;
            }
        };
        // The server's rules, checked here first for an immediate answer.
        if let Err(fields) = input.clone().validate(&codes) {
            set_errors.set(
                fields
                    .iter()
                    .map(|(k, v)| format!("{} : {v}", field_label(k)))
                    .collect(),
            );
            return;
        }
        set_errors.set(Vec::new());
        set_busy.set(true);
        let key = key.clone();
        let navigate = navigate.clone();
        spawn_local(async move {
            let mutation = shared::sync::Mutation::SaveReport {
                meeting_id,
                report: input.clone(),
            };
            let saved = replica::write(mutation, || async move {
                client::json::<Report>(Method::Post, &endpoints::meeting_report(meeting_id), Some(&input)).await
            })
            .await;
            match saved {
                Ok(Saved::Sent(r)) => {
                    storage::remove(&key);
                    let tasks = r.tasks.len();
                    crate::components::feedback::notify(if tasks > 0 {
                        format!("Compte rendu enregistré — {tasks} tâche(s) créée(s)")
                    } else {
                        "Compte rendu enregistré".to_string()
                    });
                    navigate(&format!("/meetings/{meeting_id}?saved=1"), Default::default());
                }
                Ok(Saved::Queued) => {
                    // In the outbox for good: the draft is no longer needed.
                    storage::remove(&key);
                    navigate(&format!("/contacts/{contact_id}?queued=1"), Default::default());
                }
                Err(f) => {
                    let mut list: Vec<String> = f
                        .body
                        .fields
                        .iter()
                        .map(|(k, v)| format!("{} : {v}", field_label(k)))
                        .collect();
                    if list.is_empty() {
                        list.push(f.message());
                    }
                    set_errors.set(list);
                }
            }
            set_busy.set(false);
        });
    };

    let outcome_button = move |o: Outcome| {
        view! {
            <button type="button" class="chip" aria-pressed=move || (draft.with(|d| d.outcome) == Some(o)).to_string()
                on:click=move |_| draft.update(|d| d.outcome = Some(o))>{o.label()}</button>
        }
    };
    let objection_chip = move |t: ObjectionType| {
        let code = t.code.clone();
        let code2 = t.code.clone();
        let label = t.label.clone();
        view! {
            <button type="button" class="chip" aria-pressed=move || draft.with(|d| d.objections.iter().any(|o| o.code.as_deref() == Some(&code))).to_string()
                on:click=move |_| draft.update(|d| {
                    match d.objections.iter().position(|o| o.code.as_deref() == Some(&code2)) {
                        Some(i) => { d.objections.remove(i); }
                        None => d.objections.push(ObjectionDraft { code: Some(code2.clone()), label: label.clone(), ..Default::default() }),
                    }
                })>{t.label.clone()}</button>
        }
    };
    let checkin = move |_| {
        set_geo_msg.set(Some("Recherche de la position…".into()));
        crate::geo::current_position(move |r| match r {
            Ok((lat, lon, acc)) => {
                draft.update(|d| {
                    d.checkin = Some(CheckIn {
                        at: chrono::Utc::now(),
                        lat,
                        lon,
                        accuracy_m: Some(acc),
                    })
                });
                set_geo_msg.set(Some(format!("Position notée (± {} m)", acc.round())));
            }
            Err(m) => set_geo_msg.set(Some(m)),
        });
    };

    view! {
        <section class="record-head">
            <p><a href=format!("/contacts/{}", c.id)><strong>{c.display_name.clone()}</strong></a></p>
            <p class="muted small">{format!("RDV du {} à {} · {}", date_fr(m.local_start.date()), time_fr(m.local_start), m.place.label())}</p>
        </section>
        {move || restored.get().then(|| view! { <p class="notice" role="status">"Brouillon restauré"</p> })}
        <form class="report" on:submit=submit>
            <fieldset class="chips">
                <legend>"Issue de l'entretien"</legend>
                {Outcome::ALL.into_iter().map(outcome_button).collect_view()}
            </fieldset>
            <div class="field">
                <label for="r-summary">"Résumé"</label>
                <textarea id="r-summary" rows="4" placeholder="Dictez ou tapez l'essentiel"
                    prop:value=move || draft.with(|d| d.summary.clone())
                    on:input=move |ev| draft.update(|d| d.summary = event_target_value(&ev))></textarea>
            </div>

            <fieldset class="chips">
                <legend>"Objections entendues"</legend>
                {objections.into_iter().map(objection_chip).collect_view()}
            </fieldset>
            <div class="inline-add">
                <input type="text" aria-label="Autre objection" placeholder="Autre objection…"
                    prop:value=move || draft.with(|d| d.other_objection.clone())
                    on:input=move |ev| draft.update(|d| d.other_objection = event_target_value(&ev))/>
                <button type="button" class="secondary" on:click=move |_| draft.update(|d| {
                    let text = d.other_objection.trim().to_string();
                    if !text.is_empty() {
                        d.objections.push(ObjectionDraft { code: None, label: text, ..Default::default() });
                        d.other_objection.clear();
                    }
                })>"Ajouter"</button>
            </div>
            <ul class="list objections" aria-label="Objections notées">
                {move || draft.with(|d| d.objections.clone()).into_iter().enumerate().map(|(i, o)| view! {
                    <li class="card">
                        <div class="row-between">
                            <strong>{o.label.clone()}</strong>
                            <button type="button" class="chip small" aria-pressed=o.overcome.to_string()
                                on:click=move |_| draft.update(|d| if let Some(x) = d.objections.get_mut(i) { x.overcome = !x.overcome })>
                                {if o.overcome { "Levée ✓" } else { "Levée ?" }}
                            </button>
                        </div>
                        <input type="text" aria-label=format!("Réponse à l'objection {}", i + 1) placeholder="Réponse apportée"
                            prop:value=o.answer.clone()
                            on:change=move |ev| draft.update(|d| if let Some(x) = d.objections.get_mut(i) { x.answer = event_target_value(&ev) })/>
                    </li>
                }).collect_view()}
            </ul>

            <fieldset class="referrals">
                <legend>"Recommandations"</legend>
                <button type="button" class="chip" aria-pressed=move || draft.with(|d| d.referrals_asked || !d.referrals.is_empty()).to_string()
                    on:click=move |_| draft.update(|d| d.referrals_asked = !d.referrals_asked)>"Demandées"</button>
                {move || draft.with(|d| d.referrals.clone()).into_iter().enumerate().map(|(i, r)| view! {
                    <div class="referral card">
                        <input type="text" autocomplete="off" aria-label=format!("Nom du recommandé {}", i + 1) placeholder="Prénom Nom"
                            prop:value=r.name.clone()
                            on:input=move |ev| draft.update(|d| if let Some(x) = d.referrals.get_mut(i) { x.name = event_target_value(&ev) })/>
                        <input type="text" inputmode="email" autocomplete="off" aria-label=format!("Téléphone ou e-mail du recommandé {}", i + 1) placeholder="06… ou e-mail"
                            prop:value=r.reach.clone()
                            on:input=move |ev| draft.update(|d| if let Some(x) = d.referrals.get_mut(i) { x.reach = event_target_value(&ev) })/>
                        <button type="button" class="link" on:click=move |_| draft.update(|d| { if i < d.referrals.len() { d.referrals.remove(i); } })>"Retirer"</button>
                    </div>
                }).collect_view()}
                <button type="button" class="secondary wide" on:click=move |_| draft.update(|d| { d.referrals_asked = true; d.referrals.push(ReferralDraft::default()); })>
                    "+ Ajouter un nom"
                </button>
            </fieldset>

            {move || suggested.get().map(|s| view! {
                <label class="toggle">
                    <input type="checkbox" prop:checked=move || draft.with(|d| d.apply_stage)
                        on:change=move |ev| draft.update(|d| d.apply_stage = event_target_checked(&ev))/>
                    {format!(" Passer le dossier à « {} »", s.label())}
                </label>
            })}

            <details class="part">
                <summary>"Plus de détails"</summary>
                <div class="field">
                    <label for="r-needs">"Besoins détectés"</label>
                    <textarea id="r-needs" rows="2" prop:value=move || draft.with(|d| d.needs.clone())
                        on:input=move |ev| draft.update(|d| d.needs = event_target_value(&ev))></textarea>
                </div>
                <div class="field">
                    <label for="r-interest">"Signes d'intérêt"</label>
                    <textarea id="r-interest" rows="2" prop:value=move || draft.with(|d| d.interest_signs.clone())
                        on:input=move |ev| draft.update(|d| d.interest_signs = event_target_value(&ev))></textarea>
                </div>
                <fieldset class="chips">
                    <legend>"Satisfaction du client"</legend>
                    {(1u8..=5).map(|n| view! {
                        <button type="button" class="chip" aria-label=format!("Satisfaction {n} sur 5")
                            aria-pressed=move || (draft.with(|d| d.satisfaction) == Some(n)).to_string()
                            on:click=move |_| draft.update(|d| d.satisfaction = if d.satisfaction == Some(n) { None } else { Some(n) })>{n.to_string()}</button>
                    }).collect_view()}
                </fieldset>
                <fieldset class="chips nps">
                    <legend>"Nous recommanderait-il à un proche ? (0 à 10)"</legend>
                    {(0u8..=10).map(|n| view! {
                        <button type="button" class="chip small" aria-label=format!("Recommandation {n} sur 10")
                            aria-pressed=move || (draft.with(|d| d.recommend_score) == Some(n)).to_string()
                            on:click=move |_| draft.update(|d| d.recommend_score = if d.recommend_score == Some(n) { None } else { Some(n) })>{n.to_string()}</button>
                    }).collect_view()}
                </fieldset>
                <div class="two">
                    <div class="field">
                        <label for="r-next">"Prochaine étape"</label>
                        <input id="r-next" type="text" placeholder="Devient une tâche" prop:value=move || draft.with(|d| d.next_step.clone())
                            on:input=move |ev| draft.update(|d| d.next_step = event_target_value(&ev))/>
                    </div>
                    <div class="field">
                        <label for="r-next-due">"Pour le"</label>
                        <input id="r-next-due" type="date" prop:value=move || draft.with(|d| d.next_step_due.clone())
                            on:input=move |ev| draft.update(|d| d.next_step_due = event_target_value(&ev))/>
                    </div>
                </div>
                <button type="button" class="secondary wide" on:click=checkin>"Pointer ma position (je suis chez le client)"</button>
                {move || geo_msg.get().map(|m| view! { <p class="muted small" role="status">{m}</p> })}
            </details>

            {move || {
                let list = errors.get();
                (!list.is_empty()).then(|| view! {
                    <div class="error" role="alert">
                        <p>"Le compte rendu n'est pas enregistré :"</p>
                        <ul>{list.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
                    </div>
                })
            }}
            <div class="sticky-actions">
                <button type="submit" class="primary wide" disabled=move || busy.get()>
                    {move || if busy.get() { "Enregistrement…" } else { "Enregistrer le compte rendu" }}
                </button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_referral_in_two_fields_splits_into_names_and_a_way_to_reach() {
        let r = ReferralDraft {
            name: " Paul  Roux ".into(),
            reach: "06 11 22 33 44".into(),
        }
        .to_input();
        assert_eq!(
            (r.first_name.as_str(), r.last_name.as_str(), r.phone.as_str()),
            ("Paul", "Roux", "06 11 22 33 44")
        );
        let r = ReferralDraft {
            name: "Roux".into(),
            reach: "p@roux.fr".into(),
        }
        .to_input();
        assert_eq!(
            (r.first_name.as_str(), r.last_name.as_str(), r.email.as_str()),
            ("", "Roux", "p@roux.fr")
        );
    }

    #[test]
    fn the_draft_needs_an_outcome_and_carries_the_suggested_stage_when_kept() {
        let mut d = Draft::default();
        assert!(d.to_input(None).is_err());
        d.outcome = Some(Outcome::Positive);
        d.objections.push(ObjectionDraft {
            code: None,
            label: "Trop loin".into(),
            ..Default::default()
        });
        d.referrals.push(ReferralDraft::default());
        let i = d.to_input(Some(Stage::Engaged)).unwrap();
        assert_eq!(i.stage_to, Some(Stage::Engaged));
        assert_eq!(i.objections[0].text, "Trop loin");
        assert!(i.referrals.is_empty(), "an empty row is dropped");
        d.apply_stage = false;
        assert_eq!(d.to_input(Some(Stage::Engaged)).unwrap().stage_to, None);
    }

    #[test]
    fn field_keys_read_in_french() {
        assert_eq!(field_label("referrals.0.phone"), "Recommandé 1 : téléphone ou e-mail");
        assert_eq!(field_label("objections.2.code"), "Objection 3");
    }
}
