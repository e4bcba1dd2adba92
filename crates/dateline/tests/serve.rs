//! `dateline serve` and `dateline post new` against each store, over a real socket.

use dateline_testkit::{Db, fresh_postgres, pg_url};

use crate::support::*;

/// The `--db` value for a backend, and what keeps a PostgreSQL schema alive meanwhile.
async fn database(db: Db, dir: &std::path::Path) -> Option<(String, Option<dateline_testkit::TestStore>)> {
    match db {
        Db::Sqlite => Some((format!("sqlite:{}", dir.join("dateline.db").display()), None)),
        Db::Postgres => {
            pg_url()?;
            let test = fresh_postgres().await?;
            Some((test.url.clone(), Some(test)))
        }
    }
}

pub async fn serve_demo_shows_the_seed_post(db: Db) {
    // Without the shared fixtures the demo is the fictional blog alone (see the demo's cases).
    if dateline_testkit::fixtures("the demo's seed post").is_none() {
        return;
    }
    let dir = temp_dir();
    let Some((url, _keep)) = database(db, &dir).await else { return };
    let server = serve(&dir, &["--demo", "--db", &url], &[]);
    let home = get(&server.base, "/");
    assert_eq!(home.status, 200);
    assert!(home.body.contains("<article"), "{}", home.body);
    let seed = find_seed(&server.base);
    let page = get(&server.base, &seed);
    assert_eq!(page.status, 200);
    let html = scraper::Html::parse_document(&page.body);
    let select = |s: &str| scraper::Selector::parse(s).expect("selector");
    let text: String = html.select(&select("main")).flat_map(|m| m.text()).collect();
    assert!(text.contains("Nora Gamez Torres reports via"));
    assert!(text.contains("1 thought on “As Biden tries to cozy up"));
    assert!(text.contains("Comments are closed."));
    // Enough content for archives, pagination and feeds.
    assert_eq!(get(&server.base, "/page/2/").status, 200);
    assert_eq!(get(&server.base, "/category/world/latin-america/").status, 200);
    assert_eq!(get(&server.base, "/feed/").status, 200);
    assert_eq!(get(&server.base, "/about/").status, 200);
    drop(server);

    // Another instance on the same store, started without --demo, shows the same blog: the
    // demo's settings were saved as the site's.
    let plain = serve(&dir, &["--db", &url], &[]);
    assert!(get(&plain.base, "/").body.contains("<title>The Daily Clip"), "the demo blog's name");
    assert!(get(&plain.base, &seed).body.contains("Comments are closed."), "closed by age there too");
    drop(plain);

    // A second start with --demo leaves existing content alone.
    let again = serve(&dir, &["--demo", "--db", &url], &[]);
    let rss = get(&again.base, "/sitemap.xml").body;
    assert_eq!(rss.matches("as-biden-tries-to-cozy-up").count(), 1, "demo content was added twice");
    if db == Db::Sqlite {
        assert!(dir.join("dateline.db").is_file());
    }
    let _ = std::fs::remove_dir_all(dir);
}

pub async fn post_new_prints_id_and_permalink(db: Db) {
    let dir = temp_dir();
    let Some((url, _keep)) = database(db, &dir).await else { return };
    let json = r#"{"title": "Council votes on the harbor budget", "dek": "A line.", "body": "Our *take*.",
        "source": {"reporter": "Ada Lin", "outlet": "Harbor Ledger", "url": "https://example.com/budget", "excerpt": ["Quoted."]},
        "published_at": "2024-03-05T10:00:00Z", "tags": ["Budget"], "categories": ["Local/City Hall"]}"#;
    let output = run(&dir, &["--db", &url, "post", "new", "--json", "-"], Some(json));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let (id, permalink) = stdout.trim().split_once('\t').expect("id<TAB>permalink");
    assert_eq!(id, "1");
    assert_eq!(permalink, "/2024/03/05/council-votes-on-the-harbor-budget/");

    let server = serve(&dir, &["--db", &url], &[]);
    let page = get(&server.base, permalink);
    assert_eq!(page.status, 200);
    // The reporter's name links to their page; the outlet's to the story.
    assert!(page.body.contains(">Ada Lin</a> reports via <a href=\"https://example.com/budget\""), "{}", page.body);
    assert!(page.body.contains("/reporter/ada-lin/\">Ada Lin</a>"), "{}", page.body);
    assert_eq!(get(&server.base, "/?p=1").header("location").as_deref(), Some(permalink));
    let _ = std::fs::remove_dir_all(dir);
}

pub async fn demo_instances_starting_together_fill_once(db: Db) {
    let dir = temp_dir();
    let Some((url, _keep)) = database(db, &dir).await else { return };
    let servers: Vec<_> = (0..3)
        .map(|_| {
            let (dir, url) = (dir.clone(), url.clone());
            std::thread::spawn(move || serve(&dir, &["--demo", "--db", &url], &[]))
        })
        .collect();
    let servers: Vec<_> = servers.into_iter().map(|s| s.join().expect("server thread")).collect();
    let sitemap = get(&servers[0].base, "/sitemap.xml").body;
    // A post of the fictional blog, there with or without the shared fixtures' seed post.
    assert_eq!(sitemap.matches("harbor-line-trains-will-run-past-midnight").count(), 1, "the demo content is there once");
    assert!(!sitemap.contains("-2/"), "no post was written twice");
    drop(servers);
    let _ = std::fs::remove_dir_all(dir);
}

/// A server started with a low soft limit on open files (the usual default is 1,024) raises
/// it to what the system allows: each connection needs a descriptor.
#[test]
fn serve_raises_its_open_file_limit() {
    let dir = temp_dir();
    let db = format!("sqlite:{}", dir.join("dateline.db").display());
    let mut child = std::process::Command::new("sh")
        .args(["-c", "ulimit -Sn 256 && exec \"$0\" \"$@\"", BIN, "serve", "--listen", "127.0.0.1:0", "--db", &db])
        .current_dir(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn serve");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().expect("stdout")), &mut line).expect("serving line");
    assert!(line.contains("http://"), "{line}");
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).expect("limits");
    let _ = child.kill();
    let _ = child.wait();
    let row = limits.lines().find(|l| l.starts_with("Max open files")).expect("open files row");
    let numbers: Vec<u64> = row.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    // ("unlimited" is not a number: read as the largest.)
    let (soft, hard) = (numbers.first().copied().unwrap_or(u64::MAX), numbers.get(1).copied().unwrap_or(u64::MAX));
    assert!(soft == hard || soft > 256, "the soft limit was raised: {row}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Requests are served by a thread per processor unless `[server] threads` says how many:
/// the runtime's own count, as the server logs it at start.
#[test]
fn requests_are_served_by_as_many_threads_as_the_config_says() {
    use std::io::BufRead;
    let processors = std::thread::available_parallelism().map_or(1, |n| n.get());
    for (config, expected) in [("", processors), ("[server]\nthreads = 3\n", 3)] {
        let dir = temp_dir();
        std::fs::write(dir.join("dateline.toml"), config).expect("config");
        let mut child = command(&dir, &["--log-format", "json", "serve", "--listen", "127.0.0.1:0"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn serve");
        let log = std::io::BufReader::new(child.stderr.take().expect("stderr"));
        let limits = log
            .lines()
            .take(100)
            .map_while(Result::ok)
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(&line).ok())
            .find(|entry| entry["fields"]["message"] == "connection limits");
        let _ = child.kill();
        let _ = child.wait();
        let limits = limits.unwrap_or_else(|| panic!("no \"connection limits\" line in the log with {config:?}"));
        assert_eq!(limits["fields"]["threads"], expected, "threads serving requests with {config:?}: {limits}");
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// More clients connect at once than the server takes (`max_connections`): they wait in the
/// kernel's backlog, connected, and are served in turn. With the runtime's default backlog
/// (128) the handshakes past it were dropped and those clients hung for a second or more
/// before retrying.
#[test]
fn a_burst_of_connections_waits_in_the_backlog_and_is_served() {
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpStream};
    use std::time::Duration;

    // The kernel caps every backlog at net.core.somaxconn (4,096 since Linux 5.4).
    let somaxconn: usize =
        std::fs::read_to_string("/proc/sys/net/core/somaxconn").ok().and_then(|s| s.trim().parse().ok()).unwrap_or(4_096);
    let burst = 400.min(somaxconn.saturating_sub(2));
    let dir = temp_dir();
    std::fs::write(dir.join("dateline.toml"), "[server]\nmax_connections = 1\n").expect("config");
    let server = serve(&dir, &[], &[]);
    let address: SocketAddr = server.base.trim_start_matches("http://").trim_end_matches('/').parse().expect("address");
    // The one connection the server takes, held open and silent.
    let holder = TcpStream::connect(address).expect("first connection");
    std::thread::sleep(Duration::from_millis(100));
    let mut waiting = Vec::new();
    for n in 0..burst {
        // Under the 1 s after which a client sends a dropped handshake again.
        match TcpStream::connect_timeout(&address, Duration::from_millis(900)) {
            Ok(mut stream) => {
                stream.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").expect("request");
                waiting.push(stream);
            }
            Err(err) => panic!("connection {n} of {burst} was not taken into the backlog: {err}"),
        }
    }
    drop(holder);
    for (n, mut stream) in waiting.into_iter().enumerate() {
        stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).unwrap_or_else(|err| panic!("connection {n}: {err}"));
        assert!(reply.starts_with(b"HTTP/1.1 200"), "connection {n}: {}", String::from_utf8_lossy(&reply[..reply.len().min(80)]));
    }
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
