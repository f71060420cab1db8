//! `--format json`: the stable contract described in DESIGN.md.

use std::io::{self, Write};

use crate::report::Report;

pub fn render(report: &Report) -> String {
    super::to_string(|out| write(report, out))
}

/// Serialises the report straight onto `out` (no `String` or `Value` of it first).
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}
