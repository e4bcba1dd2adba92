//! Dateline's domain: what a news-curation blog is made of (posts with their source
//! attribution, terms, authors, comments), the `Store` interface every backend implements,
//! the site configuration, and validation of post input.
//!
//! This crate must stay light: no database driver, no web framework, no renderer. Everything
//! else depends on it, so a change here rebuilds the world; keep it to types and rules.

pub mod accounts;
pub mod byline;
pub mod config;
pub mod discussion;
pub mod embeds;
pub mod import;
pub mod input;
pub mod mail;
pub mod media;
pub mod model;
pub mod search;
pub mod slug;
pub mod sources;
pub mod spam;
pub mod store;
pub mod text;

pub use config::{Config, ConfigError};
pub use model::*;
pub use store::{
    AccountStore, BylineStore, Change, ChangeStore, ChangeWatch, CommentOutcome, CommentQuery, CommentStore, EditorQuery, EmbedStore,
    FloodLimit, ImportStore, LeaseStore, MediaStore, Page, PostFilter, PostOrder, PostQuery, PostStore, SchemaVersions, SettingStore,
    SourceStore, Store, StoreError, TermStore,
};
