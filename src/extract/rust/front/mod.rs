//! The per-file front end the three analyses (clients, retries, routes) read
//! instead of deciding things on their own: the one test-code mask
//! ([`test_code`]), name resolution through `use` and `Cargo.toml` ([`imports`]),
//! positions ([`positions`]) and identifier text ([`ident`]).
//!
//! Still per analysis (issue 9): the routes analysis keeps its own `use` table, and
//! the retry walk and the client visitor each re-parse macro bodies.

pub(crate) mod ident;
pub mod imports;
pub(crate) mod positions;
pub mod test_code;
