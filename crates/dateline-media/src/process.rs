//! The checks and the processing an upload goes through, as pure functions.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use crate::kind::{Kind, looks_like_markup, sniff};
use crate::{MediaError, Policy, content_hash};

/// What the header alone tells: the kind, and the size in pixels when it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inspected {
    pub kind: Kind,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// The file to keep and its variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    pub kind: Kind,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// For decoded images the re-encoded, upright, metadata-free copy; otherwise the upload.
    pub bytes: Vec<u8>,
    /// [`content_hash`] of `bytes`.
    pub hash: String,
    /// Narrower copies, widest last within each kind (empty for what is not decoded).
    pub variants: Vec<Variant>,
}

/// A resized copy of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub kind: Kind,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
    pub hash: String,
}

fn format_of(kind: Kind) -> Option<ImageFormat> {
    match kind {
        Kind::Jpeg => Some(ImageFormat::Jpeg),
        Kind::Png => Some(ImageFormat::Png),
        Kind::Gif => Some(ImageFormat::Gif),
        Kind::Webp => Some(ImageFormat::WebP),
        _ => None,
    }
}

/// The cheap checks, before any decoding: size, type, allow-list, polyglots, pixel count.
pub fn inspect(bytes: &[u8], policy: &Policy) -> Result<Inspected, MediaError> {
    if bytes.len() as u64 > policy.max_bytes {
        return Err(MediaError::TooLarge { limit_mb: policy.max_bytes / (1024 * 1024) });
    }
    let kind = sniff(bytes)?;
    if !policy.allowed.contains(&kind) {
        return Err(MediaError::NotAllowed(label(kind)));
    }
    let (width, height) = match kind {
        Kind::Avif => avif_size(bytes).map_or((None, None), |(w, h)| (Some(w), Some(h))),
        k if k.is_decoded() => {
            let decoder = open(bytes, k)?;
            let (w, h) = decoder.dimensions();
            (Some(w), Some(h))
        }
        _ => {
            // Stored and served as they are: a document whose head also reads as HTML is
            // refused, whatever its first bytes claim.
            if looks_like_markup(bytes) {
                return Err(MediaError::Polyglot);
            }
            (None, None)
        }
    };
    if let (Some(w), Some(h)) = (width, height)
        && (u64::from(w) * u64::from(h) > policy.max_pixels || w == 0 || h == 0)
    {
        return Err(MediaError::TooManyPixels { width: w, height: h, limit_megapixels: policy.max_pixels / 1_000_000 });
    }
    Ok(Inspected { kind, width, height })
}

/// A decoder over `bytes`, the header read and nothing decoded yet.
fn open(bytes: &[u8], kind: Kind) -> Result<Box<dyn ImageDecoder + '_>, MediaError> {
    let format = format_of(kind).ok_or(MediaError::Undecodable(label(kind)))?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    // The pixel limit is checked by `inspect` from the header; no limit here so that a big
    // header reaches that check and its clear message rather than a generic error.
    reader.limits(Limits::no_limits());
    let decoder = reader.into_decoder().map_err(|_| MediaError::Undecodable(label(kind)))?;
    Ok(Box::new(decoder))
}

/// Checks, decodes, orients, strips and resizes. Pure and CPU-bound: call it through
/// [`crate::Processor`] from async code.
pub fn process(bytes: &[u8], policy: &Policy) -> Result<Processed, MediaError> {
    let inspected = inspect(bytes, policy)?;
    let kind = inspected.kind;
    if !kind.is_decoded() {
        return Ok(Processed {
            kind,
            width: inspected.width,
            height: inspected.height,
            bytes: bytes.to_vec(),
            hash: content_hash(bytes),
            variants: Vec::new(),
        });
    }
    let mut decoder = open(bytes, kind)?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut limits = Limits::default();
    // Room for the decoded pixels (at most 16 bytes each) and nothing more.
    limits.max_alloc = Some(policy.max_pixels.saturating_mul(16).max(1 << 20));
    decoder.set_limits(limits).map_err(|_| MediaError::Undecodable(label(kind)))?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|_| MediaError::Undecodable(label(kind)))?;
    img.apply_orientation(orientation);
    let (width, height) = (img.width(), img.height());
    // Re-encoding writes pixels only: EXIF (GPS, camera serials), XMP and comments are gone.
    let kept = encode(&img, kind)?;
    let mut variants = Vec::new();
    for &w in policy.widths.iter().filter(|&&w| w > 0 && w < width) {
        let h = ((u64::from(height) * u64::from(w) + u64::from(width) / 2) / u64::from(width)).max(1) as u32;
        let small = img.resize_exact(w, h, FilterType::Triangle);
        let mut kinds = vec![kind];
        if kind != Kind::Webp {
            kinds.push(Kind::Webp);
        }
        for k in kinds {
            let bytes = encode(&small, k)?;
            variants.push(Variant { kind: k, width: w, height: h, hash: content_hash(&bytes), bytes });
        }
    }
    Ok(Processed { kind, width: Some(width), height: Some(height), hash: content_hash(&kept), bytes: kept, variants })
}

fn encode(img: &DynamicImage, kind: Kind) -> Result<Vec<u8>, MediaError> {
    let mut out = Cursor::new(Vec::new());
    let written = match kind {
        // Quality 85: the usual balance for photographs (the default, 75, shows artefacts).
        Kind::Jpeg => img.to_rgb8().write_with_encoder(JpegEncoder::new_with_quality(&mut out, 85)),
        Kind::Png => img.write_to(&mut out, ImageFormat::Png),
        Kind::Gif => img.to_rgba8().write_to(&mut out, ImageFormat::Gif),
        Kind::Webp => img.to_rgba8().write_to(&mut out, ImageFormat::WebP),
        _ => return Err(MediaError::Interrupted),
    };
    written.map_err(|_| MediaError::Interrupted)?;
    Ok(out.into_inner())
}

/// How a kind is named in messages.
fn label(kind: Kind) -> &'static str {
    match kind {
        Kind::Jpeg => "JPEG",
        Kind::Png => "PNG",
        Kind::Gif => "GIF",
        Kind::Webp => "WebP",
        Kind::Avif => "AVIF",
        Kind::Pdf => "PDF",
        Kind::Mp3 => "MP3",
        Kind::M4a => "M4A",
        Kind::Ogg => "Ogg",
        Kind::Wav => "WAV",
        Kind::Mp4 => "MP4",
        Kind::Webm => "WebM",
    }
}

/// An AVIF's size from its first `ispe` (image spatial extents) box, if it is near the start.
fn avif_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let at = head.windows(4).position(|w| w == b"ispe")?;
    // "ispe", then version and flags (4 bytes), then width and height (4 bytes each).
    let field = |o: usize| head.get(at + o..at + o + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    Some((field(8)?, field(12)?))
}

#[cfg(test)]
mod tests;
