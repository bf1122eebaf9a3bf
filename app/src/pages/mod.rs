//! One module per screen.

pub mod agenda;
pub mod complaints;
pub mod contact;
pub mod contact_form;
pub mod contacts;
pub mod imports;
pub mod login;
pub mod meeting;
pub mod nearby;
pub mod phoning;
pub mod plan;
pub mod privacy;
pub mod report;
pub mod sessions;
pub mod settings;
pub mod stats;
pub mod steering;
pub mod sync;
pub mod tasks;
pub mod team;
pub mod today;
pub mod week;
