//! `dateline-bench`: measures the real `dateline` binary on generated workloads, the way a
//! user runs it, and prints the figures that docs/PERFORMANCE.md records.
//!
//! `cargo run --release -p dateline-bench -- wxr-import` generates a WXR export of 10,000
//! posts and 200,000 comments, imports it into a fresh SQLite store with
//! `dateline import wxr`, and checks the targets: under 30 s, under 300 MB peak.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "dateline-bench", about = "Measure dateline on generated workloads")]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// Import a generated WordPress export into a fresh SQLite store.
    WxrImport {
        #[arg(long, default_value_t = 10_000)]
        posts: usize,
        #[arg(long, default_value_t = 200_000)]
        comments: usize,
        /// The dateline binary to measure (default: the one beside this one).
        #[arg(long)]
        dateline: Option<PathBuf>,
        /// Where to put the generated file and the store (default: a temporary directory).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Time limit in seconds; exceeding it fails the run.
        #[arg(long, default_value_t = 30.0)]
        max_seconds: f64,
        /// Peak memory limit in MiB; exceeding it fails the run.
        #[arg(long, default_value_t = 300.0)]
        max_mib: f64,
        /// Import into this store instead of a fresh SQLite file (it should be empty), e.g.
        /// postgres://postgres@127.0.0.1/bench.
        #[arg(long)]
        db: Option<String>,
    },
}

/// Deterministic filler text (a small linear congruential generator: no dependency, same
/// file every run).
struct Words(u64);

impl Words {
    const LIST: &'static [&'static str] = &[
        "council", "harbor", "budget", "transit", "reporter", "story", "vote", "city", "rail", "school", "weather", "court", "housing",
        "market", "science", "river", "bridge", "policy", "election", "museum", "festival", "hospital", "energy",
    ];

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn sentence(&mut self, words: usize) -> String {
        let mut text = String::new();
        for i in 0..words {
            if i > 0 {
                text.push(' ');
            }
            text.push_str(Self::LIST[(self.next() as usize) % Self::LIST.len()]);
        }
        text.push('.');
        text
    }
}

fn generate(path: &Path, posts: usize, comments: usize) -> anyhow::Result<u64> {
    let file = std::fs::File::create(path).with_context(|| format!("create {}", path.display()))?;
    let mut out = BufWriter::new(file);
    let mut words = Words(42);
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>")?;
    writeln!(
        out,
        "<rss version=\"2.0\" xmlns:excerpt=\"http://wordpress.org/export/1.2/excerpt/\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:wp=\"http://wordpress.org/export/1.2/\">"
    )?;
    writeln!(
        out,
        "<channel><title>Bench</title><link>https://bench.example</link><wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://bench.example</wp:base_site_url>"
    )?;
    writeln!(
        out,
        "<wp:author><wp:author_login>editor</wp:author_login><wp:author_display_name>Editor</wp:author_display_name></wp:author>"
    )?;
    for c in 0..20 {
        writeln!(
            out,
            "<wp:category><wp:category_nicename>cat-{c}</wp:category_nicename><wp:category_parent></wp:category_parent><wp:cat_name>Category {c}</wp:cat_name></wp:category>"
        )?;
    }
    let per_post = comments / posts.max(1);
    let mut extra = comments - per_post * posts.max(1);
    let mut comment_id = 0;
    for p in 1..=posts {
        let day = 1 + p % 28;
        let month = 1 + (p / 28) % 12;
        let year = 2010 + p / 336;
        let date = format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:00", p % 24, p % 60);
        let paragraphs: Vec<String> = (0..6).map(|_| words.sentence(40)).collect();
        writeln!(
            out,
            "<item><title>Post {p}: {}</title><link>https://bench.example/{year:04}/{month:02}/{day:02}/post-{p}/</link>",
            words.sentence(6)
        )?;
        writeln!(
            out,
            "<dc:creator><![CDATA[editor]]></dc:creator><content:encoded><![CDATA[{}]]></content:encoded>",
            paragraphs.join("\n\n")
        )?;
        writeln!(
            out,
            "<wp:post_id>{p}</wp:post_id><wp:post_date>{date}</wp:post_date><wp:post_date_gmt>{date}</wp:post_date_gmt><wp:comment_status>open</wp:comment_status>"
        )?;
        writeln!(
            out,
            "<wp:post_name>post-{p}</wp:post_name><wp:status>publish</wp:status><wp:post_parent>0</wp:post_parent><wp:menu_order>0</wp:menu_order><wp:post_type>post</wp:post_type><wp:is_sticky>0</wp:is_sticky>"
        )?;
        writeln!(out, "<category domain=\"category\" nicename=\"cat-{0}\"><![CDATA[Category {0}]]></category>", p % 20)?;
        writeln!(out, "<wp:postmeta><wp:meta_key>views</wp:meta_key><wp:meta_value>{p}</wp:meta_value></wp:postmeta>")?;
        let mut here = per_post;
        if extra > 0 {
            here += 1;
            extra -= 1;
        }
        let first = comment_id + 1;
        for k in 0..here {
            comment_id += 1;
            // Every third comment replies to an earlier one on the same post.
            let parent = if k % 3 == 2 { first + (words.next() as usize % k.max(1)) } else { 0 };
            writeln!(
                out,
                "<wp:comment><wp:comment_id>{comment_id}</wp:comment_id><wp:comment_author><![CDATA[Reader {k}]]></wp:comment_author><wp:comment_author_email>r{k}@example.org</wp:comment_author_email><wp:comment_author_IP>192.0.2.{}</wp:comment_author_IP><wp:comment_date_gmt>{date}</wp:comment_date_gmt><wp:comment_content><![CDATA[{}]]></wp:comment_content><wp:comment_approved>1</wp:comment_approved><wp:comment_type></wp:comment_type><wp:comment_parent>{parent}</wp:comment_parent></wp:comment>",
                k % 250,
                words.sentence(25)
            )?;
        }
        writeln!(out, "</item>")?;
    }
    writeln!(out, "</channel></rss>")?;
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

fn main() -> anyhow::Result<()> {
    let Cli { bench } = Cli::parse();
    match bench {
        Bench::WxrImport { posts, comments, dateline, dir, max_seconds, max_mib, db: store } => {
            let dateline = match dateline {
                Some(path) => path,
                None => std::env::current_exe()?.with_file_name("dateline"),
            };
            if !dateline.is_file() {
                bail!("{} not found: build it first (cargo build --release -p dateline)", dateline.display());
            }
            let dir = dir.unwrap_or_else(|| std::env::temp_dir().join(format!("dateline-bench-{}", std::process::id())));
            std::fs::create_dir_all(&dir)?;
            let file = dir.join("bench.xml");
            let db = dir.join("bench.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
            let started = Instant::now();
            let bytes = generate(&file, posts, comments)?;
            println!(
                "generated {} ({:.1} MB, {posts} posts, {comments} comments) in {:.1} s",
                file.display(),
                bytes as f64 / 1e6,
                started.elapsed().as_secs_f64()
            );

            let store = store.unwrap_or_else(|| format!("sqlite:{}", db.display()));
            let started = Instant::now();
            let output = Command::new(&dateline)
                .args(["--db", &store, "import", "wxr"])
                .arg(&file)
                .env("RUST_LOG", "warn")
                .output()
                .with_context(|| format!("run {}", dateline.display()))?;
            let seconds = started.elapsed().as_secs_f64();
            let stdout = String::from_utf8_lossy(&output.stdout);
            if !output.status.success() {
                bail!("import failed: {}{}", stdout, String::from_utf8_lossy(&output.stderr));
            }
            print!("{stdout}");
            let peak: f64 = stdout
                .split("peak memory ")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .context("the import did not report its peak memory")?;
            let verdict = |ok: bool| if ok { "ok" } else { "OVER" };
            let backend = store.split(':').next().unwrap_or("?");
            println!(
                "wxr-import into {backend}: {posts} posts, {comments} comments: {seconds:.1} s wall ({}, limit {max_seconds} s), peak {peak:.0} MiB ({}, limit {max_mib} MiB)",
                verdict(seconds < max_seconds),
                verdict(peak < max_mib)
            );
            let _ = std::fs::remove_dir_all(&dir);
            if seconds >= max_seconds || peak >= max_mib {
                bail!("over the target");
            }
            Ok(())
        }
    }
}
