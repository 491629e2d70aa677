//! Account types, one per file, with the domain rules as methods that unit tests (and the
//! SDK) call without a VM.

pub mod access;
pub mod access_request;
pub mod consent;
pub mod delegate;
pub mod emergency_access;
pub mod issuer;
pub mod patient;
pub mod patient_key;
pub mod provider;
pub mod record;
pub mod record_batch;
pub mod registry;
pub mod scope;
pub mod terms;

pub use access::*;
pub use access_request::*;
pub use consent::*;
pub use delegate::*;
pub use emergency_access::*;
pub use issuer::*;
pub use patient::*;
pub use patient_key::*;
pub use provider::*;
pub use record::*;
pub use record_batch::*;
pub use registry::*;
pub use scope::*;
pub use terms::*;
