//! The demo's steps, in order, on one embedded ledger.

use crate::error::CliError;
use medchain_sdk::client::{AnchorBatchArgs, RecordAccessArgs};
use medchain_sdk::fhir::{bundle_to_hashes, consent_to_fhir};
use medchain_sdk::hashing::{content_hash_json, ContentKind};
use medchain_sdk::merkle::verify_batch_inclusion;
use medchain_sdk::seal::{EncryptionSecretKey, SealOptions};
use medchain_sdk::state::{ProviderKind, RecordBatch, RequestTerms, Scope};
use medchain_sdk::vocabulary::{actions, categories, purposes};
use medchain_sdk::{access::describe_reason, pda, Backend, EmbeddedBackend, Medchain};
use serde_json::{json, Value};
use solana_sdk::signature::{Keypair, Signer};
use std::path::Path;

/// The lab result the demo seals (synthetic).
const LAB_RESULT: &[u8] = br#"{"resourceType":"Observation","id":"hb","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"718-7"}]},"valueQuantity":{"value":13.7,"unit":"g/dL"}}"#;

/// Imaging, for treatment, read: what the physician reads.
const READ_IMAGING: RecordAccessArgs = RecordAccessArgs {
    category: categories::IMAGING,
    purpose: purposes::TREAT,
    action: actions::READ,
};

/// The demo: its ledger, its cast and what it has shown so far.
pub struct Tour {
    chain: Medchain<EmbeddedBackend>,
    admin: Keypair,
    issuer: Keypair,
    doctor: Keypair,
    patient: Keypair,
    steps: Vec<Value>,
    lines: Vec<String>,
}

/// The sealed lab result and the physician's key.
struct SealedLab {
    envelope: Vec<u8>,
    doctor_key: EncryptionSecretKey,
}

impl Tour {
    /// A demo on `chain`, with a fresh cast.
    pub fn new(chain: Medchain<EmbeddedBackend>) -> Self {
        let [admin, issuer, doctor, patient] = [(); 4].map(|_| Keypair::new());
        let lines = vec![format!("medchain demo on the {}\n", chain.backend().describe())];
        Self { chain, admin, issuer, doctor, patient, steps: Vec::new(), lines }
    }

    fn step(&mut self, title: &str, detail: String, data: Value) {
        self.lines.push(format!("{:>2}. {title}\n    {detail}", self.steps.len() + 1));
        self.steps.push(json!({ "step": title, "detail": detail, "data": data }));
    }

    /// Runs every step; true when every check passed.
    pub async fn run(&mut self) -> Result<bool, CliError> {
        self.cast().await?;
        let consent_ok = self.consent().await?;
        let (lab, sealing_ok) = self.seal_lab_result().await?;
        let bundle_ok = self.anchor_bundle().await?;
        let revoke_ok = self.revoke(&lab).await?;
        let audit_ok = self.audit().await?;
        Ok(consent_ok && sealing_ok && bundle_ok && revoke_ok && audit_ok)
    }

    /// Writes the cast's keypairs (solana-keygen files) into `dir`: `admin.json`,
    /// `issuer.json`, `physician.json`, `patient.json`, so that the kept ledger can be used
    /// further (`medchain serve` and the patient portal, with `patient.json` in a wallet).
    pub fn save_keys(&mut self, dir: &Path) -> Result<(), CliError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::Io(format!("cannot create {}: {e}", dir.display())))?;
        let cast = [
            ("admin", &self.admin),
            ("issuer", &self.issuer),
            ("physician", &self.doctor),
            ("patient", &self.patient),
        ];
        let mut written = serde_json::Map::new();
        for (name, key) in cast {
            let path = dir.join(format!("{name}.json"));
            solana_sdk::signature::write_keypair_file(key, &path)
                .map_err(|e| CliError::Io(format!("cannot write {}: {e}", path.display())))?;
            written.insert(
                name.into(),
                json!({ "file": path.display().to_string(), "wallet": key.pubkey().to_string() }),
            );
        }
        self.step(
            "Keypairs kept with the ledger",
            format!(
                "{} (patient.json is the patient's wallet: medchain --ledger DIR serve, then /portal)",
                dir.display()
            ),
            Value::Object(written),
        );
        Ok(())
    }

    /// The final line; the ledger directory is removed when `remove` names it. Returns the
    /// lines for people and the steps for machines.
    pub fn finish(mut self, ok: bool, remove: Option<&Path>) -> (Vec<String>, Vec<Value>) {
        self.lines.push(format!(
            "\n{}",
            if ok {
                "Demo complete: every check passed."
            } else {
                "Demo finished with unexpected results."
            }
        ));
        let Tour { chain, lines, steps, .. } = self;
        drop(chain);
        if let Some(dir) = remove {
            let _ = std::fs::remove_dir_all(dir);
        }
        (lines, steps)
    }

    async fn cast(&mut self) -> Result<(), CliError> {
        let chain = &self.chain;
        chain.fund(&[&self.admin, &self.issuer, &self.doctor]).await?;
        chain.initialize(&self.admin, None).await?;
        let admin = self.admin.pubkey().to_string();
        self.step(
            "Admin initialises the registry",
            format!("admin {admin}"),
            json!({ "admin": admin }),
        );
        self.chain.add_issuer(&self.admin, &self.issuer.pubkey(), true).await?;
        let issuer = self.issuer.pubkey().to_string();
        self.step(
            "Admin trusts a credentialing body",
            format!("issuer {issuer}"),
            json!({ "issuer": issuer }),
        );
        let kind = ProviderKind::Physician;
        self.chain.register_provider(&self.issuer, &self.doctor, [0x11; 32], kind).await?;
        let provider = self.doctor.pubkey().to_string();
        self.step(
            "Issuer registers a physician (who co-signs)",
            format!("provider {provider}"),
            json!({ "provider": provider }),
        );
        self.chain.register_patient(&self.patient, &self.doctor).await?;
        let me = self.patient.pubkey();
        let balance = self.chain.backend().balance(&me).await?;
        self.step(
            "Patient registers; the clinic pays, the patient holds no SOL",
            format!("patient {me} (balance {balance} lamports)"),
            json!({ "patient": me.to_string() }),
        );
        Ok(())
    }

    /// Request, narrowed approval, a granted read and a denied write.
    async fn consent(&mut self) -> Result<bool, CliError> {
        let (me, doctor) = (self.patient.pubkey(), self.doctor.pubkey());
        let asked = RequestTerms::new(
            Scope::new(
                categories::IMAGING | categories::OBSERVATIONS,
                purposes::TREAT,
                actions::READ | actions::WRITE,
            ),
            30 * 86_400,
        );
        self.chain.request_access(&self.doctor, &me, 1, asked).await?;
        self.step(
            "Physician requests access",
            "imaging + labs, read + write, for treatment, 30 days".into(),
            json!({ "nonce": 1 }),
        );
        let approved =
            RequestTerms { scope: Scope { actions: actions::READ, ..asked.scope }, ..asked };
        self.chain.approve_request(&self.patient, &self.doctor, &doctor, 1, approved).await?;
        self.step(
            "Patient approves, narrowed to read only",
            "consent version 1 is active".into(),
            json!({ "actions": ["read"] }),
        );
        let granted = self.chain.record_access(&self.doctor, &me, READ_IMAGING).await?;
        self.step(
            "Physician reads imaging",
            describe_reason(granted.reason).into(),
            json!({ "allowed": granted.allowed }),
        );
        let write_imaging = RecordAccessArgs { action: actions::WRITE, ..READ_IMAGING };
        let write = self.chain.record_access(&self.doctor, &me, write_imaging).await?;
        self.step(
            "Physician tries to write",
            describe_reason(write.reason).into(),
            json!({ "allowed": write.allowed }),
        );
        Ok(granted.allowed && !write.allowed)
    }

    /// Sealed records: the consent is also the key to the off-chain copy.
    async fn seal_lab_result(&mut self) -> Result<(SealedLab, bool), CliError> {
        let me = self.patient.pubkey();
        let doctor_key = EncryptionSecretKey::generate().map_err(medchain_sdk::SdkError::from)?;
        let public = doctor_key.public_key().to_bytes();
        self.chain.set_provider_encryption_key(&self.doctor, public).await?;
        let (kind, labs) = (ContentKind::Json, categories::OBSERVATIONS);
        let sealed = self
            .chain
            .seal_for_consented(LAB_RESULT, kind, &me, labs, SealOptions::default())
            .await?;
        let needle: &[u8] = b"718-7"; // the LOINC code inside the lab result
        let plaintext_visible = sealed.bytes.windows(needle.len()).any(|w| w == needle);
        self.step(
            "Physician publishes an encryption key; a lab result is sealed for whoever the consents permit",
            format!(
                "{} recipients (the patient and the physician); {}-byte envelope, plaintext {}",
                sealed.plan.recipients.len(),
                sealed.bytes.len(),
                if plaintext_visible { "VISIBLE?!" } else { "not in it" }
            ),
            json!({ "recipients": sealed.plan.recipients.len(), "envelope_bytes": sealed.bytes.len() }),
        );
        let opened = self.chain.open_sealed(&sealed.bytes, &doctor_key).await?;
        let opened_ok = opened.opened.plaintext.as_slice() == LAB_RESULT;
        self.step(
            "Physician opens the sealed lab result",
            if opened_ok { "decrypted, and its hash checked" } else { "content differs?!" }.into(),
            json!({ "opened": opened_ok }),
        );
        Ok((SealedLab { envelope: sealed.bytes, doctor_key }, !plaintext_visible && opened_ok))
    }

    /// A FHIR bundle anchored as one Merkle batch; a resource verified, a tampered one not.
    async fn anchor_bundle(&mut self) -> Result<bool, CliError> {
        let bundle = super::demo_bundle();
        let hashes =
            bundle_to_hashes(bundle.as_bytes()).map_err(|e| CliError::Io(e.to_string()))?;
        let root = hashes.merkle_root();
        let leaf_count = hashes.entries.len() as u64;
        let args = AnchorBatchArgs { batch_id: 1, merkle_root: root, leaf_count };
        self.chain.anchor_batch(&self.doctor, args).await?;
        self.step(
            "Physician anchors a FHIR bundle as one Merkle batch",
            format!("{leaf_count} resources, root {}", hex::encode(root)),
            json!({ "leaf_count": leaf_count, "merkle_root": hex::encode(root) }),
        );
        let batch_address = pda::batch(&pda::provider(&self.doctor.pubkey()), 1);
        let batch: RecordBatch = self
            .chain
            .fetch(&batch_address, "RecordBatch")
            .await?
            .ok_or_else(|| CliError::Io("batch missing".into()))?;
        let parsed: Value =
            serde_json::from_str(&bundle).map_err(|e| CliError::Io(e.to_string()))?;
        let resource = serde_json::to_vec(&parsed["entry"][1]["resource"])
            .map_err(|e| CliError::Io(e.to_string()))?;
        let proof = hashes.tree.proof(1).map_err(|e| CliError::Io(e.to_string()))?;
        let verifies = |content: &[u8]| {
            content_hash_json(content).is_ok_and(|h| {
                verify_batch_inclusion(&batch.merkle_root, batch.leaf_count, &h, &proof).is_ok()
            })
        };
        let verified = verifies(&resource);
        let mut tampered = resource.clone();
        if let Some(pos) = tampered.iter().position(|b| *b == b'7') {
            tampered[pos] = b'8';
        }
        let tampered_ok = verifies(&tampered);
        self.step(
            "Anyone verifies a resource against the on-chain root",
            format!(
                "original: {}; one digit changed: {}",
                if verified { "VERIFIED" } else { "FAILED" },
                if tampered_ok { "verified?!" } else { "REJECTED" }
            ),
            json!({ "verified": verified, "tampered_verified": tampered_ok, "proof_hashes": proof.path.len() }),
        );
        Ok(verified && !tampered_ok)
    }

    /// The patient revokes; the read is denied and the resealed lab result locks the
    /// physician out.
    async fn revoke(&mut self, lab: &SealedLab) -> Result<bool, CliError> {
        let me = self.patient.pubkey();
        self.chain.revoke_consent(&self.patient, &self.doctor, &self.doctor.pubkey()).await?;
        self.step("Patient revokes", "effective from this slot".into(), json!({}));
        let denied = self.chain.record_access(&self.doctor, &me, READ_IMAGING).await?;
        self.step(
            "Physician reads imaging again",
            describe_reason(denied.reason).into(),
            json!({ "allowed": denied.allowed }),
        );
        let patient_key = EncryptionSecretKey::from_wallet(&self.patient);
        let resealed = self.chain.reseal(&lab.envelope, &patient_key).await?;
        let locked_out =
            self.chain.open_sealed(&resealed.sealed.bytes, &lab.doctor_key).await.is_err();
        self.step(
            "Patient reseals the lab result after the revoke",
            format!(
                "{} recipient dropped; the physician {} the new envelope",
                resealed.dropped.len(),
                if locked_out { "can no longer open" } else { "still opens?!" }
            ),
            json!({ "dropped": resealed.dropped.len(), "physician_locked_out": locked_out }),
        );
        Ok(!denied.allowed && locked_out && resealed.dropped.len() == 1)
    }

    /// The audit trail and the consent, exported as FHIR.
    async fn audit(&mut self) -> Result<bool, CliError> {
        let (me, doctor) = (self.patient.pubkey(), self.doctor.pubkey());
        let trail = self.chain.audit_trail(&me, 100).await?;
        let audit_events = medchain_sdk::fhir::audit_trail_bundle(&me, &trail)
            .map_err(|e| CliError::Io(e.to_string()))?;
        let attempts = trail.iter().filter(|e| e.access.is_some()).count();
        let denied_count = trail
            .iter()
            .filter(|e| e.access.as_ref().and_then(|a| a.allowed) == Some(false))
            .count();
        let consent = self
            .chain
            .consent(&me, &doctor)
            .await?
            .ok_or_else(|| CliError::Io("consent missing".into()))?;
        let now = self.chain.backend().unix_time().await?;
        let address = pda::consent(&pda::patient(&me), &pda::provider(&doctor));
        let fhir = consent_to_fhir(&consent, &address, &me, &doctor, now)
            .map_err(|e| CliError::Io(e.to_string()))?;
        self.step(
            "Audit: every attempt is on the ledger, denied ones too",
            format!(
                "{attempts} access attempts ({denied_count} denied) and every change, old and new values, exported as {} FHIR AuditEvents; consent exported as FHIR {} with status '{}'",
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
        Ok(denied_count == 2)
    }
}
