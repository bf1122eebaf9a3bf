//! Importing records from a file (issue 11), for the API and the `tournee import` command:
//! read → preview → plan (a dry run answers here) → write in one transaction. The rules are
//! `shared::import`; this module gathers what they need and persists what they decide.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use shared::import::plan::overlay;
use shared::import::{
    read_text, FieldChoice, ImportOptions, ImportPreview, ImportReport, LineOutcome, Plan, ReportLine, TextEncoding,
    REPORT_LINES,
};
use uuid::Uuid;

use crate::db::imports::ImportRow;
use crate::db::{Actor, ContactFields, DynStore, ImportApply, ImportWrite};
use crate::error::{ApiError, ApiResult};

/// Imports running in this process, and how far each is.
#[derive(Default)]
pub struct Jobs(Mutex<HashMap<Uuid, (Arc<AtomicU64>, u64)>>);

impl Jobs {
    fn start(&self, id: Uuid, total: u64) -> Arc<AtomicU64> {
        let progress = Arc::new(AtomicU64::new(0));
        self.lock().insert(id, (progress.clone(), total));
        progress
    }

    fn end(&self, id: Uuid) {
        self.lock().remove(&id);
    }

    /// `(done, total)` of a running import.
    pub fn progress(&self, id: Uuid) -> Option<(u64, u64)> {
        self.lock().get(&id).map(|(p, t)| (p.load(Ordering::Relaxed), *t))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, (Arc<AtomicU64>, u64)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn encoding_of(name: &str) -> TextEncoding {
    serde_json::from_value(serde_json::Value::String(name.to_string())).unwrap_or(TextEncoding::Utf8)
}

fn encoding_name(e: TextEncoding) -> String {
    serde_json::to_value(e)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Reads an uploaded file and keeps it for its import: what the mapping screen shows.
pub async fn upload(
    store: &DynStore,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> ApiResult<ImportPreview> {
    let file_name = clean_name(file_name);
    let (text, encoding) = shared::import::decode(bytes);
    let table = read_text(&text, encoding).map_err(|e| ApiError::field("file", e.to_string()))?;
    let row = ImportRow {
        id: shared::new_id(),
        created_by: actor.user_id,
        created_at: now,
        file_name: file_name.clone(),
        encoding: encoding_name(table.encoding),
        delimiter: table.delimiter.to_string(),
        line_count: table.rows.len() as i64,
        content: Some(text),
        status: "draft".into(),
        options: None,
        counts: None,
        report: None,
        error: None,
        finished_at: None,
    };
    store.save_import(actor, &row).await?;
    tracing::info!(import = %row.id, lines = table.rows.len(), encoding = %row.encoding, "import file read");
    Ok(ImportPreview {
        id: row.id,
        file_name,
        encoding: table.encoding,
        delimiter: row.delimiter,
        line_count: table.rows.len() as u64,
        mapping: shared::import::guess_mapping(&table.headers),
        sample: table.rows.iter().take(5).map(|r| r.cells.clone()).collect(),
        headers: table.headers,
        fields: FieldChoice::all(),
        advisors: store.import_advisors(actor.agency_id).await?,
    })
}

/// A file name as shown and written in the records' campaign: no path, no control character.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if clean.trim().is_empty() {
        "fichier.csv".into()
    } else {
        clean.trim().to_string()
    }
}

/// The plan of an import with these options, and the names of the records it mentions.
pub async fn prepare(
    store: &DynStore,
    actor: &Actor,
    row: &ImportRow,
    options: &ImportOptions,
) -> ApiResult<(Plan, HashMap<Uuid, String>)> {
    let content = row
        .content
        .as_deref()
        .ok_or_else(|| ApiError::Conflict("cet import est déjà fait : déposez le fichier à nouveau".into()))?;
    let table = read_text(content, encoding_of(&row.encoding)).map_err(|e| ApiError::field("file", e.to_string()))?;
    if options.mapping.len() != table.headers.len() {
        return Err(ApiError::field(
            "mapping",
            format!(
                "{} colonnes dans le fichier, {} dans l'association",
                table.headers.len(),
                options.mapping.len()
            ),
        ));
    }
    let mut taken = Vec::new();
    for f in options.mapping.iter().flatten() {
        if taken.contains(f) {
            return Err(ApiError::field(
                "mapping",
                format!("« {} » est associé à deux colonnes", f.label()),
            ));
        }
        taken.push(*f);
    }
    if options.campaign.chars().count() > 120 {
        return Err(ApiError::field("campaign", "120 caractères au plus"));
    }
    let (existing, advisors) = store.import_base(actor.agency_id).await?;
    if let Some(owner) = options.owner_id {
        if !advisors.iter().any(|a| a.id == owner) {
            return Err(ApiError::field("owner_id", "conseiller inconnu dans l'agence"));
        }
    }
    let plan = shared::import::plan(&table.rows, options, &existing, &advisors, &row.file_name);
    let names = existing.into_iter().map(|e| (e.id, e.name)).collect();
    Ok((plan, names))
}

/// The lines worth reading (every one not simply created), described in French.
pub fn report_lines(plan: &Plan, names: &HashMap<Uuid, String>) -> (Vec<ReportLine>, u64) {
    let name_of = |id: Option<Uuid>, line: Option<u64>| match (id, line) {
        (Some(id), _) => names.get(&id).cloned().unwrap_or_else(|| "un dossier".into()),
        (None, Some(l)) => format!("la ligne {l}"),
        _ => "?".into(),
    };
    let notable: Vec<_> = plan.lines.iter().filter(|l| l.outcome != LineOutcome::Create).collect();
    let left_out = notable.len().saturating_sub(REPORT_LINES) as u64;
    let lines = notable
        .into_iter()
        .take(REPORT_LINES)
        .map(|l| ReportLine {
            line: l.line,
            name: l.name.clone(),
            text: l.outcome.describe(name_of),
            outcome: l.outcome.clone(),
        })
        .collect();
    (lines, left_out)
}

/// The records a plan writes. An update is the record's values with the line's written over
/// them, checked again: a line that would make the record invalid is refused in the plan.
async fn writes(store: &DynStore, actor: &Actor, plan: &mut Plan) -> ApiResult<Vec<ImportWrite>> {
    let mut out = Vec::with_capacity(plan.creates.len() + plan.updates.len());
    for c in &plan.creates {
        out.push(ImportWrite {
            id: shared::new_id(),
            fields: ContactFields::from_valid(&c.contact),
            update: false,
            stage_reason: c.contact.input.stage_reason.clone().unwrap_or_default(),
            import_key: c.import_key.clone(),
        });
    }
    let mut refused = HashMap::new();
    for u in &plan.updates {
        let Some(record) = store.contact(actor, u.id).await? else {
            refused.insert(u.line, "le dossier à mettre à jour n'existe plus".to_string());
            continue;
        };
        let mut input = record.to_input();
        overlay(&mut input, &u.values);
        match input.validate() {
            Ok(valid) => out.push(ImportWrite {
                id: u.id,
                fields: ContactFields::from_valid(&valid),
                update: true,
                stage_reason: String::new(),
                import_key: u.import_key.clone(),
            }),
            Err(errors) => {
                refused.insert(u.line, shared::import::fields::reason(&errors));
            }
        }
    }
    for l in &mut plan.lines {
        if let Some(reason) = refused.remove(&l.line) {
            l.outcome = LineOutcome::Invalid {
                reason,
                fields: Default::default(),
            };
        }
    }
    Ok(out)
}

/// Runs an import claimed by the caller: plans it, writes every record in one transaction and
/// marks it done — or failed, with nothing written.
pub async fn run(store: DynStore, jobs: Arc<Jobs>, actor: Actor, id: Uuid, options: ImportOptions) {
    let outcome = run_inner(&store, &jobs, &actor, id, &options).await;
    jobs.end(id);
    match outcome {
        Ok(()) => tracing::info!(import = %id, "import done"),
        Err(e) => {
            let message = match &e {
                ApiError::StorageUnavailable(_) => {
                    "la base de données n'a pas pu enregistrer l'import : rien n'a été importé".to_string()
                }
                ApiError::Internal(_) => "erreur interne : rien n'a été importé".to_string(),
                other => format!("{other} : rien n'a été importé"),
            };
            tracing::warn!(import = %id, error = %e, "import failed");
            if let Err(e) = store.fail_import(&actor, id, &message, crate::db::now()).await {
                tracing::error!(import = %id, error = %e, "import failure not recorded");
            }
        }
    }
}

async fn run_inner(store: &DynStore, jobs: &Jobs, actor: &Actor, id: Uuid, options: &ImportOptions) -> ApiResult<()> {
    let row = store.import(actor, id).await?;
    let (mut plan, names) = prepare(store, actor, &row, options).await?;
    let progress = jobs.start(id, (plan.creates.len() + plan.updates.len()) as u64);
    let writes = writes(store, actor, &mut plan).await?;
    let (lines, _) = report_lines(&plan, &names);
    let counts = serde_json::to_string(&plan.counts()).map_err(anyhow::Error::from)?;
    let report = serde_json::to_string(&lines).map_err(anyhow::Error::from)?;
    let apply = ImportApply {
        id,
        writes: &writes,
        counts_json: &counts,
        report_json: &report,
        progress: &progress,
    };
    store.apply_import(actor, &apply, crate::db::now()).await?;
    Ok(())
}

/// An import's state as the API tells it.
pub fn report_of(row: &ImportRow, jobs: &Jobs, created_by_name: String) -> ImportReport {
    let counts = row
        .counts
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_default();
    let lines: Vec<ReportLine> = row
        .report
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_default();
    let (done, total) = jobs.progress(row.id).unwrap_or((0, 0));
    ImportReport {
        id: row.id,
        file_name: row.file_name.clone(),
        status: row.status.clone(),
        dry_run: false,
        counts,
        lines,
        lines_left_out: 0,
        done,
        total,
        error: row.error.clone(),
        created_at: row.created_at,
        created_by_name,
        finished_at: row.finished_at,
    }
}
