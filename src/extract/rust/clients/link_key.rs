//! Link keys: how the link step names a function (`name`, `Type::name`, a closure's
//! `Type::name::{closure ..}`), and the parts of one the answers are keyed by.

use rustc_hash::FxHashMap as HashMap;

/// What a map of function names ([`super::callgraph::CallGraph::names_by_package`])
/// says of link key `in_fn`: of its name, else of its type's function (`Client::new`,
/// kept when the package's functions so named disagree).
pub(super) fn by_key<'m, V>(map: &'m HashMap<String, V>, in_fn: &str) -> Option<&'m V> {
    map.get(fn_name(in_fn)?)
        .or_else(|| map.get(typed_key(in_fn)?))
}

/// The `Type::name` of a link key (`Client::login`, `Client::login::{closure ..}`):
/// its last two segments before any closure's.
pub(super) fn typed_key(key: &str) -> Option<&str> {
    let base = key.find("::{").map_or(key, |i| &key[..i]);
    let last = base.rfind("::")?;
    let start = base[..last].rfind("::").map_or(0, |i| i + 2);
    Some(&base[start..])
}

/// The function of a link key (`Client::login` → `login`; a closure's key
/// `sync::{closure ..}` → `sync`).
pub(super) fn fn_name(key: &str) -> Option<&str> {
    key.split("::").filter(|s| !s.starts_with('{')).last()
}

/// The type of a link key (`HttpSink` of `HttpSink::new`), when it names one.
pub(super) fn key_type(key: &str) -> Option<&str> {
    let (ty, _) = key.split_once("::")?;
    ty.starts_with(|c: char| c.is_ascii_uppercase())
        .then_some(ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parts_of_a_link_key() {
        assert_eq!(fn_name("Client::login::{closure#0}"), Some("login"));
        assert_eq!(
            typed_key("Client::login::{closure#0}"),
            Some("Client::login")
        );
        assert_eq!(typed_key("a::Client::login"), Some("Client::login"));
        assert_eq!(typed_key("login"), None);
        assert_eq!(key_type("HttpSink::new"), Some("HttpSink"));
        assert_eq!(key_type("HttpSink::new::{closure#0}"), Some("HttpSink"));
        assert_eq!(key_type("make_client"), None);
        assert_eq!(key_type("sync::{closure#0}"), None);
    }
}
