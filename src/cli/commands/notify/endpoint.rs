//! The webhook endpoint over HTTP(S): ureq with rustls, TLS verified
//! against the system's roots and `--webhook-ca`. Each attempt is signed
//! afresh (the `webhook-timestamp` is the attempt's), redirects are not
//! followed (a 3xx is no delivery), and no error shows the URL's credentials.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

use crate::domain::text::shown;
use crate::domain::webhook::{Event, Secret, Target};
use crate::error::{Error, Result};
use crate::ops::notify::Endpoint;

/// One attempt's limit, connecting included (within the lease).
const ATTEMPT: Duration = Duration::from_secs(10);

pub(super) struct Webhook {
    agent: ureq::Agent,
    target: Target,
    secret: Secret,
}

/// The system's roots, and the CA of `--webhook-ca`.
fn roots(ca: Option<&Path>) -> Result<RootCerts> {
    let mut certs: Vec<Certificate<'static>> = rustls_native_certs::load_native_certs()
        .certs
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    if let Some(path) = ca {
        let bad = |why: String| {
            Error::usage(format!(
                "--webhook-ca {}: {why}",
                shown(&path.display().to_string())
            ))
            .hint("give a file of PEM certificates (-----BEGIN CERTIFICATE-----)")
        };
        let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
        let before = certs.len();
        for item in ureq::tls::parse_pem(&pem) {
            if let PemItem::Certificate(c) = item.map_err(|e| bad(e.to_string()))? {
                certs.push(c);
            }
        }
        if certs.len() == before {
            return Err(bad("no certificate in it".into()).into());
        }
    }
    Ok(RootCerts::from(certs))
}

impl Webhook {
    pub(super) fn new(target: Target, secret: Secret, ca: Option<&Path>) -> Result<Webhook> {
        let tls = TlsConfig::builder()
            .root_certs(roots(ca)?)
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .build();
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(ATTEMPT))
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(concat!("tokenctl/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls)
            .build()
            .new_agent();
        Ok(Webhook {
            agent,
            target,
            secret,
        })
    }
}

impl Endpoint for Webhook {
    fn send(&mut self, event: &Event) -> std::result::Result<(), String> {
        let timestamp = Utc::now().timestamp();
        let signature = self.secret.sign(&event.id, timestamp, &event.body);
        let answer = self
            .agent
            .post(self.target.url())
            .header("content-type", "application/json")
            .header("webhook-id", &event.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .send(&event.body[..]);
        match answer {
            Ok(mut response) => {
                let status = response.status();
                // Read what little it says, so the connection can be kept.
                let _ = response
                    .body_mut()
                    .with_config()
                    .limit(64 * 1024)
                    .read_to_vec();
                if status.is_success() {
                    Ok(())
                } else {
                    Err(format!(
                        "HTTP {}{}",
                        status.as_u16(),
                        status
                            .canonical_reason()
                            .map(|r| format!(" {r}"))
                            .unwrap_or_default()
                    ))
                }
            }
            Err(e) => Err(shown(&self.target.scrub(&e.to_string()))),
        }
    }
}
