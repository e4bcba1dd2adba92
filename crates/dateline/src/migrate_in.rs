//! `dateline import wxr` and `dateline export wxr`: moving a blog in from WordPress (with a
//! progress bar and a report) and out again.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use dateline_core::Store;
use dateline_wxr::{ImportOptions, import_files};

use crate::{Failure, open_store, open_store_for, usage};
use dateline_core::TermStore;

/// Peak resident memory of this process (Linux), for the report and the benchmark.
fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// `--media` and `--media-timeout`.
#[derive(Debug, Clone, Copy)]
pub struct MediaOptions {
    /// Bring the old site's files home (else only point at those an earlier run brought).
    pub fetch: bool,
    pub timeout_seconds: u64,
}

pub async fn import(
    db: &str,
    config: &dateline_core::Config,
    files: &[PathBuf],
    dry_run: bool,
    permalinks: Option<String>,
    media: MediaOptions,
) -> Result<(), Failure> {
    for file in files {
        if !file.is_file() {
            return Err(usage(format!("{}: no such file", file.display())));
        }
    }
    if let Some(structure) = &permalinks
        && !structure.starts_with('/')
    {
        return Err(usage(format!("--permalinks {structure:?} must start with / (for example '/%category%/%postname%/')")));
    }
    if media.fetch && dry_run {
        return Err(usage("--media fetch stores files and --dry-run stores nothing: leave one out"));
    }
    if media.fetch && !(1..=3600).contains(&media.timeout_seconds) {
        return Err(usage("--media-timeout must be between 1 and 3600 seconds"));
    }
    // Checked before anything is imported: settings that cannot fetch change nothing.
    let fetching = match media.fetch {
        true => Some(
            dateline_app::media_fetch::Fetching::new(config, Duration::from_secs(media.timeout_seconds))
                .map_err(|e| usage(format!("--media fetch: {e}")))?,
        ),
        false => None,
    };
    // A dry run touches no database at all (not even to create or migrate it).
    let store = if dry_run { None } else { Some(open_store_for(db, config).await?) };
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} {pos} records ({per_sec}) {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.set_message(files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "));
    bar.enable_steady_tick(Duration::from_millis(200));
    let started = Instant::now();
    // The site's time zone as it is served (the admin's saved settings over the file), so the
    // report can say when the old blog's clock differs.
    let mut config = config.clone();
    if let Some(store) = &store {
        dateline_app::settings::apply_saved(store.as_ref(), &mut config).await?;
    }
    let options =
        ImportOptions { dry_run, permalinks, time_zone: Some(config.time_zone()), max_file_bytes: Some(config.import.max_file_bytes()) };
    let result = import_files(store.as_deref().map(|s| s as &dyn Store), files, &options, &|n| bar.set_position(n)).await;
    bar.finish_and_clear();
    // The old site's files, once the posts that show them are in (a failed file never fails
    // the import: the report lists it).
    let media_report = match (&result, &store) {
        (Ok(report), Some(store)) => bring_home(store.clone(), fetching.as_ref(), &report.old_addresses).await,
        _ => Ok(None),
    };
    // Closed before the process ends, so SQLite merges its write-ahead log into the file and
    // removes it (an import writes a large one) instead of leaving it for the next start.
    if let Some(store) = &store {
        store.close().await;
    }
    let media_report = media_report?;
    match result {
        Ok(report) => {
            print!("{report}");
            if let Some(media_report) = media_report {
                print!("{media_report}");
            }
            // The blog's name is a setting here, not content: say so when they differ.
            if let Some((title, tagline)) = &report.old_site
                && (title != &config.site.title || tagline != &config.site.tagline)
            {
                println!(
                    "The old blog was called “{title}” (“{tagline}”); this site's title and tagline are set in [site] of dateline.toml or in the admin's Settings."
                );
            }
            let seconds = started.elapsed().as_secs_f64();
            let peak = peak_memory_mib().map(|m| format!(", peak memory {m:.0} MiB")).unwrap_or_default();
            println!("Took {seconds:.1} s ({:.0} records/s){peak}", report.records as f64 / seconds.max(0.001));
            Ok(())
        }
        // A file that cannot be read is the user's to fix: exit 2, store untouched.
        Err(dateline_wxr::import::ImportError::Read(err)) => Err(usage(format!("{err}; nothing was imported"))),
        Err(err) => Err(Failure::Runtime(err.into())),
    }
}

/// Brings the import's media home (or, without `fetching`, points at what an earlier run
/// brought), with a progress bar on standard error; `None` when there was nothing to do.
async fn bring_home(
    store: std::sync::Arc<dateline_store::SqlStore>,
    fetching: Option<&dateline_app::media_fetch::Fetching>,
    old_sites: &[String],
) -> Result<Option<dateline_app::media_fetch::MediaReport>, Failure> {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} media {pos}/{len} files ({per_sec}) {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.set_message("from the old site");
    bar.enable_steady_tick(Duration::from_millis(200));
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let report = dateline_app::media_fetch::bring_home(store as std::sync::Arc<dyn Store>, fetching, old_sites, &progress).await;
    bar.finish_and_clear();
    let report = report.map_err(|e| Failure::Runtime(anyhow::anyhow!("the import is stored, but pointing it at its media failed: {e}")))?;
    let did_something = report.fetching || report.already_had > 0 || report.relinked > 0 || report.featured > 0;
    Ok(did_something.then_some(report))
}

pub async fn export(db: &str, config: dateline_core::Config) -> Result<(), Failure> {
    let store = open_store(db).await?;
    if config.site.base_url.is_none() {
        eprintln!("note: [site] base_url is not set; links in the export use http://127.0.0.1:8080 (set base_url to the blog's address)");
    }
    // The site as it is served: settings saved in the admin apply over the file (the time zone
    // decides the local dates WordPress reads), and articles are rendered by the theme.
    let site = dateline_app::Site::resolve(store.as_ref(), config, "http://127.0.0.1:8080".into()).await?;
    let renderer = dateline_web::ArticleRenderer::new(None).map_err(crate::usage)?;
    let categories = store.terms(dateline_core::Taxonomy::Category).await?;
    let permalink = |post: &dateline_core::Post| dateline_app::permalinks::permalink(&site.time_zone, post);
    let article = |post: &dateline_core::Post| match renderer.article_html(&site, post, &categories) {
        Ok(html) => html,
        Err(err) => {
            tracing::warn!(post = post.id, error = %err, "the article could not be rendered; exporting its body alone");
            post.body_html.clone()
        }
    };
    let export_site = dateline_wxr::export::ExportSite {
        title: &site.config.site.title,
        description: &site.config.site.tagline,
        base_url: &site.base_url,
        language: &site.config.site.language,
        time_zone: &site.time_zone,
        permalink: &permalink,
        article: &article,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let items = dateline_wxr::export::export(store.as_ref() as &dyn Store, &export_site, &mut out).await?;
    std::io::Write::flush(&mut out)?;
    eprintln!("exported {items} items");
    Ok(())
}
