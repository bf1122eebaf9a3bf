//! Small pieces used by several pages.

pub mod chart;
pub mod feedback;
pub mod fields;
pub mod layout;
pub mod lists;

use leptos::prelude::*;
use shared::scoring::Segment;
use shared::stage::Stage;

/// A date the French way (`23/11/2026`), without pulling chrono's strftime into the bundle.
pub fn date_fr(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
}

/// A wall-clock time the French way (`14h30`).
pub fn time_fr(t: chrono::NaiveDateTime) -> String {
    use chrono::Timelike;
    format!("{:02}h{:02}", t.hour(), t.minute())
}

/// A day with its weekday (`lun. 23/11`).
pub fn day_fr(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    const DAYS: [&str; 7] = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."];
    format!(
        "{} {:02}/{:02}",
        DAYS[d.weekday().num_days_from_monday() as usize],
        d.day(),
        d.month()
    )
}

/// A clock time with a colon (`14:02`).
pub fn clock_fr(t: chrono::NaiveDateTime) -> String {
    use chrono::Timelike;
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// A day and month with a clock time (`28/11 14:02`).
pub fn day_clock_fr(t: chrono::NaiveDateTime) -> String {
    use chrono::Datelike;
    format!("{:02}/{:02} {}", t.day(), t.month(), clock_fr(t))
}

/// A full date with a clock time (`28/11/2026 14:02`).
pub fn date_clock_fr(t: chrono::NaiveDateTime) -> String {
    format!("{} {}", date_fr(t.date()), clock_fr(t))
}

/// An instant on the phone's clock.
pub fn local(at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    at.with_timezone(&chrono::Local).naive_local()
}

/// The browser's today (the phone's clock is the advisor's clock).
pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// The signed-in user as kept on this phone at login (browser only; `None` while rendering on
/// the server, so read it in an effect or a local resource).
pub fn me() -> Option<shared::api::Me> {
    crate::storage::load(crate::replica::ME_KEY)
}

/// Calls `then` with the signed-in user: as kept on this phone, or asked from the server when
/// the phone has not kept it (a login form sent before the page's code had loaded keeps
/// nothing). Browser only: call it in an effect.
pub fn with_me(then: impl Fn(shared::api::Me) + 'static) {
    match me() {
        Some(m) => then(m),
        None => leptos::task::spawn_local(async move {
            if let Some(m) = me_now().await {
                then(m);
            }
        }),
    }
}

/// The signed-in user as kept on this phone, or asked from the server (and then kept) when the
/// phone has not kept it; `None` when the server cannot say.
pub async fn me_now() -> Option<shared::api::Me> {
    if let Some(m) = me() {
        return Some(m);
    }
    let m = crate::client::get::<shared::api::Me>(crate::endpoints::ME).await.ok()?;
    crate::storage::save(crate::replica::ME_KEY, &m);
    Some(m)
}

/// Waits `ms` milliseconds in the browser (returns at once on the server).
pub async fn sleep_ms(ms: i32) {
    #[cfg(feature = "hydrate")]
    {
        let promise = js_sys::Promise::new(&mut |resolve: js_sys::Function, _| {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ms;
}

/// Whether the signed-in user is the agency's manager (sees the team), asking the server when
/// the phone has not kept who is signed in (see [`me_now`]): for code that runs once.
pub async fn is_manager_now() -> bool {
    me_now().await.is_some_and(|m| m.role == shared::api::Role::Manager)
}

/// Sets `manager` once it is known who is signed in (see [`with_me`]).
pub fn watch_manager(manager: RwSignal<bool>) {
    with_me(move |m| manager.set(m.role == shared::api::Role::Manager));
}

/// The agency's people for a manager's pickers (advisor filter, reassign, share), read once
/// `manager` is known to be true — from the server, or without network as the last sync
/// brought them; empty for an advisor.
pub fn agency_people(manager: RwSignal<bool>) -> LocalResource<Vec<shared::api::AgencyUser>> {
    LocalResource::new(move || async move {
        if manager.get() {
            let online = crate::client::get::<Vec<shared::api::AgencyUser>>(crate::endpoints::AGENCY_USERS).await;
            crate::replica::or_local(online, crate::replica::team)
                .await
                .unwrap_or_default()
        } else {
            Vec::new()
        }
    })
}

/// The stage as a coloured label.
#[component]
pub fn StageBadge(stage: Stage) -> impl IntoView {
    view! { <span class=format!("badge stage-{}", stage.as_str())>{stage.label()}</span> }
}

/// The segment as a coloured label (clients only).
#[component]
pub fn SegmentBadge(segment: Segment) -> impl IntoView {
    view! { <span class=format!("badge seg-{}", segment.as_str())>{segment.label()}</span> }
}

/// An error message block, hidden when there is none.
#[component]
pub fn ErrorText(message: ReadSignal<Option<String>>) -> impl IntoView {
    move || message.get().map(|m| view! { <p class="error" role="alert">{m}</p> })
}

/// The link to the people near a point, from a record or a meeting.
pub fn nearby_href(lat: f64, lon: f64, label: &str, exclude: uuid::Uuid) -> String {
    format!(
        "/nearby?lat={lat:.6}&lon={lon:.6}&autour={}&sauf={exclude}",
        crate::client::encode(label)
    )
}
