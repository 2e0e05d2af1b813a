//! Copying a new secret to the clipboard so that it outlives tokenctl.
//!
//! On X11 a selection dies with its owner, so the copy is served by a hidden,
//! detached holder: this same binary re-executed as `__clipboard-holder`. It
//! gets the secret on its stdin (never argv or env), never inherits our stdout
//! (or `$(tokenctl new)` would hang), marks the copy to stay out of clipboard
//! managers' history, and clears it at the deadline only if the clipboard still
//! holds the secret.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long the copy lives unless `TOKENCTL_CLIP_SECONDS` says otherwise.
pub(crate) const DEFAULT_SECONDS: u64 = 45;

/// The hidden subcommand the holder runs as.
pub(crate) const HOLDER_COMMAND: &str = "__clipboard-holder";

/// How long we wait for the holder to say it owns the clipboard.
const HOLDER_READY_TIMEOUT: Duration = Duration::from_secs(5);

/// The longest a copy may live: a day.
pub(crate) const MAX_SECONDS: u64 = 24 * 60 * 60;

/// `TOKENCTL_CLIP_SECONDS`, checked: a whole number from 1 to a day. A
/// setting out of range is invalid input (exit 2), checked by the commands
/// that copy before they change anything.
pub(crate) fn clip_seconds() -> Result<u64, crate::error::Error> {
    let Some(raw) = std::env::var_os("TOKENCTL_CLIP_SECONDS") else {
        return Ok(DEFAULT_SECONDS);
    };
    raw.to_str()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .filter(|n| (1..=MAX_SECONDS).contains(n))
        .ok_or_else(|| {
            crate::error::Error::usage(format!(
                "TOKENCTL_CLIP_SECONDS is {}, not a number of seconds from 1 to {MAX_SECONDS}",
                crate::domain::text::quoted(&raw.to_string_lossy())
            ))
            .hint("unset it for the default of 45 s")
        })
}

/// Whether to copy: asked for with `--clipboard`, or by default when stdout
/// is a terminal; never with `--no-clipboard` or `TOKENCTL_NO_CLIPBOARD=1`.
pub(crate) fn wanted(clipboard: bool, no_clipboard: bool, stdout_tty: bool) -> bool {
    let disabled_by_env = std::env::var("TOKENCTL_NO_CLIPBOARD").is_ok_and(|v| v == "1");
    !no_clipboard && !disabled_by_env && (clipboard || stdout_tty)
}

/// Copy `secret` and return the one-line note for stderr. Never fails the
/// command: without a clipboard the token is still shown.
pub(crate) fn copy(secret: &str) -> String {
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    if !has_display {
        return "No clipboard here (no DISPLAY or WAYLAND_DISPLAY): the token was not copied."
            .into();
    }
    if !cfg!(feature = "clipboard") {
        return "This tokenctl was built without clipboard support: the token was not copied."
            .into();
    }
    match spawn_holder(secret) {
        Ok(()) => format!(
            "Copied to the clipboard; cleared in {} s.",
            clip_seconds().unwrap_or(DEFAULT_SECONDS)
        ),
        Err(why) => format!("The token was not copied to the clipboard: {why}."),
    }
}

fn spawn_holder(secret: &str) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(exe);
    cmd.arg(HOLDER_COMMAND)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .current_dir("/");
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group: Ctrl-C in the shell does not take the copy away.
        cmd.process_group(0);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start the holder: {e}"))?;
    {
        let mut stdin = child.stdin.take().ok_or("no pipe to the holder")?;
        stdin
            .write_all(secret.as_bytes())
            .and_then(|()| stdin.write_all(b"\n"))
            .map_err(|e| format!("cannot hand the token to the holder: {e}"))?;
    }
    let stdout = child.stdout.take().ok_or("no pipe from the holder")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    match rx.recv_timeout(HOLDER_READY_TIMEOUT) {
        Ok(line) if line.trim() == "ok" => Ok(()),
        Ok(line) if !line.trim().is_empty() => Err(line.trim().to_owned()),
        Ok(_) => Err("the clipboard holder stopped".into()),
        Err(_) => {
            let _ = child.kill();
            Err("the clipboard did not answer".into())
        }
    }
    // The holder is not waited for: it lives on, detached, until its deadline.
}

#[cfg(feature = "clipboard")]
pub(crate) use holder::hold;

/// Built without a clipboard: the holder says so and ends.
#[cfg(not(feature = "clipboard"))]
pub(crate) fn hold() -> anyhow::Result<()> {
    writeln!(
        std::io::stdout(),
        "no clipboard (built without clipboard support)"
    )?;
    Ok(())
}

#[cfg(feature = "clipboard")]
mod holder {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};

    use zeroize::Zeroizing;

    use super::{DEFAULT_SECONDS, clip_seconds};

    /// The holder itself: `tokenctl __clipboard-holder`. Reads the secret from
    /// stdin, takes the clipboard, says "ok" on stdout, serves the copy until the
    /// deadline or until something else is copied, then clears it if it is still
    /// ours.
    pub(crate) fn hold() -> anyhow::Result<()> {
        let mut secret = Zeroizing::new(String::with_capacity(256));
        std::io::stdin().take(256).read_to_string(&mut secret)?;
        let secret = Zeroizing::new(secret.trim_end().to_owned());
        let lifetime = Duration::from_secs(clip_seconds().unwrap_or(DEFAULT_SECONDS));
        let deadline = Instant::now()
            .checked_add(lifetime)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(DEFAULT_SECONDS));
        let mut out = std::io::stdout();
        let mut clipboard = match arboard::Clipboard::new() {
            Ok(c) => c,
            Err(e) => {
                let _ = writeln!(out, "no clipboard ({e})");
                return Ok(());
            }
        };
        set(&mut clipboard, &secret, None).inspect_err(|e| {
            let _ = writeln!(out, "cannot set the clipboard ({e})");
        })?;
        writeln!(out, "ok")?;
        out.flush()?;
        // Serve until the deadline or until another program takes the clipboard.
        set(&mut clipboard, &secret, Some(deadline))?;
        let still_ours = clipboard
            .get_text()
            .is_ok_and(|now| Zeroizing::new(now).as_str() == secret.as_str());
        if still_ours {
            clipboard.clear()?;
        }
        Ok(())
    }

    #[cfg(target_os = "linux")]
    fn set(
        c: &mut arboard::Clipboard,
        secret: &str,
        until: Option<Instant>,
    ) -> Result<(), arboard::Error> {
        use arboard::SetExtLinux;
        let set = c.set().exclude_from_history();
        match until {
            Some(deadline) => set.wait_until(deadline).text(secret),
            None => set.text(secret),
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn set(
        c: &mut arboard::Clipboard,
        secret: &str,
        until: Option<Instant>,
    ) -> Result<(), arboard::Error> {
        c.set_text(secret)?;
        if let Some(deadline) = until {
            std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
        }
        Ok(())
    }
}
