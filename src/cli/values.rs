//! clap's value parsers for our values: times, durations, log heads and
//! counts are typed where they enter, before any command runs, so commands
//! never see their strings. A bad value is our one-line `error: …` naming
//! the flag, with a hint (see [`super::parse`]), exit 2.

use std::ffi::OsStr;
use std::time::Duration as StdDuration;

use clap::builder::TypedValueParser;
use clap::error::ErrorKind;

use std::net::IpAddr;

use ipnet::IpNet;

use crate::domain::binding::{self, Rate};
use crate::domain::chain::parse_head;
use crate::domain::webhook::{self, Leads, Target};
use crate::domain::when::{self, Given, When};
use crate::error::Error;

/// A value parser from a function of the flag's name and its text.
#[derive(Clone, Copy)]
pub(crate) struct Typed<T>(fn(&str, &str) -> Result<T, Error>);

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Typed<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let flag = arg.map_or_else(String::new, |a| match a.get_long() {
            Some(long) => format!("--{long}"),
            None => a.get_id().to_string(),
        });
        let Some(text) = value.to_str() else {
            return Err(clap::Error::new(ErrorKind::InvalidUtf8).with_cmd(cmd));
        };
        (self.0)(&flag, text).map_err(|e| {
            // `parse` reads the first paragraph as the message and the
            // `tip:` line as the hint.
            let hint = e.hint.unwrap_or_else(|| {
                let command = cmd.get_bin_name().unwrap_or_else(|| cmd.get_name());
                format!("see {command} --help")
            });
            let tip = format!("\n\ntip: {hint}");
            clap::Error::raw(ErrorKind::ValueValidation, format!("{}{tip}\n", e.message))
                .with_cmd(cmd)
        })
    }
}

/// An error of a value that does not say which flag it was given to: the
/// flag in front (`--expires: cannot read "soon" as a time`).
fn named(flag: &str, mut e: Error) -> Error {
    e.message = format!("{flag}: {}", e.message);
    e
}

/// `WHEN`: never, a duration, a date or an RFC 3339 time.
pub(crate) fn when() -> Typed<Given<When>> {
    Typed(|flag, text| Given::when(flag, text).map_err(|e| named(flag, e)))
}

/// A positive duration (`--grace`, `--expiring`, `--unused-for`, …).
pub(crate) fn span() -> Typed<Given<chrono::Duration>> {
    Typed(|flag, text| Given::span(flag, text, None))
}

/// `exchange --ttl`: a positive duration of at most 24 hours.
pub(crate) fn ttl() -> Typed<Given<chrono::Duration>> {
    Typed(|flag, text| {
        Given::span(
            flag,
            text,
            Some((
                chrono::Duration::hours(crate::ops::issue::MAX_TTL_HOURS),
                "24h",
            )),
        )
    })
}

/// `serve --cache-ttl`: a duration from 0s to 1d.
pub(crate) fn cache_ttl() -> Typed<StdDuration> {
    Typed(|flag, text| match when::parse(text) {
        Ok(When::In(d)) if d >= chrono::Duration::zero() && d <= chrono::Duration::days(1) => {
            Ok(d.to_std().unwrap_or_default())
        }
        _ => Err(Error::usage(format!(
            "{flag} {} is not a duration from 0s to 1d",
            crate::domain::text::quoted(text)
        ))),
    })
}

/// A count of 1 or more.
pub(crate) fn count() -> Typed<usize> {
    Typed(|flag, text| match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(Error::usage(format!(
            "{flag} must be a whole number, 1 or more"
        ))),
    })
}

/// `--allow-from CIDR`: a block or an address alone.
pub(crate) fn block() -> Typed<IpNet> {
    Typed(|flag, text| binding::parse_block(text).map_err(|e| named(flag, e)))
}

/// `--rate N/DURATION`.
pub(crate) fn rate() -> Typed<Rate> {
    Typed(|flag, text| Rate::parse(text).map_err(|e| named(flag, e)))
}

/// `--from ADDR`: one IPv4 or IPv6 address.
pub(crate) fn address() -> Typed<IpAddr> {
    Typed(|flag, text| {
        text.trim()
            .parse::<IpAddr>()
            .map(binding::canonical)
            .map_err(|_| {
                Error::usage(format!(
                    "{flag} {} is not an IP address",
                    crate::domain::text::quoted(text)
                ))
                .hint("give the client's address, such as 192.0.2.7 or 2001:db8::7")
            })
    })
}

/// `--head ID:HASH`, as `log head` prints it.
pub(crate) fn head() -> Typed<(i64, String)> {
    Typed(|_, text| parse_head(text))
}

/// `notify --webhook URL`: never echoed (it may hold credentials).
pub(crate) fn webhook() -> Typed<Target> {
    Typed(Target::parse)
}

/// `notify --expiring LEADS`.
pub(crate) fn leads() -> Typed<Leads> {
    Typed(|flag, text| webhook::parse_leads(flag, text).map(Leads))
}
