//! The whole command surface (clap derive), and nothing else.

// The doc comments here are the help text people read: prose, not code.
#![allow(clippy::doc_markdown)]

use std::net::IpAddr;
use std::path::PathBuf;

use chrono::Duration;
use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::ArgValueCandidates;
use ipnet::IpNet;

use super::{complete, values};
use crate::cli::output::Format;
use crate::domain::binding::Rate;
use crate::domain::when::{Given, When};

/// The heading of the options every command takes (as gh's "inherited flags").
const GLOBAL: &str = "Global options";

mod daemons;
pub use daemons::*;

#[derive(Debug, Parser)]
#[command(
    name = "tokenctl",
    version,
    about = "Manage an account's API tokens: create, list, modify, renew, disable, delete, and read the account log.",
    after_help = "Examples:\n  tokenctl new --name ci --pool plant-a --read-only --expires 30d\n  T=$(tokenctl new --name ci)           # the token alone on stdout when piped\n  tokenctl list --format json"
)]
pub struct Cli {
    /// The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]
    // hide_env_values: help never prints the setting (a URL may hold a password).
    #[arg(long, global = true, env = "TOKENCTL_DB", hide_env_values = true, value_name = "PATH|URL", help_heading = GLOBAL)]
    pub db: Option<PathBuf>,

    /// Who does it, as recorded in the account log [default: your login name]
    #[arg(
        id = "as",
        long = "as",
        global = true,
        env = "TOKENCTL_ACTOR",
        hide_env_values = true,
        value_name = "NAME",
        help_heading = GLOBAL
    )]
    pub as_actor: Option<String>,

    /// Output format
    #[arg(long, global = true, env = "TOKENCTL_FORMAT", hide_env_values = true, value_enum, default_value_t = Format::Table, help_heading = GLOBAL)]
    pub format: Format,

    /// Tables on a terminal keep every column (piped tables always do)
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub wide: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// A token's status, as `list --status` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    Active,
    Disabled,
    Expired,
}

impl From<StatusArg> for crate::domain::model::Status {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::Active => crate::domain::model::Status::Active,
            StatusArg::Disabled => crate::domain::model::Status::Disabled,
            StatusArg::Expired => crate::domain::model::Status::Expired,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a token and show it once
    #[command(
        after_help = "Examples:\n  tokenctl new --name ci-bot --pool plant-a --read-only --expires 30d\n  T=$(tokenctl new --name ci)\n  tokenctl new --name deploy --format json | jq -r .token"
    )]
    New(NewArgs),
    /// List the tokens, ordered by name
    #[command(
        after_help = "Examples:\n  tokenctl list\n  tokenctl list --pool plant-a --status active\n  tokenctl list --format csv > tokens.csv"
    )]
    List(ListArgs),
    /// Show one token's fields
    #[command(
        after_help = "Examples:\n  tokenctl show ci-bot\n  tokenctl show Ab3dE9xQ --format json"
    )]
    Show(TokenRef),
    /// Change a token's fields; the secret stays
    #[command(
        after_help = "Examples:\n  tokenctl modify ci-bot --read-write --reason \"needs to reset data\"\n  tokenctl modify ci-bot --name ci-bot-old --no-pool --expires 7d"
    )]
    Modify(ModifyArgs),
    /// Delete a token after confirmation
    #[command(
        after_help = "Examples:\n  tokenctl delete ci-bot\n  tokenctl delete ci-bot --yes --reason \"left the company\""
    )]
    Delete(DeleteArgs),
    /// Give a token a new secret and prefix, shown once; the old one stops working
    #[command(
        after_help = "Examples:\n  tokenctl renew ci-bot\n  T=$(tokenctl renew ci-bot --yes)\n  tokenctl renew ci-bot --grace 24h   # the old token works until the new one is used, 24 h at most"
    )]
    Renew(RenewArgs),
    /// Stop a token without losing it
    #[command(after_help = "Examples:\n  tokenctl disable ci-bot --reason \"suspected leak\"")]
    Disable(StateArgs),
    /// Restart a disabled token
    #[command(after_help = "Examples:\n  tokenctl enable ci-bot")]
    Enable(StateArgs),
    /// The device pools a token may be tied to
    #[command(
        subcommand,
        after_help = "Examples:\n  tokenctl pool add plant-a\n  tokenctl pool list\n  tokenctl pool remove plant-a"
    )]
    Pool(PoolCommand),
    /// The account log, newest first
    #[command(
        after_help = "Examples:\n  tokenctl log --since 7d --format csv > audit.csv\n  tokenctl log --token ci-bot --op modify\n  tokenctl log head   # note the output somewhere safe\n  tokenctl log verify --head 42:9f86d0…"
    )]
    Log(LogArgs),
    /// The account's policy: rules for every token (max lifetime, defaults, what is required)
    #[command(
        after_help = "Without a subcommand: every key with the value in force (null: unset).\n\nExamples:\n  tokenctl policy\n  tokenctl policy set max-lifetime 90d --reason \"compliance\"\n  tokenctl policy set require-owner true\n  tokenctl policy unset default-expiry"
    )]
    Policy(PolicyArgs),
    /// Read a token from stdin and say whether it is good for a use
    #[command(
        after_help = "Reads the first line of stdin: TOKEN, Bearer TOKEN, ApiKey-v1 TOKEN,\nAuthorization: Bearer|ApiKey-v1 TOKEN, t2mtoken=TOKEN, or a form body.\nExit 0 good, 1 rejected (malformed, unknown, expired, disabled, not_before, address, access, pool).\n\nExamples:\n  printf '%s\\n' \"$T\" | tokenctl verify --access write --pool plant-a\n  printf 'Authorization: Bearer %s\\n' \"$T\" | tokenctl verify --format json"
    )]
    Verify(VerifyArgs),
    /// Read an API token from stdin and print a short-lived access token
    #[command(
        after_help = "Examples:\n  A=$(printf '%s\\n' \"$T\" | tokenctl exchange --ttl 30m)\n  printf '%s\\n' \"$A\" | tokenctl verify"
    )]
    Exchange(ExchangeArgs),
    /// Answer HTTP checks for reverse proxies and services (forward auth)
    #[command(
        after_help = "Requests:\n  any /auth, /auth/…  Authorization: Bearer|ApiKey-v1 TOKEN;\n                      ?access=read|write|auto&pool=P\n  POST /v1/verify     the same, or a form body t2mtoken=TOKEN\n  POST /v1/exchange   an API token for an access token (?ttl=30m)\n  POST /v1/rotate     the token renews itself (policy self-rotation on)\n  GET /healthz, /metrics\nGood: 200 with X-Tokenctl-Name/-Prefix/-Pool/-Access/-Owner;\nrefused: 401, 403 or 429.\n\nExamples:\n  tokenctl serve\n  tokenctl serve --listen 127.0.0.1:9000 --cache-ttl 30s --max-hashing 4\n  tokenctl serve --listen unix:/run/tokenctl/serve.sock\n  curl -H \"Authorization: Bearer $T\" 'http://127.0.0.1:8787/auth?access=write'"
    )]
    Serve(ServeArgs),
    /// Deliver the account's events to a webhook, signed (Standard Webhooks)
    #[command(
        after_help = "Each log entry, in order (token.created, token.renewed, pool.added and the like);\ntoken.expiring at each lead time, and token.expired. Delivered at least once: an event counts on a\n2xx answer and is retried (1s doubling, 5min at most) with nothing after it sent\nmeanwhile. Several notify on one store deliver once between them (a lease).\nThe secret file holds whsec_BASE64; it is never read from the command line.\n\nExamples:\n  tokenctl notify --webhook https://hooks.example/tokenctl --secret-file /etc/tokenctl/whsec\n  tokenctl notify --webhook http://127.0.0.1:9000/in --secret-file ./whsec --once\n  tokenctl notify --webhook https://hooks.example/t --secret-file ./whsec --expiring 30d,7d,1d"
    )]
    Notify(NotifyArgs),
    /// Copy the whole store into an empty SQLite file or PostgreSQL database
    #[command(
        subcommand,
        after_help = "Examples:\n  tokenctl db copy --to /backup/tokenctl-$(date +%F).db\n  tokenctl db copy --to postgres://tokenctl@db.example/tokens?sslmode=verify-full\n  tokenctl --db postgres://tokenctl@db.example/tokens db copy --to ./restore.db"
    )]
    Db(DbCommand),
    /// Say what a pasted token is, without checking its secret
    #[command(
        after_help = "Reads the first line of stdin (the forms verify takes). No argon2 work, nothing changes.\nExit 0 the store knows it, 1 malformed, 3 well-formed but unknown.\n\nExamples:\n  printf '%s\\n' \"$PASTED\" | tokenctl inspect\n  pbpaste | tokenctl inspect --format json"
    )]
    Inspect(InspectArgs),
    /// Find tokens in files or stdin (a pre-commit hook, a CI step)
    #[command(
        after_help = "Prints FILE:LINE:COLUMN, kind, prefix (and the token's name and status when the\nstore knows it); never a token. A directory is walked honouring .gitignore.\nExit 0 nothing live found, 1 a live token found.\n\nExamples:\n  tokenctl scan .\n  tokenctl scan --staged   # what git commit would add: the pre-commit hook\n  tokenctl scan /var/log/app --disable --reason \"leaked into logs\""
    )]
    Scan(ScanArgs),
    /// One health check for cron and monitoring
    #[command(
        after_help = "Reports active tokens expiring within WITHIN (default 14d), tokens out of the\naccount's policy, and whether the log chain is intact. Exit 0 all well, 1\nsomething was reported.\n\nExamples:\n  tokenctl check\n  tokenctl check --expiring 30d --head \"$(cat ~/audit/head)\" --format json"
    )]
    Check(CheckArgs),
    /// Delete stale tokens: unused, or expired, for a while
    #[command(
        after_help = "Examples:\n  tokenctl prune --unused-for 1y --dry-run\n  tokenctl prune --expired-for 30d --yes --reason \"quarterly cleanup\""
    )]
    Prune(PruneArgs),
    /// Print the shell completion script
    #[command(
        after_help = "Examples:\n  tokenctl completions bash > ~/.local/share/bash-completion/completions/tokenctl\n  tokenctl completions zsh > ~/.zfunc/_tokenctl"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct ClipboardFlags {
    /// Copy the token to the clipboard even when stdout is not a terminal
    #[arg(long, conflicts_with = "no_clipboard")]
    pub clipboard: bool,
    /// Never copy the token to the clipboard
    #[arg(long)]
    pub no_clipboard: bool,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The token's name (asked for on a terminal when missing)
    #[arg(long)]
    pub name: Option<String>,
    /// A registered device pool
    #[arg(long, add = ArgValueCandidates::new(complete::pool_names))]
    pub pool: Option<String>,
    /// May not delete or reset data
    #[arg(long, conflicts_with = "read_write")]
    pub read_only: bool,
    /// May also delete and reset data [default: the policy's default-access, else read-write]
    #[arg(long)]
    pub read_write: bool,
    /// never, a duration (30d, 12h, 2w), a date YYYY-MM-DD or an RFC 3339 time [default: the policy's]
    #[arg(long, value_name = "WHEN", value_parser = values::when())]
    pub expires: Option<Given<When>>,
    /// The person the token acts for
    #[arg(long, value_name = "WHO")]
    pub owner: Option<String>,
    /// Only from this address or CIDR block (repeatable; IPv4 or IPv6)
    #[arg(long = "allow-from", value_name = "CIDR", value_parser = values::block())]
    pub allow_from: Vec<IpNet>,
    /// Not good before WHEN (a duration counts forward; a past time is accepted)
    #[arg(long, value_name = "WHEN", value_parser = values::when())]
    pub not_before: Option<Given<When>>,
    /// At most N good checks per DURATION in serve (600/1m, 10/1s, 20000/1d)
    #[arg(long, value_name = "N/DURATION", value_parser = values::rate())]
    pub rate: Option<Rate>,
    #[command(flatten)]
    pub clip: ClipboardFlags,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only tokens of this pool
    #[arg(long, add = ArgValueCandidates::new(complete::pool_names))]
    pub pool: Option<String>,
    /// Only tokens with this status
    #[arg(long, value_enum)]
    pub status: Option<StatusArg>,
    /// Only active tokens that expire within WITHIN from now (30d, 2w)
    #[arg(long, value_name = "WITHIN", value_parser = values::span())]
    pub expiring: Option<Given<Duration>>,
    /// Only tokens not used for DURATION (never used ones count from their creation)
    #[arg(long, value_name = "DURATION", value_parser = values::span())]
    pub unused_for: Option<Given<Duration>>,
    /// Only tokens that break the account's policy (they keep working)
    #[arg(long)]
    pub out_of_policy: bool,
}

#[derive(Debug, Args)]
pub struct TokenRef {
    /// The token's name or prefix
    #[arg(value_name = "TOKEN", add = ArgValueCandidates::new(complete::token_names))]
    pub token: String,
}

#[derive(Debug, Args)]
pub struct ReasonArg {
    /// Why, kept in the account log
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct ModifyArgs {
    #[command(flatten)]
    pub token: TokenRef,
    /// A new name
    #[arg(long = "name", value_name = "NEW")]
    pub new_name: Option<String>,
    /// Tie the token to this registered pool
    #[arg(long, conflicts_with = "no_pool", add = ArgValueCandidates::new(complete::pool_names))]
    pub pool: Option<String>,
    /// Untie the token from its pool
    #[arg(long)]
    pub no_pool: bool,
    /// May not delete or reset data
    #[arg(long, conflicts_with = "read_write")]
    pub read_only: bool,
    /// May also delete and reset data
    #[arg(long)]
    pub read_write: bool,
    /// never, a duration (30d, 12h, 2w), a date YYYY-MM-DD or an RFC 3339 time
    #[arg(long, value_name = "WHEN", value_parser = values::when())]
    pub expires: Option<Given<When>>,
    /// The person the token acts for
    #[arg(long, value_name = "WHO", conflicts_with = "no_owner")]
    pub owner: Option<String>,
    /// Clear the owner
    #[arg(long)]
    pub no_owner: bool,
    /// Only from these addresses or CIDR blocks: given once or more, replaces the whole list
    #[arg(long = "allow-from", value_name = "CIDR", value_parser = values::block(), conflicts_with = "allow_from_anywhere")]
    pub allow_from: Vec<IpNet>,
    /// Remove the address binding
    #[arg(long)]
    pub allow_from_anywhere: bool,
    /// Not good before WHEN (a duration counts forward; a past time is accepted)
    #[arg(long, value_name = "WHEN", value_parser = values::when(), conflicts_with = "no_not_before")]
    pub not_before: Option<Given<When>>,
    /// Good at once
    #[arg(long)]
    pub no_not_before: bool,
    /// At most N good checks per DURATION in serve (600/1m, 10/1s, 20000/1d)
    #[arg(long, value_name = "N/DURATION", value_parser = values::rate(), conflicts_with = "no_rate")]
    pub rate: Option<Rate>,
    /// No rate limit
    #[arg(long)]
    pub no_rate: bool,
    #[command(flatten)]
    pub reason: ReasonArg,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub token: TokenRef,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    #[command(flatten)]
    pub reason: ReasonArg,
}

#[derive(Debug, Args)]
pub struct RenewArgs {
    #[command(flatten)]
    pub token: TokenRef,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Keep the old token working until DURATION has passed or the new one is first used
    #[arg(long, value_name = "DURATION", value_parser = values::span())]
    pub grace: Option<Given<Duration>>,
    #[command(flatten)]
    pub clip: ClipboardFlags,
    #[command(flatten)]
    pub reason: ReasonArg,
}

/// Catches a token typed on the command line, to refuse it without echoing it.
#[derive(Debug, Args)]
pub struct NoTokenArgument {
    #[arg(hide = true, num_args = 0.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub stray: Vec<String>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The use to check for: read, or write (fails for a read-only token)
    #[arg(long, value_enum, default_value_t = Use::Read)]
    pub access: Use,
    /// Fails for a token of another device pool
    #[arg(long, add = ArgValueCandidates::new(complete::pool_names))]
    pub pool: Option<String>,
    /// The client's address, for a token bound to addresses
    #[arg(long, value_name = "ADDR", value_parser = values::address())]
    pub from: Option<IpAddr>,
    #[command(flatten)]
    pub stray: NoTokenArgument,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Use {
    Read,
    Write,
}

#[derive(Debug, Args)]
pub struct ExchangeArgs {
    /// How long the access token lives, never past its parent's expiry [default: 2h, or the policy's max-access-ttl when shorter]
    #[arg(long, value_name = "DURATION", value_parser = values::ttl())]
    pub ttl: Option<Given<Duration>>,
    /// The client's address, for a token bound to addresses
    #[arg(long, value_name = "ADDR", value_parser = values::address())]
    pub from: Option<IpAddr>,
    #[command(flatten)]
    pub clip: ClipboardFlags,
    #[command(flatten)]
    pub stray: NoTokenArgument,
}

#[derive(Debug, Args)]
pub struct StateArgs {
    #[command(flatten)]
    pub token: TokenRef,
    #[command(flatten)]
    pub reason: ReasonArg,
}

#[derive(Debug, Subcommand)]
pub enum PoolCommand {
    /// Register a device pool
    #[command(after_help = "Examples:\n  tokenctl pool add plant-a")]
    Add {
        /// The new pool's name
        name: String,
    },
    /// List the pools with how many tokens each holds
    #[command(after_help = "Examples:\n  tokenctl pool list --format json")]
    List,
    /// Remove a pool no token uses
    #[command(after_help = "Examples:\n  tokenctl pool remove plant-a")]
    Remove {
        /// The pool to remove
        #[arg(add = ArgValueCandidates::new(complete::pool_names))]
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub stray: NoTokenArgument,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan (`-`: stdin; none: stdin when piped, else the current directory)
    #[arg(value_name = "PATH", conflicts_with = "staged")]
    pub paths: Vec<PathBuf>,
    /// What `git commit` would add: the index's added lines, at their real FILE:LINE:COLUMN (the pre-commit hook)
    #[arg(long)]
    pub staged: bool,
    /// Disable every active API token found (one log entry each)
    #[arg(long)]
    pub disable: bool,
    #[command(flatten)]
    pub reason: ReasonArg,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Report active tokens that expire within WITHIN
    #[arg(long, value_name = "WITHIN", default_value = "14d", value_parser = values::span())]
    pub expiring: Given<Duration>,
    /// An ID:HASH noted earlier with `tokenctl log head`: the chain must still pass through it
    #[arg(long, value_name = "ID:HASH", value_parser = values::head())]
    pub head: Option<(i64, String)>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("rule").required(true).args(["unused_for", "expired_for"])))]
pub struct PruneArgs {
    /// Tokens not used for DURATION (never used ones count from their creation)
    #[arg(long, value_name = "DURATION", value_parser = values::span())]
    pub unused_for: Option<Given<Duration>>,
    /// Tokens expired for at least DURATION
    #[arg(long, value_name = "DURATION", value_parser = values::span())]
    pub expired_for: Option<Given<Duration>>,
    /// List what would be deleted; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
    #[command(flatten)]
    pub reason: ReasonArg,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Copy everything into an empty target, then check the target's log
    /// chain
    ///
    /// Everything: tokens, pools, access tokens, the policy, retired
    /// secrets, what notify delivered, and the log with its hashes.
    #[command(
        after_help = "The target must be empty (a new file, or a database without tokenctl's tables).\nIt prints the target's `log head`, which equals the source's.\n\nExamples:\n  tokenctl db copy --to /backup/tokenctl.db\n  TOKENCTL_DB=postgres://tokenctl@db.example/tokens tokenctl db copy --to ./local.db"
    )]
    Copy {
        /// The target: a SQLite file path or a postgres:// URL
        #[arg(long, value_name = "PATH|URL")]
        to: PathBuf,
    },
    /// Which store this is: where (password hidden), the engine, the schema
    /// version, how many tokens, pools and log entries, and the log head
    #[command(
        after_help = "Examples:\n  tokenctl db status\n  TOKENCTL_DB=postgres://tokenctl@db.example/tokens tokenctl db status --format json"
    )]
    Status,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct LogArgs {
    #[command(subcommand)]
    pub action: Option<LogCommand>,
    /// Entries at or after WHEN (a duration counts back: 7d is the last seven days)
    #[arg(long, value_name = "WHEN", value_parser = values::when())]
    pub since: Option<Given<When>>,
    /// Entries at or before WHEN
    #[arg(long, value_name = "WHEN", value_parser = values::when())]
    pub until: Option<Given<When>>,
    /// Entries of the token with this name or prefix, now or in the past
    #[arg(long, value_name = "TOKEN", add = ArgValueCandidates::new(complete::token_names))]
    pub token: Option<String>,
    /// Entries by this actor
    #[arg(long, value_name = "NAME")]
    pub actor: Option<String>,
    /// Entries of this operation
    #[arg(long, value_name = "OP", value_parser = op_parser())]
    pub op: Option<String>,
    /// Only the N newest entries (with --follow: the N shown first, default 10)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub limit: Option<i64>,
    /// Then every new matching entry as it is written, until Ctrl-C (JSON: one object a line)
    #[arg(long, short = 'f')]
    pub follow: bool,
}

/// `--op` takes the log's operations: checked, listed in help and completed.
fn op_parser() -> impl clap::builder::TypedValueParser<Value = String> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(
        crate::domain::model::Op::ALL.map(crate::domain::model::Op::as_str),
    )
    .map(String::from)
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub action: Option<PolicyCommand>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Set a key (one log entry; says how many tokens break the new value)
    #[command(
        after_help = "Keys: max-lifetime DURATION, default-expiry DURATION|never, default-access\nread-only|read-write, require-pool|require-owner|require-allow-from|require-reason\ntrue|false, max-access-ttl DURATION (at most 24h), self-rotation on|off,\nrotation-grace DURATION.\n\nExamples:\n  tokenctl policy set max-lifetime 90d --reason \"compliance\"\n  tokenctl policy set default-access read-only"
    )]
    Set {
        #[arg(value_name = "KEY", value_parser = policy_key_parser())]
        key: crate::domain::policy::Key,
        /// A duration (90d), never, read-only|read-write, true|false or on|off, as the key takes
        #[arg(value_name = "VALUE", allow_hyphen_values = true)]
        value: String,
        #[command(flatten)]
        reason: ReasonArg,
    },
    /// Unset a key (its default, if it has one, is in force again)
    #[command(
        after_help = "Examples:\n  tokenctl policy unset max-lifetime --reason \"rule withdrawn\""
    )]
    Unset {
        #[arg(value_name = "KEY", value_parser = policy_key_parser())]
        key: crate::domain::policy::Key,
        #[command(flatten)]
        reason: ReasonArg,
    },
}

/// The policy's keys: checked, listed in help and completed.
fn policy_key_parser() -> impl clap::builder::TypedValueParser<Value = crate::domain::policy::Key> {
    use crate::domain::policy::Key;
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Key::ALL.map(Key::as_str))
        .map(|name| Key::parse(&name).expect("a listed key"))
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Check the log's hash chain (exit 0 intact, 1 tampered)
    #[command(
        after_help = "Examples:\n  tokenctl log verify\n  tokenctl log verify --head 42:9f86d081884c7d65…"
    )]
    Verify {
        /// An ID:HASH noted earlier with `tokenctl log head`: the chain must still pass through it
        #[arg(long, value_name = "ID:HASH", value_parser = values::head())]
        head: Option<(i64, String)>,
    },
    /// Print the newest entry's ID:HASH, to note down outside the database
    #[command(after_help = "Examples:\n  tokenctl log head >> ~/audit/heads.txt")]
    Head,
}
