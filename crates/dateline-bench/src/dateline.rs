//! Driving the real `dateline` binary as a user would: `import wxr`, `user add`,
//! `user app-password`, and `serve`, timed from the outside. Nothing here links dateline's
//! crates: the harness measures the program, not a library.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::procs::{Children, RssMonitor, http_get};

/// The dateline binary to measure: `explicit`, or the one beside this harness (both are built
/// by `cargo build --release -p dateline -p dateline-bench`).
pub fn binary(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let path = match explicit {
        Some(path) => path,
        None => std::env::current_exe()?.with_file_name("dateline"),
    };
    if !path.is_file() {
        bail!("{} not found: build it first (cargo build --release -p dateline)", path.display());
    }
    if path.components().any(|c| c.as_os_str() == "debug") {
        eprintln!("warning: {} looks like a debug build; figures from it mean little", path.display());
    }
    Ok(path)
}

/// One store and the program that serves it.
pub struct Dateline {
    pub binary: PathBuf,
    /// `sqlite:PATH` or `postgres://…`.
    pub db: String,
    /// Where commands run, so no stray `./dateline.toml` is read.
    pub dir: PathBuf,
}

/// A running `dateline serve`.
pub struct Server {
    pub pid: u32,
    pub address: SocketAddr,
    /// From spawning the process to the first 200 answer of `/`.
    pub first_response: Duration,
    pub rss: RssMonitor,
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }
}

impl Dateline {
    fn command(&self, config: Option<&Path>) -> Command {
        let mut command = Command::new(&self.binary);
        command.current_dir(&self.dir).arg("--db").arg(&self.db);
        if let Some(config) = config {
            command.arg("--config").arg(config);
        }
        command
    }

    /// `dateline import wxr FILE`; returns the wall time and what it printed.
    pub fn import(&self, file: &Path) -> anyhow::Result<(Duration, String)> {
        let started = Instant::now();
        let output = self
            .command(None)
            .args(["import", "wxr"])
            .arg(file)
            .env("RUST_LOG", "warn")
            .output()
            .with_context(|| format!("run {}", self.binary.display()))?;
        let took = started.elapsed();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            bail!("import failed ({}): {}{}", output.status, stdout, String::from_utf8_lossy(&output.stderr));
        }
        Ok((took, stdout))
    }

    /// `dateline check`: the bytes the search indexes take and the store's, from its line
    /// `search indexes: N bytes of a M-byte store (…)`.
    pub fn search_index_bytes(&self) -> anyhow::Result<(u64, u64)> {
        let output = self.command(None).arg("check").env("RUST_LOG", "warn").output().context("run dateline check")?;
        // Read whatever the check concluded: a problem it reports elsewhere in the store does not
        // change what the indexes take.
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout.lines().find_map(|line| line.strip_prefix("search indexes: ")).with_context(|| {
            format!("dateline check ({}) said no sizes: {}{}", output.status, stdout, String::from_utf8_lossy(&output.stderr).trim())
        })?;
        let numbers: Vec<u64> = line.split(' ').filter_map(|word| word.trim_end_matches("-byte").parse().ok()).collect();
        match numbers[..] {
            [index, store, ..] => Ok((index, store)),
            _ => bail!("dateline check's sizes are unreadable: {line:?}"),
        }
    }

    /// `dateline user add LOGIN --role administrator` with `password` on standard input.
    pub fn add_administrator(&self, login: &str, email: &str, password: &str) -> anyhow::Result<()> {
        use std::io::Write;
        let mut child = self
            .command(None)
            .args(["user", "add", login, "--role", "administrator", "--email", email])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("run dateline user add")?;
        if let Some(mut stdin) = child.stdin.take() {
            writeln!(stdin, "{password}")?;
        }
        let output = child.wait_with_output()?;
        if !output.status.success() {
            bail!("dateline user add failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr).trim());
        }
        Ok(())
    }

    /// `dateline user app-password LOGIN LABEL`: the new application password, spaces removed
    /// (they only group it for reading). The program prints
    /// `application password for LOGIN (LABEL): xxxx xxxx …`.
    pub fn app_password(&self, login: &str, label: &str) -> anyhow::Result<String> {
        let output = self.command(None).args(["user", "app-password", login, label]).output().context("run dateline user app-password")?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            bail!("dateline user app-password failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr).trim());
        }
        let marker = format!("({label}): ");
        stdout
            .lines()
            .find_map(|line| line.split_once(&marker).map(|(_, password)| password.replace(' ', "")))
            .filter(|password| !password.is_empty())
            .with_context(|| format!("no application password in {stdout:?}"))
    }

    /// Starts `dateline serve` with `config` on `port` (output to `log`) and waits for the first
    /// 200 answer of `/`, polling every 5 ms. A process that exits first is an error quoting
    /// the end of its log (e.g. a config key this build does not know).
    pub fn serve(&self, config: &Path, port: u16, log: &Path, children: &mut Children) -> anyhow::Result<Server> {
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let log_file = std::fs::File::create(log).with_context(|| format!("create {}", log.display()))?;
        let started = Instant::now();
        let child = self
            .command(Some(config))
            .args(["serve", "--listen", &address.to_string()])
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("start {}", self.binary.display()))?;
        let pid = children.adopt("dateline", child);
        let rss = RssMonitor::start(pid);
        let deadline = started + Duration::from_secs(60);
        loop {
            if let Some(status) = children.exited(pid) {
                let text = std::fs::read_to_string(log).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(5).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                bail!("dateline exited at start ({status}): {}", tail.join(" / "));
            }
            if let Ok(response) = http_get(address, "/", Duration::from_secs(5))
                && response.status == 200
            {
                return Ok(Server { pid, address, first_response: started.elapsed(), rss });
            }
            if Instant::now() > deadline {
                bail!("dateline did not answer 200 on / within 60 s (see {})", log.display());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
