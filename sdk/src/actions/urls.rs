//! The URLs of a server's actions.

use super::*;

/// The URLs of a server's actions, from its public base URL (`https://clinic.example`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionUrls {
    base: String,
}

impl ActionUrls {
    /// URLs under `base_url` (a trailing `/` is ignored).
    pub fn new(base_url: &str) -> Self {
        Self { base: base_url.trim_end_matches('/').to_string() }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The icon's absolute URL.
    pub fn icon(&self) -> String {
        format!("{}/icon.svg", self.base)
    }

    /// The approve action of a request (narrowed when `narrowing` is not empty).
    pub fn approve(&self, request: &Pubkey, narrowing: &Narrowing) -> String {
        let query = narrowing.to_query();
        let path = format!("{}{API_PREFIX}/approve/{request}", self.base);
        if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        }
    }

    /// The deny action of a request.
    pub fn deny(&self, request: &Pubkey) -> String {
        format!("{}{API_PREFIX}/deny/{request}", self.base)
    }

    /// The grant action of a signed proposal.
    pub fn grant(&self, proposal: &SignedProposal) -> String {
        format!("{}{API_PREFIX}/grant?{}", self.base, proposal.to_query())
    }

    /// The revoke action of a consent.
    pub fn revoke(&self, consent: &Pubkey) -> String {
        format!("{}{API_PREFIX}/revoke/{consent}", self.base)
    }

    /// The URL of `action`.
    pub fn of(&self, action: &Action) -> String {
        match action {
            Action::Approve { request, narrowing } => self.approve(request, narrowing),
            Action::Deny { request } => self.deny(request),
            Action::Grant { proposal } => self.grant(proposal),
            Action::Revoke { consent } => self.revoke(consent),
        }
    }
}
