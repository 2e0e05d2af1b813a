# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tokenctl_global_optspecs
    string join \n db= as= format= wide h/help V/version
end

function __fish_tokenctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tokenctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tokenctl_using_subcommand
    set -l cmd (__fish_tokenctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tokenctl -n "__fish_tokenctl_needs_command" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_needs_command" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_needs_command" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_needs_command" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -s V -l version -d 'Print version'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "new" -d 'Create a token and show it once'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "list" -d 'List the tokens, ordered by name'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "show" -d 'Show one token\'s fields'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "modify" -d 'Change a token\'s fields; the secret stays'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "delete" -d 'Delete a token after confirmation'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "renew" -d 'Give a token a new secret and prefix, shown once; the old one stops working'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "disable" -d 'Stop a token without losing it'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "enable" -d 'Restart a disabled token'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "pool" -d 'The device pools a token may be tied to'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "log" -d 'The account log, newest first'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "policy" -d 'The account\'s policy: rules for every token (max lifetime, defaults, what is required)'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "verify" -d 'Read a token from stdin and say whether it is good for a use'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "exchange" -d 'Read an API token from stdin and print a short-lived access token'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "serve" -d 'Answer HTTP checks for reverse proxies and services (forward auth)'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "notify" -d 'Deliver the account\'s events to a webhook, signed (Standard Webhooks)'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "db" -d 'Copy the whole store into an empty SQLite file or PostgreSQL database'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "inspect" -d 'Say what a pasted token is, without checking its secret'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "scan" -d 'Find tokens in files or stdin (a pre-commit hook, a CI step)'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "check" -d 'One health check for cron and monitoring'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "prune" -d 'Delete stale tokens: unused, or expired, for a while'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "completions" -d 'Print the shell completion script'
complete -c tokenctl -n "__fish_tokenctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand new" -l name -d 'The token\'s name (asked for on a terminal when missing)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand new" -l pool -d 'A registered device pool' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand new" -l expires -d 'never, a duration (30d, 12h, 2w), a date YYYY-MM-DD or an RFC 3339 time [default: the policy\'s]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand new" -l owner -d 'The person the token acts for' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand new" -l allow-from -d 'Only from this address or CIDR block (repeatable; IPv4 or IPv6)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand new" -l not-before -d 'Not good before WHEN (a duration counts forward; a past time is accepted)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand new" -l rate -d 'At most N good checks per DURATION in serve (600/1m, 10/1s, 20000/1d)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand new" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand new" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand new" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand new" -l read-only -d 'May not delete or reset data'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand new" -l read-write -d 'May also delete and reset data [default: the policy\'s default-access, else read-write]'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand new" -l clipboard -d 'Copy the token to the clipboard even when stdout is not a terminal'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand new" -l no-clipboard -d 'Never copy the token to the clipboard'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand new" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand new" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -l pool -d 'Only tokens of this pool' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -l status -d 'Only tokens with this status' -r -f -a "active\t''
disabled\t''
expired\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -l expiring -d 'Only active tokens that expire within WITHIN from now (30d, 2w)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -l unused-for -d 'Only tokens not used for DURATION (never used ones count from their creation)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -l out-of-policy -d 'Only tokens that break the account\'s policy (they keep working)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand list" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand show" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand show" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand show" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand show" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand show" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l name -d 'A new name' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l pool -d 'Tie the token to this registered pool' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l expires -d 'never, a duration (30d, 12h, 2w), a date YYYY-MM-DD or an RFC 3339 time' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l owner -d 'The person the token acts for' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l allow-from -d 'Only from these addresses or CIDR blocks: given once or more, replaces the whole list' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l not-before -d 'Not good before WHEN (a duration counts forward; a past time is accepted)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l rate -d 'At most N good checks per DURATION in serve (600/1m, 10/1s, 20000/1d)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l reason -d 'Why, kept in the account log' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l no-pool -d 'Untie the token from its pool'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l read-only -d 'May not delete or reset data'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l read-write -d 'May also delete and reset data'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l no-owner -d 'Clear the owner'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l allow-from-anywhere -d 'Remove the address binding'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l no-not-before -d 'Good at once'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l no-rate -d 'No rate limit'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand modify" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand delete" -l reason -d 'Why, kept in the account log' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand delete" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand delete" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand delete" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand delete" -s y -l yes -d 'Do not ask for confirmation'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand delete" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand delete" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand renew" -l grace -d 'Keep the old token working until DURATION has passed or the new one is first used' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand renew" -l reason -d 'Why, kept in the account log' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand renew" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand renew" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand renew" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand renew" -s y -l yes -d 'Do not ask for confirmation'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand renew" -l clipboard -d 'Copy the token to the clipboard even when stdout is not a terminal'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand renew" -l no-clipboard -d 'Never copy the token to the clipboard'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand renew" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand renew" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand disable" -l reason -d 'Why, kept in the account log' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand disable" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand disable" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand disable" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand disable" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand disable" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand enable" -l reason -d 'Why, kept in the account log' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand enable" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand enable" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand enable" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand enable" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand enable" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and not __fish_seen_subcommand_from add list remove help" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and not __fish_seen_subcommand_from add list remove help" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and not __fish_seen_subcommand_from add list remove help" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and not __fish_seen_subcommand_from add list remove help" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and not __fish_seen_subcommand_from add list remove help" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and not __fish_seen_subcommand_from add list remove help" -f -a "add" -d 'Register a device pool'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and not __fish_seen_subcommand_from add list remove help" -f -a "list" -d 'List the pools with how many tokens each holds'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and not __fish_seen_subcommand_from add list remove help" -f -a "remove" -d 'Remove a pool no token uses'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and not __fish_seen_subcommand_from add list remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from add" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from add" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from add" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from add" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from list" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from list" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from list" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from list" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from remove" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from remove" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from remove" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from remove" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from help" -f -a "add" -d 'Register a device pool'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the pools with how many tokens each holds'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a pool no token uses'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand pool; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and not __fish_seen_subcommand_from verify head help" -l since -d 'Entries at or after WHEN (a duration counts back: 7d is the last seven days)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and not __fish_seen_subcommand_from verify head help" -l until -d 'Entries at or before WHEN' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and not __fish_seen_subcommand_from verify head help" -l token -d 'Entries of the token with this name or prefix, now or in the past' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and not __fish_seen_subcommand_from verify head help" -l actor -d 'Entries by this actor' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and not __fish_seen_subcommand_from verify head help" -l op -d 'Entries of this operation' -r -f -a "new\t''
modify\t''
delete\t''
renew\t''
disable\t''
enable\t''
pool-add\t''
pool-remove\t''
exchange\t''
policy\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and not __fish_seen_subcommand_from verify head help" -l limit -d 'Only the N newest entries (with --follow: the N shown first, default 10)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and not __fish_seen_subcommand_from verify head help" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and not __fish_seen_subcommand_from verify head help" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and not __fish_seen_subcommand_from verify head help" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and not __fish_seen_subcommand_from verify head help" -s f -l follow -d 'Then every new matching entry as it is written, until Ctrl-C (JSON: one object a line)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and not __fish_seen_subcommand_from verify head help" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and not __fish_seen_subcommand_from verify head help" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and not __fish_seen_subcommand_from verify head help" -f -a "verify" -d 'Check the log\'s hash chain (exit 0 intact, 1 tampered)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and not __fish_seen_subcommand_from verify head help" -f -a "head" -d 'Print the newest entry\'s ID:HASH, to note down outside the database'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and not __fish_seen_subcommand_from verify head help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and __fish_seen_subcommand_from verify" -l head -d 'An ID:HASH noted earlier with `tokenctl log head`: the chain must still pass through it' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and __fish_seen_subcommand_from verify" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and __fish_seen_subcommand_from verify" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and __fish_seen_subcommand_from verify" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and __fish_seen_subcommand_from verify" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and __fish_seen_subcommand_from head" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and __fish_seen_subcommand_from head" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and __fish_seen_subcommand_from head" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and __fish_seen_subcommand_from head" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and __fish_seen_subcommand_from head" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check the log\'s hash chain (exit 0 intact, 1 tampered)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and __fish_seen_subcommand_from help" -f -a "head" -d 'Print the newest entry\'s ID:HASH, to note down outside the database'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand log; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -f -a "set" -d 'Set a key (one log entry; says how many tokens break the new value)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -f -a "unset" -d 'Unset a key (its default, if it has one, is in force again)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and not __fish_seen_subcommand_from set unset help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from set" -l reason -d 'Why, kept in the account log' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from set" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from set" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from set" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from set" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from unset" -l reason -d 'Why, kept in the account log' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from unset" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from unset" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from unset" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from unset" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from unset" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "set" -d 'Set a key (one log entry; says how many tokens break the new value)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "unset" -d 'Unset a key (its default, if it has one, is in force again)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand policy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -l access -d 'The use to check for: read, or write (fails for a read-only token)' -r -f -a "read\t''
write\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -l pool -d 'Fails for a token of another device pool' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -l from -d 'The client\'s address, for a token bound to addresses' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand verify" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand exchange" -l ttl -d 'How long the access token lives, never past its parent\'s expiry [default: 2h, or the policy\'s max-access-ttl when shorter]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand exchange" -l from -d 'The client\'s address, for a token bound to addresses' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand exchange" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand exchange" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand exchange" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand exchange" -l clipboard -d 'Copy the token to the clipboard even when stdout is not a terminal'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand exchange" -l no-clipboard -d 'Never copy the token to the clipboard'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand exchange" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand exchange" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l listen -d 'Where to listen: HOST:PORT (port 0 picks a free one) or unix:PATH' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l trust-proxy -d 'A proxy whose X-Forwarded-For is believed (repeatable; replaces the default) [default: 127.0.0.0/8, ::1]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l cache-ttl -d 'How long a verified token is remembered (0s: never)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l max-hashing -d 'How many argon2 verifications may run at once [default: the number of cores]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l db-connections -d 'How many store connections may be open at once' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -s q -l quiet -d 'No access-log line per request on stderr'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand serve" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand notify" -l webhook -d 'The endpoint: an http:// or https:// URL (credentials in it are never shown; set TOKENCTL_WEBHOOK to keep them out of the process list)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand notify" -l secret-file -d 'The file holding the signing secret, whsec_ and base64' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand notify" -l expiring -d 'Lead times for token.expiring, larger first (none: no such events)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand notify" -l webhook-ca -d 'A CA certificate (PEM) trusted for the endpoint, besides the system\'s' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand notify" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand notify" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand notify" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand notify" -l once -d 'Try what is pending once each, in order, then exit (0; 1 at the first refusal)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand notify" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand notify" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and not __fish_seen_subcommand_from copy status help" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and not __fish_seen_subcommand_from copy status help" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and not __fish_seen_subcommand_from copy status help" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and not __fish_seen_subcommand_from copy status help" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and not __fish_seen_subcommand_from copy status help" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and not __fish_seen_subcommand_from copy status help" -f -a "copy" -d 'Copy everything into an empty target, then check the target\'s log chain'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and not __fish_seen_subcommand_from copy status help" -f -a "status" -d 'Which store this is: where (password hidden), the engine, the schema version, how many tokens, pools and log entries, and the log head'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and not __fish_seen_subcommand_from copy status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and __fish_seen_subcommand_from copy" -l to -d 'The target: a SQLite file path or a postgres:// URL' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and __fish_seen_subcommand_from copy" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and __fish_seen_subcommand_from copy" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and __fish_seen_subcommand_from copy" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and __fish_seen_subcommand_from copy" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and __fish_seen_subcommand_from copy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and __fish_seen_subcommand_from status" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and __fish_seen_subcommand_from status" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and __fish_seen_subcommand_from status" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and __fish_seen_subcommand_from status" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "copy" -d 'Copy everything into an empty target, then check the target\'s log chain'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "status" -d 'Which store this is: where (password hidden), the engine, the schema version, how many tokens, pools and log entries, and the log head'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand inspect" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand inspect" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand inspect" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand inspect" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand inspect" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -l reason -d 'Why, kept in the account log' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -l staged -d 'What `git commit` would add: the index\'s added lines, at their real FILE:LINE:COLUMN (the pre-commit hook)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -l disable -d 'Disable every active API token found (one log entry each)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand scan" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand check" -l expiring -d 'Report active tokens that expire within WITHIN' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand check" -l head -d 'An ID:HASH noted earlier with `tokenctl log head`: the chain must still pass through it' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand check" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand check" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand check" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand check" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand check" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand prune" -l unused-for -d 'Tokens not used for DURATION (never used ones count from their creation)' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand prune" -l expired-for -d 'Tokens expired for at least DURATION' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand prune" -l reason -d 'Why, kept in the account log' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand prune" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand prune" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand prune" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand prune" -l dry-run -d 'List what would be deleted; change nothing'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand prune" -s y -l yes -d 'Do not ask for confirmation'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand prune" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand prune" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand completions" -l db -d 'The database: a SQLite file, or a postgres:// URL [default: $XDG_DATA_HOME/tokenctl/tokenctl.db]' -r -F
complete -c tokenctl -n "__fish_tokenctl_using_subcommand completions" -l as -d 'Who does it, as recorded in the account log [default: your login name]' -r
complete -c tokenctl -n "__fish_tokenctl_using_subcommand completions" -l format -d 'Output format' -r -f -a "table\t''
json\t''
csv\t''"
complete -c tokenctl -n "__fish_tokenctl_using_subcommand completions" -l wide -d 'Tables on a terminal keep every column (piped tables always do)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "new" -d 'Create a token and show it once'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "list" -d 'List the tokens, ordered by name'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "show" -d 'Show one token\'s fields'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "modify" -d 'Change a token\'s fields; the secret stays'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "delete" -d 'Delete a token after confirmation'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "renew" -d 'Give a token a new secret and prefix, shown once; the old one stops working'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "disable" -d 'Stop a token without losing it'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "enable" -d 'Restart a disabled token'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "pool" -d 'The device pools a token may be tied to'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "log" -d 'The account log, newest first'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "policy" -d 'The account\'s policy: rules for every token (max lifetime, defaults, what is required)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "verify" -d 'Read a token from stdin and say whether it is good for a use'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "exchange" -d 'Read an API token from stdin and print a short-lived access token'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "serve" -d 'Answer HTTP checks for reverse proxies and services (forward auth)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "notify" -d 'Deliver the account\'s events to a webhook, signed (Standard Webhooks)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "db" -d 'Copy the whole store into an empty SQLite file or PostgreSQL database'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "inspect" -d 'Say what a pasted token is, without checking its secret'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "scan" -d 'Find tokens in files or stdin (a pre-commit hook, a CI step)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "check" -d 'One health check for cron and monitoring'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "prune" -d 'Delete stale tokens: unused, or expired, for a while'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "completions" -d 'Print the shell completion script'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and not __fish_seen_subcommand_from new list show modify delete renew disable enable pool log policy verify exchange serve notify db inspect scan check prune completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and __fish_seen_subcommand_from pool" -f -a "add" -d 'Register a device pool'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and __fish_seen_subcommand_from pool" -f -a "list" -d 'List the pools with how many tokens each holds'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and __fish_seen_subcommand_from pool" -f -a "remove" -d 'Remove a pool no token uses'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and __fish_seen_subcommand_from log" -f -a "verify" -d 'Check the log\'s hash chain (exit 0 intact, 1 tampered)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and __fish_seen_subcommand_from log" -f -a "head" -d 'Print the newest entry\'s ID:HASH, to note down outside the database'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "set" -d 'Set a key (one log entry; says how many tokens break the new value)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and __fish_seen_subcommand_from policy" -f -a "unset" -d 'Unset a key (its default, if it has one, is in force again)'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "copy" -d 'Copy everything into an empty target, then check the target\'s log chain'
complete -c tokenctl -n "__fish_tokenctl_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "status" -d 'Which store this is: where (password hidden), the engine, the schema version, how many tokens, pools and log entries, and the log head'
