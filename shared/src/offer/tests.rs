use super::*;
use proptest::prelude::*;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn input(prognosis: u8) -> OfferInput {
    OfferInput {
        id: None,
        contact_id: Uuid::from_u128(7),
        family: "savings".into(),
        label: "Assurance-vie".into(),
        amount_cents: 5_000_000,
        amount_kind: AmountKind::Capital,
        closing_month: "2027-03".into(),
        quote_sent_on: None,
        quote_answer: QuoteAnswer::Awaited,
        status: OfferStatus::Open,
        prognosis: Prognosis::new(prognosis).unwrap(),
        notes: String::new(),
    }
}

fn offer(status: OfferStatus, prognosis: u8, amount_cents: i64) -> Offer {
    let mut i = input(prognosis);
    i.status = status;
    i.amount_cents = amount_cents;
    let i = i.validate(&default_families(), None).unwrap();
    save_offer(None, Uuid::now_v7(), i, Uuid::nil(), "A", at("2026-11-30T10:00:00Z"))
        .unwrap()
        .offer
}

#[test]
fn a_prognosis_is_one_of_six_steps() {
    assert_eq!(
        Prognosis::all().map(Prognosis::percent).collect::<Vec<_>>(),
        [0, 20, 40, 60, 80, 100]
    );
    assert!(serde_json::from_str::<Prognosis>("40").is_ok());
    let e = serde_json::from_str::<Prognosis>("50").unwrap_err().to_string();
    assert!(e.contains("0, 20, 40, 60, 80 ou 100"), "{e}");
}

#[test]
fn validation_names_every_wrong_field() {
    let mut i = input(40);
    i.family = "yachts".into();
    i.amount_cents = 0;
    i.closing_month = "03/2027".into();
    i.quote_answer = QuoteAnswer::Accepted;
    let e = i.validate(&default_families(), None).unwrap_err();
    assert_eq!(
        e.keys().map(String::as_str).collect::<Vec<_>>(),
        ["amount_cents", "closing_month", "family", "quote_answer"]
    );
    // A family taken off the list stays valid on the offer that has it.
    let mut i = input(40);
    i.family = "yachts".into();
    assert!(i.validate(&default_families(), Some("yachts")).is_ok());
}

#[test]
fn status_and_prognosis_agree() {
    let p = |v| Prognosis::new(v).unwrap();
    assert_eq!(settle(OfferStatus::Open, p(100)), (OfferStatus::Signed, p(100)));
    assert_eq!(settle(OfferStatus::Open, p(0)), (OfferStatus::Abandoned, p(0)));
    assert_eq!(settle(OfferStatus::Open, p(60)), (OfferStatus::Open, p(60)));
    assert_eq!(settle(OfferStatus::Signed, p(40)), (OfferStatus::Signed, p(100)));
    assert_eq!(settle(OfferStatus::Lost, p(80)), (OfferStatus::Lost, p(0)));
    // Reopened: back in progress at the step typed.
    assert_eq!(settle(OfferStatus::Open, p(20)), (OfferStatus::Open, p(20)));
}

#[test]
fn every_prognosis_change_is_kept_and_only_a_change() {
    let me = Uuid::from_u128(1);
    let first = save_offer(
        None,
        Uuid::from_u128(9),
        input(20),
        me,
        "Moi",
        at("2026-11-01T09:00:00Z"),
    )
    .unwrap();
    assert!(first.created);
    let line = first.prognosis_change.clone().unwrap();
    assert_eq!((line.from, line.to.percent(), line.by_name.as_str()), (None, 20, "Moi"));

    // Same prognosis, other amount: no history line, the last change stays dated.
    let mut i = input(20);
    i.amount_cents = 9_000_000;
    let second = save_offer(
        Some(&first.offer),
        first.offer.id,
        i,
        Uuid::from_u128(2),
        "Autre",
        at("2026-11-02T09:00:00Z"),
    )
    .unwrap();
    assert!(second.prognosis_change.is_none());
    assert_eq!(second.offer.prognosis_changed_at, at("2026-11-01T09:00:00Z"));
    assert_eq!(second.offer.created_by, me);

    let third = save_offer(
        Some(&second.offer),
        first.offer.id,
        input(60),
        Uuid::from_u128(2),
        "Autre",
        at("2026-11-03T09:00:00Z"),
    )
    .unwrap();
    let line = third.prognosis_change.unwrap();
    assert_eq!((line.from.map(Prognosis::percent), line.to.percent()), (Some(20), 60));
    assert_eq!(third.offer.prognosis_changed_by, Uuid::from_u128(2));

    // An offer does not move to another record.
    let mut i = input(60);
    i.contact_id = Uuid::from_u128(8);
    assert!(matches!(
        save_offer(Some(&third.offer), first.offer.id, i, me, "Moi", at("2026-11-04T09:00:00Z")),
        Err(Denied::Invalid { field, .. }) if field == "contact_id"
    ));
}

#[test]
fn the_global_prognosis_follows_the_agency_rule() {
    let offers = [
        offer(OfferStatus::Open, 20, 1_000_000),
        offer(OfferStatus::Open, 80, 3_000_000),
        offer(OfferStatus::Lost, 0, 50_000_000),
    ];
    assert_eq!(global_prognosis(&offers, PrognosisRule::Highest, None), Some(80));
    assert_eq!(global_prognosis(&offers, PrognosisRule::Lowest, None), Some(20));
    // (1 × 20 + 3 × 80) / 4 = 65: the lost offer weighs nothing.
    assert_eq!(global_prognosis(&offers, PrognosisRule::Weighted, None), Some(65));
    assert_eq!(
        global_prognosis(&offers, PrognosisRule::Manual, Prognosis::new(40)),
        Some(40)
    );
    assert_eq!(global_prognosis(&offers, PrognosisRule::Manual, None), None);
    assert_eq!(global_prognosis(&offers[2..], PrognosisRule::Highest, None), Some(0));
    assert_eq!(global_prognosis(&[], PrognosisRule::Highest, None), None);
}

#[test]
fn a_signed_offer_makes_a_quasi_client() {
    use crate::stage::Stage;
    let signed = [offer(OfferStatus::Open, 100, 1_000_000)];
    assert_eq!(signed[0].status, OfferStatus::Signed);
    assert!(is_quasi_client(&signed, Stage::Engaged));
    assert!(!is_quasi_client(&signed, Stage::Client));
    assert!(!is_quasi_client(&[offer(OfferStatus::Open, 80, 1)], Stage::Engaged));
}

#[test]
fn the_pipeline_weighs_offers_in_progress_by_month() {
    let mut a = offer(OfferStatus::Open, 40, 1_000_000);
    a.closing_month = "2027-02".into();
    let b = offer(OfferStatus::Open, 60, 2_000_000);
    let c = offer(OfferStatus::Signed, 100, 500_000);
    let d = offer(OfferStatus::Abandoned, 0, 9_000_000);
    let p = pipeline(&[b, a, c, d]);
    assert_eq!(
        p.iter().map(|m| m.month.as_str()).collect::<Vec<_>>(),
        ["2027-02", "2027-03"]
    );
    assert_eq!((p[0].open_count, p[0].weighted_cents), (1, 400_000));
    assert_eq!(
        (p[1].open_count, p[1].open_cents, p[1].weighted_cents),
        (1, 2_000_000, 1_200_000)
    );
    assert_eq!((p[1].signed_count, p[1].signed_cents), (1, 500_000));
}

#[test]
fn months_read_and_print() {
    assert_eq!(parse_month("2027-03"), NaiveDate::from_ymd_opt(2027, 3, 1));
    assert_eq!(parse_month("2027-13"), None);
    assert_eq!(parse_month("27-03"), None);
    assert_eq!(month_label("2027-08"), "août 2027");
    assert!(validate_families(&default_families()).is_ok());
    let mut twice = default_families();
    twice.push(twice[0].clone());
    assert!(validate_families(&twice).unwrap_err().0.contains("en double"));
}

proptest! {
    /// Whatever the offers, the global prognosis lies between the lowest and the highest live
    /// step, and the highest rule is never below the weighted one.
    #[test]
    fn the_weighted_prognosis_lies_between_the_extremes(
        steps in proptest::collection::vec((0usize..6, 1i64..10_000_000), 1..8)
    ) {
        let offers: Vec<Offer> = steps
            .iter()
            .map(|&(s, amount)| offer(OfferStatus::Open, Prognosis::STEPS[s], amount))
            .collect();
        let hi = global_prognosis(&offers, PrognosisRule::Highest, None).unwrap();
        let lo = global_prognosis(&offers, PrognosisRule::Lowest, None).unwrap();
        let w = global_prognosis(&offers, PrognosisRule::Weighted, None).unwrap();
        prop_assert!(lo <= w && w <= hi, "{lo} {w} {hi}");
    }
}

#[test]
fn the_pipeline_sums_each_advisors_months_by_month_and_by_advisor() {
    let m = |month: &str, open: i64, weighted: i64, signed: i64| PipelineMonth {
        month: month.into(),
        open_count: open,
        open_cents: open * 1000,
        weighted_cents: weighted,
        signed_count: signed,
        signed_cents: signed * 500,
    };
    let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let p = Pipeline::of(&[
        (b, "Zoé".into(), m("2027-03", 1, 400, 0)),
        (a, "Alain".into(), m("2027-03", 2, 100, 1)),
        (a, "Alain".into(), m("2027-01", 1, 50, 0)),
    ]);
    let months: Vec<(&str, i64, i64)> = p
        .months
        .iter()
        .map(|x| (x.month.as_str(), x.open_count, x.weighted_cents))
        .collect();
    assert_eq!(months, [("2027-01", 1, 50), ("2027-03", 3, 500)]);
    let advisors: Vec<(&str, i64, i64, i64)> = p
        .advisors
        .iter()
        .map(|x| (x.owner_name.as_str(), x.open_count, x.weighted_cents, x.signed_cents))
        .collect();
    assert_eq!(advisors, [("Alain", 3, 150, 500), ("Zoé", 1, 400, 0)]);
    assert_eq!(p.total().open_cents, 4000);
}
