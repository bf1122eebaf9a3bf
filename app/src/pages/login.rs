//! Sign in. The form posts to `/login` by itself when sent before the page's code has
//! loaded; once hydrated it signs in through the API and stays on the page on an error.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{LoginRequest, Me};

use crate::client::{self, Method};
use crate::endpoints;

/// What follows a sign-in: the replica is one user's — another user's (an expired session left
/// it) is erased before this one's sync starts — then Today.
async fn signed_in(me: Me) {
    crate::replica::adopt(&me).await;
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href("/");
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    // Set by the server when the form was sent before the page's code had loaded.
    let query = leptos_router::hooks::use_query_map();
    let from_server = query.with_untracked(|q| q.get("erreur")).map(|code| {
        match code.as_str() {
            "identifiants" => "E-mail ou mot de passe incorrect.",
            "attente" => "Trop d'essais : réessayez dans une minute.",
            _ => "Connexion impossible pour le moment, réessayez.",
        }
        .to_string()
    });
    // Sent here by the phone's sync when the session ended.
    let ended = query.with_untracked(|q| q.get("fin")).map(|why| match why.as_str() {
        "revoquee" => "Cette session a été fermée (depuis un autre appareil, ou le compte est désactivé) : les données de ce téléphone ont été effacées.",
        _ => "Votre session a expiré : reconnectez-vous, vos saisies en attente partiront ensuite.",
    });
    let (error, set_error) = signal(from_server);
    let (busy, set_busy) = signal(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        set_busy.set(true);
        set_error.set(None);
        let req = LoginRequest {
            email: email.get_untracked(),
            password: password.get_untracked(),
        };
        spawn_local(async move {
            match client::json::<Me>(Method::Post, endpoints::LOGIN, Some(&req)).await {
                Ok(me) => signed_in(me).await,
                Err(f) if f.status == 401 => set_error.set(Some("E-mail ou mot de passe incorrect.".into())),
                Err(f) => set_error.set(Some(f.message())),
            }
            set_busy.set(false);
        });
    };
    view! {
        <main class="login">
            <h1 class="brand-big">"Tournée"</h1>
            <p class="tagline">"Vos clients, votre tournée, même sans réseau."</p>
            <form on:submit=submit method="post" action="/login" class="card">
                <div class="field">
                    <label for="login-email">"E-mail"</label>
                    <input id="login-email" name="email" type="email" autocomplete="username" inputmode="email" required bind:value=email/>
                </div>
                <div class="field">
                    <label for="login-password">"Mot de passe"</label>
                    <input id="login-password" name="password" type="password" autocomplete="current-password" required bind:value=password/>
                </div>
                {ended.map(|m| view! { <p class="notice" role="status">{m}</p> })}
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Connexion…" } else { "Se connecter" }}
                </button>
            </form>
        </main>
    }
}

/// The page of an invitation link (`/invitation?t=…`): the new user chooses their password and
/// is signed in.
#[component]
pub fn InvitationPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let token = query.with_untracked(|q| q.get("t")).unwrap_or_default();
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let (error, set_error) = signal(None::<String>);
    let (busy, set_busy) = signal(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (p, a) = (password.get_untracked(), again.get_untracked());
        if p != a {
            set_error.set(Some("Les deux mots de passe diffèrent.".into()));
            return;
        }
        set_busy.set(true);
        set_error.set(None);
        let body = serde_json::json!({ "token": token.clone(), "password": p });
        spawn_local(async move {
            match client::json::<Me>(Method::Post, endpoints::INVITATION, Some(&body)).await {
                Ok(me) => signed_in(me).await,
                Err(f) if f.status == 404 => set_error.set(Some(
                    "Ce lien n'est pas valable : demandez-en un nouveau à votre chef d'agence.".into(),
                )),
                Err(f) => set_error.set(Some(
                    f.body
                        .fields
                        .get("password")
                        .map(|m| format!("Mot de passe : {m}"))
                        .unwrap_or_else(|| f.message()),
                )),
            }
            set_busy.set(false);
        });
    };
    view! {
        <main class="login">
            <h1 class="brand-big">"Tournée"</h1>
            <p class="tagline">"Bienvenue : choisissez votre mot de passe."</p>
            <form on:submit=submit class="card">
                <div class="field">
                    <label for="inv-password">"Mot de passe (10 caractères au moins)"</label>
                    <input id="inv-password" type="password" autocomplete="new-password" required bind:value=password/>
                </div>
                <div class="field">
                    <label for="inv-again">"Le même, encore"</label>
                    <input id="inv-again" type="password" autocomplete="new-password" required bind:value=again/>
                </div>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get()>"Choisir ce mot de passe"</button>
            </form>
        </main>
    }
}
