//! Render stage: pure functions from a report to bytes.

pub mod json;
mod snippet;
pub mod text;
