use super::*;
use proptest::prelude::*;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn a_photo_has_every_cell_and_sums_by_stage_and_step() {
    let found = [
        PhotoCell {
            stage: Stage::Engaged,
            size_class: SizeClass::Big,
            count: 3,
            potential_cents: 900,
        },
        PhotoCell {
            stage: Stage::Qualified,
            size_class: SizeClass::Small,
            count: 5,
            potential_cents: 50,
        },
        PhotoCell {
            stage: Stage::Referred,
            size_class: SizeClass::Small,
            count: 2,
            potential_cents: 20,
        },
    ];
    let p = Photo::of(day("2026-11-30"), &found);
    assert_eq!(p.cells.len(), 7 * 3);
    assert_eq!(p.at(Stage::Engaged), 3);
    assert_eq!(p.at_step(Step::Identified), 7);
    assert_eq!(p.at(Stage::Client), 0);
}

#[test]
fn the_film_counts_who_started_or_entered_a_step_and_who_went_further() {
    let at_start = [
        (Stage::Contacted, "A".to_string(), 10),
        (Stage::Qualified, "A".to_string(), 4),
        (Stage::Engaged, "B".to_string(), 2),
    ];
    let moved = [
        // One of A's contacted became engaged, then client.
        Moves {
            start: Some(Stage::Contacted),
            moves: vec![Stage::Engaged, Stage::Client],
            group: "A".into(),
        },
        // A new record of B: identified, then contacted during the period.
        Moves {
            start: None,
            moves: vec![Stage::Identified, Stage::Contacted],
            group: "B".into(),
        },
        // One of B's engaged lost (back to contacted): no conversion.
        Moves {
            start: Some(Stage::Engaged),
            moves: vec![Stage::Contacted],
            group: "B".into(),
        },
    ];
    let lines = conversions(&at_start, &moved);
    assert_eq!(
        lines.iter().map(|l| l.group.as_str()).collect::<Vec<_>>(),
        ["", "A", "B"]
    );
    let all = &lines[0];
    // Identified: 4 at the start + 1 new; 1 reached contacted.
    assert_eq!(
        (
            all.identified_to_contacted.cohort,
            all.identified_to_contacted.converted
        ),
        (5, 1)
    );
    // Contacted: 10 at the start + the new one + the lost one coming back; 1 went on.
    assert_eq!(
        (all.contacted_to_engaged.cohort, all.contacted_to_engaged.converted),
        (12, 1)
    );
    assert_eq!(all.contacted_to_engaged.rate(), Some(8));
    // Engaged: B's 2 at the start + A's who entered; A's became client.
    assert_eq!((all.engaged_to_client.cohort, all.engaged_to_client.converted), (3, 1));
    let a = &lines[1];
    assert_eq!((a.engaged_to_client.cohort, a.engaged_to_client.converted), (1, 1));
    assert_eq!(lines[2].engaged_to_client.rate(), Some(0));
}

#[test]
fn nps_is_promoters_minus_detractors() {
    assert_eq!(nps(&[]), None);
    assert_eq!(nps(&[10, 9, 8, 6]), Some(25));
    assert_eq!(nps(&[0, 1, 2]), Some(-100));
}

#[test]
fn kpis_say_whether_each_target_is_met() {
    let f = KpiFacts {
        met_prospects: 20,
        met_became_clients: 7,
        clients_year_ago: 100,
        clients_kept: 93,
        recommend_scores: vec![10, 10, 9, 8],
        response_hours: vec![2.0, 30.0],
        clients: 50,
        clients_on_time: 46,
    };
    let k = kpis(day("2026-09-01"), day("2026-11-30"), &f, &KpiTargets::default());
    let by = |c: &str| k.kpis.iter().find(|x| x.code == c).unwrap().clone();
    assert_eq!((by("conversion").value, by("conversion").met), (Some(35.0), Some(true)));
    assert_eq!((by("retention").value, by("retention").met), (Some(93.0), Some(false)));
    assert_eq!((by("nps").value, by("nps").met), (Some(75.0), Some(true)));
    assert_eq!((by("response").value, by("response").met), (Some(16.0), Some(true)));
    assert_eq!((by("on_time").value, by("on_time").met), (Some(92.0), Some(true)));
    let none = kpis(
        day("2026-09-01"),
        day("2026-11-30"),
        &KpiFacts::default(),
        &KpiTargets::default(),
    );
    assert!(none.kpis.iter().all(|k| k.value.is_none() && k.met.is_none()));
    assert!(KpiTargets {
        nps: 500,
        ..KpiTargets::default()
    }
    .validate()
    .is_err());
}

proptest! {
    /// Conversions never exceed their cohort, and a group's lines add up to the whole.
    #[test]
    fn conversions_stay_within_their_cohorts(
        starts in proptest::collection::vec((0usize..7, 0usize..3, 0i64..20), 0..10),
        moves in proptest::collection::vec((proptest::option::of(0usize..7), proptest::collection::vec(0usize..7, 0..4), 0usize..3), 0..20),
    ) {
        let group = |i: usize| ["A", "B", "C"][i].to_string();
        let mut at_start: Vec<(Stage, String, i64)> = starts.iter().map(|(s, g, n)| (Stage::ALL[*s], group(*g), *n)).collect();
        let moved: Vec<Moves> = moves
            .iter()
            .map(|(s, m, g)| Moves { start: s.map(|i| Stage::ALL[i]), moves: m.iter().map(|i| Stage::ALL[*i]).collect(), group: group(*g) })
            .collect();
        // Every record is in the photo at the start, the moved ones too.
        at_start.extend(moved.iter().filter_map(|m| m.start.map(|s| (s, m.group.clone(), 1))));
        let lines = conversions(&at_start, &moved);
        for l in &lines {
            for c in [l.identified_to_contacted, l.contacted_to_engaged, l.engaged_to_client] {
                prop_assert!(c.converted <= c.cohort);
            }
        }
        let sum: i64 = lines[1..].iter().map(|l| l.contacted_to_engaged.cohort).sum();
        prop_assert_eq!(sum, lines[0].contacted_to_engaged.cohort);
    }
}

#[test]
fn rewinding_gives_each_record_its_stage_at_the_date() {
    use chrono::{Duration, TimeZone, Utc};
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let rec = |n: u128, stage, created: i64, deleted: Option<i64>| RecordNow {
        id: Uuid::from_u128(n),
        stage,
        size_class: SizeClass::Small,
        potential_cents: 100,
        owner_id: Uuid::nil(),
        group: "A".into(),
        created_at: t0 + Duration::days(created),
        deleted_at: deleted.map(|d| t0 + Duration::days(d)),
    };
    let records = [
        rec(1, Stage::Client, 0, None),
        rec(2, Stage::Contacted, 50, None),
        rec(3, Stage::Engaged, 0, Some(40)),
        rec(4, Stage::Qualified, 0, None),
    ];
    let mv = |n: u128, from: Option<Stage>, to, day: i64| StageMove {
        contact_id: Uuid::from_u128(n),
        from,
        to,
        at: t0 + Duration::days(day),
    };
    let after = [
        mv(1, Some(Stage::Contacted), Stage::Engaged, 20),
        mv(1, Some(Stage::Engaged), Stage::Client, 30),
        mv(2, None, Stage::Identified, 50),
        mv(2, Some(Stage::Identified), Stage::Contacted, 60),
    ];
    let at = t0 + Duration::days(10);
    assert_eq!(
        rewind(&records, &after, at),
        [
            Some(Stage::Contacted),
            None,
            Some(Stage::Engaged),
            Some(Stage::Qualified)
        ]
    );
    let (cells, moved) = film_facts(&records, &after, at, t0 + Duration::days(70));
    assert_eq!(cells.iter().map(|(c, _)| c.count).sum::<i64>(), 3);
    assert_eq!(moved.len(), 2);
    assert_eq!(moved[0].start, Some(Stage::Contacted));
    assert_eq!(moved[0].moves, [Stage::Engaged, Stage::Client]);
    assert_eq!(moved[1].start, None);
}

proptest! {
    /// The summary rebuilt day by day gives, at the end of any day, the photo that rewinding
    /// the records gives — and summed over every day, the records now.
    #[test]
    fn the_days_summed_give_the_photo_rewinding_gives(
        recs in proptest::collection::vec((0usize..7, 0usize..3, 0i64..40, proptest::option::of(0i64..60), 0u128..3, 1i64..1000), 1..12),
        moves in proptest::collection::vec((0usize..12, proptest::option::of(0usize..7), 0usize..7, 0i64..3000), 0..40),
        on in 0i64..60,
    ) {
        use chrono::{Duration, TimeZone, Utc};
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        // Twelve-hour steps: several events a day, days boundaries at midnight UTC.
        let at = |h: i64| t0 + Duration::hours(h);
        let records: Vec<RecordNow> = recs
            .iter()
            .enumerate()
            .map(|(i, (st, sz, created, deleted, owner, pot))| RecordNow {
                id: Uuid::from_u128(i as u128),
                stage: Stage::ALL[*st],
                size_class: SizeClass::ALL[*sz],
                potential_cents: *pot,
                owner_id: Uuid::from_u128(100 + owner),
                group: String::new(),
                created_at: at(created * 12),
                deleted_at: deleted.map(|d| at(d * 12)),
            })
            .collect();
        // Oldest first, as the store reads them for `rewind` (the summary takes any order).
        let mut moves: Vec<StageMove> = moves
            .iter()
            .filter(|(r, ..)| *r < records.len())
            .map(|(r, from, to, h)| StageMove {
                contact_id: Uuid::from_u128(*r as u128),
                from: from.map(|f| Stage::ALL[f]),
                to: Stage::ALL[*to],
                at: at(*h % 720),
            })
            .collect();
        moves.sort_by_key(|m| m.at);
        let day_of = |t: chrono::DateTime<Utc>| t.date_naive();
        let days = cell_days(&records, &moves, &day_of);
        let d = t0.date_naive() + Duration::days(on);
        let end = d.and_hms_opt(23, 59, 59).unwrap().and_utc();
        let mut summed: std::collections::BTreeMap<(Stage, SizeClass), (i64, i64)> = Default::default();
        for ((day, (_, stage, size)), (n, p)) in &days {
            if *day <= d {
                let e = summed.entry((*stage, *size)).or_default();
                e.0 += n;
                e.1 += p;
            }
        }
        let photo = Photo::of(d, &summed.iter().map(|((stage, size_class), (count, potential_cents))| PhotoCell {
            stage: *stage, size_class: *size_class, count: *count, potential_cents: *potential_cents,
        }).collect::<Vec<_>>());
        let rewound: Vec<PhotoCell> = cells_of(&records, &rewind(&records, &moves, end)).into_iter().map(|(c, _)| c).collect();
        prop_assert_eq!(photo, Photo::of(d, &rewound));
        // Every day summed: the records now, in their owners' cells.
        let mut all: std::collections::BTreeMap<CellKey, (i64, i64)> = Default::default();
        for ((_, key), (n, p)) in &days {
            let e = all.entry(*key).or_default();
            e.0 += n;
            e.1 += p;
        }
        all.retain(|_, v| *v != (0, 0));
        let mut now: std::collections::BTreeMap<CellKey, (i64, i64)> = Default::default();
        for r in records.iter().filter(|r| r.deleted_at.is_none()) {
            let e = now.entry((r.owner_id, r.stage, r.size_class)).or_default();
            e.0 += 1;
            e.1 += r.potential_cents;
        }
        prop_assert_eq!(all, now);
    }
}
