//! Completions, the man page and help: generated from the clap definitions,
//! committed, and checked for drift. `TOKENCTL_BLESS=1 cargo test docs`
//! rewrites the committed files after a CLI change.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::Env;

fn committed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("completions")
        .join(name)
}

fn check_or_bless(name: &str, generated: &[u8]) {
    let path = committed(name);
    if std::env::var_os("TOKENCTL_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let on_disk = std::fs::read(&path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "{} is out of date with the CLI: run `TOKENCTL_BLESS=1 cargo test docs` and commit it",
        path.display()
    );
}

#[test]
fn completion_scripts_match_the_cli() {
    let env = Env::new();
    for (shell, file) in [
        ("bash", "tokenctl.bash"),
        ("zsh", "_tokenctl"),
        ("fish", "tokenctl.fish"),
        ("elvish", "tokenctl.elv"),
        ("powershell", "_tokenctl.ps1"),
    ] {
        let out = env.run(&["completions", shell]);
        assert!(out.status.success());
        assert!(out.stdout.len() > 500, "{shell}");
        // The clipboard holder is internal: offered by no shell.
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("clipboard-holder"),
            "{shell} offers the internal clipboard holder"
        );
        check_or_bless(file, &out.stdout);
    }
    // Printing completions needs no database and creates none.
    assert!(!env.store_exists());
}

/// The date in every man page's footer, as the program writes it.
const MAN_DATE: &str = tokenctl::man::MAN_DATE;

/// The program writes every page into `dir` (`tokenctl __man-pages DIR`).
fn man_pages(dir: &Path) {
    let env = Env::new();
    env.ok(&["__man-pages", dir.to_str().unwrap()]);
    assert!(!env.store_exists(), "writing man pages needs no store");
}

/// `mandoc -T lint` finds nothing in any page, not even a style note, where
/// mandoc is installed; SYNOPSIS names the values the options take.
#[test]
fn man_pages_are_lint_clean() {
    if !crate::have_program(
        "mandoc",
        "TOKENCTL_REQUIRE_MANDOC",
        "man_pages_are_lint_clean",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    man_pages(dir.path());
    let pages: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let out = std::process::Command::new("mandoc")
        .args(["-T", "lint", "-W", "style"])
        .args(&pages)
        .output()
        .unwrap();
    let report =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        report.trim().is_empty(),
        "mandoc -T lint -W style:\n{report}"
    );
    // The examples are kept as written.
    let new = std::fs::read_to_string(dir.path().join("tokenctl-new.1")).unwrap();
    assert!(new.contains(".SH EXAMPLES\n.nf\n"), "{new}");
    assert!(new.contains("T=$(tokenctl new \\-\\-name ci)"), "{new}");
    assert!(
        new.contains(MAN_DATE) && new.contains("tokenctl 0."),
        "{new}"
    );
    let top = std::fs::read_to_string(dir.path().join("tokenctl.1")).unwrap();
    assert!(
        top.contains("[\\fB\\-\\-db\\fR\\ \\fIPATH|URL\\fR]")
            && top.contains("[\\fB\\-\\-as\\fR\\ \\fINAME\\fR]"),
        "{top}"
    );
}

#[test]
fn man_pages_match_the_cli() {
    // tokenctl.1 and one page a subcommand (tokenctl-new.1, tokenctl-pool-add.1, …).
    let dir = tempfile::tempdir().unwrap();
    man_pages(dir.path());
    let mut pages: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    pages.sort();
    assert!(
        pages.contains(&"tokenctl.1".to_owned())
            && pages.contains(&"tokenctl-pool-add.1".to_owned()),
        "{pages:?}"
    );
    for page in &pages {
        check_or_bless(page, &std::fs::read(dir.path().join(page)).unwrap());
    }
    let committed_pages = std::fs::read_dir(committed(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".1"))
        .count();
    assert_eq!(
        committed_pages,
        pages.len(),
        "a committed man page no longer matches a command"
    );
}

/// Every subcommand path, e.g. `["pool", "add"]`, without hidden ones.
fn subcommands(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
    // clap's own `help` subcommand is not ours to document.
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let mut p = path.clone();
        p.push(sub.get_name().to_owned());
        out.push(p.clone());
        subcommands(sub, p, out);
    }
}

#[test]
fn every_subcommands_help_ends_with_examples() {
    let env = Env::new();
    let mut all = Vec::new();
    subcommands(&tokenctl::cli::Cli::command(), Vec::new(), &mut all);
    assert!(all.len() >= 15, "{all:?}");
    for path in all {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = env.ok(&args);
        let examples = out.split("Examples:").nth(1);
        assert!(
            examples.is_some_and(|e| e.contains("tokenctl")),
            "`tokenctl {}` has no examples",
            path.join(" ")
        );
    }
}

#[test]
fn token_and_pool_names_complete_from_the_database() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    env.new_token("ci-bot", &[]);
    env.new_token("deploy", &[]);
    let complete = |words: &[&str]| -> Vec<String> {
        let out = env
            .cmd()
            .env("COMPLETE", "fish")
            .arg("--")
            .arg("tokenctl")
            .args(words)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_owned())
            .collect()
    };
    let tokens = complete(&["delete", ""]);
    assert!(
        tokens.contains(&"ci-bot".to_owned()) && tokens.contains(&"deploy".to_owned()),
        "{tokens:?}"
    );
    assert_eq!(complete(&["renew", "dep"]), ["deploy"]);
    assert_eq!(complete(&["new", "--pool", ""]), ["plant-a"]);
    assert_eq!(complete(&["pool", "remove", "pl"]), ["plant-a"]);
    assert!(complete(&["log", "--op", "po"]).contains(&"pool-add".to_owned()));
}

/// A README block run as written in a fresh home, with `tokenctl` the
/// binary under test: (success, stdout and stderr).
fn run_readme_block(env: &crate::Env, tag: &str, home: &std::path::Path) -> (bool, String) {
    let out = env
        .script(&crate::serve::readme_block(tag))
        .env("HOME", home)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// The completion install lines work in a home that has none of the
/// directories yet.
#[test]
fn the_readme_completion_install_lines_work_in_a_fresh_home() {
    let env = crate::Env::new();
    let home = env.dir.path().join("fresh-home");
    std::fs::create_dir_all(&home).unwrap();
    let (ok, said) = run_readme_block(&env, "sh completions-install", &home);
    assert!(ok, "{said}");
    for file in [
        ".local/share/bash-completion/completions/tokenctl",
        ".zfunc/_tokenctl",
        ".config/fish/completions/tokenctl.fish",
        ".config/elvish/rc.elv",
    ] {
        let text = std::fs::read_to_string(home.join(file)).unwrap_or_default();
        assert!(text.contains("tokenctl"), "{file}");
    }
}

/// The nightly backup recipe writes a dated store whose log verifies.
#[test]
fn the_readme_backup_recipe_writes_a_dated_copy() {
    let env = crate::Env::new();
    env.new_token("ci", &[]);
    let home = env.dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let (ok, said) = run_readme_block(&env, "sh backup-recipe", &home);
    assert!(ok, "{said}");
    let today = chrono::Utc::now().format("%F").to_string();
    let copy = home.join(format!("backups/tokenctl/tokenctl-{today}.db"));
    assert!(copy.exists(), "{said}");
    let out = env
        .cmd()
        .args(["log", "verify"])
        .env("TOKENCTL_DB", &copy)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The main man page has ENVIRONMENT (every `TOKENCTL_*` setting), FILES
/// and EXIT STATUS (the contract's table).
#[test]
fn the_man_page_names_the_environment_files_and_exit_codes() {
    let page = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/completions/tokenctl.1"
    ))
    .unwrap();
    let section = |name: &str| -> String {
        let start = page
            .find(&format!(".SH {name}\n"))
            .unwrap_or_else(|| panic!("no {name}"));
        let rest = &page[start + 4..];
        rest[..rest.find("\n.SH ").unwrap_or(rest.len())].to_owned()
    };
    let environment = section("ENVIRONMENT");
    let src = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src")).is_ok();
    assert!(src);
    for var in [
        "TOKENCTL_DB",
        "TOKENCTL_ACTOR",
        "TOKENCTL_FORMAT",
        "TOKENCTL_NO_CLIPBOARD",
        "TOKENCTL_CLIP_SECONDS",
        "PGPASSWORD",
    ] {
        assert!(environment.contains(var), "{var} missing from ENVIRONMENT");
    }
    assert!(section("FILES").contains("tokenctl.db"));
    let exit = section("EXIT STATUS");
    for code in ["0", "1", "2", "3", "4", "5", "10", "130"] {
        assert!(
            exit.contains(&format!(".B {code}\n")),
            "exit {code} missing"
        );
    }
}
