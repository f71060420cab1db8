//! Command-line interface: every flag is documented where it is declared.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::engine::{self, Options};
use crate::output;
use crate::render;
use crate::report::{Report, Severity};

mod rules_cmd;
use rules_cmd::{explain, list_rules};

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
        /// `text` (a table) or `json` (an array of objects, for scripts).
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Print a rule's documentation: what, why, example, fix.
    Explain {
        /// Rule id, e.g. `istio/route-without-timeout`.
        id: String,
        /// Configuration file whose rule directories apply.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Write a commented `resilint.toml` with the platforms found and today's coverage as gates.
    Init {
        /// The repository (or directory) to configure.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Overwrite an existing `resilint.toml`.
        #[arg(long)]
        force: bool,
    },
    /// Print the integration graph: services of every layer, the calls and routes between
    /// them, what each layer sets on each, and the findings on them.
    Map {
        /// Files and directories to read (default: the current directory).
        #[arg(default_value = ".")]
        paths: Vec<PathBuf>,
        /// `json` (the versioned contract), `mermaid` or `dot` (Graphviz).
        #[arg(long, value_enum, default_value_t = MapFormat::Json)]
        format: MapFormat,
        /// Configuration file (its `[services]` table ties code to services).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Write to this file instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Print a shell completion script, e.g. `resilint completions bash > /etc/bash_completion.d/resilint`.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

/// How `resilint map` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MapFormat {
    Json,
    Mermaid,
    Dot,
}

/// How `resilint rules` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
    /// The README's rules table.
    Markdown,
}

/// When text output is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal, unless `NO_COLOR` is set; `CLICOLOR_FORCE` or
    /// `FORCE_COLOR` (non-empty, not `0`) force it on.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// rustc-style diagnostics with snippets, then a summary and the coverage table.
    Text,
    /// One line per finding (`path:line:col: severity[rule] message`), then the summary.
    Concise,
    /// The stable JSON contract.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning (`upload-sarif`) and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request's diff.
    Github,
    /// A Markdown summary for `$GITHUB_STEP_SUMMARY` or a pull-request comment.
    Markdown,
    /// GitLab Code Quality JSON (`artifacts:reports:codequality`).
    Gitlab,
    /// JUnit XML: one test case per rule, failing with its findings.
    Junit,
    /// One self-contained HTML page (coverage, the map, findings with snippets, a
    /// filter) for an audit: `--format html --output report.html`.
    Html,
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
    /// Output format; may be given several times. The n-th `--output` is where the
    /// n-th `--format` goes; formats without an `--output` go to stdout (at most one).
    #[arg(long, alias = "output-format", value_enum, action = clap::ArgAction::Append)]
    pub format: Vec<Format>,
    /// File to write the matching `--format` to (`-` for stdout); may be given several times.
    #[arg(long, value_name = "FILE", action = clap::ArgAction::Append)]
    pub output: Vec<PathBuf>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Configuration file (default: the nearest `resilint.toml` upward from the first path).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Worker threads (default: one per core). Output is identical for any value.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// Exit 1 when a file could not be read or parsed, or an ignore comment has no
    /// reason or matched nothing.
    #[arg(long)]
    pub strict: bool,
    /// Fail (exit 1) when a category's coverage is below PERCENT, e.g. `timeout=80`;
    /// may be given once per category, and overrides `[coverage]` in `resilint.toml`.
    #[arg(long, value_name = "CATEGORY=PERCENT", value_parser = crate::gate::parse_flag)]
    pub min_coverage: Vec<(crate::report::Category, f64)>,
    /// List every integration point counted for coverage, covered ones included.
    #[arg(long)]
    pub show_covered: bool,
    /// List the findings inline ignore comments silenced, with their reasons.
    #[arg(long)]
    pub show_ignored: bool,
    /// List on stderr every file left out (counted as `skipped` in JSON), with the
    /// reason: a broken or templated file that names no platform resilint judges,
    /// a Helm chart's templates, a symlink, a FIFO.
    #[arg(long)]
    pub show_skipped: bool,
    /// Report only findings that are not in this baseline file (see `--write-baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record today's findings in FILE as the baseline, then report as if it were given.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Run only these rules: ids, groups (`istio`), categories (`timeout`) or `all`
    /// (every rule, opt-in ones included), comma-separated or repeated.
    #[arg(long, value_name = "SELECTOR", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run these rules: ids, groups or categories, comma-separated or repeated.
    #[arg(long, value_name = "SELECTOR", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Colour in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// No progress bar and no notes on stderr (errors are still printed).
    #[arg(long, short)]
    pub quiet: bool,
    /// Pre-commit mode: PATHS are changed files; the whole repository (the nearest
    /// `resilint.toml`'s directory, else the git root) is read so joins see
    /// everything, and only findings in the changed files are reported.
    #[arg(long)]
    pub changed_only: bool,
    /// Lint the files named on the command line even when `include`/`exclude` of
    /// their `resilint.toml` leave them out (by default a named file honours them,
    /// so a hook or an editor passing every changed file lints what a full run does).
    #[arg(long)]
    pub force_include: bool,
    /// Do not read or write the per-file cache (`.resilint_cache/`, see `[cache]`
    /// in resilint.toml): every file is parsed.
    #[arg(long)]
    pub no_cache: bool,
}

/// Exit code for a finished run: 1 when a finding reaches `fail_on`, a coverage
/// gate fails, or (with `strict`) a file had errors or an ignore comment is
/// reported; else 0.
pub fn exit_code(report: &Report, fail_on: FailOn, strict: bool) -> i32 {
    let threshold = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failed = threshold.is_some_and(|t| report.findings.iter().any(|f| f.severity >= t));
    let gate_failed = report.gates.iter().any(|g| !g.passed);
    let doubtful = !report.errors.is_empty() || !report.ignore_problems.is_empty();
    i32::from(failed || gate_failed || (strict && doubtful))
}

fn usage_error(message: impl std::fmt::Display) -> i32 {
    to_stderr(&format!("error: {message}\n"));
    2
}

/// Largest file re-read to draw a usage error's snippet (config files are limited to
/// 1 MiB and rule files to 16 MiB when read).
const MAX_SNIPPET_FILE: u64 = 16 * 1024 * 1024;

/// A usage error (exit 2) about a position in a file (a config, rule or catalogue
/// file): drawn with a snippet like a finding, through the same renderer. The file
/// is read again here (the error path); when it cannot be, or the error has no line,
/// it is one line `error: path:line:col: message`.
fn rule_error(e: crate::usage_error::RuleError) -> i32 {
    let drawn = e.line.and_then(|line| {
        let path = std::path::Path::new(&e.path);
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_file() || meta.len() > MAX_SNIPPET_FILE {
            return None;
        }
        let text = std::fs::read_to_string(path).ok()?;
        let file = crate::source::SourceFile::new(e.path.clone(), path.into(), text);
        render::text::at_position(
            &file,
            line,
            e.column,
            None,
            &e.message,
            stderr_color(ColorChoice::Auto),
        )
    });
    match drawn {
        Some(text) => {
            to_stderr(&text);
            2
        }
        None => usage_error(e),
    }
}

/// [`color_wanted`] for stderr: the same choice and variables, a terminal on stderr.
fn stderr_color(choice: ColorChoice) -> bool {
    color_for(choice, std::io::stderr().is_terminal())
}

/// Writes to stderr; a failure to write there (a closed or full stderr) is ignored,
/// since there is nowhere left to say it (`eprint!` would panic).
fn to_stderr(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr
        .write_all(text.as_bytes())
        .and_then(|_| stderr.flush());
}

/// What text mode says on stderr besides errors: the skipped files with
/// `--show-skipped` (else their count, unless `--quiet`), and a warning when no
/// file was linted at all, so a run that lints nothing is never silent.
fn stderr_notes(report: &Report, args: &CheckArgs) -> String {
    use render::snippet::escape;
    let mut out = String::new();
    if args.show_skipped {
        for s in &report.skipped {
            out.push_str(&format!(
                "skipped: {}: {}\n",
                escape(&s.path, false),
                escape(&s.reason, false)
            ));
        }
    } else if !report.skipped.is_empty() && !args.quiet {
        out.push_str(&format!(
            "info: {} file{} skipped (--show-skipped lists them with the reason)\n",
            report.skipped.len(),
            if report.skipped.len() == 1 { "" } else { "s" }
        ));
    }
    if report.files_scanned == 0 {
        let paths: Vec<String> = args
            .paths
            .iter()
            .map(|p| {
                escape(
                    &crate::discover::display_path(p, std::path::Path::new("")),
                    false,
                )
            })
            .collect();
        out.push_str(&format!(
            "warning: no file was linted in {}: none is YAML, JSON, application*.properties or Rust, or .gitignore, `include`/`exclude` in resilint.toml or the skipped list left every one out\n",
            paths.join(", ")
        ));
    }
    out
}

/// Whether text on stdout is coloured: `--color always|never` decide; with `auto`,
/// a non-empty `NO_COLOR` turns it off, then a non-empty `CLICOLOR_FORCE` or
/// `FORCE_COLOR` (other than `0`) turns it on, else a terminal on stdout does.
pub fn color_wanted(choice: ColorChoice) -> bool {
    color_for(choice, std::io::stdout().is_terminal())
}

/// [`color_wanted`] for a stream that is (or is not) a terminal.
fn color_for(choice: ColorChoice, terminal: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => false,
        ColorChoice::Auto if set("CLICOLOR_FORCE") || set("FORCE_COLOR") => true,
        ColorChoice::Auto => terminal,
    }
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules { config, format } => list_rules(config, format),
        Command::Explain { id, config } => explain(&id, config),
        Command::Init { dir, force } => init(&dir, force),
        Command::Map {
            paths,
            format,
            config,
            output,
        } => map(paths, format, config, output),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "resilint", &mut out);
            print_out(&String::from_utf8_lossy(&out))
        }
    }
}

fn check(args: CheckArgs) -> i32 {
    let targets = match output::targets(&args.format, &args.output) {
        Ok(t) => t,
        Err(message) => return usage_error(message),
    };
    if args.changed_only {
        if let Some(dir) = args.paths.iter().find(|p| p.is_dir()) {
            return usage_error(format!(
                "--changed-only takes the changed files, not a directory (`{}`): pre-commit passes them; for a whole tree, drop --changed-only",
                dir.display()
            ));
        }
    }
    let paths = if args.changed_only {
        vec![crate::changed::root(&args.paths)]
    } else {
        args.paths.clone()
    };
    let options = Options {
        paths,
        config: args.config.clone(),
        threads: args.threads.map(usize::from),
    };
    let extras = engine::Extras {
        selection: crate::select::Selection {
            select: args.select.clone(),
            ignore: args.ignore.clone(),
        },
        progress: crate::progress::allowed(args.quiet),
        changed: args.changed_only.then(|| args.paths.clone()),
        force_include: args.force_include,
        cache: !args.no_cache,
        draws_graph: targets.iter().any(|t| t.format == Format::Html),
    };
    let outcome = match engine::run_with(&options, &extras) {
        Ok(o) => o,
        Err(e) => return rule_error(e),
    };
    if !args.quiet {
        for note in &outcome.notes {
            to_stderr(&format!(
                "warning: {}\n",
                render::snippet::escape(note, false)
            ));
        }
    }
    let report = match output::finish(outcome, &args) {
        Ok(r) => r,
        Err(message) => return usage_error(message),
    };
    if targets.iter().any(|t| t.format == Format::Text) {
        to_stderr(&render::text::errors_with_snippets(
            &report.report,
            &report.files,
            stderr_color(args.color),
        ));
        to_stderr(&stderr_notes(&report.report, &args));
    } else if args.show_skipped {
        to_stderr(&stderr_notes(&report.report, &args));
    }
    let repo = output::repo();
    for target in &targets {
        let color = target.path.is_none() && color_wanted(args.color);
        let write = |out: &mut dyn Write| output::write(target.format, &report, &repo, color, out);
        let written = match &target.path {
            None => stream_out(write),
            Some(path) => stream_to_file(path, write),
        };
        if written != 0 {
            return 2;
        }
    }
    let code = exit_code(&report.report, args.fail_on, args.strict);
    engine::release(report);
    code
}

fn map(
    paths: Vec<PathBuf>,
    format: MapFormat,
    config: Option<PathBuf>,
    output: Option<PathBuf>,
) -> i32 {
    let options = Options {
        paths,
        config,
        threads: None,
    };
    let extras = engine::Extras {
        draws_graph: true,
        ..engine::Extras::default()
    };
    let outcome = match engine::run_with(&options, &extras) {
        Ok(o) => o,
        Err(e) => return usage_error(e),
    };
    let mut graph = outcome.graph;
    graph.attach_findings(&outcome.report.findings);
    let text = match format {
        MapFormat::Json => render::map_json::render(&graph),
        MapFormat::Mermaid => render::map_mermaid::render(&graph),
        MapFormat::Dot => render::map_dot::render(&graph),
    };
    match output {
        None => print_out(&text),
        Some(path) => match std::fs::write(&path, &text) {
            Ok(()) => 0,
            Err(e) => usage_error(format!("cannot write {}: {e}", path.display())),
        },
    }
}

fn init(dir: &std::path::Path, force: bool) -> i32 {
    let path = dir.join(crate::config::FILE_NAME);
    if path.exists() && !force {
        return usage_error(format!(
            "{} exists: edit it, or run `resilint init --force` to replace it",
            path.display()
        ));
    }
    let options = Options {
        paths: vec![dir.to_path_buf()],
        config: None,
        threads: None,
    };
    let outcome = match engine::run(&options) {
        Ok(o) => o,
        Err(e) => return rule_error(e),
    };
    let report = &outcome.report;
    let text = crate::init::config_text(&outcome.platforms, &report.coverage, report.files_scanned);
    if let Err(e) = std::fs::write(&path, text) {
        return usage_error(format!("cannot write {}: {e}", path.display()));
    }
    eprintln!(
        "wrote {}: today's coverage is its gate; raise it as you fix findings",
        path.display()
    );
    0
}

/// Streams a renderer onto stdout through a buffer; errors as [`print_out`].
fn stream_out(write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> i32 {
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    written_to_stdout(write(&mut stdout).and_then(|()| stdout.flush()))
}

/// Streams a renderer into a new file through a buffer.
fn stream_to_file(
    path: &std::path::Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> i32 {
    let written = std::fs::File::create(path).and_then(|file| {
        let mut file = std::io::BufWriter::new(file);
        write(&mut file)?;
        file.flush()
    });
    match written {
        Ok(()) => 0,
        Err(e) => usage_error(format!("cannot write {}: {e}", path.display())),
    }
}

fn print_out(text: &str) -> i32 {
    let mut stdout = std::io::stdout().lock();
    written_to_stdout(
        stdout
            .write_all(text.as_bytes())
            .and_then(|_| stdout.flush()),
    )
}

/// 0 when stdout took everything or its reader went away (a closed pipe), else a
/// usage error saying why (a full disk, a closed file).
fn written_to_stdout(result: std::io::Result<()>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        // A full disk or a closed file: say so, and fail (exit 2).
        Err(e) => usage_error(format!("cannot write the output to stdout: {e}")),
    }
}
