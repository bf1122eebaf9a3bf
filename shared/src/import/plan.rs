//! What an import will do, line by line: the same duplicate keys as a record created by hand
//! (e-mail, phone numbers, folded name + postcode), within the file and against the agency's
//! records; the manager's choice for each duplicate (skip, update the record, create anyway);
//! and a fingerprint of each line so that importing the same line again does nothing.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

use super::fields::{line_input, reason, Advisor, Field};
use super::Row;
use crate::record::{ContactInput, FieldErrors, ValidContact};
use crate::stage::check_entry;

/// What to do with a line that looks like a record already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DuplicateChoice {
    /// Leave the line out (the default).
    #[default]
    Skip,
    /// Write the line's non-empty values over the record's (or the earlier line's).
    Update,
    /// Create a new record anyway.
    Create,
}

/// The manager's choices for one import.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ImportOptions {
    /// The field of each column, in the file's order (`null`: left out).
    pub mapping: Vec<Option<Field>>,
    /// For every duplicate without a choice of its own.
    pub on_duplicate: DuplicateChoice,
    /// Choices for single lines, by line number.
    pub choices: BTreeMap<u64, DuplicateChoice>,
    /// The campaign (source) of records whose line names none; empty: "Import <file>".
    pub campaign: String,
    /// The advisor of records whose line names none; empty: the importing manager.
    pub owner_id: Option<Uuid>,
}

/// A record of the agency as the duplicate check sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Existing {
    pub id: Uuid,
    pub name: String,
    pub email_key: Option<String>,
    /// E.164 numbers (mobile, landline), empty ones left out.
    pub phones: Vec<String>,
    pub name_key: Option<String>,
    pub import_key: Option<String>,
}

/// What became (or will become) of one line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum LineOutcome {
    Create,
    /// Updates the agency's record `id`.
    Update {
        id: Uuid,
        matched_on: String,
    },
    /// Folded into the record an earlier line creates.
    Merge {
        into_line: u64,
        matched_on: String,
    },
    /// A duplicate left out: of a record (`id`) or of an earlier line.
    Skip {
        id: Option<Uuid>,
        of_line: Option<u64>,
        matched_on: String,
    },
    /// A duplicate created anyway.
    CreateDuplicate {
        id: Option<Uuid>,
        of_line: Option<u64>,
        matched_on: String,
    },
    /// The same line was imported before (this file or another).
    AlreadyImported,
    Invalid {
        reason: String,
        fields: FieldErrors,
    },
}

impl LineOutcome {
    /// Whether the line is a duplicate the manager may decide on.
    pub fn is_duplicate(&self) -> bool {
        matches!(
            self,
            LineOutcome::Update { .. }
                | LineOutcome::Merge { .. }
                | LineOutcome::Skip { .. }
                | LineOutcome::CreateDuplicate { .. }
        )
    }

    /// In French, for the report.
    pub fn describe(&self, name_of: impl Fn(Option<Uuid>, Option<u64>) -> String) -> String {
        let on = |m: &str| match m {
            "email" => "même e-mail",
            "phone" => "même téléphone",
            _ => "même nom et code postal",
        };
        match self {
            LineOutcome::Create => "créée".into(),
            LineOutcome::Update { id, matched_on } => {
                format!("met à jour {} ({})", name_of(Some(*id), None), on(matched_on))
            }
            LineOutcome::Merge { into_line, matched_on } => {
                format!("complète la ligne {into_line} ({})", on(matched_on))
            }
            LineOutcome::Skip {
                id,
                of_line,
                matched_on,
            } => {
                format!("doublon ignoré de {} ({})", name_of(*id, *of_line), on(matched_on))
            }
            LineOutcome::CreateDuplicate {
                id,
                of_line,
                matched_on,
            } => {
                format!(
                    "créée malgré le doublon de {} ({})",
                    name_of(*id, *of_line),
                    on(matched_on)
                )
            }
            LineOutcome::AlreadyImported => "déjà importée".into(),
            LineOutcome::Invalid { reason, .. } => format!("refusée : {reason}"),
        }
    }
}

/// One line's outcome, with the name it gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedLine {
    pub line: u64,
    pub name: String,
    #[serde(flatten)]
    pub outcome: LineOutcome,
}

/// A record to create, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Create {
    pub line: u64,
    pub contact: ValidContact,
    /// The fingerprints of its line and of the lines folded into it.
    pub import_key: String,
}

/// An update of a record: the line's values to write over it (see [`overlay`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub line: u64,
    pub id: Uuid,
    pub values: ContactInput,
    /// The line's fingerprint, kept on the record.
    pub import_key: String,
}

/// Every line's outcome, and the writes they make.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub lines: Vec<PlannedLine>,
    pub creates: Vec<Create>,
    pub updates: Vec<Update>,
}

/// Counts of a plan, by outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counts {
    pub lines: u64,
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
    pub already_imported: u64,
    pub invalid: u64,
}

impl Plan {
    pub fn counts(&self) -> Counts {
        let mut c = Counts {
            lines: self.lines.len() as u64,
            ..Counts::default()
        };
        for l in &self.lines {
            match l.outcome {
                LineOutcome::Create | LineOutcome::CreateDuplicate { .. } => c.created += 1,
                LineOutcome::Update { .. } | LineOutcome::Merge { .. } => c.updated += 1,
                LineOutcome::Skip { .. } => c.skipped += 1,
                LineOutcome::AlreadyImported => c.already_imported += 1,
                LineOutcome::Invalid { .. } => c.invalid += 1,
            }
        }
        c
    }
}

/// Writes the non-empty values of `line` over `base` (an update keeps what the file leaves
/// blank). Never the record's id, kind of write or stage: a stage moves by its own rules.
pub fn overlay(base: &mut ContactInput, line: &ContactInput) {
    macro_rules! texts {
        ($($f:ident),*) => {$( if !line.$f.trim().is_empty() { base.$f = line.$f.clone(); } )*};
    }
    macro_rules! options {
        ($($f:ident),*) => {$( if line.$f.is_some() { base.$f = line.$f.clone(); } )*};
    }
    texts!(
        first_name,
        last_name,
        spouse_name,
        company_name,
        contact_role,
        address_line,
        postcode,
        city,
        sector,
        phone_mobile,
        phone_landline,
        call_preferences,
        campaign,
        email,
        website
    );
    options!(
        household_size,
        company_size,
        accessible_potential_cents,
        assets_entrusted_cents,
        next_contact_on,
        last_meeting_on,
        last_call_on,
        owner_id
    );
    if !line.notes.trim().is_empty() && !base.notes.contains(line.notes.trim()) {
        base.notes = if base.notes.is_empty() {
            line.notes.clone()
        } else {
            format!("{}\n{}", base.notes, line.notes)
        };
    }
}

/// Where a key was seen first.
#[derive(Debug, Clone, Copy)]
enum Seen {
    Record(usize),
    /// An index into the plan's creates.
    Line(usize),
}

fn keys(v: &ValidContact) -> Vec<(String, &'static str)> {
    let mut k = Vec::new();
    if let Some(e) = &v.email {
        k.push((format!("e:{}", e.as_str().to_lowercase()), "email"));
    }
    for p in [&v.phone_mobile, &v.phone_landline].into_iter().flatten() {
        k.push((format!("p:{}", p.e164()), "phone"));
    }
    if let Some(n) = v.name_key() {
        k.push((format!("n:{n}"), "name_postcode"));
    }
    k
}

/// The plan of an import: each row read with the mapping, checked, compared with `existing`
/// (the agency's live records) and with the lines before it. `source` names the file in the
/// records' campaign and stage reason.
pub fn plan(rows: &[Row], options: &ImportOptions, existing: &[Existing], advisors: &[Advisor], source: &str) -> Plan {
    let mut seen: HashMap<String, (Seen, &'static str)> = HashMap::with_capacity(existing.len() * 2 + rows.len() * 2);
    let mut imported: HashMap<&str, ()> = HashMap::new();
    for (i, e) in existing.iter().enumerate() {
        let mut add = |k: String, on: &'static str| {
            seen.entry(k).or_insert((Seen::Record(i), on));
        };
        if let Some(m) = &e.email_key {
            add(format!("e:{m}"), "email");
        }
        for p in &e.phones {
            add(format!("p:{p}"), "phone");
        }
        if let Some(n) = &e.name_key {
            add(format!("n:{n}"), "name_postcode");
        }
        for k in e.import_key.iter().flat_map(|k| k.split(' ')) {
            imported.insert(k, ());
        }
    }
    // A record created without a campaign of its own says which file it came from; an
    // updated one keeps its own.
    let campaign: String = if options.campaign.trim().is_empty() {
        format!("Import {source}")
    } else {
        options.campaign.trim().to_string()
    }
    .chars()
    .take(120)
    .collect();
    let mut out = Plan::default();
    let mut line_keys: HashMap<String, ()> = HashMap::new();
    for row in rows {
        let pairs: Vec<(Field, &str)> = row
            .cells
            .iter()
            .zip(&options.mapping)
            .filter_map(|(c, f)| f.map(|f| (f, c.as_str())))
            .collect();
        let key = super::line_key(&pairs);
        let (mut input, mut errors) = line_input(&row.cells, &options.mapping, advisors);
        let stage = input.stage.unwrap_or(crate::stage::Stage::Identified);
        let stage_reason = format!("Importé de « {source} », ligne {}", row.line);
        if let Err(e) = check_entry(stage, Some(&stage_reason)) {
            errors.insert("stage".into(), e.to_string());
        }
        input.stage_reason = Some(stage_reason);
        let name = crate::record::display_name(input.kind, &input.first_name, &input.last_name, &input.company_name);
        let outcome = 'line: {
            if imported.contains_key(key.as_str()) || line_keys.insert(key.clone(), ()).is_some() {
                break 'line LineOutcome::AlreadyImported;
            }
            let valid = match input.validate() {
                Ok(v) if errors.is_empty() => v,
                Ok(_) => break 'line invalid(errors),
                Err(more) => {
                    errors.extend(more);
                    break 'line invalid(errors);
                }
            };
            let ctx = Ctx {
                options,
                existing,
                campaign: &campaign,
            };
            decide(valid, key, row.line, &ctx, &mut seen, &mut out)
        };
        out.lines.push(PlannedLine {
            line: row.line,
            name,
            outcome,
        });
    }
    out
}

fn invalid(fields: FieldErrors) -> LineOutcome {
    LineOutcome::Invalid {
        reason: reason(&fields),
        fields,
    }
}

/// What every line is decided with.
struct Ctx<'a> {
    options: &'a ImportOptions,
    existing: &'a [Existing],
    /// The campaign of a created record that names none.
    campaign: &'a str,
}

/// A valid line's outcome against what was seen before it; adds its write to the plan.
fn decide(
    mut valid: ValidContact,
    key: String,
    line: u64,
    ctx: &Ctx<'_>,
    seen: &mut HashMap<String, (Seen, &'static str)>,
    out: &mut Plan,
) -> LineOutcome {
    let row_line = line;
    let Ctx {
        options,
        existing,
        campaign,
    } = *ctx;
    let keys = keys(&valid);
    let found = keys.iter().find_map(|(k, _)| seen.get(k).copied());
    let choice = options.choices.get(&row_line).copied().unwrap_or(options.on_duplicate);
    match (found, choice) {
        (None, _) | (Some(_), DuplicateChoice::Create) => {
            if valid.input.campaign.is_empty() {
                valid.input.campaign = campaign.to_string();
            }
            if valid.input.owner_id.is_none() {
                valid.input.owner_id = options.owner_id;
            }
            let index = out.creates.len();
            for (k, on) in &keys {
                seen.entry(k.clone()).or_insert((Seen::Line(index), on));
            }
            let outcome = match found {
                None => LineOutcome::Create,
                Some((s, on)) => {
                    let (id, of_line) = target(s, existing, out);
                    LineOutcome::CreateDuplicate {
                        id,
                        of_line,
                        matched_on: on.into(),
                    }
                }
            };
            out.creates.push(Create {
                line: row_line,
                contact: valid,
                import_key: key,
            });
            outcome
        }
        (Some((s, on)), DuplicateChoice::Skip) => {
            let (id, of_line) = target(s, existing, out);
            LineOutcome::Skip {
                id,
                of_line,
                matched_on: on.into(),
            }
        }
        (Some((Seen::Record(i), on)), DuplicateChoice::Update) => {
            let mut values = valid.input.clone();
            values.stage = None;
            out.updates.push(Update {
                line: row_line,
                id: existing[i].id,
                values,
                import_key: key,
            });
            LineOutcome::Update {
                id: existing[i].id,
                matched_on: on.into(),
            }
        }
        (Some((Seen::Line(c), on)), DuplicateChoice::Update) => {
            let into = &mut out.creates[c];
            let mut merged = into.contact.input.clone();
            overlay(&mut merged, &valid.input);
            match merged.validate() {
                Ok(v) => {
                    into.contact = v;
                    into.import_key = format!("{} {key}", into.import_key);
                    LineOutcome::Merge {
                        into_line: into.line,
                        matched_on: on.into(),
                    }
                }
                Err(errors) => LineOutcome::Invalid {
                    reason: reason(&errors),
                    fields: errors,
                },
            }
        }
    }
}

/// The record or earlier line a duplicate matched.
fn target(seen: Seen, existing: &[Existing], plan: &Plan) -> (Option<Uuid>, Option<u64>) {
    match seen {
        Seen::Record(i) => (Some(existing[i].id), None),
        Seen::Line(c) => (None, Some(plan.creates[c].line)),
    }
}

#[cfg(test)]
mod tests;
