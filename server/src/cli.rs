//! The `tournee` command line: serve, and manage agencies and users.

use clap::{Parser, Subcommand};
use shared::api::Role;
use std::path::PathBuf;

use crate::auth::password::MIN_PASSWORD_LEN;
use crate::config::{redact_url, Config};
use crate::db::{self, NewUser};
use crate::state::AppState;

#[derive(Parser)]
#[command(name = "tournee", version, about = "Tournée — field CRM for advisors on the road")]
pub struct Cli {
    /// Configuration file (default: ./tournee.toml when present).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the app and the API.
    Serve {
        /// Load the demo agency when the database is new (demo logins, known password).
        #[arg(long)]
        demo: bool,
        /// How many records the demo agency gets (a large agency for benchmarks: 10000…).
        #[arg(long, default_value_t = crate::demo::RECORDS, requires = "demo")]
        demo_records: usize,
    },
    /// Manage agencies.
    Agency {
        #[command(subcommand)]
        command: AgencyCommand,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import records from a file.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// A consistent copy of the live SQLite database into FILE (a new file), while the
    /// server runs. PostgreSQL: use pg_dump.
    Backup { file: PathBuf },
    /// Replaces the SQLite database with a backup; refused while a server uses it.
    Restore { file: PathBuf },
    /// Solve a benchmark instance with the tour planner; prints one JSON line.
    Plan {
        #[arg(long, value_enum)]
        format: crate::benchmark::Format,
        file: PathBuf,
        /// Search time in milliseconds.
        #[arg(long, default_value_t = 1000)]
        time_limit_ms: u64,
        /// Stop after this many search iterations instead of at the time limit: the same
        /// seed and count give the same routes on any machine (a time limit cannot).
        #[arg(long)]
        iterations: Option<u64>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Print the routes too (each stop's arrival and service start for VRPTW), so that
        /// the cost and the feasibility can be checked independently.
        #[arg(long)]
        routes: bool,
    },
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Records from a CSV file (UTF-8, UTF-16 or Windows-1252; `;`, `,` or tab), columns
    /// recognised from the header, duplicates compared with the agency's records. Prints what
    /// happened to each line that was not simply created; all or nothing.
    Contacts {
        file: PathBuf,
        #[arg(long)]
        agency: String,
        /// The advisor of records whose line names none (default: the agency's manager).
        #[arg(long)]
        owner: Option<String>,
        /// The campaign (source) of records whose line names none (default: "Import FILE").
        #[arg(long, default_value = "")]
        campaign: String,
        /// What to do with a line that looks like a record already there.
        #[arg(long, value_parser = ["skip", "update", "create"], default_value = "skip")]
        on_duplicate: String,
        /// Say what would happen; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
pub enum AgencyCommand {
    /// Create an agency.
    Add { name: String },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user; the password comes from TOURNEE_PASSWORD or a prompt.
    Add {
        #[arg(long)]
        agency: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["advisor", "manager"])]
        role: String,
        /// Name shown in the app (default: the part of the e-mail before @).
        #[arg(long)]
        name: Option<String>,
    },
    /// Disable a user: every session ends at once, logins are refused.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled user again.
    Enable {
        #[arg(long)]
        email: String,
    },
    /// Set a new password (TOURNEE_PASSWORD or a prompt); every session ends.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

/// What the CLI tells its user on the terminal (not logs: this is the command's output).
#[allow(clippy::print_stdout)]
fn say(line: &str) {
    println!("{line}");
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config_path = cli.config;
    let load = || Config::load(config_path.as_deref());
    match cli.command {
        // Needs no configuration: a pure computation on a file.
        Command::Plan {
            format,
            file,
            time_limit_ms,
            iterations,
            seed,
            routes,
        } => {
            let text = std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let limit = match iterations {
                Some(n) => crate::benchmark::Limit::Iterations(n),
                None => crate::benchmark::Limit::Milliseconds(time_limit_ms),
            };
            let outcome = crate::benchmark::solve_with(format, &text, limit, seed, routes)?;
            say(&serde_json::to_string(&outcome)?);
            Ok(())
        }
        Command::Import {
            command:
                ImportCommand::Contacts {
                    file,
                    agency,
                    owner,
                    campaign,
                    on_duplicate,
                    dry_run,
                },
        } => {
            let store = db::connect(&load()?.database_url).await?;
            let args = ImportArgs {
                agency,
                owner,
                campaign,
                on_duplicate,
                dry_run,
            };
            import_contacts(&store, &file, args).await
        }
        Command::Serve { demo, demo_records } => serve(load()?, demo.then_some(demo_records)).await,
        Command::Backup { file } => {
            anyhow::ensure!(!file.exists(), "{} exists: choose a new file", file.display());
            let store = db::connect(&load()?.database_url).await?;
            let path = file.to_str().ok_or_else(|| anyhow::anyhow!("the path must be UTF-8"))?;
            store.backup_to(path).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            say(&format!("backup written: {}", file.display()));
            Ok(())
        }
        Command::Restore { file } => {
            crate::ops::restore(&load()?.database_url, &file).await?;
            say(&format!("database restored from {}", file.display()));
            Ok(())
        }
        Command::User {
            command: command @ (UserCommand::Disable { .. } | UserCommand::Enable { .. }),
        } => {
            let (UserCommand::Disable { email } | UserCommand::Enable { email }) = &command else {
                unreachable!("matched above")
            };
            let disable = matches!(command, UserCommand::Disable { .. });
            let store = db::connect(&load()?.database_url).await?;
            let user = find_user(&store, email).await?;
            store
                .set_user_disabled(user.id, disable, db::now())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            say(&if disable {
                format!("user disabled, sessions ended: {}", user.email)
            } else {
                format!("user enabled: {}", user.email)
            });
            Ok(())
        }
        Command::User {
            command: UserCommand::ResetPassword { email },
        } => {
            let store = db::connect(&load()?.database_url).await?;
            let user = find_user(&store, &email).await?;
            let hash = new_password_hash().await?;
            store
                .set_password(user.id, &hash)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let ended = store
                .revoke_user_sessions(user.id, db::now())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            say(&format!(
                "password changed for {}, {ended} session(s) ended",
                user.email
            ));
            Ok(())
        }
        Command::Agency {
            command: AgencyCommand::Add { name },
        } => {
            let name = name.trim();
            if name.is_empty() || name.len() > 120 {
                anyhow::bail!("the agency name must have 1 to 120 characters");
            }
            let store = db::connect(&load()?.database_url).await?;
            let agency = store.create_agency(name).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            say(&format!("agency created: {} ({})", agency.name, agency.id));
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    agency,
                    email,
                    role,
                    name,
                },
        } => {
            let store = db::connect(&load()?.database_url).await?;
            let agency = store
                .agency_by_name(&agency)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no agency named {agency:?}"))?;
            let email = shared::values::Email::parse(&email).map_err(|e| anyhow::anyhow!("{email:?}: {e}"))?;
            let role = Role::parse(&role).ok_or_else(|| anyhow::anyhow!("role must be advisor or manager"))?;
            let hash = new_password_hash().await?;
            let display_name = name.unwrap_or_else(|| email.as_str().split('@').next().unwrap_or("").to_string());
            let user = store
                .create_user(NewUser {
                    agency_id: agency.id,
                    email: email.to_string(),
                    display_name,
                    role,
                    password_hash: hash,
                })
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            say(&format!(
                "user created: {} ({}, {})",
                user.email,
                role.as_str(),
                user.id
            ));
            Ok(())
        }
    }
}

/// A password from TOURNEE_PASSWORD or a prompt, checked and hashed.
async fn new_password_hash() -> anyhow::Result<String> {
    let password = match std::env::var("TOURNEE_PASSWORD") {
        Ok(p) => p,
        Err(_) => rpassword::prompt_password("Password: ")?,
    };
    if password.chars().count() < MIN_PASSWORD_LEN {
        anyhow::bail!("the password must have at least {MIN_PASSWORD_LEN} characters");
    }
    tokio::task::spawn_blocking(move || crate::auth::password::hash_blocking(&password)).await?
}

async fn find_user(store: &db::DynStore, email: &str) -> anyhow::Result<db::User> {
    store
        .user_by_email(&email.trim().to_lowercase())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user {email:?}"))
}

/// `demo`: load the demo agency with this many records when the database is new.
async fn serve(config: Config, demo: Option<usize>) -> anyhow::Result<()> {
    // Held while serving: `tournee restore` refuses to replace the database under it.
    let _lock = crate::ops::ServerLock::acquire(&config.database_url)?;
    tracing::info!(database = %redact_url(&config.database_url), "opening the database");
    let store = db::connect(&config.database_url).await?;
    if let Some(records) = demo {
        // The agency's day, not the machine's: between midnight in Paris and midnight UTC
        // they differ, and the demo's meetings landed on the wrong day.
        let today = crate::time::AgencyTime::parse(&config.time_zone)?.today();
        if crate::demo::load_if_empty(&store, today, records).await? {
            tracing::info!("demo data loaded");
        }
    }
    let interrupted = store.fail_interrupted_imports(db::now()).await?;
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "imports cut by the last stop marked failed (nothing of them was kept)"
        );
    }
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    say(&format!(
        "Tournée is running on http://{addr}  ({} storage)",
        store.engine()
    ));
    if demo.is_some() {
        say(&format!("Demo logins (password \"{}\"):", crate::demo::PASSWORD));
        for (email, name, role) in crate::demo::LOGINS {
            say(&format!("  {email:<34} {name} ({})", role.as_str()));
        }
    }
    let state = AppState::open(store, config).await?;
    crate::web::serve(listener, state).await
}

/// `tournee import contacts`'s choices.
struct ImportArgs {
    agency: String,
    owner: Option<String>,
    campaign: String,
    on_duplicate: String,
    dry_run: bool,
}

/// `tournee import contacts`: the same steps as the import screen, as the agency's manager.
async fn import_contacts(store: &db::DynStore, file: &std::path::Path, args: ImportArgs) -> anyhow::Result<()> {
    use shared::import::{DuplicateChoice, ImportOptions};
    let agency = store
        .agency_by_name(&args.agency)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no agency named {:?}", args.agency))?;
    let manager = store
        .agency_users(agency.id)
        .await?
        .into_iter()
        .find(|u| u.role == Role::Manager)
        .ok_or_else(|| anyhow::anyhow!("the agency has no manager: add one first (tournee user add)"))?;
    let actor = db::Actor {
        user_id: manager.id,
        agency_id: agency.id,
        role: Role::Manager,
        mutation: None,
    };
    let owner_id = match &args.owner {
        Some(email) => Some(find_user(store, email).await?.id),
        None => None,
    };
    let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let fail = |e: crate::error::ApiError| anyhow::anyhow!("{}", describe(&e));
    let preview = crate::imports::upload(store, &actor, &name, &bytes, db::now())
        .await
        .map_err(fail)?;
    say(&format!(
        "{}: {} lines, {}, separator {:?}",
        preview.file_name,
        preview.line_count,
        preview.encoding.label(),
        preview.delimiter
    ));
    for (header, field) in preview.headers.iter().zip(&preview.mapping) {
        say(&format!(
            "  {header:<30} -> {}",
            field.map(|f| f.label()).unwrap_or("(left out)")
        ));
    }
    let options = ImportOptions {
        mapping: preview.mapping.clone(),
        on_duplicate: match args.on_duplicate.as_str() {
            "update" => DuplicateChoice::Update,
            "create" => DuplicateChoice::Create,
            _ => DuplicateChoice::Skip,
        },
        campaign: args.campaign,
        owner_id,
        ..ImportOptions::default()
    };
    let row = store.import(&actor, preview.id).await?;
    let (plan, names) = crate::imports::prepare(store, &actor, &row, &options)
        .await
        .map_err(fail)?;
    let (lines, left_out) = crate::imports::report_lines(&plan, &names);
    for l in &lines {
        say(&format!("  line {:>6}  {}: {}", l.line, l.name, l.text));
    }
    if left_out > 0 {
        say(&format!("  … and {left_out} more"));
    }
    let c = plan.counts();
    let counts = format!(
        "{} lines: {} to create, {} to update, {} duplicates skipped, {} already imported, {} refused",
        c.lines, c.created, c.updated, c.skipped, c.already_imported, c.invalid
    );
    if args.dry_run {
        say(&format!("dry run, nothing written — {counts}"));
        return Ok(());
    }
    let json = serde_json::to_string(&options)?;
    store.claim_import(&actor, preview.id, &json).await?;
    let started = std::time::Instant::now();
    let jobs = std::sync::Arc::new(crate::imports::Jobs::default());
    crate::imports::run(store.clone(), jobs, actor, preview.id, options).await;
    let row = store.import(&actor, preview.id).await?;
    match row.status.as_str() {
        "done" => {
            say(&format!(
                "imported in {:.1} s — {counts}",
                started.elapsed().as_secs_f64()
            ));
            Ok(())
        }
        _ => anyhow::bail!("{}", row.error.unwrap_or_else(|| "the import failed".into())),
    }
}

/// An API error as one line for the terminal.
fn describe(e: &crate::error::ApiError) -> String {
    match e {
        crate::error::ApiError::Validation(fields) => fields
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}
