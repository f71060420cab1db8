//! The rule file format (`rules/<group>/<name>.toml`), as serde structs.
//!
//! Values that need checking (paths, globs, lists) are parsed while deserializing,
//! so a mistake is reported by `toml` with the line and column of the bad value.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use super::checks::Check;
use super::path::Path;
use crate::report::{Category, Severity};

/// One rule file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleSpec {
    /// `<group>/<name>`, equal to the file's path under its rule directory.
    pub id: Spanned<String>,
    /// Coverage category the rule's subjects count under.
    pub category: Category,
    /// Default severity; `resilint.toml` may override it or turn the rule off.
    pub severity: Severity,
    /// Off unless asked for: a level for it in `resilint.toml`, or its id in `--select`.
    /// For rules whose evidence is weaker than the default set's (clippy's pedantic
    /// lints, ruff's rules outside the default selection): an audit turns them on.
    #[serde(default)]
    pub opt_in: bool,
    /// One line, shown by `resilint rules` and in SARIF.
    pub summary: String,
    /// Which subjects the rule judges.
    pub select: Select,
    /// What a subject must satisfy to be covered.
    pub check: Check,
    /// What, why, example, fix: shown by `resilint explain`.
    pub docs: Spanned<Docs>,
}

/// Subject selection: documents by platform / apiVersion / kind, then nodes by path.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Select {
    /// `kubernetes`, `kong`, `envoy`, `spring`, `rust` or `other`; implied `kubernetes` when
    /// `api-version` or `kind` is given.
    pub platform: Option<PlatformName>,
    /// Glob over `apiVersion`, e.g. `networking.istio.io/*`.
    pub api_version: Option<Glob>,
    /// One kind or a list of kinds.
    #[serde(default)]
    pub kind: OneOrMany<String>,
    /// Path(s) from the document root to each subject, e.g. `spec.http[*]`.
    pub each: OneOrMany<Path>,
    /// Conditions a node must meet to be a subject at all.
    #[serde(default)]
    pub when: Vec<Assertion>,
}

impl Select {
    /// The platform this selection is limited to (see [`PlatformName::implied`]).
    pub fn platform_selected(&self) -> Option<crate::classify::Platform> {
        PlatformName::implied(self.platform, self.api_version.is_some(), &self.kind.0)
    }
}

/// A test of the value(s) at `path`, relative to the subject. Exactly one test per
/// assertion, checked while reading the rule file.
#[derive(Debug, Deserialize)]
#[serde(try_from = "RawAssertion")]
pub struct Assertion {
    pub path: Path,
    /// `true`: the path must exist; `false`: it must not.
    pub present: Option<bool>,
    /// The value, when present, must be a duration other than zero.
    pub non_zero_duration: Option<bool>,
    /// The value, when present, must be a number below this (a duration with a unit,
    /// `90s`, counts in seconds).
    pub below: Option<f64>,
    /// The value, when present, must be one of these strings.
    pub one_of: Option<Vec<String>>,
    /// The value, when present, must be none of these strings.
    pub not_one_of: Option<Vec<String>>,
    /// Finding message; `{path}` and `{value}` are replaced.
    pub message: Option<String>,
}

/// [`Assertion`] as written, before the one-test check.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawAssertion {
    /// Path expression relative to the subject.
    path: Path,
    /// `true`: the path must exist (a finding points at the subject's first line); `false`: it must not (a finding points at the key).
    present: Option<bool>,
    /// `true`: when present, the value must not be a zero duration (`0s`, `0ms`, `0`).
    non_zero_duration: Option<bool>,
    /// When present, the value must be a number below this; a duration with a unit (`90s`, `2h`) counts in seconds.
    below: Option<f64>,
    /// When present, the value must be one of these strings.
    one_of: Option<Vec<String>>,
    /// When present, the value must be none of these strings.
    not_one_of: Option<Vec<String>>,
    /// Finding message; `{path}` and `{value}` are replaced, and `{field:PATH}` by the subject's scalar at `PATH` (e.g. `{field:name}`, `{field:origin.wait-duration}`).
    message: Option<String>,
}

impl TryFrom<RawAssertion> for Assertion {
    type Error = String;
    fn try_from(r: RawAssertion) -> Result<Self, String> {
        let a = Assertion {
            path: r.path,
            present: r.present,
            non_zero_duration: r.non_zero_duration,
            below: r.below,
            one_of: r.one_of,
            not_one_of: r.not_one_of,
            message: r.message,
        };
        a.validate()
            .map_err(|e| format!("{e} (assertion on `{}`)", a.path))?;
        Ok(a)
    }
}

impl Assertion {
    fn validate(&self) -> Result<(), String> {
        let tests = [
            self.present.is_some(),
            self.non_zero_duration.is_some(),
            self.below.is_some(),
            self.one_of.is_some(),
            self.not_one_of.is_some(),
        ];
        match tests.iter().filter(|t| **t).count() {
            1 => Ok(()),
            0 => Err("assertion has no test: add one of `present`, `non-zero-duration`, `below`, `one-of`, `not-one-of`".into()),
            _ => Err("assertion has several tests: split it into one `[[...]]` entry per test".into()),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Docs {
    pub what: String,
    pub why: String,
    pub example: String,
    pub fix: String,
}

impl Docs {
    /// Every docs field by name, for validation and listings.
    pub fn fields(&self) -> [(&'static str, &str); 4] {
        [
            ("what", &self.what),
            ("why", &self.why),
            ("example", &self.example),
            ("fix", &self.fix),
        ]
    }
}

/// A platform name checked while reading the rule file.
#[derive(Debug, Clone, Copy)]
pub struct PlatformName(pub crate::classify::Platform);

impl PlatformName {
    /// The platform a selection is limited to: the one it names, else `kubernetes`
    /// when it names an `apiVersion` or a kind, else none (every platform).
    pub fn implied(
        named: Option<PlatformName>,
        api_version: bool,
        kinds: &[String],
    ) -> Option<crate::classify::Platform> {
        let wants_k8s = api_version || !kinds.is_empty();
        named
            .map(|p| p.0)
            .or(wants_k8s.then_some(crate::classify::Platform::Kubernetes))
    }
}

impl<'de> Deserialize<'de> for PlatformName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        crate::classify::Platform::from_name(&name)
            .map(PlatformName)
            .ok_or_else(|| {
                de::Error::custom(format!(
                    "unknown platform `{name}`: write one of kubernetes, kong, envoy, spring, rust, cross, consul, other"
                ))
            })
    }
}

/// A compiled glob, e.g. over `apiVersion`: bounded and compiled without panics
/// ([`super::glob`]), so a huge glob is an error at its line and column.
#[derive(Debug, Clone)]
pub struct Glob(pub globset::GlobSet);

impl<'de> Deserialize<'de> for Glob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        super::glob::compile(&text, super::glob::Separator::Plain)
            .map(Glob)
            .map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Path {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Path::parse(&text).map_err(|e| de::Error::custom(format!("bad path `{text}`: {e}")))
    }
}

/// A value written either alone (`kind = "A"`) or as a list (`kind = ["A", "B"]`).
#[derive(Debug, Clone)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                let one = T::deserialize(de::value::StrDeserializer::<E>::new(s))?;
                Ok(OneOrMany(vec![one]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(OneOrMany(items))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}
