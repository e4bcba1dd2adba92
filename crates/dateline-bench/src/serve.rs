//! `dateline-bench serve`: how fast the real `dateline serve` answers readers, measured on
//! this machine against nginx serving the same response bytes in the same run.
//!
//! ```sh
//! cargo build --release -p dateline -p dateline-bench
//! ./target/release/dateline-bench serve            # the issue's workload, 5 s per run
//! ./target/release/dateline-bench serve --quick    # 1,000 posts / 20,000 comments, 2 s runs
//! ./target/release/dateline-bench serve --pg postgres://postgres@127.0.0.1:5432/postgres
//! ```
//!
//! One command, in this order (everything under `--dir`, default `$TMPDIR/dateline-bench-serve`):
//!
//! 1. Generate the WXR export (see [`crate::generate`]): 10,000 posts and 200,000 approved
//!    comments; post 1 has 1,000, post 2 has 100, and post 2 also holds 3,000 pending ones.
//! 2. Import it with `dateline --db … import wxr` into a fresh SQLite file, or with `--pg URL`
//!    into a database `dateline_bench` the harness drops and creates with `psql` on that
//!    server. The wall time is the import figure (target ≤10 s SQLite, ≤20 s PostgreSQL).
//! 3. Create an administrator and an application password with the CLI (for the fresh phase).
//! 4. Start `dateline serve` with `dateline.toml` (`[site] base_url` only, so the page cache is
//!    on by default) and time spawn → first 200 of `/`: the cold-start figure (≤200 ms).
//! 5. Find the six pages (post with 1,000 comments, post with 100, home, `/tag/tag-0/page/5/`,
//!    `/feed/`, `/feed/atom/`), following one redirect where the permalink differs from the
//!    export's link, and fetch each plain and with `Accept-Encoding: gzip`.
//! 6. Write those bytes under `nginx/root/` with an nginx.conf (2 workers, `gzip_static`) and
//!    start nginx as a child.
//! 7. Hot: each page × {64, 256} connections × {plain, `Accept-Encoding: gzip, br`}: wrk
//!    against dateline, then the same against nginx. Target: ≥0.8× nginx's req/s, p99 ≤10 ms
//!    at 256 connections, no errors.
//! 8. Cold: restart dateline with `[cache] enabled = false` (`dateline-cold.toml`): the posts
//!    with 100 and 1,000 comments at 64 connections (≥4,000 and ≥500 req/s), and the home page
//!    (recorded). Then overload:
//!    1,024 connections on the 1,000-comment post with wrk's 2 s timeout (no timeouts, p99
//!    ≤1 s; 503s are allowed, and probes check that they carry `Retry-After`). A dateline that
//!    does not know `[cache]` refuses the file: the cold rows are then reported as failed and
//!    the run goes on.
//! 9. Fresh: dateline with the cache on again; a thread approves 50 held comments a second
//!    through the REST API (curl, 5 per 100 ms, keep-alive within each batch) while wrk loads
//!    the 100-comment post at 64 connections (≥0.5× nginx). Every second or two, the last
//!    approval of a batch is followed: its post's comment feed (`…/post-2/feed/`, the newest
//!    10 comments) is polled every 10 ms until it lists `#comment-ID` (≤1 s). The bulk is
//!    approved oldest first and the followed ones are the newest held comments, newest first,
//!    so a followed comment stays among the feed's newest while it is looked for: later bulk
//!    approvals cannot push it out, and at most 8 are followed.
//! 10. Memory: `VmRSS` of each dateline process sampled every 100 ms, and its `VmHWM`
//!     (≤100 MiB, as the harness has always counted megabytes).
//!
//! The table is printed and written to `DIR/results.md`; the exit status is non-zero if any
//! target was missed or a phase could not run. Every child (dateline, nginx) is stopped on
//! every way out. `--quick` is for developing the harness: its figures are not the issue's.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::dateline::{Dateline, Server};
use crate::generate::{self, Workload};
use crate::nginx;
use crate::procs::{self, Children, RssPeak, http_get};
use crate::report::{Report, Row};
use crate::wrk::{self, Load, WrkResult};

/// The `serve` subcommand's options (clap lives in main.rs).
pub type Options = crate::options::RunOptions;

/// The phases that `--only` picks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Phase {
    /// The kept pages against nginx.
    Hot,
    /// The page cache off, and overload.
    Cold,
    /// Approvals in the background while readers load a post.
    Fresh,
}

/// Held comments on post 2, approved during the fresh phase.
const PENDING: usize = 3_000;
/// The database created on the PostgreSQL server.
const PG_DATABASE: &str = "dateline_bench";
const ADMIN: &str = "benchadmin";
/// What browsers send; dateline may answer with either.
const COMPRESSED: &str = "gzip, br";
/// Approvals a second in the fresh phase, in batches of `APPROVE_BATCH` every 100 ms.
const APPROVALS_PER_SECOND: usize = 50;
const APPROVE_BATCH: usize = APPROVALS_PER_SECOND / 10;

/// A page as found on the running server, with the bytes nginx will serve for it.
struct Page {
    id: &'static str,
    name: &'static str,
    /// The path dateline answers 200 on (after at most one redirect).
    path: String,
    content_type: String,
    plain: Vec<u8>,
    /// dateline's answer to `Accept-Encoding: gzip` when it was gzip.
    gzip: Option<Vec<u8>>,
    /// The `Content-Encoding` dateline answers `Accept-Encoding: gzip, br` with.
    compressed_as: String,
}

/// Everything the phases share.
struct Bench {
    dir: PathBuf,
    dateline: Dateline,
    port: u16,
    duration: Duration,
    children: Children,
    report: Report,
    /// The peak memory of each dateline process, by phase.
    rss: Vec<(&'static str, RssPeak)>,
    /// `--only`: the phases to run (all when empty).
    only: Vec<Phase>,
}

/// Runs the whole benchmark; `Ok(true)` when every target was met.
pub fn run(options: Options, only: &[Phase]) -> anyhow::Result<bool> {
    procs::ensure_tools(&["nginx", "wrk", "curl"])?;
    let binary = crate::dateline::binary(options.dateline.clone())?;
    let workload = options.workload(PENDING);
    let duration = options.duration();
    let dir = options.dir("serve");
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    for stale in ["bench.db", "bench.db-wal", "bench.db-shm", "results.md"] {
        let _ = std::fs::remove_file(dir.join(stale));
    }
    let _ = std::fs::remove_dir_all(dir.join("nginx"));
    let db = match &options.pg {
        Some(server) => fresh_pg_database(server, PG_DATABASE)?,
        None => format!("sqlite:{}", dir.join("bench.db").display()),
    };
    let mut bench = Bench {
        dateline: Dateline { binary: binary.clone(), db: db.clone(), dir: dir.clone() },
        dir: dir.clone(),
        port: procs::free_port()?,
        duration,
        children: Children::default(),
        report: Report::default(),
        rss: Vec::new(),
        only: only.to_vec(),
    };
    bench.report.setup = setup_lines(&options, workload, duration, &binary, &db);
    if !only.is_empty() {
        bench.report.setup.push(format!("only the phases {only:?} (NOT the whole harness)"));
    }
    for line in &bench.report.setup {
        println!("{line}");
    }
    let outcome = bench.measure(workload, options.pg.is_some());
    // Stop dateline and nginx before anything is printed, whatever happened.
    bench.children = Children::default();
    if let Err(err) = outcome {
        bench.report.line("run", format!("stopped early: {err:#}"), "every phase runs", false);
    }
    bench.memory_lines();
    let text = bench.report.text();
    println!("\n{text}");
    let results = dir.join("results.md");
    std::fs::write(&results, bench.report.markdown()).with_context(|| format!("write {}", results.display()))?;
    println!("results: {} (the store, logs and nginx files are kept in {})", results.display(), dir.display());
    Ok(bench.report.all_ok())
}

/// The CPU's model name and the logical CPUs, for the report's setup lines (figures from a
/// shared 2-core box read differently from a dedicated server's).
pub(crate) fn machine() -> (String, usize) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| l.strip_prefix("model name").map(|m| m.trim_start_matches([' ', '\t', ':']).to_string()))
        })
        .unwrap_or_else(|| "unknown CPU".into());
    (cpu, std::thread::available_parallelism().map_or(0, |n| n.get()))
}

/// The host's TCP congestion control, which moves every figure of a long page: an algorithm
/// that paces (BBR) costs each answer of several segments timers, unless the sender opts
/// out, as dateline does for connections from this machine since stop 49
/// (`server/pacing.rs` in dateline-web) and nginx does not.
fn congestion_line() -> String {
    let algorithm = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_congestion_control");
    match algorithm.as_deref().map(str::trim) {
        Ok(name) if name.starts_with("bbr") => {
            format!(
                "tcp: congestion control {name}, which paces; nginx's connections are paced, dateline's from this machine not (builds since stop 49: its log says so at start)"
            )
        }
        Ok(name) => format!("tcp: congestion control {name}, which does not pace"),
        Err(err) => format!("tcp: congestion control unknown ({err})"),
    }
}

/// The `dateline.toml` the harness serves with: the site's address, and `[cache] enabled =
/// false` when the page cache must be off (a dateline that does not know `[cache]` refuses it).
pub(crate) fn site_config(port: u16, cache: bool) -> String {
    let base = format!("[site]\nbase_url = \"http://127.0.0.1:{port}\"\n");
    if cache { base } else { format!("{base}\n[cache]\nenabled = false\n") }
}

fn setup_lines(options: &Options, workload: Workload, duration: Duration, binary: &Path, db: &str) -> Vec<String> {
    let (cpu, cores) = machine();
    let backend = if options.pg.is_some() { "PostgreSQL" } else { "SQLite" };
    let mut lines = vec![
        format!(
            "dateline-bench serve{}: {} posts, {} approved comments (+{} held), {backend} store {db}",
            if options.quick { " --quick (NOT the issue's workload)" } else { "" },
            workload.posts,
            workload.comments,
            workload.pending
        ),
        format!("machine: {cpu}, {cores} logical CPUs; dateline: {}", binary.display()),
        format!("load: wrk -t2, {} s per run, dateline and nginx side by side (nginx: 2 workers, same bytes)", duration.as_secs()),
        congestion_line(),
    ];
    if cores < 4 {
        lines.push(format!("note: wrk, the server and nginx share {cores} CPUs; ratios are comparable, absolute figures are low"));
    }
    lines
}

/// Drops and creates the database `name` on the server `server_url` points at; returns its URL.
pub(crate) fn fresh_pg_database(server_url: &str, name: &str) -> anyhow::Result<String> {
    for sql in [format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), format!("CREATE DATABASE {name}")] {
        let output = Command::new("psql").args([server_url, "-v", "ON_ERROR_STOP=1", "-qc", &sql]).output().context("run psql")?;
        if !output.status.success() {
            bail!("psql {sql:?} failed: {}", String::from_utf8_lossy(&output.stderr).trim());
        }
    }
    database_url(server_url, name)
}

/// `postgres://u@h:5432/postgres?x=y` with the database replaced: `postgres://u@h:5432/NAME?x=y`.
fn database_url(server_url: &str, name: &str) -> anyhow::Result<String> {
    let (scheme, rest) = server_url.split_once("://").context("--pg: not a postgres:// URL")?;
    if !scheme.starts_with("postgres") {
        bail!("--pg: not a postgres:// URL: {server_url}");
    }
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, format!("?{query}")),
        None => (rest, String::new()),
    };
    let authority = rest.split('/').next().unwrap_or(rest);
    Ok(format!("{scheme}://{authority}/{name}{query}"))
}

impl Bench {
    fn measure(&mut self, workload: Workload, postgres: bool) -> anyhow::Result<()> {
        let file = self.dir.join("bench.xml");
        let started = Instant::now();
        let bytes = generate::generate(&file, workload)?;
        println!("generated {} ({:.1} MB) in {:.1} s", file.display(), bytes as f64 / 1e6, started.elapsed().as_secs_f64());

        println!("importing …");
        let (took, stdout) = self.dateline.import(&file)?;
        let peak = stdout.split("peak memory ").nth(1).and_then(|rest| rest.split_whitespace().next()).map(str::to_string);
        let limit = if postgres { 20.0 } else { 10.0 };
        self.report.line(
            format!(
                "import {} posts / {} comments ({})",
                workload.posts,
                workload.comments + workload.pending,
                if postgres { "PostgreSQL" } else { "SQLite" }
            ),
            format!("{:.1} s{}", took.as_secs_f64(), peak.map(|p| format!(", import peak {p} MiB")).unwrap_or_default()),
            format!("≤{limit:.0} s"),
            took.as_secs_f64() <= limit,
        );
        println!("imported in {:.1} s", took.as_secs_f64());

        std::fs::write(self.dir.join("dateline.toml"), site_config(self.port, true))?;
        std::fs::write(self.dir.join("dateline-cold.toml"), site_config(self.port, false))?;

        self.dateline.add_administrator(ADMIN, "b@example.org", "long-password-123")?;
        let app_password = self.dateline.app_password(ADMIN, "bench")?;

        let server = self.start("hot", "dateline.toml")?;
        let start_ms = server.first_response.as_secs_f64() * 1000.0;
        self.report.line(
            format!("cold start to first 200 of / ({} posts)", workload.posts),
            format!("{start_ms:.0} ms"),
            "≤200 ms",
            start_ms <= 200.0,
        );
        let hot = self.hot_phase(&server);
        self.stop("hot", server);
        let (pages, nginx_port) = hot?;
        let nginx_url = |path: &str| format!("http://127.0.0.1:{nginx_port}{path}");

        let post_100 = pages.iter().find(|p| p.id == "post-100").context("no 100-comment post")?;
        let post_1000 = pages.iter().find(|p| p.id == "post-1000").context("no 1000-comment post")?;
        let home = pages.iter().find(|p| p.id == "home").context("no home page")?;
        if self.runs(Phase::Cold) {
            self.cold(post_100, post_1000, home);
        }
        if self.runs(Phase::Fresh) {
            self.fresh(post_100, &nginx_url(&post_100.path), &app_password);
        }
        Ok(())
    }

    /// Finds the pages, starts nginx with their bytes, and runs the hot matrix; returns the
    /// pages and nginx's port.
    fn hot_phase(&mut self, server: &Server) -> anyhow::Result<(Vec<Page>, u16)> {
        let pages = self.pages(server)?;
        let nginx_port = procs::free_port()?;
        let nginx_dir = self.dir.join("nginx");
        let statics: Vec<nginx::StaticPage> = pages
            .iter()
            .map(|p| nginx::StaticPage { id: p.id, path: &p.path, content_type: &p.content_type, plain: &p.plain, gzip: p.gzip.as_deref() })
            .collect();
        nginx::write_site(&nginx_dir, nginx_port, &statics)?;
        nginx::start(&nginx_dir, nginx_port, &mut self.children)?;
        self.check_nginx(&pages, nginx_port)?;
        let nginx_url = |path: &str| format!("http://127.0.0.1:{nginx_port}{path}");
        if self.runs(Phase::Hot) {
            self.hot(server, &pages, &nginx_url);
        }
        Ok((pages, nginx_port))
    }

    fn runs(&self, phase: Phase) -> bool {
        self.only.is_empty() || self.only.contains(&phase)
    }

    /// Starts dateline with `config` (a file in the bench directory).
    fn start(&mut self, phase: &str, config: &str) -> anyhow::Result<Server> {
        let log = self.dir.join(format!("dateline-{phase}.log"));
        let server = self.dateline.serve(&self.dir.join(config), self.port, &log, &mut self.children)?;
        println!("dateline ({phase}, {config}) answered / after {:.0} ms", server.first_response.as_secs_f64() * 1000.0);
        Ok(server)
    }

    fn stop(&mut self, phase: &'static str, server: Server) {
        let peak = server.rss.finish();
        self.children.stop(server.pid);
        self.rss.push((phase, peak));
    }

    fn memory_lines(&mut self) {
        for (phase, peak) in std::mem::take(&mut self.rss) {
            self.report.line(
                format!("dateline memory ({phase})"),
                format!("peak VmRSS {:.1} MiB (sampled every 100 ms), VmHWM {:.1} MiB", peak.sampled_mib, peak.hwm_mib),
                "≤100 MiB",
                peak.sampled_mib.max(peak.hwm_mib) <= 100.0,
            );
        }
    }

    /// Finds the six pages on `server` and fetches the bytes nginx will serve.
    fn pages(&self, server: &Server) -> anyhow::Result<Vec<Page>> {
        let scratch = self.dir.join("fetch");
        std::fs::create_dir_all(&scratch)?;
        let wanted: [(&'static str, &'static str, String); 6] = [
            ("post-1000", "post, 1000 comments", generate::post_path(1)),
            ("post-100", "post, 100 comments", generate::post_path(2)),
            ("home", "home", "/".into()),
            ("tag-page-5", "tag archive page 5", "/tag/tag-0/page/5/".into()),
            ("rss", "RSS feed", "/feed/".into()),
            ("atom", "Atom feed", "/feed/atom/".into()),
        ];
        let mut pages = Vec::new();
        for (id, name, path) in wanted {
            let mut path = path;
            let mut response = curl(&server.url(&path), &[], &scratch)?;
            if (300..400).contains(&response.status) && !response.redirect.is_empty() {
                let to = response.redirect.strip_prefix(&format!("http://{}", server.address)).unwrap_or(&response.redirect).to_string();
                println!("{name}: {path} redirects to {to}");
                path = to;
                response = curl(&server.url(&path), &[], &scratch)?;
            }
            if response.status != 200 {
                bail!("{name}: {} answered {}", server.url(&path), response.status);
            }
            let content_type = response.header("content-type").unwrap_or("text/html; charset=utf-8").to_string();
            let gzipped = curl(&server.url(&path), &["Accept-Encoding: gzip"], &scratch)?;
            let gzip = (gzipped.header("content-encoding") == Some("gzip")).then_some(gzipped.body);
            let compressed = curl(&server.url(&path), &[&format!("Accept-Encoding: {COMPRESSED}")], &scratch)?;
            let compressed_as = compressed.header("content-encoding").unwrap_or("identity").to_string();
            println!(
                "{name}: {path} {} bytes, {}, gzip {}, answers \"{COMPRESSED}\" with {compressed_as}",
                response.body.len(),
                content_type,
                gzip.as_ref().map_or("not offered".into(), |g| format!("{} bytes", g.len()))
            );
            pages.push(Page { id, name, path, content_type, plain: response.body, gzip, compressed_as });
        }
        Ok(pages)
    }

    /// nginx must answer every page with exactly dateline's bytes.
    fn check_nginx(&self, pages: &[Page], port: u16) -> anyhow::Result<()> {
        let scratch = self.dir.join("fetch");
        for page in pages {
            let url = format!("http://127.0.0.1:{port}{}", page.path);
            let plain = curl(&url, &[], &scratch)?;
            let gzipped = curl(&url, &["Accept-Encoding: gzip"], &scratch)?;
            let expected_gzip = page.gzip.as_ref().unwrap_or(&page.plain);
            if plain.status != 200 || plain.body != page.plain || gzipped.body != *expected_gzip {
                bail!("nginx does not serve dateline's bytes for {url} (status {})", plain.status);
            }
        }
        Ok(())
    }

    fn load(&self, url: &str, connections: u32, accept_encoding: Option<&str>) -> anyhow::Result<WrkResult> {
        wrk::run(&Load { url, connections, duration: self.duration, accept_encoding, timeout: None, script: None })
    }

    /// The floor's figures for `page` as dateline answered `accept` (see `floor.rs`); `None`
    /// (with the reason printed) when it could not run.
    fn floor_load(&self, page: &Page, accept: Option<&str>) -> Option<WrkResult> {
        let (body, encoding) = match (accept, &page.gzip) {
            (Some(_), Some(gzip)) if page.compressed_as == "gzip" => (gzip, Some("gzip")),
            _ => (&page.plain, None),
        };
        let result =
            crate::floor::Floor::start(body, &page.content_type, encoding).and_then(|floor| self.load(&floor.url(&page.path), 256, accept));
        result.inspect_err(|err| eprintln!("the floor for {}: {err:#}", page.name)).ok()
    }

    /// Each page × {64, 256} × {plain, compressed}: dateline, then nginx.
    fn hot(&mut self, server: &Server, pages: &[Page], nginx_url: &dyn Fn(&str) -> String) {
        for page in pages {
            for connections in [64, 256] {
                for accept in [None, Some(COMPRESSED)] {
                    let encoding = match accept {
                        None => "plain".to_string(),
                        Some(accept) => format!("{accept} → {}", page.compressed_as),
                    };
                    let dateline = self.load(&server.url(&page.path), connections, accept);
                    let nginx = self.load(&nginx_url(&page.path), connections, accept);
                    let mut target = "≥0.8× nginx, 0 errors".to_string();
                    if connections == 256 {
                        target = "≥0.8× nginx, p99 ≤10 ms, 0 errors".into();
                    }
                    let mut row = Row {
                        page: page.name.into(),
                        connections,
                        encoding,
                        dateline: dateline.as_ref().ok().copied(),
                        nginx: nginx.as_ref().ok().copied(),
                        target,
                        ok: false,
                        note: failure_note(&dateline, &nginx),
                    };
                    row.ok = match (row.ratio(), row.dateline) {
                        (Some(ratio), Some(d)) => ratio >= 0.8 && d.errors() == 0 && (connections != 256 || d.p99_ms <= 10.0),
                        _ => false,
                    };
                    if !row.ok && row.note.is_none() {
                        let p99_missed = connections == 256 && row.dateline.is_some_and(|d| d.p99_ms > 10.0);
                        let floor = if p99_missed { self.floor_load(page, accept) } else { None };
                        row.note = p99_floor_note(connections, row.dateline, row.nginx, floor);
                    }
                    progress(&row);
                    self.report.rows.push(row);
                }
            }
        }
    }

    /// The page cache off: absolute rates (the home page's recorded, without a target: it is
    /// what every write makes the next reader of a listing wait for), then overload.
    fn cold(&mut self, post_100: &Page, post_1000: &Page, home: &Page) {
        let server = match self.start("cold", "dateline-cold.toml") {
            Ok(server) => server,
            Err(err) => {
                let note = format!("dateline did not start with [cache] enabled = false: {err:#}");
                eprintln!("{note}");
                for (page, target) in [(post_100, "≥4000 req/s, 0 errors"), (post_1000, "≥500 req/s, 0 errors")] {
                    self.report.rows.push(failed_row(format!("cold: {}", page.name), 64, target, &note));
                }
                self.report.rows.push(failed_row(format!("overload, cache off: {}", post_1000.name), 1024, OVERLOAD_TARGET, &note));
                return;
            }
        };
        for (page, floor) in [(post_100, Some(4_000.0)), (post_1000, Some(500.0)), (home, None)] {
            let result = self.load(&server.url(&page.path), 64, None);
            let mut row = Row {
                page: format!("cold: {}", page.name),
                connections: 64,
                encoding: "plain".into(),
                dateline: result.as_ref().ok().copied(),
                nginx: None,
                target: match floor {
                    Some(floor) => format!("≥{floor:.0} req/s, 0 errors"),
                    None => "recorded, 0 errors".into(),
                },
                ok: false,
                note: result.as_ref().err().map(|e| format!("{e:#}")),
            };
            row.ok = row.dateline.is_some_and(|d| d.requests_per_sec >= floor.unwrap_or(0.0) && d.errors() == 0);
            progress(&row);
            self.report.rows.push(row);
        }
        let row = overload(&server, post_1000, self.duration * 2);
        progress(&row);
        self.report.rows.push(row);
        self.stop("cache off, and overload", server);
    }

    /// Approvals in the background while readers load the 100-comment post.
    fn fresh(&mut self, post_100: &Page, nginx_url: &str, app_password: &str) {
        let server = match self.start("fresh", "dateline.toml") {
            Ok(server) => server,
            Err(err) => {
                let note = format!("dateline did not start: {err:#}");
                self.report.rows.push(failed_row(format!("fresh: {}, approving 50/s", post_100.name), 64, FRESH_TARGET, &note));
                self.report.line("fresh: approval visible in the post's comment feed", "not measured", "≤1000 ms", false);
                return;
            }
        };
        match self.fresh_with(&server, post_100, nginx_url, app_password) {
            Ok(()) => {}
            Err(err) => {
                let note = format!("{err:#}");
                eprintln!("fresh phase: {note}");
                self.report.rows.push(failed_row(format!("fresh: {}, approving 50/s", post_100.name), 64, FRESH_TARGET, &note));
                self.report.line("fresh: approval visible in the post's comment feed", format!("not measured: {note}"), "≤1000 ms", false);
            }
        }
        self.stop("fresh", server);
    }

    fn fresh_with(&mut self, server: &Server, post: &Page, nginx_url: &str, app_password: &str) -> anyhow::Result<()> {
        let scratch = self.dir.join("fetch");
        let credentials = format!("{ADMIN}:{app_password}");
        let post_id = post_id(server, &post.path, &scratch)?;
        let held = held_comments(server, post_id, &credentials, &scratch)?;
        let needed = APPROVALS_PER_SECOND * (self.duration.as_secs() as usize * 2 + 3);
        if held.len() < needed {
            bail!("only {} held comments on post {post_id}; the fresh phase needs {needed}", held.len());
        }
        println!("fresh: {} held comments on post {post_id}; approving {APPROVALS_PER_SECOND}/s", held.len());
        let window = Duration::from_secs(1) + self.duration * 2;
        let approver = Approver::start(server, &post.path, &credentials, Plan::new(held, window));
        // Let the approvals settle into their pace before the readers come.
        std::thread::sleep(Duration::from_secs(1));
        let loaded = wrk::run(&Load {
            url: &server.url(&post.path),
            connections: 64,
            duration: self.duration * 2,
            accept_encoding: None,
            timeout: None,
            script: None,
        });
        let approvals = approver.finish();
        let nginx = wrk::run(&Load {
            url: nginx_url,
            connections: 64,
            duration: self.duration * 2,
            accept_encoding: None,
            timeout: None,
            script: None,
        });
        let mut row = Row {
            page: format!("fresh: {}, approving 50/s", post.name),
            connections: 64,
            encoding: "plain".into(),
            dateline: loaded.as_ref().ok().copied(),
            nginx: nginx.as_ref().ok().copied(),
            target: FRESH_TARGET.into(),
            ok: false,
            note: failure_note(&loaded, &nginx),
        };
        row.ok = matches!((row.ratio(), row.dateline), (Some(ratio), Some(d)) if ratio >= 0.5 && d.errors() == 0);
        progress(&row);
        self.report.rows.push(row);

        let seen: Vec<f64> = approvals.delays.iter().filter_map(|d| d.map(|d| d.as_secs_f64() * 1000.0)).collect();
        let unseen = approvals.delays.len() - seen.len();
        let worst = seen.iter().copied().fold(0.0, f64::max);
        let rate = approvals.approved_in_time as f64 / approvals.sending.as_secs_f64().max(0.001);
        let mut measured = format!(
            "max {worst:.0} ms over {} samples{}; {} approvals sent in {:.1} s, {} answered 200 in that time ({rate:.1}/s), {} in all",
            approvals.delays.len(),
            if unseen > 0 { format!(" ({unseen} not seen within 5 s)") } else { String::new() },
            approvals.sent,
            approvals.sending.as_secs_f64(),
            approvals.approved_in_time,
            approvals.approved
        );
        if approvals.failed > 0 {
            measured.push_str(&format!(", {} approvals failed ({})", approvals.failed, approvals.failures.join("; ")));
        }
        let ok = !approvals.delays.is_empty()
            && unseen == 0
            && worst <= 1000.0
            && approvals.failed == 0
            && rate >= APPROVALS_PER_SECOND as f64 * 0.9;
        self.report.line("fresh: approval visible in the post's comment feed", measured, "≤1000 ms, 50 approvals/s", ok);
        Ok(())
    }
}

const OVERLOAD_TARGET: &str = "0 timeouts, p99 ≤1000 ms, 503 has Retry-After";
const FRESH_TARGET: &str = "≥0.5× nginx, 0 errors";

fn failed_row(page: String, connections: u32, target: &str, note: &str) -> Row {
    Row {
        page,
        connections,
        encoding: "plain".into(),
        dateline: None,
        nginx: None,
        target: target.into(),
        ok: false,
        note: Some(note.to_string()),
    }
}

fn failure_note(dateline: &anyhow::Result<WrkResult>, nginx: &anyhow::Result<WrkResult>) -> Option<String> {
    let mut notes = Vec::new();
    if let Err(err) = dateline {
        notes.push(format!("dateline run failed: {err:#}"));
    }
    match nginx {
        Err(err) => notes.push(format!("nginx run failed: {err:#}")),
        Ok(n) if n.errors() > 0 => notes.push(format!("nginx had {} errors", n.errors())),
        Ok(_) => {}
    }
    (!notes.is_empty()).then(|| notes.join("; "))
}

/// For a row at 256 connections whose p99 missed 10 ms: the least its mean can be. Each of wrk's
/// connections asks again only once answered, so the mean answer takes connections ÷ answers a
/// second (Little's law), and no p99 is below its mean; beside it, nginx's own p99 on the same
/// bytes, and the floor's (one thread writing them from memory, `floor.rs`) when it ran. Tells a
/// slow host (all over) from a slow server (docs/PERFORMANCE.md, "Stop 42" and "Stop 47").
fn p99_floor_note(connections: u32, dateline: Option<WrkResult>, nginx: Option<WrkResult>, floor: Option<WrkResult>) -> Option<String> {
    let (dateline, nginx) = (dateline?, nginx?);
    if connections != 256 || dateline.p99_ms <= 10.0 || dateline.requests_per_sec <= 0.0 {
        return None;
    }
    let mean_ms = f64::from(connections) * 1000.0 / dateline.requests_per_sec;
    let floor = floor.map_or(String::new(), |floor| {
        format!(
            "; one thread writing the same bytes from memory (the floor) p99 {:.2} ms at {:.0} a second",
            floor.p99_ms, floor.requests_per_sec
        )
    });
    Some(format!(
        "p99 {:.2} ms: at {:.0} answers a second over {connections} connections the mean answer takes {mean_ms:.2} ms \
         (Little's law; a p99 ≤10 ms needs well over {:.0} a second); nginx's p99 on the same bytes {:.2} ms at {:.0} a second{floor}",
        dateline.p99_ms,
        dateline.requests_per_sec,
        f64::from(connections) * 100.0,
        nginx.p99_ms,
        nginx.requests_per_sec,
    ))
}

/// One load run's figures as soon as it is done, for whoever watches the run.
pub(crate) fn progress(row: &Row) {
    let show = |r: Option<WrkResult>| {
        r.map_or("failed".into(), |r| format!("{:.0} req/s, p99 {:.2} ms, {} errors", r.requests_per_sec, r.p99_ms, r.errors()))
    };
    let nginx = row.nginx.map(|n| format!(" | nginx {}", show(Some(n)))).unwrap_or_default();
    println!(
        "{} ({} conns, {}): dateline {}{nginx}{} {}",
        row.page,
        row.connections,
        row.encoding,
        show(row.dateline),
        row.ratio().map(|r| format!(" | ratio {r:.2}")).unwrap_or_default(),
        if row.ok { "ok" } else { "MISSED" }
    );
}

/// An overload probe's answer: status and whether it carried `Retry-After`, or why none came.
type Probe = Result<(u16, bool), String>;

/// 1,024 connections with wrk's 2 s timeout, and a probe every 200 ms that records each
/// answer's status, time and whether a 503 said when to come back.
fn overload(server: &Server, page: &Page, duration: Duration) -> Row {
    let stop = Arc::new(AtomicBool::new(false));
    let probes = {
        let (stop, address, path) = (stop.clone(), server.address, page.path.clone());
        std::thread::spawn(move || {
            let mut seen: Vec<(Probe, Duration)> = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let answer = http_get(address, &path, Duration::from_secs(3))
                    .map(|r| (r.status, r.header("retry-after").is_some()))
                    .map_err(|e| e.to_string());
                seen.push((answer, started.elapsed()));
                std::thread::sleep(Duration::from_millis(200));
            }
            seen
        })
    };
    let overflows_before = procs::listen_overflows();
    let result = wrk::run(&Load {
        url: &server.url(&page.path),
        connections: 1024,
        duration,
        accept_encoding: None,
        timeout: Some(Duration::from_secs(2)),
        script: None,
    });
    let dropped = procs::listen_overflows().zip(overflows_before).map(|(after, before)| after.saturating_sub(before));
    stop.store(true, Ordering::Relaxed);
    let seen = probes.join().unwrap_or_default();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let mut bare_503 = 0;
    for (answer, _) in &seen {
        let key = match answer {
            Ok((status, retry_after)) => {
                if *status == 503 && !retry_after {
                    bare_503 += 1;
                }
                status.to_string()
            }
            Err(_) => "no answer".into(),
        };
        *statuses.entry(key).or_default() += 1;
    }
    let slowest = seen.iter().map(|(_, took)| took.as_secs_f64() * 1000.0).fold(0.0, f64::max);
    let mut note = format!(
        "probes: {} ({}), slowest {slowest:.0} ms{}",
        seen.len(),
        statuses.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", "),
        if bare_503 > 0 { format!(", {bare_503} 503s without Retry-After") } else { String::new() }
    );
    if let Ok(r) = &result {
        note.push_str(&format!(
            "; wrk: {} non-2xx/3xx, socket errors connect {} read {} write {} timeout {}",
            r.non_2xx_3xx, r.connect_errors, r.read_errors, r.write_errors, r.timeouts
        ));
    }
    if let Some(dropped) = dropped {
        note.push_str(&format!("; handshakes dropped by a full backlog: {dropped}"));
    }
    if let Err(err) = &result {
        note = format!("wrk failed: {err:#}; {note}");
    }
    let dateline = result.ok();
    Row {
        page: format!("overload, cache off: {}", page.name),
        connections: 1024,
        encoding: "plain".into(),
        dateline,
        nginx: None,
        target: OVERLOAD_TARGET.into(),
        ok: dateline.is_some_and(|d| d.timeouts == 0 && d.p99_ms <= 1000.0) && bare_503 == 0,
        note: Some(note),
    }
}

/// What `curl` fetched: status, the `Location` it would follow, headers and body as sent.
struct Fetched {
    status: u16,
    redirect: String,
    head: String,
    body: Vec<u8>,
}

impl Fetched {
    fn header(&self, name: &str) -> Option<&str> {
        // The last header block (after any 1xx).
        let block = self.head.trim_end().rsplit("\r\n\r\n").next().unwrap_or(&self.head);
        block.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// One GET with curl, the body kept exactly as sent (no decompression).
fn curl(url: &str, headers: &[&str], scratch: &Path) -> anyhow::Result<Fetched> {
    curl_with(url, headers, scratch, Command::new("curl"))
}

/// [`curl`] with a command that may already carry options (credentials).
fn curl_with(url: &str, headers: &[&str], scratch: &Path, mut command: Command) -> anyhow::Result<Fetched> {
    let body = scratch.join("body");
    let head = scratch.join("head");
    command.args(["-sS", "--max-time", "30", "-o"]).arg(&body).arg("-D").arg(&head).args(["-w", "%{http_code} %{redirect_url}"]);
    for header in headers {
        command.args(["-H", header]);
    }
    let output = command.arg(url).output().context("run curl")?;
    if !output.status.success() {
        bail!("curl {url}: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    let written = String::from_utf8_lossy(&output.stdout).into_owned();
    let (status, redirect) = written.split_once(' ').unwrap_or((&written, ""));
    Ok(Fetched {
        status: status.trim().parse().with_context(|| format!("curl {url}: status {status:?}"))?,
        redirect: redirect.trim().to_string(),
        head: std::fs::read_to_string(&head).unwrap_or_default(),
        body: std::fs::read(&body).unwrap_or_default(),
    })
}

/// A GET with curl whose body is JSON; also returns the header block.
fn curl_json(url: &str, credentials: Option<&str>, scratch: &Path) -> anyhow::Result<(serde_json::Value, Fetched)> {
    let mut command = Command::new("curl");
    if let Some(credentials) = credentials {
        command.args(["-u", credentials]);
    }
    let fetched = curl_with(url, &[], scratch, command)?;
    let text = String::from_utf8_lossy(&fetched.body).into_owned();
    if fetched.status != 200 {
        bail!("GET {url}: {} {}", fetched.status, text.chars().take(300).collect::<String>());
    }
    let value = serde_json::from_str(&text).with_context(|| format!("GET {url}: not JSON"))?;
    Ok((value, fetched))
}

/// The store id of the post at `path` (the REST API, looked up by slug).
fn post_id(server: &Server, path: &str, scratch: &Path) -> anyhow::Result<i64> {
    let slug = path.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
    let (found, _) = curl_json(&server.url(&format!("/wp-json/wp/v2/posts?slug={slug}&_fields=id")), None, scratch)?;
    found.get(0).and_then(|p| p.get("id")).and_then(serde_json::Value::as_i64).with_context(|| format!("no post with slug {slug}"))
}

/// Ids of the post's held comments, oldest first (the API lists newest first): approved in
/// this order, each becomes the newest comment its post's feed shows.
fn held_comments(server: &Server, post: i64, credentials: &str, scratch: &Path) -> anyhow::Result<Vec<i64>> {
    let mut ids = Vec::new();
    let mut pages = 1;
    let mut page = 1;
    while page <= pages {
        let url = server.url(&format!("/wp-json/wp/v2/comments?status=hold&post={post}&per_page=100&page={page}&_fields=id"));
        let (listed, fetched) = curl_json(&url, Some(credentials), scratch)?;
        ids.extend(listed.as_array().context("comments: not a list")?.iter().filter_map(|c| c.get("id")?.as_i64()));
        pages = fetched.header("x-wp-totalpages").and_then(|n| n.parse().ok()).context("comments: no X-WP-TotalPages")?;
        page += 1;
    }
    ids.reverse();
    Ok(ids)
}

/// What the approver did.
struct Approvals {
    /// Approvals sent, and how long the sending went on.
    sent: usize,
    sending: Duration,
    /// Approvals answered 200 while the sending went on (the rate the server kept up with).
    approved_in_time: usize,
    approved: usize,
    failed: usize,
    failures: Vec<String>,
    /// For each followed approval: how long until the feed listed it (`None`: not within 5 s).
    delays: Vec<Option<Duration>>,
}

impl Approvals {
    fn panicked() -> Approvals {
        Approvals {
            sent: 0,
            sending: Duration::ZERO,
            approved_in_time: 0,
            approved: 0,
            failed: 1,
            failures: vec!["the approver thread panicked".into()],
            delays: Vec::new(),
        }
    }
}

/// Which held comments are approved when.
struct Plan {
    /// Approved oldest first: each becomes the newest comment on the post.
    bulk: Vec<i64>,
    /// Followed into the feed, newest first: each is newer than every bulk approval, so the
    /// feed (newest first, 10 entries) keeps listing it while up to 8 are followed.
    followed: Vec<i64>,
    /// Every this many batches (of 100 ms), one batch ends with a followed comment.
    follow_every: usize,
}

impl Plan {
    /// A plan for `held` (oldest first) over about `window`.
    fn new(mut held: Vec<i64>, window: Duration) -> Plan {
        const FOLLOWED: usize = 8;
        let followed: Vec<i64> = held.split_off(held.len().saturating_sub(FOLLOWED)).into_iter().rev().collect();
        let seconds_apart = (window.as_secs_f64() / FOLLOWED as f64).ceil().max(1.0) as usize;
        Plan { bulk: held, followed, follow_every: 10 * seconds_apart }
    }

    /// The ids of batch `index` (of [`APPROVE_BATCH`]), and the one to follow, if any.
    fn batch(&mut self, index: usize, bulk_from: &mut usize) -> (Vec<i64>, Option<i64>) {
        let follow = if index % self.follow_every == self.follow_every - 1 && !self.followed.is_empty() {
            Some(self.followed.remove(0))
        } else {
            None
        };
        let take = APPROVE_BATCH - usize::from(follow.is_some());
        let end = (*bulk_from + take).min(self.bulk.len());
        let mut ids = self.bulk[*bulk_from..end].to_vec();
        *bulk_from = end;
        ids.extend(follow);
        (ids, follow)
    }
}

/// The background writer of the fresh phase.
struct Approver {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Approvals>,
}

impl Approver {
    fn start(server: &Server, post_path: &str, credentials: &str, plan: Plan) -> Approver {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            let (address, feed, credentials) = (server.address, format!("{post_path}feed/"), credentials.to_string());
            std::thread::spawn(move || approve(address, &feed, &credentials, plan, &stop))
        };
        Approver { stop, thread }
    }

    fn finish(self) -> Approvals {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_else(|_| Approvals::panicked())
    }
}

/// Batches of approvals that may be waiting for answers at once: the writer keeps its pace
/// while the server is slow to answer, up to two seconds' worth.
const MAX_BATCHES_IN_FLIGHT: usize = 20;

/// What one batch's curl reported.
#[derive(Default)]
struct BatchOutcome {
    approved: usize,
    failed: usize,
    failure: Option<String>,
    /// When the answers came.
    answered: Option<Instant>,
}

/// Sends batches of [`APPROVE_BATCH`] every 100 ms as `plan` says, until `stop` or until the
/// held comments run out, each batch on a thread of its own (one curl, keep-alive within it),
/// which then follows the batch's followed comment (its last) into the feed.
fn approve(address: SocketAddr, feed: &str, credentials: &str, mut plan: Plan, stop: &AtomicBool) -> Approvals {
    let delays = Arc::new(Mutex::new(Vec::new()));
    let in_flight = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    let mut sent = 0;
    let started = Instant::now();
    let mut bulk_from = 0;
    for index in 0.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let (batch, followed) = plan.batch(index, &mut bulk_from);
        if batch.is_empty() {
            break;
        }
        let due = started + Duration::from_millis(100) * index as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        while in_flight.load(Ordering::Relaxed) >= MAX_BATCHES_IN_FLIGHT && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(5));
        }
        sent += batch.len();
        in_flight.fetch_add(1, Ordering::Relaxed);
        let (credentials, feed, delays, in_flight) = (credentials.to_string(), feed.to_string(), delays.clone(), in_flight.clone());
        workers.push(std::thread::spawn(move || {
            let outcome = approve_batch(address, &credentials, &batch);
            in_flight.fetch_sub(1, Ordering::Relaxed);
            if let (Some(id), Some(answered)) = (followed, outcome.answered)
                && outcome.failed == 0
            {
                let seen = follow(address, &feed, id, answered);
                if let Ok(mut delays) = delays.lock() {
                    delays.push(seen);
                }
            }
            outcome
        }));
    }
    let sending = started.elapsed();
    let sending_ended = started + sending;
    let mut approvals = Approvals { sent, sending, approved_in_time: 0, approved: 0, failed: 0, failures: Vec::new(), delays: Vec::new() };
    for worker in workers {
        let outcome = worker.join().unwrap_or_else(|_| BatchOutcome {
            failed: APPROVE_BATCH,
            failure: Some("panicked".into()),
            ..BatchOutcome::default()
        });
        approvals.approved += outcome.approved;
        if outcome.answered.is_some_and(|at| at <= sending_ended) {
            approvals.approved_in_time += outcome.approved;
        }
        approvals.failed += outcome.failed;
        if let Some(failure) = outcome.failure
            && approvals.failures.len() < 3
        {
            approvals.failures.push(failure);
        }
    }
    approvals.delays = delays.lock().map(|d| d.clone()).unwrap_or_default();
    approvals
}

/// `POST /wp-json/wp/v2/comments/ID {"status":"approved"}` for each id, with one curl.
fn approve_batch(address: SocketAddr, credentials: &str, batch: &[i64]) -> BatchOutcome {
    let mut command = Command::new("curl");
    command.args(["-sS", "--max-time", "10", "-u", credentials, "-H", "Content-Type: application/json"]);
    command.args(["-d", r#"{"status":"approved"}"#, "-w", "%{http_code}\n"]);
    for id in batch {
        command.args(["-o", "/dev/null"]).arg(format!("http://{address}/wp-json/wp/v2/comments/{id}"));
    }
    match command.output() {
        Ok(output) => {
            let answered = Some(Instant::now());
            let codes = String::from_utf8_lossy(&output.stdout).into_owned();
            let approved = codes.lines().filter(|c| *c == "200").count();
            let failed = batch.len() - approved.min(batch.len());
            let failure = (failed > 0).then(|| {
                format!(
                    "HTTP {} {}",
                    codes.split_whitespace().collect::<Vec<_>>().join(","),
                    String::from_utf8_lossy(&output.stderr).trim()
                )
            });
            BatchOutcome { approved, failed, failure, answered }
        }
        Err(err) => BatchOutcome { failed: batch.len(), failure: Some(format!("curl: {err}")), ..BatchOutcome::default() },
    }
}

/// Polls `feed` every 10 ms until it lists comment `id`; the time since `since`.
fn follow(address: SocketAddr, feed: &str, id: i64, since: Instant) -> Option<Duration> {
    let needles = [format!("#comment-{id}<"), format!("#comment-{id}\"")];
    while since.elapsed() < Duration::from_secs(5) {
        if let Ok(response) = http_get(address, feed, Duration::from_secs(5)) {
            let body = String::from_utf8_lossy(&response.body);
            if response.status == 200 && needles.iter().any(|n| body.contains(n.as_str())) {
                return Some(since.elapsed());
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missed_p99_is_set_beside_its_floor_and_nginx_s() {
        let run = |requests_per_sec: f64, p99_ms: f64| Some(WrkResult { requests: 1, requests_per_sec, p99_ms, ..WrkResult::default() });
        let note = p99_floor_note(256, run(25_600.0, 15.9), run(24_454.0, 24.68), None).expect("a note");
        assert!(note.contains("mean answer takes 10.00 ms"), "{note}");
        assert!(note.contains("well over 25600 a second") && note.contains("nginx's p99 on the same bytes 24.68 ms at 24454"), "{note}");
        assert!(!note.contains("floor"), "{note}");
        let note = p99_floor_note(256, run(25_600.0, 15.9), run(24_454.0, 24.68), run(36_681.0, 11.82)).expect("a note");
        assert!(note.ends_with("(the floor) p99 11.82 ms at 36681 a second"), "{note}");
        assert_eq!(p99_floor_note(256, run(40_000.0, 9.9), run(30_000.0, 12.0), None), None, "met");
        assert_eq!(p99_floor_note(64, run(40_000.0, 19.9), run(30_000.0, 12.0), None), None, "no p99 target at 64");
        assert_eq!(p99_floor_note(256, run(40_000.0, 19.9), None, None), None, "no yardstick");
    }

    #[test]
    fn database_url_replaces_only_the_database() {
        assert_eq!(database_url("postgres://postgres@127.0.0.1:5432/postgres", "b").expect("url"), "postgres://postgres@127.0.0.1:5432/b");
        assert_eq!(database_url("postgresql://u:p@h/db?sslmode=disable", "b").expect("url"), "postgresql://u:p@h/b?sslmode=disable");
        assert_eq!(database_url("postgres://h:5432", "b").expect("url"), "postgres://h:5432/b");
        assert!(database_url("sqlite:x.db", "b").is_err());
    }

    #[test]
    fn the_plan_follows_the_newest_held_comments_newest_first() {
        let mut plan = Plan::new((1..=200).collect(), Duration::from_secs(5));
        assert_eq!(plan.follow_every, 10);
        let mut from = 0;
        let mut sent = Vec::new();
        let mut followed = Vec::new();
        for index in 0..30 {
            let (batch, follow) = plan.batch(index, &mut from);
            assert_eq!(batch.len(), APPROVE_BATCH);
            assert_eq!(follow.is_some(), index % 10 == 9);
            if let Some(id) = follow {
                assert_eq!(batch.last(), Some(&id));
                followed.push(id);
            }
            sent.extend(batch);
        }
        assert_eq!(followed, [200, 199, 198]);
        assert_eq!(&sent[..5], &[1, 2, 3, 4, 5]);
        assert_eq!(sent.iter().collect::<std::collections::HashSet<_>>().len(), sent.len());
        // A long window spaces the eight followed comments out.
        assert_eq!(Plan::new((1..=100).collect(), Duration::from_secs(11)).follow_every, 20);
    }

    #[test]
    fn reads_headers_of_the_last_block() {
        let fetched = Fetched {
            status: 200,
            redirect: String::new(),
            head: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\ncontent-type: text/html\r\n\r\n".into(),
            body: Vec::new(),
        };
        assert_eq!(fetched.header("content-encoding"), Some("gzip"));
        assert_eq!(fetched.header("Content-Type"), Some("text/html"));
    }
}
