#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| dateline_fuzz::TARGETS.iter().find(|(name, _)| *name == "markup").expect("a target").1(data));
