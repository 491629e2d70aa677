//! The portal's memory, in the server process only (no database): SIWS nonces (single-use,
//! expiring), sessions (a random token in an HttpOnly cookie → the wallet that signed in, for
//! [`SESSION_SECS`]), and the transactions built for a session and not yet submitted. Each map
//! is bounded; expired entries are dropped whenever it is touched.

use anchor_lang::prelude::Pubkey;
use medchain_sdk::actions::verify::ExpectedTransaction;
use solana_sdk::transaction::Transaction;
use std::collections::HashMap;
use std::sync::Mutex;

/// How long a session lasts (seconds).
pub const SESSION_SECS: i64 = 15 * 60;
/// How long a built transaction waits for its signature (seconds).
pub const PENDING_SECS: i64 = 120;
/// At most this many live nonces, sessions and pending transactions each.
const MAX_ENTRIES: usize = 10_000;

/// A signed-in wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// The wallet that signed in: the only patient this session may act for.
    pub wallet: Pubkey,
    /// When the session ends.
    pub expires_at: i64,
}

/// A transaction built for a session, waiting for the wallet's signature.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The session's wallet (the patient).
    pub wallet: Pubkey,
    /// The transaction as built (with the clinic's signature when it pays).
    pub transaction: Transaction,
    /// What it must be.
    pub expected: ExpectedTransaction,
    /// What the patient is told once it lands.
    pub message: String,
    /// When it is forgotten.
    pub expires_at: i64,
}

/// Nonces, sessions and pending transactions.
#[derive(Default)]
pub struct Store {
    nonces: Mutex<HashMap<String, i64>>,
    sessions: Mutex<HashMap<String, Session>>,
    pending: Mutex<HashMap<String, Pending>>,
}

/// The store is full (too many sign-ins or transactions at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server is busy; try again in a minute")]
pub struct Full;

/// 32 random bytes from the operating system, as lowercase hex.
pub fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)?;
    Ok(hex::encode(bytes))
}

fn insert<V>(
    map: &mut HashMap<String, V>,
    key: String,
    value: V,
    now: i64,
    expiry: impl Fn(&V) -> i64,
) -> Result<(), Full> {
    map.retain(|_, v| expiry(v) > now);
    if map.len() >= MAX_ENTRIES {
        return Err(Full);
    }
    map.insert(key, value);
    Ok(())
}

impl Store {
    /// Remembers `nonce` until `expires_at`.
    pub fn add_nonce(&self, nonce: String, expires_at: i64, now: i64) -> Result<(), Full> {
        let mut nonces = self.nonces.lock().unwrap_or_else(|e| e.into_inner());
        insert(&mut nonces, nonce, expires_at, now, |e| *e)
    }

    /// Consumes `nonce`: true when it was issued and has not expired; it can never be used again.
    pub fn take_nonce(&self, nonce: &str, now: i64) -> bool {
        let mut nonces = self.nonces.lock().unwrap_or_else(|e| e.into_inner());
        nonces.remove(nonce).is_some_and(|expires| expires > now)
    }

    /// Opens a session for `session.wallet` under `token`.
    pub fn add_session(&self, token: String, session: Session, now: i64) -> Result<(), Full> {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        insert(&mut sessions, token, session, now, |s| s.expires_at)
    }

    /// The live session of `token`.
    pub fn session(&self, token: &str, now: i64) -> Option<Session> {
        let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.get(token).copied().filter(|s| s.expires_at > now)
    }

    /// Ends the session of `token`, and forgets its pending transactions.
    pub fn end_session(&self, token: &str) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(session) = sessions.remove(token) {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            pending.retain(|_, p| p.wallet != session.wallet);
        }
    }

    /// Remembers a built transaction under `id`.
    pub fn add_pending(&self, id: String, pending: Pending, now: i64) -> Result<(), Full> {
        let mut map = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        insert(&mut map, id, pending, now, |p| p.expires_at)
    }

    /// Takes the built transaction `id` if it belongs to `wallet` and has not expired: it can
    /// be submitted once. `Err(true)`: it belongs to another wallet (and stays);
    /// `Err(false)`: no such transaction (or expired).
    pub fn take_pending(&self, id: &str, wallet: &Pubkey, now: i64) -> Result<Pending, bool> {
        let mut map = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(id) {
            None => Err(false),
            Some(p) if p.expires_at <= now => {
                map.remove(id);
                Err(false)
            }
            Some(p) if p.wallet != *wallet => Err(true),
            Some(_) => map.remove(id).ok_or(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_single_use_and_expire() {
        let store = Store::default();
        store.add_nonce("a".into(), 100, 0).expect("room");
        store.add_nonce("b".into(), 100, 0).expect("room");
        assert!(store.take_nonce("a", 50));
        assert!(!store.take_nonce("a", 50), "replayed");
        assert!(!store.take_nonce("b", 100), "expired");
        assert!(!store.take_nonce("never", 0));
    }

    #[test]
    fn sessions_expire_and_pending_transactions_belong_to_their_wallet() {
        let store = Store::default();
        let (me, other) = (Pubkey::new_unique(), Pubkey::new_unique());
        store.add_session("t".into(), Session { wallet: me, expires_at: 100 }, 0).expect("room");
        assert_eq!(store.session("t", 99).map(|s| s.wallet), Some(me));
        assert_eq!(store.session("t", 100), None);
        assert_eq!(store.session("x", 0), None);
        let pending = Pending {
            wallet: me,
            transaction: Transaction::default(),
            expected: ExpectedTransaction {
                fee_payer: me,
                signers: [me].into_iter().collect(),
                instructions: vec![],
            },
            message: String::new(),
            expires_at: 100,
        };
        store.add_pending("p".into(), pending, 0).expect("room");
        assert_eq!(store.take_pending("p", &other, 1).map(|_| ()), Err(true));
        assert!(store.take_pending("p", &me, 1).is_ok());
        assert_eq!(store.take_pending("p", &me, 1).map(|_| ()), Err(false), "only once");
        assert!(random_token().expect("os randomness") != random_token().expect("os randomness"));
    }
}
