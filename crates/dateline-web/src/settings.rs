//! Settings saved in the admin, on a running server: the instance that saves applies them at
//! once; the others follow within [`FOLLOW_EVERY`]. What the settings are, and how they are
//! kept, is `dateline_app::settings`.

use std::time::Duration;

use dateline_app::settings::SettingsRefused;
use dateline_core::Config;

use dateline_app::settings::saved_json;
pub use dateline_app::settings::{SavedSettings, apply_saved, save_if_none};

use crate::{AppState, Site};

/// How often an instance looks for settings saved elsewhere.
pub const FOLLOW_EVERY: Duration = Duration::from_secs(5);

/// Validates, stores and applies settings.
pub(crate) async fn save(state: &AppState, settings: &SavedSettings) -> Result<(), SettingsRefused> {
    let config = dateline_app::settings::save(state.store.as_ref(), &state.base_config, settings).await?;
    rebuild(state, config);
    Ok(())
}

fn rebuild(state: &AppState, config: Config) {
    let base_url = state.site().base_url.clone();
    let time_zone = config.time_zone();
    state.replace_site(Site { config, base_url, time_zone });
}

/// Follows settings saved by other instances, for as long as the server runs.
pub(crate) async fn follow(state: AppState) {
    let mut seen = saved_json(state.store.as_ref()).await.ok().flatten();
    loop {
        tokio::time::sleep(FOLLOW_EVERY).await;
        let Ok(now) = saved_json(state.store.as_ref()).await else { continue };
        if now != seen {
            if let Some(saved) = now.as_deref().and_then(|j| serde_json::from_str::<SavedSettings>(j).ok()) {
                let mut config = (*state.base_config).clone();
                saved.apply(&mut config);
                if config.validate().is_ok() {
                    rebuild(&state, config);
                    tracing::info!("applied settings saved by another instance");
                }
            }
            seen = now;
        }
    }
}
