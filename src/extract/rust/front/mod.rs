//! The per-file front end the three analyses (clients, retries, routes) read
//! instead of deciding things on their own. So far: the one test-code mask
//! ([`test_code`]). Imports, constants, functions, types and the macro-body
//! re-parser are still per analysis (issue 9).

pub mod test_code;
