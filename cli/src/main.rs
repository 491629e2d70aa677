//! `medchain`: the command line for clinics, patients, issuers and administrators.
//!
//! Run `medchain demo` for a guided tour on the embedded ledger, or `medchain --help`.

mod args;
mod cli;
mod commands;
mod config;
mod context;
mod error;
mod output;
mod qr;
mod serve;
mod shared;
mod sse;

fn main() {
    let args = cli::parse();
    let runtime =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("error: cannot start the async runtime: {e}");
                std::process::exit(error::EXIT_OTHER);
            }
        };
    let format = args.globals.output;
    match runtime.block_on(cli::run(args)) {
        Ok(output) => output.print(format),
        Err(e) => {
            if format == output::OutputFormat::Display {
                eprintln!("error: {e}");
            } else {
                let code = e.exit_code();
                println!("{}", serde_json::json!({ "error": e.to_string(), "exit_code": code }));
                eprintln!("error: {e}");
            }
            std::process::exit(e.exit_code());
        }
    }
}
