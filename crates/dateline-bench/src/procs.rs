//! Processes the harness starts and watches: a guard that stops every child on every exit
//! path (errors and panics included), a resident-memory sampler reading `/proc`, free ports,
//! the external tools (nginx, wrk, curl), and a minimal HTTP/1.0 GET over a plain socket for
//! the probes whose timing matters (a `curl` process costs milliseconds to start).
//!
//! No libc: signals go through `kill(1)`, so the crate keeps `unsafe_code = "forbid"`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Child processes that must not outlive the harness. Dropping the guard stops them all:
/// SIGTERM first (nginx's master only takes its workers down on a signal it can handle),
/// then SIGKILL for any still running after two seconds.
#[derive(Default)]
pub struct Children {
    running: Vec<(String, Child)>,
}

impl Children {
    /// Takes ownership of `child`; `name` is for messages.
    pub fn adopt(&mut self, name: &str, child: Child) -> u32 {
        let pid = child.id();
        self.running.push((name.to_string(), child));
        pid
    }

    /// Whether the child with `pid` has exited, and how (its exit status as text).
    pub fn exited(&mut self, pid: u32) -> Option<String> {
        let (_, child) = self.running.iter_mut().find(|(_, c)| c.id() == pid)?;
        match child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(format!("cannot tell ({e})")),
        }
    }

    /// Stops the child with `pid` (if it is ours) and waits for it.
    pub fn stop(&mut self, pid: u32) {
        if let Some(index) = self.running.iter().position(|(_, c)| c.id() == pid) {
            let (name, child) = self.running.remove(index);
            terminate(&name, child);
        }
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for (name, child) in self.running.drain(..).rev() {
            terminate(&name, child);
        }
    }
}

fn terminate(name: &str, mut child: Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).stderr(Stdio::null()).status();
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!("{name} (pid {}) did not stop on SIGTERM within 2 s: killing it", child.id());
    let _ = child.kill();
    let _ = child.wait();
}

/// Samples a process's resident memory (`VmRSS` in `/proc/PID/status`) about every 100 ms
/// on its own thread, keeping the peak, and the kernel's own high-water mark (`VmHWM`, which
/// also catches spikes between samples).
pub struct RssMonitor {
    stop: Arc<AtomicBool>,
    peak_kib: Arc<AtomicU64>,
    hwm_kib: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

/// What an [`RssMonitor`] saw, in MiB.
#[derive(Debug, Clone, Copy, Default)]
pub struct RssPeak {
    /// The largest `VmRSS` sampled.
    pub sampled_mib: f64,
    /// The last `VmHWM` read (the peak over the process's life).
    pub hwm_mib: f64,
}

impl RssMonitor {
    pub fn start(pid: u32) -> RssMonitor {
        let stop = Arc::new(AtomicBool::new(false));
        let peak_kib = Arc::new(AtomicU64::new(0));
        let hwm_kib = Arc::new(AtomicU64::new(0));
        let thread = {
            let (stop, peak_kib, hwm_kib) = (stop.clone(), peak_kib.clone(), hwm_kib.clone());
            std::thread::spawn(move || {
                let path = format!("/proc/{pid}/status");
                while !stop.load(Ordering::Relaxed) {
                    let Ok(status) = std::fs::read_to_string(&path) else { break };
                    if let Some(rss) = status_kib(&status, "VmRSS:") {
                        peak_kib.fetch_max(rss, Ordering::Relaxed);
                    }
                    if let Some(hwm) = status_kib(&status, "VmHWM:") {
                        hwm_kib.fetch_max(hwm, Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        RssMonitor { stop, peak_kib, hwm_kib, thread: Some(thread) }
    }

    /// What was seen so far (the sampler keeps running).
    pub fn peak(&self) -> RssPeak {
        RssPeak {
            sampled_mib: self.peak_kib.load(Ordering::Relaxed) as f64 / 1024.0,
            hwm_mib: self.hwm_kib.load(Ordering::Relaxed) as f64 / 1024.0,
        }
    }

    /// Stops sampling; call before the process is stopped so the last `VmHWM` is read.
    pub fn finish(mut self) -> RssPeak {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.peak()
    }
}

impl Drop for RssMonitor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// `VmRSS:    12345 kB` → 12345.
fn status_kib(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|line| line.strip_prefix(key)).and_then(|rest| rest.split_whitespace().next()).and_then(|n| n.parse().ok())
}

/// Connections the kernel turned away because a listener's backlog was full (`TcpExt:
/// ListenOverflows` in `/proc/net/netstat`, for every socket of this network namespace): a
/// client whose handshake is dropped retries a second or three later, which wrk counts as a
/// timeout. `None` where the file cannot be read.
pub fn listen_overflows() -> Option<u64> {
    netstat_counter(&std::fs::read_to_string("/proc/net/netstat").ok()?, "TcpExt:", "ListenOverflows")
}

/// A counter from `/proc/net/netstat`'s pairs of lines: `TcpExt: Name1 Name2 …` then
/// `TcpExt: 1 2 …`.
fn netstat_counter(netstat: &str, prefix: &str, name: &str) -> Option<u64> {
    let mut lines = netstat.lines().filter(|line| line.starts_with(prefix));
    let names = lines.next()?.split_whitespace().skip(1);
    let values = lines.next()?.split_whitespace().skip(1);
    names.zip(values).find(|(n, _)| *n == name).and_then(|(_, v)| v.parse().ok())
}

/// A port on 127.0.0.1 that nothing listens on right now.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("find a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Makes sure `tools` (of nginx, wrk and curl) are installed; installs nginx-light and wrk
/// with apt-get when they are missing (saying so), as the benchmark machine is expected to be a
/// Debian box.
pub fn ensure_tools(tools: &[&str]) -> anyhow::Result<()> {
    let missing: Vec<&str> = [("nginx", "nginx-light"), ("wrk", "wrk")]
        .into_iter()
        .filter(|(tool, _)| tools.contains(tool) && which(tool).is_none())
        .map(|(_, package)| package)
        .collect();
    if !missing.is_empty() {
        println!("installing {} with apt-get (apt-get update; apt-get install -y {})", missing.join(" and "), missing.join(" "));
        let update = Command::new("apt-get").arg("update").stdout(Stdio::null()).status().context("run apt-get update")?;
        if !update.success() {
            bail!("apt-get update failed ({update})");
        }
        let install =
            Command::new("apt-get").args(["install", "-y"]).args(&missing).stdout(Stdio::null()).status().context("run apt-get")?;
        if !install.success() {
            bail!("apt-get install -y {} failed ({install})", missing.join(" "));
        }
    }
    for tool in tools {
        if which(tool).is_none() {
            bail!("{tool} is not installed");
        }
    }
    Ok(())
}

/// The full path of `tool` on PATH (or in /usr/sbin, where Debian puts nginx).
pub fn which(tool: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([std::path::PathBuf::from("/usr/sbin"), std::path::PathBuf::from("/sbin")])
        .map(|dir| dir.join(tool))
        .find(|candidate| candidate.is_file())
}

/// A response read by [`http_get`].
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// The header block as sent (lines `Name: value`), for `Retry-After` and the like.
    pub head: String,
    pub body: Vec<u8>,
}

impl Response {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// `GET path` over a new connection as HTTP/1.0 (so the body is never chunked and ends when
/// the server closes), no `Accept-Encoding`. For probes only, not for load.
pub fn http_get(address: SocketAddr, path: &str, timeout: Duration) -> anyhow::Result<Response> {
    let mut stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\nUser-Agent: dateline-bench\r\nConnection: close\r\n\r\n")?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").context("no end of headers in the response")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).context("no status in the response")?;
    Ok(Response { status, head, body: raw[split + 4..].to_vec() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_counter_from_proc_net_netstat() {
        let netstat = "TcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 0 17 17\nIpExt: InNoRoutes\nIpExt: 3\n";
        assert_eq!(netstat_counter(netstat, "TcpExt:", "ListenOverflows"), Some(17));
        assert_eq!(netstat_counter(netstat, "TcpExt:", "Missing"), None);
    }

    #[test]
    fn reads_kib_from_proc_status() {
        let status = "Name:\tdateline\nVmHWM:\t   51234 kB\nVmRSS:\t   40960 kB\n";
        assert_eq!(status_kib(status, "VmRSS:"), Some(40_960));
        assert_eq!(status_kib(status, "VmHWM:"), Some(51_234));
        assert_eq!(status_kib(status, "VmSwap:"), None);
    }

    #[test]
    fn finds_headers_case_insensitively() {
        let response = Response { status: 503, head: "HTTP/1.1 503 Service Unavailable\r\nretry-after: 1".into(), body: Vec::new() };
        assert_eq!(response.header("Retry-After"), Some("1"));
        assert_eq!(response.header("Content-Type"), None);
    }
}
