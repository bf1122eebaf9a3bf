//! The migrations are embedded by `sqlx::migrate!`, which cannot tell Cargo to watch them on a
//! stable compiler: without this, a changed migration file leaves the old one in the binary.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
