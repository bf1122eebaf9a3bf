//! Tests of [`super`].

use super::*;
use crate::import::read;

fn options(mapping: &[Field]) -> ImportOptions {
    ImportOptions {
        mapping: mapping.iter().copied().map(Some).collect(),
        ..ImportOptions::default()
    }
}

const FILE: &str = "Nom;Prénom;Mobile;E-mail;CP\n\
    Dupont;Marie;06 11 22 33 44;;69004\n\
    Durand;Paul;;paul@x.fr;\n\
    Dupont;Marie;+33611223344;;\n\
    Sans;Contact;;;\n\
    Martin;Luc;06 99 88 77 66;;\n";

fn existing() -> Vec<Existing> {
    vec![Existing {
        id: Uuid::from_u128(7),
        name: "Martin Luc".into(),
        phones: vec!["+33699887766".into()],
        ..Existing::default()
    }]
}

#[test]
fn duplicates_in_the_file_and_in_the_base_and_bad_lines_with_their_numbers() {
    let t = read(FILE.as_bytes()).unwrap();
    let o = options(&[
        Field::LastName,
        Field::FirstName,
        Field::PhoneMobile,
        Field::Email,
        Field::Postcode,
    ]);
    let p = plan(&t.rows, &o, &existing(), &[], "clients.csv");
    let outcomes: Vec<(u64, &LineOutcome)> = p.lines.iter().map(|l| (l.line, &l.outcome)).collect();
    assert_eq!(outcomes[0], (2, &LineOutcome::Create));
    assert_eq!(outcomes[1], (3, &LineOutcome::Create));
    assert_eq!(
        outcomes[2],
        (
            4,
            &LineOutcome::Skip {
                id: None,
                of_line: Some(2),
                matched_on: "phone".into()
            }
        ),
        "the same mobile written another way is the same person"
    );
    assert!(matches!(outcomes[3], (5, LineOutcome::Invalid { fields, .. }) if fields.contains_key("phone_mobile")));
    assert_eq!(
        outcomes[4],
        (
            6,
            &LineOutcome::Skip {
                id: Some(Uuid::from_u128(7)),
                of_line: None,
                matched_on: "phone".into()
            }
        )
    );
    assert_eq!(p.creates.len(), 2);
    assert_eq!(p.creates[0].contact.input.campaign, "Import clients.csv");
    let c = p.counts();
    assert_eq!((c.lines, c.created, c.skipped, c.invalid), (5, 2, 2, 1));
}

#[test]
fn choices_update_the_record_merge_the_line_or_create_anyway() {
    let t = read(FILE.as_bytes()).unwrap();
    let mut o = options(&[
        Field::LastName,
        Field::FirstName,
        Field::PhoneMobile,
        Field::Email,
        Field::Postcode,
    ]);
    o.on_duplicate = DuplicateChoice::Update;
    o.choices.insert(4, DuplicateChoice::Create);
    let p = plan(&t.rows, &o, &existing(), &[], "f.csv");
    assert!(matches!(
        p.lines[2].outcome,
        LineOutcome::CreateDuplicate { of_line: Some(2), .. }
    ));
    assert_eq!(p.updates.len(), 1);
    assert_eq!(p.updates[0].id, Uuid::from_u128(7));
    assert_eq!(p.creates.len(), 3);
    // Without the choice of its own, line 4 completes line 2.
    o.choices.clear();
    let p = plan(&t.rows, &o, &existing(), &[], "f.csv");
    assert!(matches!(p.lines[2].outcome, LineOutcome::Merge { into_line: 2, .. }));
    assert_eq!(p.creates.len(), 2);
    assert_eq!(
        p.creates[0].import_key.split(' ').count(),
        2,
        "both lines are known as imported"
    );
}

#[test]
fn importing_the_same_lines_again_imports_nothing() {
    let t = read(FILE.as_bytes()).unwrap();
    let o = options(&[
        Field::LastName,
        Field::FirstName,
        Field::PhoneMobile,
        Field::Email,
        Field::Postcode,
    ]);
    let first = plan(&t.rows, &o, &[], &[], "f.csv");
    // What the agency holds after the first import.
    let base: Vec<Existing> = first
        .creates
        .iter()
        .map(|c| Existing {
            id: Uuid::now_v7(),
            email_key: c.contact.email.as_ref().map(|e| e.as_str().to_lowercase()),
            phones: c.contact.phone_mobile.iter().map(|p| p.e164().to_string()).collect(),
            name_key: c.contact.name_key(),
            import_key: Some(c.import_key.clone()),
            ..Existing::default()
        })
        .collect();
    let again = plan(&t.rows, &o, &base, &[], "f.csv");
    assert!(again.creates.is_empty());
    assert_eq!(again.counts().already_imported, 3, "{:?}", again.lines);
    // Within one file too: a line twice is imported once.
    let twice = format!("{FILE}Durand;Paul;;paul@x.fr;\n");
    let t = read(twice.as_bytes()).unwrap();
    assert_eq!(plan(&t.rows, &o, &[], &[], "f.csv").counts().already_imported, 1);
}

#[test]
fn an_update_keeps_what_the_file_leaves_blank() {
    let mut base = ContactInput {
        last_name: "Dupont".into(),
        email: "a@x.fr".into(),
        notes: "client fidèle".into(),
        ..ContactInput::default()
    };
    overlay(
        &mut base,
        &ContactInput {
            city: "Lyon".into(),
            notes: "vu au salon".into(),
            ..ContactInput::default()
        },
    );
    assert_eq!(base.email, "a@x.fr");
    assert_eq!(base.city, "Lyon");
    assert_eq!(base.notes, "client fidèle\nvu au salon");
}

#[test]
fn a_client_may_be_imported_as_a_client_with_the_file_as_reason() {
    let t = read("Nom;Mobile;Étape\nRoux;0611111111;Client\n".as_bytes()).unwrap();
    let p = plan(
        &t.rows,
        &options(&[Field::LastName, Field::PhoneMobile, Field::Stage]),
        &[],
        &[],
        "crm.csv",
    );
    assert_eq!(p.lines[0].outcome, LineOutcome::Create);
    assert_eq!(
        p.creates[0].contact.input.stage_reason.as_deref(),
        Some("Importé de « crm.csv », ligne 2")
    );
}
