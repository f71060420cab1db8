//! Small syntax helpers shared by the visitor: paths, test attributes, literal
//! targets, macro bodies.

use std::rc::Rc;

use proc_macro2::TokenTree;
use syn::visit::{self, Visit};
use syn::{Expr, Lit, Pat};

use super::collect::type_path_last;
use crate::extract::rust::catalog::Catalog;
use crate::extract::rust::facts::Target;
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::front::macros;
use crate::extract::rust::front::paths::unwrapped_type_path;

pub(super) use crate::extract::rust::front::paths::segments;

pub(super) use crate::extract::rust::front::test_code::{
    called_by_host, is_skipped_fn, is_test, is_test_mod,
};

/// A literal address or a constant's name.
pub(super) fn target_of(e: &Expr) -> Option<Target> {
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(Target::Literal(s.value())),
            _ => None,
        },
        Expr::Reference(r) => target_of(&r.expr),
        Expr::Paren(p) => target_of(&p.expr),
        Expr::Group(g) => target_of(&g.expr),
        Expr::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?.ident.to_string();
            is_const_name(&last).then_some(Target::Const(last))
        }
        Expr::Call(c) if c.args.len() == 1 => match &*c.func {
            Expr::Path(p)
                if p.path.segments.last().is_some_and(|s| {
                    matches!(
                        s.ident.to_string().as_str(),
                        "from" | "parse" | "from_static" | "from_str" | "new"
                    )
                }) =>
            {
                target_of(&c.args[0])
            }
            _ => None,
        },
        Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "to_string" | "to_owned" | "into" | "parse" | "unwrap" | "expect"
            ) =>
        {
            target_of(&m.receiver)
        }
        Expr::Try(t) => target_of(&t.expr),
        Expr::Macro(m) if m.mac.path.is_ident("format") => format_target(&m.mac),
        _ => None,
    }
}

/// The target of `format!(..)` when its base is known (issue 12): a format string
/// that starts with a URL (`"http://payments.shop/v1/{}"`: the text before the first
/// placeholder), or whose first placeholder starts it and names a constant
/// (`"{PAYMENTS}/v1/charges"`, or `"{}/v1/charges"` with a constant first argument),
/// or a constant right after the scheme (`"http://{IMPORTER_IP}:{port}/heartbeat"`:
/// the constant's value is the host). The rest of the path is not kept: the host is what ties the call to a service.
fn format_target(m: &syn::Macro) -> Option<Target> {
    // Most format strings decide without the arguments: the body is re-parsed only
    // when its parse can change the answer (it may not parse; the first argument).
    let (fmt, rest) = format_string(&m.tokens)?;
    if !needs_args(&fmt, &rest) {
        return None;
    }
    // Through the front end's re-parser: a named `name = value` argument is an
    // assignment expression, never a target.
    let args = macros::comma_exprs(m)?;
    let mut args = args.iter().skip(1);
    if let Some(why) = local_reason(&fmt) {
        return Some(Target::Local(why.to_string()));
    }
    let Some(open) = fmt.find('{') else {
        return Some(Target::Literal(fmt));
    };
    if open > 0 {
        let prefix = &fmt[..open];
        // `"http://{IMPORTER_IP}:{port}/heartbeat"`: a constant names the host.
        let host = prefix
            .ends_with("://")
            .then(|| placeholder_const(&fmt[open..], &mut args))
            .flatten();
        return host.or_else(|| {
            prefix
                .contains("://")
                .then(|| Target::Literal(prefix.to_string()))
        });
    }
    placeholder_const(&fmt, &mut args)
}

/// The constant the placeholder `from` starts with names: inline (`{PAYMENTS}`), or
/// for `{}` the next of `args` (a named `name = value` argument is not one).
fn placeholder_const<'a>(from: &str, args: &mut impl Iterator<Item = &'a Expr>) -> Option<Target> {
    let close = from.find('}')?;
    let inner = from[1..close].split(':').next().unwrap_or("");
    if inner.is_empty() {
        return target_of(args.next()?).filter(|t| matches!(t, Target::Const(_)));
    }
    is_const_name(inner).then(|| Target::Const(inner.to_string()))
}

/// The value of the string literal a macro body starts with, when the literal is
/// the body's whole first expression (followed by a comma or nothing), and the
/// tokens after it: a body that does not start so has no format string.
pub(super) fn format_string(tokens: &proc_macro2::TokenStream) -> Option<(String, Vec<TokenTree>)> {
    let mut tokens = tokens.clone().into_iter();
    let TokenTree::Literal(first) = tokens.next()? else {
        return None;
    };
    let rest: Vec<TokenTree> = tokens.collect();
    if rest
        .first()
        .is_some_and(|t| !matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
    {
        return None;
    }
    match Lit::new(first) {
        Lit::Str(s) => Some((s.value(), rest)),
        _ => None,
    }
}

/// Whether [`format_target`]'s answer for the format string `fmt` can be other than
/// `None` (then the body's parse decides, as it may fail): not when the text before
/// the first placeholder is no URL nor the first placeholder a constant, nor when it
/// is `{}` and no argument can name a constant (an upper-case name, or a nested
/// `format!` whose string has a placeholder).
fn needs_args(fmt: &str, rest: &[TokenTree]) -> bool {
    if local_reason(fmt).is_some() {
        return true;
    }
    let Some(open) = fmt.find('{') else {
        return true;
    };
    if open > 0 {
        return fmt[..open].contains("://");
    }
    let Some(close) = fmt.find('}') else {
        return false;
    };
    let inner = fmt[1..close].split(':').next().unwrap_or("");
    if inner.is_empty() {
        return rest.iter().any(may_name_const);
    }
    is_const_name(inner)
}

/// An upper-case name (`PAYMENTS_URL`), as constants are written.
fn is_const_name(name: &str) -> bool {
    name.chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && name.chars().any(|c| c.is_ascii_uppercase())
}

/// Whether a token can be (or hold) what [`target_of`] takes for a constant.
fn may_name_const(t: &TokenTree) -> bool {
    match t {
        TokenTree::Ident(i) => with_ident_str(i, is_const_name),
        TokenTree::Literal(l) => {
            matches!(Lit::new(l.clone()), Lit::Str(s) if s.value().contains('{'))
        }
        TokenTree::Group(g) => g.stream().into_iter().any(|t| may_name_const(&t)),
        TokenTree::Punct(_) => false,
    }
}

/// Why an address is no remote integration, if it is not: a Unix socket, this host
/// (`localhost`, a loopback address), or a health probe (a path ending in `health`,
/// `healthz`, `ready`, ...: a breaker around a probe would hide what it checks; lldap's
/// healthcheck calls its own server). Placeholders (`{host}`) are kept as text.
pub(crate) fn local_reason(address: &str) -> Option<&'static str> {
    let a = address.trim().to_ascii_lowercase();
    if a.starts_with("unix:") || a.starts_with("http+unix:") || a.ends_with(".sock") {
        return Some("a Unix socket");
    }
    let rest = a.split_once("://").map_or(a.as_str(), |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    // The unspecified addresses (`0.0.0.0`, `[::]`) reach this host when connected
    // to; a URI a connector ignores is often written so (`http://[::]:50051`).
    if matches!(host, "localhost" | "127.0.0.1" | "::1" | "0.0.0.0" | "::") {
        return Some("this host");
    }
    let path = rest.strip_prefix(authority).unwrap_or_default();
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    const PROBES: &[&str] = &[
        "health",
        "healthz",
        "healthcheck",
        "health_check",
        "health-check",
        "ready",
        "readyz",
        "readiness",
        "live",
        "livez",
        "liveness",
        "ping",
    ];
    (!path.is_empty() && PROBES.contains(&last)).then_some("a health probe")
}

/// An argument that makes the client local: a connector that opens a Unix socket
/// (`connect_with_connector(service_fn(|_| UnixStream::connect(path)))`) or a
/// loopback address (`format!("127.0.0.1:{port}")`). Scans the arguments' tokens, so
/// closures and macros count; only called on the few method calls made on clients.
pub(crate) fn local_arg<'a>(args: impl Iterator<Item = &'a Expr>) -> Option<Target> {
    args.map(local_tokens)
        .find_map(|why| why.map(|w| Target::Local(w.to_string())))
}

/// [`local_arg`] of one argument, the first reason in token order. Most arguments
/// are a literal or a plain path, read as they are; others are turned into tokens.
fn local_tokens(arg: &Expr) -> Option<&'static str> {
    fn unix(id: &proc_macro2::Ident) -> Option<&'static str> {
        (id == "UnixStream" || id == "UnixConnector").then_some("a Unix socket")
    }
    fn literal(s: &syn::LitStr) -> Option<&'static str> {
        local_reason(&s.value()).filter(|why| *why != "a health probe")
    }
    fn scan(ts: proc_macro2::TokenStream) -> Option<&'static str> {
        ts.into_iter().find_map(|tt| match tt {
            TokenTree::Group(g) => scan(g.stream()),
            TokenTree::Ident(id) => unix(&id),
            TokenTree::Literal(l) => match Lit::new(l) {
                Lit::Str(s) => literal(&s),
                _ => None,
            },
            TokenTree::Punct(_) => None,
        })
    }
    // A plain path's tokens: its identifiers and `::`.
    let plain = |p: &syn::Path| p.segments.iter().all(|s| s.arguments.is_none());
    let path = |p: &syn::Path| p.segments.iter().find_map(|s| unix(&s.ident));
    match arg {
        Expr::Lit(l) if l.attrs.is_empty() => match &l.lit {
            Lit::Str(s) => literal(s),
            _ => None,
        },
        Expr::Path(p) if p.attrs.is_empty() && p.qself.is_none() && plain(&p.path) => path(&p.path),
        // `&x`, `&mut x`, `(x)`, `x.field`, `f(a, b)`, `x.m(a)`: the parts in order.
        Expr::Reference(r) if r.attrs.is_empty() => local_tokens(&r.expr),
        Expr::Paren(p) if p.attrs.is_empty() => local_tokens(&p.expr),
        Expr::Field(f) if f.attrs.is_empty() => local_tokens(&f.base).or_else(|| match &f.member {
            syn::Member::Named(n) => unix(n),
            syn::Member::Unnamed(_) => None,
        }),
        Expr::Call(c) if c.attrs.is_empty() => {
            local_tokens(&c.func).or_else(|| c.args.iter().find_map(local_tokens))
        }
        Expr::MethodCall(m) if m.attrs.is_empty() && m.turbofish.is_none() => {
            local_tokens(&m.receiver)
                .or_else(|| unix(&m.method))
                .or_else(|| m.args.iter().find_map(local_tokens))
        }
        // `format!(..)`: the path, then the body as written.
        Expr::Macro(m) if m.attrs.is_empty() && plain(&m.mac.path) => {
            path(&m.mac.path).or_else(|| scan(m.mac.tokens.clone()))
        }
        _ => scan(quote::ToTokens::to_token_stream(arg)),
    }
}

/// Last segment of each argument that is a plain path (`None`, `Timeout::Never`).
pub(super) fn arg_words<'a>(args: impl Iterator<Item = &'a Expr>) -> Vec<String> {
    args.filter_map(|a| match a {
        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    })
    .collect()
}

pub(super) fn simple_ident(e: &Expr) -> Option<String> {
    simple_ident_expr(e).map(|i| i.to_string())
}

/// A plain variable (`x`, `&x`), not yet named.
pub(super) fn simple_ident_expr(e: &Expr) -> Option<&syn::Ident> {
    match e {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident(),
        Expr::Reference(r) => simple_ident_expr(&r.expr),
        _ => None,
    }
}

pub(super) fn pat_ident(p: &Pat) -> Option<String> {
    pat_ident_ref(p).map(ToString::to_string)
}

/// The identifier of [`pat_ident`], not written out: most `let`s bind nothing the
/// visitor keeps, so the name is made only when it is stored.
pub(super) fn pat_ident_ref(p: &Pat) -> Option<&syn::Ident> {
    match p {
        Pat::Ident(i) => Some(&i.ident),
        Pat::Type(t) => pat_ident_ref(&t.pat),
        _ => None,
    }
}

/// Whether a function's declared output is a request built but not sent
/// (`-> RequestBuilder`, `-> Result<reqwest::RequestBuilder, Error>`).
pub(super) fn returns_request_builder(out: &syn::ReturnType, catalog: &Catalog) -> bool {
    let syn::ReturnType::Type(_, ty) = out else {
        return false;
    };
    let Some(last) = unwrapped_type_path(ty).and_then(|p| p.segments.last()) else {
        return false;
    };
    if catalog.is_request_builder(&last.ident) {
        return true;
    }
    // `Result<T, E>`: the request is `T`.
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    last.ident == "Result"
        && matches!(args.args.first(), Some(syn::GenericArgument::Type(t))
            if type_path_last(t).is_some_and(|l| catalog.is_request_builder(l)))
}

/// Whether a parameter type may hold a client (`&reqwest::Client`, `Arc<HttpClient>`,
/// `Channel`, `ureq::Agent`, an `impl`/generic type).
pub(super) fn may_be_client(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => may_be_client(&r.elem),
        syn::Type::Paren(p) => may_be_client(&p.elem),
        syn::Type::Path(p) => type_path_last(ty).is_some_and(|last| {
            with_ident_str(last, |l| {
                [
                    "Client",
                    "Agent",
                    "Channel",
                    "Endpoint",
                    "Connection",
                    "Http",
                    "ConfigLoader",
                ]
                .iter()
                .any(|k| holds(l, k))
            }) || (p.path.segments.len() == 1
                && with_ident_str(&p.path.segments[0].ident, str::len) == 1)
        }),
        _ => false,
    }
}

/// `text.contains(word)` for a short text (an identifier), by comparing windows:
/// `contains` builds a substring searcher for each word first, which costs more
/// than the search itself at this size (asked for every parameter of every function).
fn holds(text: &str, word: &str) -> bool {
    text.as_bytes()
        .windows(word.len())
        .any(|w| w == word.as_bytes())
}

/// Whether `e`, under any `?`, `.await` and parentheses, is a method call.
pub(super) fn ends_in_method_call(mut e: &Expr) -> bool {
    loop {
        match e {
            Expr::Try(t) => e = &t.expr,
            Expr::Await(a) => e = &a.base,
            Expr::Paren(p) => e = &p.expr,
            Expr::MethodCall(_) => return true,
            _ => return false,
        }
    }
}

pub(super) fn is_self(e: &Expr) -> bool {
    matches!(e, Expr::Path(p) if p.path.is_ident("self"))
}

/// Whether the text of `tokens` holds one of `words` (letters only), without writing
/// the text out: a word no punctuation splits lies in one identifier or literal, as
/// the text puts a space between those.
pub(super) fn mentions(tokens: &proc_macro2::TokenStream, words: &[&str]) -> bool {
    let holds = |t: &str| words.iter().any(|w| t.contains(w));
    tokens.clone().into_iter().any(|t| match t {
        TokenTree::Group(g) => mentions(&g.stream(), words),
        TokenTree::Ident(i) => with_ident_str(&i, holds),
        TokenTree::Literal(l) => holds(&l.to_string()),
        TokenTree::Punct(_) => false,
    })
}

/// Well-known macros whose bodies hold calls worth seeing.
pub(super) fn macro_kind(path: &syn::Path) -> Option<&'static str> {
    let last = &path.segments.last()?.ident;
    with_ident_str(last, |last| {
        Some(match last {
            "select" | "join" | "try_join" | "matches" => "exprs",
            // The arguments a message formats: `println!("{:?}", client.get(u).send().await)`
            // makes the request as a `let` before it would (a `tracing` field list,
            // `info!(target: "t", "..")`, does not parse as expressions and is skipped).
            // Read only when they send something (`front::macros::sends`).
            // `dbg!(client.post(u).send().await)` likewise (clockwork's relay call).
            "println" | "print" | "eprintln" | "eprint" | "format" | "write" | "writeln"
            | "info" | "debug" | "warn" | "error" | "trace" | "dbg" => "message",
            "stream" | "try_stream" => "block",
            "lazy_static" => "statics",
            _ => return None,
        })
    })
}

/// The expressions in the body of a well-known macro (`tokio::select!`, `join!`,
/// `stream!`, the value a `matches!` matches, a message's arguments), through the front end's one re-parser; empty for other macros or
/// bodies that do not parse.
pub fn macro_exprs(m: &syn::Macro) -> Rc<Vec<Expr>> {
    match macro_kind(&m.path) {
        Some("block") => macros::stmts(m)
            .map(|stmts| {
                Rc::new(vec![Expr::Block(syn::ExprBlock {
                    attrs: Vec::new(),
                    label: None,
                    block: syn::Block {
                        brace_token: Default::default(),
                        stmts: stmts.to_vec(),
                    },
                })])
            })
            .unwrap_or_default(),
        // Items, not expressions: the client analysis reads them itself.
        Some("statics") => Rc::default(),
        Some(_) => match macros::reparse(m) {
            Some(macros::Reparsed::Exprs(exprs)) => exprs,
            _ => Rc::default(),
        },
        None => Rc::default(),
    }
}

/// The names a trait's default method calls (`self.purge(..)` in `fn invalidate`):
/// callers the per-function call lists miss, which the library reach must not take
/// for absent ([`super::workspace`]).
pub(super) fn trait_default_calls(block: &syn::Block, out: &mut Vec<String>) {
    struct Names<'o>(&'o mut Vec<String>);
    impl<'ast> Visit<'ast> for Names<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            self.0.push(m.method.to_string());
            visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let Expr::Path(p) = &*c.func {
                if let Some(last) = p.path.segments.last() {
                    self.0.push(last.ident.to_string());
                }
            }
            visit::visit_expr_call(self, c);
        }
    }
    Names(out).visit_block(block);
    out.sort_unstable();
    out.dedup();
}

/// The field read by `&a.b`, `a.b` or `a.b.clone()` where `a` is not `self`.
pub(super) fn other_field(mut e: &Expr) -> Option<&syn::Ident> {
    loop {
        match e {
            Expr::Reference(r) => e = &r.expr,
            Expr::Paren(p) => e = &p.expr,
            Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => e = &m.receiver,
            _ => break,
        }
    }
    match e {
        Expr::Field(f) if !is_self(&f.base) => match &f.member {
            syn::Member::Named(n) => Some(n),
            syn::Member::Unnamed(_) => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod local_tests {
    use super::{local_arg, local_reason, target_of, Target};

    fn expr(text: &str) -> syn::Expr {
        syn::parse_str(text).expect("an expression")
    }

    #[test]
    fn a_format_target_is_read_whether_or_not_the_body_is_parsed() {
        let literal = |t: &str| Some(Target::Literal(t.to_string()));
        let constant = |t: &str| Some(Target::Const(t.to_string()));
        for (text, target) in [
            (
                r#"format!("http://payments/v1/{}", id)"#,
                literal("http://payments/v1/"),
            ),
            (
                r#"format!("https://payments/v1")"#,
                literal("https://payments/v1"),
            ),
            (r#"format!("{PAYMENTS}/v1/charges")"#, constant("PAYMENTS")),
            (
                r#"format!("{}/v1/charges", BASE_URL)"#,
                constant("BASE_URL"),
            ),
            (r#"format!("{}/v1", format!("{API}/x"))"#, constant("API")),
            (r#"format!("{}/v1", &Url::parse(HOST))"#, constant("HOST")),
            (
                r#"format!("http://127.0.0.1:{}/x", port)"#,
                Some(Target::Local("this host".to_string())),
            ),
            // No URL before the placeholder, no constant: never a target.
            (r#"format!("order {} over {}", base, limit)"#, None),
            (r#"format!("{}/reports/{}", self.base, id)"#, None),
            (r#"format!("{base}/v1")"#, None),
            // The first expression is not the string alone.
            (r#"format!("http://x/".to_string())"#, None),
            (r#"format!(FMT, "http://x/")"#, None),
            // A body that does not parse has no target.
            (r#"format!("http://payments/v1/{}", a b)"#, None),
            (r#"format!("{}/v1", BASE_URL c)"#, None),
        ] {
            assert_eq!(target_of(&expr(text)), target, "{text}");
        }
    }

    #[test]
    fn a_local_argument_is_found_in_any_shape_of_argument() {
        let local = |why: &str| Some(Target::Local(why.to_string()));
        for (args, target) in [
            (r#"f("http://localhost:8080")"#, local("this host")),
            (r#"f(x, "unix:/run/app.sock")"#, local("a Unix socket")),
            (r#"f("http://payments/healthz")"#, None),
            (
                r#"f(tokio::net::UnixStream::connect)"#,
                local("a Unix socket"),
            ),
            (
                r#"f(service_fn(|_| async { UnixStream::connect(path).await }))"#,
                local("a Unix socket"),
            ),
            (r#"f(&format!("127.0.0.1:{port}"))"#, local("this host")),
            (r#"f(conf.url.join("http://[::1]/x"))"#, local("this host")),
            (r#"f(self.base, id)"#, None),
            (r#"f(Vec::<UnixConnector>::new())"#, local("a Unix socket")),
        ] {
            let syn::Expr::Call(call) = expr(args) else {
                panic!("a call")
            };
            assert_eq!(local_arg(call.args.iter()), target, "{args}");
        }
    }

    #[test]
    fn this_host_sockets_and_health_probes_are_local_lookalikes_are_not() {
        for (address, why) in [
            ("http://localhost:8080/v1/orders", Some("this host")),
            ("https://user@127.0.0.1/x", Some("this host")),
            ("http://[::1]:9000", Some("this host")),
            ("lttp://[::]:50051", Some("this host")),
            ("http://0.0.0.0:50000", Some("this host")),
            ("http://[2001:db8::1]:80", None),
            ("unix:/run/app.sock", Some("a Unix socket")),
            ("/var/run/docker.sock", Some("a Unix socket")),
            ("http://{host}:{port}/health", Some("a health probe")),
            ("https://payments/readyz?verbose=1", Some("a health probe")),
            ("http://localhost.payments.example.com/v1", None),
            ("http://payments/v1/health-report", None),
            ("http://payments/", None),
            ("health", None),
        ] {
            assert_eq!(local_reason(address), why, "{address}");
        }
    }
}
