//! Command-line interface: every flag is documented where it is declared.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::engine::{self, Options};
use crate::render;
use crate::report::{Report, Severity};

#[derive(Debug, Parser)]
#[command(
    name = "resilint",
    version,
    about = "Lints service integrations for timeouts, retry backoff, idempotency and circuit breakers"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint files and directories (default: the current directory).
    Check(CheckArgs),
    /// List every rule: id, category, severity, summary.
    Rules {
        /// Configuration file whose rule directories and levels apply.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Print a rule's documentation: what, why, example, fix.
    Explain {
        /// Rule id, e.g. `istio/route-without-timeout`.
        id: String,
        /// Configuration file whose rule directories apply.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories to lint.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Configuration file (default: the nearest `resilint.toml` upward from the first path).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Worker threads (default: one per core). Output is identical for any value.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Exit 1 when a file could not be read or parsed.
    #[arg(long)]
    pub strict: bool,
}

/// Exit code for a finished run: 1 when a finding reaches `fail_on` (or, with
/// `strict`, when a file had errors), else 0.
pub fn exit_code(report: &Report, fail_on: FailOn, strict: bool) -> i32 {
    let threshold = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failed = threshold.is_some_and(|t| report.findings.iter().any(|f| f.severity >= t));
    i32::from(failed || (strict && !report.errors.is_empty()))
}

fn usage_error(message: impl std::fmt::Display) -> i32 {
    eprintln!("error: {message}");
    2
}

fn color_wanted() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules { config } => list_rules(config),
        Command::Explain { id, config } => explain(&id, config),
    }
}

fn check(args: CheckArgs) -> i32 {
    let options = Options {
        paths: args.paths,
        config: args.config,
        threads: args.threads.map(usize::from),
    };
    let outcome = match engine::run(&options) {
        Ok(o) => o,
        Err(e) => return usage_error(e),
    };
    let report = &outcome.report;
    let out = match args.format {
        Format::Json => render::json::render(report),
        Format::Text => {
            eprint!("{}", render::text::errors(report));
            render::text::render(report, &outcome.files, color_wanted())
        }
    };
    if print_out(&out) != 0 {
        return 2;
    }
    exit_code(report, args.fail_on, args.strict)
}

fn rules_for(config: Option<PathBuf>) -> Result<Vec<crate::rules::Rule>, i32> {
    let options = Options {
        paths: vec![PathBuf::from(".")],
        config,
        threads: None,
    };
    let config = engine::resolve_config(&options).map_err(usage_error)?;
    engine::load_rules(&config).map_err(usage_error)
}

fn list_rules(config: Option<PathBuf>) -> i32 {
    let rules = match rules_for(config) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let out: String = rules
        .iter()
        .map(|r| {
            format!(
                "{:width$}  {:15}  {:7}  {}\n",
                r.id,
                r.category.name(),
                r.severity.name(),
                r.spec.summary
            )
        })
        .collect();
    print_out(&out)
}

/// Writes to stdout; a closed pipe (`resilint rules | head`) ends quietly, not in a panic.
fn print_out(text: &str) -> i32 {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(_) => 2,
    }
}

fn explain(id: &str, config: Option<PathBuf>) -> i32 {
    let rules = match rules_for(config) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let Some(rule) = rules.iter().find(|r| r.id == id) else {
        return usage_error(format!(
            "unknown rule `{id}`: `resilint rules` lists the ids"
        ));
    };
    let docs = rule.spec.docs.get_ref();
    let level = if rule.severity == rule.spec.severity {
        format!("{} by default", rule.severity.name())
    } else {
        format!(
            "{} as configured, {} by default",
            rule.severity.name(),
            rule.spec.severity.name()
        )
    };
    let text = format!(
        "{}  ({}, {level})\n\n{}\n\nWhat it does\n  {}\n\nWhy it matters\n  {}\n\nExample\n{}\n\nFix\n  {}\n",
        rule.id,
        rule.category.name(),
        rule.spec.summary,
        docs.what.trim(),
        docs.why.trim(),
        indent(docs.example.trim_end()),
        docs.fix.trim()
    );
    print_out(&text)
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
