//! A token's bindings (spec section 12): the address blocks it may be used
//! from, and how often it may be used. (`not_before` is a plain time.)

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;

use crate::domain::text::quoted;
use crate::domain::when::{self, When};
use crate::error::Error;

/// `--allow-from CIDR`: a block, or an address alone (`/32`, `/128`), with
/// its host bits cleared. `10.0.0.0/33` and names are invalid input.
pub(crate) fn parse_block(text: &str) -> Result<IpNet, Error> {
    let text = text.trim();
    let block = text
        .parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(|a| IpNet::from(canonical(a))))
        .map_err(|_| {
            Error::usage(format!(
                "{} is not an IP address or CIDR block",
                quoted(text)
            ))
            .hint(
                "give an address (192.0.2.7, 2001:db8::7) or a block (192.0.2.0/24, 2001:db8::/32)",
            )
        })?;
    Ok(block.trunc())
}

/// Blocks as the contract keeps them: IPv4 first, then by address, then
/// by prefix length, without duplicates (a block inside another is kept).
pub(crate) fn normalised(mut blocks: Vec<IpNet>) -> Vec<IpNet> {
    blocks.sort();
    blocks.dedup();
    blocks
}

/// The stored form (and CSV's): the blocks joined by single spaces.
pub(crate) fn blocks_text(blocks: &[IpNet]) -> String {
    blocks
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The blocks as JSON shows them (the log's details, a token's object).
pub(crate) fn blocks_json(blocks: &[IpNet]) -> Vec<String> {
    blocks.iter().map(ToString::to_string).collect()
}

/// Blocks read back from their stored form; `None` when any does not read
/// (a binding is never dropped in silence: the caller fails closed).
pub(crate) fn blocks_from_text(text: &str) -> Option<Vec<IpNet>> {
    text.split_whitespace()
        .map(|b| b.parse::<IpNet>().ok().map(|n| n.trunc()))
        .collect()
}

/// An address as the check compares it: an IPv4 address mapped into IPv6
/// (a dual-stack socket's `::ffff:192.0.2.7`) is the IPv4 address.
pub(crate) fn canonical(addr: IpAddr) -> IpAddr {
    addr.to_canonical()
}

/// Whether `addr` is inside one of `blocks`; no blocks allow any address.
pub(crate) fn allows(blocks: &[IpNet], addr: IpAddr) -> bool {
    let addr = canonical(addr);
    blocks.is_empty() || blocks.iter().any(|b| b.contains(&addr))
}

/// `--rate N/DURATION`: at most `n` good checks per `per`, a burst of `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub n: u32,
    pub per: Duration,
}

/// The most checks a rate may allow per period, and its longest period.
const MAX_N: u32 = 1_000_000_000;
const MAX_PER: Duration = Duration::from_hours(366 * 24);

impl Rate {
    /// `N/DURATION`: N from 1, DURATION a whole number of seconds from 1s
    /// to 366d (`600/1m`, `10/1s`, `20000/1d`).
    pub(crate) fn parse(text: &str) -> Result<Rate, Error> {
        let bad = |why: &str| {
            Error::usage(format!("{} is not a rate: {why}", quoted(text)))
                .hint("give N/DURATION, such as 600/1m, 10/1s or 20000/1d")
        };
        let (n, per) = text.trim().split_once('/').ok_or_else(|| bad("no /"))?;
        let n: u32 = n
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=MAX_N).contains(n))
            .ok_or_else(|| bad("N must be a whole number from 1 to 1000000000"))?;
        let per = match when::parse(per) {
            Ok(When::In(d)) => d.to_std().ok(),
            _ => None,
        }
        .filter(|d| *d >= Duration::from_secs(1) && *d <= MAX_PER && d.subsec_nanos() == 0)
        .ok_or_else(|| bad("DURATION must be whole seconds from 1s to 366d"))?;
        Ok(Rate { n, per })
    }

    /// The stored form, read back; `None` when it does not read.
    pub(crate) fn from_stored(text: &str) -> Option<Rate> {
        Rate::parse(text).ok()
    }

    /// The time between two checks at the steady rate (GCRA's emission
    /// interval).
    pub(crate) fn interval(self) -> Duration {
        self.per / self.n
    }
}

/// `600/1m`: the period in the largest of d, h, m, s that divides it.
impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.per.as_secs();
        let (count, unit) = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")]
            .into_iter()
            .find(|(size, _)| secs.is_multiple_of(*size))
            .map_or((secs, "s"), |(size, unit)| (secs / size, unit));
        write!(f, "{}/{count}{unit}", self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn blocks_are_cleared_and_sorted() {
        let blocks: Vec<IpNet> = ["2001:db8::7", "192.0.2.77/24", "10.0.0.1", "192.0.2.0/24"]
            .iter()
            .map(|b| parse_block(b).unwrap())
            .collect();
        assert_eq!(
            blocks_text(&normalised(blocks)),
            "10.0.0.1/32 192.0.2.0/24 2001:db8::7/128"
        );
        for bad in ["10.0.0.0/33", "example.com", "", "1.2.3", "::g"] {
            assert!(parse_block(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_mapped_address_is_its_ipv4_address() {
        let blocks = vec![parse_block("192.0.2.0/24").unwrap()];
        assert!(allows(&blocks, "::ffff:192.0.2.9".parse().unwrap()));
        assert!(!allows(&blocks, "192.0.3.1".parse().unwrap()));
        assert!(allows(&[], "203.0.113.1".parse().unwrap()));
    }

    #[test]
    fn rates_of_the_spec() {
        for (text, shown) in [
            ("600/1m", "600/1m"),
            ("10/1s", "10/1s"),
            ("20000/1d", "20000/1d"),
            ("5/60s", "5/1m"),
            ("1/90m", "1/90m"),
        ] {
            assert_eq!(Rate::parse(text).unwrap().to_string(), shown, "{text}");
        }
        for bad in [
            "0/1m",
            "10",
            "10/0s",
            "10/500ms",
            "-1/1m",
            "10/never",
            "x/1m",
            "10/400d",
            "2000000000/1s",
        ] {
            assert!(Rate::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Rate::parse("600/1m").unwrap().interval(),
            Duration::from_millis(100)
        );
    }

    proptest! {
        #[test]
        fn any_text_is_a_rate_or_a_usage_error(s in "\\PC{0,30}") {
            if let Err(e) = Rate::parse(&s) {
                prop_assert_eq!(e.kind, crate::error::Kind::Usage);
            }
            let _ = parse_block(&s);
        }

        #[test]
        fn a_rate_reads_back_as_written(n in 1u32..=MAX_N, secs in 1u64..=366 * 86_400) {
            let rate = Rate { n, per: Duration::from_secs(secs) };
            prop_assert_eq!(Rate::from_stored(&rate.to_string()), Some(rate));
        }
    }
}
