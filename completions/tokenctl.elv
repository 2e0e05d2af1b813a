
use builtin;
use str;

set edit:completion:arg-completer[tokenctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tokenctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tokenctl'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand new 'Create a token and show it once'
            cand list 'List the tokens, ordered by name'
            cand show 'Show one token''s fields'
            cand modify 'Change a token''s fields; the secret stays'
            cand delete 'Delete a token after confirmation'
            cand renew 'Give a token a new secret and prefix, shown once; the old one stops working'
            cand disable 'Stop a token without losing it'
            cand enable 'Restart a disabled token'
            cand pool 'The device pools a token may be tied to'
            cand log 'The account log, newest first'
            cand policy 'The account''s policy: rules for every token (max lifetime, defaults, what is required)'
            cand verify 'Read a token from stdin and say whether it is good for a use'
            cand exchange 'Read an API token from stdin and print a short-lived access token'
            cand serve 'Answer HTTP checks for reverse proxies and services (forward auth)'
            cand notify 'Deliver the account''s events to a webhook, signed (Standard Webhooks)'
            cand db 'Copy the whole store into an empty SQLite file or PostgreSQL database'
            cand inspect 'Say what a pasted token is, without checking its secret'
            cand scan 'Find tokens in files or stdin (a pre-commit hook, a CI step)'
            cand check 'One health check for cron and monitoring'
            cand prune 'Delete stale tokens: unused, or expired, for a while'
            cand completions 'Print the shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenctl;new'= {
            cand --name 'The token''s name (asked for on a terminal when missing)'
            cand --pool 'A registered device pool'
            cand --expires 'never, a duration (30d, 12h, 2w), a date YYYY-MM-DD or an RFC 3339 time [default: the policy''s]'
            cand --owner 'The person the token acts for'
            cand --allow-from 'Only from this address or CIDR block (repeatable; IPv4 or IPv6)'
            cand --not-before 'Not good before WHEN (a duration counts forward; a past time is accepted)'
            cand --rate 'At most N good checks per DURATION in serve (600/1m, 10/1s, 20000/1d)'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --read-only 'May not delete or reset data'
            cand --read-write 'May also delete and reset data [default: the policy''s default-access, else read-write]'
            cand --clipboard 'Copy the token to the clipboard even when stdout is not a terminal'
            cand --no-clipboard 'Never copy the token to the clipboard'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;list'= {
            cand --pool 'Only tokens of this pool'
            cand --status 'Only tokens with this status'
            cand --expiring 'Only active tokens that expire within WITHIN from now (30d, 2w)'
            cand --unused-for 'Only tokens not used for DURATION (never used ones count from their creation)'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --out-of-policy 'Only tokens that break the account''s policy (they keep working)'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;show'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;modify'= {
            cand --name 'A new name'
            cand --pool 'Tie the token to this registered pool'
            cand --expires 'never, a duration (30d, 12h, 2w), a date YYYY-MM-DD or an RFC 3339 time'
            cand --owner 'The person the token acts for'
            cand --allow-from 'Only from these addresses or CIDR blocks: given once or more, replaces the whole list'
            cand --not-before 'Not good before WHEN (a duration counts forward; a past time is accepted)'
            cand --rate 'At most N good checks per DURATION in serve (600/1m, 10/1s, 20000/1d)'
            cand --reason 'Why, kept in the account log'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --no-pool 'Untie the token from its pool'
            cand --read-only 'May not delete or reset data'
            cand --read-write 'May also delete and reset data'
            cand --no-owner 'Clear the owner'
            cand --allow-from-anywhere 'Remove the address binding'
            cand --no-not-before 'Good at once'
            cand --no-rate 'No rate limit'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;delete'= {
            cand --reason 'Why, kept in the account log'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;renew'= {
            cand --grace 'Keep the old token working until DURATION has passed or the new one is first used'
            cand --reason 'Why, kept in the account log'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --clipboard 'Copy the token to the clipboard even when stdout is not a terminal'
            cand --no-clipboard 'Never copy the token to the clipboard'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;disable'= {
            cand --reason 'Why, kept in the account log'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;enable'= {
            cand --reason 'Why, kept in the account log'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;pool'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand add 'Register a device pool'
            cand list 'List the pools with how many tokens each holds'
            cand remove 'Remove a pool no token uses'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenctl;pool;add'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;pool;list'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;pool;remove'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;pool;help'= {
            cand add 'Register a device pool'
            cand list 'List the pools with how many tokens each holds'
            cand remove 'Remove a pool no token uses'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenctl;pool;help;add'= {
        }
        &'tokenctl;pool;help;list'= {
        }
        &'tokenctl;pool;help;remove'= {
        }
        &'tokenctl;pool;help;help'= {
        }
        &'tokenctl;log'= {
            cand --since 'Entries at or after WHEN (a duration counts back: 7d is the last seven days)'
            cand --until 'Entries at or before WHEN'
            cand --token 'Entries of the token with this name or prefix, now or in the past'
            cand --actor 'Entries by this actor'
            cand --op 'Entries of this operation'
            cand --limit 'Only the N newest entries (with --follow: the N shown first, default 10)'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand -f 'Then every new matching entry as it is written, until Ctrl-C (JSON: one object a line)'
            cand --follow 'Then every new matching entry as it is written, until Ctrl-C (JSON: one object a line)'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand verify 'Check the log''s hash chain (exit 0 intact, 1 tampered)'
            cand head 'Print the newest entry''s ID:HASH, to note down outside the database'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenctl;log;verify'= {
            cand --head 'An ID:HASH noted earlier with `tokenctl log head`: the chain must still pass through it'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;log;head'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;log;help'= {
            cand verify 'Check the log''s hash chain (exit 0 intact, 1 tampered)'
            cand head 'Print the newest entry''s ID:HASH, to note down outside the database'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenctl;log;help;verify'= {
        }
        &'tokenctl;log;help;head'= {
        }
        &'tokenctl;log;help;help'= {
        }
        &'tokenctl;policy'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand set 'Set a key (one log entry; says how many tokens break the new value)'
            cand unset 'Unset a key (its default, if it has one, is in force again)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenctl;policy;set'= {
            cand --reason 'Why, kept in the account log'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;policy;unset'= {
            cand --reason 'Why, kept in the account log'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;policy;help'= {
            cand set 'Set a key (one log entry; says how many tokens break the new value)'
            cand unset 'Unset a key (its default, if it has one, is in force again)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenctl;policy;help;set'= {
        }
        &'tokenctl;policy;help;unset'= {
        }
        &'tokenctl;policy;help;help'= {
        }
        &'tokenctl;verify'= {
            cand --access 'The use to check for: read, or write (fails for a read-only token)'
            cand --pool 'Fails for a token of another device pool'
            cand --from 'The client''s address, for a token bound to addresses'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;exchange'= {
            cand --ttl 'How long the access token lives, never past its parent''s expiry [default: 2h, or the policy''s max-access-ttl when shorter]'
            cand --from 'The client''s address, for a token bound to addresses'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --clipboard 'Copy the token to the clipboard even when stdout is not a terminal'
            cand --no-clipboard 'Never copy the token to the clipboard'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;serve'= {
            cand --listen 'Where to listen: HOST:PORT (port 0 picks a free one) or unix:PATH'
            cand --trust-proxy 'A proxy whose X-Forwarded-For is believed (repeatable; replaces the default) [default: 127.0.0.0/8, ::1]'
            cand --cache-ttl 'How long a verified token is remembered (0s: never)'
            cand --max-hashing 'How many argon2 verifications may run at once [default: the number of cores]'
            cand --db-connections 'How many store connections may be open at once'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand -q 'No access-log line per request on stderr'
            cand --quiet 'No access-log line per request on stderr'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;notify'= {
            cand --webhook 'The endpoint: an http:// or https:// URL (credentials in it are never shown; set TOKENCTL_WEBHOOK to keep them out of the process list)'
            cand --secret-file 'The file holding the signing secret, whsec_ and base64'
            cand --expiring 'Lead times for token.expiring, larger first (none: no such events)'
            cand --webhook-ca 'A CA certificate (PEM) trusted for the endpoint, besides the system''s'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --once 'Try what is pending once each, in order, then exit (0; 1 at the first refusal)'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;db'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand copy 'Copy everything into an empty target, then check the target''s log chain'
            cand status 'Which store this is: where (password hidden), the engine, the schema version, how many tokens, pools and log entries, and the log head'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenctl;db;copy'= {
            cand --to 'The target: a SQLite file path or a postgres:// URL'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tokenctl;db;status'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;db;help'= {
            cand copy 'Copy everything into an empty target, then check the target''s log chain'
            cand status 'Which store this is: where (password hidden), the engine, the schema version, how many tokens, pools and log entries, and the log head'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenctl;db;help;copy'= {
        }
        &'tokenctl;db;help;status'= {
        }
        &'tokenctl;db;help;help'= {
        }
        &'tokenctl;inspect'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;scan'= {
            cand --reason 'Why, kept in the account log'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --staged 'What `git commit` would add: the index''s added lines, at their real FILE:LINE:COLUMN (the pre-commit hook)'
            cand --disable 'Disable every active API token found (one log entry each)'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;check'= {
            cand --expiring 'Report active tokens that expire within WITHIN'
            cand --head 'An ID:HASH noted earlier with `tokenctl log head`: the chain must still pass through it'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;prune'= {
            cand --unused-for 'Tokens not used for DURATION (never used ones count from their creation)'
            cand --expired-for 'Tokens expired for at least DURATION'
            cand --reason 'Why, kept in the account log'
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --dry-run 'List what would be deleted; change nothing'
            cand -y 'Do not ask for confirmation'
            cand --yes 'Do not ask for confirmation'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;completions'= {
            cand --db 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]'
            cand --as 'Who does it, as recorded in the account log [default: your login name]'
            cand --format 'Output format'
            cand --wide 'Tables on a terminal keep every column (piped tables always do)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tokenctl;help'= {
            cand new 'Create a token and show it once'
            cand list 'List the tokens, ordered by name'
            cand show 'Show one token''s fields'
            cand modify 'Change a token''s fields; the secret stays'
            cand delete 'Delete a token after confirmation'
            cand renew 'Give a token a new secret and prefix, shown once; the old one stops working'
            cand disable 'Stop a token without losing it'
            cand enable 'Restart a disabled token'
            cand pool 'The device pools a token may be tied to'
            cand log 'The account log, newest first'
            cand policy 'The account''s policy: rules for every token (max lifetime, defaults, what is required)'
            cand verify 'Read a token from stdin and say whether it is good for a use'
            cand exchange 'Read an API token from stdin and print a short-lived access token'
            cand serve 'Answer HTTP checks for reverse proxies and services (forward auth)'
            cand notify 'Deliver the account''s events to a webhook, signed (Standard Webhooks)'
            cand db 'Copy the whole store into an empty SQLite file or PostgreSQL database'
            cand inspect 'Say what a pasted token is, without checking its secret'
            cand scan 'Find tokens in files or stdin (a pre-commit hook, a CI step)'
            cand check 'One health check for cron and monitoring'
            cand prune 'Delete stale tokens: unused, or expired, for a while'
            cand completions 'Print the shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokenctl;help;new'= {
        }
        &'tokenctl;help;list'= {
        }
        &'tokenctl;help;show'= {
        }
        &'tokenctl;help;modify'= {
        }
        &'tokenctl;help;delete'= {
        }
        &'tokenctl;help;renew'= {
        }
        &'tokenctl;help;disable'= {
        }
        &'tokenctl;help;enable'= {
        }
        &'tokenctl;help;pool'= {
            cand add 'Register a device pool'
            cand list 'List the pools with how many tokens each holds'
            cand remove 'Remove a pool no token uses'
        }
        &'tokenctl;help;pool;add'= {
        }
        &'tokenctl;help;pool;list'= {
        }
        &'tokenctl;help;pool;remove'= {
        }
        &'tokenctl;help;log'= {
            cand verify 'Check the log''s hash chain (exit 0 intact, 1 tampered)'
            cand head 'Print the newest entry''s ID:HASH, to note down outside the database'
        }
        &'tokenctl;help;log;verify'= {
        }
        &'tokenctl;help;log;head'= {
        }
        &'tokenctl;help;policy'= {
            cand set 'Set a key (one log entry; says how many tokens break the new value)'
            cand unset 'Unset a key (its default, if it has one, is in force again)'
        }
        &'tokenctl;help;policy;set'= {
        }
        &'tokenctl;help;policy;unset'= {
        }
        &'tokenctl;help;verify'= {
        }
        &'tokenctl;help;exchange'= {
        }
        &'tokenctl;help;serve'= {
        }
        &'tokenctl;help;notify'= {
        }
        &'tokenctl;help;db'= {
            cand copy 'Copy everything into an empty target, then check the target''s log chain'
            cand status 'Which store this is: where (password hidden), the engine, the schema version, how many tokens, pools and log entries, and the log head'
        }
        &'tokenctl;help;db;copy'= {
        }
        &'tokenctl;help;db;status'= {
        }
        &'tokenctl;help;inspect'= {
        }
        &'tokenctl;help;scan'= {
        }
        &'tokenctl;help;check'= {
        }
        &'tokenctl;help;prune'= {
        }
        &'tokenctl;help;completions'= {
        }
        &'tokenctl;help;help'= {
        }
    ]
    $completions[$command]
}
