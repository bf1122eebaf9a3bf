//! One module per screen.

pub mod contact;
pub mod contact_form;
pub mod contacts;
pub mod login;
pub mod sessions;
