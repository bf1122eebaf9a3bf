//! Argon2id password hashing, run off the async threads.
//!
//! Unknown accounts are checked against a dummy hash so that a login attempt takes the same
//! time whether the e-mail exists or not.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Minimum length of a password set through the CLI.
pub const MIN_PASSWORD_LEN: usize = 10;

pub struct Passwords {
    dummy_hash: String,
    /// Argon2 takes 19 MiB and a core for a while: at most one hash per core at a time, so a
    /// flood of logins neither grows the memory nor starves the other requests.
    hashing: tokio::sync::Semaphore,
}

/// All the hashing slots stayed busy: the server is flooded with logins.
#[derive(Debug, thiserror::Error)]
#[error("trop de connexions en cours")]
pub struct Busy;

/// How long a login waits for a hashing slot before it is told to come back.
const HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl Passwords {
    pub fn new() -> anyhow::Result<Self> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Ok(Passwords {
            dummy_hash: hash_blocking("dummy password never used")?,
            hashing: tokio::sync::Semaphore::new(cores),
        })
    }

    async fn slot(&self) -> anyhow::Result<tokio::sync::SemaphorePermit<'_>> {
        match tokio::time::timeout(HASH_WAIT, self.hashing.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Busy.into()),
        }
    }

    /// Hashes on a blocking thread.
    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        let _slot = self.slot().await?;
        tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
    }

    /// Verifies `password` against `hash`, or against the dummy hash when there is no account
    /// (always false then), on a blocking thread.
    pub async fn verify(&self, password: String, hash: Option<String>) -> anyhow::Result<bool> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.clone());
        let _slot = self.slot().await?;
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| {
                    Argon2::default()
                        .verify_password(normalised(&password).as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await?;
        Ok(known && ok)
    }
}

/// Passwords are compared in NFC, whichever way they arrive (the API's JSON is normalised on
/// the way in, the login form and the command line are not): the same letters typed on
/// another keyboard are the same password.
fn normalised(password: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    password.nfc().collect()
}

pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(normalised(password).as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_is_the_same_however_its_accents_were_composed() {
        let p = Passwords::new().unwrap();
        let h = p.hash("mot de passe café".into()).await.unwrap();
        assert!(p.verify("mot de passe cafe\u{0301}".into(), Some(h)).await.unwrap());
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let p = Passwords::new().unwrap();
        let h = p.hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(p.verify("correct horse battery".into(), Some(h.clone())).await.unwrap());
        assert!(!p.verify("wrong".into(), Some(h)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies_even_with_the_dummy_password() {
        let p = Passwords::new().unwrap();
        assert!(!p.verify("dummy password never used".into(), None).await.unwrap());
    }
}
