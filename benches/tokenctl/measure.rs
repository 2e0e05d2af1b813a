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

/// One side of [`Bench::time_pair`]: its row's name, its stdin, and the
/// command of run `i`.
pub(crate) struct Side<'a> {
    pub what: &'a str,
    pub stdin: Option<&'a [u8]>,
    pub make: &'a mut dyn FnMut(usize) -> Command,
}

/// A timed command: name, size, the times of its runs, and its page
/// faults per run (minor faults: memory touched for the first time).
pub(crate) struct Row {
    pub what: String,
    pub size: String,
    pub times: Vec<Duration>,
    pub faults: Option<f64>,
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

/// The resource usage of this process's children waited for so far
/// (`getrusage(RUSAGE_CHILDREN)`).
fn children() -> Result<libc::rusage> {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &raw mut usage) };
    if rc != 0 {
        bail!("getrusage failed");
    }
    Ok(usage)
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
    println!("{} {}", status.code().unwrap_or(-1), children()?.ru_maxrss);
    Ok(())
}

impl Bench {
    /// One whole process `c`, fed `stdin`: its time and page faults.
    pub(crate) fn run_once(
        what: &str,
        size: &str,
        mut c: Command,
        stdin: Option<&[u8]>,
        expect: i32,
    ) -> Result<(Duration, i64)> {
        c.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let faults = children()?.ru_minflt;
        let start = Instant::now();
        let mut child = c.spawn().with_context(|| format!("running {what}"))?;
        if let Some(input) = stdin {
            child.stdin.take().unwrap().write_all(input)?;
        }
        let status = child.wait()?;
        let took = start.elapsed();
        if status.code() != Some(expect) {
            bail!("{what} at {size}: exit {status}, expected {expect}");
        }
        Ok((took, children()?.ru_minflt - faults))
    }

    pub(crate) fn push(&mut self, what: &str, size: &str, times: Vec<Duration>, faults: i64) {
        let runs = times.len().max(1) as f64;
        let row = Row {
            what: what.into(),
            size: size.into(),
            times,
            faults: Some(faults as f64 / runs),
        };
        eprintln!(
            "  {what:<40} {size:>10}  median {:>8.2} ms  {:>7.0} faults",
            row.median(),
            row.faults.unwrap_or(0.0)
        );
        self.rows.push(row);
    }

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
        let mut faults = 0;
        for i in 0..runs {
            let (took, f) = Self::run_once(what, size, make(i), stdin, expect)?;
            times.push(took);
            faults += f;
        }
        self.push(what, size, times, faults);
        Ok(())
    }

    /// Two commands timed side by side, run after run (a, b, a, b, …), so
    /// that a machine busier for a while weighs on both alike: the two
    /// rows of a ratio goal.
    pub(crate) fn time_pair<'s>(
        &mut self,
        size: &str,
        runs: usize,
        expect: i32,
        mut a: Side<'s>,
        mut b: Side<'s>,
    ) -> Result<()> {
        let mut measured = [(Vec::with_capacity(runs), 0), (Vec::with_capacity(runs), 0)];
        for i in 0..runs {
            for (side, (times, faults)) in [&mut a, &mut b].into_iter().zip(measured.iter_mut()) {
                let (took, f) =
                    Self::run_once(side.what, size, (side.make)(i), side.stdin, expect)?;
                times.push(took);
                *faults += f;
            }
        }
        let [(ta, fa), (tb, fb)] = measured;
        self.push(a.what, size, ta, fa);
        self.push(b.what, size, tb, fb);
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
        self.row(what, size).map(Row::median)
    }

    pub(crate) fn faults_of(&self, what: &str, size: &str) -> Option<f64> {
        self.row(what, size).and_then(|r| r.faults)
    }

    fn row(&self, what: &str, size: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.what == what && r.size == size)
    }
}

/// A database of its own on the PostgreSQL server `PGHOST` names (inside
/// `pg_virtualenv`), dropped at the end.
pub(crate) struct PgScratch {
    pub url: String,
    name: String,
    admin: postgres::Client,
}

impl PgScratch {
    pub(crate) fn new(what: &str) -> Result<PgScratch> {
        let env = |k: &str, default: &str| std::env::var(k).unwrap_or_else(|_| default.to_owned());
        let (host, port, user) = (
            env("PGHOST", "localhost"),
            env("PGPORT", "5432"),
            env("PGUSER", "postgres"),
        );
        let name = format!("tokenctl_bench_{what}_{}", std::process::id());
        let mut config = postgres::Config::new();
        config
            .host(&host)
            .port(port.parse()?)
            .user(&user)
            .dbname("postgres");
        if let Ok(p) = std::env::var("PGPASSWORD") {
            config.password(p);
        }
        let mut admin = config.connect(postgres::NoTls)?;
        // One statement each: CREATE DATABASE cannot run in a transaction block.
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))?;
        admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
        Ok(PgScratch {
            url: format!("postgres://{user}@{host}:{port}/{name}?sslmode=disable"),
            name,
            admin,
        })
    }

    /// Transactions committed in this database so far (statements outside
    /// a transaction count one each), as the statistics collector says.
    pub(crate) fn commits(&mut self) -> Result<i64> {
        self.admin
            .batch_execute("SELECT pg_stat_clear_snapshot()")?;
        Ok(self
            .admin
            .query_one(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = $1",
                &[&self.name],
            )?
            .get(0))
    }
}

impl Drop for PgScratch {
    fn drop(&mut self) {
        let _ = self.admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}
