//! Records out (issue 11, part 2): CSV and vCard 4.0 of what the caller sees, read back with
//! independent parsers (`csv`, `ical`'s vCard reader) — on SQLite and PostgreSQL.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_portfolio_exports_as_csv_and_vcard_and_reads_back() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let mut a = contact("export-a");
    a["first_name"] = json!("Hélène");
    a["last_name"] = json!("Écuyer; dite \"Léna\"");
    a["email"] = json!("helene@exemple.fr");
    a["address_line"] = json!("3, rue des Lilas");
    a["notes"] = json!("=1+1 ne doit pas devenir une formule");
    a["campaign"] = json!("Salon 2026");
    let a = cast.owner.create_contact(a).await;
    let mut b = contact("export-b");
    b["kind"] = json!("company");
    b["company_name"] = json!("=Pharmacie du Centre");
    cast.owner.create_contact(b).await;
    cast.colleague.create_contact(contact("export-theirs")).await;

    let r = cast.owner.get("/contacts/export.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "a BOM for Excel");
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(&bytes[3..]);
    let headers = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2, "the owner's portfolio only");
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let helene = rows
        .iter()
        .find(|r| &r[col("id")] == a["id"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        &helene[col("nom")],
        a["last_name"].as_str().unwrap(),
        "quotes and ; survive"
    );
    assert_eq!(&helene[col("adresse")], "3, rue des Lilas");
    assert_eq!(&helene[col("campagne")], "Salon 2026");
    assert_eq!(&helene[col("mobile")].len(), &14, "06 xx xx xx xx");
    let pharmacy = rows.iter().find(|r| r[col("société")].contains("Pharmacie")).unwrap();
    assert_eq!(&pharmacy[col("société")], "'=Pharmacie du Centre", "no formula");
    // Filtered as the list is.
    let r = cast.owner.get("/contacts/export.csv?campaign=salon%202026").await;
    let text = r.text().await.unwrap();
    assert_eq!(text.lines().count(), 2);

    let r = cast.owner.get("/contacts/export.vcf").await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let cards: Vec<_> = ical::VcardParser::new(std::io::BufReader::new(text.as_bytes()))
        .map(|c| c.unwrap())
        .collect();
    assert_eq!(cards.len(), 2);
    let prop = |card: &ical::parser::vcard::component::VcardContact, name: &str| {
        card.properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
    };
    let card = cards
        .iter()
        .find(|c| prop(c, "UID").is_some_and(|u| u.ends_with(a["id"].as_str().unwrap())))
        .unwrap();
    assert_eq!(prop(card, "VERSION").as_deref(), Some("4.0"));
    assert_eq!(prop(card, "EMAIL").as_deref(), Some("helene@exemple.fr"));
    assert!(
        prop(card, "TEL").unwrap().starts_with("tel:+336"),
        "{:?}",
        prop(card, "TEL")
    );
    assert!(prop(card, "ADR").unwrap().contains("3\\, rue des Lilas"));
    for line in text.split("\r\n") {
        assert!(line.len() <= 75, "folded at 75 octets: {line}");
    }

    // One record; what one may not see is not found.
    let id = a["id"].as_str().unwrap();
    let r = cast.owner.get(&format!("/contacts/{id}/vcard")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"));
    assert_eq!(
        cast.colleague.get(&format!("/contacts/{id}/vcard")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        cast.foreign_manager
            .get(&format!("/contacts/{id}/vcard"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let (_, foreign) = body(cast.foreign_manager.get("/contacts/export.csv").await).await;
    assert_eq!(foreign.as_str().unwrap().lines().count(), 1, "the header only");
    assert_eq!(
        cast.anonymous.get("/contacts/export.csv").await.status(),
        StatusCode::UNAUTHORIZED
    );
    // The manager exports the agency.
    let r = cast.manager.get("/contacts/export.csv").await;
    assert_eq!(r.text().await.unwrap().lines().count(), 4);
}
