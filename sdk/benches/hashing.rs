//! Criterion benchmarks for record hashing and Merkle batches.
//!
//! Run: `cargo bench -p medchain-sdk --bench hashing`
//! (`MEDCHAIN_BENCH_N` sets the number of synthetic resources, default 100000.)
//!
//! The side-by-side comparison with coreutils' `sha256sum` and the one-core ratio are in
//! the `throughput` bench, which criterion cannot express.

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use medchain_sdk::hashing::{content_hash_raw, JsonCanonicalizer};
use medchain_sdk::merkle::{verify_inclusion, MerkleTree};

fn corpus_size() -> u64 {
    std::env::var("MEDCHAIN_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000)
}

fn hash_all(c: &mut JsonCanonicalizer, docs: &[Vec<u8>]) -> Vec<[u8; 32]> {
    docs.iter().map(|d| c.content_hash(d).expect("synthetic resources are valid JSON")).collect()
}

fn benches(crit: &mut Criterion) {
    let n = corpus_size();
    let docs = common::resources(n);
    let total: u64 = docs.iter().map(|d| d.len() as u64).sum();

    let mut group = crit.benchmark_group("records");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.throughput(Throughput::Bytes(total));
    let mut canon = JsonCanonicalizer::new();
    group.bench_function(format!("canonicalise_hash/{n}"), |b| {
        b.iter(|| hash_all(&mut canon, black_box(&docs)))
    });
    group.bench_function(format!("canonicalise_hash_merkle_build/{n}"), |b| {
        b.iter(|| {
            let hashes = hash_all(&mut canon, black_box(&docs));
            MerkleTree::from_leaves(&hashes).expect("non-empty").root()
        })
    });
    let concatenated = docs.concat();
    group.bench_function(format!("raw_sha256/{n}"), |b| {
        b.iter(|| content_hash_raw(black_box(&concatenated)))
    });
    group.finish();

    let hashes = hash_all(&mut canon, &docs);
    let mut group = crit.benchmark_group("merkle");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n));
    group.bench_function(format!("build/{n}"), |b| {
        b.iter(|| MerkleTree::from_leaves(black_box(&hashes)).expect("non-empty"))
    });
    group.finish();

    let tree = MerkleTree::from_leaves(&hashes).expect("non-empty");
    let root = tree.root();
    let mut group = crit.benchmark_group("inclusion_proof");
    group.throughput(Throughput::Elements(1));
    let mut i = 0usize;
    group.bench_function(format!("generate/{n}"), |b| {
        b.iter(|| {
            i = (i + 7919) % tree.len();
            tree.proof(black_box(i)).expect("in range")
        })
    });
    group.bench_function(format!("verify/{n}"), |b| {
        b.iter_batched(
            || {
                i = (i + 7919) % tree.len();
                (tree.proof(i).expect("in range"), hashes[i])
            },
            |(proof, leaf)| verify_inclusion(&root, &leaf, &proof).expect("valid proof"),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(hashing, benches);
criterion_main!(hashing);
