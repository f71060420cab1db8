//! The binary's memory allocator: mimalloc for the many small blocks a run makes
//! (tree nodes, strings, findings), the system allocator for large ones.
//!
//! A 16k-file run makes about 13 million allocations. glibc's malloc spent a fifth of
//! the run's CPU time on them (`_int_malloc`, `_int_free`, `malloc_consolidate`,
//! `unlink_chunk`), a share that grew with the heap; mimalloc cuts the run's CPU time
//! by about a third. But mimalloc grows a large vector by copying it into a new block
//! and keeps freed blocks for a while, which took 10 MB hostile inputs (one list of a
//! million items) from 140 MB to 350 MB. glibc serves blocks from
//! [`LARGE`] up with `mmap`, grows them in place with `mremap` and unmaps them when
//! freed; so large blocks stay with it. `dealloc` and `realloc` are told the block's
//! size, so each block goes back to the allocator that made it.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks of this many bytes or more come from the system allocator.
pub const LARGE: usize = 64 * 1024;

/// See the module docs.
pub struct Hybrid;

/// `mi_option_purge_delay` in the `mimalloc.h` of mimalloc v3, which `libmimalloc-sys`
/// builds by default (the option enum's 16th entry; the crate names no constant for
/// it). The test below checks it against the option's default in v3's `options.c`.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Makes mimalloc return freed pages to the system at once instead of after its
/// default 1 s: with the delay, a 2.3 MB one-line JSON file of 100k findings
/// (`benches/hostile`) peaked at 206 MB, over the 200 MB bound; at once, 172 MB.
/// Call it first in `main`; the engine holds freed pages only while it loads
/// ([`hold_freed_pages`]).
pub fn purge_freed_pages_at_once() {
    PURGING_AT_ONCE.store(true, std::sync::atomic::Ordering::Relaxed);
    set_purge_delay(0);
    no_transparent_huge_pages();
}

/// Asks Linux not to back this process's memory with transparent huge pages.
/// mimalloc commits its arena when it reserves it (before `main`, so its own option
/// comes too late), and a first touch anywhere in a 2 MB range then faulted in and
/// zeroed the whole range: a 1M-line Rust tree's check peaked at 138 MB, the 300k
/// tree's at 80 MB and vaultwarden's at 49 MB; with 4 KB pages, 126, 67 and 36 MB,
/// for the same CPU time (paired runs: 0.98× on 1M lines, 1.01× on 300k).
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: sets a flag of this process; no memory is passed.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Whether the process asked for [`purge_freed_pages_at_once`]: a library user who
/// did not keeps its own setting.
static PURGING_AT_ONCE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes mimalloc keep freed pages for its default 1 s again. Loading frees and
/// allocates in waves (a `syn` tree per file, decoded cache entries, documents
/// moved into their link groups): pages returned at once were faulted in and
/// zeroed again by the kernel, and with two threads each return cost the other a
/// TLB flush. Held while loading and linking, a 1M-line Rust tree's run took 12%
/// less CPU (`benches/rust_speed`) for 2 MB more peak; the engine now holds them
/// while loading only, since the link step (2% of the run) is where a Rust tree's
/// run peaks, and holding freed facts there cost 5 MB of peak. The hostile inputs'
/// peaks come later (findings and output), after [`stop_holding_freed_pages`]. Only
/// when the process purges at once.
pub fn hold_freed_pages() {
    if PURGING_AT_ONCE.load(std::sync::atomic::Ordering::Relaxed) {
        set_purge_delay(1000);
    }
}

/// Back to purging at once, after [`hold_freed_pages`].
pub fn stop_holding_freed_pages() {
    if PURGING_AT_ONCE.load(std::sync::atomic::Ordering::Relaxed) {
        set_purge_delay(0);
    }
}

fn set_purge_delay(ms: i64) {
    // SAFETY: sets one integer option; mimalloc reads its options atomically.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, ms as _) }
}

/// The heap of [`keeping`], made on first use and never deleted.
static KEPT_HEAP: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// How many threads are inside [`keeping`]: while none is, an allocation reads this
/// one shared word and no thread-local.
static KEEPERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

thread_local! {
    /// Inside [`keeping`]: this thread's theap of the kept heap.
    static KEPT_THEAP: std::cell::Cell<Option<*mut std::ffi::c_void>> =
        const { std::cell::Cell::new(None) };
}

// mimalloc v3's theap calls, which `libmimalloc-sys` compiles but does not declare.
unsafe extern "C" {
    fn mi_heap_theap(heap: *mut libmimalloc_sys::mi_heap_t) -> *mut std::ffi::c_void;
    fn mi_theap_malloc_aligned(
        theap: *mut std::ffi::c_void,
        size: usize,
        alignment: usize,
    ) -> *mut std::ffi::c_void;
    fn mi_theap_malloc(theap: *mut std::ffi::c_void, size: usize) -> *mut std::ffi::c_void;
}

/// Alignment every mimalloc block has (its smallest size class is one word, and each
/// class is a multiple of it): a layout asking no more is served by the plain calls.
const WORD: usize = std::mem::size_of::<usize>();

/// A small block from mimalloc. The `mimalloc` crate asks `mi_malloc_aligned` for every
/// block, whose alignment checks cost about 20 instructions per call; almost every
/// block of a run asks for a word or less (two million per vaultwarden run), and
/// `mi_malloc` serves those as they are.
///
/// # Safety
/// As [`GlobalAlloc::alloc`], for a small block.
#[inline]
unsafe fn alloc_small(layout: Layout) -> *mut u8 {
    if layout.align() <= WORD {
        // SAFETY: a non-zero size (the caller's guarantee); the block is word-aligned.
        unsafe { libmimalloc_sys::mi_malloc(layout.size()) as *mut u8 }
    } else {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }
}

/// A small block while some thread is inside [`keeping`]: from the kept heap if this
/// thread is. Out of line, so that the usual path stays a jump to mimalloc.
///
/// # Safety
/// As [`GlobalAlloc::alloc`], for a small block.
#[cold]
#[inline(never)]
unsafe fn alloc_while_keeping(layout: Layout) -> *mut u8 {
    match KEPT_THEAP.try_with(std::cell::Cell::get).ok().flatten() {
        // SAFETY: this thread's theap of the kept heap, which is never deleted.
        Some(theap) if layout.align() <= WORD => unsafe {
            mi_theap_malloc(theap, layout.size()) as *mut u8
        },
        // SAFETY: as above.
        Some(theap) => unsafe {
            mi_theap_malloc_aligned(theap, layout.size(), layout.align()) as *mut u8
        },
        // SAFETY: forwarded with the caller's guarantees.
        None => unsafe { alloc_small(layout) },
    }
}

/// Runs `f` with this thread's small blocks allocated from a heap of their own, whose
/// pages hold nothing else.
///
/// Facts kept for the whole run, copied into the holes a freed syntax tree leaves,
/// scatter the next files' trees over pages they pin: the parse then allocates from
/// long, cold free lists. Kept apart, a 300k-line tree's check took 9% less CPU
/// time for as many instructions; see [`crate::extract::rust::FileFacts::packed`].
pub fn keeping<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: makes a heap once; a v3 heap serves any thread through the theap that
    // thread gets for it.
    let heap = *KEPT_HEAP.get_or_init(|| unsafe { libmimalloc_sys::mi_heap_new() } as usize);
    // SAFETY: a live heap.
    let theap = unsafe { mi_heap_theap(heap as *mut libmimalloc_sys::mi_heap_t) };
    if theap.is_null() || KEPT_THEAP.try_with(|t| t.set(Some(theap))).is_err() {
        return f();
    }
    /// Leaves [`keeping`] even on unwind.
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            let _ = KEPT_THEAP.try_with(|t| t.set(None));
            KEEPERS.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
    KEEPERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let _leave = Leave;
    f()
}

fn large(size: usize) -> bool {
    size >= LARGE
}

// SAFETY: each call goes to one of two correct allocators, chosen by the block's size,
// which `dealloc` and `realloc` receive unchanged from the caller: a block is always
// freed or resized by the allocator that returned it, and a block that changes sides
// on `realloc` is copied into a block of the other side (`min` of the two sizes).
unsafe impl GlobalAlloc for Hybrid {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if large(layout.size()) {
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { System.alloc(layout) }
        } else if KEEPERS.load(std::sync::atomic::Ordering::Relaxed) != 0 {
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { alloc_while_keeping(layout) }
        } else {
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { alloc_small(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if large(layout.size()) {
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { System.alloc_zeroed(layout) }
        } else {
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if large(layout.size()) {
            // SAFETY: `ptr` came from `System` (same size, same rule).
            unsafe { System.dealloc(ptr, layout) }
        } else {
            // SAFETY: `ptr` came from mimalloc (same size, same rule).
            unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match (large(layout.size()), large(new_size)) {
            // SAFETY: `ptr` came from `System`, which resizes it.
            (true, true) => unsafe { System.realloc(ptr, layout, new_size) },
            // SAFETY: `ptr` came from mimalloc, which resizes it.
            (false, false) if layout.align() <= WORD => unsafe {
                libmimalloc_sys::mi_realloc(ptr.cast(), new_size) as *mut u8
            },
            // SAFETY: as above.
            (false, false) => unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) },
            _ => {
                // SAFETY: `new_size` with the old alignment is a valid layout (the
                // caller guarantees it does not overflow when rounded).
                let new_layout =
                    unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
                // SAFETY: a fresh block of the other side; the copy stays within both
                // blocks, and the old block is freed by its own allocator.
                unsafe {
                    let new = self.alloc(new_layout);
                    if !new.is_null() {
                        std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                    new
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Hybrid, LARGE, PURGE_DELAY};
    use std::alloc::{GlobalAlloc, Layout};

    /// The constant names the purge delay: its default is 1000 ms (its neighbours'
    /// defaults, a deprecated option and `use_numa_nodes`, are 1 and 0), and setting
    /// it takes.
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 1000);
        }
        super::purge_freed_pages_at_once();
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 0);
    }

    /// Inside `keeping` a small block comes from the kept heap, outside it from the
    /// default one; large blocks stay with the system allocator; every block is freed
    /// as usual.
    #[test]
    fn keeping_allocates_small_blocks_in_their_own_heap() {
        unsafe extern "C" {
            fn mi_heap_contains(
                heap: *const libmimalloc_sys::mi_heap_t,
                p: *const std::ffi::c_void,
            ) -> bool;
        }
        let small = Layout::from_size_align(48, 8).unwrap();
        let large = Layout::from_size_align(LARGE, 8).unwrap();
        // SAFETY: each block is freed once with the layout it was allocated with.
        unsafe {
            let (kept, big) = super::keeping(|| (Hybrid.alloc(small), Hybrid.alloc(large)));
            let plain = Hybrid.alloc(small);
            let heap = *super::KEPT_HEAP.get().unwrap() as *const libmimalloc_sys::mi_heap_t;
            assert!(mi_heap_contains(heap, kept.cast()));
            assert!(!mi_heap_contains(heap, plain.cast()));
            assert!(!libmimalloc_sys::mi_is_in_heap_region(big.cast()));
            for (p, l) in [(kept, small), (big, large), (plain, small)] {
                Hybrid.dealloc(p, l);
            }
        }
    }

    /// Small blocks have the alignment they ask for, on both paths (a word or less
    /// through `mi_malloc`, more through the aligned calls), in and out of `keeping`,
    /// and after a `realloc` that grows them.
    #[test]
    fn small_blocks_are_aligned_as_asked() {
        let mut blocks = Vec::new();
        // SAFETY: each block is freed once with the layout it was last given.
        unsafe {
            for keep in [false, true] {
                for align in [1, 2, 4, 8, 16, 32, 64] {
                    for size in [1, 7, 8, 24, 40, 200, 3000] {
                        let l = Layout::from_size_align(size, align).unwrap();
                        let p = if keep {
                            super::keeping(|| Hybrid.alloc(l))
                        } else {
                            Hybrid.alloc(l)
                        };
                        assert!(!p.is_null() && p as usize % align == 0, "{size}/{align}");
                        let q = Hybrid.realloc(p, l, size * 3);
                        assert!(
                            !q.is_null() && q as usize % align == 0,
                            "{size}/{align} grown"
                        );
                        blocks.push((q, Layout::from_size_align(size * 3, align).unwrap()));
                    }
                }
            }
            for (p, l) in blocks {
                Hybrid.dealloc(p, l);
            }
        }
    }

    /// A block keeps its bytes when `realloc` moves it between the two allocators,
    /// both ways, and when each resizes its own.
    #[test]
    fn realloc_across_the_threshold_keeps_the_contents() {
        let sizes = [100, LARGE / 2, LARGE + 8, 4 * LARGE, LARGE - 1, 64];
        let layout = Layout::from_size_align(sizes[0], 8).unwrap();
        // SAFETY: every pointer is used within its current size and freed once, with
        // the layout (size, alignment) it was last allocated or resized to.
        unsafe {
            let mut ptr = Hybrid.alloc(layout);
            assert!(!ptr.is_null());
            let mut size = sizes[0];
            for i in 0..size {
                *ptr.add(i) = (i % 251) as u8;
            }
            for &new in &sizes[1..] {
                ptr = Hybrid.realloc(ptr, Layout::from_size_align(size, 8).unwrap(), new);
                assert!(!ptr.is_null());
                let kept = size.min(new).min(sizes[0]);
                for i in 0..kept {
                    assert_eq!(
                        *ptr.add(i),
                        (i % 251) as u8,
                        "byte {i} after {size} -> {new}"
                    );
                }
                size = new;
            }
            Hybrid.dealloc(ptr, Layout::from_size_align(size, 8).unwrap());
            let zeroed = Layout::from_size_align(2 * LARGE, 16).unwrap();
            let z = Hybrid.alloc_zeroed(zeroed);
            assert!(!z.is_null() && (0..2 * LARGE).all(|i| *z.add(i) == 0));
            Hybrid.dealloc(z, zeroed);
        }
    }
}
