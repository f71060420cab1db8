//! Discover stage: walk the given paths (gitignore-aware), apply include/exclude
//! globs, and keep the files resilint knows how to read.
//!
//! The environment must not change what is linted behind the user's back, so the
//! walk applies `.gitignore` files and `.git/info/exclude` from the scanned tree up
//! to its repository root only: not git's global excludes (`core.excludesFile`),
//! not ignore files above the repository root (or above the scanned path when it is
//! in no repository), not ripgrep's `.ignore` files. Whatever is left out and could
//! have mattered is said: a symlink, a FIFO or an unreadable directory becomes a
//! skipped entry or an `io` error, never silence.

use std::path::{Path, PathBuf};

use globset::GlobSet;

use crate::report::{ErrorKind, FileError, Skipped};

/// The path that names standard input on the command line (`resilint check -`).
pub const STDIN: &str = "-";

/// How standard input is shown in output.
pub const STDIN_DISPLAY: &str = "<stdin>";

/// Whether a candidate's path is standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

/// The kind of file, by extension; documents are classified by content later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    /// YAML or JSON configuration.
    Config,
    /// A Rust source file (`*.rs`).
    Rust,
    /// A Cargo manifest (`Cargo.toml`): read for the package's dependencies.
    Manifest,
    /// A Spring Boot `.properties` file (`application*.properties`, `bootstrap*.properties`).
    Properties,
    /// An HCL file (`*.hcl`): read when it is a Consul config entry, else not resilint's.
    Hcl,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    /// Path shown to users.
    pub display: String,
    pub path: PathBuf,
    pub kind: FileKind,
    /// The configuration that governs the file (an index into [`crate::configs::Configs`]).
    pub config: usize,
}

/// Directories never worth walking.
const SKIP_DIRS: &[&str] = &[".git", "target", "node_modules", crate::cache::DIR_NAME];

/// Known non-targets: directories whose files are never service configuration
/// (CI definitions, editor settings). Not read, not counted, unless named on the
/// command line.
const NON_TARGET_DIRS: &[&str] = &[".github", ".gitlab", ".circleci", ".vscode", ".idea"];

/// Known non-targets by file name: CI definitions, lock files and other
/// ecosystems' manifests. Not read, not counted, unless named on the command line.
const NON_TARGET_FILES: &[&str] = &[
    ".gitlab-ci.yml",
    ".travis.yml",
    "azure-pipelines.yml",
    "bitbucket-pipelines.yml",
    ".pre-commit-config.yaml",
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "composer.json",
    "composer.lock",
    "bower.json",
    "deno.json",
    "jsconfig.json",
    "renovate.json",
    "Pipfile.lock",
    "poetry.lock",
    ".eslintrc.json",
    ".prettierrc.json",
    ".babelrc.json",
];

/// Whether a file or directory name is a known non-target.
fn is_non_target(name: &std::ffi::OsStr, is_dir: bool) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    if is_dir {
        return NON_TARGET_DIRS.contains(&name);
    }
    // `tsconfig.json`, `tsconfig.base.json`, ...
    NON_TARGET_FILES.contains(&name) || (name.starts_with("tsconfig") && name.ends_with(".json"))
}

/// Directories whose Rust files are tests, benchmarks or examples, skipped by default.
const RUST_TEST_DIRS: &[&str] = &["tests", "benches", "examples"];

pub fn file_kind(path: &Path) -> Option<FileKind> {
    if path.file_name().is_some_and(|n| n == "Cargo.toml") {
        return Some(FileKind::Manifest);
    }
    match path.extension()?.to_str()? {
        "yaml" | "yml" | "json" | "jsonc" => Some(FileKind::Config),
        // Only Spring Boot's own files: other `.properties` files are not configuration
        // resilint knows (message bundles, Gradle settings).
        "properties" => path
            .file_name()?
            .to_str()
            .is_some_and(|n| n.starts_with("application") || n.starts_with("bootstrap"))
            .then_some(FileKind::Properties),
        "rs" => Some(FileKind::Rust),
        "hcl" => Some(FileKind::Hcl),
        _ => None,
    }
}

/// Whether a Spring Boot file (`application*`, `bootstrap*`) belongs to a JVM test
/// source set (`src/test/`, `src/testFixtures/`, `src/integrationTest/`, ...): the
/// configuration of a project's own tests, not of a service that runs.
fn in_jvm_test_sources(rel: &Path) -> bool {
    let spring_file = rel
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("application") || n.starts_with("bootstrap"));
    let dirs: Vec<_> = rel
        .parent()
        .into_iter()
        .flat_map(Path::components)
        .collect();
    spring_file
        && dirs.windows(2).any(|w| {
            w[0].as_os_str() == "src"
                && w[1].as_os_str().to_str().is_some_and(|set| {
                    set == "test" || set.starts_with("testFixtures") || set.ends_with("Test")
                })
        })
}

/// Whether a Rust file sits below a `tests/`, `benches/` or `examples/` directory.
/// Why a file of a project template is skipped.
const TEMPLATE_REASON: &str =
    "a project template's file (`{{ .. }}` in its path, as cargo-generate names them): not Rust until generated";

/// Whether a Rust file or manifest is part of a project template: a directory of its
/// path has a placeholder in its name (`service-template/{{project-name}}-server/`,
/// cargo-generate's and cookiecutter's markup). Its files hold placeholders where
/// names go (`mod {{crate_name}};`), so they do not parse, and they are no code of
/// the project that ships them (blockscout-rs: eight parse errors).
fn in_project_template(rel: &Path, kind: FileKind) -> bool {
    matches!(kind, FileKind::Rust | FileKind::Manifest)
        && rel.parent().is_some_and(|dir| {
            dir.components()
                .any(|c| c.as_os_str().to_str().is_some_and(|s| s.contains("{{")))
        })
}

fn in_rust_test_dir(rel: &Path) -> bool {
    rel.parent().is_some_and(|dir| {
        dir.components()
            .any(|c| RUST_TEST_DIRS.iter().any(|d| c.as_os_str() == *d))
    })
}

/// The config's include or exclude globs, compiled (they were checked, with their
/// positions, when the config was read; what can still fail is the set's size).
fn globset(patterns: &[String], what: &str) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let globs = patterns
        .iter()
        .map(|p| crate::rules::glob::parse(p, crate::rules::glob::Separator::Plain))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("in `{what}`: {e}"))?;
    crate::rules::glob::set(globs)
        .map(Some)
        .map_err(|e| format!("in `{what}`: {e}"))
}

/// How a path is shown: `/`-separated, relative to the working directory when below
/// it. Bytes that are not UTF-8 are shown as `\xNN` escapes, so two file names that
/// differ only there stay two names (a lossy conversion would show both as `�`).
pub fn display_path(path: &Path, cwd: &Path) -> String {
    if is_stdin(path) {
        return STDIN_DISPLAY.to_string();
    }
    let shown = if path.is_absolute() {
        path.strip_prefix(cwd).unwrap_or(path)
    } else {
        path
    };
    let text = escape_os(shown.as_os_str());
    let text = text.strip_prefix("./").map(str::to_string).unwrap_or(text);
    if text.is_empty() {
        ".".to_string()
    } else {
        text
    }
}

/// An OS string as text: invalid UTF-8 bytes written as `\xNN`, and a literal
/// backslash doubled so that such an escape cannot be faked by a file name.
#[cfg(unix)]
fn escape_os(s: &std::ffi::OsStr) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for chunk in s.as_bytes().utf8_chunks() {
        out.push_str(&chunk.valid().replace('\\', "\\\\"));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// Windows: names are UTF-16 (lossy only for unpaired surrogates), `\` is a separator.
#[cfg(not(unix))]
fn escape_os(s: &std::ffi::OsStr) -> String {
    s.to_string_lossy().replace('\\', "/")
}

/// What the walk found: files to lint, errors (unreadable directories, special
/// files named on the command line), and files left out with the reason.
#[derive(Debug, Default)]
pub struct Discovered {
    pub files: Vec<Candidate>,
    pub errors: Vec<FileError>,
    pub skipped: Vec<Skipped>,
}

/// Test code that is linted anyway (`[rust] test-dirs`, `[spring] test-resources`);
/// by default it is skipped.
#[derive(Debug, Clone, Copy, Default)]
pub struct TestCode {
    /// Rust files below `tests/`, `benches/` and `examples/`.
    pub rust_dirs: bool,
    /// Spring files of a JVM test source set (`src/test/`, `src/integrationTest/`).
    pub spring_resources: bool,
}

/// How one configuration narrows what is linted: its `include`/`exclude` globs,
/// matched against paths relative to the configuration's directory (as ruff and
/// every tool that reads a config file do: `include = ["k8s/**"]` means the `k8s`
/// next to `resilint.toml`, whatever path was named on the command line), and the
/// test code it keeps.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The directory the globs are relative to, canonical; `None` (no config file)
    /// matches against the path below the walked root.
    pub base: Option<PathBuf>,
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
    pub keep: TestCode,
}

impl Filter {
    /// A filter of globs relative to `base` (made canonical here). `Err` is a usage
    /// error about the globs.
    pub fn new(
        base: Option<&Path>,
        include: &[String],
        exclude: &[String],
        keep: TestCode,
    ) -> Result<Filter, String> {
        Ok(Filter {
            base: base.map(|b| {
                let b = if b.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    b
                };
                std::fs::canonicalize(b).unwrap_or_else(|_| b.to_path_buf())
            }),
            include: globset(include, "include")?,
            exclude: globset(exclude, "exclude")?,
            keep,
        })
    }

    /// Whether `include`/`exclude` leave the file out. `abs` is its canonical path
    /// when known; `rel` its path below the walked root, used when the file lies
    /// outside the config's directory (a config named with `--config`).
    fn leaves_out(&self, abs: Option<&Path>, rel: &Path) -> bool {
        let rel = match (&self.base, abs) {
            (Some(base), Some(abs)) => abs.strip_prefix(base).unwrap_or(rel),
            _ => rel,
        };
        self.include.as_ref().is_some_and(|g| !g.is_match(rel))
            || self.exclude.as_ref().is_some_and(|g| g.is_match(rel))
    }
}

/// Which [`Filter`] governs a file: one per configuration in play (see
/// [`crate::configs`]), found from the file's directory.
pub trait Filters {
    /// The index of the filter (and configuration) for files in `dir` (canonical).
    fn index_for(&mut self, dir: &Path) -> Result<usize, crate::usage_error::RuleError>;
    fn filter(&self, index: usize) -> &Filter;
}

/// One filter for every file.
impl Filters for Filter {
    fn index_for(&mut self, _: &Path) -> Result<usize, crate::usage_error::RuleError> {
        Ok(0)
    }
    fn filter(&self, _: usize) -> &Filter {
        self
    }
}

/// Every lintable file under `roots`, sorted by display path, without the test code
/// `keep` does not ask for. `Err` is a usage error about the config's globs.
pub fn discover(
    roots: &[PathBuf],
    include: &[String],
    exclude: &[String],
    keep: TestCode,
) -> Result<Discovered, String> {
    let mut filter = Filter::new(None, include, exclude, keep)?;
    discover_with(roots, &mut filter, false).map_err(|e| e.message)
}

/// [`discover`] with a filter per configuration. Files named on the command line
/// honour `include`/`exclude` too (a pre-commit hook or an editor passes every
/// changed file, excluded ones included), unless `force` (`--force-include`) says
/// to lint them anyway; the non-target list never applies to them.
pub fn discover_with(
    roots: &[PathBuf],
    filters: &mut dyn Filters,
    force: bool,
) -> Result<Discovered, crate::usage_error::RuleError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut out = Discovered::default();
    for root in roots {
        if is_stdin(root) {
            out.files.push(Candidate {
                display: STDIN_DISPLAY.to_string(),
                path: root.clone(),
                kind: FileKind::Config,
                config: 0,
            });
            continue;
        }
        let root_abs = std::fs::canonicalize(root).ok();
        for entry in walker(root).build() {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    out.errors.push(walk_error(&e, root, &cwd));
                    continue;
                }
            };
            let path = entry.path();
            let named = entry.depth() == 0;
            let Some(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_dir() {
                continue;
            }
            let kind = file_kind(path);
            let rel = path.strip_prefix(root).unwrap_or(path);
            // A root that is a file is its own path (`rel` is empty then).
            let abs = root_abs
                .as_ref()
                .map(|r| if named { r.clone() } else { r.join(rel) });
            let config = match abs.as_deref().and_then(Path::parent) {
                Some(dir) => filters.index_for(dir)?,
                None => 0,
            };
            let filter = filters.filter(config);
            let rel_named;
            let rel = if named {
                rel_named = path.file_name().map(PathBuf::from).unwrap_or_default();
                rel_named.as_path()
            } else {
                rel
            };
            // A file named on the command line (depth 0) is linted whatever the
            // non-target list says; the globs apply unless `force`.
            let left_out = (!(named && force) && filter.leaves_out(abs.as_deref(), rel))
                || (!named && path.file_name().is_some_and(|n| is_non_target(n, false)));
            let keep = filter.keep;
            if file_type.is_symlink() {
                let reason = (!left_out)
                    .then(|| symlink_reason(path, root, kind.is_some()))
                    .flatten();
                if let Some(reason) = reason {
                    out.skipped.push(Skipped {
                        path: display_path(path, &cwd),
                        reason,
                    });
                }
                continue;
            }
            if !file_type.is_file() {
                if !left_out {
                    special_file(&mut out, display_path(path, &cwd), named, kind.is_some());
                }
                continue;
            }
            let Some(kind) = kind else {
                continue;
            };
            if !left_out && !named && in_project_template(rel, kind) {
                if kind == FileKind::Rust {
                    out.skipped.push(Skipped {
                        path: display_path(path, &cwd),
                        reason: TEMPLATE_REASON.to_string(),
                    });
                }
                continue;
            }
            let test_code = match kind {
                FileKind::Rust => !keep.rust_dirs && in_rust_test_dir(rel),
                FileKind::Config | FileKind::Properties => {
                    !keep.spring_resources && in_jvm_test_sources(rel)
                }
                _ => false,
            };
            if left_out || test_code {
                continue;
            }
            out.files.push(Candidate {
                display: display_path(path, &cwd),
                path: path.to_path_buf(),
                kind,
                config,
            });
        }
    }
    out.files.sort();
    // The same file reached from two roots (`a` and `./a`) is linted once.
    out.files.dedup_by(|a, b| a.display == b.display);
    out.skipped.sort();
    out.skipped.dedup();
    out.errors.sort();
    out.errors.dedup();
    Ok(out)
}

/// The walk's configuration (see the module doc for why each switch is set).
fn walker(root: &Path) -> ignore::WalkBuilder {
    // How `ignore` decides (0.4, `dir.rs`): with `parents` on it reads the ignore
    // files of every directory above the root, and applies a `.gitignore` from the
    // file's directory upward until it has passed a directory holding `.git`; but
    // it only looks for `.git` when `require_git` is on. With `require_git` off,
    // every `.gitignore` up to `/` applies. So: inside a repository, parents and
    // `require_git` are on, and the rules stop at the repository root; outside
    // one, parents are off and only the `.gitignore` files inside the scanned tree
    // apply (`require_git` off, or they would not apply at all).
    let in_repo = crate::repo::root_of(root).is_some();
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .hidden(false)
        .parents(in_repo)
        .ignore(false)
        .git_global(false)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(in_repo)
        .follow_links(false)
        .filter_entry(|e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            !(is_dir
                && e.depth() > 0
                && (SKIP_DIRS.iter().any(|d| e.file_name() == *d)
                    || is_non_target(e.file_name(), true)))
        });
    builder
}

/// An `io` error for what the walk could not read, naming the path it failed on.
fn walk_error(e: &ignore::Error, root: &Path, cwd: &Path) -> FileError {
    let path = error_path(e).unwrap_or(root);
    // The OS error alone: `ignore`'s own text repeats the path.
    let message = match e.io_error() {
        Some(io) => match io.raw_os_error() {
            Some(code) => format!(
                "cannot read directory: {}",
                std::io::Error::from_raw_os_error(code)
            ),
            None => format!("cannot read directory: {}", io.kind()),
        },
        None => e.to_string(),
    };
    FileError {
        path: display_path(path, cwd),
        line: None,
        column: None,
        kind: ErrorKind::Io,
        message,
    }
}

/// The path an `ignore` error is about, when it says.
fn error_path(e: &ignore::Error) -> Option<&Path> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        ignore::Error::Partial(errs) => errs.first().and_then(error_path),
        _ => None,
    }
}

/// Why a symlink found inside a tree is not followed, or `None` when it is not
/// worth a word (it names no lintable file and points to no directory). Links are
/// not followed: one to a file inside the tree would lint it twice, one outside
/// it would read what the repository does not hold.
fn symlink_reason(path: &Path, root: &Path, lintable_name: bool) -> Option<String> {
    let Ok(target) = std::fs::canonicalize(path) else {
        return lintable_name.then(|| "dangling symbolic link".to_string());
    };
    let is_dir = target.is_dir();
    if !is_dir && !lintable_name && file_kind(&target).is_none() {
        return None;
    }
    let inside = std::fs::canonicalize(root).is_ok_and(|r| target.starts_with(r));
    let what = if is_dir { "a directory" } else { "a file" };
    Some(if inside {
        format!("symbolic link to {what} inside the tree, not followed (the target is linted where it lies)")
    } else {
        format!(
            "symbolic link to {what} outside the tree, not followed: name `{}` on the command line to lint it",
            display_path(&target, &std::env::current_dir().unwrap_or_default())
        )
    })
}

/// A FIFO, socket or device: reading it could block or never end. Named on the
/// command line it is an `io` error; met in a tree with a lintable name, skipped.
fn special_file(out: &mut Discovered, display: String, named: bool, lintable_name: bool) {
    let reason = "not a regular file (a FIFO, socket or device): not read";
    if named {
        out.errors.push(FileError {
            path: display,
            line: None,
            column: None,
            kind: ErrorKind::Io,
            message: reason.to_string(),
        });
    } else if lintable_name {
        out.skipped.push(Skipped {
            path: display,
            reason: reason.to_string(),
        });
    }
}
