//! A Delegate: a guardian or proxy acting on a patient's consents within limits.

use super::{ConsentTerms, RequestTerms, Scope};
use crate::error::MedchainError;
use anchor_lang::prelude::*;

/// What a delegate may do (a `u8` bitmask).
pub mod delegate_permissions {
    /// May grant (or re-grant) consents within its scope.
    pub const GRANT: u8 = 1 << 0;
    /// May revoke any of the patient's consents.
    pub const REVOKE: u8 = 1 << 1;
    /// May answer (approve or deny) a provider's pending request for the patient; an
    /// approval is held to the delegate's scope and mandate like a grant.
    pub const ANSWER: u8 = 1 << 2;
    /// Every known permission.
    pub const VALID: u8 = GRANT | REVOKE | ANSWER;
}

/// Seeds `["delegate", patient PDA, delegate wallet]`.
#[account]
#[derive(InitSpace, Debug)]
pub struct Delegate {
    /// The Patient PDA on whose behalf the delegate acts.
    pub patient: Pubkey,
    /// The delegate's wallet.
    pub authority: Pubkey,
    /// Who paid the rent; it returns there on removal.
    pub rent_payer: Pubkey,
    /// What the delegate may grant within.
    pub scope: Scope,
    /// `delegate_permissions` bitmask.
    pub permissions: u8,
    /// This delegate's index among the patient's delegates (from 1); consents it grants
    /// record it as their grantor.
    pub index: u16,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Account layout version.
    pub layout_version: u8,
    /// Cluster time after which the delegate may do nothing.
    pub expires_at: i64,
    /// Cluster time of creation.
    pub created_at: i64,
    /// Reserved for future fields; always zero.
    pub reserved: [u8; 16],
}

impl Delegate {
    /// Total account size including the 8-byte discriminator.
    pub const SIZE: usize = 8 + Self::INIT_SPACE;

    /// True while the delegate's mandate runs.
    pub fn is_in_force(&self, now: i64) -> bool {
        now < self.expires_at
    }

    /// Checks that the delegate may grant `terms` now: in force, allowed to grant, and
    /// `terms` within its own scope and mandate (no category, purpose or action it does not
    /// hold, no expiry after its own).
    pub fn check_grant(&self, terms: &ConsentTerms, now: i64) -> Result<()> {
        require!(self.is_in_force(now), MedchainError::DelegateExpired);
        require!(
            self.permissions & delegate_permissions::GRANT != 0,
            MedchainError::DelegateNotPermitted
        );
        require!(
            self.scope.contains(&terms.scope) && terms.expires_at <= self.expires_at,
            MedchainError::DelegateScopeExceeded
        );
        Ok(())
    }

    /// Checks that the delegate may answer (approve or deny) a request now: in force and
    /// holding [`delegate_permissions::ANSWER`]. Denying needs nothing more (it gives no
    /// access, like a revoke); approving also goes through [`Delegate::approval_terms`].
    pub fn check_answer(&self, now: i64) -> Result<()> {
        require!(self.is_in_force(now), MedchainError::DelegateExpired);
        require!(
            self.permissions & delegate_permissions::ANSWER != 0,
            MedchainError::DelegateNotPermitted
        );
        Ok(())
    }

    /// The consent terms of the delegate approving `approved` now: the approved scope, which
    /// must lie within the delegate's own scope (`DelegateScopeExceeded` otherwise), lasting
    /// `approved.duration_secs` but never past the delegate's own expiry (cut there, so that
    /// a client need not guess the cluster's clock). The caller has checked
    /// [`Delegate::check_answer`] and that `approved` does not widen the request.
    pub fn approval_terms(&self, approved: &RequestTerms, now: i64) -> Result<ConsentTerms> {
        require!(self.scope.contains(&approved.scope), MedchainError::DelegateScopeExceeded);
        let asked = approved.to_consent_terms(now)?;
        Ok(ConsentTerms { expires_at: asked.expires_at.min(self.expires_at), ..asked })
    }

    /// `request` narrowed to what this delegate may approve: the request's scope cut to the
    /// delegate's own, part by part (the duration is kept: [`Delegate::approval_terms`] cuts
    /// it at the mandate's end). `None` when a part comes out empty, i.e. the delegate may
    /// approve nothing of the request. Clients use it to propose the widest approval the
    /// program will accept.
    pub fn narrow_request(&self, request: &RequestTerms) -> Option<RequestTerms> {
        let scope = request.scope.intersection(&self.scope);
        (scope.categories != 0 && scope.purposes != 0 && scope.actions != 0)
            .then_some(RequestTerms { scope, ..*request })
    }

    /// Checks that the delegate may revoke now.
    pub fn check_revoke(&self, now: i64) -> Result<()> {
        require!(self.is_in_force(now), MedchainError::DelegateExpired);
        require!(
            self.permissions & delegate_permissions::REVOKE != 0,
            MedchainError::DelegateNotPermitted
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::{actions::*, categories::*, purposes::*};

    fn delegate(permissions: u8) -> Delegate {
        Delegate {
            patient: Pubkey::new_unique(),
            authority: Pubkey::new_unique(),
            rent_payer: Pubkey::new_unique(),
            scope: Scope::new(IMAGING | OBSERVATIONS, TREAT, READ),
            permissions,
            index: 1,
            bump: 255,
            layout_version: 1,
            expires_at: 1_000,
            created_at: 0,
            reserved: [0; 16],
        }
    }

    fn terms() -> ConsentTerms {
        ConsentTerms::new(Scope::new(IMAGING, TREAT, READ), 900)
    }

    #[test]
    fn a_delegate_grants_only_within_its_scope_and_mandate() {
        let d = delegate(delegate_permissions::VALID);
        assert!(d.check_grant(&terms(), 10).is_ok());
        assert!(d.check_grant(&terms(), 1_000).is_err(), "expired");
        let wider = ConsentTerms {
            scope: Scope { categories: IMAGING | GENETICS, ..terms().scope },
            ..terms()
        };
        assert!(d.check_grant(&wider, 10).is_err());
        let more =
            ConsentTerms { scope: Scope { actions: READ | WRITE, ..terms().scope }, ..terms() };
        assert!(d.check_grant(&more, 10).is_err());
        let longer = ConsentTerms { expires_at: 1_001, ..terms() };
        assert!(d.check_grant(&longer, 10).is_err());
        let purpose =
            ConsentTerms { scope: Scope { purposes: TREAT | HRESCH, ..terms().scope }, ..terms() };
        assert!(d.check_grant(&purpose, 10).is_err());
    }

    #[test]
    fn permissions_are_separate() {
        let revoke_only = delegate(delegate_permissions::REVOKE);
        assert!(revoke_only.check_grant(&terms(), 10).is_err());
        assert!(revoke_only.check_revoke(10).is_ok());
        let grant_only = delegate(delegate_permissions::GRANT);
        assert!(grant_only.check_revoke(10).is_err());
        assert!(grant_only.check_revoke(2_000).is_err());
        assert!(grant_only.check_answer(10).is_err());
        assert!(revoke_only.check_answer(10).is_err());
        let answer_only = delegate(delegate_permissions::ANSWER);
        assert!(answer_only.check_answer(10).is_ok());
        assert!(answer_only.check_answer(1_000).is_err(), "expired");
        assert!(answer_only.check_grant(&terms(), 10).is_err());
        assert!(answer_only.check_revoke(10).is_err());
    }

    #[test]
    fn a_request_narrowed_to_a_delegate_is_one_it_may_approve() {
        let d = delegate(delegate_permissions::ANSWER);
        let asked = RequestTerms::new(Scope::new(IMAGING | GENETICS, TREAT | HRESCH, READ), 50);
        let narrowed = d.narrow_request(&asked).unwrap();
        assert_eq!(narrowed.scope, Scope::new(IMAGING, TREAT, READ));
        assert_eq!(narrowed.duration_secs, 50);
        assert!(asked.contains(&narrowed));
        assert!(d.approval_terms(&narrowed, 10).is_ok());
        let outside = RequestTerms::new(Scope::new(GENETICS, TREAT, READ), 50);
        assert!(d.narrow_request(&outside).is_none());
    }

    #[test]
    fn an_approval_by_a_delegate_is_held_to_its_scope_and_cut_at_its_expiry() {
        let d = delegate(delegate_permissions::ANSWER);
        let within = RequestTerms::new(Scope::new(IMAGING, TREAT, READ), 100);
        assert_eq!(d.approval_terms(&within, 10).unwrap().expires_at, 110);
        let long = RequestTerms::new(Scope::new(IMAGING, TREAT, READ), 5_000);
        assert_eq!(d.approval_terms(&long, 10).unwrap().expires_at, 1_000, "cut at the mandate");
        for wider in [
            Scope::new(IMAGING | GENETICS, TREAT, READ),
            Scope::new(IMAGING, TREAT | HRESCH, READ),
            Scope::new(IMAGING, TREAT, READ | WRITE),
        ] {
            let e = d.approval_terms(&RequestTerms::new(wider, 100), 10).unwrap_err();
            assert_eq!(e, MedchainError::DelegateScopeExceeded.into());
        }
    }
}
