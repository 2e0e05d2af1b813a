//! Output rules of spec section 8: clean stdout, no colour when piped or
//! with NO_COLOR, one error line.

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
