//! WordPress eXtended RSS (WXR 1.0, 1.1, 1.2): reading exports as they really are (namespace
//! URIs of any version over http or https, nested CDATA, stray control characters), importing
//! them into a [`dateline_core::Store`] in one transaction, and writing WXR 1.2 back out.
//!
//! The reader streams (quick-xml, one item in memory at a time) and refuses what is unsafe
//! (a DOCTYPE can declare entities: external entities and entity expansion) or broken
//! (mismatched or unclosed tags), with the line and column.

pub mod export;
pub mod import;
pub mod reader;
mod records;

pub use import::{ImportOptions, ImportReport, import_files};
pub use reader::{WxrError, read_file};
