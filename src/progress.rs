//! The progress bar on stderr while a long run reads its files.
//!
//! The command line decides whether one may be shown at all (stderr is a
//! terminal, `CI` is not set, no `--quiet`); the engine asks for one once it knows
//! how many files it will read, and gets one only for a run long enough to need it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Fewer files than this read in well under a second: no bar.
pub const MIN_FILES: u64 = 500;

/// Whether a bar may be drawn: stderr is a terminal, not in CI, not `--quiet`.
pub fn allowed(quiet: bool) -> bool {
    use std::io::IsTerminal;
    !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// A bar counting `files` read, drawn on stderr, or `None` for a short run.
pub fn files(files: u64) -> Option<ProgressBar> {
    if files < MIN_FILES {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(files), ProgressDrawTarget::stderr());
    let style =
        ProgressStyle::with_template("{spinner} reading {pos}/{len} files {wide_bar} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}
