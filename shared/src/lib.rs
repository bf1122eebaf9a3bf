//! Tournée's domain, shared by the server and the browser (compiled to wasm32).
//!
//! Everything here is pure: no I/O, no clock reads except where a function takes `now`
//! as an argument. The server validates with the same parsers the UI uses; the UI's check
//! is a convenience, the server's is the control.

pub mod api;
pub mod cadence;
pub mod complaint;
pub mod consent;
pub mod dashboard;
pub mod edits;
pub mod export;
pub mod ids;
pub mod import;
pub mod offer;
pub mod phoning;
pub mod plan;
pub mod record;
pub mod scoring;
pub mod settings;
pub mod stage;
pub mod sync;
pub mod targets;
pub mod text;
pub mod values;
pub mod visit;
pub mod wire;
pub mod workdays;

pub use ids::new_id;
