//! resilint: a static linter for the resilience of service integrations.
//!
//! The pipeline, one module per stage, dependencies pointing one way:
//!
//! ```text
//! cli ─▶ engine ─▶ discover ─▶ load / extract ─▶ judge ─▶ report ─▶ render
//!                  (walk,      (text → trees;   (rules ×   (sort,    (text,
//!                   globs)      .rs → facts)     subjects)  coverage) json)
//! ```
//!
//! - [`discover`] walks paths with `ignore` and `globset`, within the bounds [`repo`] sets
//!   (ignore files and config discovery stop at the repository root).
//! - [`triage`] decides which load failures are errors (the file names a platform
//!   resilint judges) and which are only counted as skipped.
//! - [`load`] turns YAML/JSON into positioned [`tree::Node`]s; [`classify`] says what each document is.
//! - [`normalise`] makes each platform's spelling, defaults and inheritance explicit
//!   (Spring relaxed binding, profiles, Resilience4j `baseConfig`), between load and judge.
//! - [`extract`] turns Rust sources (`syn`) into typed facts, links them per package, and
//!   hands them on as positioned fact documents (`platform = "rust"`) judged like any other;
//!   which APIs matter is data: the catalogue under `rules/apis/`.
//! - [`rules`] reads the declarative rule files (`rules/<group>/<name>.toml`) and holds the closed
//!   set of check kinds in [`rules::checks`].
//! - [`judge`] applies rules to subjects and counts coverage; [`report`] holds the result.
//! - [`render`] turns a report into text or JSON and knows nothing about rules or disks.

pub mod alloc;
pub mod baseline;
pub mod cache;
pub mod changed;
pub mod classify;
pub mod cli;
pub mod config;
pub mod configs;
pub mod discover;
pub mod engine;
pub mod extract;
pub mod gate;
pub mod graph;
pub mod identity;
pub mod init;
pub mod istio;
pub mod join;
pub mod judge;
pub mod load;
pub mod normalise;
pub mod output;
pub mod progress;
pub mod reference;
pub mod render;
pub mod repo;
pub mod report;
pub mod rules;
pub mod schema;
pub mod select;
pub mod source;
pub mod substitution;
pub mod suppress;
pub mod timing;
pub mod tree;
pub mod triage;
pub mod usage_error;
pub mod workspace;
