//! Criterion benchmarks for sealed records: seal and open throughput, and what each extra
//! recipient costs in time and bytes.
//!
//! Run: `cargo bench -p medchain-sdk --bench seal` (about a minute). The figures and the
//! machine are in docs/PERFORMANCE.md.

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use medchain_sdk::hashing::ContentKind;
use medchain_sdk::seal::{open, seal, EncryptionSecretKey, Recipient, SealMeta};
use medchain_sdk::vocabulary::{categories, purposes};
use solana_sdk::signature::{Keypair, Signer};

/// A FHIR `collection` Bundle of synthetic resources, at least `size` bytes long.
fn bundle(size: usize) -> Vec<u8> {
    let mut out = br#"{"resourceType":"Bundle","type":"collection","entry":["#.to_vec();
    let mut i = 0u64;
    while out.len() < size {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(br#"{"resource":"#);
        out.extend_from_slice(&common::resource(i));
        out.push(b'}');
        i += 1;
    }
    out.extend_from_slice(b"]}");
    out
}

struct Party {
    wallet: Keypair,
    key: EncryptionSecretKey,
}

fn party() -> Party {
    Party { wallet: Keypair::new(), key: EncryptionSecretKey::generate().expect("os rng") }
}

fn meta(patient: &Keypair, kind: ContentKind) -> SealMeta {
    SealMeta {
        content_kind: kind,
        patient: patient.pubkey(),
        category: categories::OBSERVATIONS,
        purpose: purposes::TREAT,
        record: None,
        sealed_at: 1_700_000_000,
    }
}

/// The patient plus `providers` providers.
fn recipients(patient: &Keypair, providers: &[Party]) -> Vec<Recipient> {
    let mut list = vec![Recipient::patient(&patient.pubkey()).expect("wallet key")];
    list.extend(
        providers.iter().map(|p| Recipient::provider(&p.wallet.pubkey(), p.key.public_key())),
    );
    list
}

fn benches(crit: &mut Criterion) {
    let patient = Keypair::new();
    let providers: Vec<Party> = (0..31).map(|_| party()).collect();
    let two = recipients(&patient, &providers[..2]);

    for (kind, name) in [(ContentKind::Json, "fhir_json"), (ContentKind::Raw, "raw")] {
        let mut group = crit.benchmark_group(format!("seal_{name}"));
        group.sample_size(20);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(3));
        let sizes: &[(usize, &str)] = match kind {
            ContentKind::Json => &[(4 << 10, "4KiB"), (64 << 10, "64KiB"), (1 << 20, "1MiB")],
            ContentKind::Raw => &[(1 << 20, "1MiB")],
        };
        for &(size, label) in sizes {
            let content = bundle(size);
            group.throughput(Throughput::Bytes(content.len() as u64));
            group.bench_with_input(
                BenchmarkId::new("seal_3_recipients", label),
                &content,
                |b, c| b.iter(|| seal(black_box(c), meta(&patient, kind), &two).expect("seal")),
            );
            let envelope = seal(&content, meta(&patient, kind), &two)
                .expect("seal")
                .to_bytes()
                .expect("bytes");
            eprintln!(
                "{name} {label}: content {} B, envelope {} B ({:.3}x)",
                content.len(),
                envelope.len(),
                envelope.len() as f64 / content.len() as f64
            );
            group.bench_with_input(BenchmarkId::new("open", label), &envelope, |b, e| {
                b.iter(|| open(black_box(e), &providers[1].key).expect("open"))
            });
        }
        group.finish();
    }

    // Per-recipient cost: a 4 KiB record sealed for the patient plus 0 to 31 providers.
    let content = bundle(4 << 10);
    let mut group = crit.benchmark_group("recipients");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    let mut sizes = Vec::new();
    for n in [0usize, 1, 3, 7, 15, 31] {
        let list = recipients(&patient, &providers[..n]);
        let bytes = seal(&content, meta(&patient, ContentKind::Json), &list)
            .expect("seal")
            .to_bytes()
            .expect("bytes")
            .len();
        sizes.push((n + 1, bytes));
        group.bench_with_input(BenchmarkId::new("seal_4KiB", n + 1), &list, |b, list| {
            b.iter(|| {
                seal(black_box(&content), meta(&patient, ContentKind::Json), list).expect("seal")
            })
        });
    }
    group.finish();
    for (n, bytes) in &sizes {
        eprintln!("envelope of a 4 KiB record for {n} recipient(s): {bytes} B");
    }
    if let (Some(first), Some(last)) = (sizes.first(), sizes.last()) {
        eprintln!(
            "bytes per extra recipient: {:.1}",
            (last.1 - first.1) as f64 / (last.0 - first.0) as f64
        );
    }
}

criterion_group!(seal_benches, benches);
criterion_main!(seal_benches);
