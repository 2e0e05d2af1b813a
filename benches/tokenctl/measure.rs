//! Timing whole processes, counting their instructions under callgrind,
//! and measuring their peak memory (max RSS).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

pub(crate) struct Bench {
    pub dir: PathBuf,
    pub runs: usize,
    pub rows: Vec<Row>,
    /// Instruction counts under callgrind (what, size, count): repeatable
    /// where wall-clock times on a shared machine are not.
    pub instructions: Vec<(String, String, u64)>,
    /// Peak resident memory (what, size, KiB).
    pub rss: Vec<(String, String, u64)>,
    pub valgrind: bool,
    /// This benchmark's own executable, which also runs the `--rss` wrapper.
    pub exe: PathBuf,
}

/// A timed command: name, size, and the times of its runs.
pub(crate) struct Row {
    pub what: String,
    pub size: String,
    pub times: Vec<Duration>,
}

impl Row {
    pub(crate) fn median(&self) -> f64 {
        ms(self.sorted()[self.times.len() / 2])
    }
    pub(crate) fn sorted(&self) -> Vec<Duration> {
        let mut t = self.times.clone();
        t.sort();
        t
    }
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub(crate) fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// tokenctl on the database `db`, quiet, as the benchmark's actor.
pub(crate) fn tokenctl(bin: &Path, db: &Path) -> Command {
    let mut c = Command::new(bin);
    c.env("TOKENCTL_DB", db)
        .env("TOKENCTL_ACTOR", "bench")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// `sh -c script` (for the baselines that are pipelines), quiet.
pub(crate) fn shell(script: &str) -> Command {
    let mut c = Command::new("sh");
    c.args(["-c", script])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// The `--rss` wrapper: run the command after `--`, wait, and print the
/// child's peak resident memory in KiB. With one child only,
/// `RUSAGE_CHILDREN`'s maximum is that child's.
pub(crate) fn rss_wrapper(args: &[String]) -> Result<()> {
    let (program, rest) = args.split_first().context("--rss needs a command")?;
    let status = Command::new(program)
        .args(rest)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &raw mut usage) };
    if rc != 0 {
        bail!("getrusage failed");
    }
    println!("{} {}", status.code().unwrap_or(-1), usage.ru_maxrss);
    Ok(())
}

impl Bench {
    /// Time `runs` whole processes made by `make(i)`, each fed `stdin`.
    pub(crate) fn time(
        &mut self,
        what: &str,
        size: &str,
        runs: usize,
        stdin: Option<&[u8]>,
        mut make: impl FnMut(usize) -> Command,
        expect: i32,
    ) -> Result<()> {
        let mut times = Vec::with_capacity(runs);
        for i in 0..runs {
            let mut c = make(i);
            c.stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            });
            let start = Instant::now();
            let mut child = c.spawn().with_context(|| format!("running {what}"))?;
            if let Some(input) = stdin {
                child.stdin.take().unwrap().write_all(input)?;
            }
            let status = child.wait()?;
            times.push(start.elapsed());
            if status.code() != Some(expect) {
                bail!("{what} at {size}: exit {status}, expected {expect}");
            }
        }
        let row = Row {
            what: what.into(),
            size: size.into(),
            times,
        };
        eprintln!("  {what:<40} {size:>10}  median {:>8.2} ms", row.median());
        self.rows.push(row);
        Ok(())
    }

    /// The peak memory of one run of `cmd` (no stdin), in KiB.
    pub(crate) fn peak(&mut self, what: &str, size: &str, cmd: &Command) -> Result<()> {
        let mut w = Command::new(&self.exe);
        w.arg("--rss").arg(cmd.get_program()).args(cmd.get_args());
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => w.env(k, v),
                None => w.env_remove(k),
            };
        }
        let out = w.stderr(Stdio::null()).output()?;
        let text = String::from_utf8(out.stdout)?;
        let (code, kib) = text
            .trim()
            .split_once(' ')
            .context("no RSS from the wrapper")?;
        if code != "0" {
            bail!("{what} at {size}: exit {code}");
        }
        let kib: u64 = kib.parse()?;
        eprintln!(
            "  {what:<40} {size:>10}  peak {:>8.1} MiB",
            kib as f64 / 1024.0
        );
        self.rss.push((what.into(), size.into(), kib));
        Ok(())
    }

    /// Count the instructions of one run of `cmd` under callgrind.
    pub(crate) fn count(
        &mut self,
        what: &str,
        size: &str,
        cmd: Command,
        stdin: Option<&[u8]>,
    ) -> Result<()> {
        if !self.valgrind {
            return Ok(());
        }
        let mut vg = Command::new("valgrind");
        vg.args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(cmd.get_program())
            .args(cmd.get_args());
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => vg.env(k, v),
                None => vg.env_remove(k),
            };
        }
        vg.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        let mut child = vg.spawn()?;
        if let Some(input) = stdin {
            child.stdin.take().unwrap().write_all(input)?;
        }
        let out = child.wait_with_output()?;
        let text = String::from_utf8_lossy(&out.stderr);
        let n = text
            .lines()
            .find_map(|l| l.split("Collected :").nth(1))
            .and_then(|n| n.trim().parse::<u64>().ok())
            .with_context(|| format!("no instruction count for {what}"))?;
        eprintln!("  {what:<40} {size:>10}  {n:>14} instructions");
        self.instructions.push((what.into(), size.into(), n));
        Ok(())
    }

    pub(crate) fn instructions_of(&self, what: &str, size: &str) -> Option<f64> {
        self.instructions
            .iter()
            .find(|(w, s, _)| w == what && s == size)
            .map(|(_, _, n)| *n as f64)
    }

    pub(crate) fn median_of(&self, what: &str, size: &str) -> Option<f64> {
        self.rows
            .iter()
            .find(|r| r.what == what && r.size == size)
            .map(Row::median)
    }
}
