//! The clipboard under a real X server (Xvfb): the copy outlives tokenctl,
//! is cleared at the deadline only if still ours, and never blocks `$(…)`.
//! Without Xvfb and xclip these tests say so and skip, unless
//! `TOKENCTL_REQUIRE_XVFB=1` (as in CI), where they fail instead.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::Env;

struct Xvfb {
    child: Child,
    display: String,
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start Xvfb on a free display, or return None (skip) where it is absent.
fn xvfb(test: &str) -> Option<Xvfb> {
    let require = "TOKENCTL_REQUIRE_XVFB";
    if !(crate::have_program("Xvfb", require, test) && crate::have_program("xclip", require, test))
    {
        return None;
    }
    // Displays from the pid (test binaries differ) and a counter (tests in
    // one binary run in parallel threads, and must not share a server).
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let base = 100 + (std::process::id() % 400) * 20;
    for _ in 0..400 {
        let n = base + NEXT.fetch_add(1, Ordering::SeqCst) % 8000;
        if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            || Path::new(&format!("/tmp/.X{n}-lock")).exists()
        {
            continue;
        }
        let mut child = Command::new("Xvfb")
            .args([
                format!(":{n}").as_str(),
                "-nolisten",
                "tcp",
                "-screen",
                "0",
                "640x480x24",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let socket = format!("/tmp/.X11-unix/X{n}");
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = child.try_wait() {
                break; // lost a race for that display: try the next one
            }
            if Path::new(&socket).exists() {
                return Some(Xvfb {
                    child,
                    display: format!(":{n}"),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("no free X display for Xvfb");
}

fn clip_read(x: &Xvfb) -> String {
    let out = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .env("DISPLAY", &x.display)
        .output()
        .expect("xclip");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn clip_write(x: &Xvfb, text: &str) {
    let mut child = Command::new("xclip")
        .args(["-i", "-selection", "clipboard"])
        .env("DISPLAY", &x.display)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("xclip");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    // xclip forks a server and its parent exits.
    child.wait().unwrap();
    wait_until(|| clip_read(x) == text, "xclip to own the clipboard");
}

fn wait_until(mut cond: impl FnMut() -> bool, what: &str) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

/// Holder processes serving `display`, found through /proc.
fn holders(display: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if !String::from_utf8_lossy(&cmdline).contains("__clipboard-holder") {
            continue;
        }
        let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        let wanted = format!("DISPLAY={display}");
        if environ.split(|&b| b == 0).any(|kv| kv == wanted.as_bytes()) {
            // A zombie is gone for our purposes.
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            if !stat.contains(") Z ") {
                found.push(pid);
            }
        }
    }
    found
}

fn new_with_clipboard(
    env: &Env,
    x: &Xvfb,
    name: &str,
    seconds: &str,
    extra: &[&str],
) -> (String, String) {
    let mut args = vec!["new", "--name", name];
    args.extend(extra);
    let out = env
        .cmd()
        .env("DISPLAY", &x.display)
        .env("TOKENCTL_CLIP_SECONDS", seconds)
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap().trim_end().to_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_copy_outlives_tokenctl_and_is_cleared_at_the_deadline() {
    let Some(x) = xvfb("the_copy_outlives_tokenctl") else {
        return;
    };
    let env = Env::new();
    let (token, stderr) = new_with_clipboard(&env, &x, "clip", "3", &["--clipboard"]);
    assert!(
        stderr.contains("Copied to the clipboard; cleared in 3 s"),
        "{stderr}"
    );
    // tokenctl has exited: the holder serves the copy.
    assert_eq!(clip_read(&x), token);
    assert_eq!(holders(&x.display).len(), 1);
    wait_until(|| clip_read(&x) != token, "the copy to be cleared");
    assert_eq!(clip_read(&x), "");
    // The holder never outlives its deadline.
    wait_until(|| holders(&x.display).is_empty(), "the holder to exit");
}

#[test]
fn a_later_copy_by_another_program_survives() {
    let Some(x) = xvfb("a_later_copy_survives") else {
        return;
    };
    let env = Env::new();
    let (token, _) = new_with_clipboard(&env, &x, "clip", "3", &["--clipboard"]);
    assert_eq!(clip_read(&x), token);
    clip_write(&x, "copied by the user afterwards");
    // The holder gives up the clipboard to the new owner and exits at its
    // deadline (3 s) without clearing what it no longer holds.
    wait_until(|| holders(&x.display).is_empty(), "the holder to exit");
    assert_eq!(clip_read(&x), "copied by the user afterwards");
}

#[test]
fn piped_output_and_no_clipboard_leave_the_clipboard_alone() {
    let Some(x) = xvfb("piped_output_leaves_the_clipboard_alone") else {
        return;
    };
    let env = Env::new();
    clip_write(&x, "before");
    // Piped stdout, no flag: no copy, and no note either.
    let (_, stderr) = new_with_clipboard(&env, &x, "a", "3", &[]);
    assert!(!stderr.contains("clipboard"), "{stderr}");
    new_with_clipboard(&env, &x, "b", "3", &["--no-clipboard"]);
    let out = env
        .cmd()
        .env("DISPLAY", &x.display)
        .env("TOKENCTL_NO_CLIPBOARD", "1")
        .args(["new", "--name", "c", "--clipboard"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(clip_read(&x), "before");
    assert!(holders(&x.display).is_empty());
}

#[test]
fn command_substitution_returns_at_once() {
    let Some(x) = xvfb("command_substitution_returns_at_once") else {
        return;
    };
    let env = Env::new();
    // As `T=$(tokenctl new --clipboard)`: the shell reads stdout to EOF. The
    // holder must not keep it open for its 60 seconds.
    let start = Instant::now();
    let out = Command::new("sh")
        .args([
            "-c",
            "T=$(\"$0\" new --name subst --clipboard); printf '%s' \"$T\"",
        ])
        .arg(env!("CARGO_BIN_EXE_tokenctl"))
        .env("DISPLAY", &x.display)
        .env("TOKENCTL_CLIP_SECONDS", "60")
        .env("TOKENCTL_DB", &env.db)
        .env("TOKENCTL_ACTOR", crate::ACTOR)
        .output()
        .unwrap();
    let took = start.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap();
    crate::assert_token_format(&token);
    assert!(
        took < Duration::from_secs(30),
        "$(…) waited for the holder: {took:?}"
    );
    assert_eq!(clip_read(&x), token);
    for pid in holders(&x.display) {
        let _ = Command::new("kill").arg(pid.to_string()).status();
    }
}

#[test]
fn the_secret_never_reaches_the_holders_argv_or_environment() {
    let Some(x) = xvfb("the_secret_never_reaches_argv") else {
        return;
    };
    let env = Env::new();
    let (token, _) = new_with_clipboard(&env, &x, "clip", "5", &["--clipboard"]);
    let pids = holders(&x.display);
    assert_eq!(pids.len(), 1);
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", pids[0])).unwrap();
    let environ = std::fs::read(format!("/proc/{}/environ", pids[0])).unwrap();
    let secret = &token.as_bytes()[12..44];
    for (what, bytes) in [("argv", cmdline), ("environment", environ)] {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret),
            "secret in the holder's {what}"
        );
    }
    let _ = Command::new("kill").arg(pids[0].to_string()).status();
}
