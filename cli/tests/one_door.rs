//! The SDK is the only door to the program (issue #13): a source scan that fails when the
//! CLI (outside its tests) builds or names instructions itself, or when SDK code other than
//! `sdk/src/instructions.rs` writes an `Instruction { … }` literal. The CLI goes through
//! `medchain_sdk::Medchain`; the SDK builds every instruction in one module.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable source directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The source of `path` without its unit tests: a `tests.rs` file is all test code, and
/// everything from a `#[cfg(test)]` line on is too (the convention here: test modules last).
fn non_test_source(path: &Path) -> String {
    if path.file_name().is_some_and(|n| n == "tests.rs") {
        return String::new();
    }
    let text = std::fs::read_to_string(path).expect("readable source file");
    match text.find("#[cfg(test)]") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// An `Instruction {` literal (not `CompiledInstruction {`, `HistoricInstruction {`, …).
fn has_instruction_literal(line: &str) -> bool {
    line.match_indices("Instruction {").any(|(at, _)| {
        !line[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// The `file:line: text` of every line of `files` that `bad` flags.
fn offending(files: &[PathBuf], bad: impl Fn(&str) -> bool) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        for (number, line) in non_test_source(file).lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if bad(code) {
                found.push(format!("{}:{}: {}", file.display(), number + 1, line.trim()));
            }
        }
    }
    found
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_cli_sends_no_hand_built_instruction() {
    let files = rust_files(&repo().join("cli/src"));
    assert!(files.len() > 10, "found the CLI sources");
    let found = offending(&files, |code| {
        has_instruction_literal(code)
            || code.contains("ix::")
            || code.contains("instructions::")
            || code.contains("instructions as")
    });
    assert!(
        found.is_empty(),
        "the CLI must go through medchain_sdk::Medchain, not build instructions:\n{}",
        found.join("\n")
    );
}

#[test]
fn only_the_sdk_instructions_module_writes_instruction_literals() {
    let files: Vec<PathBuf> = rust_files(&repo().join("sdk/src"))
        .into_iter()
        .filter(|f| !f.ends_with("sdk/src/instructions.rs"))
        .collect();
    assert!(files.len() > 10, "found the SDK sources");
    let found = offending(&files, has_instruction_literal);
    assert!(
        found.is_empty(),
        "build instructions in sdk/src/instructions.rs only:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_sees_what_it_forbids() {
    assert!(has_instruction_literal("    Instruction {"));
    assert!(has_instruction_literal("let i = Instruction { program_id, accounts, data };"));
    assert!(!has_instruction_literal("CompiledInstruction { program_id_index: 0 }"));
    assert!(!has_instruction_literal("HistoricInstruction {"));
}
