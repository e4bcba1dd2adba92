use super::*;
use crate::testing::*;
use crate::{Kind, Processor, content_hash, sniff};

fn policy() -> Policy {
    Policy::default()
}

#[test]
fn a_jpeg_with_gps_exif_comes_out_without_it_and_upright() {
    let input = jpeg_with_gps(40, 20, 6);
    assert!(has_exif(&input), "the fixture carries the block");
    let out = process(&input, &policy()).expect("processed");
    assert_eq!(out.kind, Kind::Jpeg);
    assert!(!has_exif(&out.bytes), "no EXIF or GPS left");
    // Orientation 6 turns the 40×20 picture into a 20×40 one.
    assert_eq!((out.width, out.height), (Some(20), Some(40)));
    assert_eq!(out.hash, content_hash(&out.bytes));
}

#[test]
fn variants_are_narrower_only_in_the_original_format_and_webp() {
    let input = jpeg_with_gps(700, 350, 1);
    let out = process(&input, &policy()).expect("processed");
    let got: Vec<(Kind, u32, u32)> = out.variants.iter().map(|v| (v.kind, v.width, v.height)).collect();
    assert_eq!(got, vec![(Kind::Jpeg, 320, 160), (Kind::Webp, 320, 160), (Kind::Jpeg, 640, 320), (Kind::Webp, 640, 320),]);
    for v in &out.variants {
        assert!(!has_exif(&v.bytes));
        assert_eq!(sniff(&v.bytes), Ok(v.kind));
    }
}

#[test]
fn a_png_bomb_header_is_refused_before_decoding() {
    let bomb = png_bomb(100_000, 100_000);
    assert!(bomb.len() < 100);
    let err = inspect(&bomb, &policy()).expect_err("refused");
    assert!(matches!(err, MediaError::TooManyPixels { width: 100_000, .. }));
    assert!(err.to_string().contains("100000×100000"));
    assert_eq!(process(&bomb, &policy()), Err(err));
}

#[test]
fn a_png_renamed_jpg_is_a_png() {
    // The name plays no part: only the bytes are read.
    let out = process(&png(10, 10), &policy()).expect("processed");
    assert_eq!(out.kind, Kind::Png);
    assert_eq!(out.kind.mime(), "image/png");
}

#[test]
fn svg_html_executables_and_polyglots_are_refused() {
    let svg = inspect(SVG_WITH_SCRIPT, &policy()).expect_err("svg");
    assert!(svg.to_string().contains("SVG images are not accepted"), "{svg}");
    let elf = inspect(&elf(), &policy()).expect_err("elf");
    assert!(elf.to_string().contains("executable"), "{elf}");
    let html = inspect(b"<!DOCTYPE html><p>hi", &policy()).expect_err("html");
    assert!(html.to_string().contains("HTML"), "{html}");
    // Its header announces a 12605×12091 GIF: refused before decoding, either way.
    assert!(process(GIF_JS_POLYGLOT, &policy()).is_err());
    let pdf_html = b"%PDF-1.4\n<html><script>alert(1)</script>";
    assert_eq!(inspect(pdf_html, &policy()), Err(MediaError::Polyglot));
    assert_eq!(inspect(b"", &policy()), Err(MediaError::Empty));
    let unknown = inspect(b"just some text", &policy()).expect_err("text");
    assert!(unknown.to_string().contains("not accepted"));
}

#[test]
fn documents_and_recordings_are_stored_as_they_are() {
    let pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF".to_vec();
    let out = process(&pdf, &policy()).expect("pdf");
    assert_eq!((out.kind, out.bytes.as_slice()), (Kind::Pdf, pdf.as_slice()));
    assert!(out.variants.is_empty());
    let mut mp4 = vec![0, 0, 0, 24];
    mp4.extend_from_slice(b"ftypisom\0\0\x02\0isommp41");
    assert_eq!(sniff(&mp4), Ok(Kind::Mp4));
    let mut m4a = vec![0, 0, 0, 20];
    m4a.extend_from_slice(b"ftypM4A \0\0\0\0M4A ");
    assert_eq!(sniff(&m4a), Ok(Kind::M4a));
    assert_eq!(sniff(b"ID3\x04\0\0\0\0\0\0"), Ok(Kind::Mp3));
    assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x00]), Ok(Kind::Mp3));
    assert_eq!(sniff(b"OggS\0\x02"), Ok(Kind::Ogg));
    assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), Ok(Kind::Wav));
    assert_eq!(sniff(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm"), Ok(Kind::Webm));
}

#[test]
fn an_avif_is_stored_as_it_is_with_its_size_from_ispe() {
    let mut avif = vec![0, 0, 0, 20];
    avif.extend_from_slice(b"ftypavif\0\0\0\0mif1");
    avif.extend_from_slice(b"\0\0\0\x14ispe\0\0\0\0\0\0\x01\x40\0\0\0\xf0");
    let out = process(&avif, &policy()).expect("avif");
    assert_eq!(out.kind, Kind::Avif);
    assert_eq!((out.width, out.height), (Some(320), Some(240)));
}

#[test]
fn the_allow_list_and_the_size_limit_apply() {
    let only_jpeg = Policy { allowed: vec![Kind::Jpeg], ..Policy::default() };
    assert_eq!(inspect(&png(4, 4), &only_jpeg), Err(MediaError::NotAllowed("PNG")));
    let tiny = Policy { max_bytes: 10, ..Policy::default() };
    assert!(matches!(inspect(&png(4, 4), &tiny), Err(MediaError::TooLarge { .. })));
    assert_eq!(Kind::from_name("JPG"), Some(Kind::Jpeg));
}

#[test]
fn truncated_images_are_refused_not_panicking() {
    let jpeg = jpeg_with_gps(64, 64, 1);
    for cut in [3, 20, 200, jpeg.len() / 2] {
        let _ = process(&jpeg[..cut], &policy());
    }
    let png = png(30, 30);
    for cut in [9, 20, 33, png.len() - 5] {
        let _ = process(&png[..cut], &policy());
    }
}

#[tokio::test]
async fn the_processor_runs_off_the_async_workers() {
    let p = Processor::new(Policy::default(), 1);
    let out = p.process(jpeg_with_gps(50, 50, 1)).await.expect("ok");
    assert_eq!(out.width, Some(50));
    assert!(p.process(SVG_WITH_SCRIPT.to_vec()).await.is_err());
}
