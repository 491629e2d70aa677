//! One file per instruction: its `Accounts` struct, its checks and its handler.

/// The `validate` of an instruction whose every check is an account constraint or the rule
/// of a state transition (bound in `lib.rs` with `#[access_control]` like every other).
pub trait ConstraintsOnly {
    /// Nothing to check beyond the account constraints.
    fn validate(&self) -> anchor_lang::Result<()> {
        Ok(())
    }
}

pub mod accept_admin;
pub mod add_delegate;
pub mod add_issuer;
pub mod amend_record;
pub mod anchor_batch;
pub mod anchor_record;
pub mod approve_request;
pub mod cancel_request;
pub mod change_provider_status;
pub mod close_consent;
pub mod close_request;
pub mod delegate_approve_request;
pub mod delegate_deny_request;
pub mod delegate_grant_consent;
pub mod delegate_revoke_consent;
pub mod deny_request;
pub mod grant_consent;
pub mod initialize;
pub mod mark_entered_in_error;
pub mod open_emergency_access;
pub mod propose_admin;
pub mod record_access;
pub mod register_patient;
pub mod register_provider;
pub mod remove_delegate;
pub mod remove_issuer;
pub mod request_access;
pub mod review_emergency_access;
pub mod revoke_consent;
pub mod set_break_glass_policy;
pub mod set_issuer_break_glass;
pub mod set_patient_encryption_key;
pub mod set_paused;
pub mod set_provider_encryption_key;
pub mod update_consent;

pub use accept_admin::*;
pub use add_delegate::*;
pub use add_issuer::*;
pub use amend_record::*;
pub use anchor_batch::*;
pub use anchor_record::*;
pub use approve_request::*;
pub use cancel_request::*;
pub use change_provider_status::*;
pub use close_consent::*;
pub use close_request::*;
pub use delegate_approve_request::*;
pub use delegate_deny_request::*;
pub use delegate_grant_consent::*;
pub use delegate_revoke_consent::*;
pub use deny_request::*;
pub use grant_consent::*;
pub use initialize::*;
pub use mark_entered_in_error::*;
pub use open_emergency_access::*;
pub use propose_admin::*;
pub use record_access::*;
pub use register_patient::*;
pub use register_provider::*;
pub use remove_delegate::*;
pub use remove_issuer::*;
pub use request_access::*;
pub use review_emergency_access::*;
pub use revoke_consent::*;
pub use set_break_glass_policy::*;
pub use set_issuer_break_glass::*;
pub use set_patient_encryption_key::*;
pub use set_paused::*;
pub use set_provider_encryption_key::*;
pub use update_consent::*;
