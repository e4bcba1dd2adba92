//! Files for tests, made here rather than downloaded: a photograph carrying a GPS position
//! and an orientation in its EXIF block, a PNG bomb's header, hostile files.

use std::io::Cursor;

use image::{ImageFormat, Rgb, RgbImage};

/// The latitude written into [`jpeg_with_gps`]'s GPS block, as its ASCII reference tag shows.
pub const GPS_MARKER: &[u8] = b"GPSMARK";

/// A `width`×`height` JPEG (a gradient) with an EXIF APP1 segment holding an Orientation tag
/// (`orientation`, 1 = upright, 6 = turn 90° clockwise) and a GPS IFD whose latitude
/// reference and a maker note carry [`GPS_MARKER`], so a test can tell the block is gone.
pub fn jpeg_with_gps(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, y| Rgb([(x * 255 / width.max(1)) as u8, (y * 255 / height.max(1)) as u8, 128]));
    let mut plain = Cursor::new(Vec::new());
    if img.write_to(&mut plain, ImageFormat::Jpeg).is_err() {
        return Vec::new();
    }
    let plain = plain.into_inner();
    let exif = exif_block(orientation);
    let mut out = Vec::with_capacity(plain.len() + exif.len() + 4);
    out.extend_from_slice(&plain[..2]); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&exif);
    out.extend_from_slice(&plain[2..]);
    out
}

/// "Exif\0\0", then a big-endian TIFF header, IFD0 (Orientation, GPS pointer) and the GPS IFD
/// (GPSLatitudeRef, GPSLatitude, and a GPSProcessingMethod holding the marker).
fn exif_block(orientation: u16) -> Vec<u8> {
    let mut t: Vec<u8> = b"MM\0\x2a\0\0\0\x08".to_vec();
    // IFD0 at 8: 2 entries (2 + 2*12 + 4 = 30 bytes) -> GPS IFD at 38.
    let gps_ifd: u32 = 8 + 2 + 2 * 12 + 4;
    t.extend_from_slice(&2u16.to_be_bytes());
    entry(&mut t, 0x0112, 3, 1, u32::from(orientation) << 16);
    entry(&mut t, 0x8825, 4, 1, gps_ifd);
    t.extend_from_slice(&0u32.to_be_bytes());
    // GPS IFD: 3 entries (2 + 36 + 4 = 42 bytes) -> data area at 80.
    let data = gps_ifd + 2 + 3 * 12 + 4;
    t.extend_from_slice(&3u16.to_be_bytes());
    entry(&mut t, 0x0001, 2, 2, u32::from_be_bytes(*b"N\0\0\0"));
    entry(&mut t, 0x0002, 5, 3, data);
    entry(&mut t, 0x001B, 7, GPS_MARKER.len() as u32, data + 24);
    t.extend_from_slice(&0u32.to_be_bytes());
    for (num, den) in [(48u32, 1u32), (51, 1), (2946, 100)] {
        t.extend_from_slice(&num.to_be_bytes());
        t.extend_from_slice(&den.to_be_bytes());
    }
    t.extend_from_slice(GPS_MARKER);
    let mut out = b"Exif\0\0".to_vec();
    out.extend_from_slice(&t);
    out
}

fn entry(t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32) {
    t.extend_from_slice(&tag.to_be_bytes());
    t.extend_from_slice(&kind.to_be_bytes());
    t.extend_from_slice(&count.to_be_bytes());
    t.extend_from_slice(&value.to_be_bytes());
}

/// Whether a JPEG still has an APP1 (EXIF/XMP) segment or the GPS marker anywhere.
pub fn has_exif(bytes: &[u8]) -> bool {
    bytes.windows(GPS_MARKER.len()).any(|w| w == GPS_MARKER) || bytes.windows(6).any(|w| w == b"Exif\0\0")
}

/// A PNG of a few dozen bytes whose header claims `width`×`height` pixels (a decompression
/// bomb's announcement; the pixel data is a token).
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, name: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(name);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A small PNG (a solid square).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let img = RgbImage::from_pixel(width, height, Rgb([200, 40, 40]));
    let mut out = Cursor::new(Vec::new());
    let _ = img.write_to(&mut out, ImageFormat::Png);
    out.into_inner()
}

/// An SVG that runs script when opened directly.
pub const SVG_WITH_SCRIPT: &[u8] =
    b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(document.domain)</script></svg>";

/// A GIF header that is also JavaScript (`GIF89a=…` parses as an assignment).
pub const GIF_JS_POLYGLOT: &[u8] = b"GIF89a=1;/*\x00\x00*/alert(document.domain);//";

/// The first bytes of a 64-bit ELF executable.
pub fn elf() -> Vec<u8> {
    let mut out = b"\x7fELF\x02\x01\x01\0".to_vec();
    out.resize(128, 0);
    out
}
