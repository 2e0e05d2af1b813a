//! `tokenctl new`: the token format, showing it once, storing only its hash.

use std::os::unix::fs::PermissionsExt;

use crate::{ACTOR, Env, assert_token_format};

#[test]
fn piped_new_prints_the_token_alone_and_the_rest_on_stderr() {
    let env = Env::new();
    let out = env.run(&["new", "--name", "ci"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout:?}");
    let token = stdout.trim_end();
    assert_token_format(token);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ci") && stderr.contains(&token[4..12]),
        "{stderr}"
    );
    assert!(!stderr.contains(token), "the secret belongs on stdout only");
}

#[test]
fn prefix_is_the_first_eight_characters_and_fields_are_defaults() {
    let env = Env::new();
    let token = env.new_token("ci", &[]);
    let t = env.token("ci");
    assert_eq!(t["prefix"], &token[4..12]);
    assert_eq!(t["api"], "DataMailbox");
    assert_eq!(t["access"], "read-write");
    assert_eq!(t["status"], "active");
    assert_eq!(t["pool"], serde_json::Value::Null);
    assert_eq!(t["owner"], serde_json::Value::Null);
    assert_eq!(t["expires_at"], serde_json::Value::Null);
    assert_eq!(t["last_used"], serde_json::Value::Null);
    assert_eq!(t["renewed_at"], serde_json::Value::Null);
    assert_eq!(t["created_by"], ACTOR);
    let created = t["created_at"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(created).is_ok() && created.ends_with('Z'),
        "{created}"
    );
}

#[test]
fn json_new_prints_the_object_with_the_token() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    let v = env.json(&[
        "new",
        "--name",
        "ci-bot",
        "--pool",
        "plant-a",
        "--read-only",
        "--expires",
        "30d",
        "--owner",
        "bob",
    ]);
    let token = v["token"].as_str().unwrap();
    assert_token_format(token);
    assert_eq!(v["prefix"], &token[4..12]);
    assert_eq!(v["name"], "ci-bot");
    assert_eq!(v["pool"], "plant-a");
    assert_eq!(v["access"], "read-only");
    assert_eq!(v["owner"], "bob");
    let expires = chrono::DateTime::parse_from_rfc3339(v["expires_at"].as_str().unwrap()).unwrap();
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours();
    assert!((29 * 24..=30 * 24).contains(&days), "{days}");
}

#[test]
fn csv_new_prints_a_header_and_the_row_with_the_token() {
    let env = Env::new();
    let out = env.ok(&["new", "--name", "ci", "--format", "csv"]);
    let mut lines = out.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("name,prefix,pool,api,access,owner,status,created_at"),
        "{header}"
    );
    assert!(header.ends_with(",token"), "{header}");
    let row = lines.next().unwrap();
    assert_token_format(row.rsplit(',').next().unwrap());
}

#[test]
fn only_an_argon2id_hash_is_stored() {
    let env = Env::new();
    let token = env.new_token("ci", &[]);
    let hash = env.text("SELECT hash FROM tokens WHERE name = 'ci'");
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    // Nowhere on disk: not the database, not its WAL, not the log.
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", env.db.display());
        if let Ok(bytes) = std::fs::read(&path) {
            let secret = &token.as_bytes()[12..44];
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret),
                "secret found in {path}"
            );
        }
    }
    assert!(!env.dump().contains(&token[12..44]));
}

#[test]
fn tokens_are_unique_and_random() {
    let env = Env::new();
    let a = env.new_token("a", &[]);
    let b = env.new_token("b", &[]);
    assert_ne!(a, b);
    assert_ne!(a[4..12], b[4..12]);
}

#[test]
fn database_is_created_private() {
    let env = Env::sqlite();
    env.new_token("ci", &[]);
    let dir = env.db.parent().unwrap();
    assert_eq!(
        std::fs::metadata(dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", env.db.display());
        if let Ok(m) = std::fs::metadata(&path) {
            assert_eq!(m.permissions().mode() & 0o777, 0o600, "{path}");
        }
    }
}

#[test]
fn default_database_is_under_xdg_data_home() {
    let env = Env::new();
    let xdg = env.dir.path().join("xdg");
    let out = env
        .cmd()
        .env_remove("TOKENCTL_DB")
        .env("XDG_DATA_HOME", &xdg)
        .args(["new", "--name", "ci"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(xdg.join("tokenctl/tokenctl.db").exists());
}

#[test]
fn default_database_falls_back_to_local_share() {
    let env = Env::new();
    let out = env
        .cmd()
        .env_remove("TOKENCTL_DB")
        .args(["new", "--name", "ci"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        env.dir
            .path()
            .join(".local/share/tokenctl/tokenctl.db")
            .exists()
    );
}

#[test]
fn db_flag_beats_the_environment() {
    let env = Env::new();
    let other = env.dir.path().join("other.db");
    env.ok(&["new", "--name", "ci", "--db", other.to_str().unwrap()]);
    assert!(other.exists());
    assert!(!env.store_exists());
}

#[test]
fn actor_comes_from_as_then_env() {
    let env = Env::new();
    env.ok(&["new", "--name", "a", "--as", "alice"]);
    env.ok(&["--as", "carol", "new", "--name", "c"]);
    env.ok(&["new", "--name", "b"]);
    assert_eq!(env.token("a")["created_by"], "alice");
    assert_eq!(env.token("c")["created_by"], "carol");
    assert_eq!(env.token("b")["created_by"], ACTOR);
    let log = env.log();
    assert_eq!(log[2]["actor"], "alice");
}

#[test]
fn global_options_work_before_and_after_the_subcommand() {
    let env = Env::new();
    env.new_token("ci", &[]);
    let before: serde_json::Value =
        serde_json::from_str(&env.ok(&["--format", "json", "list"])).unwrap();
    let after: serde_json::Value =
        serde_json::from_str(&env.ok(&["list", "--format", "json"])).unwrap();
    assert_eq!(before, after);
    let via_env = env
        .cmd()
        .env("TOKENCTL_FORMAT", "json")
        .arg("list")
        .output()
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&via_env.stdout).unwrap(),
        before
    );
}

#[test]
fn bad_names_are_refused_and_change_nothing() {
    let env = Env::new();
    env.new_token("ci", &[]);
    env.unchanged(|| {
        let long = "x".repeat(65);
        for bad in [
            "",
            " padded",
            "padded ",
            "tab\there",
            "new\nline",
            "bell\u{7}",
            long.as_str(),
        ] {
            let line = env.fails(&["new", "--name", bad], 2);
            assert!(line.contains("name"), "{line}");
        }
    });
}

#[test]
fn sixty_four_characters_are_fine() {
    let env = Env::new();
    env.new_token(&"é".repeat(64), &[]);
}

#[test]
fn duplicate_name_is_a_conflict() {
    let env = Env::new();
    env.new_token("ci", &[]);
    env.unchanged(|| {
        let line = env.fails(&["new", "--name", "ci"], 4);
        assert!(line.contains("already exists"), "{line}");
    });
}

#[test]
fn unknown_pool_is_refused_listing_the_known_ones() {
    let env = Env::new();
    env.ok(&["pool", "add", "plant-a"]);
    env.ok(&["pool", "add", "plant-b"]);
    env.unchanged(|| {
        let line = env.fails(&["new", "--name", "x", "--pool", "nope"], 2);
        assert!(
            line.contains("nope") && line.contains("plant-a, plant-b"),
            "{line}"
        );
    });
}

#[test]
fn unknown_pool_without_a_database_creates_none() {
    let env = Env::new();
    env.fails(&["new", "--name", "x", "--pool", "nope"], 2);
    assert!(!env.store_exists());
}

#[test]
fn expires_in_the_past_or_unreadable_is_refused() {
    let env = Env::new();
    env.new_token("ci", &[]);
    env.unchanged(|| {
        for bad in [
            "2020-01-01",
            "2001-01-01T00:00:00Z",
            "0s",
            "yesterday",
            "30x",
            "",
        ] {
            env.fails(&["new", "--name", "x", "--expires", bad], 2);
        }
    });
}

#[test]
fn expires_accepts_every_when_form() {
    let env = Env::new();
    env.new_token("never", &["--expires", "never"]);
    assert_eq!(env.token("never")["expires_at"], serde_json::Value::Null);
    env.new_token("date", &["--expires", "2099-05-01"]);
    assert_eq!(env.token("date")["expires_at"], "2099-05-01T00:00:00Z");
    env.new_token("stamp", &["--expires", "2099-05-01T12:30:00+02:00"]);
    assert_eq!(env.token("stamp")["expires_at"], "2099-05-01T10:30:00Z");
    for (i, d) in ["45s", "90m", "12h", "2w"].iter().enumerate() {
        env.new_token(&format!("d{i}"), &["--expires", d]);
        assert_ne!(
            env.token(&format!("d{i}"))["expires_at"],
            serde_json::Value::Null
        );
    }
}

#[test]
fn new_without_name_and_without_terminal_is_a_usage_error() {
    let env = Env::new();
    let line = env.fails(&["new"], 2);
    assert!(line.contains("--name"), "{line}");
    assert!(!env.store_exists());
}

#[test]
fn a_token_is_never_accepted_as_an_argument() {
    let env = Env::new();
    // There is no flag that takes a token: clap refuses unknown arguments.
    let out = env.run(&["new", "--name", "x", "--token", "abc"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn no_clipboard_note_without_display_and_success() {
    let env = Env::new();
    let out = env.run(&["new", "--name", "x", "--clipboard"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not copied"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

#[test]
fn clipboard_flags_conflict() {
    let env = Env::new();
    let out = env.run(&["new", "--name", "x", "--clipboard", "--no-clipboard"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!env.store_exists());
}
