//! Values that can be wrong, as newtypes with a fallible `parse`.
//!
//! Each type only exists in a valid, normalised form: the UI parses as the user types, the
//! server parses again before anything is stored. Errors carry a French message fit to show
//! next to the input.

mod email;
mod money;
mod percent;
mod phone;
mod postcode;

pub use email::Email;
pub use money::Euros;
pub use percent::Percent;
pub use phone::Phone;
pub use postcode::Postcode;

/// Why a value was refused. `Display` gives the message shown to the advisor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidValue {
    #[error("adresse e-mail invalide")]
    Email,
    #[error("numéro de téléphone invalide (ex. 06 12 34 56 78 ou +44 20 7946 0958)")]
    Phone,
    #[error("code postal invalide (5 chiffres, ex. 69003)")]
    Postcode,
    #[error("montant invalide (ex. 250 000 ou 1 234,56 €)")]
    Amount,
    #[error("montant négatif refusé")]
    NegativeAmount,
    #[error("pourcentage invalide (0 à 100)")]
    Percent,
}

/// A setting or list that does not hold together, with the reason in French for the form
/// (*réglage invalide*); [`crate::settings::AgencySettings::validate`] files it under its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Invalid {}
