//! Extract stage: turn sources that are not configuration into positioned
//! fact trees the rule engine judges like any other document.

pub mod rust;
