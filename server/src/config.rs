//! Configuration: defaults in code → optional `tournee.toml` → `TOURNEE_*` environment variables.

use serde::Deserialize;
use shared::plan::map::TileLayer;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://data/tournee.db` (default) or `postgres://user:pass@host/db`.
    pub database_url: String,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where the built client bundle and CSS are served from (`pkg/` below it).
    pub site_root: PathBuf,
    /// Mark the session cookie `Secure` (on when served over https).
    pub secure_cookies: bool,
    /// Session lifetime in days.
    pub session_days: i64,
    /// Failed logins allowed per minute, per account and per IP address.
    pub login_failures_per_minute: u32,
    /// The agencies' time zone (IANA name): meeting times are typed and shown on its clock.
    pub time_zone: String,
    /// Base URL of an `api-adresse` (BAN) geocoder, e.g. `https://api-adresse.data.gouv.fr`;
    /// street precision. Empty: not used.
    pub geocoder_ban_url: String,
    /// Base URL of a Nominatim server; street precision, one request per second. Empty: not used.
    pub geocoder_nominatim_url: String,
    /// The User-Agent sent to geocoders (Nominatim requires a real one).
    pub geocoder_user_agent: String,
    /// Base URL of an OSRM server: road travel times for day plans. Empty: straight-line
    /// estimates.
    pub routing_osrm_url: String,
    /// A tile server drawn under the day's map, e.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png`
    /// (check its usage policy). Empty: the app's own drawing only. The phone asks the tile
    /// server directly, so it learns which area is shown.
    pub map_tiles_url: String,
    /// The credit the tile server's licence asks for, shown on the map (default: its host).
    pub map_tiles_attribution: String,
    /// Addresses of the reverse proxies in front of the server: their `X-Forwarded-For` is
    /// believed for the client's address (login limits, sessions). Empty: the peer address.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Connections served at once; the next ones wait (keep it under the process's file
    /// descriptor limit, `ulimit -n`).
    pub max_connections: usize,
    /// Seconds a client has to send a request's headers, and that an idle kept-alive
    /// connection stays open.
    pub header_timeout_secs: u64,
    /// The bearer token a Prometheus scraper sends for `/metrics`. Empty: `/metrics` answers
    /// only to the loopback address (a scraper on the same machine).
    pub metrics_token: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://data/tournee.db".into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            site_root: PathBuf::from("target/site"),
            secure_cookies: false,
            session_days: 30,
            login_failures_per_minute: 10,
            time_zone: "Europe/Paris".into(),
            geocoder_ban_url: String::new(),
            geocoder_nominatim_url: String::new(),
            geocoder_user_agent: "Tournee/0.1 (field CRM, self-hosted)".into(),
            routing_osrm_url: String::new(),
            map_tiles_url: String::new(),
            map_tiles_attribution: String::new(),
            trusted_proxies: Vec::new(),
            max_connections: 800,
            header_timeout_secs: 10,
            metrics_token: String::new(),
        }
    }
}

/// The database URL can carry a password: keep it out of logs.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("listen", &self.listen)
            .field("site_root", &self.site_root)
            .field("secure_cookies", &self.secure_cookies)
            .field("session_days", &self.session_days)
            .field("login_failures_per_minute", &self.login_failures_per_minute)
            .field("time_zone", &self.time_zone)
            .field("geocoder_ban_url", &self.geocoder_ban_url)
            .field("geocoder_nominatim_url", &self.geocoder_nominatim_url)
            .field("routing_osrm_url", &self.routing_osrm_url)
            .field("map_tiles_url", &self.map_tiles_url)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("max_connections", &self.max_connections)
            .field("header_timeout_secs", &self.header_timeout_secs)
            .field("metrics_token", &if self.metrics_token.is_empty() { "" } else { "***" })
            .finish()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***@{}", &url[..s], &url[at + 1..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Config {
    /// The geocoder chain: the configured street-level providers, then the embedded communes.
    pub fn geocoders(&self) -> Vec<Box<dyn crate::geo::Provider>> {
        let timeout = std::time::Duration::from_secs(5);
        let mut chain: Vec<Box<dyn crate::geo::Provider>> = Vec::new();
        if !self.geocoder_ban_url.trim().is_empty() {
            chain.push(Box::new(crate::geo::http::Ban::new(
                &self.geocoder_ban_url,
                &self.geocoder_user_agent,
                timeout,
            )));
        }
        if !self.geocoder_nominatim_url.trim().is_empty() {
            chain.push(Box::new(crate::geo::http::Nominatim::new(
                &self.geocoder_nominatim_url,
                &self.geocoder_user_agent,
                timeout,
            )));
        }
        chain.push(Box::new(crate::geo::Offline));
        chain
    }

    /// The tile background of the day's map, when configured (checked at start).
    pub fn tile_layer(&self) -> Option<TileLayer> {
        if self.map_tiles_url.trim().is_empty() {
            return None;
        }
        TileLayer::parse(&self.map_tiles_url, &self.map_tiles_attribution).ok()
    }

    /// Loads `path` (or `tournee.toml` when it exists), then applies the environment.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Config> {
        let mut config = match path {
            Some(p) => Self::from_file(p)?,
            None if Path::new("tournee.toml").exists() => Self::from_file(Path::new("tournee.toml"))?,
            None => Config::default(),
        };
        config.apply_env(|k| std::env::var(k).ok())?;
        Ok(config)
    }

    fn from_file(p: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(p).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
    }

    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        if let Some(v) = get("TOURNEE_DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = get("TOURNEE_LISTEN") {
            self.listen = v.parse().map_err(|e| anyhow::anyhow!("TOURNEE_LISTEN={v:?}: {e}"))?;
        }
        if let Some(v) = get("TOURNEE_SITE_ROOT") {
            self.site_root = v.into();
        }
        if let Some(v) = get("TOURNEE_SECURE_COOKIES") {
            self.secure_cookies = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = get("TOURNEE_SESSION_DAYS") {
            self.session_days = v
                .parse()
                .map_err(|e| anyhow::anyhow!("TOURNEE_SESSION_DAYS={v:?}: {e}"))?;
        }
        if let Some(v) = get("TOURNEE_LOGIN_FAILURES_PER_MINUTE") {
            self.login_failures_per_minute = v
                .parse()
                .map_err(|e| anyhow::anyhow!("TOURNEE_LOGIN_FAILURES_PER_MINUTE={v:?}: {e}"))?;
        }
        if let Some(v) = get("TOURNEE_TIME_ZONE") {
            self.time_zone = v;
        }
        if let Some(v) = get("TOURNEE_GEOCODER_BAN_URL") {
            self.geocoder_ban_url = v;
        }
        if let Some(v) = get("TOURNEE_GEOCODER_NOMINATIM_URL") {
            self.geocoder_nominatim_url = v;
        }
        if let Some(v) = get("TOURNEE_GEOCODER_USER_AGENT") {
            self.geocoder_user_agent = v;
        }
        if let Some(v) = get("TOURNEE_ROUTING_OSRM_URL") {
            self.routing_osrm_url = v;
        }
        if let Some(v) = get("TOURNEE_MAP_TILES_URL") {
            self.map_tiles_url = v;
        }
        if let Some(v) = get("TOURNEE_MAP_TILES_ATTRIBUTION") {
            self.map_tiles_attribution = v;
        }
        if let Some(v) = get("TOURNEE_MAX_CONNECTIONS") {
            self.max_connections = v
                .parse()
                .map_err(|e| anyhow::anyhow!("TOURNEE_MAX_CONNECTIONS={v:?}: {e}"))?;
        }
        if let Some(v) = get("TOURNEE_HEADER_TIMEOUT_SECS") {
            self.header_timeout_secs = v
                .parse()
                .map_err(|e| anyhow::anyhow!("TOURNEE_HEADER_TIMEOUT_SECS={v:?}: {e}"))?;
        }
        if let Some(v) = get("TOURNEE_METRICS_TOKEN") {
            self.metrics_token = v;
        }
        if let Some(v) = get("TOURNEE_TRUSTED_PROXIES") {
            self.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse()
                        .map_err(|e| anyhow::anyhow!("TOURNEE_TRUSTED_PROXIES: {s:?}: {e}"))
                })
                .collect::<anyhow::Result<_>>()?;
        }
        crate::time::AgencyTime::parse(&self.time_zone)?;
        if !self.map_tiles_url.trim().is_empty() {
            TileLayer::parse(&self.map_tiles_url, &self.map_tiles_attribution)
                .map_err(|e| anyhow::anyhow!("map_tiles_url: {e}"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_file_values() {
        let mut c: Config = toml::from_str("listen = \"0.0.0.0:8080\"\nsession_days = 7").unwrap();
        assert_eq!(c.session_days, 7);
        c.apply_env(|k| (k == "TOURNEE_LISTEN").then(|| "127.0.0.1:9000".to_string()))
            .unwrap();
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.database_url, "sqlite://data/tournee.db");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        assert!(toml::from_str::<Config>("lisen = \"x\"").is_err());
        let mut c = Config::default();
        assert!(c.apply_env(|_| Some("nope".into())).is_err());
    }

    #[test]
    fn a_tile_server_is_optional_and_checked_at_start() {
        let mut c = Config::default();
        assert_eq!(c.tile_layer(), None, "off by default: the app draws its own map");
        c.apply_env(|k| (k == "TOURNEE_MAP_TILES_URL").then(|| "https://tiles.example.fr/{z}/{x}/{y}.png".into()))
            .unwrap();
        let layer = c.tile_layer().unwrap();
        assert_eq!(layer.tile_url(1, 2, 3), "https://tiles.example.fr/1/2/3.png");
        assert_eq!(layer.attribution, "Fond de carte : tiles.example.fr");
        let mut c = Config::default();
        let err = c
            .apply_env(|k| (k == "TOURNEE_MAP_TILES_URL").then(|| "https://tiles.example.fr/{z}/{x}.png".into()))
            .unwrap_err();
        assert!(err.to_string().contains("{y}"), "{err}");
        assert!(toml::from_str::<Config>("map_tiles_url = \"x\"\nmap_tiles_attribution = \"y\"").is_ok());
    }

    #[test]
    fn passwords_never_reach_the_logs() {
        let c = Config {
            database_url: "postgres://tournee:s3cret@db/tournee".into(),
            ..Config::default()
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("tournee:***@db"));
    }
}
