//! The application's rules, one copy for every door. The web form, the REST API and the
//! command line call these use cases instead of carrying their own versions of them, so a
//! comment is judged the same whichever way it arrives.
//!
//! Depends on the domain (`dateline-core`) and talks to storage only through its `Store`
//! trait; knows nothing of HTTP, templates or the command line.

pub mod comments;
pub mod permalinks;
pub mod threads;
