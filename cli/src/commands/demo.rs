//! `medchain demo`: a guided end-to-end scenario on a fresh embedded ledger. Every step is a
//! real transaction through the real Solana runtime running the medchain program.

use crate::cli::DemoArgs;
use crate::error::CliError;
use crate::output::{Output, OutputFormat};
use serde_json::{json, Value};

/// Runs the demo.
#[cfg(feature = "embedded")]
pub async fn run(args: &DemoArgs, cli: &crate::cli::Cli) -> Result<Output, CliError> {
    use medchain_sdk::fhir::{bundle_to_hashes, consent_to_fhir};
    use medchain_sdk::hashing::content_hash_json;
    use medchain_sdk::hashing::ContentKind;
    use medchain_sdk::merkle::verify_batch_inclusion;
    use medchain_sdk::seal::{EncryptionSecretKey, SealOptions};
    use medchain_sdk::state::{ProviderKind, RecordBatch, RequestTerms, Scope};
    use medchain_sdk::vocabulary::{actions, categories, purposes};
    use medchain_sdk::{access::describe_reason, instructions as ix, pda, Backend, Medchain};
    use solana_sdk::signature::{Keypair, Signer};

    let temp;
    let dir = match &args.keep {
        Some(dir) => {
            if dir.join(medchain_sdk::backend::embedded::LEDGER_FILE).exists() {
                return Err(CliError::bad(format!(
                    "{} already holds a ledger; the demo needs a fresh directory",
                    dir.display()
                )));
            }
            dir.clone()
        }
        None => {
            temp = std::env::temp_dir().join(format!("medchain-demo-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&temp);
            temp.clone()
        }
    };
    let format = cli.output;
    let program = super::program_source(cli);
    let options = medchain_sdk::EmbeddedOptions { program, ..Default::default() };
    let chain = Medchain::new(medchain_sdk::EmbeddedBackend::open_with(&dir, options)?);
    let mut steps: Vec<Value> = Vec::new();
    let mut lines: Vec<String> =
        vec![format!("medchain demo on the {}\n", chain.backend().describe())];
    let mut step = |title: &str, detail: String, data: Value| {
        lines.push(format!("{:>2}. {title}\n    {detail}", steps.len() + 1));
        steps.push(json!({ "step": title, "detail": detail, "data": data }));
    };
    if format == OutputFormat::Display {
        eprintln!("Running the demo (each step is a real transaction)…");
    }

    let [admin, issuer, doctor, patient] = [(); 4].map(|_| Keypair::new());
    chain.fund(&[&admin, &issuer, &doctor]).await?;
    chain.initialize(&admin, None).await?;
    step(
        "Admin initialises the registry",
        format!("admin {}", admin.pubkey()),
        json!({ "admin": admin.pubkey().to_string() }),
    );
    chain.add_issuer(&admin, &issuer.pubkey(), true).await?;
    step(
        "Admin trusts a credentialing body",
        format!("issuer {}", issuer.pubkey()),
        json!({ "issuer": issuer.pubkey().to_string() }),
    );
    chain.register_provider(&issuer, &doctor, [0x11; 32], ProviderKind::Physician).await?;
    step(
        "Issuer registers a physician (who co-signs)",
        format!("provider {}", doctor.pubkey()),
        json!({ "provider": doctor.pubkey().to_string() }),
    );
    chain.register_patient(&patient, &doctor).await?;
    step(
        "Patient registers; the clinic pays, the patient holds no SOL",
        format!(
            "patient {} (balance {} lamports)",
            patient.pubkey(),
            chain.backend().balance(&patient.pubkey()).await?
        ),
        json!({ "patient": patient.pubkey().to_string() }),
    );
    let me = patient.pubkey();
    let asked = RequestTerms::new(
        Scope::new(
            categories::IMAGING | categories::OBSERVATIONS,
            purposes::TREAT,
            actions::READ | actions::WRITE,
        ),
        30 * 86_400,
    );
    chain.request_access(&doctor, &me, 1, asked).await?;
    step(
        "Physician requests access",
        "imaging + labs, read + write, for treatment, 30 days".into(),
        json!({ "nonce": 1 }),
    );
    let approved = RequestTerms { scope: Scope { actions: actions::READ, ..asked.scope }, ..asked };
    chain.approve_request(&patient, &doctor, &doctor.pubkey(), 1, approved).await?;
    step(
        "Patient approves, narrowed to read only",
        "consent version 1 is active".into(),
        json!({ "actions": ["read"] }),
    );
    let granted = chain
        .record_access(&doctor, &me, categories::IMAGING, purposes::TREAT, actions::READ)
        .await?;
    step(
        "Physician reads imaging",
        describe_reason(granted.reason).into(),
        json!({ "allowed": granted.allowed }),
    );
    let write = chain
        .record_access(&doctor, &me, categories::IMAGING, purposes::TREAT, actions::WRITE)
        .await?;
    step(
        "Physician tries to write",
        describe_reason(write.reason).into(),
        json!({ "allowed": write.allowed }),
    );

    // Sealed records: the consent is also the key to the off-chain copy.
    let lab_result = br#"{"resourceType":"Observation","id":"hb","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"718-7"}]},"valueQuantity":{"value":13.7,"unit":"g/dL"}}"#;
    let doctor_key = EncryptionSecretKey::generate().map_err(medchain_sdk::SdkError::from)?;
    chain.set_provider_encryption_key(&doctor, doctor_key.public_key().to_bytes()).await?;
    let sealed = chain
        .seal_for_consented(
            lab_result,
            ContentKind::Json,
            &me,
            categories::OBSERVATIONS,
            SealOptions::default(),
        )
        .await?;
    let needle: &[u8] = b"718-7"; // the LOINC code inside the lab result
    let plaintext_visible = sealed.bytes.windows(needle.len()).any(|w| w == needle);
    step(
        "Physician publishes an encryption key; a lab result is sealed for whoever the consents permit",
        format!(
            "{} recipients (the patient and the physician); {}-byte envelope, plaintext {}",
            sealed.plan.recipients.len(),
            sealed.bytes.len(),
            if plaintext_visible { "VISIBLE?!" } else { "not in it" }
        ),
        json!({ "recipients": sealed.plan.recipients.len(), "envelope_bytes": sealed.bytes.len() }),
    );
    let opened = chain.open_sealed(&sealed.bytes, &doctor_key).await?;
    let opened_ok = opened.opened.plaintext.as_slice() == lab_result;
    step(
        "Physician opens the sealed lab result",
        if opened_ok { "decrypted, and its hash checked" } else { "content differs?!" }.into(),
        json!({ "opened": opened_ok }),
    );

    let bundle = demo_bundle();
    let hashes = bundle_to_hashes(bundle.as_bytes()).map_err(|e| CliError::Io(e.to_string()))?;
    let root = hashes.merkle_root();
    chain
        .send(
            &[ix::anchor_batch(&doctor.pubkey(), 1, root, hashes.entries.len() as u64)],
            &doctor,
            &[],
        )
        .await?;
    step(
        "Physician anchors a FHIR bundle as one Merkle batch",
        format!("{} resources, root {}", hashes.entries.len(), hex::encode(root)),
        json!({ "leaf_count": hashes.entries.len(), "merkle_root": hex::encode(root) }),
    );
    let batch_address = pda::batch(&pda::provider(&doctor.pubkey()), 1);
    let batch: RecordBatch = chain
        .fetch(&batch_address, "RecordBatch")
        .await?
        .ok_or_else(|| CliError::Io("batch missing".into()))?;
    let resource = serde_json::to_vec(
        &serde_json::from_str::<Value>(&bundle).map_err(|e| CliError::Io(e.to_string()))?["entry"]
            [1]["resource"],
    )
    .map_err(|e| CliError::Io(e.to_string()))?;
    let hash = content_hash_json(&resource).map_err(|e| CliError::Io(e.to_string()))?;
    let proof = hashes.tree.proof(1).map_err(|e| CliError::Io(e.to_string()))?;
    let verified =
        verify_batch_inclusion(&batch.merkle_root, batch.leaf_count, &hash, &proof).is_ok();
    let mut tampered = resource.clone();
    if let Some(pos) = tampered.iter().position(|b| *b == b'7') {
        tampered[pos] = b'8';
    }
    let tampered_ok = content_hash_json(&tampered)
        .map(|h| verify_batch_inclusion(&batch.merkle_root, batch.leaf_count, &h, &proof).is_ok())
        .unwrap_or(false);
    step(
        "Anyone verifies a resource against the on-chain root",
        format!(
            "original: {}; one digit changed: {}",
            if verified { "VERIFIED" } else { "FAILED" },
            if tampered_ok { "verified?!" } else { "REJECTED" }
        ),
        json!({ "verified": verified, "tampered_verified": tampered_ok, "proof_hashes": proof.path.len() }),
    );

    chain.revoke_consent(&patient, &doctor, &doctor.pubkey()).await?;
    step("Patient revokes", "effective from this slot".into(), json!({}));
    let denied = chain
        .record_access(&doctor, &me, categories::IMAGING, purposes::TREAT, actions::READ)
        .await?;
    step(
        "Physician reads imaging again",
        describe_reason(denied.reason).into(),
        json!({ "allowed": denied.allowed }),
    );
    let resealed = chain.reseal(&sealed.bytes, &EncryptionSecretKey::from_wallet(&patient)).await?;
    let locked_out = chain.open_sealed(&resealed.sealed.bytes, &doctor_key).await.is_err();
    step(
        "Patient reseals the lab result after the revoke",
        format!(
            "{} recipient dropped; the physician {} the new envelope",
            resealed.dropped.len(),
            if locked_out { "can no longer open" } else { "still opens?!" }
        ),
        json!({ "dropped": resealed.dropped.len(), "physician_locked_out": locked_out }),
    );

    let trail = chain.audit_trail(&me, 100).await?;
    let audit_events = crate::commands::views::audit_event_bundle(&me, &trail)?;
    let attempts = trail.iter().filter(|e| e.access.is_some()).count();
    let denied_count =
        trail.iter().filter(|e| e.access.as_ref().and_then(|a| a.allowed) == Some(false)).count();
    let consent = chain
        .consent(&me, &doctor.pubkey())
        .await?
        .ok_or_else(|| CliError::Io("consent missing".into()))?;
    let now = chain.backend().unix_time().await?;
    let fhir = consent_to_fhir(
        &consent,
        &pda::consent(&pda::patient(&me), &pda::provider(&doctor.pubkey())),
        &me,
        &doctor.pubkey(),
        now,
    )
    .map_err(|e| CliError::Io(e.to_string()))?;
    step(
        "Audit: every attempt is on the ledger, denied ones too",
        format!(
            "{attempts} access attempts ({denied_count} denied) exported as {} FHIR AuditEvents; consent exported as FHIR {} with status '{}'",
            audit_events["entry"].as_array().map_or(0, Vec::len),
            fhir["resourceType"].as_str().unwrap_or("?"),
            fhir["status"].as_str().unwrap_or("?")
        ),
        json!({
            "audit": serde_json::to_value(&trail).unwrap_or(Value::Null),
            "fhir_audit_events": audit_events,
            "fhir_consent": fhir,
        }),
    );
    let ok = granted.allowed
        && !write.allowed
        && !plaintext_visible
        && opened_ok
        && locked_out
        && resealed.dropped.len() == 1
        && verified
        && !tampered_ok
        && !denied.allowed
        && denied_count == 2;
    lines.push(format!(
        "\n{}",
        if ok {
            "Demo complete: every check passed."
        } else {
            "Demo finished with unexpected results."
        }
    ));
    if args.keep.is_none() {
        drop(chain);
        let _ = std::fs::remove_dir_all(&dir);
    }
    if !ok {
        return Err(CliError::Io("the demo produced unexpected results".into()));
    }
    Ok(Output::new(
        lines.join("\n"),
        json!({ "ledger": dir.display().to_string(), "steps": steps, "passed": ok }),
    ))
}

/// Without the embedded ledger there is no demo.
#[cfg(not(feature = "embedded"))]
pub async fn run(_args: &DemoArgs, _cli: &crate::cli::Cli) -> Result<Output, CliError> {
    Err(CliError::bad("this build has no embedded ledger; rebuild with the `embedded` feature"))
}

/// A small synthetic FHIR Bundle (no real person).
fn demo_bundle() -> String {
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            { "fullUrl": "urn:uuid:1", "resource": { "resourceType": "Observation", "id": "hb", "status": "final",
              "code": { "coding": [{ "system": "http://loinc.org", "code": "718-7" }] },
              "valueQuantity": { "value": 13.7, "unit": "g/dL" } } },
            { "fullUrl": "urn:uuid:2", "resource": { "resourceType": "Observation", "id": "glucose", "status": "final",
              "code": { "coding": [{ "system": "http://loinc.org", "code": "2345-7" }] },
              "valueQuantity": { "value": 97, "unit": "mg/dL" } } },
            { "fullUrl": "urn:uuid:3", "resource": { "resourceType": "ImagingStudy", "id": "chest-xr", "status": "available",
              "subject": { "reference": "Patient/synthetic" } } }
        ]
    })
    .to_string()
}
