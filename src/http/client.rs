//! The client's address (spec section 9), decided once at the edge: the
//! connection's peer, or — when the peer is a trusted proxy — the rightmost
//! `X-Forwarded-For` entry that is not itself a trusted proxy (the leftmost
//! when every entry is trusted). `X-Real-IP` and `Forwarded` are not read.

use std::net::IpAddr;

use hyper::header::HeaderMap;
use ipnet::IpNet;

use super::listen::Peer;
use crate::domain::binding;

/// The default trusted proxies: loopback.
pub fn default_trusted() -> Vec<IpNet> {
    vec![
        "127.0.0.0/8".parse().expect("a block"),
        "::1/128".parse().expect("a block"),
    ]
}

fn trusted(addr: IpAddr, trust: &[IpNet]) -> bool {
    let addr = binding::canonical(addr);
    trust.iter().any(|b| b.contains(&addr))
}

/// The client's address, or `None` when it cannot be known: a trusted
/// peer that sent no `X-Forwarded-For`, or an entry that is not an
/// address where the client's would be (never guessed past it).
pub(crate) fn address(peer: &Peer, headers: &HeaderMap, trust: &[IpNet]) -> Option<IpAddr> {
    match peer {
        Peer::Ip(ip) if !trusted(*ip, trust) => return Some(binding::canonical(*ip)),
        // A Unix-socket peer is a proxy on this machine: trusted.
        Peer::Ip(_) | Peer::Unix => {}
    }
    // Several headers count as one list, in order.
    let mut entries = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let text = value.to_str().ok()?;
        entries.extend(text.split(',').map(str::trim).filter(|e| !e.is_empty()));
    }
    let mut leftmost = None;
    for entry in entries.iter().rev() {
        let addr = binding::canonical(entry.parse::<IpAddr>().ok()?);
        if !trusted(addr, trust) {
            return Some(addr);
        }
        leftmost = Some(addr);
    }
    leftmost
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn with(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trust = default_trusted();
        let peer = Peer::Ip(ip("203.0.113.9"));
        assert_eq!(
            address(&peer, &with(&["10.0.0.1"]), &trust),
            Some(ip("203.0.113.9"))
        );
        let mapped = Peer::Ip(ip("::ffff:203.0.113.9"));
        assert_eq!(
            address(&mapped, &HeaderMap::new(), &trust),
            Some(ip("203.0.113.9"))
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_entry() {
        let trust: Vec<IpNet> = vec![
            "127.0.0.0/8".parse().unwrap(),
            "10.0.0.0/8".parse().unwrap(),
        ];
        let peer = Peer::Ip(ip("127.0.0.1"));
        // A client's forged first entry is passed over.
        let h = with(&["1.2.3.4, 198.51.100.7, 10.0.0.2"]);
        assert_eq!(address(&peer, &h, &trust), Some(ip("198.51.100.7")));
        // Several headers are one list.
        let h = with(&["1.2.3.4", "198.51.100.7", "10.0.0.2"]);
        assert_eq!(address(&peer, &h, &trust), Some(ip("198.51.100.7")));
        // Every entry trusted: the leftmost.
        let h = with(&["10.0.0.5, 10.0.0.2"]);
        assert_eq!(address(&peer, &h, &trust), Some(ip("10.0.0.5")));
        // No header: unknown.
        assert_eq!(address(&peer, &HeaderMap::new(), &trust), None);
        // Garbage where the client would be: unknown, never what is left of it.
        let h = with(&["198.51.100.7, unknown, 10.0.0.2"]);
        assert_eq!(address(&peer, &h, &trust), None);
        // A Unix-socket peer is trusted.
        let h = with(&["198.51.100.7"]);
        assert_eq!(address(&Peer::Unix, &h, &trust), Some(ip("198.51.100.7")));
    }
}
