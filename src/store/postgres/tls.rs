//! The connection settings of a PostgreSQL URL, and TLS through rustls as
//! libpq reads `sslmode`: `disable` (no TLS), `allow` and `prefer` (TLS
//! when the server offers it, the certificate not checked), `require`
//! (TLS, not checked), `verify-ca` (the chain checked against
//! `sslrootcert`), `verify-full` (the chain and the host name). As libpq
//! does, settings missing from the URL come from `PGHOST`, `PGPORT`,
//! `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE` and `PGSSLROOTCERT`.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use postgres::config::SslMode;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::{Error, Result};
use crate::store::location::PgUrl;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// What the URL asks of TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// The driver's settings and the TLS connector for `url`.
pub(super) fn config(url: &PgUrl) -> Result<(postgres::Config, MakeRustlsConnect)> {
    let raw = url.secret_url();
    let (base, query) = raw.split_once('?').unwrap_or((raw, ""));
    let mut sslmode = std::env::var("PGSSLMODE").ok();
    let mut rootcert = std::env::var_os("PGSSLROOTCERT").map(PathBuf::from);
    let mut kept = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "sslmode" => sslmode = Some(v.into_owned()),
            "sslrootcert" => rootcert = Some(PathBuf::from(v.as_ref())),
            _ => {
                kept.append_pair(&k, &v);
            }
        }
    }
    let kept = kept.finish();
    let rebuilt = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{kept}")
    };
    let bad_url = |why: String| {
        Error::usage(format!(
            "cannot read the PostgreSQL URL {}: {why}",
            url.shown()
        ))
        .hint("postgres://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?sslmode=…]")
    };
    let mut config = postgres::Config::from_str(&rebuilt).map_err(|e| bad_url(e.to_string()))?;
    fill_from_environment(&mut config);
    let mode = match sslmode.as_deref().unwrap_or("prefer") {
        "disable" => Mode::Disable,
        "allow" | "prefer" => Mode::Prefer,
        "require" => Mode::Require,
        "verify-ca" => Mode::VerifyCa,
        "verify-full" => Mode::VerifyFull,
        other => {
            return Err(bad_url(format!(
                "sslmode {} is not one of disable, allow, prefer, require, verify-ca, verify-full",
                crate::domain::text::quoted(other)
            ))
            .into());
        }
    };
    config.ssl_mode(match mode {
        Mode::Disable => SslMode::Disable,
        Mode::Prefer => SslMode::Prefer,
        _ => SslMode::Require,
    });
    let verifier: Arc<dyn ServerCertVerifier> = match mode {
        Mode::Disable | Mode::Prefer | Mode::Require => Arc::new(Unchecked(algorithms())),
        Mode::VerifyCa | Mode::VerifyFull => {
            let roots = roots(rootcert)?;
            let full = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .map_err(|e| Error::storage(format!("cannot set up TLS: {e}")))?;
            if mode == Mode::VerifyFull {
                full
            } else {
                Arc::new(ChainOnly(full))
            }
        }
    };
    let tls = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::storage(format!("cannot set up TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok((config, MakeRustlsConnect::new(tls)))
}

/// libpq's environment defaults for what the URL leaves out.
fn fill_from_environment(config: &mut postgres::Config) {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if config.get_hosts().is_empty() {
        match env("PGHOST") {
            Some(h) => {
                config.host(&h);
            }
            None => {
                config.host("localhost");
            }
        }
    }
    if config.get_ports().is_empty()
        && let Some(p) = env("PGPORT").and_then(|p| p.parse().ok())
    {
        config.port(p);
    }
    if config.get_user().is_none() {
        let user = env("PGUSER").or_else(|| whoami::username().ok());
        if let Some(u) = user {
            config.user(&u);
        }
    }
    if config.get_password().is_none()
        && let Some(p) = env("PGPASSWORD")
    {
        config.password(p);
    }
    if config.get_dbname().is_none()
        && let Some(d) = env("PGDATABASE")
    {
        config.dbname(&d);
    }
}

/// The trust anchors for `verify-ca`/`verify-full`: `sslrootcert`, else
/// `~/.postgresql/root.crt`, as libpq looks for them.
fn roots(rootcert: Option<PathBuf>) -> Result<RootCertStore> {
    let path = rootcert
        .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().join(".postgresql/root.crt")))
        .ok_or_else(|| Error::usage("verify-ca and verify-full need a root certificate"))?;
    let mut roots = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(&path).map_err(|e| {
        Error::storage(format!(
            "cannot read the root certificate {}: {e}",
            path.display()
        ))
        .hint("give sslrootcert=PATH in the URL (PEM), or put the CA in ~/.postgresql/root.crt")
    })?;
    for cert in certs {
        let cert = cert.map_err(|e| {
            Error::storage(format!(
                "cannot read the root certificate {}: {e}",
                path.display()
            ))
        })?;
        roots.add(cert).map_err(|e| {
            Error::storage(format!(
                "a root certificate in {} is not usable: {e}",
                path.display()
            ))
        })?;
    }
    Ok(roots)
}

fn algorithms() -> WebPkiSupportedAlgorithms {
    provider().signature_verification_algorithms
}

/// `prefer` and `require`: encrypted, the certificate not checked (libpq's
/// meaning of those modes). The handshake's signatures are still checked.
#[derive(Debug)]
struct Unchecked(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted root; the host name is
/// not compared.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
