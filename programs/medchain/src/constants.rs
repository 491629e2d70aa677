//! Seeds, layout versions and limits shared by every instruction.

/// Seed of the singleton [`crate::state::Registry`] PDA.
pub const REGISTRY_SEED: &[u8] = b"registry";
/// Seed prefix of an [`crate::state::Issuer`] PDA: `["issuer", authority]`.
pub const ISSUER_SEED: &[u8] = b"issuer";
/// Seed prefix of a [`crate::state::Provider`] PDA: `["provider", authority]`.
pub const PROVIDER_SEED: &[u8] = b"provider";
/// Seed prefix of a [`crate::state::Patient`] PDA: `["patient", authority]`.
pub const PATIENT_SEED: &[u8] = b"patient";
/// Seed prefix of an [`crate::state::AccessRequest`] PDA:
/// `["request", patient PDA, provider PDA, nonce (u64 little-endian)]`.
pub const REQUEST_SEED: &[u8] = b"request";
/// Seed prefix of a [`crate::state::Consent`] PDA: `["consent", patient PDA, provider PDA]`.
pub const CONSENT_SEED: &[u8] = b"consent";

/// Layout version written into every account created by this program version.
pub const ACCOUNT_LAYOUT_VERSION: u8 = 1;

/// Longest duration a provider may request, in seconds (10 years of 365 days).
pub const MAX_REQUEST_DURATION_SECS: i64 = 10 * 365 * 24 * 60 * 60;

/// `Consent::grantor` value meaning "granted by the patient's own wallet".
pub const GRANTOR_PATIENT: u16 = 0;

/// Seed prefix of a [`crate::state::Record`] PDA: `["record", patient PDA, record id]`.
pub const RECORD_SEED: &[u8] = b"record";
/// Seed prefix of a [`crate::state::RecordBatch`] PDA:
/// `["batch", author Provider PDA, batch id (u64 little-endian)]`.
pub const BATCH_SEED: &[u8] = b"batch";
/// Seed prefix of a [`crate::state::Delegate`] PDA: `["delegate", patient PDA, delegate wallet]`.
pub const DELEGATE_SEED: &[u8] = b"delegate";
/// Seed prefix of a [`crate::state::PatientKey`] PDA: `["patient_key", patient PDA]`.
pub const PATIENT_KEY_SEED: &[u8] = b"patient_key";
/// Seed prefix of an [`crate::state::EmergencyAccess`] PDA:
/// `["emergency", patient PDA, provider PDA]`.
pub const EMERGENCY_SEED: &[u8] = b"emergency";

/// Hard cap of a break-glass window, in seconds (24 hours).
pub const MAX_EMERGENCY_WINDOW_SECS: i64 = 24 * 60 * 60;
