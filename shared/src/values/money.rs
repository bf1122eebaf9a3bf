use super::InvalidValue;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount in euros, held in integer cents (never floats for money).
///
/// `parse` reads what a French user types: `250000`, `250 000`, `1 234,56 €`, `1.234,56`,
/// `12k`/`1,5 M` (thousands, millions). Negative amounts are refused: every amount in the
/// record (potential, assets, income) is a magnitude.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Euros(i64);

const MAX_CENTS: i64 = 1_000_000_000_000 * 100; // a thousand billion euros

impl Euros {
    pub const ZERO: Euros = Euros(0);

    pub fn from_cents(cents: i64) -> Result<Self, InvalidValue> {
        if cents < 0 {
            Err(InvalidValue::NegativeAmount)
        } else if cents > MAX_CENTS {
            Err(InvalidValue::Amount)
        } else {
            Ok(Euros(cents))
        }
    }

    pub fn from_euros(euros: i64) -> Self {
        Euros(euros.clamp(0, MAX_CENTS / 100) * 100)
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    pub fn whole_euros(self) -> i64 {
        self.0 / 100
    }

    pub fn parse(input: &str) -> Result<Self, InvalidValue> {
        let mut s: String = input
            .trim()
            .trim_end_matches('€')
            .trim_end_matches("EUR")
            .chars()
            .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '_'))
            .collect();
        if s.starts_with('-') {
            return Err(InvalidValue::NegativeAmount);
        }
        let multiplier: i64 = match s.chars().last() {
            Some('k' | 'K') => 1_000,
            Some('m' | 'M') => 1_000_000,
            _ => 1,
        };
        if multiplier > 1 {
            s.pop();
        }
        if s.is_empty() {
            return Err(InvalidValue::Amount);
        }
        // Decide which separator is the decimal one: the last of ',' or '.', if followed
        // by 1–2 digits; any other separator is a thousands separator.
        let last_sep = s.rfind([',', '.']);
        let (int_part, frac_part) = match last_sep {
            Some(i) if s.len() - i - 1 <= 2 && s.len() - i > 1 => (&s[..i], &s[i + 1..]),
            _ => (&s[..], ""),
        };
        let int_digits: String = int_part.chars().filter(|c| *c != '.' && *c != ',').collect();
        if int_digits.is_empty() && frac_part.is_empty() {
            return Err(InvalidValue::Amount);
        }
        if !int_digits.bytes().all(|b| b.is_ascii_digit()) || !frac_part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidValue::Amount);
        }
        if int_digits.len() > 15 {
            return Err(InvalidValue::Amount);
        }
        let whole: i64 = if int_digits.is_empty() {
            0
        } else {
            int_digits.parse().map_err(|_| InvalidValue::Amount)?
        };
        let frac: i64 = match frac_part.len() {
            0 => 0,
            1 => frac_part.parse::<i64>().map_err(|_| InvalidValue::Amount)? * 10,
            _ => frac_part.parse().map_err(|_| InvalidValue::Amount)?,
        };
        let cents = whole
            .checked_mul(100)
            .and_then(|c| c.checked_add(frac))
            .and_then(|c| c.checked_mul(multiplier))
            .ok_or(InvalidValue::Amount)?;
        Euros::from_cents(cents)
    }
}

impl fmt::Display for Euros {
    /// French formatting: `1 234 567 €`, with cents only when there are some (`12,50 €`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / 100;
        let cents = self.0 % 100;
        let digits = whole.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push('\u{202f}');
            }
            grouped.push(c);
        }
        if cents == 0 {
            write!(f, "{grouped}\u{a0}€")
        } else {
            write!(f, "{grouped},{cents:02}\u{a0}€")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn french_spellings_parse_to_cents() {
        assert_eq!(Euros::parse("250000").unwrap().cents(), 25_000_000);
        assert_eq!(Euros::parse("250 000 €").unwrap().cents(), 25_000_000);
        assert_eq!(Euros::parse("1 234,56").unwrap().cents(), 123_456);
        assert_eq!(Euros::parse("1.234,5").unwrap().cents(), 123_450);
        assert_eq!(Euros::parse("1,234.56").unwrap().cents(), 123_456);
        assert_eq!(Euros::parse("12k").unwrap().cents(), 1_200_000);
        assert_eq!(Euros::parse("1,5 M").unwrap().cents(), 150_000_000);
        assert_eq!(Euros::parse("1.000.000").unwrap().cents(), 100_000_000);
    }

    #[test]
    fn garbage_and_negative_amounts_are_refused() {
        assert_eq!(Euros::parse("-5"), Err(InvalidValue::NegativeAmount));
        for bad in ["", "€", "abc", "12,3,4x", "1e9", "99999999999999999999"] {
            assert_eq!(Euros::parse(bad), Err(InvalidValue::Amount), "{bad:?}");
        }
    }

    #[test]
    fn display_uses_french_grouping() {
        assert_eq!(
            Euros::from_euros(1_234_567).to_string(),
            "1\u{202f}234\u{202f}567\u{a0}€"
        );
        assert_eq!(Euros::from_cents(1250).unwrap().to_string(), "12,50\u{a0}€");
    }

    proptest! {
        #[test]
        fn display_parses_back_to_the_same_amount(c in 0i64..1_000_000_000_000) {
            let e = Euros::from_cents(c).unwrap();
            prop_assert_eq!(Euros::parse(&e.to_string()), Ok(e));
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,30}") {
            let _ = Euros::parse(&s);
        }
    }
}
