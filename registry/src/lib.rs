//! The template registry: a service that keeps stack templates with private,
//! group and public access (`server`, over `db` and `store`, with the web
//! catalogue in `web`), and the client the `stack` binary uses (`client`,
//! `modules` for `registry://` module sources, `archive` shared by both).
//!
//! It is its own crate so that the server's dependencies (axum, sqlx,
//! minijinja, an HTTP client) never reach `engine`, `state` or `providers`.

pub mod access;
pub mod archive;
pub mod client;
pub mod credentials;
pub mod db;
pub mod error;
pub mod metadata;
pub mod modules;
pub mod server;
pub mod store;
pub mod web;

pub use error::Error;

/// The current time in Unix seconds.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Whether a user, group or template name is usable: lowercase letters,
/// digits, `-` and `_`, starting with a letter or digit, at most 64 long.
/// Names become URL path segments and directory names, so nothing else is let in.
pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.len() <= 64
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    #[test]
    fn names() {
        assert!(super::valid_name("platform"));
        assert!(super::valid_name("web-app_2"));
        assert!(!super::valid_name(""));
        assert!(!super::valid_name("-x"));
        assert!(!super::valid_name("Web"));
        assert!(!super::valid_name("a/b"));
        assert!(!super::valid_name(".."));
    }
}
