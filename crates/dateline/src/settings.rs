//! Reading what the user points us at: the config file and JSON input files.

use std::io::Read;
use std::path::Path;

use dateline_core::Config;

/// The author of posts whose input names none.
pub const DEFAULT_AUTHOR: &str = "Editor";

/// The config from `path`, or `./dateline.toml` when present, or the defaults.
pub fn load_config(path: Option<&Path>) -> Result<Config, dateline_core::ConfigError> {
    match path {
        Some(path) => Config::from_file(path),
        None if Path::new("dateline.toml").is_file() => Config::from_file(Path::new("dateline.toml")),
        None => Ok(Config::default()),
    }
}

/// Reads a file, or standard input for `-`.
pub fn read_input(path: &Path) -> Result<String, String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| format!("cannot read standard input: {e}"))?;
        Ok(text)
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    }
}
