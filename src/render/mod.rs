//! Render stage: pure functions from a report to bytes.

pub mod json;
pub mod text;
