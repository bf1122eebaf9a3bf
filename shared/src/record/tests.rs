use super::*;
use proptest::prelude::*;

fn minimal() -> ContactInput {
    ContactInput {
        last_name: "Dupont".into(),
        phone_mobile: "06 12 34 56 78".into(),
        ..Default::default()
    }
}

#[test]
fn a_name_and_one_way_to_reach_is_enough() {
    let v = minimal().validate().unwrap();
    assert_eq!(v.phone_mobile.unwrap().e164(), "+33612345678");
    assert_eq!(v.input.stage, None);
}

#[test]
fn a_record_without_name_or_reach_lists_both_errors() {
    let errs = ContactInput::default().validate().unwrap_err();
    assert!(errs.contains_key("last_name"));
    assert!(errs.contains_key("phone_mobile"));
}

#[test]
fn every_bad_value_is_reported_by_field() {
    let input = ContactInput {
        email: "pas-un-email".into(),
        postcode: "123".into(),
        accessible_potential_cents: Some(-5),
        relationship_quality: Some(9),
        ..minimal()
    };
    let errs = input.validate().unwrap_err();
    for f in [
        "email",
        "postcode",
        "accessible_potential_cents",
        "relationship_quality",
    ] {
        assert!(errs.contains_key(f), "{f} missing in {errs:?}");
    }
}

#[test]
fn a_company_needs_its_company_name() {
    let input = ContactInput {
        kind: ContactKind::Company,
        last_name: "Martin".into(),
        email: "a@b.fr".into(),
        ..Default::default()
    };
    assert!(input.validate().unwrap_err().contains_key("company_name"));
}

#[test]
fn search_text_and_name_key_fold_accents() {
    let v = ContactInput {
        first_name: "Hélène".into(),
        last_name: "Lefèvre".into(),
        city: "Saint-Étienne".into(),
        postcode: "42000".into(),
        email: "h@x.fr".into(),
        ..Default::default()
    }
    .validate()
    .unwrap();
    assert!(v.search_text().contains("lefevre helene"));
    assert!(v.search_text().contains("saint etienne 42000"));
    assert_eq!(v.name_key().unwrap(), "lefevre helene|42000");
    assert_eq!(v.display_name(), "LEFÈVRE Hélène");
}

proptest! {
    #[test]
    fn validation_never_panics_and_valid_input_stays_valid(
        last in "\\PC{0,150}", email in "\\PC{0,30}", phone in "[0-9 +.]{0,16}", pc in "[0-9]{0,6}"
    ) {
        let input = ContactInput { last_name: last, email, phone_mobile: phone, postcode: pc, ..Default::default() };
        if let Ok(v) = input.validate() {
            prop_assert!(v.input.clone().validate().is_ok());
        }
    }
}
