//! Bounded, fallible glob compilation for every glob a user writes: rule
//! `select.api-version`, `include`/`exclude` in `resilint.toml`, and the API
//! catalogue's path patterns (`rules/apis/`, a rule directory's `apis/`).
//!
//! `globset` turns a glob into a regex. `GlobBuilder::build` only parses it, and
//! `Glob::compile_matcher` panics when the regex outgrows regex's size limit (a
//! `{a,b,...}` with 100,000 alternatives does). So every glob goes through here:
//! its length and alternative count are checked first, with a message saying
//! what to write instead, and it is compiled with `GlobSetBuilder::build`, which
//! returns the regex error instead of panicking.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

/// Longest glob accepted, in bytes. Real globs are a few dozen characters.
pub const MAX_GLOB_LEN: usize = 1024;

/// Most `{...}` alternatives (counted as `,` and `{` inside braces) in one glob.
pub const MAX_ALTERNATIVES: usize = 256;

/// How a pattern's `/` is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    /// `*` matches `/` too (apiVersion globs).
    Plain,
    /// `*` stops at `/`; `**` crosses it (paths).
    Literal,
}

/// Parses one glob after checking its size; the error says what to change.
pub fn parse(pattern: &str, separator: Separator) -> Result<globset::Glob, String> {
    if pattern.len() > MAX_GLOB_LEN {
        return Err(format!(
            "glob is {} bytes long, over the limit of {MAX_GLOB_LEN}: split it into several shorter globs",
            pattern.len()
        ));
    }
    let alternatives = count_alternatives(pattern);
    if alternatives > MAX_ALTERNATIVES {
        return Err(format!(
            "glob has {alternatives} `{{...}}` alternatives, over the limit of {MAX_ALTERNATIVES}: use a wildcard (`*`) or several globs instead"
        ));
    }
    GlobBuilder::new(pattern)
        .literal_separator(separator == Separator::Literal)
        .build()
        .map_err(|e| format!("bad glob `{}`: {e}", shorten(pattern)))
}

/// Compiles globs into one set; never panics (the regex size limit is an error).
pub fn set(globs: impl IntoIterator<Item = globset::Glob>) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        builder.add(g);
    }
    builder
        .build()
        .map_err(|e| format!("globs too large to compile ({e}): use fewer or simpler globs"))
}

/// One glob, parsed and compiled (a set of one).
pub fn compile(pattern: &str, separator: Separator) -> Result<GlobSet, String> {
    set([parse(pattern, separator)?])
}

/// Alternatives a glob asks for: each `{` and each `,` inside braces.
fn count_alternatives(pattern: &str) -> usize {
    let mut depth = 0usize;
    let mut count = 0;
    let mut escaped = false;
    for c in pattern.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '{' => {
                depth += 1;
                count += 1;
            }
            '}' => depth = depth.saturating_sub(1),
            ',' if depth > 0 => count += 1,
            _ => {}
        }
    }
    count
}

/// The pattern as quoted in a message: at most 60 characters.
fn shorten(pattern: &str) -> String {
    match pattern.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &pattern[..i]),
        None => pattern.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_globs_compile_and_match() {
        let set = compile("networking.istio.io/*", Separator::Plain).unwrap();
        assert!(set.is_match("networking.istio.io/v1beta1"));
        let set = compile("{a,b}/**/*.yaml", Separator::Literal).unwrap();
        assert!(set.is_match("a/x/y.yaml"));
        assert!(!set.is_match("c/y.yaml"));
    }

    #[test]
    fn too_many_alternatives_is_an_error_not_a_panic() {
        let alts: Vec<String> = (0..100_000).map(|i| format!("g{i}.io/*")).collect();
        let err = compile(&format!("{{{}}}", alts.join(",")), Separator::Plain).unwrap_err();
        assert!(err.contains("limit"), "{err}");
        let err = parse(
            &format!("{{{}}}", vec!["a"; 300].join(",")),
            Separator::Plain,
        )
        .unwrap_err();
        assert!(err.contains("alternatives"), "{err}");
    }

    #[test]
    fn escaped_braces_and_commas_outside_braces_do_not_count() {
        assert_eq!(count_alternatives(r"a,b,\{c,d\}"), 0);
        assert_eq!(count_alternatives("{a,{b,c}}"), 4);
    }

    #[test]
    fn bad_syntax_names_the_glob() {
        let err = parse("a[", Separator::Plain).unwrap_err();
        assert!(err.contains("`a[`"), "{err}");
    }
}
