//! Throughput report for record hashing and Merkle batches, side by side with coreutils'
//! `sha256sum` on exactly the same bytes.
//!
//! Run: `cargo bench -p medchain-sdk --bench throughput`
//!
//! Knobs (environment): `MEDCHAIN_BENCH_N` resources (default 100000),
//! `MEDCHAIN_BENCH_RUNS` timed repetitions, best kept (default 5),
//! `MEDCHAIN_BENCH_BIG` leaves of the large Merkle build (default 1000000).
//!
//! `MEDCHAIN_BENCH_PROFILE=1` runs only the one-core canonicalise+hash loop (for `perf`).
//!
//! Every figure is the best of the runs (least disturbed by other load); the median is
//! printed beside it.

mod common;

use std::hint::black_box;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use medchain_sdk::hashing::{content_hash_raw, JsonCanonicalizer};
use medchain_sdk::merkle::{verify_inclusion, MerkleTree};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Runs `f` `runs` times; returns (best, median) durations and the last result.
fn time<T>(runs: u64, mut f: impl FnMut() -> T) -> (Duration, Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let r = black_box(f());
        times.push(start.elapsed());
        last = Some(r);
    }
    times.sort();
    let result = last.expect("at least one run");
    (times[0], times[times.len() / 2], result)
}

fn mbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

fn hash_all(docs: &[Vec<u8>]) -> Vec<[u8; 32]> {
    let mut c = JsonCanonicalizer::new();
    docs.iter().map(|d| c.content_hash(d).expect("synthetic resources are valid JSON")).collect()
}

fn hash_all_parallel(docs: &[Vec<u8>], threads: usize) -> Vec<[u8; 32]> {
    let chunk = docs.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> =
            docs.chunks(chunk).map(|part| scope.spawn(move || hash_all(part))).collect();
        handles.into_iter().flat_map(|h| h.join().expect("worker thread")).collect()
    })
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn main() {
    let n = env_u64("MEDCHAIN_BENCH_N", 100_000);
    let runs = env_u64("MEDCHAIN_BENCH_RUNS", 5);
    let big = env_u64("MEDCHAIN_BENCH_BIG", 1_000_000);
    let threads = std::thread::available_parallelism().map_or(1, |p| p.get());
    let sha_ni =
        std::fs::read_to_string("/proc/cpuinfo").map(|s| s.contains(" sha_ni")).unwrap_or(false);

    println!("medchain-sdk hashing throughput");
    println!(
        "machine: {} core(s), CPU {:?}, SHA-NI {}",
        threads,
        cpu_model(),
        if sha_ni { "yes" } else { "no" }
    );

    let docs = common::resources(n);
    let total: usize = docs.iter().map(Vec::len).sum();
    if std::env::var_os("MEDCHAIN_BENCH_PROFILE").is_some() {
        // Only the one-core canonicalise+hash loop, for `perf record`.
        let (best, _, _) = time(runs, || hash_all(&docs));
        println!("canonicalise + hash (1 core): {:.1} MB/s", mbps(total, best));
        return;
    }
    let (min, max) =
        docs.iter().fold((usize::MAX, 0), |(lo, hi), d| (lo.min(d.len()), hi.max(d.len())));
    println!(
        "corpus: {n} synthetic FHIR resources, {total} bytes ({:.1} MB), {} B average ({min}..{max})",
        total as f64 / 1e6,
        total / docs.len().max(1)
    );

    // The very same bytes, concatenated, for sha256sum.
    let mut path = std::env::temp_dir();
    path.push(format!("medchain-bench-{}.bin", std::process::id()));
    {
        let mut f = std::fs::File::create(&path).expect("create temp file");
        for d in &docs {
            f.write_all(d).expect("write temp file");
        }
        f.sync_all().ok();
    }
    let sha256sum = |path: &PathBuf| {
        let out = Command::new("sha256sum").arg(path).output().expect("run sha256sum (coreutils)");
        assert!(out.status.success(), "sha256sum failed");
        out.stdout
    };
    sha256sum(&path); // warm the page cache
    let (coreutils_best, coreutils_median, stdout) = time(runs, || sha256sum(&path));
    let coreutils_hex =
        String::from_utf8_lossy(&stdout).split_whitespace().next().unwrap_or_default().to_string();
    std::fs::remove_file(&path).ok();
    let concatenated: Vec<u8> = docs.concat();
    let ours_raw = hex_string(&content_hash_raw(&concatenated));
    assert_eq!(coreutils_hex, ours_raw, "sha256sum and sha2 disagree");
    let (raw_best, raw_median, _) = time(runs, || content_hash_raw(&concatenated));
    drop(concatenated);

    let (one_best, one_median, hashes) = time(runs, || hash_all(&docs));
    let (all_best, all_median, hashes_mt) = time(runs, || hash_all_parallel(&docs, threads));
    assert_eq!(hashes, hashes_mt);

    let reference_runs = runs.min(3);
    let (ref_best, ref_median, ref_hashes) = time(reference_runs, || {
        docs.iter()
            .map(|d| {
                let text = std::str::from_utf8(d).expect("utf-8");
                let canon = serde_json_canonicalizer::pipe(text).expect("reference");
                content_hash_raw(canon.as_bytes())
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(hashes, ref_hashes, "serde_json_canonicalizer disagrees");

    let ratio = mbps(total, one_best) / mbps(total, coreutils_best);
    println!();
    println!("{:<52} {:>10} {:>12}", "throughput on the same bytes", "best MB/s", "median MB/s");
    let row = |name: &str, best: Duration, median: Duration| {
        println!("{:<52} {:>10.1} {:>12.1}", name, mbps(total, best), mbps(total, median));
    };
    row("sha256sum (coreutils, subprocess, 1 core)", coreutils_best, coreutils_median);
    row("sha2 raw SHA-256 of the bytes (1 core)", raw_best, raw_median);
    row("canonicalise + hash (1 core)", one_best, one_median);
    row(&format!("canonicalise + hash ({threads} threads)"), all_best, all_median);
    row("serde_json_canonicalizer + hash (1 core, ref.)", ref_best, ref_median);
    println!(
        "ratio canonicalise+hash (1 core) / sha256sum: {ratio:.2} (bar: >= 0.33) {}",
        if ratio >= 1.0 / 3.0 { "PASS" } else { "FAIL" }
    );
    println!(
        "documents/s: {:.0} (1 core), {:.0} ({threads} threads)",
        n as f64 / one_best.as_secs_f64(),
        n as f64 / all_best.as_secs_f64()
    );

    // Merkle batches.
    println!();
    let (build_best, build_median, tree) =
        time(runs, || MerkleTree::from_leaves(&hashes).expect("non-empty"));
    println!(
        "Merkle build, {n} leaves: best {:.1} ms, median {:.1} ms",
        build_best.as_secs_f64() * 1e3,
        build_median.as_secs_f64() * 1e3
    );
    let (pipe_best, pipe_median, _) =
        time(runs.min(3), || MerkleTree::from_leaves(&hash_all(&docs)).expect("non-empty").root());
    println!(
        "canonicalise + hash + Merkle build of {n} resources (1 core): best {:.0} ms, median {:.0} ms",
        pipe_best.as_secs_f64() * 1e3,
        pipe_median.as_secs_f64() * 1e3
    );

    let big_leaves: Vec<[u8; 32]> = (0..big).map(|i| content_hash_raw(&i.to_le_bytes())).collect();
    let (big_best, big_median, big_tree) =
        time(runs.min(3), || MerkleTree::from_leaves(&big_leaves).expect("non-empty"));
    println!(
        "Merkle build, {big} leaves: best {:.0} ms, median {:.0} ms",
        big_best.as_secs_f64() * 1e3,
        big_median.as_secs_f64() * 1e3
    );
    drop(big_tree);

    let root = tree.root();
    let (gen_best, _, proofs) = time(runs.min(3), || {
        (0..tree.len()).map(|i| tree.proof(i).expect("in range")).collect::<Vec<_>>()
    });
    let (ver_best, ver_median, ok) = time(runs, || {
        proofs.iter().zip(&hashes).filter(|(p, h)| verify_inclusion(&root, h, p).is_ok()).count()
    });
    assert_eq!(ok, proofs.len());
    let max_path = proofs.iter().map(|p| p.path.len()).max().unwrap_or(0);
    println!(
        "inclusion proofs ({n} leaves, up to {max_path} hashes): generated {:.0}/s, verified {:.0}/s (median {:.0}/s), 1 core",
        proofs.len() as f64 / gen_best.as_secs_f64(),
        proofs.len() as f64 / ver_best.as_secs_f64(),
        proofs.len() as f64 / ver_median.as_secs_f64()
    );
}

fn hex_string(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}
