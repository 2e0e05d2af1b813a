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

/// The date and source in every man page's footer (a fixed date keeps the
/// committed pages reproducible; change it with the CLI).
const MAN_DATE: &str = "2026-11-23";

/// A line of text for roff, shown as is (in a no-fill block).
fn roff_literal(line: &str) -> String {
    let escaped = line.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// One page: clap_mangen's sections, then the help's text after the
/// options as roff of our own — notes as a paragraph, examples in a no-fill
/// block, so that `T=$(tokenctl new --name ci)` is never reflowed.
fn man_page(cmd: &clap::Command, path: &str) -> Vec<u8> {
    let name = cmd.get_display_name().unwrap_or(cmd.get_name()).to_owned();
    let man = clap_mangen::Man::new(cmd.clone())
        .title(name.to_uppercase())
        .date(MAN_DATE)
        .source(format!("tokenctl {}", env!("CARGO_PKG_VERSION")))
        .manual("tokenctl manual");
    let mut out = Vec::new();
    man.render_title(&mut out).unwrap();
    man.render_name_section(&mut out).unwrap();
    out.extend_from_slice(synopsis(cmd, path).as_bytes());
    man.render_description_section(&mut out).unwrap();
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut out).unwrap();
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut out).unwrap();
    }
    if let Some(after) = cmd.get_after_help() {
        let after = after.to_string();
        let (notes, examples) = match after.split_once("Examples:") {
            Some((n, e)) => (n.trim(), Some(e)),
            None => (after.trim(), None),
        };
        if !notes.is_empty() {
            out.extend_from_slice(b".SH NOTES\n.nf\n");
            for line in notes.lines() {
                out.extend_from_slice(roff_literal(line).as_bytes());
                out.push(b'\n');
            }
            out.extend_from_slice(b".fi\n");
        }
        if let Some(examples) = examples {
            out.extend_from_slice(b".SH EXAMPLES\n.nf\n");
            for line in examples.trim_matches('\n').lines() {
                out.extend_from_slice(roff_literal(line.trim_start()).as_bytes());
                out.push(b'\n');
            }
            out.extend_from_slice(b".fi\n");
        }
    }
    if cmd.get_version().is_some() {
        man.render_version_section(&mut out).unwrap();
    }
    // No trailing white space, and no blank line (a paragraph break)
    // between two line breaks (mandoc's lint).
    let text = String::from_utf8(out).unwrap();
    let text = text
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .replace(".br\n\n.br\n", ".br\n")
        .replace("\n\n.br\n", "\n.br\n");
    let mut page = wrapped(&text);
    page.push('\n');
    page.into_bytes()
}

/// `name` for roff: a minus sign is `\-`.
fn roff(name: &str) -> String {
    name.replace('-', "\\-")
}

/// The SYNOPSIS section: every option with its value's name
/// (`[--db PATH|URL]`), flags as `[-y|--yes]`, then the arguments and the
/// subcommand.
fn synopsis(cmd: &clap::Command, path: &str) -> String {
    let mut words = vec![format!("\\fB{}\\fR", roff(path))];
    let value = |a: &clap::Arg| -> String {
        let names: Vec<String> = match a.get_value_names() {
            Some(n) => n.iter().map(ToString::to_string).collect(),
            None => {
                let possible: Vec<String> = a
                    .get_possible_values()
                    .iter()
                    .filter(|v| !v.is_hide_set())
                    .map(|v| v.get_name().to_owned())
                    .collect();
                if possible.is_empty() {
                    vec![a.get_id().as_str().to_uppercase()]
                } else {
                    vec![possible.join("|")]
                }
            }
        };
        let many = a.get_num_args().is_some_and(|n| n.max_values() > 1);
        let dots = if many { "..." } else { "" };
        names
            .iter()
            .map(|n| format!("\\fI{}\\fR{dots}", roff(n)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let args: Vec<&clap::Arg> = cmd.get_arguments().filter(|a| !a.is_hide_set()).collect();
    for a in args.iter().filter(|a| !a.is_positional()) {
        let mut names = Vec::new();
        if let Some(c) = a.get_short() {
            names.push(format!("\\fB\\-{c}\\fR"));
        }
        if let Some(l) = a.get_long() {
            names.push(format!("\\fB\\-\\-{}\\fR", roff(l)));
        }
        let mut word = names.join("|");
        if a.get_action().takes_values() {
            // `\ `: the page never breaks a line between an option and
            // its value.
            word = format!("{word}\\ {}", value(a));
        }
        words.push(if a.is_required_set() {
            word
        } else {
            format!("[{word}]")
        });
    }
    for a in args.iter().filter(|a| a.is_positional()) {
        let word = value(a);
        words.push(if a.is_required_set() {
            word
        } else {
            format!("[{word}]")
        });
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        words.push("<\\fISUBCOMMAND\\fR>".to_owned());
    }
    format!(".SH SYNOPSIS\n{}\n", words.join(" "))
}

/// The page with every line of running text at most 80 bytes (mandoc's
/// style), broken at spaces. In fill mode a line break is a space, so the
/// page reads the same; no-fill blocks (examples) and `.TP` tags are kept
/// as they are.
fn wrapped(page: &str) -> String {
    let mut out = Vec::new();
    let mut fill = true;
    let mut tag = false;
    for line in page.lines() {
        let request = line.starts_with(['.', '\'']);
        if request {
            match line.split_whitespace().next() {
                Some(".nf") => fill = false,
                Some(".fi") => fill = true,
                _ => {}
            }
            tag = line == ".TP";
            out.push(line.to_owned());
            continue;
        }
        if !fill || tag || line.len() <= 80 {
            tag = false;
            out.push(line.to_owned());
            continue;
        }
        // A space after a backslash is an escape (`\ `), not a break:
        // the words it joins are one.
        let mut words: Vec<String> = Vec::new();
        for piece in line.split(' ') {
            match words.last_mut() {
                Some(last) if last.ends_with('\\') => {
                    last.push(' ');
                    last.push_str(piece);
                }
                _ => words.push(piece.to_owned()),
            }
        }
        let mut current = String::new();
        for word in words {
            if !current.is_empty() && current.len() + 1 + word.len() > 78 {
                out.push(std::mem::take(&mut current));
            }
            if current.is_empty() && word.starts_with(['.', '\'']) {
                current.push_str("\\&");
            } else if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(&word);
        }
        out.push(current);
    }
    out.join("\n")
}

/// Every page: the command and each visible subcommand, as clap_mangen names them.
fn man_pages(dir: &Path) {
    fn each(cmd: &clap::Command, path: &str, dir: &Path) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            each(sub, &format!("{path} {}", sub.get_name()), dir);
        }
        let name = cmd.get_display_name().unwrap_or(cmd.get_name());
        std::fs::write(dir.join(format!("{name}.1")), man_page(cmd, path)).unwrap();
    }
    let mut cmd = tokenctl::cli::Cli::command().disable_help_subcommand(true);
    cmd.build();
    each(&cmd, "tokenctl", dir);
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

/// Every subcommand path, e.g. ["pool", "add"], without hidden ones.
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
