//! The peer an administrator would pick instead: Apache's htpasswd with
//! bcrypt, at the cost whose hash time is closest to argon2's.

use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::Result;

use crate::SIZES;
use crate::measure::{Bench, ms};

/// htpasswd with bcrypt at the cost whose hash time is closest to argon2's.
pub(crate) fn peer(b: &mut Bench) -> Result<()> {
    let argon = b
        .median_of("argon2id hash (in-process)", "-")
        .unwrap_or(20.0);
    let mut best = (5u32, f64::MAX, String::new());
    for cost in 4..=10 {
        let start = Instant::now();
        let out = Command::new("htpasswd")
            .args(["-nbB", "-C", &cost.to_string(), "u", "pw"])
            .output()?;
        let took = ms(start.elapsed());
        let line = String::from_utf8(out.stdout)?.trim().to_owned();
        if (took - argon).abs() < (best.1 - argon).abs() {
            best = (cost, took, line);
        }
    }
    let (cost, _, sample) = best;
    let hash = sample
        .split_once(':')
        .map(|(_, h)| h.to_owned())
        .unwrap_or_default();
    eprintln!("peer: htpasswd, bcrypt cost {cost}");
    let runs = b.runs;
    for &n in &SIZES {
        let file = b.dir.join(format!("htpasswd-{n}"));
        let mut text = String::with_capacity(n * 80);
        for i in 0..n {
            text.push_str(&format!("user{i:06}:{hash}\n"));
        }
        text.push_str(&format!("real:{hash}\n"));
        std::fs::write(&file, text)?;
        let size = n.to_string();
        let f = file.clone();
        let c = cost.to_string();
        b.time(
            &format!("htpasswd add (bcrypt {cost})"),
            &size,
            runs,
            None,
            |i| {
                let mut cmd = Command::new("htpasswd");
                cmd.args(["-bB", "-C", &c])
                    .arg(&f)
                    .args([&format!("new{i}"), "pw"]);
                cmd.stdout(Stdio::null()).stderr(Stdio::null());
                cmd
            },
            0,
        )?;
        b.time(
            "htpasswd verify (-v)",
            &size,
            runs,
            None,
            |_| {
                let mut cmd = Command::new("htpasswd");
                cmd.arg("-vb").arg(&f).args(["real", "pw"]);
                cmd.stdout(Stdio::null()).stderr(Stdio::null());
                cmd
            },
            0,
        )?;
        b.time(
            "htpasswd delete (-D)",
            &size,
            runs,
            None,
            |i| {
                let mut cmd = Command::new("htpasswd");
                cmd.arg("-D").arg(&f).arg(format!("new{i}"));
                cmd.stdout(Stdio::null()).stderr(Stdio::null());
                cmd
            },
            0,
        )?;
    }
    Ok(())
}
