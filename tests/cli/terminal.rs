//! The terminal side, through a real pseudo-terminal (rexpect): the framed
//! token, the name and pool prompts, confirmations, and Ctrl-C.

use rexpect::process::WaitStatus;
use rexpect::reader::Options;
use rexpect::session::{PtySession, spawn_with_options};

use crate::Env;

fn spawn(env: &Env, args: &[&str]) -> PtySession {
    let mut cmd = env.std_cmd();
    cmd.args(args);
    spawn_with_options(
        cmd,
        Options::new()
            .timeout_ms(Some(15_000))
            .strip_ansi_escape_codes(true),
    )
    .expect("spawn in a pty")
}

fn exit_code(p: &PtySession) -> i32 {
    match p.process().wait().expect("wait") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("not a normal exit: {other:?}"),
    }
}

#[test]
fn on_a_terminal_new_frames_the_token_and_warns_once() {
    let env = Env::new();
    let mut p = spawn(&env, &["new", "--name", "tty"]);
    p.exp_string("Created token \"tty\"").unwrap();
    let (_, token) = p.exp_regex("tk[ca]1[A-Za-z0-9]{46}").unwrap();
    p.exp_string("only time").unwrap();
    // No display in the test environment: a one-line note, and success.
    p.exp_string("not copied").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    crate::assert_token_format(&token);
    assert_eq!(env.token("tty")["prefix"], &token[4..12]);
}

#[test]
fn new_without_name_asks_with_the_policys_defaults_preselected() {
    let env = Env::new();
    env.new_token("taken", &[]);
    env.ok(&["policy", "set", "default-access", "read-only"]);
    env.ok(&["policy", "set", "default-expiry", "90d"]);
    let mut p = spawn(&env, &["new"]);
    p.exp_string("Name of the new token").unwrap();
    // A taken name is asked again at once, not refused at the end.
    p.send_line("taken").unwrap();
    p.exp_string("already exists").unwrap();
    p.send_line("asked-for").unwrap();
    // Access: the policy's default-access first; Enter takes it.
    p.exp_string("Access").unwrap();
    p.exp_string("read-only").unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    // Expiry: the policy's default-expiry; Enter takes it.
    p.exp_string("Expires").unwrap();
    p.exp_string("90d").unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("Created token \"asked-for\"").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    let t = env.token("asked-for");
    assert_eq!(t["pool"], serde_json::Value::Null);
    assert_eq!(t["access"], "read-only");
    let expires = chrono::DateTime::parse_from_rfc3339(t["expires_at"].as_str().unwrap()).unwrap();
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_days();
    assert!((89..=90).contains(&days), "{days}");
}

/// Without a policy the dialog's defaults are the flags': read-write, never.
#[test]
fn new_without_name_and_without_a_policy_defaults_as_the_flags_do() {
    let env = Env::new();
    let mut p = spawn(&env, &["new"]);
    p.exp_string("Name of the new token").unwrap();
    p.send_line("plain").unwrap();
    p.exp_string("Access").unwrap();
    p.exp_string("read-write").unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("Expires").unwrap();
    p.exp_string("never").unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("Created token \"plain\"").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    let t = env.token("plain");
    assert_eq!(t["access"], "read-write");
    assert_eq!(t["expires_at"], serde_json::Value::Null);
    env.ok(&["new", "--name", "flags"]);
    let f = env.token("flags");
    assert_eq!(
        (&f["access"], &f["expires_at"]),
        (&t["access"], &t["expires_at"])
    );
}

#[test]
fn new_asks_only_what_the_flags_leave_open_and_never_is_an_answer() {
    let env = Env::new();
    let mut p = spawn(&env, &["new", "--read-only"]);
    p.exp_string("Name of the new token").unwrap();
    p.send_line("forever").unwrap();
    p.exp_string("Expires").unwrap();
    p.send_line("never").unwrap();
    p.exp_string("Created token \"forever\"").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    assert_eq!(env.token("forever")["expires_at"], serde_json::Value::Null);
}

#[test]
fn new_without_name_offers_the_registered_pools() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    env.ok(&["pool", "add", "plant-b"]);
    let mut p = spawn(&env, &["new"]);
    p.exp_string("Name of the new token").unwrap();
    p.send_line("pooled").unwrap();
    p.exp_string("plant-b").unwrap();
    // Down twice: past "(no pool)" and plant-a, onto plant-b.
    p.send("\x1b[B").unwrap();
    p.send("\x1b[B").unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    // Read-only this time (down once), and the default expiry.
    p.exp_string("Access").unwrap();
    p.exp_string("read-only").unwrap();
    p.send("\x1b[B").unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("Expires").unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("Created token \"pooled\"").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    assert_eq!(env.token("pooled")["pool"], "plant-b");
    assert_eq!(env.token("pooled")["access"], "read-only");
}

#[test]
fn delete_asks_and_yes_deletes() {
    let env = Env::new();
    env.new_token("doomed", &[]);
    let mut p = spawn(&env, &["delete", "doomed"]);
    p.exp_string("Delete token \"doomed\"").unwrap();
    // A lone keypress does not answer: the question waits for Enter, so a
    // habitual Enter never reaches the shell.
    p.send("y").unwrap();
    p.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        env.token("doomed")["name"] == "doomed",
        "not deleted before Enter"
    );
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    env.fails(&["show", "doomed"], 3);
}

#[test]
fn delete_answered_no_or_enter_keeps_the_token() {
    for answer in ["n\r", "\r"] {
        let env = Env::new();
        env.new_token("kept", &[]);
        env.unchanged(|| {
            let mut p = spawn(&env, &["delete", "kept"]);
            p.exp_string("Delete token \"kept\"").unwrap();
            p.send(answer).unwrap();
            p.flush().unwrap();
            // A deliberate No is said plainly, not as an error.
            p.exp_string("Cancelled; nothing was changed.").unwrap();
            p.exp_eof().unwrap();
            assert_eq!(exit_code(&p), 5, "answer {answer:?}");
        });
    }
}

#[test]
fn renew_asks_and_shows_the_new_token() {
    let env = Env::new();
    let old = env.new_token("r", &[]);
    let mut p = spawn(&env, &["renew", "r"]);
    p.exp_string("Renew token \"r\"").unwrap();
    p.send("y\r").unwrap();
    p.flush().unwrap();
    p.exp_string("Renewed token \"r\"").unwrap();
    let (_, token) = p.exp_regex("tk[ca]1[A-Za-z0-9]{46}").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    assert_ne!(token, old);
    assert_eq!(env.token("r")["prefix"], &token[4..12]);
}

#[test]
fn ctrl_c_at_a_confirmation_changes_nothing_and_restores_the_cursor() {
    let env = Env::new();
    env.new_token("kept", &[]);
    env.unchanged(|| {
        let mut p = spawn(&env, &["delete", "kept"]);
        p.exp_string("Delete token \"kept\"").unwrap();
        p.send_control('c').unwrap();
        p.exp_string("interrupted; nothing was changed").unwrap();
        p.exp_eof().unwrap();
        assert_eq!(exit_code(&p), 130);
    });
}

#[test]
fn ctrl_c_at_the_pool_choice_changes_nothing() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    env.unchanged(|| {
        let mut p = spawn(&env, &["new"]);
        p.exp_string("Name of the new token").unwrap();
        p.send_line("never-made").unwrap();
        p.exp_string("plant-a").unwrap();
        p.send_control('c').unwrap();
        p.exp_string("interrupted").unwrap();
        p.exp_eof().unwrap();
        assert_eq!(exit_code(&p), 130);
    });
}

#[test]
fn prune_lists_the_tokens_then_asks_once() {
    let env = Env::new();
    env.new_token("stale", &[]);
    env.sql("UPDATE tokens SET created_at = '2020-01-01T00:00:00Z'");
    let mut p = spawn(&env, &["prune", "--unused-for", "30d"]);
    p.exp_string("Tokens unused for 30d:").unwrap();
    p.exp_string("\"stale\"").unwrap();
    p.exp_string("Delete these 1 token?").unwrap();
    p.send("y\r").unwrap();
    p.flush().unwrap();
    p.exp_string("Pruned 1 token").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 0);
    env.fails(&["show", "stale"], 3);
}

/// `list` on a real 80-column terminal (the pty's size set with stty):
/// no line is wider, and every prefix and status stays whole on one line;
/// lower-priority columns go first.
#[test]
fn list_at_80_columns_never_splits_a_prefix_or_a_status() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    let mut prefixes = Vec::new();
    for i in 0..3 {
        let t = env.new_token(
            &format!("a-rather-long-token-name-{i}"),
            &[
                "--pool",
                "plant-a",
                "--read-only",
                "--owner",
                "alice",
                "--expires",
                "30d",
            ],
        );
        prefixes.push(t[4..12].to_owned());
    }
    let mut p = spawn_with_options(
        env.shell("stty cols 80 rows 40; exec \"$0\" list"),
        Options::new()
            .timeout_ms(Some(15_000))
            .strip_ansi_escape_codes(true),
    )
    .expect("spawn in a pty");
    // rexpect hands over the terminal's bytes one char each.
    let bytes: Vec<u8> = p.exp_eof().unwrap().chars().map(|c| c as u8).collect();
    let shown = String::from_utf8(bytes).unwrap();
    assert_eq!(exit_code(&p), 0);
    let all: Vec<&str> = shown.lines().map(|l| l.trim_end_matches('\r')).collect();
    // The note on stderr says which columns it left out.
    let note = all.iter().find(|l| l.contains("hidden")).expect("a note");
    assert!(
        note.contains("columns hidden: ") && note.contains("API") && note.ends_with("use --wide"),
        "{note}"
    );
    let lines: Vec<&str> = all
        .iter()
        .copied()
        .filter(|l| !l.contains("hidden"))
        .collect();
    assert!(
        lines.iter().all(|l| l.chars().count() <= 80),
        "a line is wider than 80 columns:\n{shown}"
    );
    for prefix in &prefixes {
        let line = lines.iter().find(|l| l.contains(prefix.as_str()));
        assert!(
            line.is_some_and(|l| l.contains("active")),
            "{prefix} is not whole on one line with its status:\n{shown}"
        );
    }
    // The API column is the first to go.
    assert!(!shown.contains("DataMailbox"), "{shown}");
}

/// `--wide` keeps every column on a narrow terminal, and says nothing.
#[test]
fn wide_keeps_every_column_on_a_narrow_terminal() {
    let env = Env::new();
    env.new_token(
        "a-rather-long-token-name",
        &["--owner", "alice", "--expires", "30d"],
    );
    let mut p = spawn_with_options(
        env.shell("stty cols 80 rows 40; exec \"$0\" list --wide"),
        Options::new()
            .timeout_ms(Some(15_000))
            .strip_ansi_escape_codes(true),
    )
    .expect("spawn in a pty");
    let bytes: Vec<u8> = p.exp_eof().unwrap().chars().map(|c| c as u8).collect();
    let shown = String::from_utf8(bytes).unwrap();
    assert_eq!(exit_code(&p), 0);
    assert!(
        shown.contains("DataMailbox") && shown.contains("Last used"),
        "{shown}"
    );
    assert!(!shown.contains("hidden"), "{shown}");
}

/// On a terminal, `verify`, `exchange` and `inspect` ask `Token: ` and never
/// echo what is pasted (contract section 6), in an 80-column terminal.
#[test]
fn verify_exchange_and_inspect_ask_for_the_token_without_echo() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    for (args, said) in [
        ("verify", "Good: token \"ci\""),
        ("inspect", "An API token of token \"ci\""),
        ("exchange --no-clipboard", "Issued an access token"),
    ] {
        let mut p = spawn_with_options(
            env.shell(&format!("stty cols 80 rows 24; exec \"$0\" {args}")),
            Options::new()
                .timeout_ms(Some(15_000))
                .strip_ansi_escape_codes(true),
        )
        .expect("spawn in a pty");
        p.exp_string("Token: ").unwrap();
        p.send_line(&t).unwrap();
        let rest = p.exp_eof().unwrap();
        assert_eq!(exit_code(&p), 0, "{args}: {rest}");
        assert!(rest.contains(said), "{args}: {rest}");
        assert!(
            !rest.contains(&t[12..44]),
            "{args} echoed the token: {rest}"
        );
    }
}

/// `scan` with no path on a terminal scans the current directory at once
/// (it never waits for typing on stdin).
#[test]
fn scan_without_a_path_on_a_terminal_scans_the_current_directory() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let dir = env.dir.path().join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.env"), format!("API_TOKEN={t}\n")).unwrap();
    let mut cmd = env.std_cmd();
    cmd.arg("scan").current_dir(&dir);
    let mut p = spawn_with_options(
        cmd,
        Options::new()
            .timeout_ms(Some(15_000))
            .strip_ansi_escape_codes(true),
    )
    .expect("spawn in a pty");
    let shown = p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 1, "{shown}");
    assert!(shown.contains("config.env:1:"), "{shown}");
}

/// A confirmation wider than the terminal is asked on a line of its own,
/// so typing does not redraw it once per keypress (80 columns).
#[test]
fn a_long_confirmation_is_not_redrawn_at_each_keypress() {
    let env = Env::new();
    let name = "a-token-with-a-rather-long-name-for-an-80-column-terminal";
    env.new_token(name, &[]);
    let mut p = spawn_with_options(
        env.shell(&format!("stty cols 80 rows 24; exec \"$0\" delete {name}")),
        Options::new()
            .timeout_ms(Some(15_000))
            .strip_ansi_escape_codes(true),
    )
    .expect("spawn in a pty");
    p.exp_string("Confirm").unwrap();
    for key in ["y", "\x7f", "n", "\x7f", "y", "\x7f", "n"] {
        p.send(key).unwrap();
        p.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    p.send("\r").unwrap();
    p.flush().unwrap();
    let rest = p.exp_eof().unwrap();
    assert_eq!(exit_code(&p), 5, "{rest}");
    assert_eq!(
        rest.matches("Anything using it stops working").count(),
        0,
        "the question was drawn again: {rest}"
    );
    assert_eq!(env.token(name)["name"], name);
}

/// At 80 columns `log` keeps Details: the Token column goes first (the
/// prefix names the token), and Details wraps rather than going.
#[test]
fn log_at_80_columns_keeps_details() {
    let env = Env::new();
    env.new_token("ci", &["--owner", "alice"]);
    env.ok(&[
        "modify",
        "ci",
        "--owner",
        "bob",
        "--reason",
        "handed over to the night shift",
    ]);
    let mut p = spawn_with_options(
        env.shell("stty cols 80 rows 40; exec \"$0\" log"),
        Options::new()
            .timeout_ms(Some(15_000))
            .strip_ansi_escape_codes(true),
    )
    .expect("spawn in a pty");
    let bytes: Vec<u8> = p.exp_eof().unwrap().chars().map(|c| c as u8).collect();
    let shown = String::from_utf8(bytes).unwrap();
    assert_eq!(exit_code(&p), 0);
    let table: Vec<&str> = shown
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.contains("hidden"))
        .collect();
    assert!(table.iter().all(|l| l.chars().count() <= 80), "{shown}");
    assert!(
        shown.contains("Details") && shown.contains("night"),
        "{shown}"
    );
    assert!(shown.contains("1 column hidden: Token"), "{shown}");
}
