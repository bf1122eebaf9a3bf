//! What the phone keeps besides the replica's rows, and the layer the screens read: the
//! outbox laid over the rows by the shared rules, the agency's settings and the signed-in user
//! from the last sync, and the first page of history of the records it may need offline.

use chrono::{DateTime, Utc};
use uuid::Uuid;

#[cfg(feature = "hydrate")]
use super::{meetings, PendingMutation, ME_KEY, OWNER_KEY, SETTINGS_KEY};

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
    let settings: shared::settings::AgencySettings = crate::storage::load(SETTINGS_KEY).unwrap_or_default();
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

/// After each successful sync: keep the agency's settings for offline use (once per load).
#[cfg(feature = "hydrate")]
pub(super) async fn after_sync() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static DONE: AtomicBool = AtomicBool::new(false);
    if DONE.swap(true, Ordering::Relaxed) {
        return;
    }
    match crate::client::get::<shared::settings::AgencySettings>(crate::endpoints::AGENCY_SETTINGS).await {
        Ok(s) => crate::storage::save(SETTINGS_KEY, &s),
        Err(_) => DONE.store(false, Ordering::Relaxed),
    }
    if let Ok(me) = crate::client::get::<shared::api::Me>(crate::endpoints::ME).await {
        crate::storage::save(ME_KEY, &me);
    }
    // The records of today's and tomorrow's meetings: their history, for the car park.
    let today = crate::components::today();
    let mut ids: Vec<Uuid> = meetings()
        .into_iter()
        .filter(|m| (today..=today + chrono::Duration::days(1)).contains(&m.local_start.date()))
        .map(|m| m.contact_id)
        .collect();
    ids.dedup();
    for id in ids {
        match crate::client::get::<shared::api::TimelinePage>(&crate::endpoints::contact_timeline(id, None)).await {
            Ok(page) => keep_timeline(id, &page.items),
            Err(f) if f.status == 0 => break,
            Err(_) => {}
        }
    }
}

/// The history of a record as last read (first page), for reading it offline.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct KeptTimeline {
    pub at: DateTime<Utc>,
    pub items: Vec<shared::visit::TimelineEntry>,
}

/// The records whose history is kept, least recently read first.
const TIMELINES_KEY: &str = "tournee.cache.timelines";
/// How many records' histories the phone keeps.
const TIMELINES_KEPT: usize = 80;

fn timeline_key(id: Uuid) -> String {
    format!("tournee.cache.timeline.{id}")
}

/// Keeps the first page of a record's history (the oldest kept one goes past
/// [`TIMELINES_KEPT`]).
pub fn keep_timeline(id: Uuid, items: &[shared::visit::TimelineEntry]) {
    let mut order: Vec<Uuid> = crate::storage::load(TIMELINES_KEY).unwrap_or_default();
    order.retain(|x| *x != id);
    order.push(id);
    while order.len() > TIMELINES_KEPT {
        let old = order.remove(0);
        crate::storage::remove(&timeline_key(old));
    }
    crate::storage::save(TIMELINES_KEY, &order);
    let kept = KeptTimeline {
        at: Utc::now(),
        items: items.to_vec(),
    };
    crate::storage::save(&timeline_key(id), &kept);
}

/// Drops a record's kept history (the record left the phone).
#[cfg(feature = "hydrate")]
pub fn forget_timeline(id: Uuid) {
    let mut order: Vec<Uuid> = crate::storage::load(TIMELINES_KEY).unwrap_or_default();
    if order.contains(&id) {
        order.retain(|x| *x != id);
        crate::storage::save(TIMELINES_KEY, &order);
    }
    crate::storage::remove(&timeline_key(id));
}

/// The history kept for a record, if any.
pub fn kept_timeline(id: Uuid) -> Option<KeptTimeline> {
    crate::storage::load(&timeline_key(id))
}
