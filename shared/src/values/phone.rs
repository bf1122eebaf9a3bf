use super::InvalidValue;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A phone number stored in E.164 form (`+33612345678`).
///
/// Accepts French national numbers (`06 12 34 56 78`, `06.12.34.56.78`, `0033 6…`,
/// `+33 (0)6…`) and international numbers written with `+` or `00`. Display groups a French
/// number in pairs the way French users read it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let s = input.trim().replace("(0)", "");
        let mut digits = String::with_capacity(s.len());
        let mut plus = false;
        for (i, c) in s.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => plus = true,
                ' ' | '.' | '-' | '/' | '(' | ')' | '\u{a0}' => {}
                _ => return Err(InvalidValue::Phone),
            }
        }
        let international = if plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_string()
        } else if digits.len() == 10 && digits.starts_with('0') && !digits.starts_with("00") {
            // French national format: drop the trunk 0, country code 33.
            format!("33{}", &digits[1..])
        } else {
            return Err(InvalidValue::Phone);
        };
        if international.starts_with('0') {
            return Err(InvalidValue::Phone);
        }
        if let Some(national) = international.strip_prefix("33") {
            // French numbers have 9 digits after +33, never starting with 0.
            if national.len() != 9 || national.starts_with('0') {
                return Err(InvalidValue::Phone);
            }
        } else if !(8..=15).contains(&international.len()) {
            return Err(InvalidValue::Phone);
        }
        Ok(Phone(format!("+{international}")))
    }

    /// The E.164 form, fit for a `tel:` link.
    pub fn e164(&self) -> &str {
        &self.0
    }

    /// True for a French mobile (06 / 07).
    pub fn is_french_mobile(&self) -> bool {
        self.0.starts_with("+336") || self.0.starts_with("+337")
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.strip_prefix("+33") {
            Some(national) => {
                let n = format!("0{national}");
                let pairs: Vec<&str> = (0..5).map(|i| &n[i * 2..i * 2 + 2]).collect();
                f.write_str(&pairs.join(" "))
            }
            None => f.write_str(&self.0),
        }
    }
}

impl TryFrom<String> for Phone {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Phone::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn french_numbers_in_every_usual_spelling_become_e164() {
        for s in [
            "06 12 34 56 78",
            "06.12.34.56.78",
            "0612345678",
            "+33 6 12 34 56 78",
            "0033612345678",
            "+33 (0)6 12 34 56 78",
        ] {
            assert_eq!(Phone::parse(s).unwrap().e164(), "+33612345678", "{s}");
        }
        assert_eq!(Phone::parse("04 72 00 00 00").unwrap().to_string(), "04 72 00 00 00");
    }

    #[test]
    fn international_numbers_are_kept() {
        let p = Phone::parse("+44 20 7946 0958").unwrap();
        assert_eq!(p.e164(), "+442079460958");
        assert_eq!(p.to_string(), "+442079460958");
        assert!(!p.is_french_mobile());
        assert!(Phone::parse("07 00 00 00 01").unwrap().is_french_mobile());
    }

    #[test]
    fn wrong_lengths_and_letters_are_refused() {
        for bad in [
            "",
            "06 12 34 56",
            "06 12 34 56 78 9",
            "+33 06 12 34 56 78",
            "06-12-AB-56-78",
            "12345",
            "+1 2",
        ] {
            assert_eq!(Phone::parse(bad), Err(InvalidValue::Phone), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn every_national_french_number_round_trips(n in 100_000_000u32..999_999_999) {
            let national = format!("0{n}");
            let p = Phone::parse(&national).unwrap();
            prop_assert_eq!(p.to_string().replace(' ', ""), national);
            prop_assert_eq!(Phone::parse(p.e164()), Ok(p.clone()));
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,30}") {
            let _ = Phone::parse(&s);
        }
    }
}
