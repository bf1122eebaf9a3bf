//! API integration tests: the real server over HTTP, a fresh database per test. The same
//! suite runs on SQLite (default) and on PostgreSQL (`TOURNEE_TEST_POSTGRES_URL`).

mod support;

mod auth;
mod authz;
mod batches;
mod complaints;
mod contacts;
mod convergence;
mod dashboards;
mod durability;
mod export;
mod geocoding;
mod imports;
mod offers;
mod phoning;
mod plan;
mod privacy;
mod robustness;
mod sequence;
mod sync;
mod sync_history;
mod targets;
mod team;
mod visits;
