//! The demo agency's import history: last month's fair ("Salon du patrimoine") came in as a
//! spreadsheet export, through the same steps as the import screen — one line refused, one
//! duplicate of a record already there left out — so the manager's `/imports` has a report to
//! read and the records their campaign.

use chrono::{DateTime, Utc};
use shared::import::ImportOptions;
use std::sync::Arc;

use crate::db::{Actor, DynStore};

/// The fair's file, as French Excel saves it (Windows-1252, `;`).
fn fair_file(duplicate_mobile: &str) -> Vec<u8> {
    let lines = [
        "Nom;Prénom;Tél. portable;E-mail;Code postal;Ville;Commentaire;Dernier appel".to_string(),
        "Perrin;Élodie;06 71 20 30 41;elodie.perrin@exemple.fr;69006;Lyon;Intéressée par l'assurance-vie;".into(),
        "Chevalier;Marc;06 71 20 30 42;;69130;Écully;Chef d'entreprise, prévoyance;".into(),
        "Gauthier;Inès;06 71 20 30 43;ines.gauthier@exemple.fr;69160;Tassin-la-Demi-Lune;\"Retraite dans 5 ans,\r\nrappeler après les fêtes\";".into(),
        "Renaud;Hugo;;hugo.renaud@exemple;69300;Caluire-et-Cuire;Adresse e-mail mal notée au salon;".into(),
        "Barbier;Léa;06 71 20 30 45;lea.barbier@exemple.fr;69005;Lyon;Jeune couple, achat immobilier;".into(),
        format!("Doublon;Salon;{duplicate_mobile};;;;Déjà client, venu au salon;"),
        "Morel;Théo;06 71 20 30 47;;69009;Lyon;Transmission, deux enfants;".into(),
        // Old prospects from the agency's former file, never called since: past the retention
        // period, for the manager's privacy screen.
        "Lambert;Odile;06 71 20 30 48;;69004;Lyon;Ancien fichier de l'agence;14/03/2021".into(),
        "Roche;Gérard;06 71 20 30 49;;69110;Sainte-Foy-lès-Lyon;Ancien fichier de l'agence;02/09/2022".into(),
    ];
    let text = lines.join("\r\n") + "\r\n";
    encoding_rs::WINDOWS_1252.encode(&text).0.into_owned()
}

/// Imports the fair's file as the manager, the records spread to `advisor`.
pub async fn load(
    store: &DynStore,
    manager: &Actor,
    advisor: uuid::Uuid,
    duplicate_mobile: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let fail = |e: crate::error::ApiError| anyhow::anyhow!("demo import: {e}");
    let preview = crate::imports::upload(
        store,
        manager,
        "salon-patrimoine-2026.csv",
        &fair_file(duplicate_mobile),
        now,
    )
    .await
    .map_err(fail)?;
    let options = ImportOptions {
        mapping: preview.mapping.clone(),
        campaign: "Salon du patrimoine 2026".into(),
        owner_id: Some(advisor),
        ..ImportOptions::default()
    };
    store
        .claim_import(manager, preview.id, &serde_json::to_string(&options)?)
        .await?;
    crate::imports::run(
        store.clone(),
        Arc::new(crate::imports::Jobs::default()),
        *manager,
        preview.id,
        options,
    )
    .await;
    let status = store.import(manager, preview.id).await?.status;
    anyhow::ensure!(status == "done", "demo import {status}");
    Ok(())
}
