//! `WHEN` (spec section 4): `never`, a duration (`45s`, `90m`, `12h`, `30d`,
//! `2w`), a date `YYYY-MM-DD` (midnight UTC), or an RFC 3339 timestamp.

use std::fmt;

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

/// The latest time tokenctl accepts or stores: `9999-12-31T23:59:59Z`.
/// Later times do not fit the fixed-width timestamps of the store.
pub(crate) fn latest() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(253_402_300_799, 0).expect("9999-12-31T23:59:59Z is a time")
}

fn too_late(flag: &str, input: &str) -> Error {
    Error::usage(format!(
        "{flag} {} is after 9999-12-31T23:59:59Z",
        crate::domain::text::quoted(input)
    ))
    .hint("give an earlier time, or never")
}

/// `now + d` for a flag's value: a time that overflows or falls after
/// [`latest`] is invalid input, never a panic.
pub(crate) fn later(
    flag: &str,
    input: &str,
    now: DateTime<Utc>,
    d: chrono::Duration,
) -> Result<DateTime<Utc>, Error> {
    now.checked_add_signed(d)
        .filter(|t| *t <= latest())
        .ok_or_else(|| too_late(flag, input))
}

pub(crate) fn parse(input: &str) -> Result<When, Error> {
    let s = input.trim();
    let bad = || {
        Error::usage(format!(
            "cannot read {} as a time",
            crate::domain::text::quoted(input)
        ))
        .hint(HINT)
    };
    if s.eq_ignore_ascii_case("never") {
        return Ok(When::Never);
    }
    let at = |t: DateTime<Utc>| {
        if t > latest() {
            Err(too_late("the time", input))
        } else {
            Ok(When::At(t))
        }
    };
    if let Ok(date) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let midnight = date.and_hms_opt(0, 0, 0).ok_or_else(bad)?;
        return at(midnight.and_utc());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return at(t.with_timezone(&Utc));
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

/// A flag's value, parsed where it enters (clap's value parsers, a
/// prompt's answer), with the flag and the text it was given as, for
/// messages: it shows as `--expires "30d"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given<T> {
    pub flag: String,
    pub text: String,
    pub value: T,
}

impl<T> fmt::Display for Given<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.flag,
            crate::domain::text::quoted(&self.text)
        )
    }
}

impl Given<When> {
    /// `text` read as a `WHEN` for `flag`.
    pub(crate) fn when(flag: &str, text: &str) -> Result<Self, Error> {
        Ok(Given {
            flag: flag.to_owned(),
            text: text.to_owned(),
            value: parse(text)?,
        })
    }
}

impl Given<chrono::Duration> {
    /// `text` read as a positive duration for `flag` ([`duration`]).
    pub(crate) fn span(
        flag: &str,
        text: &str,
        at_most: Option<(chrono::Duration, &str)>,
    ) -> Result<Self, Error> {
        Ok(Given {
            flag: flag.to_owned(),
            text: text.to_owned(),
            value: duration(flag, text, at_most)?,
        })
    }

    /// This long after `now`: a time past [`latest`] is invalid input.
    pub(crate) fn after(&self, now: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
        later(&self.flag, &self.text, now, self.value)
    }

    /// This long before `now`.
    pub(crate) fn before(&self, now: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
        now.checked_sub_signed(self.value)
            .ok_or_else(|| Error::usage(format!("{self} is too far back")))
    }
}

/// `--expires WHEN`: `None` for never; a time that is not in the future is refused.
pub(crate) fn expiry(w: &Given<When>, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Error> {
    let t = match w.value {
        When::Never => return Ok(None),
        When::In(d) => later(&w.flag, &w.text, now, d)?,
        When::At(t) => t,
    };
    if t > now {
        Ok(Some(t))
    } else {
        Err(Error::usage(format!("{w} is in the past ({})", rfc3339(t)))
            .hint("give a later time, or never"))
    }
}

/// `--not-before WHEN`: a duration counts forward; a time in the past is
/// accepted (the token is good at once); `never` is not a time.
pub(crate) fn not_before(w: &Given<When>, now: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
    match w.value {
        When::Never => {
            Err(Error::usage(format!("{} needs a time, not \"never\"", w.flag)).hint(HINT))
        }
        When::In(d) => later(&w.flag, &w.text, now, d),
        When::At(t) => Ok(t),
    }
}

/// `log --since/--until WHEN`: a duration counts back from now; `never` is not a time.
pub(crate) fn past_bound(w: &Given<When>, now: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
    match w.value {
        When::Never => {
            Err(Error::usage(format!("{} needs a time, not \"never\"", w.flag)).hint(HINT))
        }
        When::In(d) => now
            .checked_sub_signed(d)
            .ok_or_else(|| Error::usage(format!("{w} is too far back")).hint(HINT)),
        When::At(t) => Ok(t),
    }
}

/// A positive duration, for `--ttl` and `--grace`; with `at_most`, no
/// longer than that.
pub(crate) fn duration(
    flag: &str,
    input: &str,
    at_most: Option<(chrono::Duration, &str)>,
) -> Result<chrono::Duration, Error> {
    match parse(input) {
        Ok(When::In(d)) if d <= chrono::Duration::zero() => {
            Err(Error::usage(format!("{flag} must be longer than zero")))
        }
        Ok(When::In(d)) => match at_most {
            Some((max, shown)) if d > max => Err(Error::usage(format!(
                "{flag} {} is longer than {shown}",
                crate::domain::text::quoted(input)
            ))
            .hint(format!("give at most {shown}"))),
            _ => Ok(d),
        },
        _ => Err(Error::usage(format!(
            "cannot read {} as a duration",
            crate::domain::text::quoted(input)
        ))
        .hint("use a duration such as 45s, 90m, 12h, 30d or 2w")),
    }
}

/// The one timestamp form we write: RFC 3339, UTC, whole seconds, `Z`.
/// Fixed width, so text order is time order in the database.
pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Read back a timestamp we wrote.
pub(crate) fn from_rfc3339(s: &str) -> Option<DateTime<Utc>> {
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

    fn expiry(text: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Error> {
        super::expiry(&Given::when("--expires", text)?, now)
    }

    fn past_bound(flag: &str, text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
        super::past_bound(&Given::when(flag, text)?, now)
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
    fn ttl_must_be_positive_and_within_its_bound() {
        let day = Some((chrono::Duration::hours(24), "24h"));
        assert!(duration("--ttl", "0s", day).is_err());
        assert!(duration("--ttl", "never", day).is_err());
        assert!(duration("--ttl", "25h", day).is_err());
        assert!(duration("--ttl", "300000y", day).is_err());
        assert_eq!(
            duration("--ttl", "24h", day).unwrap(),
            chrono::Duration::hours(24)
        );
        assert_eq!(
            duration("--grace", "2h", None).unwrap(),
            chrono::Duration::hours(2)
        );
    }

    #[test]
    fn nothing_after_9999_is_accepted() {
        for s in [
            "+10000-01-01T00:00:00Z",
            "10000-01-01",
            "9999-12-31T23:59:59.5Z",
        ] {
            assert_eq!(parse(s).unwrap_err().kind, crate::error::Kind::Usage, "{s}");
        }
        assert!(parse("9999-12-31T23:59:59Z").is_ok());
        assert!(expiry("999999999d", now()).is_err());
        assert!(expiry("300000y", now()).is_err());
        let d = duration("--grace", "999999999d", None).unwrap();
        assert!(later("--grace", "999999999d", now(), d).is_err());
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

        /// Every option that takes a time or a duration, with any number
        /// and unit: a value or a usage error, never a panic, never a time
        /// after 9999-12-31.
        #[test]
        fn every_time_option_is_checked_arithmetic(n in 0u64..u64::MAX, unit in "s|m|h|d|w|y|ms|ns|us|months|years", raw in "[+-]?[0-9]{1,7}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?") {
            let value = format!("{n}{unit}");
            for input in [value.as_str(), raw.as_str()] {
                if let Ok(Some(t)) = expiry(input, now()) {
                    prop_assert!(t <= latest());
                }
                for flag in ["--since", "--until"] {
                    if let Ok(t) = past_bound(flag, input, now()) {
                        prop_assert!(t <= latest());
                    }
                }
                for (flag, bound) in [("--grace", None), ("--ttl", Some((chrono::Duration::hours(24), "24h")))] {
                    if let Ok(d) = duration(flag, input, bound)
                        && let Ok(t) = later(flag, input, now(), d)
                    {
                        prop_assert!(t <= latest());
                    }
                }
            }
        }
    }
}
