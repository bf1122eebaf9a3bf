//! Records out (issue 11): CSV that Excel opens as it is (UTF-8 with a byte-order mark, `;`
//! between fields, CRLF) and vCard 4.0 (RFC 6350) for phones and address books.
//!
//! Written by hand — a few dozen lines each — so that the tests can read them back with
//! independent parsers (the `csv` and `ical` crates).

use crate::record::{Contact, ContactKind};
use crate::values::Phone;

/// The byte-order mark Excel needs to read UTF-8.
pub const BOM: &str = "\u{feff}";

/// A cell as a spreadsheet should take it: quoted when it holds the separator, a quote or a
/// line break; a leading `=`, `+`, `-` or `@` is neutralised with a `'` so that no cell runs
/// as a formula (CSV injection).
pub fn cell(value: &str, sep: char) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([sep, '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// One CSV line, CRLF-terminated.
pub fn line<S: AsRef<str>>(cells: &[S], sep: char) -> String {
    let mut out = cells
        .iter()
        .map(|c| cell(c.as_ref(), sep))
        .collect::<Vec<_>>()
        .join(&sep.to_string());
    out.push_str("\r\n");
    out
}

/// The columns of the record export.
pub const CONTACT_COLUMNS: [&str; 21] = [
    "id",
    "type",
    "nom",
    "prénom",
    "société",
    "fonction",
    "e-mail",
    "mobile",
    "fixe",
    "adresse",
    "code postal",
    "ville",
    "secteur",
    "étape",
    "segment",
    "taille",
    "conseiller",
    "campagne",
    "potentiel accessible (EUR)",
    "dernier contact",
    "prochain RDV dû",
];

fn phone(p: &str) -> String {
    Phone::parse(p).map(|p| p.to_string()).unwrap_or_else(|_| p.to_string())
}

fn euros(cents: i64) -> String {
    format!("{},{:02}", cents / 100, cents % 100)
}

/// A record as one line of [`CONTACT_COLUMNS`].
pub fn contact_cells(c: &Contact) -> Vec<String> {
    vec![
        c.id.to_string(),
        match c.kind {
            ContactKind::Individual => "particulier",
            ContactKind::Company => "entreprise",
        }
        .into(),
        c.last_name.clone(),
        c.first_name.clone(),
        c.company_name.clone(),
        c.contact_role.clone(),
        c.email.clone(),
        phone(&c.phone_mobile),
        phone(&c.phone_landline),
        c.address_line.clone(),
        c.postcode.clone(),
        c.city.clone(),
        c.sector.clone(),
        c.stage.label().into(),
        c.segment.label().into(),
        c.size_class.label().into(),
        c.owner_name.clone(),
        c.campaign.clone(),
        euros(c.accessible_potential_cents),
        c.last_contact_on.map(|d| d.to_string()).unwrap_or_default(),
        c.next_meeting_due.map(|d| d.to_string()).unwrap_or_default(),
    ]
}

/// A vCard text value: backslash, comma, semicolon and line breaks escaped (RFC 6350 §3.4).
fn text(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for ch in v.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets, continuation lines starting with a space (§3.2), never
/// cutting a UTF-8 character.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for ch in line.chars() {
        let n = ch.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(ch);
        width += n;
    }
    out.push_str("\r\n");
    out
}

/// One record as a vCard 4.0.
pub fn vcard(c: &Contact) -> String {
    let mut lines = vec![
        "BEGIN:VCARD".to_string(),
        "VERSION:4.0".to_string(),
        format!("UID:urn:uuid:{}", c.id),
        format!("FN:{}", text(&c.display_name)),
    ];
    if c.kind == ContactKind::Company && c.first_name.is_empty() && c.last_name.is_empty() {
        lines.push("KIND:org".into());
    }
    lines.push(format!("N:{};{};;;", text(&c.last_name), text(&c.first_name)));
    if !c.company_name.is_empty() {
        lines.push(format!("ORG:{}", text(&c.company_name)));
    }
    if !c.contact_role.is_empty() {
        lines.push(format!("TITLE:{}", text(&c.contact_role)));
    }
    if let Ok(p) = Phone::parse(&c.phone_mobile) {
        lines.push(format!("TEL;TYPE=cell;VALUE=uri:tel:{}", p.e164()));
    }
    if let Ok(p) = Phone::parse(&c.phone_landline) {
        lines.push(format!("TEL;TYPE=voice;VALUE=uri:tel:{}", p.e164()));
    }
    if !c.email.is_empty() {
        lines.push(format!("EMAIL:{}", text(&c.email)));
    }
    if !c.address_line.is_empty() || !c.city.is_empty() || !c.postcode.is_empty() {
        let kind = if c.kind == ContactKind::Company { "work" } else { "home" };
        lines.push(format!(
            "ADR;TYPE={kind}:;;{};{};;{};France",
            text(&c.address_line),
            text(&c.city),
            text(&c.postcode)
        ));
    }
    if let (Some(lat), Some(lon)) = (c.lat, c.lon) {
        lines.push(format!("GEO:geo:{lat:.6},{lon:.6}"));
    }
    if !c.website.is_empty() {
        lines.push(format!("URL:{}", text(&c.website)));
    }
    lines.push(format!("REV:{}", c.updated_at.format("%Y%m%dT%H%M%SZ")));
    lines.push("END:VCARD".into());
    lines.iter().map(|l| fold(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_when_needed_and_never_formulas() {
        assert_eq!(cell("Dupont", ';'), "Dupont");
        assert_eq!(cell("Dupont; fils", ';'), "\"Dupont; fils\"");
        assert_eq!(cell("dit \"le grand\"", ';'), "\"dit \"\"le grand\"\"\"");
        assert_eq!(cell("deux\nlignes", ';'), "\"deux\nlignes\"");
        assert_eq!(cell("=HYPERLINK(\"x\")", ';'), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("-2", ';'), "'-2");
        assert_eq!(line(&["a", "b;c"], ';'), "a;\"b;c\"\r\n");
    }

    #[test]
    fn vcard_lines_are_escaped_and_folded_at_75_octets() {
        assert_eq!(text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let long = format!("NOTE:{}", "é".repeat(60));
        let folded = fold(&long);
        for l in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        assert_eq!(folded.replace("\r\n ", ""), format!("{long}\r\n"));
    }
}
