//! Grant proposals: the terms a provider (a clinic) proposes to a patient, signed with the
//! provider's wallet key, carried in the query string of the `grant` action URL.
//!
//! The signature covers a canonical byte string of every term (domain-separated, fixed
//! layout), so that any change to the URL that changes the meaning — wider categories,
//! another provider, a longer duration, another patient, a later deadline — breaks it; the
//! server and any wallet-side integration can check it with the provider's public key alone.

use super::ActionsError;
use crate::names::{action_names, category_names, parse_scope, purpose_names};
use anchor_lang::prelude::Pubkey;
use medchain::constants::MAX_REQUEST_DURATION_SECS;
use medchain::state::RequestTerms;
use solana_sdk::signature::{Keypair, Signature, Signer};
use std::str::FromStr;

/// Domain tag in front of every signed proposal.
const DOMAIN: &[u8] = b"medchain:grant-proposal:v1\0";
/// Longest query string a proposal may have.
pub const MAX_QUERY_LEN: usize = 1_024;

/// What a provider proposes that a patient grant it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantProposal {
    /// The provider's wallet (the signer of the proposal and the grantee).
    pub provider: Pubkey,
    /// The scope proposed, and how long the consent lasts once granted, in seconds.
    pub terms: RequestTerms,
    /// Unix time after which the proposal can no longer be used (an old QR code stops working).
    pub valid_until: i64,
    /// The only patient wallet that may use it, if bound to one.
    pub patient: Option<Pubkey>,
}

/// A proposal with the provider's signature over [`GrantProposal::signing_bytes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedProposal {
    /// The terms.
    pub proposal: GrantProposal,
    /// The provider's ed25519 signature.
    pub signature: Signature,
}

impl GrantProposal {
    /// The canonical bytes the provider signs.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(DOMAIN.len() + 32 + 4 + 2 + 1 + 8 + 8 + 33);
        out.extend_from_slice(DOMAIN);
        out.extend_from_slice(self.provider.as_ref());
        let RequestTerms { scope, duration_secs } = self.terms;
        out.extend_from_slice(&scope.categories.to_le_bytes());
        out.extend_from_slice(&scope.purposes.to_le_bytes());
        out.push(scope.actions);
        out.extend_from_slice(&duration_secs.to_le_bytes());
        out.extend_from_slice(&self.valid_until.to_le_bytes());
        match self.patient {
            Some(patient) => {
                out.push(1);
                out.extend_from_slice(patient.as_ref());
            }
            None => out.push(0),
        }
        out
    }

    /// Checks that the terms are grantable: known, non-empty sets and a duration in
    /// `1 s ..= 10 years` (the program's own limits).
    pub fn validate(&self) -> Result<(), ActionsError> {
        let bad = |what: &str| Err(ActionsError::BadRequest(format!("the proposal {what}")));
        if let Some(part) = self.terms.scope.invalid_part() {
            return bad(&format!("names no valid {}", part.name()));
        }
        if self.terms.duration_secs <= 0 || self.terms.duration_secs > MAX_REQUEST_DURATION_SECS {
            return bad("lasts less than a second or more than 10 years");
        }
        Ok(())
    }

    /// Signs the proposal with the provider's keypair (which must be `self.provider`).
    pub fn sign(self, provider: &Keypair) -> Result<SignedProposal, ActionsError> {
        if provider.pubkey() != self.provider {
            return Err(ActionsError::BadRequest(
                "a proposal must be signed by the provider it names".into(),
            ));
        }
        self.validate()?;
        Ok(SignedProposal {
            signature: provider.sign_message(&self.signing_bytes()),
            proposal: self,
        })
    }
}

impl SignedProposal {
    /// True when the signature is the provider's over exactly these terms.
    pub fn verify(&self) -> bool {
        self.signature.verify(self.proposal.provider.as_ref(), &self.proposal.signing_bytes())
    }

    /// The query string of the `grant` action URL (terms in plain names, and the signature).
    pub fn to_query(&self) -> String {
        let p = &self.proposal;
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("provider", &p.provider.to_string())
            .append_pair("categories", &category_names(p.terms.scope.categories).join(","))
            .append_pair("purposes", &purpose_names(p.terms.scope.purposes).join(","))
            .append_pair("actions", &action_names(p.terms.scope.actions).join(","))
            .append_pair("duration", &p.terms.duration_secs.to_string())
            .append_pair("until", &p.valid_until.to_string());
        if let Some(patient) = p.patient {
            query.append_pair("patient", &patient.to_string());
        }
        query.append_pair("sig", &self.signature.to_string());
        query.finish()
    }

    /// Parses and verifies a `grant` query string. Refuses unknown, repeated or missing
    /// parameters, oversized input, and any proposal whose signature does not match its terms.
    pub fn from_query(query: &str) -> Result<Self, ActionsError> {
        if query.len() > MAX_QUERY_LEN {
            return Err(ActionsError::BadRequest("the query string is too long".into()));
        }
        let mut fields: [Option<String>; 8] = Default::default();
        const NAMES: [&str; 8] = [
            "provider", "categories", "purposes", "actions", "duration", "until", "patient", "sig",
        ];
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let index = NAMES.iter().position(|n| *n == key).ok_or_else(|| {
                ActionsError::BadRequest(format!("unknown parameter '{key}' in the proposal"))
            })?;
            if fields[index].replace(value.into_owned()).is_some() {
                return Err(ActionsError::BadRequest(format!("parameter '{key}' is repeated")));
            }
        }
        let [provider, cats, purps, acts, duration, until, patient, sig] = fields;
        let need = |field: Option<String>, name: &str| {
            field.ok_or_else(|| {
                ActionsError::BadRequest(format!("the proposal lacks its '{name}' parameter"))
            })
        };
        let bad = |e: crate::names::UnknownName| ActionsError::BadRequest(e.to_string());
        let number = |text: String, name: &str| {
            i64::from_str(&text).map_err(|_| {
                ActionsError::BadRequest(format!("'{name}' must be a whole number of seconds"))
            })
        };
        let proposal = GrantProposal {
            provider: parse_pubkey(&need(provider, "provider")?, "provider")?,
            terms: RequestTerms::new(
                parse_scope(
                    &need(cats, "categories")?,
                    &need(purps, "purposes")?,
                    &need(acts, "actions")?,
                )
                .map_err(bad)?,
                number(need(duration, "duration")?, "duration")?,
            ),
            valid_until: number(need(until, "until")?, "until")?,
            patient: patient.as_deref().map(|p| parse_pubkey(p, "patient")).transpose()?,
        };
        let signature = Signature::from_str(&need(sig, "sig")?)
            .map_err(|_| ActionsError::BadRequest("'sig' is not a signature".into()))?;
        let signed = SignedProposal { proposal, signature };
        proposal.validate()?;
        if !signed.verify() {
            return Err(ActionsError::BadRequest(
                "the proposal's signature does not match its terms: the link was altered or \
                 not issued by this provider"
                    .into(),
            ));
        }
        Ok(signed)
    }
}

/// Parses a base58 public key given in a URL, naming the field in the error.
pub fn parse_pubkey(text: &str, what: &str) -> Result<Pubkey, ActionsError> {
    if text.len() > 44 {
        return Err(ActionsError::BadRequest(format!("'{what}' is too long for a public key")));
    }
    Pubkey::from_str(text)
        .map_err(|_| ActionsError::BadRequest(format!("'{what}' is not a base58 public key")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use medchain::state::Scope;
    use medchain::vocabulary::{actions, categories, purposes};

    fn proposal(provider: &Keypair) -> GrantProposal {
        GrantProposal {
            provider: provider.pubkey(),
            terms: RequestTerms::new(
                Scope::new(
                    categories::IMAGING | categories::OBSERVATIONS,
                    purposes::TREAT,
                    actions::READ,
                ),
                30 * 86_400,
            ),
            valid_until: 1_900_000_000,
            patient: None,
        }
    }

    #[test]
    fn a_signed_proposal_round_trips_through_its_query() {
        let provider = Keypair::new();
        let signed = proposal(&provider).sign(&provider).expect("sign");
        assert!(signed.verify());
        let query = signed.to_query();
        assert_eq!(SignedProposal::from_query(&query).expect("parse"), signed);
        // Names in another order or with aliases mean the same terms.
        let reordered = query.replace("observations%2Cimaging", "imaging%2Clabs");
        assert_ne!(reordered, query);
        assert_eq!(SignedProposal::from_query(&reordered).expect("same terms"), signed);
    }

    #[test]
    fn any_change_of_meaning_breaks_the_signature() {
        let provider = Keypair::new();
        let signed = proposal(&provider).sign(&provider).expect("sign");
        let query = signed.to_query();
        for (from, to) in [
            ("observations%2Cimaging", "observations%2Cimaging%2Cmental-health"),
            ("actions=read", "actions=read%2Cwrite"),
            ("purposes=TREAT", "purposes=TREAT%2CHRESCH"),
            ("duration=2592000", "duration=2592001"),
            ("until=1900000000", "until=1900000001"),
        ] {
            let tampered = query.replace(from, to);
            assert_ne!(tampered, query, "{from}");
            let error = SignedProposal::from_query(&tampered).expect_err(from);
            assert!(error.to_string().contains("altered"), "{from}: {error}");
        }
        let other = Keypair::new();
        let tampered = query.replace(&provider.pubkey().to_string(), &other.pubkey().to_string());
        assert!(SignedProposal::from_query(&tampered).is_err());
        let bound = format!("{query}&patient={}", other.pubkey());
        assert!(SignedProposal::from_query(&bound).is_err(), "binding to a patient is signed too");
        assert!(SignedProposal::from_query(&format!("{query}&x=1")).is_err());
        assert!(SignedProposal::from_query(&format!("{query}&until=1")).is_err());
        assert!(SignedProposal::from_query(&"a".repeat(MAX_QUERY_LEN + 1)).is_err());
        assert!(proposal(&provider).sign(&other).is_err(), "only the provider signs");
        let mut empty = proposal(&provider);
        empty.terms.scope.categories = 0;
        assert!(empty.sign(&provider).is_err());
    }
}
