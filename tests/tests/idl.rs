//! The committed IDL (`idl/medchain.json`, read by TypeScript clients and wallets) must match
//! the program. Regenerate with `UPDATE_IDL=1 cargo test --release -p medchain-tests --test idl`.
//!
//! The IDL is built natively by anchor-lang-idl's builder (`cargo test --features idl-build`
//! on the program, in its own target directory so that it never fights the outer build).

use std::path::PathBuf;

#[test]
fn committed_idl_matches_the_program() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = root.canonicalize().expect("workspace root");
    // anchor-lang-idl would re-enter rustup with this variable; the active toolchain is fine.
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    let idl = anchor_lang_idl::build::IdlBuilder::new()
        .program_path(root.join("programs/medchain"))
        .cargo_args(vec![
            "--target-dir".into(),
            root.join("target/idl-build").display().to_string(),
        ])
        .build()
        .expect("IDL builds natively");
    let generated = serde_json::to_string_pretty(&idl).expect("serialise IDL") + "\n";
    let path = root.join("idl/medchain.json");
    if std::env::var_os("UPDATE_IDL").is_some() {
        std::fs::write(&path, &generated).expect("write IDL");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "idl/medchain.json is stale: rerun with UPDATE_IDL=1 and commit it"
    );
}
