//! Uploaded files, before they are stored: what a file is (told from its bytes), whether it
//! may be kept (an allow-list, a size limit, a pixel limit against decompression bombs), and
//! for the images Dateline decodes (JPEG, PNG, GIF, WebP) the copy it keeps: decoded once,
//! turned upright by its EXIF orientation, re-encoded without any metadata (so a phone's GPS
//! position never reaches readers) and resized into narrower variants, in the original format
//! and in WebP, never wider than the original.
//!
//! This crate owns pure work on bytes. It must not depend on the store, the web crate or
//! the network: storing, serving and the doors are other crates' jobs, and they call
//! [`Processor::process`] (or [`inspect`] and [`process`]).
//!
//! Why `image` with only four codecs: it is the maintained Rust decoder family (zune-jpeg,
//! png, gif, image-webp), it reads dimensions and the EXIF orientation from the header
//! before any pixel is decoded, and it honours allocation limits. Its AVIF support needs
//! dav1d (C) to decode and ravif to encode, both heavy, so AVIF is stored as it is, with its
//! size read from its `ispe` box. Its WebP encoder is lossless only, so WebP variants of
//! photographs are larger than a lossy encoder's would be; they are still offered in `srcset`
//! and browsers pick by width, not by format.
//!
//! Known limit: an animated GIF keeps only its first frame.

mod kind;
mod process;
pub mod testing;

pub use kind::{Kind, sniff};
pub use process::{Inspected, Processed, Variant, inspect, process};

use std::sync::Arc;

use tokio::sync::Semaphore;

/// Why an upload was refused. Every message is meant for the person who uploaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// Nothing was sent.
    #[error("the file is empty")]
    Empty,
    /// Over the size limit.
    #[error("the file is too large: the limit is {limit_mb} MB")]
    TooLarge { limit_mb: u64 },
    /// Over the pixel limit, told from the header before decoding.
    #[error("the image is too large: {width}×{height} pixels, the limit is {limit_megapixels} megapixels")]
    TooManyPixels { width: u32, height: u32, limit_megapixels: u64 },
    /// A type Dateline never stores (SVG, HTML, executables, unknown), with the reason.
    #[error("{0}")]
    Refused(&'static str),
    /// A known type that this site's allow-list leaves out.
    #[error("{0} files are not accepted on this site")]
    NotAllowed(&'static str),
    /// The bytes start like an image but do not decode as one (truncated, or a polyglot).
    #[error("the file is not a valid {0} image")]
    Undecodable(&'static str),
    /// A document or recording whose first bytes also read as HTML (a polyglot).
    #[error("the file also reads as HTML and is not accepted")]
    Polyglot,
    /// Processing was interrupted (the worker failed); nothing was kept.
    #[error("the file could not be processed")]
    Interrupted,
}

/// What this site accepts. Built from the `[media]` configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The largest upload, in bytes (default 20 MB).
    pub max_bytes: u64,
    /// The most pixels (width × height) an image may have (default 50 megapixels). A PNG
    /// bomb announces a huge size in a tiny file; this is checked from the header.
    pub max_pixels: u64,
    /// The kinds accepted (default: all of [`Kind::ALL`]).
    pub allowed: Vec<Kind>,
    /// The widths of the resized variants; only those narrower than the original are made.
    pub widths: Vec<u32>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { max_bytes: 20 * 1024 * 1024, max_pixels: 50_000_000, allowed: Kind::ALL.to_vec(), widths: vec![320, 640, 1024, 1600] }
    }
}

/// Runs [`process`] on the blocking pool, at most `concurrency` at a time, so that decoding
/// and resizing large photographs never stalls the async workers that serve pages.
#[derive(Debug, Clone)]
pub struct Processor {
    policy: Arc<Policy>,
    permits: Arc<Semaphore>,
}

impl Processor {
    pub fn new(policy: Policy, concurrency: usize) -> Self {
        Processor { policy: Arc::new(policy), permits: Arc::new(Semaphore::new(concurrency.max(1))) }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Checks and processes an upload off the async workers, waiting for a free slot.
    pub async fn process(&self, bytes: Vec<u8>) -> Result<Processed, MediaError> {
        // Cheap checks first, so a refused file never waits for a slot.
        inspect(&bytes, &self.policy)?;
        let _permit = self.permits.acquire().await.map_err(|_| MediaError::Interrupted)?;
        let policy = Arc::clone(&self.policy);
        tokio::task::spawn_blocking(move || process(&bytes, &policy)).await.map_err(|_| MediaError::Interrupted)?
    }
}

/// The hex SHA-256 of `bytes`: the name a stored file is served under.
pub fn content_hash(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        out.push(char::from_digit(u32::from(b & 0xF), 16).unwrap_or('0'));
    }
    out
}
