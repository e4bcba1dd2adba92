#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| dateline_fuzz::TARGETS.iter().find(|(name, _)| *name == "search_query").expect("a target").1(data));
