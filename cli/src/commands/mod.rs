//! The command groups: each module owns its group's clap subcommands, right beside their
//! handlers (one handler per subcommand). Helpers several groups use live in
//! [`crate::shared`], so command modules never import each other.

pub mod admin;
pub mod audit;
pub mod consent;
pub mod demo;
pub mod issuer;
pub mod keygen;
pub mod ledger;
pub mod patient;
pub mod provider;
pub mod qr;
pub mod record;
pub mod serve;
pub mod watch;
