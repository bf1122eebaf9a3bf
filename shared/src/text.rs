//! Text folding for search and duplicate detection.
//!
//! French names carry accents, ligatures and hyphens that users do not type consistently
//! ("Hélène Lefèvre-Dupré" is searched as "helene lefevre dupre"). We fold with a small
//! table covering the Latin letters used in French and its neighbours rather than pulling
//! a full Unicode transliteration table into the browser bundle.

/// Lowercases, strips accents, turns punctuation into spaces and collapses white space.
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for ch in input.chars() {
        let lower = ch.to_lowercase();
        for c in lower {
            if let Some(rep) = fold_char(c) {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push_str(rep);
            } else if is_combining_mark(c) {
                // A decomposed accent (e + U+0301) folds like the precomposed letter: dropped,
                // and no word break.
            } else if c.is_alphanumeric() {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
            } else {
                pending_space = true;
            }
        }
    }
    out
}

/// Folds a name for duplicate detection: like [`fold`], and "st"/"ste" expanded to "saint"/"sainte".
pub fn fold_name(input: &str) -> String {
    fold(input)
        .split(' ')
        .map(|w| match w {
            "st" => "saint",
            "ste" => "sainte",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Combining diacritical marks (the accents of decomposed Latin letters).
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

fn fold_char(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
        'æ' => "ae",
        'ç' => "c",
        'è' | 'é' | 'ê' | 'ë' => "e",
        'ì' | 'í' | 'î' | 'ï' => "i",
        'ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
        'œ' => "oe",
        'ù' | 'ú' | 'û' | 'ü' => "u",
        'ý' | 'ÿ' => "y",
        'ß' => "ss",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accents_case_and_hyphens_fold_away() {
        assert_eq!(fold("Hélène LEFÈVRE-Dupré"), "helene lefevre dupre");
        assert_eq!(fold("  Œuvre   d'Ær  "), "oeuvre d aer");
        assert_eq!(fold("Saint-Étienne 42000"), "saint etienne 42000");
    }

    #[test]
    fn decomposed_accents_fold_like_precomposed_ones() {
        assert_eq!(fold("He\u{0301}le\u{0300}ne Lefe\u{0300}vre"), "helene lefevre");
        assert_eq!(fold("He\u{0301}le\u{0300}ne"), fold("Hélène"));
    }

    #[test]
    fn saint_abbreviations_expand_in_names() {
        assert_eq!(fold_name("St-Malo"), "saint malo");
        assert_eq!(fold_name("Ste Foy"), "sainte foy");
    }

    proptest! {
        #[test]
        fn folding_is_idempotent(s in "\\PC{0,40}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
        }

        #[test]
        fn folded_text_is_lowercase_without_double_spaces(s in "\\PC{0,40}") {
            let f = fold(&s);
            prop_assert!(!f.contains("  "));
            prop_assert!(!f.starts_with(' ') && !f.ends_with(' '));
            prop_assert_eq!(f.to_lowercase(), f.clone());
        }
    }
}

/// Whether every word of `query` starts a word of `text` (`text` already folded): the
/// contact search, as the server runs it on its index and the phone on its replica.
pub fn matches_words(text: &str, query: &str) -> bool {
    let query = fold(query);
    let words: Vec<&str> = query.split(' ').filter(|w| !w.is_empty()).collect();
    starts_words(text, &words)
}

/// [`matches_words`] with the query already folded and split (a search over many records
/// folds it once).
pub fn starts_words(text: &str, words: &[&str]) -> bool {
    words.iter().all(|q| text.split(' ').any(|w| w.starts_with(q)))
}

#[cfg(test)]
mod search_tests {
    use super::*;

    #[test]
    fn every_query_word_starts_a_word_of_the_text() {
        let text = fold("Dupré Hélène Saint-Étienne 42000");
        assert!(matches_words(&text, "helene dup"));
        assert!(matches_words(&text, "ÉTIEN"));
        assert!(matches_words(&text, ""));
        assert!(!matches_words(&text, "upre"));
        assert!(!matches_words(&text, "helene martin"));
    }
}
