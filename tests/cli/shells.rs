//! Completions through the real shells, where they are installed (CI
//! installs bash-completion, zsh and fish, and sets `TOKENCTL_REQUIRE_SHELLS`
//! so that a missing one fails instead of skipping): the committed static
//! scripts and the dynamic ones (`COMPLETE=SHELL tokenctl`), typed into an
//! interactive shell on a pseudo-terminal with a real Tab.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rexpect::reader::Options;
use rexpect::session::{PtySession, spawn_with_options};

use crate::Env;

const BASH_COMPLETION: &str = "/usr/share/bash-completion/bash_completion";

fn completions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("completions")
}

/// A store with a token whose name has a space, and one without.
fn tokens() -> Env {
    let env = Env::new();
    env.new_token("beta bot", &[]);
    env.new_token("gamma", &[]);
    env
}

/// `program` with `tokenctl` first on its PATH, the test's store in
/// `TOKENCTL_DB`, and a home of its own (no start-up files of the user's).
fn with_tokenctl(env: &Env, program: &str) -> std::process::Command {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_tokenctl")).parent().unwrap();
    let path = std::env::var("PATH").unwrap_or_default();
    let mut cmd = env.shell_cmd(program);
    cmd.env("PATH", format!("{}:{path}", bin_dir.display()))
        .env("HOME", env.dir.path());
    cmd
}

/// An interactive `program` on a pty, with `tokenctl` on its PATH and the
/// test's store in `TOKENCTL_DB`, no start-up files of the user's.
fn interactive(env: &Env, program: &str, args: &[&str]) -> PtySession {
    let mut cmd = with_tokenctl(env, program);
    cmd.args(args)
        .env("TERM", "xterm")
        .env("PS1", "$ ")
        .env("PROMPT", "$ ");
    spawn_with_options(
        cmd,
        Options::new()
            .timeout_ms(Some(20_000))
            .strip_ansi_escape_codes(true),
    )
    .expect("spawn a shell in a pty")
}

/// Run `setup` in the shell and wait until it is done (the marker is
/// printed, never echoed as typed).
fn set_up(p: &mut PtySession, setup: &str) {
    p.send_line(&format!("{setup}; echo set-''up-done"))
        .unwrap();
    p.exp_string("set-up-done").unwrap();
}

/// Type `typed` (Tabs included), then `rest` and Enter; the command's exit
/// status, and what the terminal showed meanwhile.
fn complete_and_run(p: &mut PtySession, typed: &str, rest: &str) -> (i32, String) {
    p.send(typed).unwrap();
    p.flush().unwrap();
    // Completion runs the binary (dynamic) or shell code: let it finish
    // before the rest of the line is typed.
    std::thread::sleep(Duration::from_millis(700));
    p.send(&format!("{rest}\r")).unwrap();
    p.flush().unwrap();
    p.send_line("echo exit-''status=$?").unwrap();
    let (shown, status) = p.exp_regex("exit-status=[0-9]+").unwrap();
    let status = status.trim_start_matches("exit-status=").parse().unwrap();
    (status, shown)
}

fn disabled(env: &Env, name: &str) -> bool {
    env.token(name)["status"] == "disabled"
}

/// What every interactive shell must do: with the committed static script
/// (loaded by `setup`), a command completes and the internal clipboard
/// holder does not; with the dynamic script, a name with a space arrives
/// as one argument.
fn completes_in(shell: &str, args: &[&str], setup: &str) {
    let env = tokens();
    let mut p = interactive(&env, shell, args);
    set_up(&mut p, setup);
    let (status, shown) = complete_and_run(&mut p, "tokenctl disab\t", "gamma");
    assert_eq!(status, 0, "{shown}");
    assert!(disabled(&env, "gamma"));
    let (status, shown) = complete_and_run(&mut p, "tokenctl __cl\t", "");
    assert_ne!(status, 0, "{shown}");
    assert!(shown.contains("'__cl'"), "{shown}");
    set_up(&mut p, &format!("source <(COMPLETE={shell} tokenctl)"));
    let (status, shown) = complete_and_run(&mut p, "tokenctl disable be\t", "");
    assert_eq!(status, 0, "{shown}");
    assert!(disabled(&env, "beta bot"));
}

#[test]
fn bash_completes_commands_and_quotes_a_name_with_a_space() {
    let require = "TOKENCTL_REQUIRE_SHELLS";
    if !crate::have_program("bash", require, "bash completions")
        || !crate::have_file(BASH_COMPLETION, require, "bash completions")
    {
        return;
    }
    let script = completions_dir().join("tokenctl.bash");
    completes_in(
        "bash",
        &["--norc", "--noprofile", "-i"],
        &format!("source {BASH_COMPLETION}; source {}", script.display()),
    );
}

#[test]
fn zsh_completes_commands_and_quotes_a_name_with_a_space() {
    if !crate::have_program("zsh", "TOKENCTL_REQUIRE_SHELLS", "zsh completions") {
        return;
    }
    completes_in(
        "zsh",
        &["-f", "-i"],
        &format!(
            "fpath=({} $fpath); autoload -Uz compinit; compinit -u",
            completions_dir().display()
        ),
    );
}

/// fish quotes what it inserts itself; `complete -C` shows what it offers.
#[test]
fn fish_offers_commands_and_names() {
    if !crate::have_program("fish", "TOKENCTL_REQUIRE_SHELLS", "fish completions") {
        return;
    }
    let env = tokens();
    let fish = |script: &str| {
        let out = with_tokenctl(&env, "fish")
            .args(["--no-config", "-c", script])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let offered = fish(&format!(
        "source {}; complete -C'tokenctl '",
        completions_dir().join("tokenctl.fish").display()
    ));
    let commands: Vec<&str> = offered
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    for c in ["new", "list", "disable", "serve", "scan", "inspect"] {
        assert!(commands.contains(&c), "{c} not offered: {offered}");
    }
    assert!(!offered.contains("clipboard"), "{offered}");
    let names = fish("COMPLETE=fish tokenctl | source; complete -C'tokenctl disable '");
    let names: Vec<&str> = names
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert!(names.contains(&"beta bot"), "{names:?}");
    assert!(names.contains(&"gamma"), "{names:?}");
}
