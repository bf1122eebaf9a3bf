use super::InvalidValue;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An e-mail address, trimmed, with its domain lowercased.
///
/// The check is deliberately structural (one `@`, a dotted domain, no spaces, sane lengths):
/// the only real proof an address works is a message that arrives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let s = input.trim();
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(InvalidValue::Email);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(InvalidValue::Email)?;
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err(InvalidValue::Email);
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if labels.len() < 2 || !labels.iter().all(label_ok) {
            return Err(InvalidValue::Email);
        }
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn valid_addresses_are_trimmed_and_domain_lowercased() {
        assert_eq!(
            Email::parse("  Jean.Dupont@Exemple.FR ").unwrap().as_str(),
            "Jean.Dupont@exemple.fr"
        );
        assert!(Email::parse("a+b@sub.domaine-test.fr").is_ok());
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "jean",
            "jean@",
            "@x.fr",
            "jean@fr",
            "je an@x.fr",
            "a@b@c.fr",
            "a@-x.fr",
            "a@x..fr",
        ] {
            assert_eq!(Email::parse(bad), Err(InvalidValue::Email), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_is_stable(s in "\\PC{0,80}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert_eq!(Email::parse(e.as_str()), Ok(e.clone()));
            }
        }

        #[test]
        fn generated_addresses_are_accepted(local in "[a-z0-9._+]{1,20}", dom in "[a-z0-9]{1,10}", tld in "[a-z]{2,6}") {
            let addr = format!("{local}@{dom}.{tld}");
            prop_assert!(Email::parse(&addr).is_ok());
        }
    }
}
