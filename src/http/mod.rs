//! `tokenctl serve` (spec section 9): the verification service that
//! reverse proxies (nginx `auth_request`, Traefik `forwardAuth`, Caddy
//! `forward_auth`, Envoy `ext_authz` in HTTP mode) and services ask "is this
//! request allowed?". HTTP/1.1 by hyper on tokio; every check goes through
//! the long-lived [`Verifier`]: its lookup on the event loop (a local SQLite
//! store) or the blocking pool, its argon2 work in one of the bounded
//! hashing slots ([`gate`]).

/// `eprintln!` in one write: see [`say`].
macro_rules! say {
    ($($t:tt)*) => {
        $crate::http::say(format_args!($($t)*))
    };
}

mod client;
mod gate;
mod handlers;
mod listen;
mod metrics;
pub(crate) mod rate;
mod reads;
mod requirements;
mod respond;
mod routes;

use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use ipnet::IpNet;
use tokio::io::{AsyncRead, AsyncWrite};

pub use client::default_trusted;
pub use listen::Listen;
use listen::{Bound, Peer};

use crate::error::{Error, Result};
use crate::store::{Location, Open, Store};
use crate::verifier::{Options, Verifier};

/// Write one line to stderr (serve's access log and its notes) in one
/// `write`: `eprintln!` writes each piece of its format on its own, over
/// twenty system calls for an access-log line, and panics when stderr is a
/// pipe nobody reads any more. A line that cannot be written is dropped.
pub(crate) fn say(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut text = line.to_string();
    text.push('\n');
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// The largest request head (request line and headers) read.
const MAX_HEAD: usize = 16 * 1024;
/// How long a client may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long in-flight requests get to finish after SIGTERM.
const DRAIN: Duration = Duration::from_secs(10);
/// The most connections open at once (fewer when the process may not
/// open that many files), and from one peer.
const MAX_CONNECTIONS: usize = 4096;
const MAX_PER_PEER: usize = 256;

/// What `serve` was asked.
pub struct Settings {
    pub listen: Listen,
    pub options: Options,
    pub quiet: bool,
    /// The proxies whose `X-Forwarded-For` is believed (`--trust-proxy`).
    pub trust: Vec<IpNet>,
}

pub(crate) struct State {
    verifier: Verifier,
    /// Whether the store is a local SQLite file (see [`handlers`]).
    local: bool,
    quiet: bool,
    metrics: metrics::Metrics,
    hashing: gate::Hashing,
    trust: Vec<IpNet>,
    buckets: rate::Buckets,
    reads: reads::Reads<Option<crate::store::Credential>>,
    /// Whether a thread is trying again to write ends of grace.
    writing_grace_ends: std::sync::atomic::AtomicBool,
}

impl State {
    pub(crate) fn new(verifier: Verifier, local: bool, quiet: bool, trust: Vec<IpNet>) -> State {
        State {
            hashing: gate::Hashing::new(verifier.slots()),
            verifier,
            local,
            quiet,
            metrics: metrics::Metrics::default(),
            trust,
            buckets: rate::Buckets::default(),
            reads: reads::Reads::default(),
            writing_grace_ends: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

pub(crate) fn run(db: &Location, settings: Settings) -> Result<()> {
    // A service manager's first start: the store is created, empty, as a
    // command that writes would.
    if let Err(e) = Store::open(db, Open::Check) {
        if crate::error::kind_of(&e) != crate::error::Kind::NotFound {
            return Err(e);
        }
        Store::create(db)?;
    }
    let verifier = Verifier::at(db.clone(), settings.options)?;
    let state = Arc::new(State::new(
        verifier,
        matches!(db, Location::Sqlite(_)),
        settings.quiet,
        settings.trust.clone(),
    ));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(64)
        .build()
        .map_err(|e| Error::storage(format!("cannot start the server: {e}")))?;
    let outcome = runtime.block_on(serve(&settings.listen, Arc::clone(&state)));
    // The store's connections end outside the runtime: PostgreSQL's sync
    // client runs a runtime of its own, which must not start inside ours.
    drop(runtime);
    drop(state);
    outcome
}

/// As many open files as the system allows (connections are files), and
/// the connection limit that leaves room for the store and the rest.
fn connection_limit() -> usize {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        limit.current = limit.maximum;
        let _ = setrlimit(Resource::Nofile, limit);
    }
    let files = getrlimit(Resource::Nofile)
        .current
        .map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    MAX_CONNECTIONS.min(files.saturating_sub(128)).max(16)
}

async fn serve(listen: &Listen, state: Arc<State>) -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let bound = Bound::bind(listen)?;
    let connections = gate::Connections::new(connection_limit(), MAX_PER_PEER);
    say!("listening on {}", bound.shown());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut term = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut tidy = tokio::time::interval(Duration::from_secs(10));
    loop {
        let accepted = tokio::select! {
            a = accept(&bound) => a,
            _ = tidy.tick() => {
                // Idle store connections close off the event loop.
                let worker = Arc::clone(&state);
                tokio::task::spawn_blocking(move || worker.verifier.close_idle());
                state.buckets.sweep(std::time::Instant::now());
                continue;
            }
            _ = term.recv() => break,
            _ = interrupt.recv() => break,
        };
        let Some((io, peer)) = accepted else {
            // Out of files or a passing error: let others finish first.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        // Over the limits, the connection is closed at once.
        let Some(admitted) = connections.admit(peer) else {
            continue;
        };
        match io {
            Stream::Tcp(s) => spawn_connection(&state, &graceful, s, peer, admitted),
            Stream::Unix(s) => spawn_connection(&state, &graceful, s, peer, admitted),
        }
    }
    drop(bound);
    say!("tokenctl serve: stopping; finishing the requests in flight");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => {
            say!("tokenctl serve: requests still running after {} s; stopping anyway", DRAIN.as_secs());
        }
    }
    Ok(())
}

enum Stream {
    Tcp(tokio::net::TcpStream),
    Unix(tokio::net::UnixStream),
}

async fn accept(bound: &Bound) -> Option<(Stream, Peer)> {
    match bound {
        Bound::Tcp(l) => l
            .accept()
            .await
            .ok()
            .map(|(s, a)| (Stream::Tcp(s), Peer::Ip(a.ip()))),
        Bound::Unix(l, _) => l
            .accept()
            .await
            .ok()
            .map(|(s, _)| (Stream::Unix(s), Peer::Unix)),
    }
}

fn spawn_connection<S>(
    state: &Arc<State>,
    graceful: &hyper_util::server::graceful::GracefulShutdown,
    stream: S,
    peer: Peer,
    admitted: gate::Admitted,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let state = Arc::clone(state);
    let service = service_fn(move |req| {
        let state = Arc::clone(&state);
        async move { Ok::<_, std::convert::Infallible>(routes::handle(state, req, peer).await) }
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_buf_size(MAX_HEAD)
        .serve_connection(TokioIo::new(stream), service);
    let watched = graceful.watch(conn);
    tokio::spawn(async move {
        let _ = watched.await;
        drop(admitted);
    });
}
