//! EmergencyAccess: a bounded, visible break-glass window for one provider and patient.

use crate::constants::MAX_EMERGENCY_WINDOW_SECS;
use crate::error::MedchainError;
use anchor_lang::prelude::*;

/// Seeds `["emergency", patient PDA, provider PDA]`: at most one window per pair at a time.
#[account]
#[derive(InitSpace, Debug)]
pub struct EmergencyAccess {
    /// The Patient PDA.
    pub patient: Pubkey,
    /// The Provider PDA that broke the glass.
    pub provider: Pubkey,
    /// Who paid the rent (the provider's wallet).
    pub rent_payer: Pubkey,
    /// Reads made under the current window.
    pub access_count: u32,
    /// Windows opened for this pair over time.
    pub times_opened: u32,
    /// Why (a code from the provider's emergency protocol; never free text).
    pub reason_code: u8,
    /// Whether the patient has reviewed the current window.
    pub reviewed: bool,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Account layout version.
    pub layout_version: u8,
    /// Cluster time the current window opened.
    pub opened_at: i64,
    /// Cluster time the current window ends (at most 24 h after opening).
    pub expires_at: i64,
    /// Cluster time of the patient's review (0 until reviewed).
    pub reviewed_at: i64,
    /// Reserved for future fields; always zero.
    pub reserved: [u8; 16],
}

impl EmergencyAccess {
    /// Total account size including the 8-byte discriminator.
    pub const SIZE: usize = 8 + Self::INIT_SPACE;

    /// True while the window is open.
    pub fn is_open(&self, now: i64) -> bool {
        self.opened_at <= now && now < self.expires_at
    }

    /// Validates a requested window length: positive and at most the hard cap.
    pub fn validate_window(duration_secs: i64) -> Result<()> {
        require!(
            duration_secs > 0 && duration_secs <= MAX_EMERGENCY_WINDOW_SECS,
            MedchainError::InvalidEmergencyWindow
        );
        Ok(())
    }

    /// Opens a new window (the previous one must have ended).
    pub fn open(&mut self, reason_code: u8, duration_secs: i64, now: i64) -> Result<()> {
        require!(!self.is_open(now), MedchainError::EmergencyAccessAlreadyOpen);
        Self::validate_window(duration_secs)?;
        self.reason_code = reason_code;
        self.opened_at = now;
        self.expires_at =
            now.checked_add(duration_secs).ok_or(MedchainError::ArithmeticOverflow)?;
        self.reviewed = false;
        self.reviewed_at = 0;
        self.access_count = 0;
        self.times_opened =
            self.times_opened.checked_add(1).ok_or(MedchainError::ArithmeticOverflow)?;
        Ok(())
    }

    /// The patient reviews the window; `end_now` closes it at once if still open.
    pub fn review(&mut self, end_now: bool, now: i64) {
        self.reviewed = true;
        self.reviewed_at = now;
        if end_now && self.is_open(now) {
            self.expires_at = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closed() -> EmergencyAccess {
        EmergencyAccess {
            patient: Pubkey::new_unique(),
            provider: Pubkey::new_unique(),
            rent_payer: Pubkey::new_unique(),
            access_count: 0,
            times_opened: 0,
            reason_code: 0,
            reviewed: false,
            bump: 255,
            layout_version: 1,
            opened_at: 0,
            expires_at: 0,
            reviewed_at: 0,
            reserved: [0; 16],
        }
    }

    #[test]
    fn a_window_is_capped_and_exclusive() {
        let mut e = closed();
        assert!(e.open(1, MAX_EMERGENCY_WINDOW_SECS + 1, 100).is_err());
        assert!(e.open(1, 0, 100).is_err());
        e.open(1, 3_600, 100).expect("open");
        assert!(e.is_open(100) && e.is_open(3_699) && !e.is_open(3_700));
        assert!(e.open(2, 60, 200).is_err(), "one window at a time");
        e.open(2, 60, 3_700).expect("reopen after expiry");
        assert_eq!(e.times_opened, 2);
    }

    #[test]
    fn review_can_end_a_window() {
        let mut e = closed();
        e.open(1, 3_600, 100).expect("open");
        e.review(true, 200);
        assert!(e.reviewed && !e.is_open(200));
    }
}
