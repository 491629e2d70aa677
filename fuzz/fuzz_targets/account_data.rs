#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| medchain_fuzz::targets::account_data(data));
