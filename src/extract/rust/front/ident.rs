//! Identifier text without allocating: `proc_macro2::Ident` only offers its text
//! through `Display`, and `to_string` allocates once per identifier on hot paths.

/// Runs `f` on an identifier's text without allocating (identifiers up to 64 bytes).
pub(crate) fn with_ident_str<R>(id: &proc_macro2::Ident, f: impl FnOnce(&str) -> R) -> R {
    struct Buf {
        bytes: [u8; 64],
        len: usize,
        overflow: bool,
    }
    impl std::fmt::Write for Buf {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            let end = self.len + s.len();
            if end > self.bytes.len() {
                self.overflow = true;
                return Err(std::fmt::Error);
            }
            self.bytes[self.len..end].copy_from_slice(s.as_bytes());
            self.len = end;
            Ok(())
        }
    }
    let mut b = Buf {
        bytes: [0; 64],
        len: 0,
        overflow: false,
    };
    let _ = std::fmt::Write::write_fmt(&mut b, format_args!("{id}"));
    match std::str::from_utf8(&b.bytes[..b.len]) {
        Ok(s) if !b.overflow => f(s),
        _ => f(&id.to_string()),
    }
}
