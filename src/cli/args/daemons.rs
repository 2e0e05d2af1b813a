//! The commands that run until stopped: `serve` and `notify`.

use std::path::PathBuf;

use clap::Args;
use ipnet::IpNet;

use crate::cli::values;
use crate::domain::webhook::{Leads, Target};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen: HOST:PORT (port 0 picks a free one) or unix:PATH
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    pub listen: crate::http::Listen,
    /// A proxy whose X-Forwarded-For is believed (repeatable; replaces the default) [default: 127.0.0.0/8, ::1]
    #[arg(long = "trust-proxy", value_name = "CIDR", value_parser = values::block())]
    pub trust_proxy: Vec<IpNet>,
    /// How long a verified token is remembered (0s: never)
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = values::cache_ttl())]
    pub cache_ttl: std::time::Duration,
    /// How many argon2 verifications may run at once [default: the number of cores]
    #[arg(long, value_name = "N", value_parser = values::count())]
    pub max_hashing: Option<usize>,
    /// How many store connections may be open at once
    #[arg(long, value_name = "N", default_value_t = crate::verifier::DEFAULT_CONNECTIONS, value_parser = values::count())]
    pub db_connections: usize,
    /// No access-log line per request on stderr
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// The endpoint: an http:// or https:// URL (credentials in it are never shown; set TOKENCTL_WEBHOOK to keep them out of the process list)
    #[arg(long, env = "TOKENCTL_WEBHOOK", hide_env_values = true, value_name = "URL", value_parser = values::webhook())]
    pub webhook: Target,
    /// The file holding the signing secret, whsec_ and base64
    #[arg(long, value_name = "FILE")]
    pub secret_file: PathBuf,
    /// Lead times for token.expiring, larger first (none: no such events)
    #[arg(long, value_name = "LEADS", default_value = "14d,3d,1d", value_parser = values::leads())]
    pub expiring: Leads,
    /// A CA certificate (PEM) trusted for the endpoint, besides the system's
    #[arg(long, value_name = "FILE")]
    pub webhook_ca: Option<PathBuf>,
    /// Try what is pending once each, in order, then exit (0; 1 at the first refusal)
    #[arg(long)]
    pub once: bool,
}
