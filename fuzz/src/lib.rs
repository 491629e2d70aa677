//! cargo-fuzz targets for medchain. The bodies live in [`targets`], a file that the SDK's
//! `tests/fuzz_regressions.rs` also includes, so that every seed and every past finding is
//! replayed by `cargo test` on stable Rust.

pub mod targets;
