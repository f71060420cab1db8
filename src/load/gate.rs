//! One big file at a time: each worker thread may be handed a big file, and
//! parsing several at once would add their peaks (two 10 MB YAML files or two
//! 200,000-token Rust files on two threads take twice the memory one does). A big
//! file's worker waits here until no other big file is being parsed; small files,
//! nearly all of a real tree, never wait.

use std::sync::{Mutex, MutexGuard};

/// Configuration files at least this big are parsed one at a time (their tree
/// takes several times their size).
pub const BIG_CONFIG: usize = 1 << 20;
/// Rust files at least this big are parsed one at a time (`syn` takes 50-400
/// times their size).
pub const BIG_RUST: usize = 256 << 10;

static GATE: Mutex<()> = Mutex::new(());

/// Holds the gate while the returned guard lives when a file of `len` bytes is
/// big; `None` (no waiting) otherwise.
pub fn big_file_gate(len: usize, rust: bool) -> Option<MutexGuard<'static, ()>> {
    let threshold = if rust { BIG_RUST } else { BIG_CONFIG };
    // A worker that panicked while holding the gate leaves nothing to protect.
    (len >= threshold).then(|| GATE.lock().unwrap_or_else(|e| e.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_big_files_take_the_gate_and_one_at_a_time() {
        assert!(big_file_gate(BIG_CONFIG - 1, false).is_none());
        assert!(big_file_gate(BIG_RUST - 1, true).is_none());
        let held = big_file_gate(BIG_RUST, true);
        assert!(held.is_some());
        assert!(GATE.try_lock().is_err(), "a second big file must wait");
        drop(held);
        let again = big_file_gate(BIG_CONFIG, false);
        assert!(again.is_some());
    }
}
