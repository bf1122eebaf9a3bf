//! What the phone keeps besides the replica's rows, and the layer the screens read: the
//! outbox laid over the rows by the shared rules, with the agency's settings from the last
//! sync and the signed-in user.

#[cfg(feature = "hydrate")]
use chrono::{DateTime, Utc};
#[cfg(feature = "hydrate")]
use uuid::Uuid;

#[cfg(feature = "hydrate")]
use super::{PendingMutation, ME_KEY, OWNER_KEY, SETTINGS_KEY};

/// The outbox laid over the rows by the shared rules (`shared::sync::overlay`), with the
/// agency's settings and the user from the last sync, on the phone's clock (the agency's).
#[cfg(feature = "hydrate")]
pub(super) fn lay_over(
    rows: &std::collections::BTreeMap<shared::sync::engine::RowKey, shared::sync::Change>,
    outbox: &[PendingMutation],
) -> shared::sync::overlay::Layer {
    use chrono::{Local, NaiveDateTime, TimeZone};
    use shared::sync::overlay::{lay_over, Context};
    let me = crate::storage::load::<shared::api::Me>(ME_KEY);
    let owner = crate::storage::load::<Uuid>(OWNER_KEY);
    let Some(user_id) = me.as_ref().map(|m| m.user_id).or(owner) else {
        return Default::default();
    };
    let pulled = match rows.get(&(shared::sync::engine::RowKind::Settings, Uuid::nil())) {
        Some(shared::sync::Change::Settings { settings, .. }) => Some(settings.as_ref().clone()),
        _ => None,
    };
    let settings: shared::settings::AgencySettings = pulled
        .or_else(|| crate::storage::load(SETTINGS_KEY))
        .unwrap_or_default();
    let instant = |t: NaiveDateTime| {
        Local
            .from_local_datetime(&t)
            .earliest()
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&t))
    };
    let day_of = |t: DateTime<Utc>| t.with_timezone(&Local).date_naive();
    let ctx = Context {
        me: shared::visit::effects::Author {
            user_id,
            whole_agency: me.as_ref().is_some_and(|m| m.role == shared::api::Role::Manager),
        },
        my_name: me.as_ref().map(|m| m.display_name.as_str()).unwrap_or(""),
        settings: &settings,
        today: crate::components::today(),
        instant: &instant,
        day_of: &day_of,
    };
    lay_over(rows, outbox, &ctx)
}

/// After each successful sync: keep who is signed in for offline use (once per load; the
/// agency's settings come in the pull).
#[cfg(feature = "hydrate")]
pub(super) async fn after_sync() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static DONE: AtomicBool = AtomicBool::new(false);
    if DONE.swap(true, Ordering::Relaxed) {
        return;
    }
    match crate::client::get::<shared::api::Me>(crate::endpoints::ME).await {
        Ok(me) => crate::storage::save(ME_KEY, &me),
        Err(_) => DONE.store(false, Ordering::Relaxed),
    }
}

/// Drops the histories earlier versions kept in local storage (the history is in the
/// replica now, where a removed or erased record takes it away).
#[cfg(feature = "hydrate")]
pub(super) fn forget_old_timelines() {
    crate::storage::remove_prefixed("tournee.cache.timeline");
}
