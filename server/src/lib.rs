//! Tournée's server: the pages (Leptos SSR), the JSON API, auth, and storage.

pub mod api;
pub mod auth;
pub mod benchmark;
pub mod cli;
pub mod config;
pub mod csp;
pub mod db;
pub mod demo;
pub mod error;
pub mod geo;
pub mod imports;
pub mod metrics;
pub mod ops;
pub mod state;
pub mod time;
pub mod web;
