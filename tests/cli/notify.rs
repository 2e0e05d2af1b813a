//! `tokenctl notify` (spec section 14): the account's events delivered to a
//! real receiver outside Rust (`tests/fixtures/webhook_receiver.py`), which
//! verifies every delivery with the Standard Webhooks reference library.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{Env, have_program};

/// Make the receiver's absence a failure (CI sets it).
const REQUIRE: &str = "TOKENCTL_REQUIRE_WEBHOOKS";

/// A secret as the Standard Webhooks libraries make them.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n";

/// The receiver: a Python process verifying each delivery's signature.
pub(crate) struct Receiver {
    child: Child,
    pub port: u16,
    records: PathBuf,
    control: PathBuf,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether Python with `standardwebhooks` is here; a skip or a failure.
pub(crate) fn have_receiver(test: &str) -> bool {
    if !have_program("python3", REQUIRE, test) {
        return false;
    }
    let found = std::process::Command::new("python3")
        .args(["-c", "import standardwebhooks"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os(REQUIRE).is_none(),
            "{test} needs Python's standardwebhooks ({REQUIRE} is set)"
        );
        eprintln!("skipping {test}: Python's standardwebhooks is not installed");
    }
    found
}

impl Receiver {
    /// Start one in `env`'s directory, over TLS with `tls` (cert, key).
    pub(crate) fn start(env: &Env, tls: Option<(&Path, &Path)>) -> Receiver {
        let dir = env.dir.path();
        let secret = secret_file(env);
        let records = dir.join("received.jsonl");
        let control = dir.join("control");
        std::fs::create_dir_all(&control).unwrap();
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/webhook_receiver.py"
        );
        let mut cmd = std::process::Command::new("python3");
        cmd.arg(script).arg(&secret).arg(&records).arg(&control);
        if let Some((cert, key)) = tls {
            cmd.arg(cert).arg(key);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("the receiver said {line:?}"))
            .parse()
            .unwrap();
        Receiver {
            child,
            port,
            records,
            control,
        }
    }

    /// The URL, with credentials in it (never to be shown).
    pub(crate) fn url(&self) -> String {
        format!("http://hook:s3cretpass@127.0.0.1:{}/in", self.port)
    }

    /// As notify shows it.
    fn shown(&self) -> String {
        format!("http://***@127.0.0.1:{}/in", self.port)
    }

    /// Every attempt so far, in order.
    pub(crate) fn records(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.records)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The ids answered 2xx, in order.
    pub(crate) fn delivered(&self) -> Vec<String> {
        self.records()
            .iter()
            .filter(|r| r["status"] == 204)
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Answer 500 to these ids (none: take everything again).
    fn fail(&self, ids: &[&str]) {
        std::fs::write(self.control.join("fail"), ids.join("\n")).unwrap();
    }

    /// Hold these ids a minute before answering.
    fn hang(&self, ids: &[&str]) {
        std::fs::write(self.control.join("hang"), ids.join("\n")).unwrap();
    }

    /// Wait until `done` holds of the records (at most `secs` seconds).
    #[track_caller]
    pub(crate) fn wait(&self, secs: u64, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            let records = self.records();
            if done(&records) {
                return records;
            }
            assert!(
                Instant::now() < end,
                "not within {secs} s; the receiver has {records:#?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The secret file, mode 0600.
/// The secret's file, written whole under a temporary name and renamed into
/// place: a notify already reading it (a second one started beside it)
/// never sees it empty. (Writing it in place made such a reader find an
/// empty file now and then, and exit 2.)
pub(crate) fn secret_file(env: &Env) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = env.dir.path().join("whsec");
    let fresh = env
        .dir
        .path()
        .join(format!("whsec.{}", rand::random::<u32>()));
    std::fs::write(&fresh, SECRET).unwrap();
    std::fs::set_permissions(&fresh, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::rename(&fresh, &path).unwrap();
    path
}

fn ids(n: std::ops::RangeInclusive<i64>) -> Vec<String> {
    n.map(|i| format!("log-{i}")).collect()
}

/// A store with three entries (pools `a`, `b`, `c`: log-1 to log-3) and a
/// receiver beside it; `None` where the receiver cannot run here.
fn three_entries(test: &str) -> Option<(Env, Receiver)> {
    if !have_receiver(test) {
        return None;
    }
    let env = Env::new();
    let r = Receiver::start(&env, None);
    for p in ["a", "b", "c"] {
        env.ok(&["pool", "add", p]);
    }
    Some((env, r))
}

/// `notify` running until stopped, its stderr kept in a file.
struct Notify {
    child: Child,
    stderr: PathBuf,
}

impl Notify {
    fn start(env: &Env, r: &Receiver, name: &str) -> Notify {
        let stderr = env.dir.path().join(format!("{name}.err"));
        let child = env
            .std_cmd()
            .args(["notify", "--webhook", &r.url(), "--secret-file"])
            .arg(secret_file(env))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        Notify { child, stderr }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap()
    }

    /// SIGTERM: exit 0.
    fn stop(mut self) -> String {
        signal(&self.child, rustix::process::Signal::TERM);
        let status = self.child.wait().unwrap();
        let stderr = self.stderr();
        assert!(
            status.success(),
            "SIGTERM ends notify with exit 0: {status}\n{stderr}"
        );
        stderr
    }

    fn kill(mut self) {
        signal(&self.child, rustix::process::Signal::KILL);
        let _ = self.child.wait();
    }
}

impl Drop for Notify {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal(child: &Child, s: rustix::process::Signal) {
    let _ = rustix::process::kill_process(rustix::process::Pid::from_child(child), s);
}

/// `notify --once` to the receiver, with `extra`: the arguments.
fn once(env: &Env, r: &Receiver, extra: &[&str]) -> Vec<String> {
    once_to(env, &r.url(), extra)
}

/// `notify --once` to `url`, with the test's secret file and `extra`.
fn once_to(env: &Env, url: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "notify".to_owned(),
        "--webhook".to_owned(),
        url.to_owned(),
        "--secret-file".to_owned(),
        secret_file(env).display().to_string(),
        "--once".to_owned(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

#[test]
fn every_log_entry_is_delivered_in_order_signed_with_the_entry_as_log_prints_it() {
    if !have_receiver("notify_every_log_entry") {
        return;
    }
    let env = Env::new();
    let r = Receiver::start(&env, None);
    env.ok(&["pool", "add", "plant-a"]);
    let t = env.new_token("ci", &["--pool", "plant-a"]);
    env.ok(&["modify", "ci", "--read-only"]);
    env.ok(&["disable", "ci"]);
    env.ok(&["enable", "ci"]);
    env.test()
        .args(["exchange", "--ttl", "10m"])
        .stdin(format!("{t}\n"))
        .succeeds();
    env.ok(&["renew", "ci", "--yes"]);
    env.ok(&["policy", "set", "require-owner", "false"]);
    env.ok(&["delete", "ci", "--yes"]);
    env.ok(&["pool", "remove", "plant-a"]);
    let run = env.test().args(once(&env, &r, &[])).succeeds();
    assert_eq!(
        (run.stdout.as_str(), run.stderr.as_str()),
        ("", ""),
        "--once is silent when all went well"
    );

    let records = r.records();
    assert!(
        records.iter().all(|r| r["verified"] == true),
        "{records:#?}"
    );
    assert_eq!(r.delivered(), ids(1..=10), "each entry once, in log order");
    let types: Vec<&str> = records
        .iter()
        .map(|r| r["body"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "pool.added",
            "token.created",
            "token.modified",
            "token.disabled",
            "token.enabled",
            "token.exchanged",
            "token.renewed",
            "policy.changed",
            "token.deleted",
            "pool.removed"
        ]
    );
    // D is the entry exactly as `log --format json` prints it; the
    // event's timestamp is the entry's `at`.
    let mut log = env.log();
    log.reverse();
    for (record, entry) in records.iter().zip(&log) {
        assert_eq!(record["body"]["data"], *entry);
        assert_eq!(record["body"]["timestamp"], entry["at"]);
        assert_eq!(record["content_type"], "application/json");
        let keys: Vec<&String> = record["body"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["type", "timestamp", "data"]);
    }
    // The next run has nothing new: nothing is sent twice.
    env.test().args(once(&env, &r, &[])).succeeds();
    assert_eq!(r.records().len(), 10);
    env.ok(&["pool", "add", "plant-b"]);
    env.test().args(once(&env, &r, &[])).succeeds();
    assert_eq!(r.delivered(), ids(1..=11));
    // The store keeps no part of the URL's credentials, nor the secret.
    let dump = env.dump();
    for secret in ["s3cretpass", "hook:", "MfKQ9r8G", &t[..20]] {
        assert!(!dump.contains(secret), "{secret} is in the store");
    }
}

#[test]
fn expiry_events_come_once_per_token_and_lead_then_token_expired() {
    if !have_receiver("notify_expiry_events") {
        return;
    }
    let env = Env::new();
    let r = Receiver::start(&env, None);
    let soon = env.new_token("soon", &["--expires", "2d"]);
    env.new_token("later", &["--expires", "30d"]);
    env.new_token("never", &[]);
    env.new_token("off", &["--expires", "1d"]);
    env.ok(&["disable", "off"]);
    let brief = env.new_token("brief", &["--expires", "3s"]);
    // An access token makes no expiry events.
    env.test()
        .args(["exchange", "--ttl", "1h"])
        .stdin(format!("{soon}\n"))
        .succeeds();
    let before = chrono::Utc::now().timestamp();
    env.test().args(once(&env, &r, &[])).succeeds();
    let after = chrono::Utc::now().timestamp();
    let p = |t: &str| t[4..12].to_owned();
    let expected: Vec<String> = ids(1..=7)
        .into_iter()
        .chain([
            format!("expiring-{}-14d", p(&soon)),
            format!("expiring-{}-3d", p(&soon)),
            format!("expiring-{}-14d", p(&brief)),
            format!("expiring-{}-3d", p(&brief)),
            format!("expiring-{}-1d", p(&brief)),
        ])
        .collect();
    let mut got = r.delivered();
    // The order among expiry events is the tokens' order (by name): brief, soon.
    got[7..].sort();
    let mut want = expected.clone();
    want[7..].sort();
    assert_eq!(
        got, want,
        "log events first, then each lead the token is within"
    );
    let records = r.records();
    let e = records
        .iter()
        .find(|r| r["id"] == format!("expiring-{}-3d", p(&soon)))
        .unwrap();
    assert_eq!(e["body"]["type"], "token.expiring");
    assert_eq!(e["body"]["data"]["within"], "3d");
    assert_eq!(e["body"]["data"]["name"], "soon");
    assert_eq!(e["body"]["data"]["status"], "active");
    // token.expiring's timestamp is the moment it was seen.
    let seen = chrono::DateTime::parse_from_rfc3339(e["body"]["timestamp"].as_str().unwrap())
        .unwrap()
        .timestamp();
    assert!(
        (before..=after).contains(&seen),
        "{seen} not in {before}..={after}"
    );
    assert!(records.iter().all(|r| r["verified"] == true));

    // Once expired: token.expired, once, with the expiry as its timestamp.
    std::thread::sleep(Duration::from_secs(4));
    env.test().args(once(&env, &r, &[])).succeeds();
    env.test().args(once(&env, &r, &[])).succeeds();
    let records = r.records();
    let expired: Vec<&Value> = records
        .iter()
        .filter(|r| r["body"]["type"] == "token.expired")
        .collect();
    assert_eq!(expired.len(), 1, "{records:#?}");
    assert_eq!(expired[0]["id"], format!("expired-{}", p(&brief)));
    let token = env.token("brief");
    assert_eq!(expired[0]["body"]["timestamp"], token["expires_at"]);
    assert_eq!(expired[0]["body"]["data"]["status"], "expired");
    assert!(expired[0]["body"]["data"].get("within").is_none());
    assert_eq!(records.len(), expected.len() + 1);
}

#[test]
fn expiring_takes_lead_times_as_given_and_none_turns_them_off() {
    if !have_receiver("notify_expiring_leads") {
        return;
    }
    let env = Env::new();
    let r = Receiver::start(&env, None);
    let t = env.new_token("soon", &["--expires", "20d"]);
    env.test()
        .args(once(&env, &r, &["--expiring", "7d,30d"]))
        .succeeds();
    assert_eq!(
        r.delivered(),
        ["log-1".to_owned(), format!("expiring-{}-30d", &t[4..12])]
    );
    let env2 = Env::new();
    let r2 = Receiver::start(&env2, None);
    env2.new_token("soon", &["--expires", "1d"]);
    env2.test()
        .args(once(&env2, &r2, &["--expiring", "none"]))
        .succeeds();
    assert_eq!(r2.delivered(), ids(1..=1));
}

#[test]
fn a_refused_event_holds_back_everything_after_it_until_it_is_taken() {
    let Some((env, r)) = three_entries("notify_refused_event") else {
        return;
    };
    r.fail(&["log-2"]);
    let notify = Notify::start(&env, &r, "notify");
    // Tried again with backoff (1 s, then 2 s): two refusals, nothing after.
    r.wait(10, |recs| {
        recs.iter().filter(|x| x["id"] == "log-2").count() >= 2
    });
    assert!(!r.records().iter().any(|x| x["id"] == "log-3"));
    r.fail(&[]);
    r.wait(10, |recs| recs.iter().any(|x| x["id"] == "log-3"));
    assert_eq!(r.delivered(), ids(1..=3), "in order, nothing skipped");
    let stderr = notify.stop();
    assert!(
        stderr.contains(&format!(
            "{} did not take log-2 (HTTP 500 Internal Server Error); trying again in 1s",
            r.shown()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("did not take log-2 (HTTP 500 Internal Server Error); trying again in 2s"),
        "the wait doubles: {stderr}"
    );
    assert!(!stderr.contains("s3cretpass"), "{stderr}");
}

#[test]
fn once_exits_1_at_the_first_refusal_and_the_next_run_starts_there() {
    let Some((env, r)) = three_entries("notify_once_refusal") else {
        return;
    };
    r.fail(&["log-2"]);
    let run = env.test().args(once(&env, &r, &[])).fails(1);
    let first = format!(
        "error: {} did not take log-2 (HTTP 500 Internal Server Error); nothing after it was sent",
        r.shown()
    );
    assert!(run.stderr.starts_with(&first), "{}", run.stderr);
    assert_eq!(
        r.records().len(),
        2,
        "tried once, no backoff: {:#?}",
        r.records()
    );
    r.fail(&[]);
    env.test().args(once(&env, &r, &[])).succeeds();
    assert_eq!(r.delivered(), ids(1..=3));
}

/// `db copy` carries what notify delivered (spec section 10: everything):
/// notify on the copy, to the same target, resumes after the last event the
/// source delivered, and sends no expiry event a second time.
#[test]
fn notify_on_a_copy_resumes_where_the_source_left_off() {
    let Some((env, r)) = three_entries("notify_on_a_copy_resumes") else {
        return;
    };
    env.new_token("soon", &["--expires", "2d"]);
    env.test().args(once(&env, &r, &[])).succeeds();
    let first = r.delivered();
    assert_eq!(first[..4], ids(1..=4)[..]);
    assert_eq!(
        first.iter().filter(|i| i.starts_with("expiring-")).count(),
        2,
        "{first:?}"
    );
    env.ok(&["pool", "add", "d"]);
    let target = env.dir.path().join("copy.db");
    env.ok(&["db", "copy", "--to", target.to_str().unwrap()]);
    let mut copy = Env::sqlite();
    copy.db = target;
    copy.test().args(once(&copy, &r, &[])).succeeds();
    let mut expected = first.clone();
    expected.push("log-5".to_owned());
    assert_eq!(r.delivered(), expected);
}

#[test]
fn nothing_is_lost_when_notify_is_killed_mid_delivery() {
    let Some((env, r)) = three_entries("notify_killed") else {
        return;
    };
    r.hang(&["log-2"]);
    let first = Notify::start(&env, &r, "first");
    r.wait(10, |recs| recs.iter().any(|x| x["id"] == "log-1"));
    std::thread::sleep(Duration::from_millis(500));
    first.kill();
    r.hang(&[]);
    // A new notify waits for the dead one's lease to lapse, then resumes
    // with the event that was in flight.
    let second = Notify::start(&env, &r, "second");
    r.wait(30, |recs| recs.iter().any(|x| x["id"] == "log-3"));
    // The held delivery may still be answered after the kill: a duplicate
    // around a crash, which the contract allows. Nothing is missing, and
    // the first arrivals are in order.
    let mut firsts: Vec<String> = Vec::new();
    for id in r.delivered() {
        if !firsts.contains(&id) {
            firsts.push(id);
        }
    }
    assert_eq!(firsts, ids(1..=3));
    let stderr = second.stop();
    assert!(stderr.contains("another notify ("), "{stderr}");
}

#[test]
fn two_notify_on_one_store_deliver_each_event_once() {
    if !have_receiver("notify_two") {
        return;
    }
    let env = Env::new();
    let r = Receiver::start(&env, None);
    env.ok(&["pool", "add", "first"]);
    let a = Notify::start(&env, &r, "a");
    let b = Notify::start(&env, &r, "b");
    for i in 0..6 {
        env.ok(&["pool", "add", &format!("p{i}")]);
    }
    r.wait(15, |recs| recs.len() >= 7);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(r.delivered(), ids(1..=7), "each once, in order");
    let (ea, eb) = (a.stop(), b.stop());
    assert!(
        ea.contains("waiting") || eb.contains("waiting"),
        "one waited for the other's lease:\n{ea}\n{eb}"
    );
}

#[test]
fn once_gives_up_after_10s_when_another_notify_holds_the_lease() {
    if !have_receiver("notify_once_busy") {
        return;
    }
    let env = Env::new();
    let r = Receiver::start(&env, None);
    env.ok(&["pool", "add", "a"]);
    let daemon = Notify::start(&env, &r, "daemon");
    r.wait(10, |recs| !recs.is_empty());
    let started = Instant::now();
    let run = env.test().args(once(&env, &r, &[])).fails(1);
    assert!(started.elapsed() >= Duration::from_secs(10));
    assert!(
        run.stderr.starts_with("error: another notify (")
            && run
                .stderr
                .contains(&format!("holds the lease for {} until ", r.shown())),
        "{}",
        run.stderr
    );
    // SIGTERM gives the lease up: the next --once does not wait.
    daemon.stop();
    env.ok(&["pool", "add", "b"]);
    let started = Instant::now();
    env.test().args(once(&env, &r, &[])).succeeds();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(r.delivered(), ids(1..=2));
}

#[test]
fn credentials_in_the_url_never_appear_in_output() {
    let env = Env::new();
    env.ok(&["pool", "add", "a"]);
    // Nothing listens on port 1: the error says so, without the password.
    let run = env
        .test()
        .args(once_to(
            &env,
            "http://hook:s3cretpass@127.0.0.1:1/in?key=k3yk3y",
            &[],
        ))
        .fails(1);
    assert!(
        run.stderr
            .starts_with("error: http://***@127.0.0.1:1/in?*** did not take log-1 ("),
        "{}",
        run.stderr
    );
    for s in ["s3cretpass", "k3yk3y", "hook:"] {
        assert!(!run.stderr.contains(s), "{}", run.stderr);
    }
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let env = Env::new();
    env.ok(&["pool", "add", "a"]);
    let secret = secret_file(&env);
    let secret = secret.to_str().unwrap();
    let notify = |extra: &[&str], code: i32| {
        let mut args = vec!["notify", "--once"];
        args.extend(extra);
        env.unchanged(|| env.test().args(args).fails(code))
    };
    let run = notify(
        &[
            "--webhook",
            "ftp://user:pw12345@x/",
            "--secret-file",
            secret,
        ],
        2,
    );
    assert!(
        run.stderr
            .starts_with("error: --webhook is not an http:// or https:// URL with a host"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("pw12345"));
    let run = notify(
        &[
            "--webhook",
            "http://127.0.0.1:1/",
            "--secret-file",
            "/nonexistent/whsec",
        ],
        2,
    );
    assert!(
        run.stderr
            .starts_with("error: cannot read the webhook secret file /nonexistent/whsec"),
        "{}",
        run.stderr
    );
    let bad = env.dir.path().join("bad");
    std::fs::write(&bad, "whsec_sekrit!!\n").unwrap();
    let run = notify(
        &[
            "--webhook",
            "http://127.0.0.1:1/",
            "--secret-file",
            bad.to_str().unwrap(),
        ],
        2,
    );
    assert!(
        run.stderr
            .starts_with("error: the webhook secret is not whsec_ and base64"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("sekrit"));
    std::fs::write(&bad, "whsec_\n").unwrap();
    notify(
        &[
            "--webhook",
            "http://127.0.0.1:1/",
            "--secret-file",
            bad.to_str().unwrap(),
        ],
        2,
    );
    let run = notify(
        &[
            "--webhook",
            "http://127.0.0.1:1/",
            "--secret-file",
            secret,
            "--expiring",
            "3d,0s",
        ],
        2,
    );
    assert!(
        run.stderr
            .starts_with("error: --expiring: \"0s\" is not a duration longer than zero"),
        "{}",
        run.stderr
    );
    let run = notify(
        &[
            "--webhook",
            "http://127.0.0.1:1/",
            "--secret-file",
            secret,
            "--webhook-ca",
            secret,
        ],
        2,
    );
    assert!(
        run.stderr.starts_with("error: --webhook-ca "),
        "{}",
        run.stderr
    );
    // The secret is never taken from the command line.
    env.test().args(["notify", "--secret", "x"]).fails(2);
    // No store: not found, and none is made.
    let empty = Env::new();
    empty
        .test()
        .args([
            "notify",
            "--once",
            "--webhook",
            "http://127.0.0.1:1/",
            "--secret-file",
            secret,
        ])
        .fails(3);
    assert!(!empty.store_exists());
}

#[test]
fn a_secret_file_others_may_read_is_said() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new();
    let secret = secret_file(&env);
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    env.ok(&["pool", "add", "a"]);
    let run = env
        .test()
        .args([
            "notify",
            "--once",
            "--webhook",
            "http://127.0.0.1:1/",
            "--secret-file",
        ])
        .args([secret.display().to_string()])
        .exits(1);
    assert!(
        run.stderr
            .contains("note: other users may read the webhook secret file"),
        "{}",
        run.stderr
    );
}

#[test]
fn tls_is_verified_against_the_system_roots_and_webhook_ca() {
    if !have_receiver("notify_tls") || !have_program("openssl", REQUIRE, "notify_tls") {
        return;
    }
    let env = Env::new();
    let dir = env.dir.path();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    // A private CA, and the receiver's certificate signed by it.
    let made = std::process::Command::new("sh")
        .current_dir(dir)
        .args([
            "-c",
            "set -e
             ec='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'
             openssl req -x509 $ec -days 2 -subj /CN=test-ca -keyout ca.key -out ca.pem
             openssl req $ec -subj /CN=127.0.0.1 -keyout key.pem -out leaf.csr
             printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > leaf.ext
             openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile leaf.ext -out cert.pem",
        ])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success());
    let r = Receiver::start(&env, Some((&cert, &key)));
    env.ok(&["pool", "add", "a"]);
    let url = format!("https://127.0.0.1:{}/in", r.port);
    let run = env.test().args(once_to(&env, &url, &[])).fails(1);
    assert!(
        run.stderr.contains("did not take log-1 ("),
        "{}",
        run.stderr
    );
    assert!(r.records().is_empty(), "an unknown issuer gets nothing");
    let ca = dir.join("ca.pem").display().to_string();
    env.test()
        .args(once_to(&env, &url, &["--webhook-ca", &ca]))
        .succeeds();
    assert_eq!(r.delivered(), ids(1..=1));
}

#[test]
fn the_readme_receiver_and_secret_recipe_work_as_written() {
    if !have_receiver("notify_readme_receiver") {
        return;
    }
    let env = Env::new();
    let dir = env.dir.path();
    // The secret, made as the README makes it.
    let made = env
        .script(&crate::serve::readme_block("sh whsec-recipe"))
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(made.success());
    let secret = std::fs::read_to_string(dir.join("whsec")).unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.ends_with('\n'),
        "{secret:?}"
    );
    // The README's receiver, run as its first line says.
    std::fs::write(
        dir.join("receiver.py"),
        crate::serve::readme_block("python receiver"),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut receiver = std::process::Command::new("python3")
        .arg(dir.join("receiver.py"))
        .env("WEBHOOK_SECRET", secret.trim_end())
        .env("PORT", port.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < end, "the README's receiver did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    env.ok(&["pool", "add", "a"]);
    env.new_token("ci", &[]);
    let url = format!("http://127.0.0.1:{port}/in");
    env.test()
        .args(["notify", "--once", "--secret-file"])
        .args([dir.join("whsec").display().to_string()])
        .env("TOKENCTL_WEBHOOK", &url)
        .succeeds();
    let _ = receiver.kill();
    let out = receiver.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "log-1 pool.added\nlog-2 token.created\n"
    );
}

#[test]
fn the_readme_unit_is_the_packaged_one() {
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/packaging/tokenctl-notify.service"
    ))
    .unwrap();
    let lines: Vec<&str> = unit.lines().collect();
    for line in crate::serve::readme_block("ini notify-unit").lines() {
        assert!(
            lines.contains(&line),
            "{line} is not in packaging/tokenctl-notify.service"
        );
    }
}
