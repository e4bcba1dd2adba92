//! `clip`: how long article extraction takes on the heaviest page of the shared fixtures, the
//! Guardian's (1.1 MB of markup, scripts and ads). Unlike the other benchmarks this one links
//! `dateline_clip` and runs it in process: a process start would weigh more than the
//! extraction. Target: p99 ≤ 50 ms per extraction in a release build.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};

/// The Guardian page's canonical URL (see the fixtures' SOURCE.md).
const GUARDIAN_URL: &str =
    "https://www.theguardian.com/environment/2019/jan/03/what-is-the-sea-telling-us-maori-tribes-fearful-over-whale-strandings";

#[derive(Debug, Clone, clap::Args)]
pub struct ClipOptions {
    /// How many extractions to time (after one untimed warm-up).
    #[arg(long, default_value_t = 100)]
    pub runs: usize,
    /// The page to extract (default: the Guardian page in ../shared/fixtures/articles).
    #[arg(long)]
    pub page: Option<PathBuf>,
    /// The URL the page was read from.
    #[arg(long, default_value = GUARDIAN_URL)]
    pub url: String,
    /// The p99 limit in milliseconds; exceeding it fails the run.
    #[arg(long, default_value_t = 50.0)]
    pub max_ms: f64,
}

/// Times `runs` extractions; prints the median and p99; Ok(false) when p99 is over the limit.
pub fn run(options: ClipOptions) -> anyhow::Result<bool> {
    let page = options
        .page
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/articles/guardian-1/source.html"));
    let page = page.canonicalize().unwrap_or(page);
    let html = std::fs::read(&page).with_context(|| format!("cannot read {}", page.display()))?;
    if options.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let article = dateline_clip::extract(&html, &options.url, None).with_context(|| format!("cannot clip {}", page.display()))?;
    println!("{}: {} bytes, “{}”, {} words", page.display(), html.len(), article.headline, article.words);
    let mut millis = Vec::with_capacity(options.runs);
    for _ in 0..options.runs {
        let started = Instant::now();
        std::hint::black_box(dateline_clip::extract(std::hint::black_box(&html), &options.url, None)?);
        millis.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    millis.sort_by(f64::total_cmp);
    let at = |quantile: f64| millis[((millis.len() - 1) as f64 * quantile).round() as usize];
    let (median, p99) = (at(0.5), at(0.99));
    let verdict = if p99 <= options.max_ms { "ok" } else { "OVER" };
    let build = if cfg!(debug_assertions) { "debug build: the target is for release" } else { "release build" };
    println!(
        "clip: {} extractions: median {median:.1} ms, p99 {p99:.1} ms ({verdict}, limit {} ms; {build})",
        millis.len(),
        options.max_ms
    );
    Ok(p99 <= options.max_ms)
}
