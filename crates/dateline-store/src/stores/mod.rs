//! The store traits of `dateline-core`, one file each, implemented for [`crate::SqlStore`]
//! (the SQL they run lives beside them or in the modules named by entity one level up).

mod accounts;
mod bylines;
pub(crate) mod changes;
mod comments;
mod embeds;
mod import;
pub(crate) mod media;
mod posts;
mod settings;
mod sources;
mod terms;

// The site frame's columns, which a reader's search also asks in its own statement.
pub(crate) use posts::{push_site_frame, site_frame_of};
// Whether a post's source is gone, which its page reads with the post.
pub(crate) use sources::post_source_gone;
