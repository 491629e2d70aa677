//! The operations tour: every medchain instruction, in the cases that matter for its cost
//! (e.g. `record_access` granted, denied and under break-glass; `approve_request` creating and
//! updating a consent), each sent as a transaction of its own by deterministic wallets, with
//! the compute units it used (SBF only) and every wallet's balance change. The compute-unit
//! budget test (`tests/compute_units.rs`) and the fee table (`tests/costs.rs`) read it.
//!
//! The wallets play the parts of a deployment: the registry `admin`, a credentialing body
//! (`issuer`), a physician (`provider`) and a second provider, the `clinic` that pays the fees
//! and rent of the transactions its patients sign (as `medchain serve --fee-payer` does), a
//! `patient` who holds no lamports at all, and the patient's `guardian`.

use crate::*;
use medchain::state::{delegate_permissions, AccessReason, ProviderKind, Scope};
use solana_sdk::message::Message;

/// A part in the tour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// The registry admin (and its successor after `accept_admin`).
    Admin,
    /// The credentialing body that registers providers.
    Issuer,
    /// The physician's wallet (requests, reads, records).
    Provider,
    /// The clinic's fee payer: pays for what its patients and their guardians sign.
    Clinic,
    /// The patient: signs, never pays.
    Patient,
    /// The patient's guardian (a delegate): signs, never pays.
    Guardian,
}

impl Role {
    /// Every role, in table order.
    pub const ALL: [Role; 6] =
        [Role::Admin, Role::Issuer, Role::Provider, Role::Clinic, Role::Patient, Role::Guardian];

    /// Lower-case name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Issuer => "issuer",
            Role::Provider => "provider",
            Role::Clinic => "clinic",
            Role::Patient => "patient",
            Role::Guardian => "guardian",
        }
    }
}

/// One measured transaction of the tour.
#[derive(Debug, Clone)]
pub struct Step {
    /// The instruction's name (snake case, as in the IDL).
    pub instruction: &'static str,
    /// Which case of it this is.
    pub case: &'static str,
    /// Compute units the instruction used in the SBF VM (`None` when running natively).
    pub compute_units: Option<u64>,
    /// Who paid the transaction fee.
    pub fee_payer: Role,
    /// The transaction fee in lamports, as the bank charges it for the message.
    pub fee: u64,
    /// Each role's balance change in lamports (fee included; rent locked is negative, rent
    /// returned positive). Roles whose balance did not change are left out.
    pub deltas: Vec<(Role, i64)>,
}

impl Step {
    /// The balance change of `role` (0 when it did not change).
    pub fn delta(&self, role: Role) -> i64 {
        self.deltas.iter().find(|(r, _)| *r == role).map_or(0, |(_, d)| *d)
    }
}

/// The tour's wallets. Deterministic per seed, so that PDA bumps (and therefore compute units)
/// are reproducible; different seeds give different bumps.
pub struct TourCast {
    admin: Keypair,
    successor: Keypair,
    issuer: Keypair,
    issuer2: Keypair,
    provider: Keypair,
    provider2: Keypair,
    clinic: Keypair,
    patient: Keypair,
    guardian: Keypair,
}

fn wallet(seed: u8, part: u8) -> Keypair {
    let mut secret = [0x5a; 32];
    secret[0] = seed;
    secret[1] = part;
    Keypair::new_from_array(secret)
}

impl TourCast {
    /// The wallets of tour number `seed`.
    pub fn new(seed: u8) -> Self {
        Self {
            admin: wallet(seed, 1),
            successor: wallet(seed, 2),
            issuer: wallet(seed, 3),
            issuer2: wallet(seed, 4),
            provider: wallet(seed, 5),
            provider2: wallet(seed, 6),
            clinic: wallet(seed, 7),
            patient: wallet(seed, 8),
            guardian: wallet(seed, 9),
        }
    }

    fn role_of(&self, key: &Pubkey) -> Option<Role> {
        [
            (&self.admin, Role::Admin),
            (&self.successor, Role::Admin),
            (&self.issuer, Role::Issuer),
            (&self.issuer2, Role::Issuer),
            (&self.provider, Role::Provider),
            (&self.provider2, Role::Provider),
            (&self.clinic, Role::Clinic),
            (&self.patient, Role::Patient),
            (&self.guardian, Role::Guardian),
        ]
        .into_iter()
        .find(|(k, _)| k.pubkey() == *key)
        .map(|(_, r)| r)
    }

    fn wallets(&self) -> [&Keypair; 9] {
        [
            &self.admin, &self.successor, &self.issuer, &self.issuer2, &self.provider,
            &self.provider2, &self.clinic, &self.patient, &self.guardian,
        ]
    }
}

/// A running tour: the bank, the cast, and the steps measured so far.
pub struct Tour {
    h: Harness,
    cast: TourCast,
    steps: Vec<Step>,
}

const RECORD_1: [u8; 32] = [0xB1; 32];
const RECORD_2: [u8; 32] = [0xB2; 32];
const RECORD_3: [u8; 32] = [0xB3; 32];
const REASON_UNCONSCIOUS: u8 = 3;

impl Tour {
    /// A bank with the tour's wallets funded (the patient and the guardian get nothing).
    pub async fn new(seed: u8) -> Self {
        let cast = TourCast::new(seed);
        let mut h = Harness::bare_with_admin(&program_source(), cast.admin.insecure_clone()).await;
        let paying = [
            &cast.successor, &cast.issuer, &cast.issuer2, &cast.provider, &cast.provider2,
            &cast.clinic,
        ];
        for funded in paying {
            h.fund(&funded.pubkey(), 10 * SOL).await;
        }
        Self { h, cast, steps: Vec::new() }
    }

    /// The steps measured so far.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    async fn balances(&mut self) -> Vec<(Pubkey, u64)> {
        let keys: Vec<Pubkey> = self.cast.wallets().iter().map(|k| k.pubkey()).collect();
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            out.push((key, self.h.lamports(&key).await));
        }
        out
    }

    /// Sends one medchain instruction as its own transaction paid by `fee_payer`, records the
    /// step and returns the instruction's return data. Panics when it fails: every step of
    /// the tour is one that must succeed.
    async fn step(
        &mut self,
        instruction: &'static str,
        case: &'static str,
        ix: Instruction,
        fee_payer: &Keypair,
        signers: &[&Keypair],
    ) -> Vec<u8> {
        // Each step in a slot of its own, with a fresh blockhash (two identical attempts, e.g.
        // the same read before and after a revoke, are different transactions).
        let slot = self.h.ctx.banks_client.get_root_slot().await.expect("slot");
        self.h.ctx.warp_to_slot(slot + 1).expect("warp");
        self.h.ctx.last_blockhash =
            self.h.ctx.banks_client.get_latest_blockhash().await.expect("blockhash");
        let before = self.balances().await;
        let message = Message::new_with_blockhash(
            std::slice::from_ref(&ix),
            Some(&fee_payer.pubkey()),
            &self.h.ctx.last_blockhash,
        );
        let fee = self
            .h
            .ctx
            .banks_client
            .get_fee_for_message(message)
            .await
            .expect("fee")
            .expect("the blockhash is current");
        let measured = self
            .h
            .send_measured(std::slice::from_ref(&ix), fee_payer, signers)
            .await
            .unwrap_or_else(|e| panic!("{instruction} ({case}) failed: {e:?}"));
        let after = self.balances().await;
        let mut deltas: Vec<(Role, i64)> = Vec::new();
        for ((key, b), (_, a)) in before.iter().zip(&after) {
            let change = i64::try_from(i128::from(*a) - i128::from(*b)).expect("fits");
            if change == 0 {
                continue;
            }
            let role = self.cast.role_of(key).expect("a cast wallet");
            match deltas.iter_mut().find(|(r, _)| *r == role) {
                Some((_, d)) => *d += change,
                None => deltas.push((role, change)),
            }
        }
        let compute_units = match measured.compute_units.as_slice() {
            [] => None,
            [units] => Some(*units),
            more => panic!("{instruction}: one medchain instruction expected, metered {more:?}"),
        };
        assert!(
            !sbf_mode() || compute_units.is_some(),
            "{instruction}: no compute units in the SBF logs: {:?}",
            measured.logs
        );
        let fee_payer = self.cast.role_of(&fee_payer.pubkey()).expect("a cast wallet");
        self.steps.push(Step { instruction, case, compute_units, fee_payer, fee, deltas });
        measured.return_data
    }

    async fn record_access(
        &mut self,
        case: &'static str,
        provider: &Keypair,
        category: u32,
        purpose: u16,
        expected: AccessReason,
    ) {
        let patient = self.cast.patient.pubkey();
        let ix = ix::record_access(&provider.pubkey(), &patient, category, purpose, actions::READ);
        let data = self.step("record_access", case, ix, provider, &[provider]).await;
        let decision = AccessDecision::try_from_slice(&data).expect("an AccessDecision");
        assert_eq!(decision.reason, expected, "record_access ({case})");
    }

    /// Runs every instruction once or more, in a realistic order.
    pub async fn run(seed: u8) -> Self {
        let mut t = Self::new(seed).await;
        let c = TourCast::new(seed);
        let (admin, successor) = (&c.admin, &c.successor);
        let (issuer, issuer2) = (&c.issuer, &c.issuer2);
        let (provider, provider2, clinic) = (&c.provider, &c.provider2, &c.clinic);
        let (patient, guardian) = (&c.patient, &c.guardian);
        let pk = |k: &Keypair| k.pubkey();

        // The registry and its admin.
        t.step("initialize", "registry created", ix::initialize(&pk(admin), None), admin, &[])
            .await;
        let propose = ix::propose_admin(&pk(admin), &pk(successor));
        t.step("propose_admin", "successor named", propose, admin, &[]).await;
        let accept = ix::accept_admin(&pk(successor));
        t.step("accept_admin", "successor takes over", accept, successor, &[]).await;
        let admin = successor;
        t.step("pause", "registry paused", ix::pause(&pk(admin)), admin, &[]).await;
        t.step("unpause", "registry resumed", ix::unpause(&pk(admin)), admin, &[]).await;

        // Issuers and providers.
        let add = ix::add_issuer(&pk(admin), &pk(issuer), true);
        t.step("add_issuer", "break-glass allowed", add, admin, &[]).await;
        let add = ix::add_issuer(&pk(admin), &pk(issuer2), false);
        t.step("add_issuer", "break-glass not allowed", add, admin, &[]).await;
        let set = ix::set_issuer_break_glass(&pk(admin), &pk(issuer2), true);
        t.step("set_issuer_break_glass", "allowed", set, admin, &[]).await;
        let remove = ix::remove_issuer(&pk(admin), &pk(issuer2), &pk(admin));
        t.step("remove_issuer", "rent returned", remove, admin, &[]).await;
        for (who, case) in [(provider, "physician"), (provider2, "second provider")] {
            let register =
                ix::register_provider(&pk(issuer), &pk(who), CREDENTIAL, ProviderKind::Physician);
            t.step("register_provider", case, register, issuer, &[who]).await;
        }
        let key = ix::set_provider_encryption_key(&pk(provider), [0x42; 32]);
        t.step("set_provider_encryption_key", "published", key, provider, &[]).await;

        // The patient, a request and its answers.
        let register = ix::register_patient(&pk(patient), &pk(clinic));
        t.step("register_patient", "clinic pays the rent", register, clinic, &[patient]).await;
        let key = ix::set_patient_encryption_key(&pk(patient), &pk(clinic), [0x43; 32]);
        t.step("set_patient_encryption_key", "published", key, clinic, &[patient]).await;
        let key = ix::set_patient_encryption_key(&pk(patient), &pk(clinic), [0x44; 32]);
        t.step("set_patient_encryption_key", "replaced", key, clinic, &[patient]).await;
        let asked = request_terms();
        let request = ix::request_access(&pk(provider), &pk(patient), 1, asked);
        t.step("request_access", "first request", request, provider, &[]).await;
        let approve = ix::approve_request(&pk(patient), &pk(clinic), &pk(provider), 1, asked);
        t.step("approve_request", "creates the consent", approve, clinic, &[patient]).await;
        let (imaging, treat) = (categories::IMAGING, purposes::TREAT);
        t.record_access("granted", provider, imaging, treat, AccessReason::Granted).await;
        let mental = categories::MENTAL_HEALTH;
        t.record_access(
            "denied: category",
            provider,
            mental,
            treat,
            AccessReason::CategoryNotCovered,
        )
        .await;
        let wider = RequestTerms {
            scope: Scope {
                categories: asked.scope.categories | categories::MEDICATIONS,
                ..asked.scope
            },
            ..asked
        };
        let request = ix::request_access(&pk(provider), &pk(patient), 2, wider);
        t.step("request_access", "second request", request, provider, &[]).await;
        let approve = ix::approve_request(&pk(patient), &pk(clinic), &pk(provider), 2, wider);
        t.step("approve_request", "updates the consent", approve, clinic, &[patient]).await;
        let request = ix::request_access(&pk(provider), &pk(patient), 3, asked);
        t.step("request_access", "to be denied", request, provider, &[]).await;
        let deny = ix::deny_request(&pk(patient), &pk(provider), 3);
        t.step("deny_request", "denied", deny, clinic, &[patient]).await;
        let request = ix::request_access(&pk(provider), &pk(patient), 4, asked);
        t.step("request_access", "to be cancelled", request, provider, &[]).await;
        let cancel = ix::cancel_request(&pk(provider), &pk(patient), 4);
        t.step("cancel_request", "cancelled", cancel, provider, &[]).await;
        let denied = pda::request(&pda::patient(&pk(patient)), &pda::provider(&pk(provider)), 3);
        let close = ix::close_request(&pk(provider), &denied);
        t.step("close_request", "rent returned", close, provider, &[]).await;

        // Records.
        let by_provider = ix::anchor_record_by_provider(
            &pk(provider),
            &pk(provider),
            &pk(patient),
            RECORD_1,
            [0xC1; 32],
            imaging,
            treat,
        );
        t.step("anchor_record", "by a provider (consent checked)", by_provider, provider, &[])
            .await;
        let by_patient = ix::anchor_record_by_patient(
            &pk(patient),
            &pk(clinic),
            RECORD_2,
            [0xC2; 32],
            categories::OBSERVATIONS,
        );
        t.step("anchor_record", "by the patient", by_patient, clinic, &[patient]).await;
        let amend = ix::amend_record(
            &pk(provider),
            &pk(provider),
            &pk(patient),
            Some(&pk(provider)),
            RECORD_1,
            ix::NewVersion { record_id: RECORD_3, content_hash: [0xC3; 32] },
            treat,
        );
        t.step("amend_record", "new version by its author", amend, provider, &[]).await;
        let record = pda::record(&pda::patient(&pk(patient)), &RECORD_3);
        let mark = ix::mark_entered_in_error(&pk(provider), &pda::provider(&pk(provider)), &record);
        t.step("mark_entered_in_error", "by its author", mark, provider, &[]).await;
        let batch = ix::anchor_batch(&pk(provider), 1, [0xD1; 32], 1_000_000);
        t.step("anchor_batch", "a million hashes", batch, provider, &[]).await;

        // A consent granted directly, changed, revoked and closed.
        let now = t.h.now().await;
        let granted = terms(now + 30 * 86_400);
        let grant = ix::grant_consent(&pk(patient), &pk(clinic), &pk(provider2), granted);
        t.step("grant_consent", "creates the consent", grant, clinic, &[patient]).await;
        let changed = ConsentTerms {
            scope: Scope { purposes: purposes::TREAT | purposes::CAREMGT, ..granted.scope },
            ..granted
        };
        let update = ix::update_consent(&pk(patient), &pk(provider2), changed);
        t.step("update_consent", "terms changed", update, clinic, &[patient]).await;
        t.record_access(
            "granted (second consent)",
            provider2,
            imaging,
            treat,
            AccessReason::Granted,
        )
        .await;
        let revoke = ix::revoke_consent(&pk(patient), &pk(provider2));
        t.step("revoke_consent", "by the patient", revoke, clinic, &[patient]).await;
        t.record_access("denied: revoked", provider2, imaging, treat, AccessReason::ConsentRevoked)
            .await;
        let close = ix::close_consent(&pk(patient), &pk(patient), &pk(provider2), &pk(clinic));
        t.step("close_consent", "rent returned", close, clinic, &[patient]).await;
        t.record_access("denied: no consent", provider2, imaging, treat, AccessReason::NoConsent)
            .await;

        // A guardian.
        let scope = terms(now + 365 * 86_400);
        let add = ix::add_delegate(
            &pk(patient),
            &pk(clinic),
            &pk(guardian),
            delegate_permissions::VALID,
            scope,
        );
        t.step("add_delegate", "guardian", add, clinic, &[patient]).await;
        let grant = ix::delegate_grant_consent(
            &pk(guardian),
            &pk(clinic),
            &pk(patient),
            &pk(provider2),
            granted,
        );
        t.step("delegate_grant_consent", "creates the consent", grant, clinic, &[guardian]).await;
        let revoke = ix::delegate_revoke_consent(&pk(guardian), &pk(patient), &pk(provider2));
        t.step("delegate_revoke_consent", "by the guardian", revoke, clinic, &[guardian]).await;
        let within = RequestTerms { scope: scope.scope, ..asked };
        let request = ix::request_access(&pk(provider2), &pk(patient), 10, within);
        t.step("request_access", "to a guardian", request, provider2, &[]).await;
        let approve = ix::delegate_approve_request(
            &pk(guardian),
            &pk(clinic),
            &pk(patient),
            &pk(provider2),
            10,
            within,
        );
        let case = "re-grants the consent";
        t.step("delegate_approve_request", case, approve, clinic, &[guardian]).await;
        let request = ix::request_access(&pk(provider2), &pk(patient), 11, within);
        t.step("request_access", "to a guardian", request, provider2, &[]).await;
        let deny = ix::delegate_deny_request(&pk(guardian), &pk(patient), &pk(provider2), 11);
        t.step("delegate_deny_request", "by the guardian", deny, clinic, &[guardian]).await;
        let remove = ix::remove_delegate(&pk(patient), &pk(guardian), &pk(clinic));
        t.step("remove_delegate", "rent returned", remove, clinic, &[patient]).await;

        // Break-glass.
        let policy = ix::set_break_glass_policy(&pk(patient), true);
        t.step("set_break_glass_policy", "allowed", policy, clinic, &[patient]).await;
        let open = ix::open_emergency_access(
            &pk(provider2),
            &pk(issuer),
            &pk(patient),
            REASON_UNCONSCIOUS,
            3_600,
        );
        t.step("open_emergency_access", "one hour", open, provider2, &[]).await;
        let etreat = purposes::ETREAT;
        t.record_access("break-glass", provider2, imaging, etreat, AccessReason::EmergencyAccess)
            .await;
        let review = ix::review_emergency_access(&pk(patient), &pk(provider2), true);
        t.step("review_emergency_access", "reviewed, ended now", review, clinic, &[patient]).await;

        // A suspended provider.
        let suspend = ix::suspend_provider(&pk(issuer), &pk(provider2));
        t.step("suspend_provider", "by its issuer", suspend, issuer, &[]).await;
        let inactive = AccessReason::ProviderNotActive;
        t.record_access("denied: provider suspended", provider2, imaging, treat, inactive).await;
        let reinstate = ix::reinstate_provider(&pk(issuer), &pk(provider2));
        t.step("reinstate_provider", "by its issuer", reinstate, issuer, &[]).await;
        t
    }
}
