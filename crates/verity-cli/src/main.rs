//! `verity`: the command-line shell over Verity's library crates.
//!
//! Every command is a thin layer: it reads files or talks HTTP, calls a library crate that does
//! no I/O, and prints a human table or `--json`. Errors carry context (which file, which step).

use clap::{Parser, Subcommand};

mod cmd;

#[derive(Parser)]
#[command(
    name = "verity",
    version,
    about = "Verity: signed, witnessed, verifiable arms-control declarations and verification analytics"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The verifiable ledger: keys, server, submissions and client-side verification.
    #[command(flatten)]
    Ledger(cmd::ledger::Command),
    /// Treaty rules as data: compliance checks and reports.
    #[command(flatten)]
    Treaty(cmd::treaty::Command),
    /// CTBT seismic and radionuclide monitoring.
    #[command(subcommand)]
    Seismic(cmd::seismic::Command),
    /// Outer-space transparency: orbits, screening, manoeuvres, registry reconciliation.
    #[command(subcommand)]
    Space(cmd::space::Command),
    /// Nuclear material accountancy for safeguards (MUF, sigma-MUF, sequential tests).
    #[command(subcommand)]
    Safeguards(cmd::safeguards::Command),
}

fn main() -> std::process::ExitCode {
    // Restore the default SIGPIPE action so that `verity ... | head` ends quietly instead of
    // panicking in `println!` (Rust ignores SIGPIPE by default).
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ledger(c) => cmd::ledger::run(c),
        Command::Treaty(c) => cmd::treaty::run(c),
        Command::Seismic(c) => cmd::seismic::run(c),
        Command::Space(c) => cmd::space::run(c),
        Command::Safeguards(c) => cmd::safeguards::run(c),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
