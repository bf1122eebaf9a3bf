//! Records in (issue 11, part 1): files as agencies have them (Windows-1252 from French Excel,
//! `;`, quoted line breaks, a BOM), bad lines with their numbers, duplicates in the file and
//! against the agency, choices per line, a dry run that writes nothing, a re-run that imports
//! nothing twice, all or nothing — on SQLite and PostgreSQL.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

impl User {
    async fn upload(&self, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let r = self
            .client
            .post(format!("{}/api/v1/imports?file_name={name}", self.base))
            .header("content-type", "text/csv")
            .body(bytes)
            .send()
            .await
            .unwrap();
        body(r).await
    }

    /// Runs an import and waits until it is no longer running.
    async fn run_import(&self, id: &str, options: &Value) -> Value {
        let (status, started) = body(self.post(&format!("/imports/{id}/run"), options).await).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{started}");
        for _ in 0..600 {
            let (status, v) = body(self.get(&format!("/imports/{id}")).await).await;
            assert_eq!(status, StatusCode::OK, "{v}");
            if v["status"] != "running" {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the import did not end");
    }

    /// The one record a search finds, in full.
    async fn found(&self, q: &str) -> Value {
        let (_, found) = body(self.get(&format!("/contacts?q={q}")).await).await;
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
        let id = found["items"][0]["id"].as_str().unwrap();
        body(self.get(&format!("/contacts/{id}")).await).await.1
    }

    async fn count_contacts(&self) -> usize {
        let (_, v) = body(self.get("/contacts?limit=200").await).await;
        v["items"].as_array().unwrap().len()
    }
}

/// What French Excel writes: Windows-1252, `;`, CRLF, a note over two lines.
fn excel_file(lines: &[&str]) -> Vec<u8> {
    let text = lines.join("\r\n") + "\r\n";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    bytes.into_owned()
}

const HEADER: &str = "Nom;Prénom;Tél. portable;Adresse e-mail;Code postal;Ville;Commentaire";

fn options(preview: &Value) -> Value {
    json!({"mapping": preview["mapping"], "on_duplicate": "skip"})
}

#[tokio::test]
async fn a_windows_1252_export_with_duplicates_and_bad_lines_imports_what_is_right() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let mut existing = contact("import-existing");
    existing["phone_mobile"] = json!("06 55 44 33 22");
    let existing = cast.owner.create_contact(existing).await;
    let file = excel_file(&[
        HEADER,
        "Lefèvre;Hélène;06 11 22 33 44;helene@exemple.fr;69004;Lyon;\"vue au salon,\r\nrappeler en mars\"",
        "Durand;Paul;;paul@exemple;69003;Lyon;",
        "Lefèvre;Hélène;+33611223344;;;;",
        "Müller;Jürgen;0655443322;;;;",
        "Roux;Anaïs;0677889900;;1000;Bourg;",
        ";;;;;;",
    ]);
    let (status, preview) = cast.manager.upload("clients.csv", file.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{preview}");
    assert_eq!(preview["encoding"], "windows1252");
    assert_eq!(preview["delimiter"], ";");
    assert_eq!(preview["line_count"], 5, "the empty last line left out");
    assert_eq!(preview["headers"][1], "Prénom");
    assert_eq!(
        preview["mapping"],
        json!([
            "last_name",
            "first_name",
            "phone_mobile",
            "email",
            "postcode",
            "city",
            "notes"
        ])
    );
    assert_eq!(preview["sample"][0][6], "vue au salon,\r\nrappeler en mars");
    // The agency's users, for the preview of an advisor column; none of another agency.
    let emails: Vec<&str> = preview["advisors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert!(
        emails.contains(&"owner@a.fr") && emails.contains(&"colleague@a.fr"),
        "{emails:?}"
    );
    assert!(!emails.iter().any(|e| e.ends_with("@b.fr")), "{emails:?}");
    let id = preview["id"].as_str().unwrap();

    // The dry run says everything and writes nothing.
    let before = cast.manager.count_contacts().await;
    let (status, check) = body(
        cast.manager
            .post(&format!("/imports/{id}/check"), &options(&preview))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{check}");
    assert_eq!(check["dry_run"], true);
    assert_eq!(
        check["counts"],
        json!({"lines": 5, "created": 2, "updated": 0, "skipped": 2, "already_imported": 0, "invalid": 1})
    );
    let lines = check["lines"].as_array().unwrap();
    let line = |n: u64| {
        lines
            .iter()
            .find(|l| l["line"] == n)
            .unwrap_or_else(|| panic!("line {n} in {check}"))
    };
    // Line numbers are the file's: the note's line break moves them.
    assert_eq!(line(4)["outcome"], "invalid");
    assert!(line(4)["text"].as_str().unwrap().contains("E-mail"), "{}", line(4));
    assert_eq!(line(5)["outcome"], "skip");
    assert_eq!(line(5)["of_line"], 2);
    assert_eq!(line(6)["id"], existing["id"]);
    assert!(
        line(6)["text"].as_str().unwrap().contains("TEST IMPORT-EXISTING"),
        "{}",
        line(6)
    );
    assert_eq!(cast.manager.count_contacts().await, before, "a dry run writes nothing");

    let mut choices = options(&preview);
    choices["owner_id"] = json!(cast.owner.id);
    let done = cast.manager.run_import(id, &choices).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["counts"]["created"], 2);
    let helene = cast.owner.found("lefevre").await;
    assert_eq!(helene["first_name"], "Hélène", "Windows-1252 read right");
    assert_eq!(helene["notes"], "vue au salon,\r\nrappeler en mars");
    assert_eq!(helene["campaign"], "Import clients.csv", "where it came from");
    assert_eq!(helene["owner_id"], json!(cast.owner.id));
    assert_eq!(
        cast.owner.found("roux").await["postcode"],
        "01000",
        "the zero Excel dropped is back"
    );
    let (_, history) = body(
        cast.owner
            .get(&format!("/contacts/{}/timeline", helene["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert!(
        history.to_string().contains("Importé de « clients.csv », ligne 2"),
        "{history}"
    );

    // The same file again imports nothing twice; an import runs once.
    let (status, _) = body(cast.manager.post(&format!("/imports/{id}/run"), &choices).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, again) = cast.manager.upload("clients.csv", file).await;
    let again = cast.manager.run_import(again["id"].as_str().unwrap(), &choices).await;
    assert_eq!(again["counts"]["created"], 0, "{again}");
    assert_eq!(again["counts"]["already_imported"], 2);
    assert_eq!(cast.manager.count_contacts().await, before + 2);

    // The history, and the report as CSV.
    let (_, list) = body(cast.manager.get("/imports").await).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["created_by_name"], "manager");
    let r = cast.manager.get(&format!("/imports/{id}/report.csv")).await;
    let text = r.text().await.unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .has_headers(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert!(rows.iter().any(|r| &r[0] == "refusées" && &r[1] == "1"));
    assert!(rows.iter().any(|r| &r[0] == "4" && r[2].contains("refusée")));
}

#[tokio::test]
async fn each_duplicate_may_update_the_record_or_be_created_anyway() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let mut a = contact("dup-a");
    a["phone_mobile"] = json!("0612121212");
    a["notes"] = json!("client depuis 2010");
    let a = cast.owner.create_contact(a).await;
    let mut b = contact("dup-b");
    b["email"] = json!("b@exemple.fr");
    let b = cast.owner.create_contact(b).await;
    let file = "\u{feff}Last name,First name,Mobile,Email,City,Notes\n\
                Test dup-a,Jeanne,06 12 12 12 12,,Villeurbanne,vue au salon\n\
                Autre,Bernard,,B@exemple.fr,,\n"
        .as_bytes()
        .to_vec();
    let (_, preview) = cast.manager.upload("crm.csv", file).await;
    assert_eq!(preview["encoding"], "utf8_bom");
    assert_eq!(preview["delimiter"], ",");
    let id = preview["id"].as_str().unwrap();
    let choices = json!({"mapping": preview["mapping"], "on_duplicate": "update", "choices": {"3": "create"}});
    let (_, check) = body(cast.manager.post(&format!("/imports/{id}/check"), &choices).await).await;
    assert_eq!(check["lines"][0]["outcome"], "update", "{check}");
    assert_eq!(check["lines"][1]["outcome"], "create_duplicate");
    assert_eq!(check["lines"][1]["matched_on"], "email");
    let done = cast.manager.run_import(id, &choices).await;
    assert_eq!(
        done["counts"],
        json!({"lines": 2, "created": 1, "updated": 1, "skipped": 0, "already_imported": 0, "invalid": 0})
    );
    let (_, a2) = body(
        cast.owner
            .get(&format!("/contacts/{}", a["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(a2["city"], "Villeurbanne");
    assert_eq!(
        a2["notes"], "client depuis 2010\nvue au salon",
        "what the file leaves blank is kept, notes added"
    );
    assert_eq!(a2["owner_id"], a["owner_id"], "an update does not change the advisor");
    assert_eq!(a2["campaign"], a["campaign"]);
    let (_, history) = body(
        cast.owner
            .get(&format!("/contacts/{}/timeline", a["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert!(
        history.to_string().contains("Villeurbanne"),
        "the edit is in the history: {history}"
    );
    let (_, b2) = body(
        cast.owner
            .get(&format!("/contacts/{}", b["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(
        b2["first_name"], b["first_name"],
        "the record created anyway left b alone"
    );
}

#[tokio::test]
async fn bad_files_and_bad_choices_are_refused_clearly_and_only_managers_import() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let (status, v) = cast.manager.upload("vide.csv", Vec::new()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["fields"]["file"], "le fichier est vide");
    let (status, v) = cast.manager.upload("entete.csv", b"Nom;Ville\r\n".to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["fields"]["file"].as_str().unwrap().contains("aucune donnée"));

    let file = b"Nom;Mobile\r\nDupont;0611111111\r\n".to_vec();
    let (_, preview) = cast.manager.upload("a.csv", file.clone()).await;
    let id = preview["id"].as_str().unwrap();
    let (status, v) = body(
        cast.manager
            .post(&format!("/imports/{id}/check"), &json!({"mapping": ["last_name"]}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["fields"]["mapping"].as_str().unwrap().contains("2 colonnes"), "{v}");
    let (status, v) = body(
        cast.manager
            .post(
                &format!("/imports/{id}/check"),
                &json!({"mapping": ["last_name", "last_name"]}),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        v["fields"]["mapping"].as_str().unwrap().contains("deux colonnes"),
        "{v}"
    );
    let (status, v) = body(
        cast.manager
            .post(
                &format!("/imports/{id}/check"),
                &json!({"mapping": ["last_name", "phone_mobile"], "owner_id": cast.foreign.id}),
            )
            .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another agency's advisor: {v}"
    );
    let (status, _) = body(
        cast.manager
            .post(&format!("/imports/{id}/check"), &json!({"mapping": ["nom", null]}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an unknown field name");

    // An advisor imports nothing; another agency does not see the import.
    let (status, _) = cast.owner.upload("a.csv", file).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for path in [
        format!("/imports/{id}"),
        "/imports".into(),
        format!("/imports/{id}/report.csv"),
    ] {
        assert_eq!(cast.owner.get(&path).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let options = json!({"mapping": ["last_name", "phone_mobile"]});
    for path in [format!("/imports/{id}/check"), format!("/imports/{id}/run")] {
        assert_eq!(cast.owner.post(&path, &options).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            cast.foreign_manager.post(&path, &options).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        cast.foreign_manager.get(&format!("/imports/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(cast.anonymous.get("/imports").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_export_imports_into_another_agency_as_it_was() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    let mut a = contact("roundtrip");
    a["first_name"] = json!("Zoé");
    a["email"] = json!("zoe@exemple.fr");
    a["phone_landline"] = json!("04 78 12 34 56");
    a["campaign"] = json!("Salon 2026");
    a["accessible_potential_cents"] = json!(12_500_050);
    a["stage"] = json!("qualified");
    a["stage_reason"] = json!("demande entrante");
    cast.owner.create_contact(a).await;
    let csv = cast
        .owner
        .get("/contacts/export.csv")
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let (status, preview) = cast.foreign_manager.upload("export.csv", csv).await;
    assert_eq!(status, StatusCode::CREATED, "{preview}");
    // The owner column names an advisor of agency A: left out here.
    let mut mapping = preview["mapping"].clone();
    let owner_column = preview["headers"]
        .as_array()
        .unwrap()
        .iter()
        .position(|h| h == "conseiller")
        .unwrap();
    mapping[owner_column] = Value::Null;
    let done = cast
        .foreign_manager
        .run_import(preview["id"].as_str().unwrap(), &json!({"mapping": mapping}))
        .await;
    assert_eq!(done["counts"]["created"], 1, "{done}");
    let z = cast.foreign_manager.found("zoe").await;
    assert_eq!(z["email"], "zoe@exemple.fr");
    assert_eq!(z["phone_landline"], "+33478123456");
    assert_eq!(z["campaign"], "Salon 2026");
    assert_eq!(z["stage"], "qualified");
    assert_eq!(z["accessible_potential_cents"], 12_500_050);
}

/// All or nothing: a run that fails half-way (SQLite over its size limit) leaves no record
/// and says so; the same import runs again once there is room. SQLite only: the quota is its.
#[tokio::test]
async fn a_run_that_fails_half_way_leaves_nothing() {
    let (url, _dir) = fresh_database().await;
    if !url.starts_with("sqlite:") {
        return;
    }
    let store = tournee_server::db::connect_with(
        &url,
        &tournee_server::db::StoreOptions {
            max_size_bytes: Some(1_500_000),
        },
    )
    .await
    .unwrap();
    let config = tournee_server::config::Config {
        database_url: url.clone(),
        ..Default::default()
    };
    let app = spawn_app_on(store, config).await;
    let cast = cast(&app).await;
    let mut lines = vec!["Nom;Prénom;Mobile;Notes".to_string()];
    for i in 0..3000 {
        lines.push(format!(
            "Nom{i};Prénom{i};06{i:08};{}",
            "une note assez longue ".repeat(4)
        ));
    }
    let file = lines.join("\n").into_bytes();
    let (status, preview) = cast.manager.upload("gros.csv", file).await;
    assert_eq!(status, StatusCode::CREATED, "{preview}");
    let done = cast
        .manager
        .run_import(preview["id"].as_str().unwrap(), &options(&preview))
        .await;
    assert_eq!(done["status"], "failed", "{done}");
    assert!(
        done["error"].as_str().unwrap().contains("rien n'a été importé"),
        "{done}"
    );
    assert_eq!(app.store.count_contacts(cast.manager.agency_id).await.unwrap(), 0);
}

#[tokio::test]
async fn the_demo_agency_has_an_import_to_read() {
    let app = spawn_app().await;
    let today = tournee_server::time::AgencyTime::default().today();
    tournee_server::demo::load(&app.store, today, 40).await.unwrap();
    let claire = demo_user(&app, "claire.martin@demo.tournee.fr").await;
    let (_, list) = body(claire.get("/imports").await).await;
    assert_eq!(list[0]["file_name"], "salon-patrimoine-2026.csv", "{list}");
    assert_eq!(list[0]["status"], "done");
    assert_eq!(
        list[0]["counts"],
        json!({"lines": 9, "created": 7, "updated": 0, "skipped": 1, "already_imported": 0, "invalid": 1})
    );
    let (_, fair) = body(claire.get("/contacts?campaign=Salon%20du%20patrimoine%202026").await).await;
    assert_eq!(fair["items"].as_array().unwrap().len(), 7);
    // Two of them not called for more than three years: the manager's retention list.
    let (s, due) = body(claire.get("/privacy/retention").await).await;
    assert_eq!(s, StatusCode::OK, "{due}");
    let names: Vec<&str> = due
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["display_name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"LAMBERT Odile") && names.contains(&"ROCHE Gérard"),
        "{names:?}"
    );
    assert_eq!(due[0]["last_contact_on"], "2021-03-14");
}

#[tokio::test]
async fn a_large_file_is_taken_and_a_too_large_one_refused_clearly() {
    let app = spawn_app().await;
    let cast = cast(&app).await;
    // About 6 MB: over the API's usual body limit, under the import's.
    let mut text = String::from("Nom;Prénom;Mobile;Notes\n");
    for i in 0..60_000 {
        text.push_str(&format!("Nom{i};Prénom;06{i:08};{}\n", "x".repeat(60)));
    }
    assert!(text.len() > 5_000_000);
    let (s, preview) = cast.manager.upload("gros.csv", text.into_bytes()).await;
    assert_eq!(s, StatusCode::CREATED, "{preview}");
    assert_eq!(preview["line_count"], 60_000);
    let (s, e) = cast.manager.upload("trop.csv", vec![b'a'; 41 * 1024 * 1024]).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{e}");
    assert_eq!(e["error"], "payload_too_large");
}
