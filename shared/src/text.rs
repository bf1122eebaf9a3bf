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

/// A stable code for a new entry of an agency's list (an objection, a product family) from its
/// label: folded, lowercase ASCII words joined by `_`, at most 30 characters, `fallback` when
/// nothing is left, and `_2`, `_3`… until it is not `taken`.
pub fn code_for(label: &str, taken: &[String], fallback: &str) -> String {
    let mut code = fold(label)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect::<String>()
        .split('_')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    code.truncate(30);
    if code.is_empty() {
        code = fallback.to_string();
    }
    let base = code.clone();
    let mut n = 2;
    while taken.contains(&code) {
        code = format!("{base}_{n}");
        n += 1;
    }
    code
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

/// The words a record is found by (folded), from its names, company, city, postcode, sector,
/// e-mail and phone numbers — the same on the server's index and on the phone:
/// - "saint"/"sainte" are also found as "st"/"ste" (advisors type "st genis");
/// - a Paris, Lyon or Marseille postcode also gives its arrondissement ("lyon 4", "paris 16e");
/// - a phone number is found by its national digits (`0611223344`; see [`search_query`] for
///   what is typed).
pub fn search_words(texts: &[&str], city: &str, postcode: &str, phones: &[&str]) -> String {
    let mut out = fold(&texts.join(" "));
    let mut extra: Vec<String> = Vec::new();
    for w in out.split(' ') {
        match w {
            "saint" => extra.push("st".into()),
            "sainte" => extra.push("ste".into()),
            _ => {}
        }
    }
    if let Some(n) = arrondissement(city, postcode) {
        extra.push(n.to_string());
        extra.push(if n == 1 { "1er".into() } else { format!("{n}e") });
    }
    for p in phones {
        if let Some(digits) = national_digits(p) {
            extra.push(digits);
        }
    }
    for e in extra {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&e);
    }
    out
}

/// The arrondissement of a Paris (75001–75020, 75116), Lyon (69001–69009) or Marseille
/// (13001–13016) postcode, when the city is that one.
fn arrondissement(city: &str, postcode: &str) -> Option<u32> {
    let code: u32 = postcode.trim().parse().ok()?;
    let city = fold(city);
    let city = city.split(' ').next().unwrap_or("");
    let n = match (city, code) {
        ("paris", 75116) => 16,
        ("paris", 75001..=75020) => code - 75000,
        ("lyon", 69001..=69009) => code - 69000,
        ("marseille", 13001..=13016) => code - 13000,
        _ => return None,
    };
    Some(n)
}

/// A French number as dialled at home (`0611223344`) from how it is kept or typed
/// (`+33611223344`, `06 11 22 33 44`, `0033 6…`); other countries' numbers as their digits.
/// `None` when it is not a phone number (fewer than 6 digits, or letters).
fn national_digits(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit() || " +.-/()".contains(c)) {
        return None;
    }
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 6 {
        return None;
    }
    let international = s.starts_with('+') || digits.starts_with("00");
    let digits = digits
        .strip_prefix("00")
        .filter(|_| international)
        .unwrap_or(&digits)
        .to_string();
    match digits.strip_prefix("33") {
        Some(rest) if international => Some(format!("0{}", rest.trim_start_matches('0'))),
        _ => Some(digits),
    }
}

/// A search as typed, folded, with a phone number made one word of its national digits
/// ("06 11 22 33 44", "+33 6 11 22 33 44" and "0611223344" all search `0611223344`).
pub fn search_query(query: &str) -> String {
    match national_digits(query) {
        Some(digits) => digits,
        None => fold(query),
    }
}

/// The shortest word typed that a one-letter typo is forgiven in.
pub const FUZZY_FROM: usize = 4;

/// Whether `a` and `b` differ by at most one edit: a letter changed, added, removed, or two
/// neighbours swapped ("dupnot" / "dupont").
pub fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a == b {
        return true;
    }
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let start = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[start..], &b[start..]);
    match la.cmp(&lb) {
        std::cmp::Ordering::Equal => {
            ra[1..] == rb[1..] || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
        }
        std::cmp::Ordering::Less => ra == &rb[1..],
        std::cmp::Ordering::Greater => &ra[1..] == rb,
    }
}

/// Whether `word` (a record's, folded) starts like `typed` give or take one typo: `typed` one
/// edit from the beginning of `word` (of `typed`'s length, or one letter more or less), the
/// typo not in the first letter nor a change of the second ([`fuzzy_heads`]).
/// Short words typed must match exactly: a typo there matches too much.
pub fn starts_like(word: &str, typed: &str) -> bool {
    if word.starts_with(typed) {
        return true;
    }
    let n = typed.chars().count();
    if n < FUZZY_FROM {
        return false;
    }
    // The first letter is taken as typed, and the second as typed or swapped with the third
    // (the server looks for candidates by these two beginnings of two letters: [`fuzzy_heads`]).
    // Checked without allocating: the phone runs this on every word of every record.
    let mut t = typed.chars();
    let (t0, t1, t2) = (t.next(), t.next(), t.next());
    let mut w = word.chars();
    if w.next() != t0 {
        return false;
    }
    let w1 = w.next();
    if w1 != t1 && (t2 == t1 || w1 != t2) {
        return false;
    }
    // The word's first k letters, for k = n - 1, n, n + 1.
    let prefix = |k: usize| -> Option<&str> {
        match word.char_indices().nth(k) {
            Some((end, _)) => Some(&word[..end]),
            None => (word.chars().count() == k).then_some(word),
        }
    };
    [n - 1, n, n + 1]
        .into_iter()
        .filter_map(prefix)
        .any(|p| one_edit_apart(p, typed))
}

/// The two-letter beginnings a word one typo away from `typed` starts with: `typed`'s own
/// first two letters, or its first and third (a letter added, or the second and third swapped).
pub fn fuzzy_heads(typed: &str) -> Vec<String> {
    let c: Vec<char> = typed.chars().collect();
    let mut heads = Vec::new();
    if c.len() >= 2 {
        heads.push(c[..2].iter().collect::<String>());
    }
    if c.len() >= 3 && c[2] != c[1] {
        heads.push([c[0], c[2]].iter().collect::<String>());
    }
    heads
}

/// [`starts_words`] forgiving one typo per word typed (of [`FUZZY_FROM`] letters or more):
/// what the search tries when the exact one finds nothing.
pub fn starts_words_fuzzy(text: &str, words: &[&str]) -> bool {
    words.iter().all(|q| text.split(' ').any(|w| starts_like(w, q)))
}

/// Whether every word of `query` starts a word of `text` (`text` already folded): the
/// contact search, as the server runs it on its index and the phone on its replica.
pub fn matches_words(text: &str, query: &str) -> bool {
    let query = search_query(query);
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
    fn one_typo_is_forgiven_in_a_name_of_four_letters_or_more() {
        for (word, typed) in [
            ("dupont", "dupnot"),
            ("dupont", "dupomt"),
            ("durand", "durnd"),
            ("lefevre", "lefebvre"),
            ("martin", "martinn"),
            ("martin", "mratin"),
            ("girard", "gira"),
        ] {
            assert!(starts_like(word, typed), "{typed} ~ {word}");
        }
        for (word, typed) in [
            ("dupont", "dpnot"),
            ("martin", "marion"),
            ("lyon", "lym"),
            ("dupont", "xupo"),
        ] {
            assert!(!starts_like(word, typed), "{typed} !~ {word}");
        }
        assert!(!starts_like("lyon", "lyx"), "three letters: exact only");
        assert!(one_edit_apart("ab", "ba") && !one_edit_apart("abc", "cab"));
        assert!(starts_words_fuzzy("durand marie lyon", &["durnd", "marie"]));
        assert!(!starts_words_fuzzy("durand marie lyon", &["durnd", "paul"]));
    }

    #[test]
    fn what_advisors_type_finds_the_record() {
        let text = search_words(
            &[
                "Durand",
                "Marie",
                "",
                "Saint-Genis Immobilier",
                "Lyon",
                "69004",
                "",
                "marie@exemple.fr",
            ],
            "Lyon",
            "69004",
            &["+33611223344", "+33478000000"],
        );
        for typed in [
            "0611223344",
            "06 11 22 33 44",
            "06.11.22.33.44",
            "+33 6 11 22 33 44",
            "0033611223344",
            "061122",
            "04 78 00",
            "st genis",
            "lyon 4",
            "lyon 4e",
            "durand ma",
        ] {
            assert!(matches_words(&text, typed), "{typed:?} finds the record");
        }
        for typed in ["0611223345", "lyon 5", "ste genis"] {
            assert!(!matches_words(&text, typed), "{typed:?} does not");
        }
        assert!(search_words(&["Paris"], "Paris", "75116", &[])
            .split(' ')
            .any(|w| w == "16e"));
        assert!(search_words(&["x"], "Paris", "75001", &[])
            .split(' ')
            .any(|w| w == "1er"));
        assert!(
            !search_words(&["x"], "Villeurbanne", "69100", &[]).contains(' '),
            "no arrondissement outside the three cities"
        );
        assert_eq!(
            search_query("Hélène 12"),
            "helene 12",
            "a short number is a word, not a phone"
        );
    }

    #[test]
    fn every_query_word_starts_a_word_of_the_text() {
        let text = fold("Dupré Hélène Saint-Étienne 42000");
        assert!(matches_words(&text, "helene dup"));
        assert!(matches_words(&text, "ÉTIEN"));
        assert!(matches_words(&text, ""));
        assert!(!matches_words(&text, "upre"));
        assert!(!matches_words(&text, "helene martin"));
    }

    /// The first way this was written (allocating the heads and each prefix): the one
    /// without allocations must say the same on any pair.
    fn starts_like_reference(word: &str, typed: &str) -> bool {
        let n = typed.chars().count();
        if n < FUZZY_FROM || word.starts_with(typed) {
            return word.starts_with(typed);
        }
        if !fuzzy_heads(typed).iter().any(|h| word.starts_with(h.as_str())) {
            return false;
        }
        let chars: Vec<char> = word.chars().collect();
        [n - 1, n, n + 1].into_iter().filter(|&k| k <= chars.len()).any(|k| {
            let prefix: String = chars[..k].iter().collect();
            one_edit_apart(&prefix, typed)
        })
    }

    proptest::proptest! {
        #[test]
        fn starts_like_agrees_with_its_first_version(word in "[abdeé]{0,8}", typed in "[abdeé]{0,7}") {
            proptest::prop_assert_eq!(starts_like(&word, &typed), starts_like_reference(&word, &typed));
        }
    }
}
