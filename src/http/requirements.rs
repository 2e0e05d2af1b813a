//! What a check requires (spec section 9): from the auth URL's query, the
//! `X-Tokenctl-Access` / `X-Tokenctl-Pool` headers, and the client's
//! original method. Requirements only add up: whatever a client slips
//! through a proxy can make a check stricter, never looser. A requirement
//! that is not understood fails closed (400).

use hyper::HeaderMap;

use crate::verify::Requirements;

/// An `access` requirement as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
    Auto,
}

impl Access {
    fn parse(where_: &str, v: &str) -> Result<Access, String> {
        match v {
            "read" => Ok(Access::Read),
            "write" => Ok(Access::Write),
            "auto" => Ok(Access::Auto),
            _ => Err(format!(
                "{where_} access={} is not understood: it is exactly read, write or auto",
                crate::domain::text::quoted(v)
            )),
        }
    }
}

/// One value for a key named once or more: the same value twice is one
/// requirement, two different values are refused.
fn one<T: PartialEq>(slot: &mut Option<T>, value: T, what: &str) -> Result<(), String> {
    match slot {
        Some(v) if *v != value => Err(format!("{what} is given twice with different values")),
        _ => {
            *slot = Some(value);
            Ok(())
        }
    }
}

/// The methods that only read.
fn reads_only(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// The requirements of a request, or why it is refused (400).
pub(crate) fn requirements(
    query: Option<&str>,
    headers: &HeaderMap,
) -> Result<Requirements, String> {
    let mut query_access = None;
    let mut query_pool = None;
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "access" => one(
                &mut query_access,
                Access::parse("the query's", &v)?,
                "access",
            )?,
            "pool" if v.is_empty() => return Err("pool= names no pool".into()),
            "pool" => one(&mut query_pool, v.into_owned(), "pool")?,
            _ => {}
        }
    }
    let mut header_access = None;
    for v in values(headers, "x-tokenctl-access")? {
        one(
            &mut header_access,
            Access::parse("X-Tokenctl-Access:", v)?,
            "X-Tokenctl-Access",
        )?;
    }
    let mut header_pool = None;
    for v in values(headers, "x-tokenctl-pool")? {
        if v.is_empty() {
            return Err("X-Tokenctl-Pool names no pool".into());
        }
        one(&mut header_pool, v.to_owned(), "X-Tokenctl-Pool")?;
    }
    let mut methods = Vec::new();
    for v in values(headers, "x-forwarded-method")?
        .into_iter()
        .chain(values(headers, "x-original-method")?)
    {
        methods.extend(v.split(',').map(str::trim));
    }

    // `write` from either place means write.
    let mut needs = Requirements {
        write: query_access == Some(Access::Write) || header_access == Some(Access::Write),
        ..Requirements::default()
    };
    // The method counts when asked for (`auto`, in either place), or when
    // the proxy said the method and the auth URL asked nothing about access
    // (`read` in a header turns nothing off).
    let explicit = query_access == Some(Access::Auto) || header_access == Some(Access::Auto);
    let implicit = query_access.is_none() && !methods.is_empty();
    if explicit || implicit {
        // Without a method header, `auto` cannot know the method: write.
        needs.write |= methods.is_empty() || methods.iter().any(|m| !reads_only(m));
    }
    for pool in query_pool.into_iter().chain(header_pool) {
        needs.add_pool(pool);
    }
    Ok(needs)
}

/// Every value of a header (several headers of one name count as one
/// list), or a refusal for a value that is not visible ASCII.
fn values<'a>(headers: &'a HeaderMap, name: &str) -> Result<Vec<&'a str>, String> {
    let mut out = Vec::new();
    for v in headers.get_all(name) {
        let v = v
            .to_str()
            .map_err(|_| format!("{name} is not visible ASCII"))?;
        out.push(v.trim());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::{HeaderName, HeaderValue};

    fn needs(query: &str, headers: &[(&str, &str)]) -> Result<Requirements, String> {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        requirements(Some(query), &map)
    }

    fn write(query: &str, headers: &[(&str, &str)]) -> bool {
        needs(query, headers).unwrap().write
    }

    #[test]
    fn requirements_only_add_up() {
        // A client's header cannot relax the proxy's pool.
        let n = needs("pool=plant-a", &[("X-Tokenctl-Pool", "plant-b")]).unwrap();
        assert_eq!(n.pool.as_deref(), Some("plant-a"));
        assert_eq!(n.also_pool.as_deref(), Some("plant-b"));
        let same = needs("pool=plant-a", &[("X-Tokenctl-Pool", "plant-a")]).unwrap();
        assert_eq!(same.also_pool, None);
        // Nor its access.
        assert!(write("access=write", &[("X-Tokenctl-Access", "read")]));
        assert!(write("access=read", &[("X-Tokenctl-Access", "write")]));
        assert!(!write("access=read", &[]));
    }

    #[test]
    fn what_is_not_understood_fails_closed() {
        for (q, h) in [
            ("access=WRITE", vec![]),
            ("access=read-write", vec![]),
            ("access=rw", vec![]),
            ("access=read&access=write", vec![]),
            ("pool=", vec![]),
            ("pool=a&pool=b", vec![]),
            ("", vec![("X-Tokenctl-Access", "Write")]),
            (
                "",
                vec![
                    ("X-Tokenctl-Access", "read"),
                    ("X-Tokenctl-Access", "write"),
                ],
            ),
            ("", vec![("X-Tokenctl-Pool", "")]),
        ] {
            assert!(needs(q, &h).is_err(), "{q} {h:?}");
        }
        assert!(needs("access=read&access=read&pool=a&pool=a", &[]).is_ok());
    }

    #[test]
    fn access_follows_the_method_when_the_proxy_tells_it() {
        fn m(method: &str) -> Vec<(&str, &str)> {
            vec![("X-Original-Method", method)]
        }
        assert!(!write("access=auto", &m("GET")));
        assert!(!write("access=auto", &m("HEAD")));
        assert!(!write("access=auto", &[("X-Forwarded-Method", "OPTIONS")]));
        assert!(write("access=auto", &m("POST")));
        assert!(write("access=auto", &m("DELETE")));
        // Without a method header, auto needs write.
        assert!(write("access=auto", &[]));
        // Both headers: either naming a writing method means write.
        assert!(write(
            "access=auto",
            &[("X-Original-Method", "GET"), ("X-Forwarded-Method", "PUT")]
        ));
        // No access requirement: the method applies when it is told.
        assert!(write("", &m("POST")));
        assert!(!write("", &m("GET")));
        assert!(!write("", &[]));
        // A header `read` turns nothing off.
        assert!(write(
            "",
            &[("X-Tokenctl-Access", "read"), ("X-Original-Method", "PUT")]
        ));
        // The proxy's own `access=read` turns the method off.
        assert!(!write("access=read", &m("POST")));
        // A client's `auto` adds the method even then.
        assert!(write(
            "access=read",
            &[("X-Tokenctl-Access", "auto"), ("X-Original-Method", "POST")]
        ));
    }
}
