//! The transaction check run on every transaction an action returns (by the server before it
//! answers, and by any wallet-side integration before it signs): the transaction must be
//! exactly the expected medchain instructions — same program, same accounts with the same
//! signer and writable flags, same data — with the expected fee payer and no other signer.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_sdk::message::Message;
use solana_sdk::transaction::Transaction;
use std::collections::BTreeSet;

/// What a transaction must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedTransaction {
    /// The fee payer (the clinic's fee-payer key, or the patient).
    pub fee_payer: Pubkey,
    /// Every key that must sign, fee payer included, and no other.
    pub signers: BTreeSet<Pubkey>,
    /// The instructions, in order.
    pub instructions: Vec<Instruction>,
}

/// How a transaction differs from what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionMismatch {
    /// The fee payer is not the expected one.
    #[error("the fee payer is {found}, expected {expected}")]
    FeePayer {
        /// The expected fee payer.
        expected: String,
        /// The fee payer found.
        found: String,
    },
    /// Not the expected number of instructions.
    #[error("the transaction has {found} instructions, expected {expected}")]
    InstructionCount {
        /// Expected count.
        expected: usize,
        /// Found count.
        found: usize,
    },
    /// An instruction calls another program.
    #[error("instruction {index} calls program {found}, expected {expected}")]
    Program {
        /// Instruction index.
        index: usize,
        /// The expected program.
        expected: String,
        /// The program found.
        found: String,
    },
    /// An instruction names other accounts, or other signer/writable flags.
    #[error("instruction {index} names other accounts than expected: {detail}")]
    Accounts {
        /// Instruction index.
        index: usize,
        /// The first difference.
        detail: String,
    },
    /// An instruction carries other data.
    #[error("instruction {index} carries other data than expected")]
    Data {
        /// Instruction index.
        index: usize,
    },
    /// The set of required signers differs.
    #[error("the transaction requires signatures of [{found}], expected [{expected}]")]
    Signers {
        /// Expected signers.
        expected: String,
        /// Signers found.
        found: String,
    },
    /// A signature present in the transaction does not verify.
    #[error("the signature of {signer} does not verify")]
    BadSignature {
        /// The signer.
        signer: String,
    },
    /// The message is malformed or differs in its layout (header, key order, indexes).
    #[error("the transaction message is malformed or laid out differently: {0}")]
    Layout(String),
}

fn keys_text<'a>(keys: impl Iterator<Item = &'a Pubkey>) -> String {
    keys.map(|k| k.to_string()).collect::<Vec<_>>().join(", ")
}

/// Checks `tx` against `expected`; see the module documentation. Signatures that are present
/// must verify; absent ones (all zero, still to be added by the wallet) are allowed.
pub fn check_transaction(
    tx: &Transaction,
    expected: &ExpectedTransaction,
) -> Result<(), TransactionMismatch> {
    let message = &tx.message;
    let keys = &message.account_keys;
    let found_payer =
        keys.first().ok_or_else(|| TransactionMismatch::Layout("no account keys".into()))?;
    if *found_payer != expected.fee_payer {
        return Err(TransactionMismatch::FeePayer {
            expected: expected.fee_payer.to_string(),
            found: found_payer.to_string(),
        });
    }
    if message.instructions.len() != expected.instructions.len() {
        return Err(TransactionMismatch::InstructionCount {
            expected: expected.instructions.len(),
            found: message.instructions.len(),
        });
    }
    // Flags are per transaction, not per instruction: an account writable in one instruction
    // is writable in all. Compare with the flags the expected instructions compile to.
    let mut canonical = Message::new(&expected.instructions, Some(&expected.fee_payer));
    canonical.recent_blockhash = message.recent_blockhash;
    let expected_flags = |key: &Pubkey| {
        canonical
            .account_keys
            .iter()
            .position(|k| k == key)
            .map(|i| (canonical.is_signer(i), canonical.is_maybe_writable(i, None)))
    };
    let key = |i: u8| {
        keys.get(usize::from(i))
            .copied()
            .ok_or_else(|| TransactionMismatch::Layout(format!("account index {i} out of range")))
    };
    for (index, (compiled, wanted)) in
        message.instructions.iter().zip(&expected.instructions).enumerate()
    {
        let program = key(compiled.program_id_index)?;
        if program != wanted.program_id || program != crate::pda::PROGRAM_ID {
            return Err(TransactionMismatch::Program {
                index,
                expected: wanted.program_id.to_string(),
                found: program.to_string(),
            });
        }
        if compiled.accounts.len() != wanted.accounts.len() {
            return Err(TransactionMismatch::Accounts {
                index,
                detail: format!(
                    "{} accounts, expected {}",
                    compiled.accounts.len(),
                    wanted.accounts.len()
                ),
            });
        }
        for (position, (&account_index, meta)) in
            compiled.accounts.iter().zip(&wanted.accounts).enumerate()
        {
            let found = key(account_index)?;
            let i = usize::from(account_index);
            let (signer, writable) = (message.is_signer(i), message.is_maybe_writable(i, None));
            let wanted = expected_flags(&meta.pubkey).unwrap_or((meta.is_signer, meta.is_writable));
            if found != meta.pubkey || (signer, writable) != wanted {
                return Err(TransactionMismatch::Accounts {
                    index,
                    detail: format!(
                        "account {position} is {found} (signer {signer}, writable {writable}), \
                         expected {} (signer {}, writable {})",
                        meta.pubkey, wanted.0, wanted.1
                    ),
                });
            }
        }
        if compiled.data != wanted.data {
            return Err(TransactionMismatch::Data { index });
        }
    }
    let required = usize::from(message.header.num_required_signatures);
    let found_signers: BTreeSet<Pubkey> = keys.iter().take(required).copied().collect();
    if found_signers != expected.signers {
        return Err(TransactionMismatch::Signers {
            expected: keys_text(expected.signers.iter()),
            found: keys_text(found_signers.iter()),
        });
    }
    // Whatever else could differ (header counts, extra keys, ordering): the message must be
    // the one the expected instructions compile to.
    if canonical != *message {
        return Err(TransactionMismatch::Layout(
            "it is not the message the expected instructions compile to".into(),
        ));
    }
    if tx.signatures.len() != required {
        return Err(TransactionMismatch::Layout(format!(
            "{} signature slots for {required} signers",
            tx.signatures.len()
        )));
    }
    let bytes = message.serialize();
    for (signature, signer) in tx.signatures.iter().zip(keys) {
        if *signature != solana_sdk::signature::Signature::default()
            && !signature.verify(signer.as_ref(), &bytes)
        {
            return Err(TransactionMismatch::BadSignature { signer: signer.to_string() });
        }
    }
    Ok(())
}
