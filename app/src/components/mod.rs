//! Small pieces used by several pages.

pub mod fields;
pub mod layout;

use leptos::prelude::*;
use shared::scoring::Segment;
use shared::stage::Stage;

/// A date the French way (`23/11/2026`), without pulling chrono's strftime into the bundle.
pub fn date_fr(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{:02}/{:02}/{}", d.day(), d.month(), d.year())
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
