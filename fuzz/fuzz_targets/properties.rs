#![no_main]
//! See `resilint_fuzz::harness::properties`.

use libfuzzer_sys::{fuzz_mutator, fuzz_target};

fuzz_target!(|data: &[u8]| resilint_fuzz::harness::properties(data));

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    resilint_fuzz::repeat_slices(data, size, max_size, seed)
});
