//! Acting for a patient: a delegate's mandate (guardian, proxy) read from the chain, what it
//! allows now, and a provider's request narrowed to it. The program enforces every limit
//! (`Delegate::check_answer`, `Delegate::approval_terms`); this module lets the CLI, the
//! Actions and the patient's page tell a delegate beforehand what it may answer, in words.
//!
//! ```
//! use anchor_lang::prelude::Pubkey;
//! use medchain_sdk::delegation::Mandate;
//! use medchain_sdk::state::{delegate_permissions, Delegate, RequestTerms, Scope};
//! use medchain_sdk::vocabulary::{actions::READ, categories::{GENETICS, IMAGING}, purposes::TREAT};
//!
//! let delegate = Delegate {
//!     patient: Pubkey::new_unique(), authority: Pubkey::new_unique(), rent_payer: Pubkey::new_unique(),
//!     scope: Scope::new(IMAGING, TREAT, READ), permissions: delegate_permissions::ANSWER,
//!     index: 1, bump: 255, layout_version: 1, expires_at: 1_000, created_at: 0, reserved: [0; 16],
//! };
//! let mandate = Mandate { patient_wallet: Pubkey::new_unique(), delegate };
//! assert!(mandate.may_answer(10).is_ok());
//! let asked = RequestTerms::new(Scope::new(IMAGING | GENETICS, TREAT, READ), 5_000);
//! let approval = mandate.approval(&asked, 10).unwrap();
//! assert_eq!(approval.terms.scope, Scope::new(IMAGING, TREAT, READ));
//! assert_eq!(approval.expires_at, 1_000, "cut at the end of the mandate");
//! assert!(approval.narrowed);
//! ```

use crate::client::Medchain;
use crate::error::SdkError;
use crate::names::{delegate_permission_names, scope_text};
use crate::pda;
use crate::Backend;
use anchor_lang::prelude::Pubkey;
use medchain::error::MedchainError;
use medchain::state::{Delegate, Patient, RequestTerms};

/// A delegate's mandate for one patient, as the chain holds it.
#[derive(Debug, Clone)]
pub struct Mandate {
    /// The wallet of the patient the delegate acts for.
    pub patient_wallet: Pubkey,
    /// The Delegate account.
    pub delegate: Delegate,
}

/// What a delegate's approval of a request will grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelegateApproval {
    /// The terms to send: the request (as narrowed by the delegate) cut to the mandate's
    /// scope.
    pub terms: RequestTerms,
    /// When the consent will end: the approved duration from `now`, or the mandate's end
    /// if that comes first (the program cuts it there).
    pub expires_at: i64,
    /// True when the mandate cut anything (scope or duration) from what was proposed.
    pub narrowed: bool,
}

/// Why a delegate cannot answer, in words for the delegate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MandateError {
    /// The mandate has ended.
    #[error("your mandate for patient {patient} ended at unix time {expired_at}")]
    Expired {
        /// The patient's wallet.
        patient: Pubkey,
        /// When the mandate ended.
        expired_at: i64,
    },
    /// The delegate may not answer requests.
    #[error(
        "your mandate for patient {patient} allows only: {held}; answering requests needs the \
         'answer' permission (the patient can add you again with it)"
    )]
    NotPermitted {
        /// The patient's wallet.
        patient: Pubkey,
        /// The permissions held, by name.
        held: String,
    },
    /// Nothing of the request lies within the mandate's scope.
    #[error(
        "nothing of this request lies within your mandate for patient {patient} ({mandate}); \
         deny it, or ask the patient to answer"
    )]
    OutsideScope {
        /// The patient's wallet.
        patient: Pubkey,
        /// The mandate's scope in words.
        mandate: String,
    },
}

impl Mandate {
    /// The refusal, in the delegate's words, of the program's own check failing with `e`.
    fn refusal(&self, e: anchor_lang::error::Error) -> MandateError {
        let d = &self.delegate;
        if e == MedchainError::DelegateExpired.into() {
            MandateError::Expired { patient: self.patient_wallet, expired_at: d.expires_at }
        } else if e == MedchainError::DelegateNotPermitted.into() {
            MandateError::NotPermitted {
                patient: self.patient_wallet,
                held: delegate_permission_names(d.permissions).join(", "),
            }
        } else {
            MandateError::OutsideScope {
                patient: self.patient_wallet,
                mandate: scope_text(&d.scope),
            }
        }
    }

    /// Ok when the mandate runs at `now` and includes the `answer` permission: the program's
    /// own `Delegate::check_answer`.
    pub fn may_answer(&self, now: i64) -> Result<(), MandateError> {
        self.delegate.check_answer(now).map_err(|e| self.refusal(e))
    }

    /// The approval of `proposed` (a request's terms, perhaps already narrowed by the
    /// delegate) that the program will accept from this delegate at `now`: checked as
    /// [`Mandate::may_answer`], cut to the mandate's scope (`Delegate::narrow_request`), its
    /// end as the program sets it (`Delegate::approval_terms`: no later than the mandate).
    pub fn approval(
        &self,
        proposed: &RequestTerms,
        now: i64,
    ) -> Result<DelegateApproval, MandateError> {
        self.may_answer(now)?;
        let d = &self.delegate;
        let outside = || MandateError::OutsideScope {
            patient: self.patient_wallet,
            mandate: scope_text(&d.scope),
        };
        let terms = d.narrow_request(proposed).ok_or_else(outside)?;
        let consent = d.approval_terms(&terms, now).map_err(|e| self.refusal(e))?;
        Ok(DelegateApproval {
            terms,
            expires_at: consent.expires_at,
            narrowed: terms != *proposed
                || consent.expires_at < now.saturating_add(terms.duration_secs),
        })
    }
}

impl<B: Backend> Medchain<B> {
    /// The mandate `delegate` (a wallet) holds for the patient whose Patient PDA is
    /// `patient_pda`, or `None` when it is not (or no longer) that patient's delegate.
    ///
    /// # Errors
    ///
    /// [`SdkError::AccountNotFound`] when the patient is not registered; decoding and
    /// transport errors.
    pub async fn mandate(
        &self,
        patient_pda: &Pubkey,
        delegate: &Pubkey,
    ) -> Result<Option<Mandate>, SdkError> {
        let Some(account) =
            self.fetch::<Delegate>(&pda::delegate(patient_pda, delegate), "Delegate").await?
        else {
            return Ok(None);
        };
        let patient: Patient = self.must_fetch(patient_pda, "Patient").await?;
        Ok(Some(Mandate { patient_wallet: patient.authority, delegate: account }))
    }

    /// Every mandate `wallet` holds, in force or ended, ordered by the patient's wallet: the
    /// patients it may act for ("you act for"). A Delegate account whose Patient account is
    /// gone is left out.
    ///
    /// # Errors
    ///
    /// Decoding and transport errors.
    pub async fn mandates_held_by(&self, wallet: &Pubkey) -> Result<Vec<Mandate>, SdkError> {
        let mut mandates = Vec::new();
        for (_, delegate) in self.delegates_held_by(wallet).await? {
            if let Some(patient) = self.fetch::<Patient>(&delegate.patient, "Patient").await? {
                mandates.push(Mandate { patient_wallet: patient.authority, delegate });
            }
        }
        mandates.sort_by_key(|m| m.patient_wallet);
        Ok(mandates)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use medchain::state::{delegate_permissions, Scope};
    use medchain::vocabulary::{actions::*, categories::*, purposes::*};

    fn mandate(permissions: u8) -> Mandate {
        Mandate {
            patient_wallet: Pubkey::new_unique(),
            delegate: Delegate {
                patient: Pubkey::new_unique(),
                authority: Pubkey::new_unique(),
                rent_payer: Pubkey::new_unique(),
                scope: Scope::new(IMAGING | OBSERVATIONS, TREAT, READ),
                permissions,
                index: 2,
                bump: 255,
                layout_version: 1,
                expires_at: 1_000,
                created_at: 0,
                reserved: [0; 16],
            },
        }
    }

    #[test]
    fn an_approval_within_the_mandate_is_not_narrowed() {
        let m = mandate(delegate_permissions::ANSWER);
        let asked = RequestTerms::new(Scope::new(IMAGING, TREAT, READ), 100);
        let approval = m.approval(&asked, 10).unwrap();
        assert_eq!(approval, DelegateApproval { terms: asked, expires_at: 110, narrowed: false });
    }

    #[test]
    fn refusals_say_why() {
        let asked = RequestTerms::new(Scope::new(IMAGING, TREAT, READ), 100);
        let m = mandate(delegate_permissions::GRANT | delegate_permissions::REVOKE);
        let e = m.approval(&asked, 10).unwrap_err();
        assert!(matches!(e, MandateError::NotPermitted { .. }));
        assert!(e.to_string().contains("grant, revoke"), "{e}");
        let m = mandate(delegate_permissions::ANSWER);
        assert!(matches!(m.approval(&asked, 1_000), Err(MandateError::Expired { .. })));
        let genetics = RequestTerms::new(Scope::new(GENETICS, TREAT, READ), 100);
        assert!(matches!(m.approval(&genetics, 10), Err(MandateError::OutsideScope { .. })));
    }
}
