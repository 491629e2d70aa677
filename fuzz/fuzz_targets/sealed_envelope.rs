#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| medchain_fuzz::targets::sealed_envelope(data));
