//! Rules as data: the built-in rule files embedded at build time, user rule
//! directories in the same format, and their validation.
//!
//! `.toml` files under a top-level `apis/` folder of a rule directory (built in
//! and user alike) are not rules but API catalogue files for Rust sources, loaded by
//! the Rust extractor ([`crate::extract::rust::apis`]).

pub mod checks;
pub mod duration;
pub mod glob;
pub mod path;
pub mod spec;

use std::path::Path as FsPath;

use include_dir::{include_dir, Dir};

/// Catalogue loading belongs to the Rust extractor; re-exported for callers (fuzz
/// harness) that still name it through `rules`.
pub use crate::extract::rust::apis::{builtin_catalog, parse_catalog};
use crate::report::{Category, Severity};
use crate::source::SourceFile;
/// The usage error type lives in its own leaf module; re-exported for the stages
/// that name it through `rules`.
pub use crate::usage_error::RuleError;
pub use spec::RuleSpec;

static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/rules");

/// A loaded, validated rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub category: Category,
    pub severity: Severity,
    /// Off unless a configuration gives it a level or `--select` names its id (see
    /// [`RuleSpec::opt_in`]).
    pub opt_in: bool,
    pub spec: RuleSpec,
    /// `built-in` or the rule file's path.
    pub origin: String,
}

/// Parses and validates one rule file whose id must be `expected_id`.
pub fn parse_rule(
    display: &str,
    text: &str,
    expected_id: &str,
    origin: &str,
) -> Result<Rule, RuleError> {
    let source = SourceFile::new(display.to_string(), display.into(), text.to_string());
    let error_at = |span: Option<std::ops::Range<usize>>, message: String| {
        let pos = span.map(|s| source.line_col(s.start));
        RuleError {
            path: display.to_string(),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
            message,
        }
    };
    let spec: RuleSpec =
        toml::from_str(text).map_err(|e| error_at(e.span(), with_hint(e.message())))?;
    if spec.id.get_ref() != expected_id {
        return Err(error_at(
            Some(spec.id.span()),
            format!(
                "id `{}` does not match the file's path: write `id = \"{expected_id}\"` or move the file to `{}.toml`",
                spec.id.get_ref(),
                spec.id.get_ref()
            ),
        ));
    }
    let docs = spec.docs.get_ref();
    for (field, value) in docs.fields() {
        if value.trim().is_empty() {
            return Err(error_at(
                Some(spec.docs.span()),
                format!("`docs.{field}` is empty: every rule documents what, why, example and fix"),
            ));
        }
    }
    if spec.summary.trim().is_empty() {
        return Err(error_at(
            None,
            "`summary` is empty: give the rule a one-line summary".into(),
        ));
    }
    if spec.select.each.0.is_empty() {
        return Err(error_at(
            None,
            "`select.each` is empty: name the path to each subject, e.g. `spec.http[*]`".into(),
        ));
    }
    spec.check
        .validate()
        .map_err(|m| error_at(None, format!("in [check]: {m}")))?;
    crate::schema::check_rule(&spec).map_err(|e| {
        // The expression as written, quoted, is where the mistake is.
        let at = [format!("\"{}\"", e.expr), format!("'{}'", e.expr)]
            .iter()
            .find_map(|quoted| text.find(quoted.as_str()))
            .map(|start| start + 1..start + 1 + e.expr.len());
        error_at(at, e.message)
    })?;
    Ok(Rule {
        id: spec.id.get_ref().clone(),
        category: spec.category,
        severity: spec.severity,
        opt_in: spec.opt_in,
        spec,
        origin: origin.to_string(),
    })
}

/// Adds what to write to serde's bare `missing field` messages.
fn with_hint(message: &str) -> String {
    let hint = match message.strip_prefix("missing field ") {
        Some("`docs`") => {
            ": add a `[docs]` table with `what`, `why`, `example` and `fix` (see `resilint explain <id>` of a built-in rule)"
        }
        Some("`select`") => {
            ": add a `[select]` table with `each` (and `api-version`/`kind` or `platform`)"
        }
        Some("`check`") => ": add a `[check]` table with `kind = \"require\"` (or another check kind)",
        Some(field) if field.starts_with('`') => ": add it (README.md, \"Writing a rule\", lists every field)",
        _ => "",
    };
    format!("{message}{hint}")
}

/// The id a rule file must carry: its path below the rule directory, without `.toml`.
fn id_from_relative(rel: &FsPath) -> String {
    let mut id = rel.with_extension("").to_string_lossy().replace('\\', "/");
    if id.starts_with("./") {
        id.drain(..2);
    }
    id
}

/// Top-level folder of a rule directory that holds API catalogue files.
pub const CATALOG_DIR: &str = "apis";

pub(crate) fn is_catalog_path(rel: &FsPath) -> bool {
    rel.components()
        .next()
        .is_some_and(|c| c.as_os_str() == CATALOG_DIR)
        && rel.components().count() > 1
}

/// Every `*.toml` below `dir`, in path order; the directory must exist.
pub(crate) fn toml_files(dir: &FsPath) -> Result<Vec<std::path::PathBuf>, RuleError> {
    let display = dir.to_string_lossy().replace('\\', "/");
    if !dir.is_dir() {
        return Err(RuleError {
            path: display,
            line: None,
            column: None,
            message: "rule directory does not exist: fix `rule-dirs` in the configuration (paths are relative to its directory)".into(),
        });
    }
    let mut paths: Vec<_> = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .build()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Largest rule or catalogue file read: real ones are a few kilobytes, and a
/// rule directory is user input like any other.
const MAX_RULE_FILE_SIZE: u64 = 16 * 1024 * 1024;

pub(crate) fn read(path: &FsPath, shown: &str) -> Result<String, RuleError> {
    let error = |message: String| RuleError {
        path: shown.to_string(),
        line: None,
        column: None,
        message,
    };
    let len = std::fs::metadata(path)
        .map_err(|e| error(format!("cannot read rule file: {e}")))?
        .len();
    if len > MAX_RULE_FILE_SIZE {
        return Err(error(format!(
            "rule file is {len} bytes, over the {MAX_RULE_FILE_SIZE}-byte limit: split it, or check that it is a rule file"
        )));
    }
    std::fs::read_to_string(path).map_err(|e| error(format!("cannot read rule file: {e}")))
}

/// The rules compiled into the binary.
pub fn builtin() -> Result<Vec<Rule>, RuleError> {
    let mut files = Vec::new();
    collect_embedded(&BUILTIN, &mut files);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
        .into_iter()
        .filter(|(rel, _)| !is_catalog_path(FsPath::new(rel)))
        .map(|(rel, text)| {
            let id = id_from_relative(FsPath::new(&rel));
            parse_rule(&format!("rules/{rel}"), &text, &id, "built-in")
        })
        .collect()
}

pub(crate) fn collect_embedded(dir: &Dir<'static>, out: &mut Vec<(String, String)>) {
    for file in dir.files() {
        if file.path().extension().is_some_and(|e| e == "toml") {
            let text = file.contents_utf8().unwrap_or_default().to_string();
            out.push((file.path().to_string_lossy().replace('\\', "/"), text));
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out);
    }
}

/// Loads every `*.toml` rule below `dir`, in path order (catalogue files under
/// `apis/` excepted).
pub fn load_dir(dir: &FsPath) -> Result<Vec<Rule>, RuleError> {
    toml_files(dir)?
        .iter()
        .filter(|p| !is_catalog_path(p.strip_prefix(dir).unwrap_or(p)))
        .map(|path| {
            let shown = path.to_string_lossy().replace('\\', "/");
            let text = read(path, &shown)?;
            let rel = path.strip_prefix(dir).unwrap_or(path);
            parse_rule(&shown, &text, &id_from_relative(rel), &shown)
        })
        .collect()
}
