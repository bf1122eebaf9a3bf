use super::InvalidValue;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A French postcode (code postal): five digits, department prefix 01–98 (Corsica is 20xxx,
/// overseas 97x/98x).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Postcode(String);

impl Postcode {
    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let s: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if s.len() != 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidValue::Postcode);
        }
        let dept: u32 = s[..2].parse().map_err(|_| InvalidValue::Postcode)?;
        if dept == 0 || dept == 99 {
            return Err(InvalidValue::Postcode);
        }
        Ok(Postcode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The department number as written in the postcode (`"69"`, `"20"` for Corsica, `"974"`).
    pub fn department(&self) -> &str {
        if self.0.starts_with("97") || self.0.starts_with("98") {
            &self.0[..3]
        } else {
            &self.0[..2]
        }
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Postcode {
    type Error = InvalidValue;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Postcode::parse(&s)
    }
}

impl From<Postcode> for String {
    fn from(p: Postcode) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn five_digit_codes_are_accepted_with_their_department() {
        assert_eq!(Postcode::parse("69003").unwrap().department(), "69");
        assert_eq!(Postcode::parse(" 97 400 ").unwrap().department(), "974");
        assert_eq!(Postcode::parse("20000").unwrap().as_str(), "20000");
    }

    #[test]
    fn other_shapes_are_refused() {
        for bad in ["", "6900", "690033", "6900A", "00100", "99000"] {
            assert_eq!(Postcode::parse(bad), Err(InvalidValue::Postcode), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn valid_codes_round_trip(n in 1_000u32..98_999) {
            let s = format!("{n:05}");
            let p = Postcode::parse(&s).unwrap();
            prop_assert_eq!(p.as_str(), s.as_str());
        }
    }
}
