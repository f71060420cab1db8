//! The usage error (exit 2): a rule or catalogue file, a config key or an argument
//! that cannot be used. A leaf module, so every stage that reads user input (config,
//! discover, rules, the Rust extractor's catalogue) can report one without depending
//! on another stage.

use std::fmt;

/// A file or argument that cannot be used: a usage error (exit 2) naming where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub path: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {}", self.path, self.message),
            (Some(l), None) => write!(f, "{}:{l}: {}", self.path, self.message),
            _ => write!(f, "{}: {}", self.path, self.message),
        }
    }
}
