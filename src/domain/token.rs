//! The token format of spec section 1, its checksum, and argon2id hashing.
//!
//! A token is `marker (4) + prefix (8) + secret (32) + checksum (6)`, all
//! `[A-Za-z0-9]`: 50 characters. The marker is `tkc1` for an API token and
//! `tka1` for an access token from `exchange`, a fixed text that secret
//! scanners can match. The checksum is CRC-32 (IEEE) of the first 44
//! characters in base 62.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::TryRng;
use rand::rngs::SysRng;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

pub const MARKER_LEN: usize = 4;
pub const PREFIX_LEN: usize = 8;
pub const SECRET_LEN: usize = 32;
pub const CHECKSUM_LEN: usize = 6;
/// What the checksum covers: marker, prefix and secret.
pub const BODY_LEN: usize = MARKER_LEN + PREFIX_LEN + SECRET_LEN;
pub const TOKEN_LEN: usize = BODY_LEN + CHECKSUM_LEN;

/// The regex of spec section 1, as secret scanners use it.
pub const PATTERN: &str = r"\btk[ca]1[A-Za-z0-9]{46}\b";

/// Which kind of token a marker says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An API token (`tkc1`), made by `new` and `renew`.
    Api,
    /// A short-lived access token (`tka1`), made by `exchange`.
    Access,
}

impl Kind {
    pub fn marker(self) -> &'static str {
        match self {
            Kind::Api => "tkc1",
            Kind::Access => "tka1",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Api => "api",
            Kind::Access => "access",
        }
    }

    fn of_marker(marker: &[u8]) -> Option<Kind> {
        match marker {
            b"tkc1" => Some(Kind::Api),
            b"tka1" => Some(Kind::Access),
            _ => None,
        }
    }
}

/// Base-62 digits, in the order the checksum uses (`0-9A-Za-z`).
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The argon2id cost every token hash is made with: OWASP's minimum
/// recommendation (m=19456 KiB, t=2, p=1). Verification refuses any other.
pub const M_COST_KIB: u32 = 19 * 1024;
pub const T_COST: u32 = 2;
pub const P_COST: u32 = 1;

/// A token in clear. The memory is wiped when it is dropped.
pub type Secret = Zeroizing<String>;

/// The CRC-32 of `body` written as six base-62 digits, most significant first.
pub fn checksum(body: &str) -> String {
    let mut n = crc32fast::hash(body.as_bytes());
    let mut digits = [b'0'; CHECKSUM_LEN];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    // 62^6 > 2^32, so nothing is left over.
    String::from_utf8(digits.to_vec()).expect("base-62 digits are ASCII")
}

/// The kind of `s` when it is a well-formed token: a known marker, 50
/// letters and digits, and a matching checksum. Needs no database: a
/// mistyped or truncated token is caught here.
pub fn kind_of(s: &str) -> Option<Kind> {
    let b = s.as_bytes();
    if b.len() != TOKEN_LEN || !b.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let kind = Kind::of_marker(&b[..MARKER_LEN])?;
    (checksum(&s[..BODY_LEN]) == s[BODY_LEN..]).then_some(kind)
}

/// True when `s` is a well-formed token of either kind.
pub fn is_well_formed(s: &str) -> bool {
    kind_of(s).is_some()
}

/// The one finder: every well-formed token inside `bytes` (any bytes, not
/// only text: `scan` reads files as they are), with its byte offset,
/// wherever it stands (also glued to other letters: a value is refused for
/// holding one even where a scanner's word boundary would not match). The
/// marker is found by a regex (a fast literal search); the checksum
/// confirms. A candidate whose checksum fails is passed over one byte on,
/// so a real token that starts inside it is still found.
pub fn find_all(bytes: &[u8]) -> impl Iterator<Item = (usize, &str)> {
    static SHAPE: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(r"tk[ca]1[A-Za-z0-9]{46}").expect("the token's shape")
    });
    let mut at = 0;
    std::iter::from_fn(move || {
        while let Some(m) = SHAPE.find_at(bytes, at) {
            let candidate = std::str::from_utf8(m.as_bytes()).unwrap_or("");
            if is_well_formed(candidate) {
                at = m.end();
                return Some((m.start(), candidate));
            }
            at = m.start() + 1;
        }
        None
    })
}

/// The tokens as text shows them (spec section 1): well-formed and not
/// preceded or followed by an ASCII letter or digit, so `MY_TOKEN_tkc1…`
/// and `"tkc1…"` are found and a token inside a longer run is not — what
/// `scan` reports, and exactly what the README's gitleaks rule matches.
pub fn find_standalone(bytes: &[u8]) -> impl Iterator<Item = (usize, &str)> {
    find_all(bytes).filter(move |(at, t)| {
        let before = at.checked_sub(1).and_then(|i| bytes.get(i));
        let after = bytes.get(at + t.len());
        !before.is_some_and(u8::is_ascii_alphanumeric)
            && !after.is_some_and(u8::is_ascii_alphanumeric)
    })
}

/// True when `text` holds a well-formed token anywhere.
pub fn contains_token(text: &str) -> bool {
    find_all(text.as_bytes()).next().is_some()
}

/// The prefix of a well-formed token: the 8 random characters after the marker.
pub fn prefix_of(token: &str) -> &str {
    &token[MARKER_LEN..MARKER_LEN + PREFIX_LEN]
}

/// The hint for a whole token found where a name, prefix or reason
/// belongs: it is in the shell's history now.
pub(crate) const IN_HISTORY: &str =
    "a token typed on a command line is in your shell history: consider `tokenctl renew` for it";

/// The system's random source failed (nothing sensible can go on).
pub(crate) fn random_failed(e: impl std::fmt::Display) -> Error {
    Error::storage(format!("the system's random source failed: {e}"))
}

/// `n` random characters `[A-Za-z0-9]` from the OS CSPRNG, without modulo bias.
fn random_alphanumeric(n: usize) -> Result<Secret> {
    let mut out = Zeroizing::new(String::with_capacity(n));
    let mut buf = Zeroizing::new([0u8; 64]);
    while out.len() < n {
        SysRng.try_fill_bytes(buf.as_mut()).map_err(random_failed)?;
        // 248 = 4 * 62: bytes at or above it would favour the first letters.
        for &b in buf.iter().filter(|&&b| b < 248) {
            if out.len() == n {
                break;
            }
            out.push(char::from(BASE62[usize::from(b % 62)]));
        }
    }
    Ok(out)
}

/// A fresh random prefix (unique in the database: the store checks).
pub fn generate_prefix() -> Result<String> {
    Ok(random_alphanumeric(PREFIX_LEN)?.as_str().to_owned())
}

/// A new token of `kind` with the given prefix: marker + prefix + 32 random
/// characters + checksum.
pub fn generate_with_prefix(kind: Kind, prefix: &str) -> Result<Secret> {
    let secret = random_alphanumeric(SECRET_LEN)?;
    let mut token = Zeroizing::new(String::with_capacity(TOKEN_LEN));
    token.push_str(kind.marker());
    token.push_str(prefix);
    token.push_str(&secret);
    let sum = checksum(&token);
    token.push_str(&sum);
    Ok(token)
}

/// Make this process non-dumpable (`prctl(PR_SET_DUMPABLE, 0)`): no core
/// dump of it is written and no other user's process may attach to it.
/// Every process that will hold a clear token calls this first.
pub fn no_core_dumps() -> Result<()> {
    rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable).map_err(
        |e| {
            Error::storage(format!(
                "cannot keep the token out of core dumps (prctl PR_SET_DUMPABLE failed: {e})"
            ))
            .into()
        },
    )
}

fn params() -> Params {
    Params::new(M_COST_KIB, T_COST, P_COST, None).expect("the OWASP argon2 parameters are valid")
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

/// The argon2id PHC string of the whole token (random salt).
pub fn hash(token: &str) -> Result<String> {
    hash_in(token, &mut Memory::new())
}

/// [`hash`] in working memory of the caller's (a hashing slot's: `serve`
/// bounds every argon2 run, hashes and verifications alike, by its slots).
pub fn hash_in(token: &str, memory: &mut Memory) -> Result<String> {
    let failed = |e: &dyn std::fmt::Display| Error::storage(format!("hashing failed: {e}"));
    let mut salt = [0u8; 16];
    SysRng.try_fill_bytes(&mut salt).map_err(random_failed)?;
    let mut out = Zeroizing::new([0u8; 32]);
    hasher()
        .hash_password_into_with_memory(token.as_bytes(), &salt, &mut out[..], &mut memory.0)
        .map_err(|e| failed(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params()).map_err(|e| failed(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| failed(&e))?),
        hash: Some(Output::new(&out[..]).map_err(|e| failed(&e))?),
    };
    Ok(phc.to_string())
}

/// argon2's working memory for one verification (19 MiB), allocated once
/// and reused: a fresh allocation would be faulted in page by page on every
/// verification (≈5,000 page faults, a third of its time).
///
/// It is backed by 2 MiB pages where the kernel has them to give
/// ([`prefer_huge_pages`]): a fresh process (`tokenctl verify`) then takes
/// about ten page faults instead of 5,000 to fill it, and argon2's random
/// reads across it miss the TLB less.
///
/// It is not wiped when dropped (that was 19 MiB written for nothing, a
/// millisecond of every `verify`): the blocks are one-way functions of
/// argon2's initial hash, which the argon2 crate wipes itself; from them
/// one computes at most the PHC hash that the store keeps anyway, never
/// the token. The token itself and the initial hash are wiped.
pub struct Memory(Vec<argon2::Block>);

impl Memory {
    pub fn new() -> Memory {
        let n = params().block_count();
        let mut blocks = Vec::with_capacity(n);
        prefer_huge_pages(&mut blocks);
        blocks.resize(n, argon2::Block::default());
        Memory(blocks)
    }
}

/// Ask the kernel to back the not yet touched capacity of `blocks` with
/// transparent huge pages (`madvise(MADV_HUGEPAGE)`), so that the first
/// write faults in 2 MiB at a time. Only advice: where the kernel has no
/// huge pages (THP `never`, no free 2 MiB page, another OS) nothing changes
/// but the page size, so a refusal is ignored.
///
/// The crate's one `unsafe` block (lib.rs denies `unsafe_code` elsewhere):
/// rustix's `madvise` is unsafe because some advice (`MADV_DONTNEED`, …)
/// discards memory; this advice never changes what memory holds or
/// whether it is mapped.
#[allow(unsafe_code)]
fn prefer_huge_pages(blocks: &mut Vec<argon2::Block>) {
    #[cfg(target_os = "linux")]
    {
        let spare = blocks.spare_capacity_mut();
        let len = std::mem::size_of_val(spare);
        let start = spare.as_mut_ptr().cast::<u8>();
        // madvise wants a page-aligned range: the whole pages inside.
        let page = rustix::param::page_size();
        let skip = start.align_offset(page);
        let Some(whole) = len.checked_sub(skip).map(|l| l / page * page) else {
            return;
        };
        if whole == 0 {
            return;
        }
        // SAFETY: [start + skip, start + skip + whole) lies inside this
        // Vec's own allocation, which nothing else refers to, and
        // MADV_HUGEPAGE changes only the size of the pages that back it.
        let _ = unsafe {
            rustix::mm::madvise(
                start.wrapping_add(skip).cast(),
                whole,
                rustix::mm::Advice::LinuxHugepage,
            )
        };
    }
}

impl Default for Memory {
    fn default() -> Self {
        Memory::new()
    }
}

/// Whether `token` matches `stored`. A stored hash that is not argon2id with
/// exactly the parameters we issue is treated as not matching, before any
/// work is done: a tampered row must not make us allocate gigabytes.
pub fn matches(token: &str, stored: &str) -> bool {
    matches_in(token, stored, &mut Memory::new())
}

/// [`matches`] in working memory of the caller's. What the memory holds
/// afterwards is overwritten by the next verification and zeroed when it is
/// dropped.
pub fn matches_in(token: &str, stored: &str, memory: &mut Memory) -> bool {
    let Ok(phc) = PasswordHash::new(stored) else {
        return false;
    };
    if phc.algorithm.as_str() != "argon2id" || phc.version.is_some_and(|v| v != 0x13) {
        return false;
    }
    let Ok(p) = Params::try_from(&phc) else {
        return false;
    };
    if (p.m_cost(), p.t_cost(), p.p_cost()) != (M_COST_KIB, T_COST, P_COST) {
        return false;
    }
    let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
        return false;
    };
    let mut buffer = Zeroizing::new([0u8; 64]);
    let Some(out) = buffer.get_mut(..expected.len()) else {
        return false;
    };
    if hasher()
        .hash_password_into_with_memory(token.as_bytes(), salt, out, &mut memory.0)
        .is_err()
    {
        return false;
    }
    // Output's equality is constant-time.
    Output::new(out).is_ok_and(|computed| computed == *expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn checksum_is_base62_of_crc32() {
        // 0xCBF43926 is the standard check value of CRC-32/ISO-HDLC for "123456789".
        let n: u64 = 0xCBF4_3926;
        let mut expect = String::new();
        let mut m = n;
        for _ in 0..6 {
            expect.insert(0, BASE62[(m % 62) as usize] as char);
            m /= 62;
        }
        assert_eq!(checksum("123456789"), expect);
        assert_eq!(checksum(""), "000000");
    }

    #[test]
    fn generated_tokens_are_well_formed_with_their_marker() {
        let prefix = generate_prefix().unwrap();
        for kind in [Kind::Api, Kind::Access] {
            let t = generate_with_prefix(kind, &prefix).unwrap();
            assert_eq!(t.len(), TOKEN_LEN);
            assert_eq!(TOKEN_LEN, 50);
            assert!(t.starts_with(kind.marker()));
            assert_eq!(kind_of(&t), Some(kind));
            assert_eq!(prefix_of(&t), prefix);
            assert_eq!(&t[44..], checksum(&t[..44]));
        }
    }

    #[test]
    fn an_unknown_marker_is_not_a_token() {
        let t = generate_with_prefix(Kind::Api, "abcdEFGH").unwrap();
        let body = format!("tkx1{}", &t[4..44]);
        let forged = format!("{body}{}", checksum(&body));
        assert!(!is_well_formed(&forged));
    }

    #[test]
    fn hash_is_argon2id_owasp_and_verifies() {
        let t = generate_with_prefix(Kind::Api, "abcdEFGH").unwrap();
        let h = hash(&t).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(!h.contains(t.as_str()));
        assert!(matches(&t, &h));
        let other = generate_with_prefix(Kind::Api, "abcdEFGH").unwrap();
        assert!(!matches(&other, &h));
    }

    #[test]
    fn reused_working_memory_carries_nothing_from_one_check_to_the_next() {
        let a = generate_with_prefix(Kind::Api, "abcdEFGH").unwrap();
        let b = generate_with_prefix(Kind::Api, "abcdEFGH").unwrap();
        let (ha, hb) = (hash(&a).unwrap(), hash(&b).unwrap());
        let mut memory = Memory::new();
        for _ in 0..2 {
            assert!(matches_in(&a, &ha, &mut memory));
            assert!(!matches_in(&b, &ha, &mut memory));
            assert!(matches_in(&b, &hb, &mut memory));
            assert!(!matches_in(&a, &hb, &mut memory));
        }
        // The same answers as a verification in fresh memory, and as the
        // argon2 crate's own verifier.
        use argon2::password_hash::PasswordVerifier;
        let phc = PasswordHash::new(&ha).unwrap();
        assert!(hasher().verify_password(a.as_bytes(), &phc).is_ok());
        assert!(matches(&a, &ha));
        // A stored hash of another length or version is no match.
        assert!(!matches_in(&a, &ha.replace("v=19", "v=16"), &mut memory));
        let short = &ha[..ha.len() - 4];
        assert!(!matches_in(&a, short, &mut memory));
    }

    #[test]
    fn foreign_parameters_are_refused_without_hashing() {
        let t = generate_with_prefix(Kind::Api, "abcdEFGH").unwrap();
        let h = hash(&t).unwrap();
        // A row edited to ask for 4 GiB of memory, or a weaker cost.
        for edited in [
            h.replace("m=19456", "m=4194304"),
            h.replace("t=2", "t=1"),
            h.replace("argon2id", "argon2i"),
            "not a phc string".to_owned(),
        ] {
            assert!(!matches(&t, &edited), "{edited}");
        }
    }

    #[test]
    fn tokens_are_found_anywhere_in_a_text() {
        let t = generate_with_prefix(Kind::Api, "abcdEFGH").unwrap();
        let a = generate_with_prefix(Kind::Access, "ijklMNOP").unwrap();
        let text = format!("leaked: {} and x{}y", t.as_str(), a.as_str());
        let found: Vec<(usize, &str)> = find_all(text.as_bytes()).collect();
        assert_eq!(found, vec![(8, t.as_str()), (64, a.as_str())]);
        assert!(contains_token(&text));
        assert!(!contains_token(&text.replace(&t[20..21], "!")[..50]));
        assert!(!contains_token("plain é text tk"));
    }

    #[test]
    fn the_pattern_of_the_spec_matches_real_tokens() {
        let re = regex::Regex::new(PATTERN).unwrap();
        for kind in [Kind::Api, Kind::Access] {
            let t = generate_with_prefix(kind, &generate_prefix().unwrap()).unwrap();
            assert!(re.is_match(&format!("key = \"{}\"", t.as_str())));
        }
    }

    proptest! {
        #[test]
        fn any_single_character_change_is_caught(pos in 0usize..TOKEN_LEN, c in "[A-Za-z0-9]") {
            let t = generate_with_prefix(Kind::Api, "Zz09Zz09").unwrap();
            let mut bytes = t.as_bytes().to_vec();
            let c = c.as_bytes()[0];
            prop_assume!(bytes[pos] != c);
            bytes[pos] = c;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(!is_well_formed(&changed));
        }

        #[test]
        fn truncation_and_extension_are_malformed(cut in 0usize..TOKEN_LEN, extra in "[A-Za-z0-9]{1,4}") {
            let t = generate_with_prefix(Kind::Access, "Zz09Zz09").unwrap();
            prop_assert!(!is_well_formed(&t[..cut]));
            let longer = format!("{}{}", t.as_str(), extra);
            prop_assert!(!is_well_formed(&longer));
        }

        #[test]
        fn arbitrary_strings_never_panic(s in ".{0,80}") {
            let _ = is_well_formed(&s);
            let _ = find_all(s.as_bytes()).count();
        }

        #[test]
        fn checksum_is_always_six_base62_digits(s in "[A-Za-z0-9]{44}") {
            let c = checksum(&s);
            prop_assert_eq!(c.len(), 6);
            prop_assert!(c.bytes().all(|b| b.is_ascii_alphanumeric()));
        }
    }
}
