#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| dateline_fuzz::TARGETS.iter().find(|(name, _)| *name == "wxr").expect("a target").1(data));
