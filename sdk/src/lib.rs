//! # medchain-sdk
//!
//! The Rust SDK that EHR gateways, FHIR servers and patient apps embed to use medchain:
//! program-derived addresses ([`pda`]), pure instruction builders ([`instructions`]),
//! the program's account types and vocabulary (re-exported), the access rule
//! ([`access`], the very functions the program runs) and typed program errors
//! ([`error`]); sealed records ([`seal`]): records encrypted for exactly the patient and
//! the providers whose consent permits reading them; and Solana Actions / Solana Pay
//! transaction requests for patients' wallets ([`actions`]).

#![warn(missing_docs)]

pub mod access;
pub mod actions;
pub mod audit;
pub mod backend;
pub mod client;
pub mod decision;
pub mod delegation;
pub mod error;
pub mod events;
pub mod fhir;
pub mod fs;
pub mod hashing;
pub mod identity;
pub mod instructions;
pub mod merkle;
pub mod names;
pub mod pda;
pub mod seal;
pub mod vocabulary;
pub mod watch;

#[cfg(feature = "embedded")]
pub use backend::embedded::{EmbeddedBackend, EmbeddedOptions, ProgramSource};
pub use backend::rpc::{RpcBackend, RpcOptions};
pub use backend::{Backend, TxOutcome};
pub use client::Medchain;
pub use error::{ProgramErrorCode, SdkError};
pub use medchain::state;
