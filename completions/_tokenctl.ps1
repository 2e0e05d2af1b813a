
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tokenctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tokenctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'tokenctl' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Create a token and show it once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the tokens, ordered by name')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one token''s fields')
            [CompletionResult]::new('modify', 'modify', [CompletionResultType]::ParameterValue, 'Change a token''s fields; the secret stays')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a token after confirmation')
            [CompletionResult]::new('renew', 'renew', [CompletionResultType]::ParameterValue, 'Give a token a new secret and prefix, shown once; the old one stops working')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Stop a token without losing it')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Restart a disabled token')
            [CompletionResult]::new('pool', 'pool', [CompletionResultType]::ParameterValue, 'The device pools a token may be tied to')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'The account log, newest first')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'The account''s policy: rules for every token (max lifetime, defaults, what is required)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Read a token from stdin and say whether it is good for a use')
            [CompletionResult]::new('exchange', 'exchange', [CompletionResultType]::ParameterValue, 'Read an API token from stdin and print a short-lived access token')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Answer HTTP checks for reverse proxies and services (forward auth)')
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Deliver the account''s events to a webhook, signed (Standard Webhooks)')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'Copy the whole store into an empty SQLite file or PostgreSQL database')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Say what a pasted token is, without checking its secret')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Find tokens in files or stdin (a pre-commit hook, a CI step)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'One health check for cron and monitoring')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete stale tokens: unused, or expired, for a while')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenctl;new' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The token''s name (asked for on a terminal when missing)')
            [CompletionResult]::new('--pool', '--pool', [CompletionResultType]::ParameterName, 'A registered device pool')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'never, a duration (30d, 12h, 2w), a date YYYY-MM-DD or an RFC 3339 time [default: the policy''s]')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'The person the token acts for')
            [CompletionResult]::new('--allow-from', '--allow-from', [CompletionResultType]::ParameterName, 'Only from this address or CIDR block (repeatable; IPv4 or IPv6)')
            [CompletionResult]::new('--not-before', '--not-before', [CompletionResultType]::ParameterName, 'Not good before WHEN (a duration counts forward; a past time is accepted)')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'At most N good checks per DURATION in serve (600/1m, 10/1s, 20000/1d)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'May not delete or reset data')
            [CompletionResult]::new('--read-write', '--read-write', [CompletionResultType]::ParameterName, 'May also delete and reset data [default: the policy''s default-access, else read-write]')
            [CompletionResult]::new('--clipboard', '--clipboard', [CompletionResultType]::ParameterName, 'Copy the token to the clipboard even when stdout is not a terminal')
            [CompletionResult]::new('--no-clipboard', '--no-clipboard', [CompletionResultType]::ParameterName, 'Never copy the token to the clipboard')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;list' {
            [CompletionResult]::new('--pool', '--pool', [CompletionResultType]::ParameterName, 'Only tokens of this pool')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only tokens with this status')
            [CompletionResult]::new('--expiring', '--expiring', [CompletionResultType]::ParameterName, 'Only active tokens that expire within WITHIN from now (30d, 2w)')
            [CompletionResult]::new('--unused-for', '--unused-for', [CompletionResultType]::ParameterName, 'Only tokens not used for DURATION (never used ones count from their creation)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--out-of-policy', '--out-of-policy', [CompletionResultType]::ParameterName, 'Only tokens that break the account''s policy (they keep working)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;show' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;modify' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A new name')
            [CompletionResult]::new('--pool', '--pool', [CompletionResultType]::ParameterName, 'Tie the token to this registered pool')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'never, a duration (30d, 12h, 2w), a date YYYY-MM-DD or an RFC 3339 time')
            [CompletionResult]::new('--owner', '--owner', [CompletionResultType]::ParameterName, 'The person the token acts for')
            [CompletionResult]::new('--allow-from', '--allow-from', [CompletionResultType]::ParameterName, 'Only from these addresses or CIDR blocks: given once or more, replaces the whole list')
            [CompletionResult]::new('--not-before', '--not-before', [CompletionResultType]::ParameterName, 'Not good before WHEN (a duration counts forward; a past time is accepted)')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'At most N good checks per DURATION in serve (600/1m, 10/1s, 20000/1d)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, kept in the account log')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--no-pool', '--no-pool', [CompletionResultType]::ParameterName, 'Untie the token from its pool')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'May not delete or reset data')
            [CompletionResult]::new('--read-write', '--read-write', [CompletionResultType]::ParameterName, 'May also delete and reset data')
            [CompletionResult]::new('--no-owner', '--no-owner', [CompletionResultType]::ParameterName, 'Clear the owner')
            [CompletionResult]::new('--allow-from-anywhere', '--allow-from-anywhere', [CompletionResultType]::ParameterName, 'Remove the address binding')
            [CompletionResult]::new('--no-not-before', '--no-not-before', [CompletionResultType]::ParameterName, 'Good at once')
            [CompletionResult]::new('--no-rate', '--no-rate', [CompletionResultType]::ParameterName, 'No rate limit')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;delete' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, kept in the account log')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;renew' {
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'Keep the old token working until DURATION has passed or the new one is first used')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, kept in the account log')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--clipboard', '--clipboard', [CompletionResultType]::ParameterName, 'Copy the token to the clipboard even when stdout is not a terminal')
            [CompletionResult]::new('--no-clipboard', '--no-clipboard', [CompletionResultType]::ParameterName, 'Never copy the token to the clipboard')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;disable' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, kept in the account log')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;enable' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, kept in the account log')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;pool' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Register a device pool')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the pools with how many tokens each holds')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a pool no token uses')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenctl;pool;add' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;pool;list' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;pool;remove' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;pool;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Register a device pool')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the pools with how many tokens each holds')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a pool no token uses')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenctl;pool;help;add' {
            break
        }
        'tokenctl;pool;help;list' {
            break
        }
        'tokenctl;pool;help;remove' {
            break
        }
        'tokenctl;pool;help;help' {
            break
        }
        'tokenctl;log' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Entries at or after WHEN (a duration counts back: 7d is the last seven days)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Entries at or before WHEN')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Entries of the token with this name or prefix, now or in the past')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Entries by this actor')
            [CompletionResult]::new('--op', '--op', [CompletionResultType]::ParameterName, 'Entries of this operation')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Only the N newest entries (with --follow: the N shown first, default 10)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Then every new matching entry as it is written, until Ctrl-C (JSON: one object a line)')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Then every new matching entry as it is written, until Ctrl-C (JSON: one object a line)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the log''s hash chain (exit 0 intact, 1 tampered)')
            [CompletionResult]::new('head', 'head', [CompletionResultType]::ParameterValue, 'Print the newest entry''s ID:HASH, to note down outside the database')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenctl;log;verify' {
            [CompletionResult]::new('--head', '--head', [CompletionResultType]::ParameterName, 'An ID:HASH noted earlier with `tokenctl log head`: the chain must still pass through it')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;log;head' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;log;help' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the log''s hash chain (exit 0 intact, 1 tampered)')
            [CompletionResult]::new('head', 'head', [CompletionResultType]::ParameterValue, 'Print the newest entry''s ID:HASH, to note down outside the database')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenctl;log;help;verify' {
            break
        }
        'tokenctl;log;help;head' {
            break
        }
        'tokenctl;log;help;help' {
            break
        }
        'tokenctl;policy' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set a key (one log entry; says how many tokens break the new value)')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Unset a key (its default, if it has one, is in force again)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenctl;policy;set' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, kept in the account log')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;policy;unset' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, kept in the account log')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;policy;help' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set a key (one log entry; says how many tokens break the new value)')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Unset a key (its default, if it has one, is in force again)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenctl;policy;help;set' {
            break
        }
        'tokenctl;policy;help;unset' {
            break
        }
        'tokenctl;policy;help;help' {
            break
        }
        'tokenctl;verify' {
            [CompletionResult]::new('--access', '--access', [CompletionResultType]::ParameterName, 'The use to check for: read, or write (fails for a read-only token)')
            [CompletionResult]::new('--pool', '--pool', [CompletionResultType]::ParameterName, 'Fails for a token of another device pool')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The client''s address, for a token bound to addresses')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;exchange' {
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'How long the access token lives, never past its parent''s expiry [default: 2h, or the policy''s max-access-ttl when shorter]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The client''s address, for a token bound to addresses')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--clipboard', '--clipboard', [CompletionResultType]::ParameterName, 'Copy the token to the clipboard even when stdout is not a terminal')
            [CompletionResult]::new('--no-clipboard', '--no-clipboard', [CompletionResultType]::ParameterName, 'Never copy the token to the clipboard')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Where to listen: HOST:PORT (port 0 picks a free one) or unix:PATH')
            [CompletionResult]::new('--trust-proxy', '--trust-proxy', [CompletionResultType]::ParameterName, 'A proxy whose X-Forwarded-For is believed (repeatable; replaces the default) [default: 127.0.0.0/8, ::1]')
            [CompletionResult]::new('--cache-ttl', '--cache-ttl', [CompletionResultType]::ParameterName, 'How long a verified token is remembered (0s: never)')
            [CompletionResult]::new('--max-hashing', '--max-hashing', [CompletionResultType]::ParameterName, 'How many argon2 verifications may run at once [default: the number of cores]')
            [CompletionResult]::new('--db-connections', '--db-connections', [CompletionResultType]::ParameterName, 'How many store connections may be open at once')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No access-log line per request on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No access-log line per request on stderr')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;notify' {
            [CompletionResult]::new('--webhook', '--webhook', [CompletionResultType]::ParameterName, 'The endpoint: an http:// or https:// URL (credentials in it are never shown; set TOKENCTL_WEBHOOK to keep them out of the process list)')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'The file holding the signing secret, whsec_ and base64')
            [CompletionResult]::new('--expiring', '--expiring', [CompletionResultType]::ParameterName, 'Lead times for token.expiring, larger first (none: no such events)')
            [CompletionResult]::new('--webhook-ca', '--webhook-ca', [CompletionResultType]::ParameterName, 'A CA certificate (PEM) trusted for the endpoint, besides the system''s')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Try what is pending once each, in order, then exit (0; 1 at the first refusal)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;db' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy everything into an empty target, then check the target''s log chain')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Which store this is: where (password hidden), the engine, the schema version, how many tokens, pools and log entries, and the log head')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenctl;db;copy' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The target: a SQLite file path or a postgres:// URL')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tokenctl;db;status' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;db;help' {
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy everything into an empty target, then check the target''s log chain')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Which store this is: where (password hidden), the engine, the schema version, how many tokens, pools and log entries, and the log head')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenctl;db;help;copy' {
            break
        }
        'tokenctl;db;help;status' {
            break
        }
        'tokenctl;db;help;help' {
            break
        }
        'tokenctl;inspect' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;scan' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, kept in the account log')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--staged', '--staged', [CompletionResultType]::ParameterName, 'What `git commit` would add: the index''s added lines, at their real FILE:LINE:COLUMN (the pre-commit hook)')
            [CompletionResult]::new('--disable', '--disable', [CompletionResultType]::ParameterName, 'Disable every active API token found (one log entry each)')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;check' {
            [CompletionResult]::new('--expiring', '--expiring', [CompletionResultType]::ParameterName, 'Report active tokens that expire within WITHIN')
            [CompletionResult]::new('--head', '--head', [CompletionResultType]::ParameterName, 'An ID:HASH noted earlier with `tokenctl log head`: the chain must still pass through it')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;prune' {
            [CompletionResult]::new('--unused-for', '--unused-for', [CompletionResultType]::ParameterName, 'Tokens not used for DURATION (never used ones count from their creation)')
            [CompletionResult]::new('--expired-for', '--expired-for', [CompletionResultType]::ParameterName, 'Tokens expired for at least DURATION')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, kept in the account log')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'List what would be deleted; change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;completions' {
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]')
            [CompletionResult]::new('--as', '--as', [CompletionResultType]::ParameterName, 'Who does it, as recorded in the account log [default: your login name]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--wide', '--wide', [CompletionResultType]::ParameterName, 'Tables on a terminal keep every column (piped tables always do)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tokenctl;help' {
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Create a token and show it once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the tokens, ordered by name')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one token''s fields')
            [CompletionResult]::new('modify', 'modify', [CompletionResultType]::ParameterValue, 'Change a token''s fields; the secret stays')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a token after confirmation')
            [CompletionResult]::new('renew', 'renew', [CompletionResultType]::ParameterValue, 'Give a token a new secret and prefix, shown once; the old one stops working')
            [CompletionResult]::new('disable', 'disable', [CompletionResultType]::ParameterValue, 'Stop a token without losing it')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Restart a disabled token')
            [CompletionResult]::new('pool', 'pool', [CompletionResultType]::ParameterValue, 'The device pools a token may be tied to')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'The account log, newest first')
            [CompletionResult]::new('policy', 'policy', [CompletionResultType]::ParameterValue, 'The account''s policy: rules for every token (max lifetime, defaults, what is required)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Read a token from stdin and say whether it is good for a use')
            [CompletionResult]::new('exchange', 'exchange', [CompletionResultType]::ParameterValue, 'Read an API token from stdin and print a short-lived access token')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Answer HTTP checks for reverse proxies and services (forward auth)')
            [CompletionResult]::new('notify', 'notify', [CompletionResultType]::ParameterValue, 'Deliver the account''s events to a webhook, signed (Standard Webhooks)')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'Copy the whole store into an empty SQLite file or PostgreSQL database')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Say what a pasted token is, without checking its secret')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Find tokens in files or stdin (a pre-commit hook, a CI step)')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'One health check for cron and monitoring')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete stale tokens: unused, or expired, for a while')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokenctl;help;new' {
            break
        }
        'tokenctl;help;list' {
            break
        }
        'tokenctl;help;show' {
            break
        }
        'tokenctl;help;modify' {
            break
        }
        'tokenctl;help;delete' {
            break
        }
        'tokenctl;help;renew' {
            break
        }
        'tokenctl;help;disable' {
            break
        }
        'tokenctl;help;enable' {
            break
        }
        'tokenctl;help;pool' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Register a device pool')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the pools with how many tokens each holds')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a pool no token uses')
            break
        }
        'tokenctl;help;pool;add' {
            break
        }
        'tokenctl;help;pool;list' {
            break
        }
        'tokenctl;help;pool;remove' {
            break
        }
        'tokenctl;help;log' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the log''s hash chain (exit 0 intact, 1 tampered)')
            [CompletionResult]::new('head', 'head', [CompletionResultType]::ParameterValue, 'Print the newest entry''s ID:HASH, to note down outside the database')
            break
        }
        'tokenctl;help;log;verify' {
            break
        }
        'tokenctl;help;log;head' {
            break
        }
        'tokenctl;help;policy' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Set a key (one log entry; says how many tokens break the new value)')
            [CompletionResult]::new('unset', 'unset', [CompletionResultType]::ParameterValue, 'Unset a key (its default, if it has one, is in force again)')
            break
        }
        'tokenctl;help;policy;set' {
            break
        }
        'tokenctl;help;policy;unset' {
            break
        }
        'tokenctl;help;verify' {
            break
        }
        'tokenctl;help;exchange' {
            break
        }
        'tokenctl;help;serve' {
            break
        }
        'tokenctl;help;notify' {
            break
        }
        'tokenctl;help;db' {
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy everything into an empty target, then check the target''s log chain')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Which store this is: where (password hidden), the engine, the schema version, how many tokens, pools and log entries, and the log head')
            break
        }
        'tokenctl;help;db;copy' {
            break
        }
        'tokenctl;help;db;status' {
            break
        }
        'tokenctl;help;inspect' {
            break
        }
        'tokenctl;help;scan' {
            break
        }
        'tokenctl;help;check' {
            break
        }
        'tokenctl;help;prune' {
            break
        }
        'tokenctl;help;completions' {
            break
        }
        'tokenctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
