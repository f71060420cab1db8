//! The `resilint` binary: arguments in, exit code out.

use clap::Parser;

fn main() {
    resilint::alloc::purge_freed_pages_at_once();
    let cli = match resilint::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    // The process ends with the run: what the run holds is not freed piece by piece.
    resilint::engine::exit_after_run();
    std::process::exit(resilint::cli::run(cli));
}

#[global_allocator]
static ALLOCATOR: resilint::alloc::Hybrid = resilint::alloc::Hybrid;
