//! `dateline sources check`, and starting the server's background check: both run
//! `dateline_app::sources`, this module prints and wires.

use std::sync::Arc;

use dateline_app::sources::{CheckOptions, check_all, fetcher, holder_name, keep_checking};
use dateline_core::{Config, SourceState, Store};
use dateline_store::SqlStore;

use crate::{Failure, open_store, usage};

pub async fn check(db: &str, config: &Config, json: bool) -> Result<(), Failure> {
    let fetcher = fetcher(config).map_err(|e| usage(format!("cannot check sources: {e}")))?;
    let store: Arc<dyn Store> = open_store(db).await?;
    let run = check_all(&store, &fetcher, &CheckOptions::from_settings(&config.sources)).await?;
    if json {
        let counts: serde_json::Map<String, serde_json::Value> =
            run.counts().into_iter().map(|(state, n)| (state.as_str().to_string(), n.into())).collect();
        println!("{}", serde_json::json!({ "checked": run.sources.len(), "counts": counts, "sources": run.sources }));
        return Ok(());
    }
    let counts: Vec<String> = run.counts().iter().filter(|(_, n)| *n > 0).map(|(state, n)| format!("{n} {state}")).collect();
    let counts = if counts.is_empty() { String::new() } else { format!(": {}", counts.join(", ")) };
    println!("checked {} source{}{counts}", run.sources.len(), if run.sources.len() == 1 { "" } else { "s" });
    for source in run.problems() {
        let detail = match source.state {
            SourceState::Moved => format!("-> {}", source.final_url.as_deref().unwrap_or_default()),
            _ => source.problem.clone().unwrap_or_default(),
        };
        println!("{:<12} {}  {detail}", source.state.as_str(), source.url);
    }
    Ok(())
}

/// Starts the server's background check unless `[sources] check_every` is off.
pub fn background(store: Arc<SqlStore>, config: &Config) -> Result<Option<tokio::task::JoinHandle<()>>, Failure> {
    let Some(period) = config.sources.period() else { return Ok(None) };
    let fetcher = fetcher(config).map_err(|e| usage(format!("cannot check sources: {e}")))?;
    let options = CheckOptions::from_settings(&config.sources);
    Ok(Some(tokio::spawn(keep_checking(store, fetcher, options, period, holder_name()))))
}
