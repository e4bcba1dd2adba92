//! A real PostgreSQL hot standby: a primary and its streaming replica, two clusters of the
//! test's own in a temporary folder (made with the server's `initdb` and `pg_basebackup`, run
//! as the `postgres` user). A `dateline serve` on the replica serves readers, refuses writers,
//! and shows the primary's writes within a second, though a standby hears no notifications.
//! Needs root and PostgreSQL's server programs (as CI has); elsewhere it says it skipped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::moderation::OPEN_DISCUSSION;
use crate::support::*;

/// PostgreSQL's server programs (`/usr/lib/postgresql/VERSION/bin`, the newest there).
fn server_programs() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> =
        std::fs::read_dir("/usr/lib/postgresql").ok()?.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).collect();
    versions.sort_by_key(|p| p.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok()));
    versions.pop().filter(|bin| bin.join("initdb").is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port()
}

/// A primary and its standby, both stopped (and their folder removed) on drop.
struct Pair {
    bin: PathBuf,
    dir: PathBuf,
    primary: u16,
    standby: u16,
}

impl Pair {
    fn start() -> Option<Pair> {
        let why_not = match (server_programs(), Command::new("id").arg("-u").output()) {
            (Some(bin), Ok(id)) if String::from_utf8_lossy(&id.stdout).trim() == "0" => {
                let dir = temp_dir();
                let pair = Pair { bin, dir, primary: free_port(), standby: free_port() };
                match pair.make() {
                    Ok(()) => return Some(pair),
                    Err(err) => err,
                }
            }
            (None, _) => "PostgreSQL's server programs (initdb) are not installed".to_string(),
            _ => "making clusters needs root (to run them as the postgres user)".to_string(),
        };
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI must run the replica test, but: {why_not}");
        eprintln!("skipped: the replica test cannot make its clusters: {why_not}");
        None
    }

    fn as_postgres(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let output = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(program))
            .args(args)
            .output()
            .map_err(|err| format!("{program}: {err}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!("{program} {args:?}: {}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)))
        }
    }

    fn cluster(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn start_cluster(&self, name: &str, port: u16) -> Result<(), String> {
        let options = format!("-p {port} -k {} -c listen_addresses=127.0.0.1", self.dir.display());
        let log = self.dir.join(format!("{name}.log")).display().to_string();
        self.as_postgres("pg_ctl", &["-D", &self.cluster(name), "-o", &options, "-l", &log, "-w", "start"])
    }

    fn make(&self) -> Result<(), String> {
        let chown = Command::new("chown").arg("postgres").arg(&self.dir).output().map_err(|e| e.to_string())?;
        if !chown.status.success() {
            return Err(format!("chown postgres: {}", String::from_utf8_lossy(&chown.stderr)));
        }
        self.as_postgres("initdb", &["-D", &self.cluster("primary"), "-U", "postgres", "--auth=trust"])?;
        let hba = Path::new(&self.cluster("primary")).join("pg_hba.conf");
        let mut rules = std::fs::read_to_string(&hba).map_err(|e| e.to_string())?;
        rules.push_str("\nhost replication all 127.0.0.1/32 trust\n");
        std::fs::write(&hba, rules).map_err(|e| e.to_string())?;
        self.start_cluster("primary", self.primary)?;
        let port = self.primary.to_string();
        self.as_postgres("pg_basebackup", &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", "-D", &self.cluster("standby"), "-R"])?;
        self.start_cluster("standby", self.standby)
    }

    fn url(port: u16) -> String {
        format!("postgres://postgres@127.0.0.1:{port}/postgres")
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        for name in ["standby", "primary"] {
            let _ = self.as_postgres("pg_ctl", &["-D", &self.cluster(name), "-m", "immediate", "stop"]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn a_hot_standby_is_served_read_only_and_follows_its_primary() {
    let Some(pair) = Pair::start() else { return };
    let (primary, standby) = (Pair::url(pair.primary), Pair::url(pair.standby));
    let dir = temp_dir();
    std::fs::write(dir.join("dateline.toml"), OPEN_DISCUSSION).expect("config");
    let new_post = |title: &str, day: &str| {
        let json = format!(r#"{{"title": "{title}", "published_at": "2026-01-{day}T00:00:00Z", "body": "Talk about the snow."}}"#);
        let made = run(&dir, &["--db", &primary, "post", "new", "--json", "-"], Some(&json));
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    };
    // The primary is migrated and written first; the standby replays it.
    new_post("Open thread", "01");
    let replayed = Instant::now() + Duration::from_secs(10);
    let server = loop {
        let started = run(&dir, &["--db", &standby, "check"], None);
        if started.status.success() {
            break serve(&dir, &["--db", &standby], &[]);
        }
        assert!(Instant::now() < replayed, "the standby never caught up: {}", String::from_utf8_lossy(&started.stderr));
        std::thread::sleep(Duration::from_millis(100));
    };
    crate::full_disk::readers_read_and_writers_are_told(&server.base, "/2026/01/01/open-thread/");

    // A post written on the primary shows on the standby's (cached) home page within a second.
    assert!(!get(&server.base, "/").body.contains("Thaw expected"));
    new_post("Thaw expected", "02");
    let deadline = Instant::now() + Duration::from_secs(1);
    while !get(&server.base, "/").body.contains("Thaw expected") {
        assert!(Instant::now() < deadline, "the primary's new post did not show on the standby within 1 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
