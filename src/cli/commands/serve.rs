//! `tokenctl serve`: the HTTP front ([`crate::http`]) with the settings
//! clap typed.

use crate::cli::{Ctx, ServeArgs};
use crate::error::Result;

pub(crate) fn run(ctx: &Ctx, args: ServeArgs) -> Result<()> {
    let max_hashing = args
        .max_hashing
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));
    crate::http::run(
        &ctx.db,
        crate::http::Settings {
            listen: args.listen,
            options: crate::verifier::Options {
                cache_ttl: args.cache_ttl,
                max_hashing,
                db_connections: args.db_connections,
            },
            quiet: args.quiet,
            trust: if args.trust_proxy.is_empty() {
                crate::http::default_trusted()
            } else {
                args.trust_proxy
            },
        },
    )
}
