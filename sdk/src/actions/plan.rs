//! Transaction planning: the exact transaction an action asks the wallet to sign.

use super::*;

/// The exact transaction an action asks the wallet to sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPlan {
    /// Instructions, fee payer and signers.
    pub expected: ExpectedTransaction,
    /// A short note for the wallet.
    pub message: String,
    /// The patient (wallet) the signer acts for as a delegate, `None` when the signer is
    /// the patient.
    pub on_behalf_of: Option<Pubkey>,
}

impl ActionPlan {
    /// The unsigned transaction with `blockhash`.
    pub fn transaction(&self, blockhash: Hash) -> Transaction {
        Transaction::new_unsigned(Message::new_with_blockhash(
            &self.expected.instructions,
            Some(&self.expected.fee_payer),
            &blockhash,
        ))
    }

    /// The `POST` response: the transaction with `blockhash`, signed by `fee_payer` when it
    /// is the plan's fee payer (the patient's slot is left empty), checked, base64-encoded.
    pub fn to_post_response(
        &self,
        blockhash: Hash,
        fee_payer: Option<&Keypair>,
    ) -> Result<ActionPostResponse, ActionsError> {
        let mut tx = self.transaction(blockhash);
        if let Some(payer) = fee_payer.filter(|k| k.pubkey() == self.expected.fee_payer) {
            tx.try_partial_sign(&[payer], blockhash)
                .map_err(|e| ActionsError::Sdk(SdkError::Signing(e.to_string())))?;
        }
        check_transaction(&tx, &self.expected)?;
        let bytes = bincode::serialize(&tx).map_err(|e| {
            ActionsError::Sdk(SdkError::Transaction(format!("cannot serialize: {e}")))
        })?;
        Ok(ActionPostResponse {
            kind: "transaction".into(),
            transaction: base64::engine::general_purpose::STANDARD.encode(bytes),
            message: Some(self.message.clone()),
        })
    }
}
