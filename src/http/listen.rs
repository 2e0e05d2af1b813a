//! Where `serve` listens (spec section 9): `HOST:PORT` (a name is resolved,
//! port 0 picks a free port) or `unix:PATH`, and who is on the other end of
//! a connection.

use std::net::IpAddr;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// `--listen ADDR`, checked when the command line is parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    /// `HOST:PORT`, as given (resolved when bound).
    Tcp(String),
    /// `unix:PATH`.
    Unix(PathBuf),
}

impl std::str::FromStr for Listen {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Listen, String> {
        if let Some(path) = s.strip_prefix("unix:") {
            if path.is_empty() {
                return Err("unix: needs the socket's path (unix:/run/tokenctl/serve.sock)".into());
            }
            return Ok(Listen::Unix(PathBuf::from(path)));
        }
        let Some((host, port)) = s.rsplit_once(':') else {
            return Err("expected HOST:PORT (127.0.0.1:8787, [::1]:0) or unix:PATH".into());
        };
        if host.is_empty() || host.chars().any(char::is_whitespace) {
            return Err("expected HOST:PORT (127.0.0.1:8787, [::1]:0) or unix:PATH".into());
        }
        if port.parse::<u16>().is_err() {
            return Err(format!(
                "{} is not a port (0 to 65535; 0 picks a free one)",
                crate::domain::text::quoted(port)
            ));
        }
        Ok(Listen::Tcp(s.to_owned()))
    }
}

/// The peer of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Peer {
    Ip(IpAddr),
    /// A Unix-socket peer (a proxy on the same machine).
    Unix,
}

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Peer::Ip(ip) => write!(f, "{ip}"),
            Peer::Unix => f.write_str("unix"),
        }
    }
}

/// A bound listener.
pub(crate) enum Bound {
    Tcp(tokio::net::TcpListener),
    /// The socket file is removed when serve stops.
    Unix(tokio::net::UnixListener, PathBuf),
}

impl Bound {
    /// Bind as `--listen` says. Must run inside the runtime.
    pub(crate) fn bind(listen: &Listen) -> Result<Bound> {
        let cannot = |what: &str, e: std::io::Error| {
            anyhow::Error::from(
                Error::storage(format!(
                    "cannot listen on {}: {e}",
                    crate::domain::text::quoted(what)
                ))
                .hint("choose another --listen HOST:PORT or unix:PATH"),
            )
        };
        match listen {
            Listen::Tcp(addr) => {
                let std =
                    std::net::TcpListener::bind(addr.as_str()).map_err(|e| cannot(addr, e))?;
                std.set_nonblocking(true)?;
                Ok(Bound::Tcp(tokio::net::TcpListener::from_std(std)?))
            }
            Listen::Unix(path) => {
                let shown = path.display().to_string();
                remove_stale_socket(path);
                let std =
                    std::os::unix::net::UnixListener::bind(path).map_err(|e| cannot(&shown, e))?;
                std.set_nonblocking(true)?;
                Ok(Bound::Unix(
                    tokio::net::UnixListener::from_std(std)?,
                    path.clone(),
                ))
            }
        }
    }

    /// The real address, as `listening on ADDR` says it.
    pub(crate) fn shown(&self) -> String {
        match self {
            Bound::Tcp(l) => l
                .local_addr()
                .map_or_else(|_| "?".to_owned(), |a| a.to_string()),
            Bound::Unix(_, path) => format!("unix:{}", path.display()),
        }
    }
}

impl Drop for Bound {
    fn drop(&mut self) {
        if let Bound::Unix(_, path) = self {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A socket file that nobody listens on any more (serve was killed) is
/// removed before binding; a live one, or anything else, is left alone and
/// the bind fails.
fn remove_stale_socket(path: &std::path::Path) {
    use std::os::unix::fs::FileTypeExt;
    let is_socket = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket());
    if is_socket && std::os::unix::net::UnixStream::connect(path).is_err() {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse() {
        assert_eq!(
            "127.0.0.1:0".parse::<Listen>(),
            Ok(Listen::Tcp("127.0.0.1:0".into()))
        );
        assert_eq!(
            "localhost:8787".parse::<Listen>(),
            Ok(Listen::Tcp("localhost:8787".into()))
        );
        assert_eq!(
            "[::1]:9000".parse::<Listen>(),
            Ok(Listen::Tcp("[::1]:9000".into()))
        );
        assert_eq!(
            "unix:/run/t.sock".parse::<Listen>(),
            Ok(Listen::Unix("/run/t.sock".into()))
        );
        for bad in [
            "8787",
            ":8787",
            "127.0.0.1:99999",
            "127.0.0.1:x",
            "unix:",
            "a b:1",
        ] {
            assert!(bad.parse::<Listen>().is_err(), "{bad}");
        }
    }
}
