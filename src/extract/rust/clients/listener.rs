//! Addresses of this program's own listeners: a request to the address a server of
//! the same program binds is a self-probe, no remote integration (torrust-tracker's
//! health check GETs `http://{binding}/api/health_check`, `binding` being the socket
//! its API server just bound; seafowl's `/readyz` dials
//! `http://{flight.bind_host}:{flight.bind_port}`, its own Arrow Flight server).
//!
//! The address is told by its name: a variable, field or method whose words say it
//! is where this program binds or listens (`binding`, `bind_host`,
//! `open_telemetry_bind_address`, `listen_socket()`, `listener.local_addr()`), and
//! that names a host rather than a port (a peer dialled on the port this program
//! listens on is remote: `format!("http://{peer}:{}", cfg.listen_port)`). A variable
//! bound to such an address (`let socket = self.listen_socket();`) carries it into
//! the expressions that use it. Known limit: an address handed to another function
//! under a neutral name (`get_status(&cfg.bind_address)` into `fn get_status(addr:
//! &str)`) is not followed.

use proc_macro2::TokenTree;
use syn::{Expr, Lit};

use crate::extract::rust::facts::Target;
use crate::extract::rust::front::ident::with_ident_str;

/// Why such an address is no remote integration, in words.
pub(crate) const OWN_LISTENER: &str = "this program's own listener";

/// Whether a name (`bind_host`, `binding`, `listen_socket`, `local_addr`) says it
/// is the host or socket address a listener of this program has.
pub(super) fn own_listener_name(name: &str) -> bool {
    // Most names hold none of the listening words: turned down in one pass over the
    // bytes, without splitting.
    let b = name.as_bytes();
    let at = |i: usize, w: &[u8]| {
        b.get(i..i + w.len())
            .is_some_and(|x| x.eq_ignore_ascii_case(w))
    };
    let holds = (0..b.len()).any(|i| match b[i] {
        b'b' | b'B' => at(i, b"bind") || at(i, b"bound"),
        b'l' | b'L' => at(i, b"listen") || at(i, b"local_addr"),
        _ => false,
    });
    if !holds {
        return false;
    }
    if name.eq_ignore_ascii_case("local_addr") || name.eq_ignore_ascii_case("binding") {
        return true;
    }
    let word =
        |words: &[&str]| (name.split('_')).any(|w| words.iter().any(|x| w.eq_ignore_ascii_case(x)));
    word(&["bind", "bound", "listen", "listening"])
        && word(&[
            "addr", "address", "host", "socket", "sock", "endpoint", "url", "ip",
        ])
}

/// Whether an expression names this program's own listener address, or a variable
/// `known` to hold one: `binding`, `flight.bind_host`, `self.listen_socket()`,
/// `format!("http://{binding}/health")`, `&url` after `let url = format!(..)`.
pub(crate) fn names_own_listener(e: &Expr, known: &dyn Fn(&str) -> bool) -> bool {
    let name = |id: &proc_macro2::Ident| with_ident_str(id, |s| own_listener_name(s) || known(s));
    match e {
        Expr::Path(p) if p.qself.is_none() => p.path.segments.iter().any(|s| name(&s.ident)),
        Expr::Field(f) => {
            let member = match &f.member {
                syn::Member::Named(n) => with_ident_str(n, own_listener_name),
                syn::Member::Unnamed(_) => false,
            };
            member || names_own_listener(&f.base, known)
        }
        Expr::MethodCall(m) => {
            with_ident_str(&m.method, own_listener_name) || names_own_listener(&m.receiver, known)
        }
        Expr::Call(c) => c.args.iter().any(|a| names_own_listener(a, known)),
        Expr::Reference(r) => names_own_listener(&r.expr, known),
        Expr::Paren(p) => names_own_listener(&p.expr, known),
        Expr::Group(g) => names_own_listener(&g.expr, known),
        Expr::Try(t) => names_own_listener(&t.expr, known),
        Expr::Await(a) => names_own_listener(&a.base, known),
        Expr::Unary(u) => names_own_listener(&u.expr, known),
        Expr::Macro(m) if m.mac.path.is_ident("format") => {
            tokens_name_own_listener(m.mac.tokens.clone(), known)
        }
        _ => false,
    }
}

/// A macro body's identifiers and the inline placeholders of its strings
/// (`{binding}`, `{addr:?}`).
fn tokens_name_own_listener(ts: proc_macro2::TokenStream, known: &dyn Fn(&str) -> bool) -> bool {
    ts.into_iter().any(|tt| match tt {
        TokenTree::Group(g) => tokens_name_own_listener(g.stream(), known),
        TokenTree::Ident(id) => with_ident_str(&id, |s| own_listener_name(s) || known(s)),
        TokenTree::Literal(l) => match Lit::new(l) {
            Lit::Str(s) => placeholders(&s.value()).any(|p| own_listener_name(p) || known(p)),
            _ => false,
        },
        TokenTree::Punct(_) => false,
    })
}

/// The names of a format string's inline placeholders: `binding` of `{binding}` and
/// `{binding:?}`; none of `{}`, `{0}` or `{{`.
fn placeholders(fmt: &str) -> impl Iterator<Item = &str> {
    fmt.split('{').skip(1).filter_map(|rest| {
        let inner = rest.split('}').next()?;
        let name = inner.split(':').next()?.trim();
        let ident = name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        ident.then_some(name)
    })
}

/// [`names_own_listener`] as a target.
pub(super) fn own_listener_target(e: &Expr, known: &dyn Fn(&str) -> bool) -> Option<Target> {
    names_own_listener(e, known).then(|| Target::Local(OWN_LISTENER.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(text: &str) -> Expr {
        syn::parse_str(text).expect("an expression")
    }

    #[test]
    fn own_listener_names_are_bind_or_listen_addresses_not_ports() {
        for name in [
            "binding",
            "bind_host",
            "bind_addr",
            "open_telemetry_bind_address",
            "listen_socket",
            "local_addr",
            "LISTEN_ADDRESS",
        ] {
            assert!(own_listener_name(name), "{name}");
        }
        for name in [
            "bind_port",
            "listen_port",
            "peer_addr",
            "bindings",
            "host",
            "url",
        ] {
            assert!(!own_listener_name(name), "{name}");
        }
    }

    #[test]
    fn expressions_naming_an_own_listener_are_found_where_the_address_is() {
        let none = |_: &str| false;
        let socket = |s: &str| s == "admin_socket";
        for (text, known, found) in [
            (
                r#"format!("http://{binding}/api/health_check")"#,
                &none as &dyn Fn(&str) -> bool,
                true,
            ),
            (
                r#"format!("http://{}:{}", flight.bind_host, flight.bind_port)"#,
                &none,
                true,
            ),
            ("self.listen_socket()", &none, true),
            ("&listener.local_addr()?", &none, true),
            (r#"format!("http://{}/token", admin_socket)"#, &socket, true),
            (r#"format!("http://{admin_socket:?}/token")"#, &socket, true),
            (
                r#"format!("http://{peer}:{}", cfg.listen_port)"#,
                &none,
                false,
            ),
            (r#"format!("http://{}/v1", self.upstream)"#, &none, false),
            (r#"format!("http://{}/v1", admin_socket)"#, &none, false),
            (r#""http://{binding}/x""#, &none, false),
        ] {
            assert_eq!(names_own_listener(&expr(text), known), found, "{text}");
        }
    }
}
