#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| medchain_fuzz::targets::action_request(data));
