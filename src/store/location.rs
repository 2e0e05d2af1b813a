//! Where the store is: a SQLite file, or a PostgreSQL database named by a
//! libpq-style URL (`postgres://…` or `postgresql://…`). The URL's password
//! never reaches a message: everything shown uses [`Location::shown`].

use std::fmt;
use std::path::{Path, PathBuf};

/// The store's location, from `--db` or `TOKENCTL_DB`.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(PgUrl),
}

/// A PostgreSQL URL, kept whole for connecting and shown without its password.
#[derive(Clone, PartialEq, Eq)]
pub struct PgUrl {
    url: String,
}

impl PgUrl {
    /// The URL as given, password included: for connecting only.
    pub fn secret_url(&self) -> &str {
        &self.url
    }

    /// The URL with any password replaced by `***`. The password may hold
    /// `/`, `?`, `#` or `@` (the driver reads the credentials up to the
    /// first `@`, libpq up to the last `@` before the path), so the
    /// credentials are taken to end at the URL's last `@`: whatever either
    /// reads as the password is hidden, and a query value with an `@` only
    /// hides more. A `password` query parameter is hidden too, its key read
    /// percent-decoded as the driver reads it (`pass%77ord`).
    pub fn shown(&self) -> String {
        let Some((scheme, rest)) = self.url.split_once("://") else {
            return "postgres://***".into();
        };
        let (userinfo, after) = match rest.rfind('@') {
            Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
            None => (None, rest),
        };
        let shown_userinfo = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((user, _)) => format!("{user}:***@"),
                None => format!("{u}@"),
            },
            None => String::new(),
        };
        let tail = match after.split_once('?') {
            Some((path, query)) => {
                let query: Vec<String> = query
                    .split('&')
                    .map(|kv| match kv.split_once('=') {
                        Some((k, _)) if is_password_key(k) => format!("{k}=***"),
                        _ => kv.to_owned(),
                    })
                    .collect();
                format!("{path}?{}", query.join("&"))
            }
            None => after.to_owned(),
        };
        format!("{scheme}://{shown_userinfo}{tail}")
    }
}

/// A query key that names the password, however it is spelled or encoded.
fn is_password_key(key: &str) -> bool {
    let decoded: String = form_urlencoded::parse(format!("{key}=").as_bytes())
        .next()
        .map(|(k, _)| k.into_owned())
        .unwrap_or_default();
    decoded.trim().eq_ignore_ascii_case("password")
}

impl Location {
    /// `postgres://…` and `postgresql://…` are PostgreSQL; anything else is
    /// a SQLite file path.
    pub fn parse(value: PathBuf) -> Location {
        match value.to_str() {
            Some(s) if s.starts_with("postgres://") || s.starts_with("postgresql://") => {
                Location::Postgres(PgUrl { url: s.to_owned() })
            }
            _ => Location::Sqlite(value),
        }
    }

    /// The SQLite path, if this is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Location::Sqlite(p) => Some(p),
            Location::Postgres(_) => None,
        }
    }

    /// How messages name it: the path, or the URL without its password.
    pub fn shown(&self) -> String {
        match self {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres(u) => u.shown(),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({})", self.shown())
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(url: &str) -> String {
        Location::parse(url.into()).shown()
    }

    #[test]
    fn the_password_is_never_shown() {
        assert_eq!(
            shown("postgres://alice:s3cr3t@db.example:5432/tokens?sslmode=require"),
            "postgres://alice:***@db.example:5432/tokens?sslmode=require"
        );
        assert_eq!(
            shown("postgresql://alice:p@ss@w0rd@host/db"),
            "postgresql://alice:***@host/db"
        );
        // A password with /, ? or #, and a password key percent-encoded.
        for (url, secret) in [
            ("postgres://alice:pa/ss@host/db", "pa/ss"),
            ("postgres://alice:pa?ss@host/db", "pa?ss"),
            ("postgres://alice:pa#ss@host/db?sslmode=disable", "pa#ss"),
            ("postgres://alice:a/b?c#d@e@host:5/db", "a/b?c#d@e"),
            ("postgres://host/db?pass%77ord=s3cr3t", "s3cr3t"),
            ("postgres://host/db?PASSWORD=s3cr3t", "s3cr3t"),
            ("postgres://host/db?%70assword=s3cr3t&x=1", "s3cr3t"),
        ] {
            let s = shown(url);
            assert!(!s.contains(secret), "{url} shown as {s}");
            assert!(s.contains("host"), "{url} shown as {s}");
        }
        assert_eq!(
            shown("postgres://host/db?user=a&password=s3cr3t&sslmode=disable"),
            "postgres://host/db?user=a&password=***&sslmode=disable"
        );
        assert_eq!(
            shown("postgres://alice@host/db"),
            "postgres://alice@host/db"
        );
        assert_eq!(shown("/var/lib/tokenctl/t.db"), "/var/lib/tokenctl/t.db");
        assert!(matches!(
            Location::parse("postgresx://h".into()),
            Location::Sqlite(_)
        ));
    }
}
