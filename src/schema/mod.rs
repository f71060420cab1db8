//! Declared shapes of the documents resilint builds itself (extracted Rust facts,
//! normalised configuration), one table per shape: keys, types and a one-line doc.
//!
//! Rule loading checks a rule's `each` and `path` expressions against the shape of
//! the platform it selects ([`check_rule`]), so a typo (`each = "client[*]"`,
//! `path = "timeot"`) is a rule-file error with a suggestion, not a rule that never
//! fires. Platforms without a declared shape (Kubernetes objects, CRDs) are not
//! checked. Adding a shape is one table in a submodule plus one entry in [`SHAPES`].
//!
//! Spring documents are open-ended (an application binds any property it likes), so
//! their shape is mostly [`Ty::Open`] maps: the keys resilint reads or derives are
//! declared and typos of them are refused, other keys pass unchecked; and
//! [`Ty::Names`] maps, whose keys are names the user chooses (`instances.payments`).

mod cross;
mod rust;
mod spring;

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
    /// A map with these known keys, where any other key is allowed too (Spring binds
    /// properties resilint does not read): below an undeclared key nothing is checked,
    /// but a near miss of a declared key (`wait-duraton`) or a key that is not in
    /// canonical kebab-case (`waitDuration`) is refused.
    Open(&'static [Field]),
    /// A map keyed by names the user chooses (`instances.payments`); `[*]` or any
    /// name selects an item, an open map with these keys.
    Names(&'static [Field]),
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
            Ty::Open(_) => "map (other keys allowed)".into(),
            Ty::Names(_) => "map of names".into(),
        }
    }

    /// The fields below this type and how a path reaches them from the key
    /// (`[*].`, `.` or `.<name>.`), for tables and tests.
    pub fn children(&self) -> Option<(&'static [Field], &'static str)> {
        match *self {
            Ty::List(items) => Some((items, "[*].")),
            Ty::Map(inner) | Ty::Open(inner) => Some((inner, ".")),
            Ty::Names(items) => Some((items, ".<name>.")),
            _ => None,
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
    /// Whether the document's top level allows undeclared keys (see [`Ty::Open`]).
    pub open: bool,
    pub fields: &'static [Field],
}

/// Every declared shape.
pub static SHAPES: &[&Shape] = &[&rust::FACTS, &spring::DOCUMENT, &cross::PATHS];

/// The shape of a platform's documents, when one is declared.
pub fn for_platform(platform: Platform) -> Option<&'static Shape> {
    SHAPES.iter().copied().find(|s| s.platform == platform)
}

/// Where a path stands in a shape.
#[derive(Debug, Clone, Copy)]
enum Pos {
    /// A map; `open` when undeclared keys are allowed.
    Map(&'static [Field], bool),
    List(&'static [Field]),
    /// A map of user-chosen names whose items have these fields.
    Names(&'static [Field]),
    Value(&'static Field),
    /// Below an undeclared key of an open map: nothing is known, anything goes.
    Any,
}

impl Pos {
    fn of(field: &'static Field) -> Pos {
        match field.ty {
            Ty::List(items) => Pos::List(items),
            Ty::Map(inner) => Pos::Map(inner, false),
            Ty::Open(inner) => Pos::Map(inner, true),
            Ty::Names(items) => Pos::Names(items),
            _ => Pos::Value(field),
        }
    }
}

/// Near misses in open maps must be closer than in closed ones: an undeclared key
/// there is legitimate, so only an obvious typo of a declared key is refused.
const OPEN_TYPO: f64 = 0.92;

/// A path that does not fit a shape: the expression, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The expression as written, to find it in the rule file.
    pub expr: String,
    pub message: String,
}

/// The known key nearest to `key` (Jaro-Winkler ≥ 0.8), for "did you mean".
fn nearest<'a>(key: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    nearest_within(key, known, 0.8)
}

fn nearest_within<'a>(
    key: &str,
    known: impl Iterator<Item = &'a str>,
    threshold: f64,
) -> Option<&'a str> {
    known
        .map(|k| (crate::select::similarity(key, k), k))
        .filter(|(score, _)| *score >= threshold)
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
            (_, Pos::Any) => Pos::Any,
            (Some(key), Pos::Map(fields, open)) => match fields.iter().find(|f| f.key == key) {
                Some(field) => Pos::of(field),
                None if open => {
                    open_key(shape, fields, key).map_err(|m| error(format!("`{path}`: {m}")))?
                }
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
            (_, Pos::Names(items)) => Pos::Map(items, true),
            (None, Pos::List(items)) => Pos::Map(items, false),
            (None, Pos::Map(items, open)) => Pos::Map(items, open),
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

/// An undeclared key of an open map: allowed (nothing is known below it) unless it is
/// not canonical kebab-case or is a near miss of a declared key.
fn open_key(shape: &Shape, fields: &[Field], key: &str) -> Result<Pos, String> {
    if key.chars().any(|c| c.is_ascii_uppercase() || c == '_') {
        return Err(format!(
            "`{key}`: {} keys are matched in canonical form (lowercase kebab-case, as the \
             normaliser writes them): write `{}`",
            shape.name,
            kebab(key)
        ));
    }
    match nearest_within(key, fields.iter().map(|f| f.key), OPEN_TYPO) {
        Some(k) => Err(format!(
            "`{key}` is not a key resilint knows here: did you mean `{k}`?"
        )),
        None => Ok(Pos::Any),
    }
}

/// `waitDuration` and `wait_duration` as `wait-duration`.
fn kebab(key: &str) -> String {
    let mut out = String::new();
    for (i, c) in key.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '_' {
            out.push('-');
        } else {
            out.push(c);
        }
    }
    out
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
        let subject = walk(shape, Pos::Map(shape.fields, shape.open), each)?;
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
