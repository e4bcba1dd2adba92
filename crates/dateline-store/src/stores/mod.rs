//! The store traits of `dateline-core`, one file each, implemented for [`crate::SqlStore`]
//! (the SQL they run lives beside them or in the modules named by entity one level up).

mod accounts;
mod bylines;
mod changes;
mod comments;
mod embeds;
mod import;
pub(crate) mod media;
pub(crate) mod posts;
mod settings;
mod sources;
mod terms;
