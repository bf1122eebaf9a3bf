use clap::Parser;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of the system allocator, for Rust and (feature `override`) for the C
/// libraries too: a pull hands every row and value from SQLite's thread to the request's task,
/// and glibc's allocator, its arena locks contended between the two, took a third of the
/// server's time there (docs/benchmarks.md, session 19).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("TOURNEE_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    tournee_server::cli::run(tournee_server::cli::Cli::parse()).await
}
