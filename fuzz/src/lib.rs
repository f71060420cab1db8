//! Shared code of the fuzz targets: what each does with an input ([`harness`]) and
//! a mutator that repeats slices ([`repeat_slices`]).

#[path = "harness.rs"]
pub mod harness;

/// A small xorshift generator seeded by libFuzzer's per-call seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutation in four copies a short slice of the input (1 to 16 bytes) many times
/// in place: `|a,b| ` becomes `|a,b| |a,b| |a,b| ...`, `A<u, ` a chain of unclosed
/// generics, `[` or `- ` deep nesting. These shapes overflowed the stack where plain
/// byte mutation never grew them; the count is drawn log-uniformly up to what
/// `max_size` allows. The other three mutations are libFuzzer's own.
pub fn repeat_slices(data: &mut [u8], size: usize, max_size: usize, seed: u32) -> usize {
    let mut rng = Rng(u64::from(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    if size == 0 || rng.below(4) != 0 {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    }
    let len = 1 + rng.below(16.min(size));
    let start = rng.below(size - len + 1);
    let room = (max_size.min(data.len()) - size) / len;
    if room == 0 {
        return libfuzzer_sys::fuzzer_mutate(data, size, max_size);
    }
    // Log-uniform: as many runs of 10 copies as of 10,000.
    let bits = 1 + rng.below(usize::BITS as usize - room.leading_zeros() as usize);
    let copies = 1 + rng.below((1usize << bits).min(room));
    let slice = data[start..start + len].to_vec();
    let at = start + len;
    let added = copies * len;
    data.copy_within(at..size, at + added);
    for (i, b) in data[at..at + added].iter_mut().enumerate() {
        *b = slice[i % len];
    }
    size + added
}
