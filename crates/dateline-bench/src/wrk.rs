//! Load from `wrk`: one run, its output parsed into the figures the report needs.
//!
//! wrk runs through `sh -c 'ulimit -n …; exec wrk …'` so a run with 1,024 connections has
//! the file descriptors it needs (the soft limit is often 1,024; it is raised to 65,536 or,
//! where the hard limit is lower, to the hard limit).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

/// One wrk run.
#[derive(Debug, Clone)]
pub struct Load<'a> {
    pub url: &'a str,
    pub connections: u32,
    pub duration: Duration,
    /// Sent as `Accept-Encoding` when set.
    pub accept_encoding: Option<&'a str>,
    /// wrk's per-request timeout (its default is 2 s).
    pub timeout: Option<Duration>,
    /// A wrk Lua script (`-s`), e.g. one that sends a different path each request.
    pub script: Option<&'a Path>,
}

/// What a run measured.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WrkResult {
    pub requests: u64,
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Responses with a status other than 2xx or 3xx.
    pub non_2xx_3xx: u64,
    pub connect_errors: u64,
    pub read_errors: u64,
    pub write_errors: u64,
    /// Requests without an answer within the timeout.
    pub timeouts: u64,
}

impl WrkResult {
    /// Error responses and socket errors together.
    pub fn errors(&self) -> u64 {
        self.non_2xx_3xx + self.socket_errors()
    }

    /// Requests that got no answer: connect, read and write errors, and timeouts.
    pub fn socket_errors(&self) -> u64 {
        self.connect_errors + self.read_errors + self.write_errors + self.timeouts
    }
}

/// Runs wrk and parses what it printed.
pub fn run(load: &Load) -> anyhow::Result<WrkResult> {
    let threads = 2.min(load.connections).to_string();
    let connections = load.connections.to_string();
    let duration = format!("{}s", load.duration.as_secs().max(1));
    let mut args: Vec<String> = vec!["-t".into(), threads, "-c".into(), connections, "-d".into(), duration, "--latency".into()];
    if let Some(encoding) = load.accept_encoding {
        args.extend(["-H".into(), format!("Accept-Encoding: {encoding}")]);
    }
    if let Some(timeout) = load.timeout {
        args.extend(["--timeout".into(), format!("{}s", timeout.as_secs().max(1))]);
    }
    if let Some(script) = load.script {
        args.extend(["-s".into(), script.display().to_string()]);
    }
    args.push(load.url.into());
    let output = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 65536 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; exec wrk \"$@\"")
        .arg("wrk")
        .args(&args)
        .output()
        .context("run wrk")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!("wrk {} failed ({}): {}{}", args.join(" "), output.status, stdout, String::from_utf8_lossy(&output.stderr));
    }
    parse(&stdout).with_context(|| format!("unexpected wrk output:\n{stdout}"))
}

/// Parses wrk 4's report.
pub fn parse(text: &str) -> anyhow::Result<WrkResult> {
    let mut result = WrkResult::default();
    let mut saw_rate = false;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Requests/sec:") {
            result.requests_per_sec = rest.trim().parse().context("Requests/sec")?;
            saw_rate = true;
        } else if let Some(rest) = line.strip_prefix("50%") {
            result.p50_ms = duration_ms(rest.trim()).with_context(|| format!("50% latency {:?}", rest.trim()))?;
        } else if let Some(rest) = line.strip_prefix("99%") {
            result.p99_ms = duration_ms(rest.trim()).with_context(|| format!("99% latency {:?}", rest.trim()))?;
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            result.non_2xx_3xx = rest.trim().parse().context("Non-2xx or 3xx responses")?;
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            for part in rest.split(',') {
                let mut words = part.split_whitespace();
                let (Some(kind), Some(count)) = (words.next(), words.next()) else { continue };
                let count: u64 = count.parse().with_context(|| format!("socket errors {part:?}"))?;
                match kind {
                    "connect" => result.connect_errors = count,
                    "read" => result.read_errors = count,
                    "write" => result.write_errors = count,
                    "timeout" => result.timeouts = count,
                    _ => {}
                }
            }
        } else if let Some((count, _)) = line.split_once(" requests in ") {
            result.requests = count.trim().parse().context("requests in")?;
        }
    }
    if !saw_rate {
        bail!("no Requests/sec line");
    }
    Ok(result)
}

/// wrk's durations: `812.00us`, `3.41ms`, `1.20s`, `2.00m`.
fn duration_ms(text: &str) -> anyhow::Result<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic()).context("no unit")?;
    let value: f64 = text[..split].parse()?;
    let factor = match &text[split..] {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        unit => bail!("unknown unit {unit:?}"),
    };
    Ok(value * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "Running 5s test @ http://127.0.0.1:8080/
  2 threads and 256 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.34ms    5.67ms 200.00ms   90.00%
    Req/Sec    10.00k     1.00k   12.00k    70.00%
  Latency Distribution
     50%   11.00ms
     75%   13.00ms
     90%   15.00ms
     99%  812.00us
  100000 requests in 5.00s, 1.00GB read
  Socket errors: connect 3, read 4, write 5, timeout 6
  Non-2xx or 3xx responses: 7
Requests/sec:  20000.50
Transfer/sec:    200.00MB
";

    #[test]
    fn parses_a_report_with_errors() {
        let result = parse(SAMPLE).expect("parse");
        assert_eq!(result.requests, 100_000);
        assert!((result.requests_per_sec - 20_000.5).abs() < 1e-9);
        assert!((result.p50_ms - 11.0).abs() < 1e-9);
        assert!((result.p99_ms - 0.812).abs() < 1e-9);
        assert_eq!((result.connect_errors, result.read_errors, result.write_errors, result.timeouts), (3, 4, 5, 6));
        assert_eq!(result.non_2xx_3xx, 7);
        assert_eq!(result.socket_errors(), 18);
        assert_eq!(result.errors(), 25);
    }

    #[test]
    fn a_clean_report_has_no_errors() {
        let clean = SAMPLE.lines().filter(|l| !l.contains("errors") && !l.contains("Non-2xx")).collect::<Vec<_>>().join("\n");
        assert_eq!(parse(&clean).expect("parse").errors(), 0);
    }

    #[test]
    fn converts_units() {
        assert_eq!(duration_ms("1.50s").expect("s"), 1500.0);
        assert_eq!(duration_ms("2.00m").expect("m"), 120_000.0);
        assert!(duration_ms("3.0xs").is_err());
        assert!(parse("nothing").is_err());
    }
}
