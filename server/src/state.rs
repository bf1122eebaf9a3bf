//! What every handler can reach.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

use crate::auth::password::Passwords;
use crate::auth::ratelimit::LoginLimiter;
use crate::config::Config;
use crate::db::DynStore;
use crate::time::AgencyTime;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub store: DynStore,
    pub config: Arc<Config>,
    pub passwords: Arc<Passwords>,
    pub limiter: Arc<LoginLimiter>,
    pub leptos_options: LeptosOptions,
    /// The agencies' wall clock.
    pub time: AgencyTime,
    /// One sync push at a time per phone.
    pub push_locks: Arc<crate::api::sync::PushLocks>,
    /// Imports running in this process, with their progress.
    pub imports: Arc<crate::imports::Jobs>,
}

impl AppState {
    /// [`Self::new`], with the storage made ready for the agencies' zone (the dashboards'
    /// day-by-day summary is rebuilt when it was built for another zone or never).
    pub async fn open(store: DynStore, config: Config) -> anyhow::Result<Self> {
        let state = Self::new(store, config)?;
        state.store.prepare_cells(&state.time).await?;
        Ok(state)
    }

    pub fn new(store: DynStore, config: Config) -> anyhow::Result<Self> {
        let leptos_options = LeptosOptions::builder()
            .output_name("tournee")
            .site_root(config.site_root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .site_addr(config.listen)
            .build();
        let time = AgencyTime::parse(&config.time_zone)?;
        Ok(AppState {
            time,
            store,
            limiter: Arc::new(LoginLimiter::new(config.login_failures_per_minute)),
            passwords: Arc::new(Passwords::new()?),
            config: Arc::new(config),
            leptos_options,
            push_locks: Arc::default(),
            imports: Arc::default(),
        })
    }
}
