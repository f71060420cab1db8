//! Addresses this program binds, by the field they are read from: a request whose
//! host is written from a field of that name is a self-probe, no remote integration
//! (objectstore's `healthcheck` subcommand GETs `format!("http://{}/health",
//! config.http_addr)`, and its server binds `let addr = config.http_addr;
//! socket.bind(addr)` in another file). [`super::listener`] tells such an address by
//! its name (`bind_addr`, `listen_socket`); a neutral name (`http_addr`) is told by
//! what the package does with it, so the answer waits for the link step: the file
//! records the fields its listeners bind ([`FileFacts::bound_fields`]) and a request
//! the field its host is read from ([`Target::HostField`]).
//!
//! Known limits: an address handed to another function before it is bound or
//! formatted (`serve(cfg.http_addr)` into `fn serve(addr: SocketAddr)`) is not
//! followed, and a field name the package binds anywhere counts everywhere in it.
//!
//! [`FileFacts::bound_fields`]: crate::extract::rust::facts::FileFacts::bound_fields

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use syn::Expr;

use super::listener::OWN_LISTENER;
use super::syntax::{format_string, simple_ident};
use super::Visitor;
use crate::extract::rust::facts::Target;
use crate::extract::rust::front::ident::with_ident_str;
use crate::extract::rust::front::macros::comma_exprs;

impl Visitor<'_, '_> {
    /// Records the field a listener binds: `socket.bind(addr)` (after `let addr =
    /// config.http_addr`), `TcpListener::bind(&cfg.listen_addr).await?`,
    /// `HttpServer::new(..).bind(cfg.addr)?.run()`. Not a query's parameter
    /// (`sqlx::query(..).bind(user.host)`), and only a field named as an address.
    /// Asked only in files whose text holds `bind(`.
    pub(super) fn note_bind(&mut self, e: &Expr) {
        if !self.bind_text {
            return;
        }
        for arg in bind_args(e) {
            let field = self.field_of(arg).filter(|f| address_word(f));
            if let Some(field) = field {
                if !self.facts.bound_fields.contains(&field) {
                    self.facts.bound_fields.push(field);
                }
            }
        }
    }

    /// The field whose value a request's host is written from: the first placeholder
    /// right after `://` of a `format!` (`{}` and its argument, `{0}`, or an inline
    /// `{addr}`), read from a field or a variable `let` bound to one; or a variable
    /// `let` bound to such a URL.
    pub(super) fn host_field(&mut self, e: &Expr) -> Option<String> {
        let mut e = e;
        while let Expr::Reference(r) = e {
            e = &r.expr;
        }
        match e {
            Expr::Path(_) => {
                let hosts = &self.scope().host_vars;
                if hosts.is_empty() {
                    return None;
                }
                hosts.get(&simple_ident(e)?).cloned()
            }
            Expr::Macro(m) if m.mac.path.is_ident("format") => {
                let (fmt, _) = format_string(&m.mac.tokens)?;
                let (scheme, rest) = fmt.split_once("://")?;
                if scheme.contains('{') {
                    return None;
                }
                let inner = rest.strip_prefix('{')?.split(['}', ':']).next()?;
                if inner.is_empty() || inner.parse::<usize>().is_ok() {
                    let n = inner.parse::<usize>().unwrap_or(0);
                    let args = comma_exprs(&m.mac)?;
                    self.field_of(args.get(n + 1)?)
                } else {
                    self.scope().field_vars.get(inner).cloned()
                }
            }
            _ => None,
        }
    }

    /// The field an address is read from: `config.http_addr`, `&cfg.addr`,
    /// `self.addr.clone()`, or a variable `let` bound to one.
    fn field_of(&mut self, mut e: &Expr) -> Option<String> {
        loop {
            match e {
                Expr::Reference(r) => e = &r.expr,
                Expr::Paren(p) => e = &p.expr,
                Expr::MethodCall(m) if m.args.is_empty() && m.method == "clone" => e = &m.receiver,
                _ => break,
            }
        }
        match e {
            Expr::Field(f) => field_member(f),
            Expr::Path(_) => self.scope().field_vars.get(&simple_ident(e)?).cloned(),
            _ => None,
        }
    }

    /// After `let name = <init>`: the field the value is read from, and the field a
    /// URL's host is written from, for later binds and requests.
    pub(super) fn note_address_let(&mut self, name: &proc_macro2::Ident, init: &Expr) {
        let mut e = init;
        while let Expr::Reference(r) = e {
            e = &r.expr;
        }
        if let Expr::Field(f) = e {
            if let Some(field) = field_member(f) {
                self.scope().field_vars.insert(name.to_string(), field);
            }
            return;
        }
        if let Some(field) = self.host_field(init) {
            self.scope().host_vars.insert(name.to_string(), field);
        }
    }
}

/// The first arguments of a chain's `bind` calls (`TcpListener::bind(addr)`,
/// `.bind(cfg.addr)`), none when something in the chain is a database query's
/// (`query`, `query_as`, `sql_query`, `prepare`, `statement`): a query binds
/// parameters.
fn bind_args(mut e: &Expr) -> Vec<&Expr> {
    let query = |id: &proc_macro2::Ident| {
        with_ident_str(id, |n| {
            ["query", "prepare", "statement"]
                .iter()
                .any(|w| n.contains(w))
        })
    };
    let mut args = Vec::new();
    loop {
        match e {
            Expr::Try(t) => e = &t.expr,
            Expr::Await(a) => e = &a.base,
            Expr::Paren(p) => e = &p.expr,
            Expr::MethodCall(m) => {
                if query(&m.method) {
                    return Vec::new();
                }
                if m.method == "bind" {
                    args.extend(m.args.first());
                }
                e = &m.receiver;
            }
            Expr::Call(c) => {
                let Expr::Path(p) = &*c.func else { break };
                let Some(last) = p.path.segments.last() else {
                    break;
                };
                if query(&last.ident) {
                    return Vec::new();
                }
                if last.ident == "bind" {
                    args.extend(c.args.first());
                }
                break;
            }
            _ => break,
        }
    }
    args
}

/// A field name that says it holds an address (`http_addr`, `listen_address`,
/// `bind_host`, `socket`, `endpoint`), not a value a program stores (`email`).
fn address_word(name: &str) -> bool {
    let words = [
        "addr", "address", "host", "socket", "endpoint", "listen", "bind",
    ];
    super::address::has_word(name, &words)
}

fn field_member(f: &syn::ExprField) -> Option<String> {
    match &f.member {
        syn::Member::Named(n) => Some(n.to_string()),
        syn::Member::Unnamed(_) => None,
    }
}

/// What the link step resolves a request's address by: the fields the package's
/// listeners bind, and the addresses its functions return ([`super::address_fns`]).
#[derive(Default)]
pub(super) struct Addresses<'p> {
    pub(super) bound: HashSet<&'p str>,
    pub(super) fns: HashMap<&'p str, Option<&'p Target>>,
}

/// A request's address at the link step: a host written from a field some listener
/// of the package binds is this program's own listener; another host field is what
/// was written otherwise; an address a function returns is that function's.
pub(super) fn resolve(t: &Target, addresses: &Addresses) -> Option<Target> {
    match t {
        Target::HostField { field, .. } if addresses.bound.contains(field.as_str()) => {
            Some(Target::Local(OWN_LISTENER.to_string()))
        }
        Target::HostField { or, .. } => or.as_deref().cloned(),
        Target::Returned { func, or } => {
            super::address_fns::resolve(func, or.as_deref(), &addresses.fns)
        }
        t => Some(t.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listener_binds_an_address_a_query_binds_a_parameter() {
        let e = |t: &str| syn::parse_str::<Expr>(t).expect("an expression");
        let binds_a_listener = |e: &Expr| !bind_args(e).is_empty();
        assert!(binds_a_listener(&e("TcpListener::bind(addr).await?")));
        assert!(binds_a_listener(&e(
            "HttpServer::new(app).bind(cfg.addr)?.run()"
        )));
        assert!(binds_a_listener(&e("socket.bind(addr)?")));
        assert!(!binds_a_listener(&e(
            "sqlx::query(SQL).bind(cfg.host).execute(&pool)"
        )));
        assert!(!binds_a_listener(&e(
            "query_as::<_, Row>(SQL).bind(u.addr)"
        )));
        assert!(!binds_a_listener(&e("client.get(url).send()")));
        assert!(address_word("http_addr") && address_word("listen_address"));
        assert!(
            !address_word("email") && !address_word("hostname_len") && !address_word("addresses")
        );
    }

    #[test]
    fn a_host_field_a_listener_binds_is_this_programs_own() {
        let probe = Target::Local("a health probe".to_string());
        let host = |field: &str| Target::HostField {
            field: field.to_string(),
            or: Some(Box::new(probe.clone())),
        };
        let bound = Addresses {
            bound: ["http_addr"].into_iter().collect(),
            fns: HashMap::default(),
        };
        let own = Some(Target::Local(OWN_LISTENER.to_string()));
        assert_eq!(resolve(&host("http_addr"), &bound), own);
        assert_eq!(resolve(&host("upstream_addr"), &bound), Some(probe));
        let bare = Target::HostField {
            field: "upstream_addr".to_string(),
            or: None,
        };
        assert_eq!(resolve(&bare, &bound), None);
        let literal = Target::Literal("http://a/b".to_string());
        assert_eq!(resolve(&literal, &bound), Some(literal.clone()));
    }
}
