use super::InvalidValue;
use serde::{Deserialize, Serialize};

/// A whole percentage from 0 to 100 (score weights, prognosis steps, shares).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Percent(u8);

impl Percent {
    pub fn new(v: u8) -> Result<Self, InvalidValue> {
        if v <= 100 {
            Ok(Percent(v))
        } else {
            Err(InvalidValue::Percent)
        }
    }

    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let s = input.trim().trim_end_matches('%').trim();
        let v: u8 = s.parse().map_err(|_| InvalidValue::Percent)?;
        Percent::new(v)
    }

    pub fn value(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Percent {
    type Error = InvalidValue;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Percent::new(v)
    }
}

impl From<Percent> for u8 {
    fn from(p: Percent) -> u8 {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_to_hundred_with_or_without_sign() {
        assert_eq!(Percent::parse("40 %").unwrap().value(), 40);
        assert_eq!(Percent::parse("100").unwrap().value(), 100);
        assert_eq!(Percent::parse("101"), Err(InvalidValue::Percent));
        assert_eq!(Percent::parse("-1"), Err(InvalidValue::Percent));
        assert!(serde_json::from_str::<Percent>("150").is_err());
    }
}
