//! Embeds the seed post (the real news-curation page the demo content starts with).
//!
//! The seed lives in the project's shared fixtures beside the repository, not in it (it is
//! someone else's text, shared with us for testing), so it is read at build time from
//! `DATELINE_SEED_POST` or `../shared/fixtures/seed/post.json` next to the checkout. When it
//! is not there, the binary is built without it and the demo shows only its own content.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=DATELINE_SEED_POST");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let asked = std::env::var("DATELINE_SEED_POST").ok().map(PathBuf::from);
    let seed = asked.clone().unwrap_or_else(|| manifest.join("../../../shared/fixtures/seed/post.json"));
    println!("cargo:rerun-if-changed={}", seed.display());
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("seed_post.json");
    let text = match std::fs::read_to_string(&seed) {
        Ok(text) => text,
        // A checkout without the shared fixtures is a normal one: its demo is the fictional blog
        // alone, and nothing needs saying. A seed file asked for by name and missing does.
        Err(_) => {
            if asked.is_some() {
                println!(
                    "cargo:warning=DATELINE_SEED_POST names {}, which cannot be read; the demo will not include the seed post",
                    seed.display()
                );
            }
            "null".to_string()
        }
    };
    std::fs::write(&out, text).expect("write seed post to OUT_DIR");
}
