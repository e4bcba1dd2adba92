//! What Dateline's fuzzers check, one function per target. Each takes arbitrary bytes and
//! panics when Dateline breaks a promise on them: a panic of its own, an answer that says the
//! server failed (5xx), HTML a visitor could script, a search the store cannot run.
//!
//! Two drivers run the same functions: cargo-fuzz (`fuzz/` at the repository's root,
//! coverage-guided libFuzzer on the nightly toolchain, for the long runs `docs/FUZZING.md`
//! records) and this crate's test `short_run` (the kept corpora, then a few seconds of
//! mutations on the stable toolchain, in every CI run).

pub mod clip;
pub mod markup;
pub mod mutate;
pub mod safety;
pub mod search;
pub mod web;
pub mod wxr;

/// A fuzz target: takes any bytes, panics when a promise is broken.
pub type Target = fn(&[u8]);

/// Every target by name, as the corpus folders and cargo-fuzz's targets are named.
pub const TARGETS: &[(&str, Target)] = &[
    ("markup", markup::run),
    ("search_query", search::run),
    ("wxr", wxr::run),
    ("clip", clip::run),
    ("comment_form", web::comment_form),
    ("rest_api", web::rest_api),
];

/// One runtime for the targets that need the store or the router: made once per process
/// (a fuzzer calls a target millions of times).
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("a tokio runtime"))
}
