//! Declared shapes of the documents resilint builds itself (extracted Rust facts,
//! normalised configuration), one table per shape: keys, types and a one-line doc.
//!
//! Rule loading checks a rule's `each` and `path` expressions against the shape of
//! the platform it selects ([`check_rule`]), so a typo (`each = "client[*]"`,
//! `path = "timeot"`) is a rule-file error with a suggestion, not a rule that never
//! fires. Platforms without a declared shape (Kubernetes objects, CRDs) are not
//! checked. Adding a shape is one table in a submodule plus one entry in [`SHAPES`].

mod rust;

use crate::classify::Platform;
use crate::rules::path::Path;
use crate::rules::RuleSpec;

/// A value's type in a shape.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    /// A string.
    Text,
    /// A flag, present (`true`) or absent.
    Flag,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// A list of maps with these keys (`[*]` or `[N]` selects an item).
    List(&'static [Field]),
    /// A map with these keys.
    Map(&'static [Field]),
}

impl Ty {
    /// How the type reads in the reference tables.
    pub fn describe(&self) -> String {
        match self {
            Ty::Text => "text".into(),
            Ty::Flag => "flag".into(),
            Ty::OneOf(values) => values
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(" \\| "),
            Ty::List(_) => "list of maps".into(),
            Ty::Map(_) => "map".into(),
        }
    }
}

/// One key of a shape.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub key: &'static str,
    pub ty: Ty,
    pub doc: &'static str,
}

impl Field {
    pub const fn new(key: &'static str, ty: Ty, doc: &'static str) -> Self {
        Field { key, ty, doc }
    }
}

/// The shape of one kind of document.
#[derive(Debug)]
pub struct Shape {
    pub name: &'static str,
    pub platform: Platform,
    pub doc: &'static str,
    pub fields: &'static [Field],
}

/// Every declared shape.
pub static SHAPES: &[&Shape] = &[&rust::FACTS];

/// The shape of a platform's documents, when one is declared.
pub fn for_platform(platform: Platform) -> Option<&'static Shape> {
    SHAPES.iter().copied().find(|s| s.platform == platform)
}

/// Where a path stands in a shape.
#[derive(Debug, Clone, Copy)]
enum Pos {
    Map(&'static [Field]),
    List(&'static [Field]),
    Value(&'static Field),
}

/// A path that does not fit a shape: the expression, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The expression as written, to find it in the rule file.
    pub expr: String,
    pub message: String,
}

/// The known key nearest to `key` (Jaro-Winkler ≥ 0.8), for "did you mean".
fn nearest<'a>(key: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|k| (strsim::jaro_winkler(key, k), k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// Walks `path` from `start`; the error names the first step that does not exist.
fn walk(shape: &Shape, start: Pos, path: &Path) -> Result<Pos, SchemaError> {
    let error = |message: String| SchemaError {
        expr: path.to_string(),
        message,
    };
    let mut pos = start;
    for step in path.keys() {
        pos = match (step, pos) {
            (Some(key), Pos::Map(fields)) => match fields.iter().find(|f| f.key == key) {
                Some(field) => match field.ty {
                    Ty::List(items) => Pos::List(items),
                    Ty::Map(inner) => Pos::Map(inner),
                    _ => Pos::Value(field),
                },
                None => {
                    let known: Vec<&str> = fields.iter().map(|f| f.key).collect();
                    let hint = match nearest(key, known.iter().copied()) {
                        Some(k) => format!("did you mean `{k}`? "),
                        None => String::new(),
                    };
                    return Err(error(format!(
                        "`{path}`: `{key}` is not a key of {} documents here: {hint}(known: {})",
                        shape.name,
                        known.join(", ")
                    )));
                }
            },
            (None, Pos::List(items)) | (None, Pos::Map(items)) => Pos::Map(items),
            (Some(key), Pos::List(_)) => {
                return Err(error(format!(
                    "`{path}`: `{key}` follows a list: write `[*]` (every item) or `[0]` before it"
                )))
            }
            (_, Pos::Value(field)) => {
                return Err(error(format!(
                    "`{path}`: `{}` is a {} value, with nothing below it",
                    field.key,
                    field.ty.describe()
                )))
            }
        };
    }
    Ok(pos)
}

/// Checks a rule's `each`, `when` and `require` paths against the shape of the
/// platform it selects, when there is one.
pub fn check_rule(spec: &RuleSpec) -> Result<(), SchemaError> {
    let Some(platform) = spec.select.platform.map(|p| p.0) else {
        return Ok(());
    };
    let Some(shape) = for_platform(platform) else {
        return Ok(());
    };
    for each in &spec.select.each.0 {
        let subject = walk(shape, Pos::Map(shape.fields), each)?;
        let relative = spec
            .select
            .when
            .iter()
            .map(|a| &a.path)
            .chain(spec.check.assertion_paths());
        for path in relative {
            walk(shape, subject, path)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
