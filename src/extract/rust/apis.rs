//! Loading the API catalogue: the built-in files (`rules/apis/`, embedded at build
//! time) and the `apis/` folder of each user rule directory. The Rust extractor owns
//! this; the rule loader only knows that `apis/` holds no rules.
//!
//! A file's format follows from the folder it sits in, below `apis/`:
//!
//! | folder | format |
//! |---|---|
//! | `apis/clients/` | clients, timeouts, breakers ([`CatalogFile`]) |
//! | `apis/retries/` | retry crates and sleeps ([`crate::extract::rust::retries::RetryCatalog`]) |
//! | `apis/routes/` | route registrations ([`crate::extract::rust::routes::RoutesCatalog`]) |
//!
//! Files elsewhere under `apis/` (the layout before these folders) keep the old
//! rule: `retry*.toml` retries, `routes*.toml` routes, any other name clients.

use std::path::Path;

use include_dir::{include_dir, Dir};

use super::catalog::{ApiFile, ApiKind, Catalog, CatalogFile};
use crate::rules::{collect_embedded, glob, is_catalog_path, read, toml_files};
use crate::source::SourceFile;
use crate::usage_error::RuleError;

static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/rules/apis");

/// The format of the catalogue file at `path`: by its folder below `apis/`, else
/// (files directly in `apis/` or another folder) by its file name.
pub fn kind_of(path: &Path) -> ApiKind {
    let parts: Vec<&str> = path
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    let folder = parts
        .windows(2)
        .rev()
        .find(|w| w[0] == crate::rules::CATALOG_DIR)
        .map(|w| w[1]);
    let by_folder = match folder {
        Some(f) if parts.last() != Some(&f) => match f {
            "clients" => Some(ApiKind::Clients),
            "retries" => Some(ApiKind::Retry),
            "routes" => Some(ApiKind::Routes),
            _ => None,
        },
        _ => None,
    };
    by_folder.unwrap_or_else(|| ApiFile::kind_of(path))
}

/// Parses one API catalogue file, in the format its path selects ([`kind_of`]).
pub fn parse_catalog(display: &str, text: &str) -> Result<ApiFile, RuleError> {
    let err = |e| catalog_error(display, text, e);
    Ok(match kind_of(Path::new(display)) {
        ApiKind::Clients => {
            let file: CatalogFile = toml::from_str(text).map_err(err)?;
            check_patterns(display, text, &file)?;
            ApiFile::Clients(Box::new(file))
        }
        ApiKind::Retry => ApiFile::Retry(Box::new(toml::from_str(text).map_err(err)?)),
        ApiKind::Routes => ApiFile::Routes(Box::new(toml::from_str(text).map_err(err)?)),
    })
}

fn catalog_error(display: &str, text: &str, e: toml::de::Error) -> RuleError {
    let source = SourceFile::new(display.to_string(), display.into(), text.to_string());
    let pos = e.span().map(|s| source.line_col(s.start));
    RuleError {
        path: display.to_string(),
        line: pos.map(|p| p.line),
        column: pos.map(|p| p.column),
        message: e.message().to_string(),
    }
}

/// Checks every path pattern of a clients catalogue file ([`glob::parse`]: bounded,
/// no panic), so a bad one is reported at its file, line and column.
fn check_patterns(display: &str, text: &str, file: &CatalogFile) -> Result<(), RuleError> {
    for pattern in file.patterns() {
        if let Err(e) = glob::parse(&pattern.replace("::", "/"), glob::Separator::Literal) {
            // The pattern's first quoted occurrence: the TOML value it was read from.
            let offset = text
                .find(&format!("\"{pattern}\""))
                .or_else(|| text.find(&format!("'{pattern}'")));
            let source = SourceFile::new(display.to_string(), display.into(), text.to_string());
            let pos = offset.map(|o| source.line_col(o));
            return Err(RuleError {
                path: display.to_string(),
                line: pos.map(|p| p.line),
                column: pos.map(|p| p.column),
                message: format!("path pattern: {e}"),
            });
        }
    }
    Ok(())
}

/// The API catalogue compiled into the binary (`rules/apis/**/*.toml`), in path order.
pub fn builtin_catalog() -> Result<Vec<ApiFile>, RuleError> {
    let mut files = Vec::new();
    collect_embedded(&BUILTIN, &mut files);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
        .into_iter()
        .map(|(rel, text)| parse_catalog(&format!("rules/apis/{rel}"), &text))
        .collect()
}

/// The API catalogue files of a user rule directory (`<dir>/apis/**/*.toml`).
pub fn load_catalog_dir(dir: &Path) -> Result<Vec<ApiFile>, RuleError> {
    toml_files(dir)?
        .into_iter()
        .filter(|p| is_catalog_path(p.strip_prefix(dir).unwrap_or(p)))
        .map(|path| {
            let shown = path.to_string_lossy().replace('\\', "/");
            let text = read(&path, &shown)?;
            parse_catalog(&shown, &text)
        })
        .collect()
}

/// The whole catalogue: built in, then each rule directory's `apis/` (relative to
/// `base`), compiled.
pub fn load(base: &Path, rule_dirs: &[std::path::PathBuf]) -> Result<Catalog, RuleError> {
    let mut catalog = Catalog::default();
    for file in builtin_catalog()? {
        catalog.add(file);
    }
    for dir in rule_dirs {
        for file in load_catalog_dir(&base.join(dir))? {
            catalog.add(file);
        }
    }
    // Each file's patterns were checked as it was read (errors name the file); what
    // fails here is the merged set, which belongs to no single file.
    catalog.compile().map_err(|message| RuleError {
        path: "API catalogue (rules/apis/ and each rule directory's apis/)".into(),
        line: None,
        column: None,
        message,
    })?;
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_picks_the_format_and_old_names_still_work() {
        let k = |p: &str| kind_of(Path::new(p));
        assert_eq!(k("rules/apis/clients/retry-client.toml"), ApiKind::Clients);
        assert_eq!(k("my/apis/retries/acme.toml"), ApiKind::Retry);
        assert_eq!(k("my/apis/routes/acme.toml"), ApiKind::Routes);
        assert_eq!(k("my/apis/retry-acme.toml"), ApiKind::Retry);
        assert_eq!(k("my/apis/routes-acme.toml"), ApiKind::Routes);
        assert_eq!(k("my/apis/acme.toml"), ApiKind::Clients);
        assert_eq!(k("my/apis/retry.toml"), ApiKind::Retry);
    }

    #[test]
    fn every_builtin_file_sits_in_its_format_folder() {
        let mut files = Vec::new();
        collect_embedded(&BUILTIN, &mut files);
        assert!(files.len() > 10);
        for (rel, _) in files {
            assert!(
                ["clients/", "retries/", "routes/"]
                    .iter()
                    .any(|f| rel.starts_with(f)),
                "{rel}: built-in catalogue files live in clients/, retries/ or routes/"
            );
        }
    }
}
