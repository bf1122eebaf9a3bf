//! Tests of [`super`].

use super::*;

fn headers(h: &[&str]) -> Vec<String> {
    h.iter().map(|s| s.to_string()).collect()
}

#[test]
fn french_and_english_headers_are_recognised() {
    let m = guess_mapping(&headers(&[
        "Nom",
        "Prénom",
        "Tél. portable",
        "Adresse e-mail",
        "CP",
        "Ville",
        "Commentaire",
        "Colonne X",
        "Nom",
    ]));
    assert_eq!(
        m,
        [
            Some(Field::LastName),
            Some(Field::FirstName),
            Some(Field::PhoneMobile),
            Some(Field::Email),
            Some(Field::Postcode),
            Some(Field::City),
            Some(Field::Notes),
            None,
            None, // a field is taken once
        ]
    );
    let m = guess_mapping(&headers(&[
        "Last name",
        "First name",
        "Company",
        "Phone",
        "Zip",
        "City",
    ]));
    assert!(m.iter().all(Option::is_some), "{m:?}");
    assert_eq!(m[3], Some(Field::Phone));
}

#[test]
fn tournees_own_export_maps_back() {
    let h: Vec<String> = crate::export::CONTACT_COLUMNS.iter().map(|s| s.to_string()).collect();
    let m = guess_mapping(&h);
    let at = |name: &str| m[h.iter().position(|x| x == name).unwrap()];
    assert_eq!(at("nom"), Some(Field::LastName));
    assert_eq!(at("e-mail"), Some(Field::Email));
    assert_eq!(at("fixe"), Some(Field::PhoneLandline));
    assert_eq!(at("étape"), Some(Field::Stage));
    assert_eq!(at("conseiller"), Some(Field::Owner));
    assert_eq!(at("potentiel accessible (EUR)"), Some(Field::AccessiblePotential));
    assert_eq!(at("id"), None);
}

#[test]
fn values_parse_as_in_the_forms() {
    let cells: Vec<String> = [
        "Martin",
        "SARL Bois",
        "06 12 34 56 78",
        "04 78 00 00 00",
        "1000",
        "12 500,50 €",
        "31/12/24",
        "Contacté",
        "Entreprise",
        "ana@x.fr",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mapping = [
        Some(Field::LastName),
        Some(Field::CompanyName),
        Some(Field::Phone),
        Some(Field::Phone),
        Some(Field::Postcode),
        Some(Field::AccessiblePotential),
        Some(Field::LastMeetingOn),
        Some(Field::Stage),
        Some(Field::Kind),
        Some(Field::Owner),
    ];
    let ana = Advisor {
        id: Uuid::nil(),
        email: "ana@x.fr".into(),
        name: "Ana".into(),
    };
    let (input, errors) = line_input(&cells, &mapping, &[ana]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(input.phone_mobile, "06 12 34 56 78");
    assert_eq!(input.phone_landline, "04 78 00 00 00");
    assert_eq!(input.postcode, "01000", "the zero Excel dropped is put back");
    assert_eq!(input.accessible_potential_cents, Some(1_250_050));
    assert_eq!(input.last_meeting_on, NaiveDate::from_ymd_opt(2024, 12, 31));
    assert_eq!(input.stage, Some(Stage::Contacted));
    assert_eq!(input.kind, ContactKind::Company);
    assert_eq!(input.owner_id, Some(Uuid::nil()));
}

#[test]
fn bad_values_are_refused_by_field_with_what_was_read() {
    let cells: Vec<String> = ["x", "trente", "32/13/2024", "Bientôt", "Bob"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mapping = [
        Some(Field::LastName),
        Some(Field::AssetsEntrusted),
        Some(Field::NextContactOn),
        Some(Field::Stage),
        Some(Field::Owner),
    ];
    let (_, errors) = line_input(&cells, &mapping, &[]);
    assert_eq!(errors.len(), 4, "{errors:?}");
    let r = reason(&errors);
    assert!(r.contains("Encours confiés (€) : montant illisible « trente »"), "{r}");
    assert!(r.contains("Prochain contact : date illisible « 32/13/2024 »"), "{r}");
    assert!(r.contains("Étape : étape inconnue « Bientôt »"), "{r}");
    assert!(r.contains("Conseiller : conseiller inconnu"), "{r}");
}

#[test]
fn a_company_without_a_person_is_a_company() {
    let (input, _) = line_input(&["ACME".to_string()], &[Some(Field::CompanyName)], &[]);
    assert_eq!(input.kind, ContactKind::Company);
    assert_eq!(parse_date("2025-03-01 10:30"), NaiveDate::from_ymd_opt(2025, 3, 1));
    assert_eq!(parse_date("1.2.2025"), NaiveDate::from_ymd_opt(2025, 2, 1));
    assert_eq!(parse_date("demain"), None);
    assert_eq!(parse_stage("ancien client"), Some(Stage::FormerClient));
}

#[test]
fn a_cell_is_previewed_as_the_import_will_keep_it() {
    let advisors = [Advisor {
        id: Uuid::from_u128(7),
        email: "sophie.girard@agence.fr".into(),
        name: "Sophie Girard".into(),
    }];
    let p = |f: Field, raw: &str| preview_cell(f, raw, &advisors);
    assert_eq!(p(Field::PhoneMobile, "+33611223344"), Ok("06 11 22 33 44".into()));
    assert_eq!(p(Field::Phone, "0611223344"), Ok("06 11 22 33 44 (portable)".into()));
    assert_eq!(p(Field::Phone, "04 78 00 00 00"), Ok("04 78 00 00 00 (fixe)".into()));
    assert_eq!(p(Field::Postcode, "1000"), Ok("01000".into()));
    assert_eq!(p(Field::LastCallOn, "31/12/24"), Ok("31/12/2024".into()));
    assert_eq!(p(Field::Stage, "Prospect"), Ok(Stage::Identified.label().into()));
    assert_eq!(p(Field::Kind, "B2B"), Ok("Entreprise".into()));
    assert_eq!(p(Field::Owner, "SOPHIE.GIRARD@agence.fr"), Ok("Sophie Girard".into()));
    assert_eq!(p(Field::Email, "  Marie@Exemple.FR "), Ok("Marie@exemple.fr".into()));
    assert_eq!(p(Field::City, "   "), Ok(String::new()));
    assert_eq!(p(Field::LastName, " Dupont "), Ok("Dupont".into()));
}

#[test]
fn a_cell_the_import_would_refuse_says_why() {
    let p = |f: Field, raw: &str| preview_cell(f, raw, &[]);
    for (field, raw) in [
        (Field::PhoneMobile, "12"),
        (Field::Email, "marie@"),
        (Field::LastCallOn, "32/13/2024"),
        (Field::Stage, "peut-être"),
        (Field::AccessiblePotential, "beaucoup"),
        (Field::HouseholdSize, "trois"),
        (Field::Owner, "personne@ailleurs.fr"),
        (Field::Postcode, "ABCDE"),
        (Field::City, &"x".repeat(200)),
    ] {
        let why = p(field, raw).expect_err(raw);
        assert!(!why.is_empty(), "{field:?} « {raw} » refused with a reason");
    }
    // The same reason as the import's line report.
    let (_, errors) = line_input(&["32/13/2024".into()], &[Some(Field::LastCallOn)], &[]);
    assert_eq!(
        p(Field::LastCallOn, "32/13/2024"),
        Err(errors.into_values().next().unwrap())
    );
}
