//! `WHEN` (spec section 4): `never`, a duration (`45s`, `90m`, `12h`, `30d`,
//! `2w`), a date `YYYY-MM-DD` (midnight UTC), or an RFC 3339 timestamp.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use crate::error::Error;

/// A parsed `WHEN`, before we know whether a duration counts forward or back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Never,
    In(chrono::Duration),
    At(DateTime<Utc>),
}

const HINT: &str = "use never, a duration such as 45s, 90m, 12h, 30d or 2w, a date YYYY-MM-DD, or an RFC 3339 time";

pub fn parse(input: &str) -> Result<When, Error> {
    let s = input.trim();
    let bad = || Error::usage(format!("cannot read {input:?} as a time")).hint(HINT);
    if s.eq_ignore_ascii_case("never") {
        return Ok(When::Never);
    }
    if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let midnight = date.and_hms_opt(0, 0, 0).ok_or_else(bad)?;
        return Ok(When::At(midnight.and_utc()));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(When::At(t.with_timezone(&Utc)));
    }
    // humantime also accepts "1h 30m", "2weeks": a superset of the spec's forms.
    if s.starts_with(|c: char| c.is_ascii_digit())
        && let Ok(d) = humantime::parse_duration(s)
    {
        return chrono::Duration::from_std(d)
            .map(When::In)
            .map_err(|_| bad());
    }
    Err(bad())
}

/// `--expires WHEN`: `None` for never; a time that is not in the future is refused.
pub fn expiry(input: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Error> {
    let at = match parse(input)? {
        When::Never => return Ok(None),
        When::In(d) => now.checked_add_signed(d),
        When::At(t) => Some(t),
    };
    match at {
        Some(t) if t > now => Ok(Some(t)),
        Some(t) => Err(Error::usage(format!(
            "--expires {input:?} is in the past ({})",
            rfc3339(t)
        ))
        .hint("give a later time, or never")),
        None => Err(Error::usage(format!("--expires {input:?} is too far away")).hint(HINT)),
    }
}

/// `log --since/--until WHEN`: a duration counts back from now; `never` is not a time.
pub fn past_bound(flag: &str, input: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
    match parse(input)? {
        When::Never => Err(Error::usage(format!("{flag} needs a time, not \"never\"")).hint(HINT)),
        When::In(d) => now
            .checked_sub_signed(d)
            .ok_or_else(|| Error::usage(format!("{flag} {input:?} is too far back"))),
        When::At(t) => Ok(t),
    }
}

/// A positive duration, for `--ttl` and `--grace`.
pub fn duration(flag: &str, input: &str) -> Result<chrono::Duration, Error> {
    match parse(input) {
        Ok(When::In(d)) if d > chrono::Duration::zero() => Ok(d),
        Ok(When::In(_)) => Err(Error::usage(format!("{flag} must be longer than zero"))),
        _ => Err(Error::usage(format!("cannot read {input:?} as a duration"))
            .hint("use a duration such as 45s, 90m, 12h, 30d or 2w")),
    }
}

/// The one timestamp form we write: RFC 3339, UTC, whole seconds, `Z`.
/// Fixed width, so text order is time order in the database.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Read back a timestamp we wrote.
pub fn from_rfc3339(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
    }

    #[test]
    fn durations_of_the_spec() {
        for (s, secs) in [
            ("45s", 45),
            ("90m", 90 * 60),
            ("12h", 12 * 3600),
            ("30d", 30 * 86400),
            ("2w", 14 * 86400),
        ] {
            assert_eq!(
                parse(s).unwrap(),
                When::In(chrono::Duration::seconds(secs)),
                "{s}"
            );
        }
    }

    #[test]
    fn never_date_and_timestamp() {
        assert_eq!(parse("never").unwrap(), When::Never);
        assert_eq!(parse("NEVER").unwrap(), When::Never);
        assert_eq!(
            parse("2027-01-31").unwrap(),
            When::At(Utc.with_ymd_and_hms(2027, 1, 31, 0, 0, 0).unwrap())
        );
        assert_eq!(
            parse("2027-01-31T10:00:00+02:00").unwrap(),
            When::At(Utc.with_ymd_and_hms(2027, 1, 31, 8, 0, 0).unwrap())
        );
    }

    #[test]
    fn nonsense_is_a_usage_error() {
        for s in [
            "",
            "soon",
            "-5d",
            "2027-13-01",
            "12 parsecs",
            "d30",
            "5 parsecs",
        ] {
            let e = parse(s).unwrap_err();
            assert_eq!(e.kind, crate::error::Kind::Usage, "{s}");
        }
    }

    #[test]
    fn expiry_refuses_the_past_and_now() {
        assert!(expiry("2020-01-01", now()).is_err());
        assert!(expiry("0s", now()).is_err());
        assert_eq!(
            expiry("30d", now()).unwrap(),
            Some(now() + chrono::Duration::days(30))
        );
        assert_eq!(expiry("never", now()).unwrap(), None);
    }

    #[test]
    fn past_bound_counts_back() {
        assert_eq!(
            past_bound("--since", "7d", now()).unwrap(),
            now() - chrono::Duration::days(7)
        );
        assert!(past_bound("--since", "never", now()).is_err());
    }

    #[test]
    fn ttl_must_be_positive() {
        assert!(duration("--ttl", "0s").is_err());
        assert!(duration("--ttl", "never").is_err());
        assert_eq!(duration("--ttl", "2h").unwrap(), chrono::Duration::hours(2));
    }

    #[test]
    fn timestamps_round_trip_at_fixed_width() {
        let s = rfc3339(now());
        assert_eq!(s, "2026-11-23T12:00:00Z");
        assert_eq!(from_rfc3339(&s), Some(now()));
    }

    proptest! {
        #[test]
        fn any_input_parses_or_is_a_usage_error(s in "\\PC{0,40}") {
            if let Err(e) = parse(&s) {
                prop_assert_eq!(e.kind, crate::error::Kind::Usage);
            }
            let _ = expiry(&s, now());
            let _ = past_bound("--since", &s, now());
        }

        #[test]
        fn huge_durations_do_not_panic(n in 0u64..u64::MAX) {
            let _ = expiry(&format!("{n}d"), now());
            let _ = past_bound("--since", &format!("{n}w"), now());
        }
    }
}
