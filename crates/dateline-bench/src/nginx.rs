//! The yardstick: nginx serving, from files, exactly the bytes dateline answered for each
//! page (plain, and gzip as dateline sent it when asked for gzip), at the same paths, so the
//! ratio compares serving and nothing else. Everything nginx writes stays under its own
//! directory (`-p DIR/nginx`); it runs in the foreground as the harness's child.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::procs::{Children, which};

/// One page nginx serves.
pub struct StaticPage<'a> {
    /// A short file-system-safe name, e.g. `post-1000`.
    pub id: &'a str,
    /// The path on both servers, e.g. `/2010/01/03/post-2/`.
    pub path: &'a str,
    pub content_type: &'a str,
    pub plain: &'a [u8],
    /// The gzip bytes dateline sent for `Accept-Encoding: gzip`; `None` when it sent the page
    /// uncompressed (nginx then sends the plain bytes to every client, as dateline did).
    pub gzip: Option<&'a [u8]>,
}

/// Writes `dir/root/<id>/index.html[.gz]` and `dir/nginx.conf` for `pages` on `port`.
pub fn write_site(dir: &Path, port: u16, pages: &[StaticPage]) -> anyhow::Result<()> {
    let root = dir.join("root");
    let _ = std::fs::remove_dir_all(&root);
    for sub in ["root", "tmp", "logs"] {
        std::fs::create_dir_all(dir.join(sub)).with_context(|| format!("create {}", dir.join(sub).display()))?;
    }
    let mut locations = String::new();
    for page in pages {
        let page_dir = root.join(page.id);
        std::fs::create_dir_all(&page_dir)?;
        let file = page_dir.join("index.html");
        std::fs::write(&file, page.plain)?;
        if let Some(gzip) = page.gzip {
            std::fs::write(page_dir.join("index.html.gz"), gzip)?;
        }
        // try_files, not alias: the paths end in a slash, which would hand them to the index
        // module; gzip_static then looks for the .gz beside the file try_files found.
        let _ = writeln!(
            locations,
            "        location = {} {{\n            types {{ }}\n            default_type \"{}\";\n            try_files /{}/index.html =404;\n        }}",
            page.path,
            page.content_type.replace('"', ""),
            page.id
        );
    }
    let d = dir.display();
    let conf = format!(
        "# Written by dateline-bench serve: the same bytes as dateline, from files.
worker_processes 2;
pid {d}/nginx.pid;
error_log {d}/logs/error.log warn;
events {{
    worker_connections 8192;
}}
http {{
    access_log off;
    client_body_temp_path {d}/tmp/client_body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    server_tokens off;
    gzip off;
    gzip_static on;
    server {{
        listen 127.0.0.1:{port};
        root {d}/root;
{locations}        location / {{
            return 404;
        }}
    }}
}}
"
    );
    std::fs::write(dir.join("nginx.conf"), conf)?;
    Ok(())
}

/// Starts nginx on `dir/nginx.conf` as a child of `children` and waits until it answers.
pub fn start(dir: &Path, port: u16, children: &mut Children) -> anyhow::Result<u32> {
    let nginx = which("nginx").context("nginx is not installed")?;
    let conf = dir.join("nginx.conf");
    let check =
        Command::new(&nginx).arg("-p").arg(dir).arg("-e").arg(dir.join("logs/error.log")).arg("-c").arg(&conf).arg("-t").output()?;
    if !check.status.success() {
        bail!("nginx refused {}: {}", conf.display(), String::from_utf8_lossy(&check.stderr));
    }
    let child = Command::new(&nginx)
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("logs/error.log"))
        .arg("-c")
        .arg(&conf)
        .args(["-g", "daemon off;"])
        .stdin(Stdio::null())
        .spawn()
        .context("start nginx")?;
    let pid = children.adopt("nginx", child);
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(status) = children.exited(pid) {
            bail!("nginx exited at start ({status}); see {}", dir.join("logs/error.log").display());
        }
        if std::net::TcpStream::connect_timeout(&address, Duration::from_millis(100)).is_ok() {
            return Ok(pid);
        }
        if Instant::now() > deadline {
            bail!("nginx did not listen on {address} within 5 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
