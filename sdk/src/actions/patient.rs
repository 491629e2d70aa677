//! The patient's other changes, planned like the four actions: the exact transaction the
//! patient's wallet signs to change a consent's terms, review (and maybe end) a break-glass
//! window, or remove a delegate. Used by the patient portal (`medchain serve`'s `/portal`);
//! each reads the account from the ledger, refuses a wallet that is not its patient, and
//! returns an [`ActionPlan`] whose transaction [`verify::check_transaction`] checks.

use super::*;
use medchain::state::{Delegate, EmergencyAccess};

impl<B: Backend> Actions<'_, B> {
    /// The transaction that replaces the terms of the patient's active consent at `consent`
    /// with `scope`, in force for `duration_secs` from now. The patient is the consent's
    /// authority and may change it either way (narrower or wider).
    pub async fn plan_update(
        &self,
        consent: &Pubkey,
        scope: Scope,
        duration_secs: i64,
        account: &Pubkey,
    ) -> Result<ActionPlan, ActionsError> {
        let (existing, who) = self.load_consent(consent).await?;
        if existing.patient != pda::patient(account) {
            return Err(another_patients("consent"));
        }
        let now = self.chain.backend().unix_time().await?;
        if !existing.is_in_force(now) {
            return Err(ActionsError::BadRequest(
                "this consent is no longer in force; it cannot be changed".into(),
            ));
        }
        scope.validate().map_err(|_| {
            ActionsError::BadRequest(
                "the new terms must keep at least one category, purpose and action".into(),
            )
        })?;
        if !(1..=MAX_DAYS * 86_400).contains(&duration_secs) {
            return Err(ActionsError::BadRequest(format!(
                "the duration must be from 1 second to {MAX_DAYS} days"
            )));
        }
        let expires_at = now
            .checked_add(duration_secs)
            .ok_or_else(|| ActionsError::BadRequest("the duration is too long".into()))?;
        let terms = ConsentTerms::new(scope, expires_at);
        Ok(self.patient_plan(
            account,
            vec![ix::update_consent(account, &who.authority, terms)],
            format!(
                "Changed: {} now has {}, for {}.",
                who.name,
                access_in_words(&scope),
                duration_in_words(duration_secs)
            ),
        ))
    }

    /// The transaction by which the patient reviews the break-glass window `provider` (a
    /// wallet) opened on their data, ending it at once when `end_now`.
    pub async fn plan_review_emergency(
        &self,
        provider: &Pubkey,
        end_now: bool,
        account: &Pubkey,
    ) -> Result<ActionPlan, ActionsError> {
        let address = pda::emergency(&pda::patient(account), &pda::provider(provider));
        let window: EmergencyAccess = self.fetch(&address, "EmergencyAccess").await?;
        if window.patient != pda::patient(account) {
            return Err(another_patients("emergency access"));
        }
        let (_, who) = self.provider_at(&window.provider).await?;
        let now = self.chain.backend().unix_time().await?;
        if window.reviewed && !(end_now && window.is_open(now)) {
            return Err(ActionsError::BadRequest(
                "you already reviewed this emergency access".into(),
            ));
        }
        let message = if end_now && window.is_open(now) {
            format!("Reviewed and ended the emergency access of {}.", who.name)
        } else {
            format!("Reviewed the emergency access of {}.", who.name)
        };
        Ok(self.patient_plan(
            account,
            vec![ix::review_emergency_access(account, &who.authority, end_now)],
            message,
        ))
    }

    /// The transaction by which the patient removes `delegate` (a wallet) at once; the rent
    /// goes back to whoever paid it.
    pub async fn plan_remove_delegate(
        &self,
        delegate: &Pubkey,
        account: &Pubkey,
    ) -> Result<ActionPlan, ActionsError> {
        let address = pda::delegate(&pda::patient(account), delegate);
        let existing: Delegate = self.fetch(&address, "Delegate").await?;
        if existing.patient != pda::patient(account) {
            return Err(another_patients("delegate"));
        }
        Ok(self.patient_plan(
            account,
            vec![ix::remove_delegate(account, delegate, &existing.rent_payer)],
            format!("Removed the delegate {delegate}: they can no longer act for you."),
        ))
    }

    /// The name wallets and the portal show for `provider` (a wallet): its `--provider-name`,
    /// else its kind and shortened address. `None` when it is not a registered provider.
    pub async fn provider_name(&self, provider: &Pubkey) -> Result<Option<String>, ActionsError> {
        if let Some(name) = self.options.provider_names.get(provider) {
            return Ok(Some(name.clone()));
        }
        Ok(self.chain.provider(provider).await?.map(|p| {
            format!("the {} {}", kind_in_words(p.kind), short_address(&provider.to_string()))
        }))
    }

    fn patient_plan(
        &self,
        account: &Pubkey,
        instructions: Vec<anchor_lang::solana_program::instruction::Instruction>,
        message: String,
    ) -> ActionPlan {
        let fee_payer = self.options.fee_payer.unwrap_or(*account);
        let signers: BTreeSet<Pubkey> = [fee_payer, *account].into_iter().collect();
        ActionPlan {
            expected: ExpectedTransaction { fee_payer, signers, instructions },
            message,
            on_behalf_of: None,
        }
    }
}

fn another_patients(what: &str) -> ActionsError {
    ActionsError::Forbidden(format!(
        "this {what} belongs to another patient; sign in with the wallet it belongs to"
    ))
}
