//! Accounts written by earlier program versions decode identically: the bytes below are
//! laid out field by field as the program wrote Consent, AccessRequest and Delegate accounts
//! when they spelled out `categories: u32, purposes: u16, actions: u8` (the layout of
//! docs/ACCOUNT_SIZES.md), and as the program wrote Patient accounts before patients could
//! publish an encryption key; each decodes to the same values, re-encodes to the same bytes,
//! and keeps its `memcmp` offsets.

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, AccountSerialize, Discriminator};
use medchain_sdk::state::{AccessRequest, Consent, ConsentStatus, Delegate, RequestStatus, Scope};

/// Little-endian bytes, field by field.
#[derive(Default)]
struct Bytes(Vec<u8>);

impl Bytes {
    fn new(discriminator: &[u8]) -> Self {
        Self(discriminator.to_vec())
    }
    fn key(mut self, k: &Pubkey) -> Self {
        self.0.extend_from_slice(k.as_ref());
        self
    }
    fn le(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }
}

fn keys() -> [Pubkey; 3] {
    [Pubkey::new_unique(), Pubkey::new_unique(), Pubkey::new_unique()]
}

fn round_trip<T: AccountDeserialize + AccountSerialize>(bytes: &[u8]) -> T {
    let decoded = T::try_deserialize(&mut &bytes[..]).expect("old bytes decode");
    let mut again = Vec::new();
    decoded.try_serialize(&mut again).expect("encode");
    assert_eq!(again, bytes, "re-encoding changes the bytes");
    decoded
}

#[test]
fn an_old_consent_decodes_identically() {
    let [patient, provider, payer] = keys();
    let old = Bytes::new(Consent::DISCRIMINATOR)
        .key(&patient)
        .key(&provider)
        .key(&payer)
        .le(&0x0000_0060u32.to_le_bytes()) // categories: observations | imaging
        .le(&0x0011u16.to_le_bytes()) // purposes: TREAT | HRESCH
        .le(&[0x03]) // actions: read | write
        .le(&[0]) // status: Active
        .le(&[254, 1]) // bump, layout_version
        .le(&2u16.to_le_bytes()) // grantor
        .le(&5u32.to_le_bytes()) // version
        .le(&100i64.to_le_bytes())
        .le(&200i64.to_le_bytes())
        .le(&0i64.to_le_bytes())
        .le(&7u32.to_le_bytes())
        .le(&9u32.to_le_bytes())
        .le(&[0; 8]);
    assert_eq!(old.0.len(), Consent::SIZE);
    let c: Consent = round_trip(&old.0);
    assert_eq!((c.patient, c.provider, c.rent_payer), (patient, provider, payer));
    assert_eq!(c.scope, Scope::new(0x60, 0x11, 0x03));
    assert_eq!(c.status, ConsentStatus::Active);
    assert_eq!((c.bump, c.layout_version, c.grantor, c.version), (254, 1, 2, 5));
    assert_eq!((c.granted_at, c.expires_at, c.revoked_at), (100, 200, 0));
    assert_eq!((c.granted_count, c.denied_count), (7, 9));
    assert_eq!(&old.0[Consent::PATIENT_OFFSET..][..32], patient.as_ref());
    assert_eq!(&old.0[Consent::PROVIDER_OFFSET..][..32], provider.as_ref());
}

#[test]
fn an_old_access_request_decodes_identically() {
    let [patient, provider, payer] = keys();
    let old = Bytes::new(AccessRequest::DISCRIMINATOR)
        .key(&patient)
        .key(&provider)
        .key(&payer)
        .le(&42u64.to_le_bytes()) // nonce
        .le(&0x0000_4000u32.to_le_bytes()) // categories: infectious disease
        .le(&0x0001u16.to_le_bytes())
        .le(&[0x01])
        .le(&[2]) // status: Denied
        .le(&[255, 1])
        .le(&86_400i64.to_le_bytes())
        .le(&10i64.to_le_bytes())
        .le(&20i64.to_le_bytes())
        .le(&[0; 16]);
    assert_eq!(old.0.len(), AccessRequest::SIZE);
    let r: AccessRequest = round_trip(&old.0);
    assert_eq!((r.patient, r.provider, r.rent_payer, r.nonce), (patient, provider, payer, 42));
    assert_eq!(r.scope, Scope::new(0x4000, 1, 1));
    assert_eq!(r.status, RequestStatus::Denied);
    assert_eq!((r.duration_secs, r.created_at, r.resolved_at), (86_400, 10, 20));
    assert_eq!(old.0[AccessRequest::STATUS_OFFSET], RequestStatus::Denied as u8);
}

#[test]
fn an_old_delegate_decodes_identically() {
    let [patient, authority, payer] = keys();
    let old = Bytes::new(Delegate::DISCRIMINATOR)
        .key(&patient)
        .key(&authority)
        .key(&payer)
        .le(&0x0000_03ffu32.to_le_bytes()) // every standard category
        .le(&0x0003u16.to_le_bytes())
        .le(&[0x07])
        .le(&[0x03]) // permissions: grant | revoke
        .le(&3u16.to_le_bytes()) // index
        .le(&[253, 1])
        .le(&9_999i64.to_le_bytes())
        .le(&1i64.to_le_bytes())
        .le(&[0; 16]);
    assert_eq!(old.0.len(), Delegate::SIZE);
    let d: Delegate = round_trip(&old.0);
    assert_eq!((d.patient, d.authority, d.rent_payer), (patient, authority, payer));
    assert_eq!(d.scope, Scope::new(0x3ff, 3, 7));
    assert_eq!((d.permissions, d.index, d.bump, d.layout_version), (3, 3, 253, 1));
    assert_eq!((d.expires_at, d.created_at), (9_999, 1));
    // A delegate added before `answer` existed keeps exactly what it was given: it may grant
    // and revoke, and answering needs the patient to add it again with `answer`.
    assert!(d
        .check_grant(&medchain_sdk::state::ConsentTerms::new(Scope::new(1, 1, 1), 10), 5)
        .is_ok());
    assert!(d.check_revoke(5).is_ok());
    assert!(d.check_answer(5).is_err());
}

#[test]
fn an_old_patient_decodes_and_has_no_published_key() {
    use medchain_sdk::state::Patient;
    let [authority, payer, _] = keys();
    // The Patient layout is unchanged by the patient encryption key, which lives in an
    // account of its own (PatientKey): bytes written before it decode as they did.
    let old = Bytes::new(Patient::DISCRIMINATOR)
        .key(&authority)
        .key(&payer)
        .le(&7u32.to_le_bytes()) // consent grants
        .le(&2u32.to_le_bytes()) // denied without consent
        .le(&[1]) // allows break-glass
        .le(&[254]) // bump
        .le(&1u16.to_le_bytes()) // delegates added
        .le(&[1]) // layout version
        .le(&1_700_000_000i64.to_le_bytes())
        .le(&[0; 30]);
    assert_eq!(old.0.len(), Patient::SIZE);
    let p: Patient = round_trip(&old.0);
    assert_eq!((p.authority, p.rent_payer), (authority, payer));
    assert_eq!((p.consent_grants, p.denied_without_consent, p.allows_break_glass), (7, 2, true));
    assert_eq!((p.bump, p.delegates_added, p.layout_version), (254, 1, 1));
    assert_eq!(p.registered_at, 1_700_000_000);
}
