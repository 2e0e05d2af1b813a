//! Output rules of spec section 8: clean stdout, no colour when piped or
//! with `NO_COLOR`, one error line.

use crate::Env;

fn has_escape(s: &str) -> bool {
    s.contains('\u{1b}')
}

#[test]
fn piped_tables_have_no_escape_codes() {
    let env = Env::new();
    env.new_token("a", &[]);
    env.new_token("b", &[]);
    env.ok(&["disable", "b"]);
    for args in [&["list"][..], &["show", "b"], &["log"], &["pool", "list"]] {
        let out = env.ok(args);
        assert!(!has_escape(&out), "{args:?}: {out:?}");
        let with_no_color = env.cmd().env("NO_COLOR", "1").args(args).output().unwrap();
        assert!(!has_escape(&String::from_utf8_lossy(&with_no_color.stdout)));
    }
}

#[test]
fn help_and_version_go_to_stdout_with_exit_0() {
    let env = Env::new();
    let out = env.ok(&["--help"]);
    assert!(out.contains("Usage"));
    let out = env.ok(&["--version"]);
    assert!(out.starts_with("tokenctl "));
}

#[test]
fn usage_errors_are_one_line_with_exit_2() {
    let env = Env::new();
    for args in [
        &["frobnicate"][..],
        &["list", "--format", "xml"],
        &["modify"],
        &["new", "--bogus"],
        &[],
    ] {
        let line = env.fails(args, 2);
        assert!(line.contains("hint"), "{line}");
    }
}

/// The README's quick tour, every `sh` block of it in order, run as one
/// script against a fresh store: it is one story that works as written.
#[test]
fn the_readme_tour_runs_in_order() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("## A quick tour").expect("the tour");
    let end = start + readme[start..].find("\n## Shell completions").unwrap();
    let tour = &readme[start..end];
    let mut script = String::from("set -eu\n");
    // jq is the reader's; where it is missing, a stand-in for `jq -r .KEY`.
    script.push_str(
        "command -v jq >/dev/null || jq() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1].split(\".\")[1]])' \"$2\"; }\n",
    );
    script.push_str("tokenctl() { \"$TOKENCTL_BIN\" \"$@\"; }\n");
    for block in tour.split("```sh\n").skip(1) {
        script.push_str(&block[..block.find("```").unwrap()]);
    }
    let env = Env::new();
    let out = env
        .shell(&script)
        .env("TOKENCTL_BIN", env!("CARGO_BIN_EXE_tokenctl"))
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the tour failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("refused: ci is read-only"), "{stdout}");
    assert!(env.dir.path().join("audit.csv").exists());
    // The story as the log tells it: every change by alice.
    let log = env.log();
    assert!(log.iter().all(|e| e["actor"] == "alice"), "{log:?}");
    assert_eq!(log[0]["op"], "delete");
    env.ok(&["log", "verify"]);
}

/// A table to anything that is not a terminal (contract section 8): every
/// column as plain aligned text — a header, one line a row, two spaces at
/// least between columns, `-` for an empty cell, no box drawing.
#[test]
fn piped_tables_are_plain_aligned_text() {
    let env = Env::new();
    env.new_token("ci", &["--owner", "alice"]);
    env.new_token("a-longer-name", &["--read-only", "--expires", "30d"]);
    let list = env.ok(&["list"]);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3, "{list}");
    assert!(
        !list.contains('│') && !list.contains('─') && !list.contains('┆'),
        "{list}"
    );
    // No pool registered: no Device Pool column.
    let header: Vec<&str> = lines[0]
        .split("  ")
        .filter(|c| !c.is_empty())
        .map(str::trim)
        .collect();
    assert_eq!(
        header,
        [
            "Name",
            "Token prefix",
            "API",
            "Access",
            "Expires",
            "Last used",
            "Status"
        ]
    );
    // Aligned: every column starts where its header does.
    let start = lines[0].find("Access").unwrap();
    for row in &lines[1..] {
        assert!(row[start..].starts_with("read-"), "{list}");
        assert!(!row.ends_with(' '), "{row:?}");
    }
    // awk can take a column.
    let names: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(names, ["a-longer-name", "ci"]);
    // An empty cell is `-`; `show` is one line a field.
    env.ok(&["pool", "add", "plant-a"]);
    let list = env.ok(&["list"]);
    assert!(
        list.lines().next().unwrap().contains("Device Pool"),
        "{list}"
    );
    let ci = list.lines().find(|l| l.starts_with("ci ")).unwrap();
    assert!(ci.split_whitespace().any(|c| c == "-"), "{ci}");
    let show = env.ok(&["show", "ci"]);
    assert!(
        show.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["Owner", "alice"]),
        "{show}"
    );
    assert!(!show.contains('│'), "{show}");
    let pools = env.ok(&["pool", "list"]);
    assert!(pools.starts_with("Device Pool  Tokens"), "{pools}");
    let log = env.ok(&["log"]);
    assert!(log.starts_with("#  Time (UTC)"), "{log}");
    assert!(!log.contains('│'), "{log}");
}

/// Empty results say which filter matched nothing; only an empty account
/// is told how to make its first token.
/// A table keeps its rows in a temporary file between its two passes;
/// where the system gives none (`TMPDIR` names no directory), it reads the
/// store again and prints the same table.
#[test]
fn a_table_without_a_temporary_directory_is_the_same_table() {
    let env = Env::new();
    for name in ["ci", "a-longer-name", "zeta"] {
        env.new_token(name, &["--owner", "alice"]);
    }
    for args in [&["list"][..], &["log"]] {
        let spooled = env.test().args(args).succeeds().stdout;
        let again = env
            .test()
            .args(args)
            .env("TMPDIR", "/nonexistent/tokenctl-test")
            .succeeds()
            .stdout;
        assert_eq!(spooled, again, "{args:?}");
        assert!(spooled.contains("a-longer-name"), "{spooled}");
    }
}

#[test]
fn empty_results_name_the_filter_that_matched_nothing() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    let ran = env.test().args(["list"]).succeeds();
    assert!(ran.stderr.contains("Create one with"), "{}", ran.stderr);
    env.new_token("ci", &[]);
    let ran = env
        .test()
        .args(["list", "--pool", "plant-a", "--status", "disabled"])
        .succeeds();
    assert_eq!(
        ran.stderr.trim(),
        "No token matches --pool plant-a --status disabled."
    );
    assert!(ran.stdout.is_empty());
    let ran = env
        .test()
        .args(["log", "--actor", "nobody", "--op", "delete"])
        .succeeds();
    assert_eq!(
        ran.stderr.trim(),
        "No log entry matches --actor nobody --op delete."
    );
}

/// Help fits the terminal it is shown on (never a word broken at 80
/// columns), with the options every command takes under their own heading,
/// and never shows a setting's value (a store URL may hold a password).
#[test]
fn help_fits_80_columns_and_heads_the_global_options() {
    let env = Env::new();
    let out = env
        .cmd()
        .arg("--help")
        .env(
            "TOKENCTL_DB",
            "postgres://admin:s3cr3t-pw@db.example/tokens",
        )
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("TOKENCTL_DB") && !help.contains("s3cr3t-pw"),
        "{help}"
    );
    for command in [
        vec!["--help"],
        vec!["new", "--help"],
        vec!["serve", "--help"],
        vec!["policy", "set", "--help"],
        vec!["scan", "--help"],
    ] {
        let out = env
            .cmd()
            .args(&command)
            .env("COLUMNS", "80")
            .output()
            .unwrap();
        assert!(out.status.success());
        let help = String::from_utf8(out.stdout).unwrap();
        let long: Vec<&str> = help.lines().filter(|l| l.chars().count() > 80).collect();
        assert!(
            long.is_empty(),
            "{command:?}: lines over 80 columns: {long:#?}"
        );
        if command.len() > 1 {
            let global = help
                .find("Global options:")
                .unwrap_or_else(|| panic!("{command:?}: {help}"));
            assert!(help[global..].contains("--db <PATH|URL>"), "{help}");
            let own = help.find("Options:").unwrap();
            assert!(!help[own..global].contains("--db <"), "{help}");
        }
    }
}
