//! The fuzz targets' short run, in every `cargo test`: each target gets every input of its
//! kept corpus (`fuzz/corpus/TARGET/`, with the inputs past runs found: the regression tests),
//! then `DATELINE_FUZZ_SECONDS` (default 3) of mutations from a fixed seed
//! (`DATELINE_FUZZ_SEED` to try others). The long, coverage-guided runs are `cargo fuzz`'s;
//! see docs/FUZZING.md.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use dateline_fuzz::mutate::Mutator;

/// Longest input tried: a body the router accepts (64 KiB), and long enough for nesting.
const MAX_INPUT: usize = 64 * 1024;

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the corpus {}: {e}", dir.display()))
        .map(|entry| entry.expect("a corpus entry").path())
        .filter(|path| path.is_file())
        .map(|path| {
            let bytes = std::fs::read(&path).expect("a corpus file");
            (path, bytes)
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "the corpus {} is empty", dir.display());
    inputs
}

fn short_run(name: &str) {
    let target = dateline_fuzz::TARGETS.iter().find(|(n, _)| *n == name).expect("a target").1;
    let inputs = corpus(name);
    for (path, bytes) in &inputs {
        if catch_unwind(AssertUnwindSafe(|| target(bytes))).is_err() {
            panic!("{name} failed on the corpus input {}", path.display());
        }
    }
    let seconds = std::env::var("DATELINE_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let seed = std::env::var("DATELINE_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_da7e);
    let mut mutator = Mutator::new(seed ^ name.len() as u64);
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut runs = 0u64;
    let mut pick = 0usize;
    while Instant::now() < deadline {
        let (_, base) = &inputs[pick % inputs.len()];
        let (_, other) = &inputs[(pick * 7 + 3) % inputs.len()];
        pick += 1;
        let input = mutator.mutate(base, other, MAX_INPUT);
        if catch_unwind(AssertUnwindSafe(|| target(&input))).is_err() {
            let saved = std::env::temp_dir().join(format!("dateline-fuzz-{name}-{seed}-{runs}"));
            std::fs::write(&saved, &input).expect("save the failing input");
            panic!("{name} failed on a mutated input (seed {seed}, run {runs}), saved to {}", saved.display());
        }
        runs += 1;
    }
    eprintln!("{name}: {} corpus inputs and {runs} mutations (seed {seed}) passed", inputs.len());
}

#[test]
fn markup() {
    short_run("markup");
}

#[test]
fn search_query() {
    short_run("search_query");
}

#[test]
fn wxr() {
    short_run("wxr");
}

#[test]
fn clip() {
    short_run("clip");
}

#[test]
fn comment_form() {
    short_run("comment_form");
}

#[test]
fn rest_api() {
    short_run("rest_api");
}
