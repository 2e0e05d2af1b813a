//! Hygiene (spec section 11): inspect, scan, list --expiring/--unused-for,
//! check and prune, through the binary.

use std::process::Stdio;

use serde_json::{Value, json};

use crate::{Env, expect_error, forged};

fn run_json(env: &Env, args: &[&str], stdin: &str) -> (i32, Value) {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let out = env.run_stdin(&a, stdin);
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), v)
}

// ---- inspect -----------------------------------------------------------------

#[test]
fn inspect_says_what_a_string_is_without_checking_it() {
    let env = Env::new();
    let t = env.new_token("ci", &["--read-only"]);
    env.unchanged(|| {
        let (code, v) = run_json(&env, &["inspect"], &format!("Authorization: Bearer {t}\n"));
        assert_eq!(code, 0);
        assert_eq!(v["well_formed"], true);
        assert_eq!(v["kind"], "api");
        assert_eq!(v["prefix"], &t[4..12]);
        assert_eq!(v["token"], env.token("ci"), "the object of show");
        // It does no check and changes nothing (not even last_used).
    });
    // Same prefix, any secret: inspect says what it is, not whether it works.
    let (code, v) = run_json(
        &env,
        &["inspect"],
        &format!("{}\n", forged("tkc1", &t[4..12])),
    );
    assert_eq!((code, v["token"]["name"].clone()), (0, json!("ci")));
    // An access token: its parent's name and its own expiry.
    let a = env.run_stdin(&["exchange", "--ttl", "1h"], &format!("{t}\n"));
    let a = String::from_utf8(a.stdout).unwrap().trim().to_owned();
    let (code, v) = run_json(&env, &["inspect"], &format!("{a}\n"));
    assert_eq!(code, 0);
    assert_eq!(v["kind"], "access");
    assert_eq!(v["token"]["parent"], "ci");
    assert!(v["token"]["expires_at"].as_str().unwrap().ends_with('Z'));
    // Malformed: exit 1. Well-formed but unknown: exit 3.
    let (code, v) = run_json(&env, &["inspect"], &format!("{}\n", &t[..49]));
    assert_eq!((code, v), (1, json!({"well_formed": false})));
    let (code, v) = run_json(
        &env,
        &["inspect"],
        &format!("{}\n", forged("tka1", "ZzZzZzZz")),
    );
    assert_eq!(code, 3);
    assert_eq!(v["kind"], "access");
    assert_eq!(v["token"], Value::Null);
    // A token as an argument is refused like everywhere.
    env.fails(&["inspect", &t], 2);
}

#[test]
fn inspect_without_a_store_says_unknown() {
    let env = Env::new();
    let (code, v) = run_json(
        &env,
        &["inspect"],
        &format!("{}\n", forged("tkc1", "AbCdEfGh")),
    );
    assert_eq!(code, 3);
    assert_eq!(v["well_formed"], true);
    assert!(!env.store_exists(), "inspect creates nothing");
}

// ---- scan ----------------------------------------------------------------------

#[test]
fn scan_finds_live_tokens_by_place_and_never_prints_them() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let off = env.new_token("off", &[]);
    env.ok(&["disable", "off"]);
    let repo = env.dir.path().join("repo");
    std::fs::create_dir_all(repo.join("src")).unwrap();
    std::fs::write(repo.join(".env"), format!("API_TOKEN={t}\n")).unwrap();
    std::fs::write(repo.join("src/app.log"), format!("one\ntwo {t} three\n")).unwrap();
    std::fs::write(repo.join("src/off.txt"), format!("{off}\n")).unwrap();
    // Ignored by .gitignore: not reported.
    std::fs::write(repo.join(".gitignore"), "secret.txt\n").unwrap();
    std::fs::write(repo.join("secret.txt"), format!("{t}\n")).unwrap();
    // A look-alike of the right shape with a wrong checksum: never reported.
    std::fs::write(repo.join("fake.txt"), format!("tkc1{}\n", "Q".repeat(46))).unwrap();
    let out = env.run(&["scan", repo.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "a live token was found");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let r = repo.display();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert_eq!(
        lines[0],
        format!(
            "{r}/.env:1:11: api token, prefix {}, \"ci\" active",
            &t[4..12]
        )
    );
    assert_eq!(
        lines[1],
        format!(
            "{r}/src/app.log:2:5: api token, prefix {}, \"ci\" active",
            &t[4..12]
        )
    );
    assert!(lines[2].ends_with("\"off\" disabled"), "{stdout}");
    assert!(!stdout.contains(&t[12..44]) && !stdout.contains(&off[12..44]));
    // JSON for tools.
    let (code, v) = run_json(&env, &["scan", repo.to_str().unwrap()], "");
    assert_eq!(code, 1);
    assert_eq!(v[0]["line"], 1);
    assert_eq!(v[0]["column"], 11);
    assert_eq!(v[0]["kind"], "api");
    assert_eq!(v[0]["token"], "ci");
    assert_eq!(v[0]["status"], "active");
    // Only a disabled token found: nothing live, exit 0.
    let out = env.run(&["scan", repo.join("src/off.txt").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn scan_reads_stdin_as_a_pre_commit_hook_does() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let diff = format!("+++ b/config.yml\n+token: {t}\n");
    let out = env.run_stdin(&["scan", "-"], &diff);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("-:2:9: api token"));
    let out = env.run_stdin(&["scan"], "nothing to see\n");
    assert_eq!(out.status.code(), Some(0));
    // A token the store does not know is no live token.
    let out = env.run_stdin(&["scan"], &format!("{}\n", forged("tkc1", "ZzZzZzZz")));
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("unknown to this store"));
}

#[test]
fn scan_without_a_store_checks_the_format_only() {
    let env = Env::new();
    let out = env.run_stdin(&["scan"], &format!("{}\n", forged("tkc1", "AbCdEfGh")));
    assert_eq!(out.status.code(), Some(1), "any well-formed token counts");
    assert!(String::from_utf8_lossy(&out.stdout).contains("no store to ask"));
    assert!(!env.store_exists());
}

#[test]
fn scan_skips_binary_and_huge_files_and_goes_on_past_unreadable_ones() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let dir = env.dir.path().join("tree");
    std::fs::create_dir_all(&dir).unwrap();
    let mut binary = vec![0u8, 1, 2, 3];
    binary.extend_from_slice(t.as_bytes());
    std::fs::write(dir.join("blob.bin"), binary).unwrap();
    let mut big = vec![b'x'; 10 * 1024 * 1024 + 1];
    big.extend_from_slice(t.as_bytes());
    std::fs::write(dir.join("big.txt"), big).unwrap();
    std::fs::write(dir.join("ok.txt"), "clean\n").unwrap();
    let missing = env.dir.path().join("missing");
    let stderr = env
        .test()
        .args(["scan", missing.to_str().unwrap(), dir.to_str().unwrap()])
        .exits(0)
        .stderr;
    assert!(stderr.contains("blob.bin: a binary file"), "{stderr}");
    assert!(stderr.contains("big.txt: over 10 MiB"), "{stderr}");
    assert!(
        stderr.contains("cannot read") && stderr.contains("missing"),
        "{stderr}"
    );
    // Nothing readable at all: exit 10, after the note.
    let stderr = env
        .test()
        .args(["scan", missing.to_str().unwrap()])
        .exits(10)
        .stderr;
    assert!(
        stderr
            .lines()
            .last()
            .unwrap()
            .starts_with("error: nothing could be read"),
        "{stderr}"
    );
}

#[test]
fn scan_disable_writes_one_entry_per_token_with_the_place() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let u = env.new_token("other", &[]);
    let file = env.dir.path().join("leak.log");
    std::fs::write(&file, format!("a {t}\nb {t}\nc {u}\n")).unwrap();
    let f = file.to_str().unwrap();
    let out = env.run(&["scan", f, "--disable", "--reason", "incident 42"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(env.token("ci")["status"], "disabled");
    assert_eq!(env.token("other")["status"], "disabled");
    let disables: Vec<Value> = env
        .log()
        .into_iter()
        .filter(|e| e["op"] == "disable")
        .collect();
    assert_eq!(disables.len(), 2, "one entry per token");
    let reasons: Vec<&str> = disables
        .iter()
        .map(|e| e["details"]["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.contains(&format!("found in {f}:1; incident 42").as_str()),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&format!("found in {f}:3; incident 42").as_str()),
        "{reasons:?}"
    );
    env.ok(&["log", "verify"]);
}

// ---- list filters, check, prune ---------------------------------------------

#[test]
fn list_expiring_and_unused_for() {
    let env = Env::new();
    env.new_token("soon", &["--expires", "2d"]);
    env.new_token("later", &["--expires", "60d"]);
    env.new_token("never", &[]);
    env.new_token("stale", &[]);
    env.sql(
        "UPDATE tokens SET created_at = '2020-01-01T00:00:00Z' WHERE name IN ('stale', 'never')",
    );
    env.sql("UPDATE tokens SET last_used = '2020-06-01' WHERE name = 'never'");
    let names = |args: &[&str]| -> Vec<String> {
        env.json(args)
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&["list", "--expiring", "7d"]), ["soon"]);
    assert_eq!(names(&["list", "--expiring", "90d"]), ["later", "soon"]);
    assert_eq!(names(&["list", "--unused-for", "30d"]), ["never", "stale"]);
    assert_eq!(
        names(&["list", "--unused-for", "30d", "--expiring", "7d"]),
        Vec::<String>::new()
    );
    for bad in ["soon", "0s", "-1d", "99999999999999w"] {
        env.fails(&["list", "--expiring", bad], 2);
        env.fails(&["list", "--unused-for", bad], 2);
    }
}

#[test]
fn check_reports_expiring_tokens_and_the_chain() {
    let env = Env::new();
    env.new_token("fine", &["--expires", "60d"]);
    let out = env.run(&["check"]);
    assert_eq!(out.status.code(), Some(0));
    let (code, v) = run_json(&env, &["check"], "");
    assert_eq!(code, 0);
    assert_eq!(v["ok"], true);
    assert_eq!(v["log"]["intact"], true);
    env.new_token("soon", &["--expires", "3d"]);
    let out = env.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("EXPIRING soon"));
    let (code, v) = run_json(&env, &["check", "--expiring", "1d"], "");
    assert_eq!((code, v["ok"].clone()), (0, json!(true)));
    // Through a noted head; and a tampered log.
    let head = env.ok(&["log", "head"]).trim().to_owned();
    env.ok(&["check", "--expiring", "1d", "--head", &head]);
    env.tamper("UPDATE log SET actor = 'mallory' WHERE id = 1");
    let (code, v) = run_json(&env, &["check", "--expiring", "1d"], "");
    assert_eq!(code, 1);
    assert_eq!(v["log"]["intact"], false);
    env.fails(&["check", "--expiring", "soon"], 2);
    env.fails(&["check", "--head", "nope"], 2);
}

#[test]
fn prune_lists_asks_and_deletes_all_or_nothing_with_the_rule_logged() {
    let env = Env::new();
    env.new_token("fresh", &[]);
    env.new_token("stale-a", &[]);
    env.new_token("stale-b", &[]);
    env.sql("UPDATE tokens SET created_at = '2020-01-01T00:00:00Z' WHERE name LIKE 'stale%'");
    let before = env.dump();
    // A preview changes nothing.
    let stderr = env
        .test()
        .args(["prune", "--unused-for", "90d", "--dry-run"])
        .exits(0)
        .stderr;
    assert!(
        stderr.contains("stale-a") && stderr.contains("stale-b") && !stderr.contains("fresh"),
        "{stderr}"
    );
    assert_eq!(env.dump(), before);
    // Without a terminal it needs --yes.
    let out = env
        .std_cmd()
        .args(["prune", "--unused-for", "90d"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    expect_error(&out, 5, &["prune"]);
    assert_eq!(env.dump(), before);
    // Bad rules.
    env.fails(&["prune"], 2);
    env.fails(&["prune", "--unused-for", "1d", "--expired-for", "1d"], 2);
    env.fails(&["prune", "--unused-for", "soon", "--yes"], 2);
    assert_eq!(env.dump(), before);
    // Done: one entry per token, the rule as the reason.
    env.ok(&[
        "prune",
        "--unused-for",
        "90d",
        "--yes",
        "--reason",
        "cleanup",
    ]);
    let names: Vec<Value> = env
        .json(&["list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("fresh")]);
    let deletes: Vec<Value> = env
        .log()
        .into_iter()
        .filter(|e| e["op"] == "delete")
        .collect();
    assert_eq!(deletes.len(), 2);
    for d in &deletes {
        assert_eq!(d["details"]["reason"], "prune: unused for 90d; cleanup");
    }
    env.ok(&["log", "verify"]);
    // Nothing left to prune.
    env.ok(&["prune", "--unused-for", "90d", "--yes"]);
    // Expired for a while.
    env.new_token("gone", &["--expires", "1h"]);
    env.sql("UPDATE tokens SET expires_at = '2020-01-01T00:00:00Z' WHERE name = 'gone'");
    env.ok(&["prune", "--expired-for", "30d", "--yes"]);
    env.fails(&["show", "gone"], 3);
}

/// A token in a file's *name* is shortened wherever scan shows the path:
/// the table, JSON, CSV, notes, and the append-only log's reason.
#[test]
fn scan_never_prints_a_token_that_stands_in_a_file_name() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let dir = env.dir.path().join("leaks");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("backup-{t}.txt")), format!("{t}\n")).unwrap();
    std::fs::write(dir.join(format!("{t}.bin")), b"\0binary").unwrap();
    std::fs::write(
        dir.join("AVeryLongButHarmlessFileName2026.txt"),
        format!("{t}\n"),
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    for format in ["table", "json", "csv"] {
        let out = env.run(&["scan", d, "--format", format]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(&t[4..44]), "{format}: {all}");
        assert!(all.contains("backup-tkc…"), "{format}: {all}");
        // For scripts, other long names are shown as they are.
        if format != "table" {
            assert!(
                all.contains("AVeryLongButHarmlessFileName2026.txt"),
                "{format}: {all}"
            );
        }
    }
    env.run(&["scan", d, "--disable"]);
    let log = serde_json::to_string(&env.log()).unwrap();
    assert!(log.contains("found in"), "{log}");
    assert!(!log.contains(&t[4..44]), "{log}");
}

/// Files whose size says 0 but never end (procfs) are read at most 10 MiB.
#[test]
fn scan_reads_at_most_10_mib_whatever_the_size_says() {
    let env = Env::new();
    let start = std::time::Instant::now();
    let out = env.run(&["scan", "/proc/self/pagemap"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("over 10 MiB"), "{stderr}");
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
}

/// CSV lists the findings: a header row, then one row a finding.
#[test]
fn scan_as_csv_and_json_lists_the_findings() {
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let csv = env
        .test()
        .args(["scan", "--format", "csv"])
        .stdin(format!("x {t}\n"))
        .exits(1)
        .stdout;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "file,line,column,kind,prefix,token,status");
    assert_eq!(lines[1], format!("'-,1,3,api,{},ci,active", &t[4..12]));
    assert_eq!(lines.len(), 2);
    // After --disable the row says what the token is now.
    let out = env.run_stdin(
        &["scan", "--format", "csv", "--disable"],
        &format!("x {t}\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains(",ci,disabled"));
    // Nothing found: the header alone; JSON an empty array.
    let out = env.run_stdin(&["scan", "--format", "csv"], "nothing\n");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "file,line,column,kind,prefix,token,status\n"
    );
    let out = env.run_stdin(&["scan", "--format", "json"], "nothing\n");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "[]\n");
}

/// `scan --staged` in a real git repository, through the README's hook as
/// written: a commit that adds a token fails at its real `FILE:LINE:COLUMN`,
/// the commit that removes it passes.
#[test]
fn the_readme_pre_commit_hook_refuses_a_token_and_lets_its_removal_pass() {
    if !crate::have_program(
        "git",
        "TOKENCTL_REQUIRE_SHELLS",
        "the_readme_pre_commit_hook",
    ) {
        return;
    }
    let env = Env::new();
    let t = env.new_token("ci", &[]);
    let repo = env.dir.path().join("repo");
    std::fs::create_dir_all(repo.join("conf")).unwrap();
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_tokenctl"))
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let git = |args: &[&str]| {
        let out = env
            .shell_cmd("git")
            .args(args)
            .current_dir(&repo)
            .env("PATH", &path)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    assert!(git(&["init", "-q"]).0);
    let hook = repo.join(".git/hooks/pre-commit");
    std::fs::write(&hook, crate::serve::readme_block("sh pre-commit")).unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(repo.join("conf/app.env"), "HOST=x\nHOST2=y\n").unwrap();
    assert!(git(&["add", "."]).0);
    let (ok, said) = git(&["commit", "-q", "-m", "clean"]);
    assert!(ok, "{said}");
    // A token added on line 2, column 5 of a staged file: refused.
    std::fs::write(
        repo.join("conf/app.env"),
        format!("HOST=x\nKEY={t}\nHOST2=y\n"),
    )
    .unwrap();
    assert!(git(&["add", "."]).0);
    let (ok, said) = git(&["commit", "-q", "-m", "leak"]);
    assert!(!ok, "the commit went through: {said}");
    assert!(said.contains("conf/app.env:2:5"), "{said}");
    assert!(!said.contains(&t[12..44]), "{said}");
    // Committed all the same (--no-verify), then removed: the removal passes.
    assert!(git(&["commit", "-q", "--no-verify", "-m", "leak"]).0);
    std::fs::write(repo.join("conf/app.env"), "HOST=x\nHOST2=y\n").unwrap();
    assert!(git(&["add", "."]).0);
    let (ok, said) = git(&["commit", "-q", "-m", "remove the leak"]);
    assert!(ok, "{said}");
    // Outside a repository: a usage error.
    let out = env
        .std_cmd()
        .args(["scan", "--staged"])
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    crate::expect_error(&out, 2, &["scan", "--staged"]);
}
