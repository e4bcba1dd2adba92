//! What a file is, told from its first bytes, never from its name or the type a client claims.

use crate::MediaError;

/// A kind of file Dateline can store. Anything else is refused by [`sniff`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Jpeg,
    Png,
    Gif,
    Webp,
    Avif,
    Pdf,
    Mp3,
    M4a,
    Ogg,
    Wav,
    Mp4,
    Webm,
}

impl Kind {
    /// Every kind, in the order the allow-list is shown.
    pub const ALL: [Kind; 12] = [
        Kind::Jpeg,
        Kind::Png,
        Kind::Gif,
        Kind::Webp,
        Kind::Avif,
        Kind::Pdf,
        Kind::Mp3,
        Kind::M4a,
        Kind::Ogg,
        Kind::Wav,
        Kind::Mp4,
        Kind::Webm,
    ];

    /// The `Content-Type` it is served with.
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Gif => "image/gif",
            Kind::Webp => "image/webp",
            Kind::Avif => "image/avif",
            Kind::Pdf => "application/pdf",
            Kind::Mp3 => "audio/mpeg",
            Kind::M4a => "audio/mp4",
            Kind::Ogg => "audio/ogg",
            Kind::Wav => "audio/wav",
            Kind::Mp4 => "video/mp4",
            Kind::Webm => "video/webm",
        }
    }

    /// The kind served as this `Content-Type`, if any (the inverse of [`Kind::mime`]).
    pub fn from_mime(mime: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.mime() == mime)
    }

    /// The file name extension that goes with it (used when naming variants and downloads).
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            other => other.name(),
        }
    }

    /// The short name used in configuration (`allowed_types = ["jpeg", "png", …]`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpeg",
            Kind::Png => "png",
            Kind::Gif => "gif",
            Kind::Webp => "webp",
            Kind::Avif => "avif",
            Kind::Pdf => "pdf",
            Kind::Mp3 => "mp3",
            Kind::M4a => "m4a",
            Kind::Ogg => "ogg",
            Kind::Wav => "wav",
            Kind::Mp4 => "mp4",
            Kind::Webm => "webm",
        }
    }

    /// The kind a configuration name stands for.
    pub fn from_name(name: &str) -> Option<Kind> {
        let name = name.trim().to_ascii_lowercase();
        let name = if name == "jpg" { "jpeg" } else { name.as_str() };
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// WordPress's `media_type`: `image` for pictures, `file` for everything else.
    pub fn media_type(self) -> &'static str {
        if self.is_image() { "image" } else { "file" }
    }

    /// Whether pages show it as a picture.
    pub fn is_image(self) -> bool {
        matches!(self, Kind::Jpeg | Kind::Png | Kind::Gif | Kind::Webp | Kind::Avif)
    }

    /// Whether Dateline decodes it (strips its metadata, applies its orientation, makes variants).
    /// AVIF is an image but stored as it is: no decoder is built in.
    pub fn is_decoded(self) -> bool {
        matches!(self, Kind::Jpeg | Kind::Png | Kind::Gif | Kind::Webp)
    }
}

/// Tells what `bytes` are. Refuses, with a message a person can act on, SVG (it can carry
/// script), HTML, executables and anything not in [`Kind`].
pub fn sniff(bytes: &[u8]) -> Result<Kind, MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    if at(0, &[0xFF, 0xD8, 0xFF]) {
        return Ok(Kind::Jpeg);
    }
    if at(0, b"\x89PNG\r\n\x1a\n") {
        return Ok(Kind::Png);
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") {
        return Ok(Kind::Gif);
    }
    if at(0, b"RIFF") && at(8, b"WEBP") {
        return Ok(Kind::Webp);
    }
    if at(0, b"RIFF") && at(8, b"WAVE") {
        return Ok(Kind::Wav);
    }
    if at(4, b"ftyp") {
        return iso_media(bytes);
    }
    if at(0, b"%PDF-") {
        return Ok(Kind::Pdf);
    }
    if at(0, b"OggS") {
        return Ok(Kind::Ogg);
    }
    if at(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        let head = &bytes[..bytes.len().min(64)];
        if head.windows(4).any(|w| w == b"webm") {
            return Ok(Kind::Webm);
        }
        return Err(MediaError::Refused("Matroska video is not accepted; upload WebM or MP4"));
    }
    if at(0, b"ID3") || is_mpeg_audio_frame(bytes) {
        return Ok(Kind::Mp3);
    }
    if at(0, b"\x7fELF")
        || at(0, b"MZ")
        || at(0, b"#!")
        || at(0, &[0xCF, 0xFA, 0xED, 0xFE])
        || at(0, &[0xFE, 0xED, 0xFA, 0xCF])
        || at(0, &[0xCA, 0xFE, 0xBA, 0xBE])
        || at(0, b"\0asm")
    {
        return Err(MediaError::Refused("executable files are not accepted"));
    }
    if looks_like_svg(bytes) {
        return Err(MediaError::Refused("SVG images are not accepted: they can carry scripts. Upload a PNG or WebP instead"));
    }
    if looks_like_markup(bytes) {
        return Err(MediaError::Refused("HTML files are not accepted"));
    }
    Err(MediaError::Refused(
        "this type of file is not accepted (images: JPEG, PNG, GIF, WebP, AVIF; documents: PDF; audio: MP3, M4A, OGG, WAV; video: MP4, WebM)",
    ))
}

/// The ISO base media family (`ftyp` box): AVIF, M4A and MP4 told apart by their brands.
fn iso_media(bytes: &[u8]) -> Result<Kind, MediaError> {
    let size = bytes.get(0..4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize).unwrap_or(0).clamp(16, 256).min(bytes.len());
    // The major brand at 8..12, then compatible brands from 16 on, four bytes each.
    let brands: Vec<&[u8]> =
        std::iter::once(bytes.get(8..12).unwrap_or_default()).chain(bytes.get(16..size).unwrap_or_default().chunks_exact(4)).collect();
    let has = |b: &[u8]| brands.contains(&b);
    if has(b"avif") || has(b"avis") {
        return Ok(Kind::Avif);
    }
    if has(b"M4A ") || has(b"M4B ") {
        return Ok(Kind::M4a);
    }
    const VIDEO: [&[u8]; 10] = [b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash", b"M4V "];
    if VIDEO.iter().any(|b| has(b)) {
        return Ok(Kind::Mp4);
    }
    if has(b"heic") || has(b"heix") || has(b"mif1") {
        return Err(MediaError::Refused("HEIC images are not accepted; export the photo as JPEG"));
    }
    Err(MediaError::Refused("this kind of MP4/QuickTime file is not accepted; upload MP4 (H.264) or WebM"))
}

/// An MPEG-1/2 layer III frame header (an MP3 without an ID3 tag).
fn is_mpeg_audio_frame(bytes: &[u8]) -> bool {
    matches!(bytes, [0xFF, b, ..] if b & 0xE0 == 0xE0 && (b >> 1) & 0b11 == 0b01 && (b >> 3) & 0b11 != 0b01)
}

/// The first kilobyte, lowercased, with leading whitespace and a byte-order mark dropped.
fn head_lower(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let head = &bytes[..bytes.len().min(1024)];
    String::from_utf8_lossy(head).trim_start().to_ascii_lowercase()
}

fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = head_lower(bytes);
    head.contains("<svg") || (head.starts_with("<?xml") && head.contains("svg"))
}

/// Markup a browser could be talked into running (the markers its own sniffing looks for).
pub(crate) fn looks_like_markup(bytes: &[u8]) -> bool {
    let head = head_lower(bytes);
    ["<!doctype html", "<html", "<script", "<head", "<body", "<iframe", "<svg", "<?xml"].iter().any(|m| head.contains(m))
}
