//! A presented token, read once where it enters (stdin, a header, a form
//! body): the forms clients send, and the format check that decides whether
//! it is worth a lookup.

use std::io::BufRead;

use zeroize::Zeroizing;

use crate::domain::token;

/// The most we read of the input: a credential is one short line.
pub const MAX_INPUT: u64 = 64 * 1024;

/// The first line of the input, read as soon as it has arrived: the read
/// never waits for the end of the input (a service may keep its pipe open;
/// a person pastes and presses Enter). A line longer than [`MAX_INPUT`]
/// bytes comes back empty, which is `malformed`. Anything that is not UTF-8
/// fails the format check.
pub fn read_input(input: impl BufRead) -> std::io::Result<Zeroizing<String>> {
    // Room for the longest line, so the buffer never moves (and leaves no
    // copy of the secret behind).
    let mut buf = Zeroizing::new(Vec::with_capacity(MAX_INPUT as usize + 1));
    input.take(MAX_INPUT + 1).read_until(b'\n', &mut buf)?;
    if buf.last() == Some(&b'\n') {
        buf.pop();
    } else if buf.len() as u64 > MAX_INPUT {
        return Ok(Zeroizing::new(String::new()));
    }
    Ok(Zeroizing::new(String::from_utf8_lossy(&buf).into_owned()))
}

/// The token out of any of the forms clients send: `TOKEN`, `Bearer TOKEN`,
/// `ApiKey-v1 TOKEN`, `Authorization: Bearer|ApiKey-v1 TOKEN`,
/// `t2mtoken=TOKEN`, or a form body holding `t2mtoken=TOKEN` or the legacy
/// `t2musername=t2m-api-token&t2mpassword=TOKEN` (percent-decoded). `None`
/// for an unknown form such as `Basic …`.
pub fn extract(line: &str) -> Option<Zeroizing<String>> {
    let line = line.trim();
    let credentials = match line.split_once(':') {
        Some((header, value)) if header.trim().eq_ignore_ascii_case("authorization") => {
            return scheme_value(value.trim());
        }
        _ => line,
    };
    if credentials.contains('=') {
        return form_value(credentials);
    }
    if credentials.contains(char::is_whitespace) {
        return scheme_value(credentials);
    }
    Some(Zeroizing::new(credentials.to_owned()))
}

/// A token as a client presented it, read once where it enters: in a
/// known form and well-formed (checksum included), so worth a lookup. Its
/// kind and prefix are read off it here and nowhere else; the whole token
/// stays for the argon2 check and is zeroed when dropped (a clone too).
#[derive(Clone)]
pub struct Presented {
    kind: token::Kind,
    token: Zeroizing<String>,
}

impl Presented {
    /// An API token or an access token.
    pub fn kind(&self) -> token::Kind {
        self.kind
    }

    /// The prefix, by which the store finds it (not a secret).
    pub fn prefix(&self) -> &str {
        token::prefix_of(&self.token)
    }

    /// The whole token, for the argon2 check and nothing else.
    pub(crate) fn secret(&self) -> &str {
        &self.token
    }
}

impl std::fmt::Debug for Presented {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Presented")
            .field("kind", &self.kind)
            .field("prefix", &self.prefix())
            .finish_non_exhaustive()
    }
}

/// The token out of the input, if it is in a known form and well-formed
/// (checksum included): what is worth a database lookup. `None` is
/// `malformed`.
pub fn presented(input: &str) -> Option<Presented> {
    let token = extract(input)?;
    let kind = token::kind_of(&token)?;
    Some(Presented { kind, token })
}

/// `Bearer TOKEN` or `ApiKey-v1 TOKEN` (schemes are case-insensitive).
fn scheme_value(s: &str) -> Option<Zeroizing<String>> {
    let (scheme, value) = s.split_once(char::is_whitespace)?;
    let known = ["bearer", "apikey-v1"];
    known
        .iter()
        .any(|k| scheme.eq_ignore_ascii_case(k))
        .then(|| Zeroizing::new(value.trim().to_owned()))
}

/// A form body: `t2mtoken=…`, or the legacy user/password pair.
fn form_value(body: &str) -> Option<Zeroizing<String>> {
    let mut token = None;
    let mut legacy_user = false;
    let mut legacy_password = None;
    for (k, v) in form_urlencoded::parse(body.as_bytes()) {
        match k.as_ref() {
            "t2mtoken" => token = Some(Zeroizing::new(v.into_owned())),
            "t2musername" => legacy_user = v == "t2m-api-token",
            "t2mpassword" => legacy_password = Some(Zeroizing::new(v.into_owned())),
            _ => {}
        }
    }
    token.or_else(|| legacy_password.filter(|_| legacy_user))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const T: &str = "tkc1Ab3dE9xQ0123456789abcdefghijABCDEFGHIJ000000";

    fn ex(s: &str) -> Option<String> {
        extract(s).map(|z| z.as_str().to_owned())
    }

    #[test]
    fn every_form_of_the_spec() {
        for form in [
            T.to_owned(),
            format!("Bearer {T}"),
            format!("bearer {T}"),
            format!("ApiKey-v1 {T}"),
            format!("Authorization: Bearer {T}"),
            format!("authorization:   ApiKey-v1 {T}  "),
            format!("t2mtoken={T}"),
            format!("t2maccount=acme&t2mtoken={T}&other=1"),
            format!("t2maccount=acme&t2musername=t2m-api-token&t2mpassword={T}"),
            format!(
                "t2musername=t2m%2Dapi%2Dtoken&t2mpassword={}",
                T.replace('A', "%41")
            ),
            format!("{T}\r"),
        ] {
            assert_eq!(ex(&form).as_deref(), Some(T), "{form:?}");
        }
    }

    #[test]
    fn unknown_forms_are_malformed() {
        for form in [
            format!("Basic {T}"),
            format!("Authorization: Basic {T}"),
            format!("Authorization: {T}"),
            format!("t2musername=someone&t2mpassword={T}"),
            "t2maccount=acme".to_owned(),
        ] {
            assert_eq!(ex(&form), None, "{form:?}");
        }
    }

    #[test]
    fn the_read_is_bounded_and_takes_the_first_line() {
        let big = format!("{T}\n{}", "x".repeat(10 << 20));
        assert_eq!(read_input(big.as_bytes()).unwrap().as_str(), T);
        let no_newline = "y".repeat(10 << 20);
        assert_eq!(read_input(no_newline.as_bytes()).unwrap().as_str(), "");
        let longest = "y".repeat(MAX_INPUT as usize);
        assert_eq!(
            read_input(longest.as_bytes()).unwrap().len() as u64,
            MAX_INPUT
        );
        assert_eq!(
            read_input(&[0xff, 0xfe, b'\n'][..]).unwrap().as_str(),
            "\u{fffd}\u{fffd}"
        );
    }

    proptest! {
        #[test]
        fn any_input_extracts_or_not_without_panicking(s in "\\PC{0,200}") {
            let _ = extract(&s);
        }

        #[test]
        fn any_bytes_read_without_panicking(b in proptest::collection::vec(any::<u8>(), 0..4096)) {
            let line = read_input(&b[..]).unwrap();
            let _ = extract(&line);
        }
    }
}
