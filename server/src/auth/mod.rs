//! Accounts and sessions: password hashing, session cookies, the signed-in-user extractor,
//! login rate limiting and cross-site request protection.

pub mod csrf;
pub mod password;
pub mod ratelimit;
pub mod session;

pub use session::{CurrentUser, SESSION_COOKIE};
