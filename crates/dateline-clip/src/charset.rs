//! Bytes to text: which character encoding a saved or fetched page is in. The order is the
//! HTML standard's: a byte-order mark, then the HTTP header's charset, then a `<meta charset>`
//! or `http-equiv` declaration near the top. A page that declares nothing is read as UTF-8,
//! unless it is not valid UTF-8, when it is read as windows-1252 (what browsers assume for an
//! undeclared Western page).

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// How far into the page a `<meta charset>` is looked for. The standard says 1,024 bytes;
/// real pages put comments and scripts first, so a little more is read.
const SNIFF_BYTES: usize = 4096;

/// The page as text. `http_charset` is the HTTP header's charset, or the whole
/// `Content-Type` value (`text/html; charset=ISO-8859-1`); an unknown label is ignored.
pub fn decode(bytes: &[u8], http_charset: Option<&str>) -> String {
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        let rest = bytes.get(bom_length..).unwrap_or_default();
        return encoding.decode_without_bom_handling(rest).0.into_owned();
    }
    let declared = http_charset.and_then(label_from_header).or_else(|| declared_in_meta(&bytes[..bytes.len().min(SNIFF_BYTES)]));
    let encoding = declared.unwrap_or_else(|| if std::str::from_utf8(bytes).is_ok() { UTF_8 } else { WINDOWS_1252 });
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// The encoding a header value names: a bare label or a `charset=` parameter.
fn label_from_header(value: &str) -> Option<&'static Encoding> {
    let lower = value.to_ascii_lowercase();
    let label = match lower.find("charset=") {
        Some(at) => lower[at + "charset=".len()..].split(';').next().unwrap_or_default(),
        None => lower.as_str(),
    };
    Encoding::for_label(label.trim().trim_matches(['"', '\'']).as_bytes())
}

/// The charset a `<meta>` tag in `head` declares, either form. A meta tag cannot truthfully
/// say UTF-16 (the bytes that spell it would be ASCII), so that is read as UTF-8, as the
/// standard says.
fn declared_in_meta(head: &[u8]) -> Option<&'static Encoding> {
    let lower = head.to_ascii_lowercase();
    let mut rest = lower.as_slice();
    while let Some(start) = find(rest, b"<meta") {
        let tag = &rest[start..];
        let end = tag.iter().position(|&b| b == b'>').unwrap_or(tag.len());
        let tag = &tag[..end];
        if let Some(at) = find(tag, b"charset=") {
            let value = &tag[at + b"charset=".len()..];
            let value = value.strip_prefix(b"\"").or_else(|| value.strip_prefix(b"'")).unwrap_or(value);
            let length = value.iter().position(|b| matches!(b, b'"' | b'\'' | b';' | b' ' | b'/' | b'>')).unwrap_or(value.len());
            if let Some(encoding) = Encoding::for_label(&value[..length]) {
                return Some(if encoding == UTF_16LE || encoding == UTF_16BE { UTF_8 } else { encoding });
            }
        }
        rest = &rest[start + end.max(1)..];
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::decode;

    /// "Café" in ISO-8859-1 / windows-1252.
    const CAFE_LATIN1: &[u8] = b"Caf\xe9";

    #[test]
    fn a_byte_order_mark_wins_over_everything() {
        let mut page = b"\xef\xbb\xbf<meta charset=iso-8859-1>".to_vec();
        page.extend_from_slice("Café".as_bytes());
        assert!(decode(&page, Some("windows-1251")).ends_with("Café"));
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("Café".encode_utf16().flat_map(|u| u.to_le_bytes())).collect();
        assert_eq!(decode(&utf16, None), "Café");
    }

    #[test]
    fn the_http_header_comes_before_the_meta_tag() {
        let page = [b"<meta charset=utf-8><p>".as_slice(), CAFE_LATIN1].concat();
        assert!(decode(&page, Some("text/html; charset=ISO-8859-1")).ends_with("Café"));
        assert!(decode(&page, Some("\"latin1\"")).ends_with("Café"));
    }

    #[test]
    fn meta_charset_and_http_equiv_are_read() {
        let page = [b"<html><head><meta charset=\"windows-1252\"><title>".as_slice(), CAFE_LATIN1].concat();
        assert!(decode(&page, None).ends_with("Café"));
        let page = [b"<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=ISO-8859-1\">".as_slice(), CAFE_LATIN1].concat();
        assert!(decode(&page, Some("no-such-charset")).ends_with("Café"));
        let koi8 = [b"<meta charset='koi8-r'>".as_slice(), &[0xF0, 0xD2, 0xC1, 0xD7, 0xC4, 0xC1]].concat();
        assert!(decode(&koi8, None).ends_with("Правда"));
    }

    #[test]
    fn undeclared_pages_are_utf8_or_else_windows_1252() {
        assert_eq!(decode("<p>Café".as_bytes(), None), "<p>Café");
        assert_eq!(decode(&[b"<p>".as_slice(), CAFE_LATIN1].concat(), None), "<p>Café");
    }

    #[test]
    fn a_meta_tag_claiming_utf16_is_read_as_utf8() {
        assert!(decode("<meta charset=utf-16><p>Café".as_bytes(), None).ends_with("Café"));
    }
}
