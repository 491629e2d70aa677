//! Account types, one per file, with the domain rules as methods that unit tests (and the
//! SDK) call without a VM.

pub mod access;
pub mod access_request;
pub mod consent;
pub mod issuer;
pub mod patient;
pub mod provider;
pub mod registry;
pub mod terms;

pub use access::*;
pub use access_request::*;
pub use consent::*;
pub use issuer::*;
pub use patient::*;
pub use provider::*;
pub use registry::*;
pub use terms::*;
